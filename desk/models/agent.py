"""Staff: agents, supervisors and admins; their queues and API tokens."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow

ROLES = ("agent", "supervisor", "admin")
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}

agent_queue = Table(
    "agent_queue",
    Base.metadata,
    Column("agent_id", ForeignKey("agent.id", ondelete="CASCADE"), primary_key=True),
    Column("queue_id", ForeignKey("queue.id", ondelete="CASCADE"), primary_key=True),
)


class Queue(Base):
    __tablename__ = "queue"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(500), default="")
    is_default: Mapped[bool] = mapped_column(default=False)
    # Acknowledge new tickets by mail (used by the email channel).
    send_acknowledgement: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    agents: Mapped[list[Agent]] = relationship(secondary=agent_queue, back_populates="queues")


class StaffMember:
    """What an agent row and ``access.Actor`` (the same agent, read without the ORM) share. Both
    have ``id``, ``name``, ``email``, ``role``, ``active`` and ``queue_ids``."""

    __slots__ = ()

    @property
    def is_active(self) -> bool:
        return self.active

    def has_role(self, role: str) -> bool:
        return ROLE_RANK.get(self.role, -1) >= ROLE_RANK[role]

    @property
    def display_name(self) -> str:
        return self.name or self.email


class Agent(StaffMember, Base):
    __tablename__ = "agent"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20), default="agent")
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(10))
    phone: Mapped[str | None] = mapped_column(String(32))
    skills: Mapped[list] = mapped_column(default=list)
    chat_capacity: Mapped[int] = mapped_column(default=3)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column()

    # Loaded when used (permission checks of the signed-in agent), not with every agent row: a
    # ticket loads its assignee, and most screens never look at the assignee's queues. Lists of
    # agents that show queues ask for them with ``selectinload(Agent.queues)``.
    queues: Mapped[list[Queue]] = relationship(
        secondary=agent_queue, back_populates="agents", lazy="select", order_by="Queue.name"
    )
    tokens: Mapped[list[ApiToken]] = relationship(back_populates="agent")

    @property
    def queue_ids(self) -> frozenset[int]:
        return frozenset(q.id for q in self.queues)

    # Flask-Login protocol (and ``is_active``).
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored (tokens are 256-bit random)."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agent.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()

    agent: Mapped[Agent] = relationship(back_populates="tokens")
