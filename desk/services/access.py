"""Who may see and change what. Supervisors and admins see everything; agents see the
tickets of their queues and the tickets assigned to them."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, bindparam, or_, select, true

from desk.errors import Forbidden
from desk.models import Agent, Ticket, agent_queue
from desk.models.agent import StaffMember
from desk.services.prepared import Prepared, Raw


@dataclass(frozen=True, slots=True)
class Actor(StaffMember):
    """An agent as the permission checks, replies and events need them, as a plain value. The
    console's chat events read it with one prepared statement per event (``actor``) instead of
    loading the Agent and then its queues through the ORM, which cost more than the reply itself
    once that ran on prepared statements."""

    id: int
    name: str
    email: str
    role: str
    active: bool
    chat_capacity: int
    queue_ids: frozenset[int]


_A, _AQ = Agent.__table__, agent_queue
_ACTOR = Prepared(select(_A.c.id, _A.c.name, _A.c.email, _A.c.role, _A.c.active, _A.c.chat_capacity, _AQ.c.queue_id)
                  .select_from(_A.outerjoin(_AQ, _AQ.c.agent_id == _A.c.id)).where(_A.c.id == bindparam("id")))


def actor(conn: Raw, agent_id: int) -> Actor | None:
    """The agent ``agent_id`` as they are now (None when there is none)."""
    found = _ACTOR.all(conn, {"id": agent_id})
    if not found:
        return None
    return Actor(*found[0][:6], queue_ids=frozenset(row[6] for row in found if row[6] is not None))


def as_actor(agent: Agent | Actor) -> Actor:
    """The agent as a plain value, with whatever the ORM object still had to load loaded now: a
    write transaction that checks it later never needs the session (a second pooled connection).
    A supervisor's queues are left out: every check lets them see all queues without asking (and
    the object may be one whose queues cannot be loaded any more, detached from its session)."""
    if isinstance(agent, Actor):
        return agent
    queue_ids = frozenset() if agent.has_role("supervisor") else agent.queue_ids
    return Actor(agent.id, agent.name, agent.email, agent.role, agent.active, agent.chat_capacity, queue_ids)


def ticket_scope(agent: Agent) -> ColumnElement[bool]:
    if agent.has_role("supervisor"):
        return true()
    queue_ids = [q.id for q in agent.queues]
    clauses = [Ticket.assignee_id == agent.id]
    if queue_ids:
        clauses.append(Ticket.queue_id.in_(queue_ids))
    return or_(*clauses)


def ticket_scope_branches(agent: Agent, *, queue_id: int | None = None,
                          unassigned: bool = False) -> list[ColumnElement[bool]] | None:
    """``ticket_scope`` as separate conditions, each served by one index ((assignee_id, status, id)
    and (queue_id, status, id)); ``None`` when the agent sees everything asked for. A list reads
    the newest rows of each branch and merges them, instead of letting the database sort an OR.

    Branches that cannot match the list's own filters are left out, not only for speed: a branch
    for another queue than ``queue_id`` (or the agent's own tickets when listing ``unassigned``
    ones) would have the database walk that whole branch's index range to find nothing."""
    if agent.has_role("supervisor"):
        return None
    mine = [] if unassigned else [Ticket.assignee_id == agent.id]
    queue_ids = [q.id for q in agent.queues]
    if queue_id is not None:
        return None if queue_id in queue_ids else mine
    return [*mine, *(Ticket.queue_id == q for q in queue_ids)]


def can_view(agent: Agent, queue_id: int | None, assignee_id: int | None) -> bool:
    """May ``agent`` see a ticket in ``queue_id`` assigned to ``assignee_id``?"""
    if agent.has_role("supervisor"):
        return True
    return assignee_id == agent.id or queue_id in agent.queue_ids


def can_view_ticket(agent: Agent, ticket: Ticket) -> bool:
    return can_view(agent, ticket.queue_id, ticket.assignee_id)


def require_view(agent: Agent, queue_id: int | None, assignee_id: int | None) -> None:
    if not can_view(agent, queue_id, assignee_id):
        raise Forbidden("you have no access to this ticket's queue")


def require_ticket(agent: Agent, ticket: Ticket) -> None:
    require_view(agent, ticket.queue_id, ticket.assignee_id)


def require_role(agent: Agent, role: str) -> None:
    if not agent.has_role(role):
        raise Forbidden(f"this needs the {role} role")
