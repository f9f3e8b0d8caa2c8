"""Console notifications: assignments, @mentions, replies on my tickets, SLA warnings and breaches.

Rows are written inside the caller's unit of work; ``notification.created`` goes out after the
commit to the recipient's ``agent:<id>`` room.
"""
from __future__ import annotations

import re
from typing import Iterable

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from desk.events import publish
from desk.extensions import db
from desk.models import Agent, Notification, Ticket, utcnow
from desk.schemas import iso

MENTION = re.compile(r"(?<![\w.@])@([\w.+-]+(?:@[\w-]+(?:\.[\w-]+)+)?)", re.UNICODE)


def notification_dict(n: Notification, ticket: Ticket | None = None) -> dict:
    return {"id": n.id, "kind": n.kind, "text": n.text, "ticket_id": n.ticket_id,
            "ticket_number": ticket.number if ticket is not None else None,
            "created_at": iso(n.created_at), "read": n.read_at is not None}


def notify(session: Session, agent_ids: Iterable[int], kind: str, *, ticket: Ticket | None = None,
           actor_id: int | None = None, text: str = "") -> list[Notification]:
    made = []
    for agent_id in sorted({a for a in agent_ids if a and a != actor_id}):
        row = Notification(agent_id=agent_id, kind=kind, ticket_id=ticket.id if ticket else None,
                           actor_id=actor_id, text=text[:500], created_at=utcnow())
        session.add(row)
        made.append(row)
    if made:
        session.flush()
        for row in made:
            publish(session, "notification.created", {"agent_id": row.agent_id,
                                                       "notification": notification_dict(row, ticket)})
    return made


def mentioned_agents(session: Session, text: str) -> list[Agent]:
    """Active staff named in ``text`` as ``@local-part`` (of their email) or ``@full@address``."""
    handles = {m.group(1).lower().rstrip(".") for m in MENTION.finditer(text or "")}
    if not handles:
        return []
    people = session.scalars(select(Agent).where(Agent.active.is_(True)))
    return [a for a in people if a.email.lower() in handles or a.email.lower().split("@")[0] in handles]


def supervisors(session: Session) -> list[int]:
    return list(session.scalars(select(Agent.id).where(Agent.active.is_(True),
                                                       Agent.role.in_(("supervisor", "admin")))))


def unread_count(agent_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.agent_id == agent_id, Notification.read_at.is_(None))) or 0


def recent(agent_id: int, limit: int = 30) -> list[tuple[Notification, Ticket | None]]:
    rows = db.session.execute(
        select(Notification, Ticket).outerjoin(Ticket, Ticket.id == Notification.ticket_id)
        .where(Notification.agent_id == agent_id).order_by(Notification.id.desc()).limit(limit))
    return [(n, t) for n, t in rows]


def mark_read(agent_id: int, ids: list[int] | None = None) -> int:
    with db.write() as session:
        stmt = update(Notification).where(Notification.agent_id == agent_id, Notification.read_at.is_(None))
        if ids is not None:
            stmt = stmt.where(Notification.id.in_(ids))
        return session.execute(stmt.values(read_at=utcnow())).rowcount or 0
