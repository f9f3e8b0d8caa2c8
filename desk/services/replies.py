"""Agent replies and internal notes, and the automatic mail desk sends customers (acknowledgements,
chat confirmations and transcripts, satisfaction surveys): an outbound Interaction and its OutboxItem,
in one transaction.

``record`` writes a reply with plain Core statements (compiled once, run on the driver's cursor)
and builds the event payloads from the values written, as intake does (``desk.services.rows``): a
reply is six statements (the ticket locked with its queue and assignee, the idempotency lookup,
the customer with the address to reply to, the interaction, its outbox item, the ticket's
update). ``send`` also hands the Interaction back as an ORM object of the caller's session
without reading it again; the live chat, which only needs its id, calls ``record``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from desk.errors import Conflict, Invalid, NotFound
from desk.events import publish
from desk.extensions import db
from desk.models import STATUSES, Agent, Interaction, OutboxItem, Ticket, status_times, utcnow
from desk.schemas import agent_ref, interaction_dict, ticket_dict
from desk.services import access, identity, rows
from desk.services.prepared import Prepared, Raw
from desk.services.sanitize import clean_html

REPLY_CHANNELS = {"email": "email", "sms": "phone", "chat": "chat_visitor"}
MAX_BODY = 100_000

_T, _O = Ticket.__table__, OutboxItem.__table__
_NEW_OUTBOX_ITEM = Prepared(insert(_O), columns=("interaction_id", "channel", "status", "attempts", "next_attempt_at",
                                                 "created_at"))
_TOUCH_TICKET = Prepared(update(_T).where(_T.c.id == bindparam("tid")).values(
    status=bindparam("new_status"), assignee_id=bindparam("new_assignee_id"),
    first_response_at=bindparam("new_first_response_at"), solved_at=bindparam("new_solved_at"),
    closed_at=bindparam("new_closed_at"), updated_at=bindparam("now"), version=bindparam("new_version")))


@dataclass(slots=True)
class Sent:
    """What one reply became: the rows as written (a retry: the first reply as stored, unchanged)."""

    ticket: dict[str, Any]  # every ticket column, with its queue's and assignee's names
    interaction: dict[str, Any]  # every interaction column
    new: bool  # False: a retry of a reply stored before; nothing was written


def send(ticket_id: int, *, actor: Agent, **reply) -> Interaction:
    """``record`` the reply (same arguments) and return the Interaction as an ORM object of the
    session; the session's ticket, if it holds one, shows the values just written."""
    return send_once(ticket_id, actor=actor, **reply)[0]


def send_once(ticket_id: int, *, actor: Agent, **reply) -> tuple[Interaction, bool]:
    """``send``, and whether the reply is new: False when ``external_id`` names a reply stored
    before (a retried request), which is handed back unchanged."""
    sent = record(ticket_id, actor=actor, **reply)
    return _objects(db.session(), sent, actor), sent.new


def record(ticket_id: int, *, actor: Agent, body: str, channel: str | None = None, internal: bool = False,
           html: str | None = None, status: str | None = None, external_id: str | None = None) -> Sent:
    """Reply to the customer on ``channel`` (or add an internal note) and queue the delivery.

    ``external_id`` (a client's message id) makes a retry return the first reply instead of a second one."""
    if not isinstance(body, str) or not body.strip():
        raise Invalid("the reply is empty", field="body")
    if len(body) > MAX_BODY:
        raise Invalid(f"the reply is longer than {MAX_BODY} characters", field="body")
    if status is not None and status not in STATUSES:
        raise Invalid(f"status must be one of {', '.join(STATUSES)}", field="status")
    if internal:
        channel = "note"
    else:
        channel = channel or "email"
        if channel not in REPLY_CHANNELS:
            raise Invalid(f"cannot reply on {channel!r}; use one of {', '.join(REPLY_CHANNELS)}", field="channel")
    return db.retrying(rows.committed, db.session(), _write, ticket_id, access.as_actor(actor), body.strip(),
                       channel, clean_html(html), status, external_id)


