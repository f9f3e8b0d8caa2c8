"""Calls: click-to-call (an outbound voice Interaction plus an outbox row the voice adapter
dials), call outcomes, and the provider's status reports applied in order, once.

A call rings the agent's phone first and then bridges the customer; the timeline shows it live.
Status reports never move a call or a message backwards, and a replayed report changes nothing.
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from desk.errors import Conflict, Forbidden, Invalid, NotFound
from desk.events import publish
from desk.extensions import db
from desk.models import (Agent, CallLog, Customer, Interaction, OutboxItem, Ticket, TwilioEvent, utcnow)
from desk.models.phone import CALLBACK_OUTCOMES
from desk.schemas import interaction_dict, ticket_dict
from desk.services import access, numbering, routing

MANUAL_OUTCOMES = tuple(o for o in CALLBACK_OUTCOMES if o != "rescheduled")
DNC_OPT_OUTS = ("calls", "sms_marketing")
MAX_NOTES = 5000
# A call not placed within this time (the worker is down) no longer blocks the agent's next one.
PLACING_WINDOW = timedelta(minutes=2)

# Progress of a call and of a message; a report ranked lower than what we have is ignored.
CALL_RANK = {"queued": 0, "initiated": 1, "ringing": 2, "in-progress": 3, "answered": 3,
             "completed": 4, "busy": 4, "no-answer": 4, "failed": 4, "canceled": 4}
MESSAGE_RANK = {"accepted": 0, "queued": 0, "sending": 1, "sent": 2, "delivered": 3, "undelivered": 3,
                "failed": 3, "read": 4}
MESSAGE_DELIVERY = {"accepted": "queued", "queued": "queued", "sending": "sending", "sent": "sent",
                    "delivered": "delivered", "read": "delivered", "undelivered": "failed", "failed": "failed"}


def is_dnc(customer: Customer) -> bool:
    """On the do-not-call list: opted out of calls (the "do not call" outcome) or of marketing SMS (STOP)."""
    return any(flag in (customer.opt_outs or []) for flag in DNC_OPT_OUTS)


def twilio_live() -> bool:
    config = current_app.config
    return bool(config.get("TWILIO_ACCOUNT_SID") and config.get("TWILIO_AUTH_TOKEN") and config.get("TWILIO_NUMBER"))


def open_ticket_for(session: Session, customer: Customer, *, subject: str, channel: str = "voice") -> Ticket:
    """The customer's newest open ticket, else a new one for this call."""
    ticket = session.scalar(select(Ticket).where(Ticket.customer_id == customer.id,
                                                 Ticket.status.in_(("new", "open", "pending")))
                            .order_by(Ticket.id.desc()).limit(1))
    if ticket is not None:
        return ticket
    now = utcnow()
    ticket = Ticket(number=numbering.next_ticket_number(session), subject=subject[:500], customer=customer,
                    queue=routing.pick_queue(session, None, channel), status="open", channel=channel,
                    created_at=now, updated_at=now)
    session.add(ticket)
    session.flush()
    publish(session, "ticket.created", {"ticket": ticket_dict(ticket)})
    return ticket


def start_call(session: Session, agent: Agent, customer: Customer, ticket: Ticket, *, purpose: str = "manual",
               refs: dict | None = None) -> Interaction:
    """Inside a write unit: the outbound call Interaction and its outbox row."""
    phone = customer.phone
    if not phone:
        raise Invalid("the customer has no phone number", field="phone")
    if twilio_live() and not agent.phone:
        raise Invalid("add your own phone number first: desk rings it, then connects the customer",
                      field="agent_phone")
    busy = twilio_live() and session.scalar(select(Interaction.id).join(OutboxItem, OutboxItem.interaction_id == Interaction.id)
                          .where(Interaction.author_agent_id == agent.id, Interaction.channel == "voice",
                                 OutboxItem.status.in_(("pending", "sending")),
                                 OutboxItem.created_at > utcnow() - PLACING_WINDOW).limit(1))
    if busy:
        raise Conflict("your previous call is still being placed", code="call_in_progress")
    now = utcnow()
    interaction = Interaction(
        ticket_id=ticket.id, customer_id=customer.id, channel="voice", direction="outbound",
        author_agent_id=agent.id, text="", delivery_status="queued", created_at=now, occurred_at=now,
        meta={"to": phone, "agent_phone": agent.phone, "purpose": purpose, "call_status": "queued",
              **(refs or {})},
    )
    session.add(interaction)
    session.flush()
    session.add(OutboxItem(interaction_id=interaction.id, channel="voice", next_attempt_at=now))
    ticket.updated_at = now
    ticket.version += 1
    if ticket.assignee_id is None:
        ticket.assignee_id = agent.id
    if ticket.status == "new":
        ticket.status = "open"
    session.flush()
    session.refresh(interaction)
    payload = ticket_dict(ticket)
    publish(session, "interaction.created", {"interaction": interaction_dict(interaction), "ticket": payload})
    publish(session, "ticket.updated", {"ticket": payload, "changes": {}})
    return interaction


