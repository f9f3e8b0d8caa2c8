"""Agent replies and internal notes, and the automatic mail desk sends customers (acknowledgements,
chat confirmations and transcripts, satisfaction surveys): an outbound Interaction and its OutboxItem,
in one transaction."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk.errors import Conflict, Invalid, NotFound
from desk.events import publish
from desk.extensions import db
from desk.models import STATUSES, Agent, Interaction, OutboxItem, Ticket, utcnow
from desk.schemas import interaction_dict, ticket_dict
from desk.services import access, tickets
from desk.services.sanitize import clean_html

REPLY_CHANNELS = {"email": "email", "sms": "phone", "chat": "chat_visitor"}
MAX_BODY = 100_000


def send(ticket_id: int, *, actor: Agent, body: str, channel: str | None = None, internal: bool = False,
         html: str | None = None, status: str | None = None, external_id: str | None = None) -> Interaction:
    """Reply to the customer on ``channel`` (or add an internal note) and queue the delivery.

    ``external_id`` (a client's message id) makes a retry return the first reply instead of a second one."""
    if not isinstance(body, str) or not body.strip():
        raise Invalid("the reply is empty", field="body")
    if len(body) > MAX_BODY:
        raise Invalid(f"the reply is longer than {MAX_BODY} characters", field="body")
    if status is not None and status not in STATUSES:
        raise Invalid(f"status must be one of {', '.join(STATUSES)}", field="status")
    if not internal:
        channel = channel or "email"
        if channel not in REPLY_CHANNELS:
            raise Invalid(f"cannot reply on {channel!r}; use one of {', '.join(REPLY_CHANNELS)}", field="channel")

    assigned = False
    with db.write() as session:
        ticket = tickets.locked(session, ticket_id)
        if ticket is None:
            raise NotFound(f"ticket {ticket_id} not found")
        access.require_ticket(actor, ticket)
        if external_id is not None:
            seen = session.scalar(select(Interaction).where(Interaction.channel == (channel or "note"),
                                                            Interaction.external_id == external_id))
            if seen is not None:
                return seen
        if ticket.status == "closed":
            raise Conflict("the ticket is closed; replies to it are not possible", code="ticket_closed")
        customer = ticket.customer
        now = utcnow()
        if internal:
            interaction = Interaction(
                ticket_id=ticket.id, customer_id=customer.id, channel="note", direction="internal",
                author_agent_id=actor.id, text=body.strip(), html=clean_html(html), created_at=now,
                occurred_at=now, attachments=[],
            )
            session.add(interaction)
        else:
            address = customer.identity(REPLY_CHANNELS[channel])
            if not address:
                raise Invalid(f"the customer has no {REPLY_CHANNELS[channel].replace('_', ' ')} to reply to",
                              field="channel")
            interaction = Interaction(
                ticket_id=ticket.id, customer_id=customer.id, channel=channel, direction="outbound",
                author_agent_id=actor.id, subject=_reply_subject(ticket), text=body.strip(),
                html=clean_html(html), delivery_status="queued", meta={"to": address},
                external_id=external_id, created_at=now, occurred_at=now, attachments=[],
            )
            session.add(interaction)
            # Linked by the relationship, so one flush (below) writes the interaction, its outbox
            # item and the ticket: no flush of its own just to learn the interaction's id.
            session.add(OutboxItem(interaction=interaction, channel=channel, next_attempt_at=now))
            if ticket.first_response_at is None:
                ticket.first_response_at = now
            if ticket.assignee_id is None:
                ticket.assignee_id = actor.id
                assigned = True
        changes = {}
        new_status = status or ("open" if ticket.status == "new" and not internal else None)
        if new_status and new_status != ticket.status:
            changes["status"] = [ticket.status, new_status]
            ticket.status = new_status
            if new_status == "solved":
                ticket.solved_at = now
            elif new_status == "closed":
                ticket.closed_at = now
        ticket.updated_at = now
        ticket.version += 1
        session.flush()
        # The ticket was read fresh (``locked``) and every column changed here is set from Python,
        # so only a new assignee needs loading; the new interaction is complete as flushed (no
        # server defaults, no attachments). The full refreshes cost five more queries per reply.
        if assigned:
            session.refresh(ticket, ["assignee"])
        ticket_payload = ticket_dict(ticket)
        publish(session, "interaction.created", {"interaction": interaction_dict(interaction),
                                                 "ticket": ticket_payload})
        publish(session, "ticket.updated", {"ticket": ticket_payload, "changes": changes})
    return interaction


def _reply_subject(ticket: Ticket) -> str:
    subject = ticket.subject or ""
    return subject if subject.lower().startswith(("re:", "답장:")) else f"Re: {subject}".strip()


ACKNOWLEDGEMENT = {
    "ko": ("안녕하세요{name}.\n\n문의가 접수되었습니다. 티켓 번호는 #{number} 입니다.\n"
           "담당자가 확인한 뒤 이 메일로 답변드리겠습니다. 더 알려주실 내용이 있으면 이 메일에 회신해 주세요.\n\n"
           "{queue} 드림"),
    "en": ("Hello{name},\n\nWe have received your request; its number is #{number}.\n"
           "Someone from our team will answer by email. To add anything, just reply to this message.\n\n"
           "{queue}"),
}


def acknowledge(ticket_id: int, inbound_id: int) -> Interaction | None:
    """The automatic "we got your message" mail for a new ticket, when its queue sends one."""
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None or ticket.queue is None or not ticket.queue.send_acknowledgement:
        return None  # the common case: decided without taking the write lock
    with db.write() as session:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None or ticket.queue is None or not ticket.queue.send_acknowledgement:
            return None
        customer = ticket.customer
        locale = customer.locale if customer.locale in ACKNOWLEDGEMENT else "ko"
        name = f", {customer.name}" if locale == "en" and customer.name else (f" {customer.name}님" if customer.name
                                                                            else "")
        return queue_automatic_mail(
            session, ticket, subject=_reply_subject(ticket),
            text=ACKNOWLEDGEMENT[locale].format(name=name, number=ticket.number, queue=ticket.queue.name),
            meta={"reply_to_interaction": inbound_id})


def queue_automatic_mail(session: Session, ticket: Ticket, *, subject: str, text: str, meta: dict | None = None,
                         to: str | None = None, requested: bool = False) -> Interaction | None:
    """An automatic e-mail on ``ticket`` (no agent wrote it), delivered by the outbox like every
    reply: the outbound Interaction, its OutboxItem and ``interaction.created``, inside the
    caller's ``db.write()``. The rules every automatic mail follows live here:

    - it is marked ``auto``, so it goes out with ``Auto-Submitted: auto-replied`` (the customer's
      own autoresponder does not answer it) and, having no author, is no agent's reply;
    - it goes to ``to``, else to the customer's e-mail address; without one nothing is queued;
    - a customer who opted out of automatic mail (``no_auto_reply``) gets none, unless they
      ``requested`` this very mail (a confirmation link, a chat transcript).

    Returns the interaction, or None when nothing was queued. The ticket itself is not changed."""
    if to is None or not requested:
        customer = ticket.customer
        if not requested and "no_auto_reply" in (customer.opt_outs or []):
            return None
        to = to or customer.email
    if not to:
        return None
    now = utcnow()
    interaction = Interaction(
        ticket_id=ticket.id, customer_id=ticket.customer_id, channel="email", direction="outbound",
        subject=subject, text=text, delivery_status="queued", meta={**(meta or {}), "to": to, "auto": True},
        created_at=now, occurred_at=now, attachments=[],
    )
    session.add(interaction)
    session.add(OutboxItem(interaction=interaction, channel="email", next_attempt_at=now))
    session.flush()
    publish(session, "interaction.created", {"interaction": interaction_dict(interaction),
                                             "ticket": ticket_dict(ticket)})
    return interaction


def record_bounce(interaction_id: int, details: dict, text: str, *, failed: bool = True) -> None:
    """A delivery report about an outbound message: a failure marks it failed, visibly; a delay
    is noted on it as a warning and changes nothing else."""
    with db.write() as session:
        interaction = session.get(Interaction, interaction_id)
        if interaction is None:
            raise NotFound(f"interaction {interaction_id} not found")
        key = "bounce" if failed else "delivery_delayed"
        interaction.meta = {**(interaction.meta or {}), key: {**details, "report": (text or "")[:2000]}}
        item = session.scalar(select(OutboxItem).where(OutboxItem.interaction_id == interaction_id))
        if failed:
            interaction.delivery_status = "failed"
        if failed and item is not None:
            item.status = "dead"
            item.last_error = f"bounced: {details.get('status') or ''} {details.get('diagnostic') or ''}".strip()
        session.flush()
        publish(session, "interaction.updated", {"interaction": interaction_dict(interaction)})
