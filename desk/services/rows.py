"""Tickets and interactions on plain Core statements, for the write paths that run for every
message: ``intake`` (what customers send) and ``replies`` (what agents send).

A write runs in one transaction on the driver connection (``prepared.write_connection``); the
events it causes are built from the values it wrote (``ticket_payload`` and ``interaction_payload``
equal ``schemas.ticket_dict`` and ``interaction_dict`` of the stored rows) and go out after the
commit (``committed``); callers get ORM objects put into their session with those values
(``attach``), so reading them costs no query. The ORM's unit of work, identity map and object
loading cost ten times what the SQL does.
"""
from __future__ import annotations

from typing import Any, Callable, TypeVar

from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from desk.events import dispatch
from desk.models import Agent, Interaction, Queue, Ticket
from desk.schemas import attachment_dict, iso
from desk.services.prepared import Prepared, Raw, write_connection

_T, _Q, _A, _X = Ticket.__table__, Queue.__table__, Agent.__table__, Interaction.__table__
TICKET_KEYS = tuple(c.key for c in _T.c)
INTERACTION_KEYS = tuple(c.key for c in _X.c)

# Every ticket column plus what an event shows of its queue and assignee, locked until the write
# ends (PostgreSQL: ``FOR UPDATE``; SQLite's write already holds the database lock), read as
# committed now.
TICKET_ROW = (
    select(*_T.c, _Q.c.slug.label("queue_slug"), _Q.c.name.label("queue_name"),
           _A.c.name.label("assignee_name"), _A.c.email.label("assignee_email"))
    .select_from(_T.outerjoin(_Q, _Q.c.id == _T.c.queue_id).outerjoin(_A, _A.c.id == _T.c.assignee_id))
    .with_for_update(of=_T)
)
_TICKET_BY_ID = Prepared(TICKET_ROW.where(_T.c.id == bindparam("id")))
# Most messages are new, so this usually finds nothing; a retry gets the whole row back at once.
_EXISTING = Prepared(select(*_X.c).where(_X.c.channel == bindparam("channel"),
                                         _X.c.external_id == bindparam("external_id")))
_NEW_INTERACTION = Prepared(insert(_X).returning(_X.c.id), columns=tuple(k for k in INTERACTION_KEYS if k != "id"))


def locked_ticket(conn: Raw, ticket_id: int) -> dict[str, Any] | None:
    """The ticket row (``TICKET_ROW``) as {key: value}, locked; None when there is none."""
    return _TICKET_BY_ID.mapping(conn, {"id": ticket_id})


def existing_interaction(conn: Raw, channel: str, external_id: str) -> dict[str, Any] | None:
    """The interaction stored before under (channel, external_id), every column."""
    return _EXISTING.mapping(conn, {"channel": channel, "external_id": external_id})


def insert_interaction(conn: Raw, values: dict[str, Any]) -> int:
    """Store an interaction (``values`` names every column but the id); returns its id."""
    return _NEW_INTERACTION.scalar(conn, values)


# -- the transaction -----------------------------------------------------------------------------

R = TypeVar("R")


def committed(session: Session, write: Callable[..., R], *args) -> R:
    """``write(conn, events, *args)`` in one write transaction; the (name, payload) pairs it
    appends to ``events`` go to the subscribers once it has committed (on error: never)."""
    events: list[tuple[str, dict]] = []
    with write_connection(session) as conn:
        result = write(conn, events, *args)
    for name, payload in events:
        dispatch(name, payload)
    return result


# -- event payloads from the values written ------------------------------------------------------

def ticket_payload(t: dict, customer: dict) -> dict:
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


def interaction_payload(i: dict, stored: list[dict] | tuple = (), author: dict | None = None) -> dict:
    """``schemas.interaction_dict`` from the values of an interaction, its stored attachments
    and its author's reference (``schemas.agent_ref``)."""
    meta = i["meta"] or {}
    return {
        "id": i["id"],
        "ticket_id": i["ticket_id"],
        "customer_id": i["customer_id"],
        "channel": i["channel"],
        "direction": i["direction"],
        "internal": i["direction"] == "internal",
        "author": author,
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


# -- ORM objects for callers, without loading them -----------------------------------------------

def attach(session: Session, model, values: dict):
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


def attach_ticket(session: Session, ticket: dict) -> Ticket:
    return attach(session, Ticket, {key: ticket[key] for key in TICKET_KEYS})


def attach_interaction(session: Session, interaction: dict) -> Interaction:
    return attach(session, Interaction, {key: interaction[key] for key in INTERACTION_KEYS})
