"""Agent presence: what the agent chose (online / away) and whether any console of theirs is connected."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow

PRESENCE_STATUSES = ("online", "away", "offline")


class AgentPresence(Base):
    __tablename__ = "agent_presence"

    agent_id: Mapped[int] = mapped_column(ForeignKey("agent.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="online")  # chosen: online | away | offline
    connections: Mapped[int] = mapped_column(default=0)  # open console sockets, all processes
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)  # last connect, heartbeat or change
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
