"""The one inbound path: every transport hands an InboundMessage to ``receive``.

In one transaction: deduplicate on (channel, external_id), resolve the customer, pick the
ticket (and say why), append the interaction, update the ticket; events go out after the
commit. Calling it twice with the same message returns the first result.

The write runs on plain SQLAlchemy Core statements (compiled once and cached), and the event
payloads are built from the values written: the ORM's unit of work, identity map and object
loading cost ten times what the SQL does. ``receive`` still returns ORM objects, attached to the
session with the values just written, so reading them costs no query; their relationships
(customer, queue, attachments) load on first use.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from channels.base import InboundMessage
from desk.errors import Invalid
from desk.events import dispatch
from desk.extensions import db
from desk.models import CHANNELS, Attachment, Customer, Interaction, Ticket, utcnow
from desk.schemas import attachment_dict, iso
from desk.services import attachments, identity, numbering, routing, threading
from desk.services.prepared import Prepared, Raw
from desk.services.sanitize import clean_html, html_to_text

log = logging.getLogger(__name__)

DEFAULT_SENDER_KIND = {"email": "email", "sms": "phone", "voice": "phone", "callback": "phone",
                       "chat": "chat_visitor", "campaign": "email"}
MAX_TEXT = 1_000_000

_T, _X, _AT = Ticket.__table__, Interaction.__table__, Attachment.__table__
_INTERACTION_KEYS = tuple(c.key for c in _X.c)
# Most messages are new, so this usually finds nothing; a retry gets the whole row back at once.
_EXISTING = Prepared(select(*_X.c).where(_X.c.channel == bindparam("channel"),
                                         _X.c.external_id == bindparam("external_id")))
_TICKET = Prepared(select(*_T.c).where(_T.c.id == bindparam("id")))
_NEW_TICKET = Prepared(insert(_T).returning(_T.c.id), columns=tuple(k for k in threading.TICKET_KEYS if k != "id"))
_TOUCH_TICKET = Prepared(update(_T).where(_T.c.id == bindparam("tid"))
                         .values(status=bindparam("new_status"), solved_at=bindparam("new_solved_at"),
                                 updated_at=bindparam("now"), last_inbound_at=bindparam("now"),
                                 version=bindparam("new_version")))
_NEW_INTERACTION = Prepared(insert(_X).returning(_X.c.id), columns=tuple(k for k in _INTERACTION_KEYS if k != "id"))
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
    kind, sender = validate(msg)
    session = db.session()
    for attempt in range(3):
        try:
            received = db.retrying(_receive, session, msg, kind, sender)
            break
        except IntegrityError:
            # Someone committed the same message or the same new identity first; look again.
            if attempt == 2:
                raise
    return objects(session, received)


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
    events: list = []
    with write_connection(session) as conn:
        received = [write(conn, events, msg, kind, sender) for msg, kind, sender in checked]
    for name, payload in events:  # committed: now subscribers may hear of it
        dispatch(name, payload)
    return received


@contextmanager
def write_connection(session: Session) -> Iterator[Raw]:
    """``db.write()`` on a bare Core connection: commits on success, rolls back on error.

    The session's own transaction (a read snapshot) ends first, as ``db.write()`` does, so the
    objects handed back afterwards read what was just committed. On SQLite the transaction starts
    with ``BEGIN IMMEDIATE``: the write lock is held from the first statement on.
    """
    if session.in_transaction():
        session.commit()
    with db.engine.connect() as conn:
        raw = Raw(conn)
        try:
            if db.is_sqlite:  # the transaction on the driver connection itself: two statements, no more
                raw.sql("BEGIN IMMEDIATE")
                try:
                    yield raw
                    raw.sql("COMMIT")
                except BaseException:
                    if raw.dbapi.in_transaction:
                        raw.dbapi.rollback()
                    raise
            else:
                with conn.begin():
                    yield raw
        finally:
            raw.close()


def write(conn: Raw, events: list, msg: InboundMessage, kind: str, sender: str) -> Received:
    """The whole inbound write, inside the caller's write transaction. The events it causes are
    appended to ``events`` as (name, payload); the caller dispatches them after the commit."""
    if msg.external_id is not None:
        seen = _EXISTING.mapping(conn, {"channel": msg.channel, "external_id": msg.external_id})
        if seen is not None:  # stored before: hand back what was stored, change nothing
            return Received(seen["ticket_id"], seen["id"], _TICKET.mapping(conn, {"id": seen["ticket_id"]}), seen,
                            duplicate=True)

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
            if status == "solved":
                ticket["solved_at"] = None
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
    interaction["id"] = _NEW_INTERACTION.scalar(conn, interaction)
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
    ticket_payload = ticket_payload_of(ticket, owner.as_ref())
    if created:
        events.append(("ticket.created", {"ticket": ticket_payload}))
    else:
        events.append(("ticket.updated", {"ticket": ticket_payload, "changes": changes}))
    events.append(("interaction.created",
                   {"interaction": interaction_payload_of(interaction, stored), "ticket": ticket_payload}))
    return Received(ticket["id"], interaction["id"], ticket, interaction, customer, tuple(stored),
                    acknowledge=acknowledge)


def ticket_payload_of(t: dict, customer: dict) -> dict:
    """``schemas.ticket_dict`` from the values of a ticket row (with its queue's and assignee's)."""
    return {
        "id": t["id"],
        "number": t["number"],
        "subject": t["subject"],
        "status": t["status"],
        "priority": t["priority"],
        "channel": t["channel"],
        "tags": list(t["tags"] or []),
        "customer": customer,
        "queue": {"id": t["queue_id"], "slug": t["queue_slug"], "name": t["queue_name"]}
        if t["queue_id"] is not None else None,
        "assignee": {"id": t["assignee_id"], "name": t["assignee_name"] or t["assignee_email"],
                     "email": t["assignee_email"]} if t["assignee_id"] is not None else None,
        "created_at": iso(t["created_at"]),
        "updated_at": iso(t["updated_at"]),
        "last_inbound_at": iso(t["last_inbound_at"]),
        "first_response_at": iso(t["first_response_at"]),
        "solved_at": iso(t["solved_at"]),
        "version": t["version"],
    }


def interaction_payload_of(i: dict, stored: list[dict]) -> dict:
    """``schemas.interaction_dict`` from the values of an inbound interaction (no author)."""
    meta = i["meta"] or {}
    return {
        "id": i["id"],
        "ticket_id": i["ticket_id"],
        "customer_id": i["customer_id"],
        "channel": i["channel"],
        "direction": i["direction"],
        "internal": i["direction"] == "internal",
        "author": None,
        "subject": i["subject"],
        "text": i["text"],
        "html": i["html"],
        "delivery_status": i["delivery_status"],
        "threading": meta.get("threading"),
        "meta": {k: v for k, v in meta.items() if k != "threading"},
        "attachments": [attachment_dict(_AttachmentValues(a)) for a in stored],
        "occurred_at": iso(i["occurred_at"]),
        "created_at": iso(i["created_at"]),
    }


class _AttachmentValues:
    __slots__ = ("id", "filename", "content_type", "size", "inline")

    def __init__(self, values: dict) -> None:
        for key in self.__slots__:
            setattr(self, key, values[key])


# -- ORM objects for callers, without loading them ----------------------------------------------

def _attach(session: Session, model, values: dict):
    """The session's object for this row carrying ``values`` as its committed state: the one
    already in the session, refreshed, or a new one put there without a query."""
    obj = session.identity_map.get(identity_key(model, values["id"]))
    if obj is not None:
        for key, value in values.items():
            set_committed_value(obj, key, value)
        return obj
    obj = model.__mapper__.class_manager.new_instance()
    obj.__dict__.update(values)
    make_transient_to_detached(obj)
    session.add(obj)
    return obj


def objects(session: Session, received: Received) -> tuple[Ticket, Interaction]:
    """(ticket, interaction) as ORM objects of ``session``."""
    ticket = _attach(session, Ticket, {key: received.ticket[key] for key in threading.TICKET_KEYS})
    interaction = _attach(session, Interaction, {key: received.interaction[key] for key in _INTERACTION_KEYS})
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
