"""Merging two tickets, splitting a customer's message off into a ticket of its own, and linking
related tickets. Every change locks the tickets it touches (in id order, so two merges running
against each other cannot deadlock), is audited, and is announced after commit."""
from __future__ import annotations

from dataclasses import dataclass

from contextlib import nullcontext

from flask import current_app, has_request_context
from flask_babel import force_locale
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from desk.errors import Conflict, Invalid, NotFound
from desk.events import publish
from desk.extensions import db
from desk.i18n import gettext as _
from desk.models import LINK_MIRROR, Agent, AuditLog, Interaction, Ticket, TicketLink, utcnow
from desk.models.chat import ChatSession
from desk.schemas import interaction_dict, ticket_dict
from desk.services import MAX_ID, access, numbering, tickets


@dataclass
class Link:
    kind: str
    ticket: Ticket


def links_of(session: Session, ticket: Ticket, viewer: Agent) -> list[Link]:
    """The ticket's links the viewer may follow, oldest first."""
    rows = session.scalars(select(TicketLink).where(TicketLink.ticket_id == ticket.id).order_by(TicketLink.id))
    return [Link(row.kind, row.other) for row in rows if access.can_view_ticket(viewer, row.other)]


def merged_into(session: Session, ticket_id: int) -> Ticket | None:
    return session.scalar(select(Ticket).join(TicketLink, TicketLink.other_id == Ticket.id)
                          .where(TicketLink.ticket_id == ticket_id, TicketLink.kind == "merged_into"))


def _lock_pair(session: Session, actor: Agent, first_id: int, second_id: int) -> tuple[Ticket, Ticket]:
    """Both tickets, locked in id order; 404 for a ticket that is missing or not the actor's to see."""
    found = {}
    for ticket_id in sorted({first_id, second_id}):
        ticket = tickets.locked(session, ticket_id) if 0 < ticket_id <= MAX_ID else None
        if ticket is None or not access.can_view_ticket(actor, ticket):
            raise NotFound(f"ticket {ticket_id} not found")
        found[ticket_id] = ticket
    return found[first_id], found[second_id]


def _add_link(session: Session, ticket: Ticket, other: Ticket, kind: str, actor: Agent) -> bool:
    """Store the link from both sides; False when it was already there."""
    exists = session.scalar(select(TicketLink.id).where(TicketLink.ticket_id == ticket.id,
                                                        TicketLink.other_id == other.id, TicketLink.kind == kind))
    if exists:
        return False
    now = utcnow()
    session.add(TicketLink(ticket_id=ticket.id, other_id=other.id, kind=kind, created_at=now, actor_agent_id=actor.id))
    session.add(TicketLink(ticket_id=other.id, other_id=ticket.id, kind=LINK_MIRROR[kind], created_at=now,
                           actor_agent_id=actor.id))
    return True


def _touch(ticket: Ticket) -> None:
    ticket.version += 1
    ticket.updated_at = utcnow()


def merge(source_id: int, target_id: int, actor: Agent, *, across_customers: bool = False) -> Ticket:
    """Move every interaction of the source ticket (with its attachments) onto the target, close
    the source as merged, and leave an internal note on the target. Merging the same pair again
    returns the target unchanged. Tickets of two different customers merge only when the actor
    confirms it (``across_customers``); merging the customers themselves is ``identity.merge``."""
    if source_id == target_id:
        raise Invalid("a ticket cannot be merged into itself", field="into")
    with db.write() as session:
        source, target = _lock_pair(session, actor, source_id, target_id)
        already = merged_into(session, source.id)
        if already is not None:
            if already.id == target.id:
                return target  # the same merge again: nothing more to do
            raise Conflict(f"ticket #{source.number} was already merged into #{already.number}",
                           code="already_merged")
        if merged_into(session, target.id) is not None:
            raise Conflict(f"ticket #{target.number} was merged into another ticket; merge into that one",
                           code="target_merged")
        if target.status == "closed":
            raise Conflict(f"ticket #{target.number} is closed; nothing can be merged into it", code="target_closed")
        if source.status == "closed":
            raise Conflict(f"ticket #{source.number} is closed and cannot be merged", code="ticket_closed")
        other_customer = source.customer_id != target.customer_id
        if other_customer and not across_customers:
            raise Conflict("the tickets belong to different customers; confirm to merge them anyway "
                           "(or merge the two customers first if they are the same person)", code="different_customers")
        moves = {"ticket_id": target.id}
        if other_customer:  # the interactions join the target customer's timeline, where the ticket is shown
            moves["customer_id"] = target.customer_id
        moved = session.execute(update(Interaction).where(Interaction.ticket_id == source.id).values(**moves)
                                .execution_options(synchronize_session=False)).rowcount
        session.execute(update(ChatSession).where(ChatSession.ticket_id == source.id)
                        .values(ticket_id=target.id).execution_options(synchronize_session=False))
        now = utcnow()
        source_status = source.status
        source.status = "closed"
        source.closed_at = now
        source.solved_at = source.solved_at or now
        _touch(source)
        if source.last_inbound_at and (target.last_inbound_at is None or source.last_inbound_at > target.last_inbound_at):
            target.last_inbound_at = source.last_inbound_at
        _touch(target)
        _add_link(session, source, target, "merged_into", actor)
        # In the agent's language on a page; the desk's default language from the API or a script.
        with nullcontext() if has_request_context() else force_locale(current_app.config["LOCALE"]):
            text = _("Merged ticket #%(number)s (%(subject)s) into this one: %(count)s interactions moved.",
                     number=source.number, subject=source.subject or _("(no subject)"), count=moved)
        note = Interaction(
            ticket_id=target.id, customer_id=target.customer_id, channel="note", direction="internal",
            author_agent_id=actor.id, created_at=now, occurred_at=now, text=text, meta={"merged_from": source.id},
        )
        session.add(note)
        session.add(AuditLog(actor_agent_id=actor.id, action="ticket.merged", target_type="ticket",
                             target_id=source.id, data={"into": target.id, "moved": moved,
                                                        "across_customers": other_customer}))
        session.flush()
        session.expire_all()
        source, target, note = session.get(Ticket, source.id), session.get(Ticket, target.id), session.get(Interaction, note.id)
        target_payload = ticket_dict(target)
        publish(session, "interaction.created", {"interaction": interaction_dict(note), "ticket": target_payload})
        publish(session, "ticket.updated", {"ticket": ticket_dict(source),
                                            "changes": {"status": [source_status, "closed"],
                                                        "merged_into": [None, target.id]}})
        publish(session, "ticket.updated", {"ticket": target_payload, "changes": {"merged_from": [None, source.id]}})
    return target


