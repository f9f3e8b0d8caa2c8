"""Tickets and the interactions (every message, call, note) that make up their timeline."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .agent import Agent, Queue
from .base import Base, utcnow
from .customer import Customer

STATUSES = ("new", "open", "pending", "solved", "closed")
OPEN_STATUSES = ("new", "open", "pending")
PRIORITIES = ("low", "normal", "high", "urgent")
CHANNELS = ("email", "chat", "sms", "voice", "callback", "web", "note", "campaign")


def status_times(old: str, new: str, solved_at, closed_at, now) -> tuple:
    """(solved_at, closed_at) after a status change: solved_at is set while a ticket is solved or
    closed and only then (reports read resolution times and the backlog from it); closed_at is
    when it was closed."""
    if new == old:
        return solved_at, closed_at
    if new == "solved":
        return now, closed_at
    if new == "closed":
        return solved_at or now, now
    return None, closed_at
DIRECTIONS = ("inbound", "outbound", "internal")
DELIVERY_STATUSES = ("queued", "sending", "sent", "delivered", "failed", "recorded")


class Ticket(Base):
    __tablename__ = "ticket"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    subject: Mapped[str] = mapped_column(String(500), default="")
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queue.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id"))
    status: Mapped[str] = mapped_column(String(16), default="new")
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    channel: Mapped[str] = mapped_column(String(16))
    tags: Mapped[list] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_inbound_at: Mapped[datetime | None] = mapped_column()
    first_response_at: Mapped[datetime | None] = mapped_column()
    first_response_due_at: Mapped[datetime | None] = mapped_column()
    resolution_due_at: Mapped[datetime | None] = mapped_column()
    solved_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    # Bumped on every change; lets a client notice it acted on a stale view.
    version: Mapped[int] = mapped_column(default=1)

    customer: Mapped[Customer] = relationship(lazy="joined", innerjoin=True)
    queue: Mapped[Queue | None] = relationship(lazy="joined")
    assignee: Mapped[Agent | None] = relationship(lazy="joined")

    __table_args__ = (
        # Queue views and the API list are keyset-paginated by id, newest first.
        Index("ix_ticket_status_id", "status", "id"),
        Index("ix_ticket_queue_status_id", "queue_id", "status", "id"),
        Index("ix_ticket_assignee_status_id", "assignee_id", "status", "id"),
        Index("ix_ticket_customer_id", "customer_id", "id"),
        Index("ix_ticket_channel_id", "channel", "id"),
    )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class Interaction(Base):
    """One entry on a customer's timeline: a mail, chat message, SMS, call, callback or note."""

    __tablename__ = "interaction"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    channel: Mapped[str] = mapped_column(String(16))
    direction: Mapped[str] = mapped_column(String(16))
    author_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id"))
    subject: Mapped[str] = mapped_column(String(500), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    html: Mapped[str | None] = mapped_column(Text)
    external_id: Mapped[str | None] = mapped_column(String(500))
    # A conversation key (chat session, call SID): later messages with it join the same ticket.
    thread_key: Mapped[str | None] = mapped_column(String(200))
    meta: Mapped[dict] = mapped_column(default=dict)
    delivery_status: Mapped[str | None] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    ticket: Mapped[Ticket] = relationship()
    author: Mapped[Agent | None] = relationship(lazy="joined")
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="interaction", lazy="selectin", order_by="Attachment.id"
    )

    __table_args__ = (
        UniqueConstraint("channel", "external_id"),
        Index("ix_interaction_ticket_id", "ticket_id", "id"),
        Index("ix_interaction_customer_id", "customer_id", "id"),
        Index("ix_interaction_thread_key", "thread_key"),
    )

    @property
    def is_internal(self) -> bool:
        return self.direction == "internal"


class Attachment(Base):
    """A file stored once under the instance folder by its SHA-256."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    interaction_id: Mapped[int | None] = mapped_column(
        ForeignKey("interaction.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(127), default="application/octet-stream")
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content_id: Mapped[str | None] = mapped_column(String(255))
    inline: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    interaction: Mapped[Interaction | None] = relationship(back_populates="attachments")
