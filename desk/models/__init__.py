"""All models, importable from one place (and registered on ``Base.metadata``)."""
from .agent import ROLES, Agent, ApiToken, Queue, agent_queue
from .base import Base, utcnow
from .customer import IDENTITY_KINDS, Customer, Identity
from .mail import QUARANTINE_REASONS, MailQuarantine
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
)

__all__ = [
    "Agent", "ApiToken", "Attachment", "AuditLog", "Base", "CHANNELS", "Counter", "Customer",
    "DELIVERY_STATUSES", "DIRECTIONS", "Heartbeat", "IDENTITY_KINDS", "Identity", "Interaction", "MailQuarantine", "OPEN_STATUSES",
    "OutboxItem", "PRIORITIES", "QUARANTINE_REASONS", "Queue", "ROLES", "STATUSES", "Ticket", "agent_queue", "utcnow",
]
from .console import *  # noqa: E402,F401,F403  (SLA, routing and workspace tables)
