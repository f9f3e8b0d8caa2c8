"""Live chat: one chat session per conversation a visitor starts in the widget, and the
knowledge-base articles that answered a visitor before (or instead of) an agent."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .agent import Agent, Queue
from .base import Base, utcnow

# waiting: offered to agents, nobody accepted yet; active: an agent is chatting;
# offline: nobody online or outside business hours, answered by email; ended: over.
CHAT_STATUSES = ("waiting", "active", "offline", "ended")


class ChatSession(Base):
    __tablename__ = "chat_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(40), unique=True)  # the thread hint: chat:<token>
    visitor_id: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queue.id"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id"))
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(320))  # as the visitor typed it
    email_verified: Mapped[bool] = mapped_column(default=False)
    topic: Mapped[str | None] = mapped_column(String(64))
    locale: Mapped[str | None] = mapped_column(String(10))
    origin: Mapped[str | None] = mapped_column(String(200))
    participants: Mapped[list] = mapped_column(default=list)  # invited agents (supervisors)
    visitor_read_id: Mapped[int] = mapped_column(default=0)
    agent_read_id: Mapped[int] = mapped_column(default=0)
    deflected_article: Mapped[str | None] = mapped_column(String(200))
    transcript_sent_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()
    ended_by: Mapped[str | None] = mapped_column(String(16))

    # Loaded only when a chat is shown (not on every message).
    queue: Mapped[Queue | None] = relationship()
    agent: Mapped[Agent | None] = relationship()

    __table_args__ = (
        Index("ix_chat_session_visitor", "visitor_id", "id"),
        Index("ix_chat_session_status", "status", "queue_id", "id"),
        Index("ix_chat_session_agent", "agent_id", "status"),
        Index("ix_chat_session_ticket", "ticket_id"),
    )


class ChatDeflection(Base):
    """A visitor opened a suggested article; with no chat after it, the article answered them."""

    __tablename__ = "chat_deflection"

    id: Mapped[int] = mapped_column(primary_key=True)
    visitor_id: Mapped[str] = mapped_column(String(64))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("chat_session.id", ondelete="SET NULL"))
    article_id: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300), default="")
    query: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_chat_deflection_visitor", "visitor_id", "id"),)