def click_to_call(agent: Agent, *, ticket_id: int | None = None, customer_id: int | None = None) -> Interaction:
    """The agent pressed Call on a ticket or a customer."""
    with db.write() as session:
        if ticket_id is not None:
            ticket = session.get(Ticket, ticket_id)
            if ticket is None or not access.can_view_ticket(agent, ticket):
                raise NotFound("ticket not found")
            if ticket.status == "closed":
                raise Conflict("the ticket is closed", code="ticket_closed")
            customer = ticket.customer
        else:
            customer = session.get(Customer, customer_id) if customer_id else None
            if customer is None:
                raise NotFound("customer not found")
            ticket = open_ticket_for(session, customer, subject=f"Call: {customer.display_name}")
            if not access.can_view_ticket(agent, ticket):
                raise Forbidden("you have no access to this customer's open ticket")
        return start_call(session, agent, customer, ticket)


def record_outcome(agent: Agent, interaction_id: int, outcome: str, notes: str = "") -> Interaction:
    """After a call from a ticket or customer page: what happened, and the agent's notes."""
    if outcome not in MANUAL_OUTCOMES:
        raise Invalid(f"outcome must be one of {', '.join(MANUAL_OUTCOMES)}", field="outcome")
    with db.write() as session:
        interaction = _own_call(session, agent, interaction_id)
        set_outcome(session, interaction, outcome, notes)
        session.add(CallLog(kind="manual", agent_id=agent.id, customer_id=interaction.customer_id,
                            interaction_id=interaction.id, outcome=outcome, notes=_notes(notes)))
    return interaction


def _own_call(session: Session, agent: Agent, interaction_id: int) -> Interaction:
    interaction = session.get(Interaction, interaction_id)
    if interaction is None or interaction.channel != "voice" or interaction.direction != "outbound":
        raise NotFound("call not found")
    if interaction.author_agent_id != agent.id and not agent.has_role("supervisor"):
        raise Forbidden("only the agent who made the call records its outcome")
    return interaction


def _notes(notes: str | None) -> str:
    notes = (notes or "").strip()
    if len(notes) > MAX_NOTES:
        raise Invalid(f"notes are longer than {MAX_NOTES} characters", field="notes")
    return notes


def set_outcome(session: Session, interaction: Interaction, outcome: str, notes: str | None) -> None:
    interaction.meta = {**(interaction.meta or {}), "outcome": outcome, "notes": _notes(notes)}
    session.flush()
    publish(session, "interaction.updated", {"interaction": interaction_dict(interaction)})


# -- provider reports --------------------------------------------------------------------------

def _first_time(session: Session, key: str) -> bool:
    """Record that this report was applied; False when it already was (a replay)."""
    try:
        with session.begin_nested():
            session.add(TwilioEvent(key=key[:200]))
            session.flush()
        return True
    except IntegrityError:
        return False


def find_interaction(session: Session, *, interaction_id: int | None, sid: str | None,
                     channel: str) -> Interaction | None:
    if interaction_id:
        found = session.get(Interaction, interaction_id, with_for_update={"of": Interaction}, populate_existing=True)
        if found is not None and found.channel == channel:
            meta_sid = (found.meta or {}).get("call_sid" if channel == "voice" else "message_sid")
            provider = (found.meta or {}).get("provider_id")
            if not sid or sid in (meta_sid, provider, found.external_id) or not (meta_sid or provider):
                return found
        return None
    if sid:
        found = session.scalar(select(Interaction).where(Interaction.channel == channel,
                                                         Interaction.external_id == sid)
                               .with_for_update(of=Interaction).execution_options(populate_existing=True))
        if found is not None:
            return found
        item = session.scalar(select(OutboxItem).where(OutboxItem.provider_id == sid))
        if item is not None:
            return session.get(Interaction, item.interaction_id, with_for_update={"of": Interaction},
                               populate_existing=True)
    return None


