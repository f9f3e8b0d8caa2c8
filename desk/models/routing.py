"""How each queue hands out work, and how much each agent can carry."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

ROUTING_MODES = ("manual", "round_robin", "least_loaded")
# Load units an open ticket costs its assignee: a live conversation needs the agent's attention.
CHANNEL_WEIGHTS = {"chat": 3, "voice": 3}
DEFAULT_WEIGHT = 1


class QueueSettings(Base):
    __tablename__ = "queue_settings"

    queue_id: Mapped[int] = mapped_column(ForeignKey("queue.id", ondelete="CASCADE"), primary_key=True)
    routing: Mapped[str] = mapped_column(String(16), default="manual")
    skill: Mapped[str | None] = mapped_column(String(64))
    calendar_id: Mapped[int | None] = mapped_column(ForeignKey("business_calendar.id", ondelete="SET NULL"))
    last_agent_id: Mapped[int | None] = mapped_column()  # round-robin pointer
    reassign_offline: Mapped[bool] = mapped_column(default=True)


class AgentSettings(Base):
    """``capacity`` in load units (a mail costs 1, a live chat 3)."""

    __tablename__ = "agent_settings"

    agent_id: Mapped[int] = mapped_column(ForeignKey("agent.id", ondelete="CASCADE"), primary_key=True)
    capacity: Mapped[int] = mapped_column(default=10)
