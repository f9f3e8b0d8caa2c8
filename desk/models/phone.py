"""Phone work: callback requests, outbound call campaigns and their contacts, the log of every
call outcome, and the Twilio webhook events already applied (so replays change nothing)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .agent import Agent
from .base import Base, utcnow
from .customer import Customer
from .ticket import Ticket

CALLBACK_STATUSES = ("waiting", "in_progress", "done", "unreached", "cancelled")
CALLBACK_OUTCOMES = ("reached", "no_answer", "wrong_number", "rescheduled")
CALLBACK_SOURCES = ("api", "web", "chat", "ivr", "console")
CAMPAIGN_STATUSES = ("draft", "active", "paused", "finished")
CONTACT_STATUSES = ("pending", "in_progress", "done", "dnc")
CAMPAIGN_OUTCOMES = ("interested", "not_interested", "call_back_later", "no_answer", "wrong_number", "do_not_call")
# Outcomes that mean a person was reached (the "contacts" of a campaign).
REACHED_OUTCOMES = ("interested", "not_interested", "call_back_later", "do_not_call", "reached", "rescheduled")


class Callback(Base):
    """A customer asked us to call them back; a queue agents work from the console."""

    __tablename__ = "callback"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"))
    phone: Mapped[str] = mapped_column(String(32))  # E.164
    name: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(16), default="api")
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    preferred_at: Mapped[datetime | None] = mapped_column()  # the start of the window the customer asked for
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    outcome: Mapped[str | None] = mapped_column(String(20))
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id", ondelete="SET NULL"))
    claimed_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column()

    customer: Mapped[Customer] = relationship(lazy="joined")
    ticket: Mapped[Ticket] = relationship()
    claimed_by: Mapped[Agent | None] = relationship(lazy="joined")

    __table_args__ = (Index("ix_callback_status_due", "status", "next_attempt_at", "id"),
                      Index("ix_callback_customer", "customer_id", "id"))


class Campaign(Base):
    """An outbound call campaign: who to call, what to say, when calling is allowed."""

    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    script: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    hours_start: Mapped[str] = mapped_column(String(5), default="09:00")  # local time, HH:MM
    hours_end: Mapped[str] = mapped_column(String(5), default="20:00")
    weekdays: Mapped[list] = mapped_column(default=lambda: [0, 1, 2, 3, 4])  # Monday = 0
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Seoul")
    max_attempts: Mapped[int] = mapped_column(default=3)
    retry_minutes: Mapped[int] = mapped_column(default=120)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CampaignContact(Base):
    """One customer on a campaign's list, and where calling them stands."""

    __tablename__ = "campaign_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    phone: Mapped[str] = mapped_column(String(32))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))  # made at the first call
    fields: Mapped[dict] = mapped_column(default=dict)  # extra CSV columns, for the script
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[str | None] = mapped_column(String(20))
    notes: Mapped[str] = mapped_column(Text, default="")
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id", ondelete="SET NULL"))
    claimed_at: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    customer: Mapped[Customer] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("campaign_id", "customer_id"),
                      Index("ix_campaign_contact_due", "campaign_id", "status", "next_attempt_at", "id"))


class CallLog(Base):
    """Every outcome an agent recorded after a call (callbacks, campaigns, click-to-call)."""

    __tablename__ = "call_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # callback | campaign | manual
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id", ondelete="SET NULL"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    callback_id: Mapped[int | None] = mapped_column(ForeignKey("callback.id", ondelete="SET NULL"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("campaign_contact.id", ondelete="CASCADE"))
    interaction_id: Mapped[int | None] = mapped_column(ForeignKey("interaction.id", ondelete="SET NULL"))
    outcome: Mapped[str] = mapped_column(String(20))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_call_log_campaign", "campaign_id", "agent_id"),)


class TwilioEvent(Base):
    """A webhook already applied, by its natural key (``CallSid:CallStatus``, ``MessageSid:status``)."""

    __tablename__ = "twilio_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