def apply_call_status(*, interaction_id: int | None, call_sid: str, status: str, duration: str | None = None,
                      answered_by: str | None = None) -> bool:
    """A call progress report. Returns False when it changed nothing (replay, older, unknown call)."""
    status = (status or "").lower()
    if status not in CALL_RANK:
        raise Invalid(f"unknown call status {status[:30]!r}", field="CallStatus")

    def _apply() -> bool:
        with db.write() as session:
            interaction = find_interaction(session, interaction_id=interaction_id, sid=call_sid, channel="voice")
            if interaction is None or not _first_time(session, f"call:{call_sid}:{status}"):
                return False
            meta = dict(interaction.meta or {})
            if CALL_RANK.get(meta.get("call_status"), -1) > CALL_RANK[status]:
                return False
            meta.update(call_status=status, call_sid=call_sid)
            if duration and str(duration).isdigit():
                meta["duration_seconds"] = int(duration)
            if answered_by:
                meta["answered_by"] = answered_by[:40]
            interaction.meta = meta
            if interaction.direction == "outbound" and interaction.delivery_status != "recorded":
                interaction.delivery_status = "failed" if status in ("failed",) else "sent"
            session.flush()
            publish(session, "interaction.updated", {"interaction": interaction_dict(interaction)})
            return True

    return db.retrying(_apply)


def apply_message_status(*, interaction_id: int | None, message_sid: str, status: str,
                         error_code: str | None = None) -> bool:
    """A delivery report for an SMS we sent; delivered stays delivered when a late "sent" arrives."""
    status = (status or "").lower()
    if status not in MESSAGE_RANK:
        raise Invalid(f"unknown message status {status[:30]!r}", field="MessageStatus")

    def _apply() -> bool:
        with db.write() as session:
            interaction = find_interaction(session, interaction_id=interaction_id, sid=message_sid, channel="sms")
            if interaction is None or not _first_time(session, f"sms:{message_sid}:{status}"):
                return False
            meta = dict(interaction.meta or {})
            if MESSAGE_RANK.get(meta.get("message_status"), -1) >= MESSAGE_RANK[status]:
                return False
            meta.update(message_status=status, message_sid=message_sid)
            if error_code:
                meta["delivery_error"] = f"Twilio error {error_code[:20]}"
            interaction.meta = meta
            interaction.delivery_status = MESSAGE_DELIVERY[status]
            session.flush()
            publish(session, "interaction.updated", {"interaction": interaction_dict(interaction)})
            return True

    return db.retrying(_apply)


def add_to_call(*, call_sid: str, interaction_id: int | None = None, **fields) -> Interaction | None:
    """Attach what arrived about a call later (recording, transcription, the bridged leg)."""

    def _apply():
        with db.write() as session:
            interaction = find_interaction(session, interaction_id=interaction_id, sid=call_sid, channel="voice")
            if interaction is None:
                return None
            meta = dict(interaction.meta or {})
            changed = {k: v for k, v in fields.items() if v is not None and meta.get(k) != v}
            if not changed:
                return interaction
            meta.update(changed)
            interaction.meta = meta
            if changed.get("transcription"):
                interaction.text = (interaction.text + "\n\n" if interaction.text else "") + changed["transcription"]
            session.flush()
            publish(session, "interaction.updated", {"interaction": interaction_dict(interaction)})
            return interaction

    return db.retrying(_apply)


def set_agent_phone(agent: Agent, phone: str) -> Agent:
    """The number desk rings first on click-to-call (and for inbound calls to agents); empty clears it."""
    from desk.services.identity import normalize_phone

    value = normalize_phone(phone) if (phone or "").strip() else None
    with db.write() as session:
        row = session.get(Agent, agent.id)
        row.phone = value
    agent.phone = value
    return agent
