"""Shared set-up for the SLA and routing tests."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from desk.extensions import db
from desk.models import BusinessCalendar, QueueSettings, SlaPolicy, Ticket, utcnow


def always_open() -> BusinessCalendar:
    with db.write() as session:
        calendar = BusinessCalendar(name="24/7", timezone="Asia/Seoul", hours={}, is_default=True)
        session.add(calendar)
    return calendar


def policy(**kw) -> SlaPolicy:
    kw.setdefault("name", "기본")
    kw.setdefault("first_response_minutes", 60)
    kw.setdefault("resolution_minutes", 8 * 60)
    with db.write() as session:
        row = SlaPolicy(**kw)
        session.add(row)
    return row


def backdate(ticket_id: int, when: datetime, **extra) -> None:
    """Pretend the ticket was created (and last heard from) at ``when``: a committed change the
    console loop notices like any other (the version and ``updated_at`` move on)."""
    with db.write() as session:
        session.execute(update(Ticket).where(Ticket.id == ticket_id).values(
            created_at=when, updated_at=utcnow(), last_inbound_at=when, version=Ticket.version + 1, **extra))


def route(queue_id: int, mode: str, **kw) -> None:
    with db.write() as session:
        session.merge(QueueSettings(queue_id=queue_id, routing=mode, reassign_offline=True, **kw))


def ticket(ticket_id: int) -> Ticket:
    return db.session.get(Ticket, ticket_id, populate_existing=True)
