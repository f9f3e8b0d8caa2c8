"""What both sides of a live chat share: the per-conversation lock, the shapes in which visitors
and agents see chats and messages, the conversation's history, availability (opening hours,
agents online, chat capacity), the checks on text, client ids and ids, and locking and ending
a chat's row.

A chat's messages are the Interactions of its ticket on channel ``chat``; their ids are the
message ids the visitor sees. They increase, so ``last_id`` says exactly what a client missed.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NamedTuple

from flask import current_app
from sqlalchemy import bindparam, func, literal_column, select, update

from channels.chat import hours
from desk.errors import Invalid
from desk.events import publish
from desk.extensions import db
from desk.models import Agent, ChatSession, Interaction, Ticket, utcnow
from desk.schemas import iso
from desk.services import business_hours, presence
from desk.services.prepared import Prepared, read_connection

CLIENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
LIVE = ("waiting", "active")
OPEN = ("waiting", "active", "offline")

# Per-ticket ordering inside one process: commit and emit of one conversation's messages happen
# in commit order, and a reconnecting visitor's replay cannot interleave with a live message.
_STRIPES = [threading.Lock() for _ in range(4096)]


@contextmanager
def conversation_lock(ticket_id: int | None) -> Iterator[None]:
    """Hold the conversation's lock. The session's transaction ends first: a greenlet must never
    wait for this lock while keeping a pooled connection, or waiters could hold every connection
    the lock's holder needs."""
    session = db.session()
    if session.in_transaction():
        session.commit()
    with _STRIPES[(ticket_id or 0) % len(_STRIPES)]:
        yield


# -- shapes --------------------------------------------------------------------------------------

def message_dict(i: dict) -> dict:
    """What a visitor sees of an interaction (from its event payload or ``interaction_dict``)."""
    meta = i.get("meta") or {}
    chat = meta.get("chat") or {}
    if chat.get("event"):
        kind, name = "system", ""
    elif i["direction"] == "outbound":
        kind, name = "agent", (i.get("author") or {}).get("name") or ""
    else:
        kind, name = "visitor", ""
    out = {"id": i["id"], "body": i.get("text") or "", "author": {"kind": kind, "name": name},
           "at": i.get("created_at")}
    if chat.get("client_id"):
        out["client_id"] = chat["client_id"]
    if chat.get("event"):
        out["event"] = chat["event"]
    return out


def _interaction_view(i: Interaction) -> dict:
    return {"id": i.id, "direction": i.direction, "text": i.text, "meta": i.meta,
            "author": {"name": i.author.display_name} if i.author else None, "created_at": iso(i.created_at)}


def chat_dict(cs: ChatSession, ticket: Ticket | None = None) -> dict:
    return {
        "id": cs.id, "status": cs.status, "name": cs.name, "email": cs.email, "email_verified": cs.email_verified,
        "topic": cs.topic, "locale": cs.locale, "origin": cs.origin,
        "queue": {"id": cs.queue.id, "name": cs.queue.name} if cs.queue else None,
        "agent": {"id": cs.agent.id, "name": cs.agent.display_name} if cs.agent else None,
        "participants": list(cs.participants or []), "ticket_id": cs.ticket_id,
        "ticket_number": ticket.number if ticket is not None else None,
        "ticket_subject": ticket.subject if ticket is not None else None,
        "customer_id": cs.customer_id, "created_at": iso(cs.created_at), "accepted_at": iso(cs.accepted_at),
        "ended_at": iso(cs.ended_at), "visitor_read_id": cs.visitor_read_id, "agent_read_id": cs.agent_read_id,
    }


def _chat_payload(session, cs: ChatSession) -> dict:
    if cs in session:
        session.flush()
        session.refresh(cs, ["agent", "queue"])  # the ids may have changed in this unit of work
    ticket = session.get(Ticket, cs.ticket_id) if cs.ticket_id else None
    return chat_dict(cs, ticket)


def history(cs: ChatSession, after: int = 0, limit: int = 500) -> list[dict]:
    """The conversation's chat messages after ``after``, oldest first (never internal notes)."""
    if cs.ticket_id is None:
        return []
    rows = db.session.scalars(
        select(Interaction).where(Interaction.ticket_id == cs.ticket_id, Interaction.channel == "chat",
                                  Interaction.direction.in_(("inbound", "outbound")), Interaction.id > after)
        .order_by(Interaction.id).limit(limit))
    return [message_dict(_interaction_view(i)) for i in rows]


# -- availability --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Availability:
    open: bool
    reason: str | None  # "closed_hours" | "closed_holiday" | "no_agent"


def availability(session, queue_id: int | None) -> Availability:
    config = current_app.config
    if not hours.is_open(config["CHAT_HOURS"], config["TIMEZONE"], utcnow()):
        return Availability(False, "closed_hours")
    if business_hours.holiday_on(session, queue_id, utcnow()) is not None:
        return Availability(False, "closed_holiday")
    if not presence.online_in_queue(session, queue_id):
        return Availability(False, "no_agent")
    return Availability(True, None)


