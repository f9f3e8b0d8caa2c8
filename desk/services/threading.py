"""Which ticket does an inbound message belong to, and why.

Order (strongest first): a hint the transport verified (our signed Message-ID, a
reply+token address) -> the conversation key (chat session, call SID) -> a ``[#number]``
subject token, only when the sender is that ticket's customer -> the customer's open
ticket on a conversational channel -> a new ticket. The reason is recorded on the
interaction so an agent can see why a message landed where it did.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from channels.base import InboundMessage
from desk.models import OPEN_STATUSES, Customer, Interaction, Ticket
from desk.services import MAX_ID

# Channels where a customer keeps talking in one conversation; a new mail or web form is a new
# request unless it carries a reference to an existing ticket.
CONVERSATIONAL = frozenset({"sms", "chat", "voice", "callback"})


@dataclass(frozen=True)
class Decision:
    ticket: Ticket | None  # None: open a new ticket
    reason: str
    detail: str | None = None
    follow_up_of: int | None = None  # a closed ticket this message continues


def _usable(ticket: Ticket | None, reason: str, detail: str | None = None) -> Decision | None:
    if ticket is None:
        return None
    if ticket.status == "closed":
        # Closed tickets stay closed; the message opens a follow-up ticket.
        return Decision(None, "follow_up", f"ticket #{ticket.number} is closed", follow_up_of=ticket.id)
    return Decision(ticket, reason, detail)


def decide(session: Session, msg: InboundMessage, customer: Customer) -> Decision:
    hints = msg.thread_hints
    ignored: str | None = None

    if hints.ticket_id is not None:
        found = _usable(session.get(Ticket, hints.ticket_id), hints.reason or "verified_reference")
        if found:
            return found

    if hints.session:
        ticket_id = session.scalar(
            select(Interaction.ticket_id)
            .where(Interaction.thread_key == f"{msg.channel}:{hints.session}")
            .order_by(Interaction.id.desc())
            .limit(1)
        )
        if ticket_id is not None:
            found = _usable(session.get(Ticket, ticket_id), "same_conversation")
            if found:
                return found

    if hints.ticket_number is not None and 0 < hints.ticket_number <= MAX_ID:  # else it names no ticket
        ticket = session.scalar(select(Ticket).where(Ticket.number == hints.ticket_number))
        if ticket is not None and ticket.customer_id == customer.id:
            found = _usable(ticket, "subject_token")
            if found:
                return found
        else:
            # Anyone can type [#123] into a subject; only the ticket's customer may thread by it.
            ignored = f"subject token #{hints.ticket_number} ignored: sender is not that ticket's customer"

    if msg.channel in CONVERSATIONAL:
        ticket = session.scalar(
            select(Ticket)
            .where(Ticket.customer_id == customer.id, Ticket.channel == msg.channel,
                   Ticket.status.in_(OPEN_STATUSES))
            .order_by(Ticket.id.desc())
            .limit(1)
        )
        if ticket is not None:
            return Decision(ticket, "open_ticket_same_channel", ignored)

    return Decision(None, "new_ticket", ignored)
