"""The one inbound path: every transport hands an InboundMessage to ``receive``.

In one transaction: deduplicate on (channel, external_id), resolve the customer, pick the
ticket (and say why), append the interaction, update the ticket; events go out after the
commit. Calling it twice with the same message returns the first result.
"""
from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from channels.base import InboundMessage
from desk.errors import Invalid
from desk.events import publish
from desk.extensions import db
from desk.models import CHANNELS, Interaction, Ticket, utcnow
from desk.schemas import interaction_dict, ticket_dict
from desk.services import attachments, identity, numbering, routing, threading, tickets
from desk.services.sanitize import clean_html, html_to_text

log = logging.getLogger(__name__)

DEFAULT_SENDER_KIND = {"email": "email", "sms": "phone", "voice": "phone", "callback": "phone",
                       "chat": "chat_visitor", "campaign": "email"}
MAX_TEXT = 1_000_000


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


def receive(msg: InboundMessage) -> tuple[Ticket, Interaction]:
    """Record an inbound message; idempotent on (channel, external_id)."""
    kind, sender = validate(msg)
    for attempt in range(3):
        try:
            return db.retrying(_receive, msg, kind, sender)
        except IntegrityError:
            # Someone committed the same message or the same new identity first; look again.
            db.session.rollback()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _existing(session, msg: InboundMessage) -> Interaction | None:
    if msg.external_id is None:
        return None
    table = Interaction.__table__  # a cheap existence check first: most messages are new
    found = session.connection().execute(
        select(table.c.id).where(table.c.channel == msg.channel, table.c.external_id == msg.external_id)
    ).scalar()
    return session.get(Interaction, found) if found is not None else None


def _receive(msg: InboundMessage, kind: str, sender: str) -> tuple[Ticket, Interaction]:
    with db.write() as session:
        existing = _existing(session, msg)
        if existing is not None:
            return session.get(Ticket, existing.ticket_id), existing

        customer, _ = identity.resolve(session, kind, sender, name=msg.sender_name)
        decision = threading.decide(session, msg, customer)
        if decision.ticket is not None:
            # Re-read and lock the ticket: an agent may have closed it since it was chosen.
            current = tickets.locked(session, decision.ticket.id)
            if current.status == "closed":
                decision = threading.Decision(None, "follow_up", f"ticket #{current.number} is closed",
                                              follow_up_of=current.id)
            else:
                decision = threading.Decision(current, decision.reason, decision.detail)
        now = utcnow()
        ticket = decision.ticket
        created = ticket is None
        changes: dict = {}
        if created:
            queue = routing.pick_queue(session, msg.queue, msg.channel)
            ticket = Ticket(
                number=numbering.next_ticket_number(session),
                subject=(msg.subject or _subject_from(msg.text))[:500],
                customer=customer,
                queue=queue,
                status="new",
                channel=msg.channel,
                created_at=now,
                updated_at=now,
            )
            session.add(ticket)
        elif ticket.status in ("pending", "solved"):
            changes["status"] = [ticket.status, "open"]
            if ticket.status == "solved":
                ticket.solved_at = None
            ticket.status = "open"
        ticket.updated_at = now
        ticket.last_inbound_at = now
        ticket.version = (ticket.version or 0) + 1 if not created else 1
        session.flush()

        html = clean_html(msg.html)
        text = (msg.text or html_to_text(html))[:MAX_TEXT]
        threading_meta = {"reason": decision.reason}
        if decision.detail:
            threading_meta["detail"] = decision.detail
        if decision.follow_up_of:
            threading_meta["follow_up_of"] = decision.follow_up_of
        if changes.get("status", [None])[0] == "solved":
            threading_meta["reopened"] = True
        interaction = Interaction(
            ticket_id=ticket.id,
            customer_id=customer.id,
            channel=msg.channel,
            direction=msg.direction,
            subject=(msg.subject or "")[:500],
            text=text,
            html=html,
            external_id=msg.external_id,
            thread_key=f"{msg.channel}:{msg.thread_hints.session}" if msg.thread_hints.session else None,
            meta={**msg.meta, "threading": threading_meta, "sender": sender},
            occurred_at=msg.occurred_at,
            created_at=now,
            attachments=[],  # known empty: no lazy load when the event payload reads it
        )
        for att in msg.attachments:
            interaction.attachments.append(
                attachments.store(att.data, att.filename, att.content_type,
                                  content_id=att.content_id, inline=att.inline)
            )
        session.add(interaction)
        session.flush()

        ticket_payload = ticket_dict(ticket)
        if created:
            publish(session, "ticket.created", {"ticket": ticket_payload})
        else:
            publish(session, "ticket.updated", {"ticket": ticket_payload, "changes": changes})
        publish(session, "interaction.created",
                {"interaction": interaction_dict(interaction), "ticket": ticket_payload})
    return ticket, interaction


def _subject_from(text: str) -> str:
    first = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return first[:80] + ("…" if len(first) > 80 else "")
