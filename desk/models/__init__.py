"""All models, importable from one place (and registered on ``Base.metadata``)."""
from .agent import ROLES, Agent, ApiToken, Queue, agent_queue
from .base import Base, utcnow
from .customer import IDENTITY_KINDS, Customer, Identity
from .knowledge import ARTICLE_STATUSES, KB_LOCALES, Csat, KbArticle, KbCategory, KbDeflection, KbFeedback, KbRevision, PortalLogin, PortalMail  # noqa: E501,F401
from .mail import QUARANTINE_REASONS, MailQuarantine
from .phone import CallLog, Callback, Campaign, CampaignContact, TwilioEvent  # noqa: F401
from .chat import CHAT_STATUSES, ChatDeflection, ChatSession  # noqa: E402,F401
from .presence import PRESENCE_STATUSES, AgentPresence  # noqa: E402,F401
from .system import AuditLog, Counter, Heartbeat, OutboxItem
from .ticket import (
    CHANNELS,
    DELIVERY_STATUSES,
    DIRECTIONS,
    OPEN_STATUSES,
    PRIORITIES,
    STATUSES,
    Attachment,
    Interaction,
    Ticket,
    status_times,
)

__all__ = [
    "Agent", "ApiToken", "Attachment", "AuditLog", "Base", "CHANNELS", "Counter", "Customer",
    "DELIVERY_STATUSES", "DIRECTIONS", "Heartbeat", "IDENTITY_KINDS", "Identity", "Interaction", "MailQuarantine", "OPEN_STATUSES",
    "OutboxItem", "PRIORITIES", "QUARANTINE_REASONS", "Queue", "ROLES", "STATUSES", "Ticket", "agent_queue", "status_times", "utcnow",
]
from .console import *  # noqa: E402,F401,F403  (SLA, routing and workspace tables)
from .ticket_link import LINK_KINDS, LINK_MIRROR, TicketLink  # noqa: E402,F401  (merged, split and related tickets)
