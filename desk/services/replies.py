"""Agent replies and internal notes: an outbound Interaction and its OutboxItem, in one transaction."""
from __future__ import annotations

from desk.errors import Conflict, Invalid, NotFound
from desk.events import publish
from desk.extensions import db
from desk.models import STATUSES, Agent, Interaction, OutboxItem, Ticket, utcnow
from desk.schemas import interaction_dict, ticket_dict
from desk.services import access
from desk.services.sanitize import clean_html

REPLY_CHANNELS = {"email": "email", "sms": "phone", "chat": "chat_visitor"}
MAX_BODY = 100_000


def send(ticket_id: int, *, actor: Agent, body: str, channel: str | None = None, internal: bool = False,
         html: str | None = None, status: str | None = None) -> Interaction:
    """Reply to the customer on ``channel`` (or add an internal note) and queue the delivery."""
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

    with db.write() as session:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None:
            raise NotFound(f"ticket {ticket_id} not found")
        access.require_ticket(actor, ticket)
        if ticket.status == "closed":
            raise Conflict("the ticket is closed; replies to it are not possible", code="ticket_closed")
        customer = ticket.customer
        now = utcnow()
        if internal:
            interaction = Interaction(
                ticket_id=ticket.id, customer_id=customer.id, channel="note", direction="internal",
                author_agent_id=actor.id, text=body.strip(), html=clean_html(html), created_at=now,
                occurred_at=now,
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
                created_at=now, occurred_at=now,
            )
            session.add(interaction)
            session.flush()
            session.add(OutboxItem(interaction_id=interaction.id, channel=channel, next_attempt_at=now))
            if ticket.first_response_at is None:
                ticket.first_response_at = now
            if ticket.assignee_id is None:
                ticket.assignee_id = actor.id
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
        session.refresh(ticket)
        session.refresh(interaction)
        ticket_payload = ticket_dict(ticket)
        publish(session, "interaction.created", {"interaction": interaction_dict(interaction),
                                                 "ticket": ticket_payload})
        publish(session, "ticket.updated", {"ticket": ticket_payload, "changes": changes})
    return interaction


def _reply_subject(ticket: Ticket) -> str:
    subject = ticket.subject or ""
    return subject if subject.lower().startswith(("re:", "답장:")) else f"Re: {subject}".strip()
