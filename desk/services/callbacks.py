"""The callback queue: customers ask to be called back (help center, chat, IVR, API); agents take
the next one, call, and record what happened. Unreached callbacks are retried per policy
(``CALLBACK_MAX_ATTEMPTS`` calls, ``CALLBACK_RETRY_MINUTES`` apart); after the last attempt the
customer is told by SMS (or mail) that we could not reach them.

Two agents never get the same callback: the next one is claimed inside one write unit with
``FOR UPDATE SKIP LOCKED`` on PostgreSQL and ``BEGIN IMMEDIATE`` on SQLite.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from channels.base import InboundMessage
from desk.errors import Conflict, Forbidden, Invalid, NotFound
from desk.events import publish
from desk.extensions import db
from desk.models import Agent, CallLog, Callback, Interaction, OutboxItem, Ticket, utcnow
from desk.models.phone import CALLBACK_OUTCOMES, CALLBACK_SOURCES
from desk.schemas import interaction_dict, ticket_dict
from desk.services import access, calls, identity, intake

MAX_NOTE = 2000
MAX_AHEAD = timedelta(days=60)

UNREACHED_SMS = {
    "ko": "[고객센터] 요청하신 콜백을 위해 {attempts}번 전화드렸지만 연결되지 않았습니다. 접수번호 #{number}. "
          "편하실 때 다시 콜백을 요청하시거나 이 번호로 답장해 주세요.",
    "en": "We tried to call you back {attempts} times about request #{number} but could not reach you. "
          "Reply to this message or ask for another call back when it suits you.",
}


def parse_preferred(value, tz: str) -> datetime | None:
    """``preferred_time``: an ISO 8601 date-time (local time in DESK_TIMEZONE when it has no offset),
    or empty / "asap" for as soon as possible."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "asap", "now")):
        return None
    if not isinstance(value, str) or len(value) > 40:
        raise Invalid("preferred_time must be an ISO 8601 date-time such as 2026-12-01T14:00", field="preferred_time")
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise Invalid("preferred_time must be an ISO 8601 date-time such as 2026-12-01T14:00",
                      field="preferred_time") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=ZoneInfo(tz))
    now = utcnow()
    if when < now - timedelta(minutes=5):
        raise Invalid("preferred_time is in the past", field="preferred_time")
    if when > now + MAX_AHEAD:
        raise Invalid("preferred_time is more than 60 days ahead", field="preferred_time")
    return when.astimezone(ZoneInfo("UTC"))


def request_callback(*, name: str | None, phone: str, preferred_time=None, note: str | None = None,
                     source: str = "api", request_id: str | None = None, ticket_id: int | None = None,
                     ) -> tuple[Callback, Ticket, int]:
    """A customer asks to be called. Returns (callback, ticket, position in the queue)."""
    if source not in CALLBACK_SOURCES:
        raise Invalid(f"source must be one of {', '.join(CALLBACK_SOURCES)}", field="source")
    e164 = identity.normalize_phone(phone)
    preferred = parse_preferred(preferred_time, current_app.config["TIMEZONE"])
    name = (name or "").strip()[:200]
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise Invalid(f"note must be at most {MAX_NOTE} characters", field="note")
    external_id = f"callback:{request_id or uuid.uuid4().hex}"
    text = note or "Callback requested"
    if ticket_id is None:
        ticket, _ = intake.receive(InboundMessage(
            channel="callback", external_id=external_id, sender=e164, sender_kind="phone",
            sender_name=name or None, subject="", text=text,
            meta={"callback": {"source": source, "preferred_at": preferred.isoformat() if preferred else None}},
        ))
    else:
        ticket = db.session.get(Ticket, ticket_id)
        if ticket is None:
            raise NotFound("ticket not found")

    def _queue() -> Callback:
        with db.write() as session:
            existing = session.scalar(select(Callback).where(Callback.ticket_id == ticket.id,
                                                             Callback.status.in_(("waiting", "in_progress"))))
            if existing is not None:
                return existing  # one open callback per ticket: asking twice keeps your place
            now = utcnow()
            callback = Callback(customer_id=ticket.customer_id, ticket_id=ticket.id, phone=e164, name=name,
                                note=note, source=source, status="waiting", preferred_at=preferred,
                                next_attempt_at=preferred or now, created_at=now, updated_at=now)
            session.add(callback)
            session.flush()
            publish(session, "callback.changed", {"callback": callback_dict(callback)})
            return callback

    callback = db.retrying(_queue)
    return callback, ticket, position(db.session, callback)


def _order():
    return (Callback.next_attempt_at, Callback.id)


