"""Agent presence: online / away / offline, as supervisors see it live.

An agent chooses ``online`` or ``away`` (or ``offline``); they count as that only while at least
one of their console sockets is connected and has been heard from lately (the console sends a
heartbeat every 30 s). A web process that dies without saying goodbye therefore cannot leave
an agent "online" for longer than ``STALE_AFTER``.

Changes are published as ``agent.presence`` events after commit; the realtime layer emits
``presence`` to supervisors (room ``staff``) and to the agent's own consoles.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk.errors import Invalid
from desk.events import publish
from desk.extensions import db
from desk.models import PRESENCE_STATUSES, Agent, AgentPresence, agent_queue, utcnow

STALE_AFTER = timedelta(seconds=90)
CHOICES = ("online", "away", "offline")


def effective(row: AgentPresence | None, now=None) -> str:
    if row is None or row.connections <= 0 or row.status == "offline":
        return "offline"
    if (now or utcnow()) - row.seen_at > STALE_AFTER:
        return "offline"
    return row.status


def _row(session: Session, agent_id: int) -> AgentPresence:
    row = session.get(AgentPresence, agent_id, with_for_update=True)
    if row is None:
        row = AgentPresence(agent_id=agent_id, status="online", connections=0, seen_at=utcnow(),
                            changed_at=utcnow())
        session.add(row)
        session.flush()
    return row


def _change(agent_id: int, apply) -> str:
    def unit() -> str:
        with db.write() as session:
            row = _row(session, agent_id)
            before = effective(row)
            apply(row)
            now = utcnow()
            row.seen_at = now
            after = effective(row, now)
            if after != before:
                row.changed_at = now
                agent = session.get(Agent, agent_id)
                publish(session, "agent.presence", {"agent": {"id": agent_id, "name": agent.display_name},
                                                    "status": after, "previous": before,
                                                    "queues": [q.id for q in agent.queues]})
            return after
    return db.retrying(unit)


def connected(agent_id: int) -> str:
    def apply(row):
        row.connections = max(row.connections, 0) + 1
    return _change(agent_id, apply)


def disconnected(agent_id: int) -> str:
    def apply(row):
        row.connections = max(row.connections - 1, 0)
    return _change(agent_id, apply)


def heartbeat(agent_id: int) -> str:
    """A console is still there (refreshes ``seen_at``; repairs a lost connection count)."""
    def apply(row):
        row.connections = max(row.connections, 1)
    return _change(agent_id, apply)


def set_status(agent_id: int, status: str) -> str:
    if status not in CHOICES:
        raise Invalid(f"status must be one of {', '.join(CHOICES)}", field="status")

    def apply(row):
        row.status = status
    return _change(agent_id, apply)


def status_of(session: Session, agent_id: int) -> str:
    return effective(session.get(AgentPresence, agent_id))


def statuses_of(session: Session, agent_ids) -> dict[int, str]:
    """``status_of`` for several agents in one query."""
    ids = list(agent_ids)
    rows = {r.agent_id: r for r in session.scalars(select(AgentPresence).where(AgentPresence.agent_id.in_(ids)))} \
        if ids else {}
    now = utcnow()
    return {agent_id: effective(rows.get(agent_id), now) for agent_id in ids}


def online_in_queue(session: Session, queue_id: int | None) -> list[int]:
    """Ids of the agents of ``queue_id`` who are online now (any queue when None)."""
    stmt = select(AgentPresence).join(Agent, Agent.id == AgentPresence.agent_id).where(
        Agent.active.is_(True), AgentPresence.status == "online", AgentPresence.connections > 0,
        AgentPresence.seen_at > utcnow() - STALE_AFTER)
    if queue_id is not None:
        stmt = stmt.join(agent_queue, agent_queue.c.agent_id == Agent.id).where(agent_queue.c.queue_id == queue_id)
    return [row.agent_id for row in session.scalars(stmt)]


def board(session: Session) -> list[dict]:
    """Every active agent with their presence, for supervisors."""
    rows = {r.agent_id: r for r in session.scalars(select(AgentPresence))}
    now = utcnow()
    agents = session.scalars(select(Agent).where(Agent.active.is_(True)).order_by(Agent.name, Agent.id))
    return [{"agent": {"id": a.id, "name": a.display_name, "role": a.role}, "status": effective(rows.get(a.id), now),
             "since": rows[a.id].changed_at.isoformat() if a.id in rows else None} for a in agents]


def counts(session: Session) -> dict[str, int]:
    result = dict.fromkeys(PRESENCE_STATUSES, 0)
    for entry in board(session):
        result[entry["status"]] += 1
    return result


def offline_since(row: AgentPresence, now=None) -> object | None:
    """When the agent went offline (``None`` while they are online or away)."""
    now = now or utcnow()
    if row.status == "offline" or row.connections <= 0:
        return row.changed_at
    if now - row.seen_at > STALE_AFTER:
        return row.seen_at + STALE_AFTER  # their console stopped answering
    return None


def gone_offline(session: Session, grace: timedelta, now=None) -> list[int]:
    """Agents offline for longer than ``grace`` who still hold new or open tickets. The grace
    period is what keeps a page reload (the console socket closes and opens again) from counting
    as leaving."""
    from desk.models import Ticket

    now = now or utcnow()
    holders = select(Ticket.assignee_id).where(Ticket.status.in_(("new", "open"))).distinct()
    rows = session.scalars(select(AgentPresence).where(AgentPresence.agent_id.in_(holders)))
    return [row.agent_id for row in rows
            if (since := offline_since(row, now)) is not None and now - since > grace]


class Directory:
    """What routing asks of presence, registered as ``app.extensions["desk_presence"]``."""

    def status(self, agent_id: int) -> str:
        return status_of(db.session, agent_id)

    def statuses(self, agent_ids) -> dict[int, str]:
        return statuses_of(db.session, agent_ids)

    def online_ids(self) -> set[int]:
        return set(online_in_queue(db.session, None))

    def gone_offline(self, grace: timedelta) -> list[int]:
        return gone_offline(db.session, grace)


__all__ = ["Directory", "gone_offline", "offline_since", "CHOICES", "STALE_AFTER", "board", "connected", "counts", "disconnected", "effective", "heartbeat",
           "online_in_queue", "set_status", "status_of", "statuses_of"]