def split(interaction_id: int, actor: Agent) -> Ticket:
    """A new ticket for the same customer (same queue and channel) holding this customer message."""
    with db.write() as session:
        entry = session.get(Interaction, interaction_id) if 0 < interaction_id <= MAX_ID else None
        if entry is None:
            raise NotFound(f"interaction {interaction_id} not found")
        ticket = tickets.locked(session, entry.ticket_id)
        if ticket is None or not access.can_view_ticket(actor, ticket):
            raise NotFound(f"interaction {interaction_id} not found")
        session.refresh(entry)  # as committed now that the ticket is locked
        if entry.ticket_id != ticket.id:
            raise Conflict("that message moved to another ticket meanwhile", code="stale")
        if entry.direction != "inbound":
            raise Invalid("only a message from the customer can be split into a new ticket", field="interaction")
        if ticket.status == "closed":
            raise Conflict("the ticket is closed; its messages cannot be split off", code="ticket_closed")
        count = session.scalar(select(func.count()).select_from(Interaction).where(Interaction.ticket_id == ticket.id))
        if count <= 1:
            raise Conflict("this is the only message of its ticket; there is nothing to split it from",
                           code="only_interaction")
        now = utcnow()
        subject = (entry.subject or "").strip() or _first_line(entry.text) or ticket.subject
        new = Ticket(number=numbering.next_ticket_number(session), subject=subject[:500],
                     customer_id=ticket.customer_id, queue_id=ticket.queue_id, channel=ticket.channel,
                     priority=ticket.priority, status="open", created_at=now, updated_at=now,
                     last_inbound_at=entry.occurred_at)
        session.add(new)
        session.flush()
        entry.ticket_id = new.id
        _touch(ticket)
        _add_link(session, new, ticket, "split_from", actor)
        session.add(AuditLog(actor_agent_id=actor.id, action="ticket.split", target_type="ticket",
                             target_id=ticket.id, data={"interaction": entry.id, "new_ticket": new.id}))
        session.flush()
        session.refresh(new)
        session.refresh(ticket)
        publish(session, "ticket.created", {"ticket": ticket_dict(new)})
        publish(session, "ticket.updated", {"ticket": ticket_dict(ticket), "changes": {"split_to": [None, new.id]}})
    return new


def _first_line(text: str | None) -> str:
    stripped = (text or "").strip()
    first = stripped.splitlines()[0] if stripped else ""
    return first[:80] + ("…" if len(first) > 80 else "")


def link(a_id: int, b_id: int, actor: Agent) -> bool:
    """Mark two tickets as related (both ways); True when the link is new."""
    if a_id == b_id:
        raise Invalid("a ticket cannot be linked to itself", field="ticket")
    with db.write() as session:
        a, b = _lock_pair(session, actor, a_id, b_id)
        created = _add_link(session, a, b, "related", actor)
        if created:
            session.add(AuditLog(actor_agent_id=actor.id, action="ticket.linked", target_type="ticket",
                                 target_id=a.id, data={"other": b.id}))
            _announce(session, a, b, {"linked": [None, b.id]}, {"linked": [None, a.id]})
    return created


def unlink(a_id: int, b_id: int, actor: Agent) -> bool:
    """Remove the "related" link between two tickets; True when there was one. Merge and split
    links stay: they record what happened."""
    with db.write() as session:
        a, b = _lock_pair(session, actor, a_id, b_id)
        removed = session.execute(delete(TicketLink).where(
            TicketLink.kind == "related",
            ((TicketLink.ticket_id == a.id) & (TicketLink.other_id == b.id))
            | ((TicketLink.ticket_id == b.id) & (TicketLink.other_id == a.id)),
        ).execution_options(synchronize_session=False)).rowcount
        if removed:
            session.add(AuditLog(actor_agent_id=actor.id, action="ticket.unlinked", target_type="ticket",
                                 target_id=a.id, data={"other": b.id}))
            _announce(session, a, b, {"linked": [b.id, None]}, {"linked": [a.id, None]})
    return bool(removed)


def _announce(session: Session, a: Ticket, b: Ticket, a_changes: dict, b_changes: dict) -> None:
    _touch(a)
    _touch(b)
    session.flush()
    session.refresh(a)
    session.refresh(b)
    publish(session, "ticket.updated", {"ticket": ticket_dict(a), "changes": a_changes})
    publish(session, "ticket.updated", {"ticket": ticket_dict(b), "changes": b_changes})
