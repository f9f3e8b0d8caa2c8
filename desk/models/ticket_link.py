"""Links between tickets: one merged into another, one split off another, or simply related.
Every link is stored from both sides (merged_into / merged_from, split_from / split_to, related
both ways), so a ticket's links are one indexed read."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .ticket import Ticket

LINK_KINDS = ("merged_into", "merged_from", "split_from", "split_to", "related")
# The kind stored on the other ticket's side.
LINK_MIRROR = {"merged_into": "merged_from", "merged_from": "merged_into", "split_from": "split_to",
               "split_to": "split_from", "related": "related"}


class TicketLink(Base):
    __tablename__ = "ticket_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"))
    other_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id", ondelete="SET NULL"))

    other: Mapped[Ticket] = relationship(foreign_keys=[other_id], lazy="joined", innerjoin=True)

    __table_args__ = (
        UniqueConstraint("ticket_id", "other_id", "kind"),
        Index("ix_ticket_link_other_id", "other_id"),
    )
