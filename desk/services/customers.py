"""Customer lookups and the one cross-channel timeline."""
from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, defaultload, lazyload

from desk.errors import NotFound
from desk.models import Agent, Customer, Identity, Interaction, Ticket
from desk.services import MAX_ID, access
from desk.services.tickets import decode_cursor, encode_cursor, identity_match, like_pattern


def get(session: Session, customer_id) -> Customer:
    try:
        value = int(customer_id)
    except (TypeError, ValueError):
        raise NotFound(f"customer {str(customer_id)[:40]!r} not found") from None
    customer = session.get(Customer, value) if 0 < value <= MAX_ID else None
    if customer is None:
        raise NotFound(f"customer {value} not found")
    return customer


def search(session: Session, q: str | None, *, cursor=None, limit=50) -> tuple[list[Customer], str | None]:
    stmt = select(Customer).where(Customer.merged_into_id.is_(None))
    if q:
        q = str(q).strip()[:200]
        stmt = stmt.where(or_(
            Customer.name.ilike(like_pattern(q), escape="\\"),
            Customer.id.in_(select(Identity.customer_id).where(identity_match(q))),
        ))
    after = decode_cursor(cursor)
    if after is not None:
        stmt = stmt.where(Customer.id < after)
    rows = list(session.scalars(stmt.order_by(Customer.id.desc()).limit(limit + 1)))
    return rows[:limit], (encode_cursor(rows[limit - 1].id) if len(rows) > limit else None)


def timeline(session: Session, customer: Customer, viewer: Agent, *, cursor=None, limit=50,
             include_internal: bool = True) -> tuple[list[Interaction], str | None]:
    """Every interaction with the customer on any channel, newest first."""
    # The authors come with each interaction; their own queues are not needed here.
    stmt = (select(Interaction).where(Interaction.customer_id == customer.id)
            .options(defaultload(Interaction.author).options(lazyload(Agent.queues))))
    if not viewer.has_role("supervisor"):
        stmt = stmt.join(Ticket, Ticket.id == Interaction.ticket_id).where(access.ticket_scope(viewer))
    if not include_internal:
        stmt = stmt.where(Interaction.direction != "internal")
    after = decode_cursor(cursor)
    if after is not None:
        stmt = stmt.where(Interaction.id < after)
    rows = list(session.scalars(stmt.order_by(Interaction.id.desc()).limit(limit + 1)))
    return rows[:limit], (encode_cursor(rows[limit - 1].id) if len(rows) > limit else None)


def ticket_counts(session: Session, customer: Customer, viewer: Agent | None = None) -> dict[str, int]:
    """Tickets per status; only those ``viewer`` may see, when given."""
    stmt = select(Ticket.status, func.count()).where(Ticket.customer_id == customer.id)
    if viewer is not None:
        stmt = stmt.where(access.ticket_scope(viewer))
    rows = session.execute(stmt.group_by(Ticket.status))
    return {status: count for status, count in rows}
