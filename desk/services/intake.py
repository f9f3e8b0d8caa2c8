"""The one inbound path: every transport hands an InboundMessage to ``receive``.

In one transaction: deduplicate on (channel, external_id), resolve the customer, pick the
ticket (and say why), append the interaction, update the ticket; events go out after the
commit. Calling it twice with the same message returns the first result.

The write runs on plain SQLAlchemy Core statements (compiled once and cached), and the event
payloads are built from the values written (``desk.services.rows``, shared with replies).
``receive`` still returns ORM objects, attached to the session with the values just written, so
reading them costs no query; their relationships (customer, queue, attachments) load on first use.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Sequence

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from channels.base import InboundMessage
from desk.errors import Invalid
from desk.extensions import db
from desk.models import CHANNELS, Attachment, Customer, Interaction, Ticket, status_times, utcnow
from desk.services import attachments, identity, numbering, routing, rows, threading
from desk.services.prepared import Prepared, Raw, read_connection
from desk.services.sanitize import clean_html, html_to_text

log = logging.getLogger(__name__)

DEFAULT_SENDER_KIND = {"email": "email", "sms": "phone", "voice": "phone", "callback": "phone",
                       "chat": "chat_visitor", "campaign": "email"}
MAX_TEXT = 1_000_000

_T, _AT = Ticket.__table__, Attachment.__table__
_TICKET = Prepared(select(*_T.c).where(_T.c.id == bindparam("id")))
_NEW_TICKET = Prepared(insert(_T).returning(_T.c.id), columns=tuple(k for k in rows.TICKET_KEYS if k != "id"))
_TOUCH_TICKET = Prepared(update(_T).where(_T.c.id == bindparam("tid"))
                         .values(status=bindparam("new_status"), solved_at=bindparam("new_solved_at"),
                                 updated_at=bindparam("now"), last_inbound_at=bindparam("now"),
                                 version=bindparam("new_version")))
_ATTACHMENT_KEYS = ("interaction_id", "filename", "content_type", "size", "sha256", "content_id", "inline",
                    "created_at")
_NEW_ATTACHMENT = Prepared(insert(_AT).returning(_AT.c.id), columns=_ATTACHMENT_KEYS)


def _sender_kind(msg: InboundMessage) -> str:
    if msg.sender_kind:
        return msg.sender_kind
    if msg.channel in DEFAULT_SENDER_KIND:
        return DEFAULT_SENDER_KIND[msg.channel]
    return "email" if "@" in (msg.sender or "") else "phone"


def validate(msg: InboundMessage) -> tuple[str, str]:
    if msg.channel not in CHANNELS or msg.channel == "note":
        raise Invalid(f"unknown inbound channel {msg.channel!r}", field="channel")
    if msg.external_id is not None and not (0 < len(msg.external_id) <= 500):
        raise Invalid("external_id must be 1 to 500 characters", field="external_id")
    kind = _sender_kind(msg)
    return kind, identity.normalize(kind, msg.sender)


@dataclass(slots=True)
class Received:
    """What one message became: the rows as written (for a message seen before: as first stored)."""

    ticket_id: int
    interaction_id: int
    ticket: dict[str, Any]  # every ticket column (when written: and its queue's and assignee's names)
    interaction: dict[str, Any]  # every interaction column
    customer: identity.CustomerRef | None = None  # the sender (None for a duplicate)
    attachments: tuple = ()  # rows stored with the interaction (not read back for a duplicate)
    duplicate: bool = False  # seen before: nothing was written
    acknowledge: bool = False  # a new ticket in a queue that acknowledges new tickets by mail

    @property
    def reason(self) -> str | None:
        """Why the message threaded where it did (``meta["threading"]["reason"]``)."""
        return ((self.interaction.get("meta") or {}).get("threading") or {}).get("reason")


def receive(msg: InboundMessage) -> tuple[Ticket, Interaction]:
    """Record an inbound message; idempotent on (channel, external_id)."""
    received = record(msg)
    return objects(db.session(), received)


def record(msg: InboundMessage) -> Received:
    """``receive`` without the ORM objects: the light ``Received`` (``duplicate`` when the message
    was stored before), for callers that only need ids, such as the live chat."""
    kind, sender = validate(msg)
    session = db.session()
    for attempt in range(3):
        try:
            return db.retrying(_receive, session, msg, kind, sender)
        except IntegrityError:
            # Someone committed the same message or the same new identity first; look again.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def stored(channel: str, external_id: str) -> Received | None:
    """The message stored before under (channel, external_id), as ``receive`` hands back a
    duplicate; None when there is none. Reads only (what is committed now)."""
    with read_connection() as conn:
        return _stored(conn, channel, external_id)


def _stored(conn: Raw, channel: str, external_id: str) -> Received | None:
    seen = rows.existing_interaction(conn, channel, external_id)
    if seen is None:
        return None
    return Received(seen["ticket_id"], seen["id"], _TICKET.mapping(conn, {"id": seen["ticket_id"]}), seen,
                    duplicate=True)


def receive_many(messages: Sequence[InboundMessage]) -> list[Received]:
    """Several messages in ONE write transaction, in order; each is recorded exactly as
    ``receive`` would record it (a later message sees the earlier ones: a retry of one of them is
    a duplicate, a reply threads into the ticket the first one opened). One commit for all of them
    is what a transport draining a backlog wants: on PostgreSQL each commit waits for the WAL
    flush. All or nothing: if any message fails, nothing is stored and the error is raised (an
    invalid sender before anything is written); the caller then takes them one at a time.
    Returns light ``Received`` values, not ORM objects."""
    checked = [(msg, *validate(msg)) for msg in messages]
    session = db.session()
    for attempt in range(3):
        try:
            return db.retrying(_receive_all, session, checked)
        except IntegrityError:  # a concurrent writer stored one of them first; look again
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _receive(session: Session, msg: InboundMessage, kind: str, sender: str) -> Received:
    return _receive_all(session, [(msg, kind, sender)])[0]


def _receive_all(session: Session, checked: list[tuple[InboundMessage, str, str]]) -> list[Received]:
    return rows.committed(session, _write_all, checked)


def _write_all(conn: Raw, events: list, checked: list[tuple[InboundMessage, str, str]]) -> list[Received]:
    return [write(conn, events, msg, kind, sender) for msg, kind, sender in checked]


def write(conn: Raw, events: list, msg: InboundMessage, kind: str, sender: str) -> Received:
    """The whole inbound write, inside the caller's write transaction. The events it causes are
    appended to ``events`` as (name, payload); the caller dispatches them after the commit."""
    if msg.external_id is not None:
        seen = _stored(conn, msg.channel, msg.external_id)
        if seen is not None:  # stored before: hand back what was stored, change nothing
            return seen

    now = utcnow()
    customer = identity.resolve_ref(conn, kind, sender, name=msg.sender_name, now=now)
    decision = threading.decide(conn, msg, customer.id, new_customer=customer.created)
    ticket = decision.ticket
    changes: dict = {}
    if ticket is None:
        created = True
        queue = routing.pick_queue_row(conn, msg.queue, msg.channel)
        ticket = {
            "number": numbering.next_number(conn),
            "subject": (msg.subject or _subject_from(msg.text))[:500],
            "customer_id": customer.id,
            "queue_id": queue[0] if queue is not None else None,
            "assignee_id": None,
            "status": "new",
            "priority": "normal",
            "channel": msg.channel,
            "tags": [],
            "created_at": now,
            "updated_at": now,
            "last_inbound_at": now,
            "first_response_at": None,
            "first_response_due_at": None,
            "resolution_due_at": None,
            "solved_at": None,
            "closed_at": None,
            "version": 1,
        }
        ticket["id"] = _NEW_TICKET.scalar(conn, ticket)
        acknowledge = bool(queue is not None and queue[3])
        ticket.update(queue_slug=queue[1] if queue is not None else None,
                      queue_name=queue[2] if queue is not None else None,
                      assignee_name=None, assignee_email=None)
    else:
        created = acknowledge = False
        status = ticket["status"]
        if status in ("pending", "solved"):
            changes["status"] = [status, "open"]
            ticket["solved_at"] = status_times(status, "open", ticket["solved_at"], None, now)[0]
            ticket["status"] = "open"
        ticket.update(updated_at=now, last_inbound_at=now, version=(ticket["version"] or 0) + 1)
        _TOUCH_TICKET.execute(conn, {"tid": ticket["id"], "new_status": ticket["status"], "now": now,
                                     "new_solved_at": ticket["solved_at"], "new_version": ticket["version"]})

    html = clean_html(msg.html)  # None without HTML: nh3 only runs when there is some
    text = (msg.text or html_to_text(html))[:MAX_TEXT]
    threading_meta = {"reason": decision.reason}
    if decision.detail:
        threading_meta["detail"] = decision.detail
    if decision.follow_up_of:
        threading_meta["follow_up_of"] = decision.follow_up_of
    if changes.get("status", [None])[0] == "solved":
        threading_meta["reopened"] = True
    interaction = {
        "ticket_id": ticket["id"],
        "customer_id": customer.id,
        "channel": msg.channel,
        "direction": msg.direction,
        "author_agent_id": None,
        "subject": (msg.subject or "")[:500],
        "text": text,
        "html": html,
        "external_id": msg.external_id,
        "thread_key": f"{msg.channel}:{msg.thread_hints.session}" if msg.thread_hints.session else None,
        "meta": {**msg.meta, "threading": threading_meta, "sender": sender},
        "delivery_status": None,
        "occurred_at": msg.occurred_at,
        "created_at": now,
    }
    interaction["id"] = rows.insert_interaction(conn, interaction)
    stored = []
    for att in msg.attachments:
        row = attachments.store(att.data, att.filename, att.content_type, content_id=att.content_id,
                                inline=att.inline)
        values = {"interaction_id": interaction["id"], "filename": row.filename, "content_type": row.content_type,
                  "size": row.size, "sha256": row.sha256, "content_id": row.content_id, "inline": row.inline,
                  "created_at": now}
        values["id"] = _NEW_ATTACHMENT.scalar(conn, values)
        stored.append(values)

    owner = customer if ticket["customer_id"] == customer.id else identity.customer_ref(conn, ticket["customer_id"])
    ticket_payload = rows.ticket_payload(ticket, owner.as_ref())
    if created:
        events.append(("ticket.created", {"ticket": ticket_payload}))
    else:
        events.append(("ticket.updated", {"ticket": ticket_payload, "changes": changes}))
    events.append(("interaction.created",
                   {"interaction": rows.interaction_payload(interaction, stored), "ticket": ticket_payload}))
    return Received(ticket["id"], interaction["id"], ticket, interaction, customer, tuple(stored),
                    acknowledge=acknowledge)


# -- ORM objects for callers, without loading them ----------------------------------------------

def objects(session: Session, received: Received) -> tuple[Ticket, Interaction]:
    """(ticket, interaction) as ORM objects of ``session``."""
    ticket = rows.attach_ticket(session, received.ticket)
    interaction = rows.attach_interaction(session, received.interaction)
    set_committed_value(interaction, "ticket", ticket)
    if received.duplicate:
        return ticket, interaction  # its attachments load when asked for
    if not received.attachments:
        set_committed_value(interaction, "attachments", [])
    customer = received.customer
    known = session.identity_map.get(identity_key(Customer, customer.id))
    if known is not None and known.name != customer.name:  # a name filled in by this message
        set_committed_value(known, "name", customer.name)
        session.expire(known, ["updated_at"])
    return ticket, interaction


def _subject_from(text: str) -> str:
    first = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return first[:80] + ("…" if len(first) > 80 else "")