def position(session: Session, callback: Callback) -> int:
    """1 = next in line among waiting callbacks."""
    if callback.status != "waiting":
        return 0
    ahead = session.scalar(select(func.count()).select_from(Callback).where(
        Callback.status == "waiting",
        or_(Callback.next_attempt_at < callback.next_attempt_at,
            (Callback.next_attempt_at == callback.next_attempt_at) & (Callback.id < callback.id))))
    return int(ahead or 0) + 1


def callback_dict(c: Callback) -> dict:
    return {"id": c.id, "ticket_id": c.ticket_id, "customer_id": c.customer_id, "status": c.status,
            "queue_id": c.ticket.queue_id if c.ticket is not None else None,
            "attempts": c.attempts, "outcome": c.outcome, "claimed_by": c.claimed_by_id,
            "next_attempt_at": c.next_attempt_at.isoformat() if c.next_attempt_at else None}


def queue(session: Session, agent: Agent, *, limit: int = 100) -> dict[str, list[Callback]]:
    """What the console shows: due now, scheduled later, being called, recently finished."""
    now = utcnow()
    base = select(Callback).join(Ticket, Ticket.id == Callback.ticket_id).where(access.ticket_scope(agent))
    return {
        "due": list(session.scalars(base.where(Callback.status == "waiting", Callback.next_attempt_at <= now)
                                    .order_by(*_order()).limit(limit))),
        "later": list(session.scalars(base.where(Callback.status == "waiting", Callback.next_attempt_at > now)
                                      .order_by(*_order()).limit(limit))),
        "in_progress": list(session.scalars(base.where(Callback.status == "in_progress")
                                            .order_by(Callback.claimed_at).limit(limit))),
        "finished": list(session.scalars(base.where(Callback.status.in_(("done", "unreached", "cancelled")))
                                         .order_by(Callback.closed_at.desc(), Callback.id.desc()).limit(20))),
    }


def _locked_next(session: Session, agent: Agent) -> Callback | None:
    now = utcnow()
    stmt = (select(Callback).join(Ticket, Ticket.id == Callback.ticket_id)
            .where(Callback.status == "waiting", Callback.next_attempt_at <= now, access.ticket_scope(agent))
            .order_by(*_order()).limit(1))
    if session.bind.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True, of=Callback)
    return session.scalar(stmt)


def take_next(agent: Agent) -> Callback | None:
    """The agent's callback in progress, else the next due one, claimed for them."""

    def _take() -> Callback | None:
        with db.write() as session:
            mine = session.scalar(select(Callback).where(Callback.status == "in_progress",
                                                         Callback.claimed_by_id == agent.id).limit(1))
            if mine is not None:
                return mine
            callback = _locked_next(session, agent)
            if callback is None:
                return None
            _claim(session, callback, agent)
            return callback

    return db.retrying(_take)


def take(agent: Agent, callback_id: int) -> Callback:
    """Take one particular callback (from the list)."""

    def _take() -> Callback:
        with db.write() as session:
            callback = _visible(session, agent, callback_id, lock=True)
            if callback.status == "in_progress" and callback.claimed_by_id == agent.id:
                return callback
            if callback.status != "waiting":
                raise Conflict("someone else has taken this callback, or it is finished", code="taken")
            _claim(session, callback, agent)
            return callback

    return db.retrying(_take)


def _claim(session: Session, callback: Callback, agent: Agent) -> None:
    now = utcnow()
    callback.status = "in_progress"
    callback.claimed_by_id = agent.id
    callback.claimed_at = now
    callback.updated_at = now
    session.flush()
    publish(session, "callback.changed", {"callback": callback_dict(callback)})


def _visible(session: Session, agent: Agent, callback_id: int, *, lock: bool = False) -> Callback:
    stmt = select(Callback).where(Callback.id == callback_id)
    if lock and session.bind.dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=Callback)
    callback = session.scalar(stmt)
    if callback is None or not access.can_view_ticket(agent, session.get(Ticket, callback.ticket_id)):
        raise NotFound("callback not found")
    return callback


def get(session: Session, agent: Agent, callback_id: int) -> Callback:
    return _visible(session, agent, callback_id)


def _held(session: Session, agent: Agent, callback_id: int) -> Callback:
    callback = _visible(session, agent, callback_id, lock=True)
    if callback.status != "in_progress" or callback.claimed_by_id != agent.id:
        raise Forbidden("take this callback first")
    return callback


def call(agent: Agent, callback_id: int) -> Interaction:
    """Click-to-call for the callback the agent holds."""
    with db.write() as session:
        callback = _held(session, agent, callback_id)
        ticket = session.get(Ticket, callback.ticket_id)
        return calls.start_call(session, agent, callback.customer, ticket, purpose="callback",
                                refs={"callback_id": callback.id, "to": callback.phone})