def _write(conn: Raw, events: list, ticket_id: int, actor: access.Actor, text: str, channel: str, html: str | None,
           status: str | None, external_id: str | None) -> Sent:
    """The reply inside the write transaction."""
    ticket = rows.locked_ticket(conn, ticket_id)
    if ticket is None:
        raise NotFound(f"ticket {ticket_id} not found")
    access.require_view(actor, ticket["queue_id"], ticket["assignee_id"])
    if external_id is not None:
        seen = rows.existing_interaction(conn, channel, external_id)
        if seen is not None:
            return Sent(ticket, seen, new=False)
    if ticket["status"] == "closed":
        raise Conflict("the ticket is closed; replies to it are not possible", code="ticket_closed")
    internal = channel == "note"
    kind = None if internal else REPLY_CHANNELS[channel]
    customer, address = identity.customer_ref_and_address(conn, ticket["customer_id"], kind)
    if not internal and not address:
        raise Invalid(f"the customer has no {kind.replace('_', ' ')} to reply to", field="channel")
    now = utcnow()
    interaction = {
        "ticket_id": ticket["id"], "customer_id": customer.id, "channel": channel,
        "direction": "internal" if internal else "outbound", "author_agent_id": actor.id,
        "subject": "" if internal else _reply_subject(ticket["subject"]), "text": text, "html": html,
        "external_id": external_id, "thread_key": None,
        "meta": {} if internal else {"to": address}, "delivery_status": None if internal else "queued",
        "occurred_at": now, "created_at": now,
    }
    interaction["id"] = rows.insert_interaction(conn, interaction)
    if not internal:
        _NEW_OUTBOX_ITEM.execute(conn, {"interaction_id": interaction["id"], "channel": channel, "status": "pending",
                                        "attempts": 0, "next_attempt_at": now, "created_at": now})
        if ticket["first_response_at"] is None:
            ticket["first_response_at"] = now
        if ticket["assignee_id"] is None:
            ticket.update(assignee_id=actor.id, assignee_name=actor.name, assignee_email=actor.email)
    changes = {}
    new_status = status or ("open" if ticket["status"] == "new" and not internal else None)
    if new_status and new_status != ticket["status"]:
        changes["status"] = [ticket["status"], new_status]
        ticket["solved_at"], ticket["closed_at"] = status_times(ticket["status"], new_status, ticket["solved_at"],
                                                                ticket["closed_at"], now)
        ticket["status"] = new_status
    ticket.update(updated_at=now, version=ticket["version"] + 1)
    _TOUCH_TICKET.execute(conn, {"tid": ticket["id"], "new_status": ticket["status"],
                                 "new_assignee_id": ticket["assignee_id"],
                                 "new_first_response_at": ticket["first_response_at"],
                                 "new_solved_at": ticket["solved_at"], "new_closed_at": ticket["closed_at"],
                                 "now": now, "new_version": ticket["version"]})
    ticket_payload = rows.ticket_payload(ticket, customer.as_ref())
    interaction_payload = rows.interaction_payload(interaction, author=agent_ref(actor))
    events.append(("interaction.created", {"interaction": interaction_payload, "ticket": ticket_payload}))
    events.append(("ticket.updated", {"ticket": ticket_payload, "changes": changes}))
    return Sent(ticket, interaction, new=True)


def _objects(session: Session, sent: Sent, actor: Agent) -> Interaction:
    out = rows.attach_interaction(session, sent.interaction)
    if not sent.new:
        return out  # stored before: its author and attachments load when asked for
    set_committed_value(out, "attachments", [])
    actor_state = sa_inspect(actor, raiseerr=False)
    own_actor = actor_state is not None and actor_state.session is session
    if own_actor:
        set_committed_value(out, "author", actor)
    ticket = sent.ticket
    held = session.identity_map.get(identity_key(Ticket, ticket["id"]))
    if held is not None:
        assignee_before = held.__dict__.get("assignee_id")
        rows.attach_ticket(session, ticket)
        if assignee_before != ticket["assignee_id"]:
            if own_actor:
                set_committed_value(held, "assignee", actor)
            else:
                session.expire(held, ["assignee"])
    return out


def _reply_subject(subject: str | None) -> str:
    subject = subject or ""
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
            session, ticket, subject=_reply_subject(ticket.subject),
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
