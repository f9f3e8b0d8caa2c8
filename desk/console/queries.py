"""Read-only lookups the console pages need: counts for the navigation, the choices an
agent may pick from, who may see which customer, and a timeline page with its tickets."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import abort
from sqlalchemy import func, or_, select
from sqlalchemy.orm import lazyload, load_only

from desk.extensions import db
from desk.models import OPEN_STATUSES, Agent, Customer, Interaction, Queue, Ticket, agent_queue
from desk.services import MAX_ID, access, customers

TIMELINE_PAGE = 50


def visible_queues(agent: Agent) -> list[Queue]:
    if agent.has_role("supervisor"):
        return list(db.session.scalars(select(Queue).order_by(Queue.name)))
    return list(agent.queues)


def assignable_agents(agent: Agent, ticket: Ticket | None = None) -> list[Agent]:
    """Supervisors may assign anyone; agents, the people working the ticket's queue (and
    themselves). Active agents only."""
    stmt = select(Agent).where(Agent.active.is_(True)).order_by(Agent.name, Agent.id)
    if agent.has_role("supervisor"):
        return list(db.session.scalars(stmt))
    if ticket is None or ticket.queue_id is None:
        return [agent]
    in_queue = select(agent_queue.c.agent_id).where(agent_queue.c.queue_id == ticket.queue_id)
    return list(db.session.scalars(stmt.where(or_(Agent.id == agent.id, Agent.id.in_(in_queue)))))


def nav_counts(agent: Agent) -> dict:
    """The left navigation's counts inside the agent's scope, from the ticket tally (a few hundred
    rows kept by database triggers) instead of counting tickets on every page."""
    from desk.services import tally

    scope = None if agent.has_role("supervisor") else sorted(q.id for q in agent.queues)
    by_status: dict[str, int] = {}
    per_queue: dict[int | None, int] = {}
    mine = unassigned = 0
    for group in tally.scope_counts(db.session, agent.id, scope):
        by_status[group.status] = by_status.get(group.status, 0) + group.n
        if group.status in OPEN_STATUSES:
            per_queue[group.queue_id] = per_queue.get(group.queue_id, 0) + group.n
            mine += group.n if group.mine else 0
            unassigned += group.n if group.unassigned else 0
    return {
        "status": by_status,
        "active": sum(by_status.get(s, 0) for s in OPEN_STATUSES),
        "all": sum(by_status.values()),
        "mine": mine,
        "unassigned": unassigned,
        "queues": per_queue,
    }


def ticket_by_number(agent: Agent, number: int) -> Ticket:
    """The ticket with this number if the agent may see it; 404 either way otherwise."""
    if not 0 < number <= MAX_ID:
        abort(404)
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
    if ticket is None or not access.can_view_ticket(agent, ticket):
        abort(404)
    return ticket


def can_view_customer(agent: Agent, customer: Customer) -> bool:
    if agent.has_role("supervisor"):
        return True
    return db.session.scalar(
        select(Ticket.id).where(Ticket.customer_id == customer.id, access.ticket_scope(agent)).limit(1)
    ) is not None


def visible_customer_ids(agent: Agent, ids: list[int]) -> set[int]:
    if agent.has_role("supervisor"):
        return set(ids)
    if not ids:
        return set()
    return set(db.session.scalars(
        select(Ticket.customer_id).where(Ticket.customer_id.in_(ids), access.ticket_scope(agent)).distinct()))


def ticket_totals(customer_ids: list[int]) -> dict[int, dict[str, int]]:
    """Open and total ticket counts for a page of customers."""
    if not customer_ids:
        return {}
    totals: dict[int, dict[str, int]] = {cid: {"open": 0, "total": 0} for cid in customer_ids}
    rows = db.session.execute(
        select(Ticket.customer_id, Ticket.status, func.count())
        .where(Ticket.customer_id.in_(customer_ids)).group_by(Ticket.customer_id, Ticket.status))
    for cid, status, n in rows:
        totals[cid]["total"] += n
        if status in OPEN_STATUSES:
            totals[cid]["open"] += n
    return totals


@dataclass
class TimelinePage:
    entries: list[Interaction]
    next_cursor: str | None
    tickets: dict[int, Ticket] = field(default_factory=dict)


def timeline_page(customer: Customer, agent: Agent, *, cursor: str | None = None,
                  limit: int = TIMELINE_PAGE, oldest_first: bool = False) -> TimelinePage:
    """A page of the customer's cross-channel timeline (scoped to the agent), with the tickets
    its entries belong to loaded in one query (number and subject: what an entry shows)."""
    entries, next_cursor = customers.timeline(db.session, customer, agent, cursor=cursor, limit=limit)
    ticket_ids = {entry.ticket_id for entry in entries}
    tickets = {t.id: t for t in db.session.scalars(
        select(Ticket).where(Ticket.id.in_(ticket_ids))
        .options(load_only(Ticket.number, Ticket.subject), lazyload("*")))} if ticket_ids else {}
    if oldest_first:
        entries = list(reversed(entries))
    return TimelinePage(entries, next_cursor, tickets)


def customer_tickets(customer: Customer, agent: Agent, limit: int = 50) -> list[Ticket]:
    from desk.services import tickets

    rows, _ = tickets.list_tickets(db.session, agent, customer=customer.id, limit=limit, contacts=False)
    return rows