def last_call(session: Session, callback: Callback) -> Interaction | None:
    return session.scalar(select(Interaction).where(
        Interaction.ticket_id == callback.ticket_id, Interaction.channel == "voice",
        Interaction.direction == "outbound", Interaction.created_at >= (callback.claimed_at or callback.created_at))
        .order_by(Interaction.id.desc()).limit(1))


def record_outcome(agent: Agent, callback_id: int, outcome: str, *, notes: str = "",
                   reschedule_at=None) -> Callback:
    """reached / wrong_number finish the callback; no_answer retries per policy; rescheduled moves it."""
    if outcome not in CALLBACK_OUTCOMES:
        raise Invalid(f"outcome must be one of {', '.join(CALLBACK_OUTCOMES)}", field="outcome")
    config = current_app.config
    when = None
    if outcome == "rescheduled":
        when = parse_preferred(reschedule_at, config["TIMEZONE"])
        if when is None:
            raise Invalid("choose when to call back", field="reschedule_at")

    def _record() -> tuple[Callback, bool]:
        with db.write() as session:
            callback = _held(session, agent, callback_id)
            now = utcnow()
            interaction = last_call(session, callback)
            if interaction is not None:
                calls.set_outcome(session, interaction, outcome, notes)
            session.add(CallLog(kind="callback", agent_id=agent.id, customer_id=callback.customer_id,
                                callback_id=callback.id, interaction_id=interaction.id if interaction else None,
                                outcome=outcome, notes=calls._notes(notes)))
            callback.attempts += 1
            callback.outcome = outcome
            callback.claimed_by_id = None
            callback.updated_at = now
            give_up = False
            if outcome in ("reached", "wrong_number"):
                callback.status, callback.closed_at = "done", now
            elif outcome == "rescheduled":
                callback.status, callback.preferred_at, callback.next_attempt_at = "waiting", when, when
            elif callback.attempts >= config["CALLBACK_MAX_ATTEMPTS"]:
                callback.status, callback.closed_at = "unreached", now
                give_up = True
            else:
                callback.status = "waiting"
                callback.next_attempt_at = now + timedelta(minutes=config["CALLBACK_RETRY_MINUTES"])
            session.flush()
            publish(session, "callback.changed", {"callback": callback_dict(callback)})
            return callback, give_up

    callback, give_up = db.retrying(_record)
    if give_up:
        _tell_unreached(agent, callback)
    return callback


def _tell_unreached(agent: Agent, callback: Callback) -> None:
    """The last attempt failed: say so to the customer by SMS, else by mail (through the outbox)."""
    with db.write() as session:
        ticket = session.get(Ticket, callback.ticket_id)
        customer = ticket.customer
        channel = "sms" if customer.phone else ("email" if customer.email else None)
        if channel is None:
            return
        locale = customer.locale if customer.locale in UNREACHED_SMS else "ko"
        now = utcnow()
        interaction = Interaction(
            ticket_id=ticket.id, customer_id=customer.id, channel=channel, direction="outbound",
            author_agent_id=agent.id, subject=f"Re: {ticket.subject}".strip() if channel == "email" else "",
            text=UNREACHED_SMS[locale].format(attempts=callback.attempts, number=ticket.number),
            delivery_status="queued", created_at=now, occurred_at=now,
            meta={"to": customer.phone if channel == "sms" else customer.email, "auto": True,
                  "callback_unreached": callback.id},
        )
        session.add(interaction)
        session.flush()
        session.add(OutboxItem(interaction_id=interaction.id, channel=channel, next_attempt_at=now))
        ticket.updated_at = now
        ticket.version += 1
        if ticket.status in ("new", "open"):
            ticket.status = "pending"
        session.flush()
        session.refresh(interaction)
        payload = ticket_dict(ticket)
        publish(session, "interaction.created", {"interaction": interaction_dict(interaction), "ticket": payload})
        publish(session, "ticket.updated", {"ticket": payload, "changes": {}})


def release(agent: Agent, callback_id: int) -> Callback:
    """Put a taken callback back in line, unchanged (the agent could not call after all)."""
    with db.write() as session:
        callback = _held(session, agent, callback_id)
        callback.status = "waiting"
        callback.claimed_by_id = None
        callback.updated_at = utcnow()
        session.flush()
        publish(session, "callback.changed", {"callback": callback_dict(callback)})
        return callback


def for_ticket(session: Session, ticket_id: int) -> Callback | None:
    return session.scalar(select(Callback).where(Callback.ticket_id == ticket_id).order_by(Callback.id.desc()).limit(1))

