"""Inbound mail that could not be turned into an interaction, kept for a person to look at."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow

QUARANTINE_REASONS = ("parse_error", "timeout", "spoofing", "rate_limited", "unknown_bounce", "loop",
                      "no_sender", "intake_error")


class MailQuarantine(Base):
    __tablename__ = "mail_quarantine"

    id: Mapped[int] = mapped_column(primary_key=True)
    spool_id: Mapped[int | None] = mapped_column()
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    mail_from: Mapped[str] = mapped_column(String(320), default="")  # envelope sender ("" = null sender)
    sender: Mapped[str] = mapped_column(String(320), default="")  # the From header, as far as it could be read
    rcpt_to: Mapped[str] = mapped_column(Text, default="")
    subject: Mapped[str] = mapped_column(String(500), default="")
    message_id: Mapped[str | None] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str] = mapped_column(String(32))
    error: Mapped[str] = mapped_column(Text, default="")
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default="quarantined")  # quarantined | reprocessed | discarded
    resolved_at: Mapped[datetime | None] = mapped_column()
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id", ondelete="SET NULL"))
    interaction_id: Mapped[int | None] = mapped_column(ForeignKey("interaction.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_mail_quarantine_status", "status", "id"),
                      Index("ix_mail_quarantine_sha256", "sha256"))
