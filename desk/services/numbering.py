"""Human-facing ticket numbers from a counter row (UPDATE … RETURNING, inside the write lock)."""
from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from desk.models import Counter, Ticket

FIRST_TICKET_NUMBER = 1001


def next_ticket_number(session: Session) -> int:
    value = session.scalar(
        update(Counter).where(Counter.name == "ticket").values(value=Counter.value + 1).returning(Counter.value)
    )
    if value is None:
        start = max(session.scalar(select(func.max(Ticket.number))) or 0, FIRST_TICKET_NUMBER - 1) + 1
        session.add(Counter(name="ticket", value=start))
        session.flush()
        value = start
    return value
