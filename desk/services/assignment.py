"""Routing work to agents: per queue manual, round-robin or least-loaded, among the available
agents with the queue's skill, within each agent's capacity across channels.

Load is counted in units over an agent's tickets that need them now (status new or open): a
live chat or call costs 3 (``CHANNEL_WEIGHTS``), anything else 1. Availability comes from the
presence service when one is installed (``app.extensions["desk_presence"]`` with
``online_ids()``); without it every active agent counts as available.

``agent_went_offline(agent_id)`` is the entry point for the presence service: the agent's
unanswered tickets in queues that route automatically go to someone else (or back to the queue).
"""
from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desk.events import publish
from desk.extensions import db
from desk.models import Agent, AgentSettings, AuditLog, Interaction, QueueSettings, Ticket, agent_queue, utcnow
from desk.models.routing import CHANNEL_WEIGHTS, DEFAULT_WEIGHT, ROUTING_MODES
from desk.schemas import ticket_dict
from desk.services import notifications, tally

ACTIVE = ("new", "open")
DEFAULT_CAPACITY = 10


def weight(channel: str) -> int:
    return CHANNEL_WEIGHTS.get(channel, DEFAULT_WEIGHT)


def online_ids(agent_ids: set[int] | None = None) -> set[int] | None:
    """Agents available for work, or ``None`` when no presence service is installed (all are)."""
    presence = current_app.extensions.get("desk_presence")
    if presence is None:
        return None
    return set(presence.online_ids())


def status_of(agent_id: int) -> str:
    presence = current_app.extensions.get("desk_presence")
    return presence.status(agent_id) if presence is not None else "online"


def statuses(agent_ids) -> dict[int, str]:
    presence = current_app.extensions.get("desk_presence")
    return presence.statuses(agent_ids) if presence is not None else dict.fromkeys(agent_ids, "online")


def queue_settings(session: Session, queue_id: int) -> QueueSettings:
    found = session.get(QueueSettings, queue_id)
    return found if found is not None else QueueSettings(queue_id=queue_id, routing="manual", reassign_offline=True)


def capacities(session: Session, agent_ids) -> dict[int, int]:
    ids = list(agent_ids)
    if not ids:
        return {}
    found = dict(session.execute(select(AgentSettings.agent_id, AgentSettings.capacity)
                                 .where(AgentSettings.agent_id.in_(ids))).all())
    return {i: found.get(i, DEFAULT_CAPACITY) for i in ids}


def loads(session: Session, agent_ids, groups: list | None = None) -> dict[int, dict]:
    """Per agent: load units, open tickets and live chats (new/open, assigned to them).
    ``groups``: the tally's groups when the caller has read them already."""
    ids = set(agent_ids)
    result = {i: {"units": 0, "tickets": 0, "chats": 0} for i in ids}
    if not ids:
        return result
    for group in groups if groups is not None else tally.groups(session):
        if group.assignee_id not in ids or group.status not in ACTIVE:
            continue
        entry = result[group.assignee_id]
        entry["units"] += weight(group.channel) * group.n
        entry["tickets"] += group.n
        if group.channel == "chat":
            entry["chats"] += group.n
    return result


def candidates(session: Session, queue_id: int, settings: QueueSettings, *, cost: int = 1,
               exclude: set[int] = frozenset()) -> list[tuple[Agent, int, int]]:
    """Agents who may take one more ticket of ``cost`` units in this queue: (agent, load, capacity)."""
    agents = list(session.scalars(select(Agent).join(agent_queue, agent_queue.c.agent_id == Agent.id)
                                  .where(agent_queue.c.queue_id == queue_id, Agent.active.is_(True))
                                  .order_by(Agent.id)))
    if settings.skill:
        agents = [a for a in agents if settings.skill in (a.skills or [])]
    online = online_ids()
    agents = [a for a in agents if a.id not in exclude and (online is None or a.id in online)]
    caps = capacities(session, [a.id for a in agents])
    load = loads(session, [a.id for a in agents])
    return [(a, load[a.id]["units"], caps[a.id]) for a in agents if load[a.id]["units"] + cost <= caps[a.id]]