def active_count(session, agent_id: int) -> int:
    return session.scalar(select(func.count()).select_from(ChatSession).where(
        ChatSession.agent_id == agent_id, ChatSession.status == "active")) or 0


def eligible_agents(session, cs: ChatSession) -> list[int]:
    """Online agents of the chat's queue with room for one more chat."""
    out = []
    for agent_id in presence.online_in_queue(session, cs.queue_id):
        agent = session.get(Agent, agent_id)
        if agent is not None and active_count(session, agent_id) < (agent.chat_capacity or 0):
            out.append(agent_id)
    return out


# -- the chat's row, for the events of a conversation ------------------------------------------

class ChatRow(NamedTuple):
    """The columns of a chat that a message, typing or read receipt needs (either side): the
    permission checks, the thread hint and the read marks. Read with one prepared statement;
    pages and the events that show a chat load the ChatSession."""

    id: int
    ticket_id: int | None
    queue_id: int | None
    agent_id: int | None
    participants: list | None
    status: str
    visitor_read_id: int
    agent_read_id: int
    visitor_id: str
    token: str


_CS = ChatSession.__table__
_ROW = select(*(_CS.c[key] for key in ChatRow._fields))
_CHAT_ROW = Prepared(_ROW.where(_CS.c.id == bindparam("id")))
# The visitor's open chat (``visitors.current_session`` without the ORM): their newest one.
_VISITOR_ROW = Prepared(_ROW.where(_CS.c.visitor_id == bindparam("visitor_id"),
                                   _CS.c.status.in_([literal_column(f"'{status}'") for status in OPEN]))
                        .order_by(_CS.c.id.desc()).limit(1))


def chat_row(chat_id: int) -> ChatRow | None:
    with read_connection() as raw:
        found = _CHAT_ROW.first(raw, {"id": chat_id})
    return ChatRow(*found) if found is not None else None


def visitor_row(visitor_id: str) -> ChatRow | None:
    """The visitor's open chat (waiting, active or offline), newest first; None when there is none."""
    with read_connection() as raw:
        found = _VISITOR_ROW.first(raw, {"visitor_id": visitor_id})
    return ChatRow(*found) if found is not None else None


# -- validation ----------------------------------------------------------------------------------

def _text(value, field: str, limit: int, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Invalid(f"{field} must be text", field=field)
    value = value.strip()
    if required and not value:
        raise Invalid(f"{field} is empty", field=field)
    if len(value) > limit:
        raise Invalid(f"{field} is longer than {limit} characters", field=field, code="too_large")
    return value


def _client_id(value) -> str:
    if not isinstance(value, str) or not CLIENT_ID.match(value):
        raise Invalid("client_id must be 1 to 64 letters, digits or -_.:", field="client_id")
    return value


def _int(value, field: str) -> int:
    try:
        out = int(value)
    except (TypeError, ValueError):
        raise Invalid(f"{field} must be an id", field=field) from None
    if not 0 < out < 2**31:
        raise Invalid(f"{field} must be an id", field=field)
    return out


# -- the chat row --------------------------------------------------------------------------------

def mark_read(cs: ChatSession | ChatRow, by: str, last_id) -> int | None:
    """A read receipt from the visitor or the agent: the column only moves forward."""
    column = {"visitor": ChatSession.visitor_read_id, "agent": ChatSession.agent_read_id}[by]
    if type(last_id) is not int or last_id <= getattr(cs, column.key):
        return None
    with db.write() as session:
        session.execute(update(ChatSession).where(ChatSession.id == cs.id, column < last_id)
                        .values({column.key: last_id}))
        publish(session, "chat.read", {"chat_id": cs.id, "ticket_id": cs.ticket_id, "by": by, "id": last_id})
    return last_id


def _locked(session, chat_id: int) -> ChatSession:
    """The chat row, re-read and locked until commit (only the row: PostgreSQL cannot lock the outer
    side of the eager joins)."""
    return session.scalar(select(ChatSession).where(ChatSession.id == chat_id).with_for_update(of=ChatSession)
                          .execution_options(populate_existing=True))


def _end(chat_id: int, *, by: str) -> ChatSession:
    def unit() -> ChatSession:
        with db.write() as session:
            row = _locked(session, chat_id)
            if row.status == "ended":
                return row
            row.status, row.ended_at, row.ended_by = "ended", utcnow(), by
            session.flush()
            publish(session, "chat.updated", {"chat": _chat_payload(session, row)})
            publish(session, "chat.closed", {"chat_id": row.id, "ticket_id": row.ticket_id, "by": by,
                                             "deflected": bool(row.deflected_article)})
            return row
    return db.retrying(unit)
