"""Business calendars (weekly hours and holidays), SLA policies, and each ticket's stored SLA clock."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow

SLA_TARGETS = ("first_response", "next_response", "resolution")
# Mon..Sun, 09:00-18:00 on weekdays: the usual Korean office day.
DEFAULT_HOURS = {str(d): ([["09:00", "18:00"]] if d < 5 else []) for d in range(7)}


class BusinessCalendar(Base):
    """Opening hours per weekday (``{"0": [["09:00", "18:00"]], …, "6": []}``, Monday = 0) in a
    time zone, plus holidays. A calendar with no hours at all counts every hour (24/7)."""

    __tablename__ = "business_calendar"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Seoul")
    hours: Mapped[dict] = mapped_column(default=lambda: dict(DEFAULT_HOURS))
    is_default: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    holidays: Mapped[list[Holiday]] = relationship(back_populates="calendar", order_by="Holiday.day",
                                                   cascade="all, delete-orphan", lazy="selectin")


class Holiday(Base):
    __tablename__ = "business_holiday"

    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("business_calendar.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(120), default="")

    calendar: Mapped[BusinessCalendar] = relationship(back_populates="holidays")

    __table_args__ = (UniqueConstraint("calendar_id", "day"),)


class SlaPolicy(Base):
    """Targets in business minutes for the tickets it matches (queue, priority, customer segment;
    empty = any). The most specific active policy wins, then the lowest ``position``."""

    __tablename__ = "sla_policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queue.id", ondelete="CASCADE"))
    priority: Mapped[str | None] = mapped_column(String(16))
    segment: Mapped[str | None] = mapped_column(String(64))
    first_response_minutes: Mapped[int | None] = mapped_column()
    next_response_minutes: Mapped[int | None] = mapped_column()
    resolution_minutes: Mapped[int | None] = mapped_column()
    warn_minutes: Mapped[int] = mapped_column(default=30)
    escalate_priority: Mapped[bool] = mapped_column(default=True)
    notify_supervisors: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TicketSla(Base):
    """A ticket's SLA clock, stored so it survives restarts. ``due_at`` is the nearest deadline
    not met and not yet breached (NULL while paused, met or closed); ``warn_at`` when the
    warning goes out. ``paused_seconds`` is business time spent pending."""

    __tablename__ = "ticket_sla"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), primary_key=True)
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("sla_policy.id", ondelete="SET NULL"))
    calendar_id: Mapped[int | None] = mapped_column(ForeignKey("business_calendar.id", ondelete="SET NULL"))
    first_response_due_at: Mapped[datetime | None] = mapped_column()
    next_response_due_at: Mapped[datetime | None] = mapped_column()
    resolution_due_at: Mapped[datetime | None] = mapped_column()
    last_reply_at: Mapped[datetime | None] = mapped_column()
    paused_at: Mapped[datetime | None] = mapped_column()
    paused_seconds: Mapped[int] = mapped_column(default=0)
    due_at: Mapped[datetime | None] = mapped_column()
    due_target: Mapped[str | None] = mapped_column(String(20))
    warn_at: Mapped[datetime | None] = mapped_column()
    breached: Mapped[list] = mapped_column(default=list)
    breached_at: Mapped[datetime | None] = mapped_column()
    is_open: Mapped[bool] = mapped_column(default=True)
    seen_version: Mapped[int] = mapped_column(default=0)
    seen_status: Mapped[str] = mapped_column(String(16), default="new")
    seen_priority: Mapped[str] = mapped_column(String(16), default="normal")
    # Where the ticket is, copied by ``sync`` so the floor groups SLA figures without reading tickets.
    queue_id: Mapped[int | None] = mapped_column()
    channel: Mapped[str | None] = mapped_column(String(16))
    seen_assignee_id: Mapped[int | None] = mapped_column()
    seen_inbound_at: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_ticket_sla_due_at", "due_at", "queue_id", "channel"),
        Index("ix_ticket_sla_warn_at", "warn_at"),
        Index("ix_ticket_sla_open_breached", "is_open", "breached_at", "queue_id", "channel"),
    )


class WorkerCursor(Base):
    """Where a background loop got to (e.g. the last ``ticket.updated_at`` it looked at)."""

    __tablename__ = "worker_cursor"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[datetime | None] = mapped_column()
    value: Mapped[int] = mapped_column(default=0)


class TicketTally(Base):
    """Ticket counts per (queue, channel, status, assignee), kept by database triggers on
    ``ticket`` as +1/-1 rows (no row is ever updated, so concurrent writers never wait on each
    other) and folded into one row per group by the console loop. The floor, agents' load and
    the sidebar counts read this small table instead of counting tickets."""

    __tablename__ = "ticket_tally"

    id: Mapped[int] = mapped_column(primary_key=True)
    queue_id: Mapped[int | None] = mapped_column()
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    assignee_id: Mapped[int | None] = mapped_column()
    n: Mapped[int] = mapped_column()
