"""Who may see and change what. Supervisors and admins see everything; agents see the
tickets of their queues and the tickets assigned to them."""
from __future__ import annotations

from sqlalchemy import ColumnElement, or_, true

from desk.errors import Forbidden
from desk.models import Agent, Ticket


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


def can_view_ticket(agent: Agent, ticket: Ticket) -> bool:
    if agent.has_role("supervisor"):
        return True
    return ticket.assignee_id == agent.id or ticket.queue_id in {q.id for q in agent.queues}


def require_ticket(agent: Agent, ticket: Ticket) -> None:
    if not can_view_ticket(agent, ticket):
        raise Forbidden("you have no access to this ticket's queue")


def require_role(agent: Agent, role: str) -> None:
    if not agent.has_role(role):
        raise Forbidden(f"this needs the {role} role")
