"""Human-facing ticket numbers from a counter row (UPDATE … RETURNING, inside the write lock)."""
from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from desk.models import Counter, Ticket

FIRST_TICKET_NUMBER = 1001


def next_ticket_number(session: Session) -> int:
    # Core statement on the session's connection: the ORM's bulk-update bookkeeping is not needed here.
    table = Counter.__table__
    value = session.connection().execute(
        update(table).where(table.c.name == "ticket").values(value=table.c.value + 1).returning(table.c.value)
    ).scalar()
    if value is None:
        start = max(session.scalar(select(func.max(Ticket.number))) or 0, FIRST_TICKET_NUMBER - 1) + 1
        session.add(Counter(name="ticket", value=start))
        session.flush()
        value = start
    return value