def pick(session: Session, ticket: Ticket, settings: QueueSettings, exclude: set[int] = frozenset()) -> Agent | None:
    pool = candidates(session, ticket.queue_id, settings, cost=weight(ticket.channel), exclude=exclude)
    if not pool:
        return None
    if settings.routing == "round_robin":
        after = [entry for entry in pool if entry[0].id > (settings.last_agent_id or 0)]
        return (after or pool)[0][0]
    # least loaded: the smallest share of capacity in use, then the fewest units, then the lowest id
    return min(pool, key=lambda e: (e[1] / max(e[2], 1), e[1], e[0].id))[0]


def auto_assign(session: Session, ticket: Ticket, *, exclude: set[int] = frozenset(), reason: str = "routing") -> Agent | None:
    """Assign an unassigned open ticket by its queue's rule; ``None`` when manual or nobody is free."""
    if ticket.assignee_id is not None or ticket.status not in ACTIVE or ticket.queue_id is None:
        return None
    settings = queue_settings(session, ticket.queue_id)
    if settings.routing not in ROUTING_MODES or settings.routing == "manual":
        return None
    agent = pick(session, ticket, settings, exclude)
    if agent is None:
        return None
    ticket.assignee_id = agent.id
    ticket.version += 1
    ticket.updated_at = utcnow()
    if settings.routing == "round_robin":
        stored = session.get(QueueSettings, ticket.queue_id)
        if stored is not None:
            stored.last_agent_id = agent.id
    session.add(AuditLog(action="ticket.assigned", target_type="ticket", target_id=ticket.id,
                         data={"assignee": agent.id, "by": reason, "mode": settings.routing}))
    session.flush()
    session.refresh(ticket)
    publish(session, "ticket.updated", {"ticket": ticket_dict(ticket), "changes": {"assignee": [None, agent.id]}})
    notifications.notify(session, [agent.id], "assigned", ticket=ticket,
                         text=f"#{ticket.number} {ticket.subject}"[:200])
    return agent


def routed_queue_ids(session: Session) -> list[int]:
    return list(session.scalars(select(QueueSettings.queue_id).where(QueueSettings.routing != "manual")))


def assign_waiting(session: Session, limit: int = 50) -> int:
    """Hand out the oldest unassigned tickets of every automatically routed queue."""
    done = 0
    for queue_id in routed_queue_ids(session):
        waiting = list(session.scalars(select(Ticket).where(
            Ticket.queue_id == queue_id, Ticket.status.in_(ACTIVE), Ticket.assignee_id.is_(None))
            .order_by(Ticket.id).limit(limit)))
        for ticket in waiting:
            if auto_assign(session, ticket) is None:
                break  # nobody has room in this queue; try again on the next pass
            done += 1
    return done


def _unanswered(session: Session, ticket: Ticket) -> bool:
    if ticket.first_response_at is None:
        return True
    last_reply = session.scalar(select(func.max(Interaction.occurred_at)).where(
        Interaction.ticket_id == ticket.id, Interaction.direction == "outbound",
        Interaction.author_agent_id.is_not(None)))
    return ticket.last_inbound_at is not None and (last_reply is None or ticket.last_inbound_at > last_reply)


def agent_went_offline(agent_id: int) -> int:
    """Give the unanswered tickets of an agent who went offline to someone else (queues that
    route automatically and have ``reassign_offline`` on). Returns how many were moved."""
    def _run() -> int:
        moved = 0
        with db.write() as session:
            mine = list(session.scalars(select(Ticket).where(Ticket.assignee_id == agent_id,
                                                             Ticket.status.in_(ACTIVE)).order_by(Ticket.id)))
            for ticket in mine:
                if ticket.queue_id is None:
                    continue
                settings = queue_settings(session, ticket.queue_id)
                if settings.routing == "manual" or not settings.reassign_offline or not _unanswered(session, ticket):
                    continue
                ticket.assignee_id = None
                ticket.version += 1
                ticket.updated_at = utcnow()
                session.add(AuditLog(action="ticket.unassigned", target_type="ticket", target_id=ticket.id,
                                     data={"from": agent_id, "reason": "agent_offline"}))
                session.flush()
                if auto_assign(session, ticket, exclude={agent_id}, reason="agent_offline") is None:
                    session.refresh(ticket)
                    publish(session, "ticket.updated", {"ticket": ticket_dict(ticket),
                                                        "changes": {"assignee": [agent_id, None]}})
                moved += 1
        return moved

    return db.retrying(_run)
