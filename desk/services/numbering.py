"""Human-facing ticket numbers from a counter row (UPDATE … RETURNING, inside the write lock)."""
from __future__ import annotations

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from desk.models import Counter, Ticket
from desk.services.prepared import Prepared, Raw

FIRST_TICKET_NUMBER = 1001

_C, _T = Counter.__table__, Ticket.__table__
# Built once: a statement object remembers its cache key, so each use only binds and executes.
_BUMP = Prepared(update(_C).where(_C.c.name == "ticket").values(value=_C.c.value + 1).returning(_C.c.value))
_HIGHEST = Prepared(select(func.max(_T.c.number)))
_START = Prepared(insert(_C), columns=("name", "value"))


def next_number(conn: Raw) -> int:
    """The next ticket number, inside the inbound write."""
    value = _BUMP.scalar(conn)
    if value is None:  # no counter yet: start after the highest number in use
        value = max(_HIGHEST.scalar(conn) or 0, FIRST_TICKET_NUMBER - 1) + 1
        _START.execute(conn, {"name": "ticket", "value": value})
    return value


def next_ticket_number(session: Session) -> int:
    conn = session.connection()
    value = conn.execute(_BUMP.statement).scalar()
    if value is None:
        value = max(conn.execute(_HIGHEST.statement).scalar() or 0, FIRST_TICKET_NUMBER - 1) + 1
        conn.execute(_START.statement, {"name": "ticket", "value": value})
    return value
