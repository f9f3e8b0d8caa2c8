"""Ticket counts from ``ticket_tally`` (kept by database triggers; see the model): the floor, the
agents' load and the sidebar counts read a few hundred rows instead of counting tickets."""
from __future__ import annotations

from collections import defaultdict
from typing import NamedTuple

from sqlalchemy import case, delete, false, func, insert, or_, select
from sqlalchemy.orm import Session

from desk.models import TicketTally

COMPACT_ABOVE = 500  # rows; below this, summing is already trivial


class Group(NamedTuple):
    queue_id: int | None
    channel: str
    status: str
    assignee_id: int | None
    n: int


def groups(session: Session) -> list[Group]:
    key = (TicketTally.queue_id, TicketTally.channel, TicketTally.status, TicketTally.assignee_id)
    rows = session.execute(select(*key, func.sum(TicketTally.n)).group_by(*key).having(func.sum(TicketTally.n) != 0))
    return [Group(*row) for row in rows]


class ScopeCount(NamedTuple):
    queue_id: int | None
    status: str
    mine: bool
    unassigned: bool
    n: int


def scope_counts(session: Session, agent_id: int, queue_ids: list[int] | None) -> list[ScopeCount]:
    """Tickets per queue and status that one agent may see (``queue_ids`` None: everything),
    split into theirs / unassigned / others'. Summed by the database: a few dozen rows come back,
    not one per (queue, channel, status, assignee)."""
    t = TicketTally
    mine = case((t.assignee_id == agent_id, True), else_=False)
    unassigned = case((t.assignee_id.is_(None), True), else_=False)
    stmt = select(t.queue_id, t.status, mine, unassigned, func.sum(t.n)).group_by(
        t.queue_id, t.status, mine, unassigned).having(func.sum(t.n) != 0)
    if queue_ids is not None:
        stmt = stmt.where(or_(t.assignee_id == agent_id, t.queue_id.in_(queue_ids) if queue_ids else false()))
    return [ScopeCount(q, st, bool(m), bool(u), n) for q, st, m, u, n in session.execute(stmt)]


def compact(session: Session) -> int:
    """Fold the +1/-1 rows into one row per group. Deletes exactly the rows it sums (``RETURNING``),
    so rows other transactions add meanwhile are kept. Returns how many rows it folded."""
    if (session.scalar(select(func.count()).select_from(TicketTally)) or 0) <= COMPACT_ABOVE:
        return 0
    top = session.scalar(select(func.max(TicketTally.id)))
    folded = session.execute(delete(TicketTally).where(TicketTally.id <= top).returning(
        TicketTally.queue_id, TicketTally.channel, TicketTally.status, TicketTally.assignee_id, TicketTally.n)).all()
    sums: dict[tuple, int] = defaultdict(int)
    for queue_id, channel, status, assignee_id, n in folded:
        sums[(queue_id, channel, status, assignee_id)] += n
    rows = [{"queue_id": q, "channel": c, "status": s, "assignee_id": a, "n": n}
            for (q, c, s, a), n in sums.items() if n]
    if rows:
        session.execute(insert(TicketTally), rows)
    return len(folded)
