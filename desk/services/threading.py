"""Which ticket does an inbound message belong to, and why.

Order (strongest first): a hint the transport verified (our signed Message-ID, a
reply+token address) -> the conversation key (chat session, call SID) -> a ``[#number]``
subject token, only when the sender is that ticket's customer -> the customer's open
ticket on a conversational channel -> a new ticket. The reason is recorded on the
interaction so an agent can see why a message landed where it did.

Runs inside intake's write transaction on plain Core statements. The ticket it picks is read
as committed now and locked until the write ends (PostgreSQL: ``FOR UPDATE``; SQLite's write
already holds the database lock), so a ticket an agent closed a moment ago is seen as closed
and the message opens a follow-up instead.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, literal_column, select

from channels.base import InboundMessage
from desk.models import OPEN_STATUSES, Interaction, Ticket
from desk.services import MAX_ID, rows
from desk.services.prepared import Prepared, Raw

# Channels where a customer keeps talking in one conversation; a new mail or web form is a new
# request unless it carries a reference to an existing ticket.
CONVERSATIONAL = frozenset({"sms", "chat", "voice", "callback"})

_T, _X = Ticket.__table__, Interaction.__table__

# Each reads the ticket as ``rows.locked_ticket`` does: every column plus what the event payload
# shows of its queue and assignee, locked.
_ROW = rows.TICKET_ROW
_BY_NUMBER = Prepared(_ROW.where(_T.c.number == bindparam("number")))
# The id is picked first (a PostgreSQL init-plan, evaluated once), then that row is locked and
# read as it is now: a conversation's ticket closed meanwhile comes back closed, not skipped.
_BY_SESSION = Prepared(_ROW.where(_T.c.id == (
    select(_X.c.ticket_id).where(_X.c.thread_key == bindparam("key")).order_by(_X.c.id.desc()).limit(1)
    .scalar_subquery())))
_open = _T.alias("open_ticket")
_OPEN_SAME_CHANNEL = Prepared(_ROW.where(_T.c.id == (
    select(_open.c.id)
    .where(_open.c.customer_id == bindparam("customer_id"), _open.c.channel == bindparam("channel"),
           _open.c.status.in_([literal_column(f"'{status}'") for status in OPEN_STATUSES]))
    .order_by(_open.c.id.desc()).limit(1).scalar_subquery())))


@dataclass(frozen=True, slots=True)
class Decision:
    ticket: dict[str, Any] | None  # the locked ticket row (columns + queue/assignee); None: a new ticket
    reason: str
    detail: str | None = None
    follow_up_of: int | None = None  # a closed ticket this message continues


def _usable(ticket: dict | None, reason: str, detail: str | None = None) -> Decision | None:
    if ticket is None:
        return None
    if ticket["status"] == "closed":
        # Closed tickets stay closed; the message opens a follow-up ticket.
        return Decision(None, "follow_up", f"ticket #{ticket['number']} is closed", follow_up_of=ticket["id"])
    return Decision(ticket, reason, detail)


def _one(conn: Raw, statement: Prepared, params: dict) -> dict | None:
    return statement.mapping(conn, params)


def decide(conn: Raw, msg: InboundMessage, customer_id: int, *, new_customer: bool = False) -> Decision:
    """``new_customer``: the customer was created by this very message, so owns no ticket yet."""
    hints = msg.thread_hints
    ignored: str | None = None

    if hints.ticket_id is not None and 0 < hints.ticket_id <= MAX_ID:
        found = _usable(rows.locked_ticket(conn, hints.ticket_id), hints.reason or "verified_reference")
        if found:
            return found

    if hints.session:
        found = _usable(_one(conn, _BY_SESSION, {"key": f"{msg.channel}:{hints.session}"}), "same_conversation")
        if found:
            return found

    if hints.ticket_number is not None and 0 < hints.ticket_number <= MAX_ID:  # else it names no ticket
        ticket = None if new_customer else _one(conn, _BY_NUMBER, {"number": hints.ticket_number})
        if ticket is not None and ticket["customer_id"] == customer_id:
            return _usable(ticket, "subject_token")
        # Anyone can type [#123] into a subject; only the ticket's customer may thread by it.
        ignored = f"subject token #{hints.ticket_number} ignored: sender is not that ticket's customer"

    if msg.channel in CONVERSATIONAL and not new_customer:
        found = _usable(_one(conn, _OPEN_SAME_CHANNEL, {"customer_id": customer_id, "channel": msg.channel}),
                        "open_ticket_same_channel", ignored)
        if found:
            return found

    return Decision(None, "new_ticket", ignored)
