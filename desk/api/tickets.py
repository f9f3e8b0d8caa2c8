"""Tickets: list, create (through intake), read, change, reply."""
from __future__ import annotations

from flask import jsonify, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from channels.base import InboundMessage
from desk.api import bp, shapes
from desk.api.spec import ID, MAX_ID, BadRequest, current_agent, parse_id, query_param, route
from desk.errors import Conflict, Invalid, NotFound
from desk.extensions import db
from desk.models import CHANNELS, PRIORITIES, STATUSES, Customer, Interaction, Queue, Ticket
from desk.schemas import interaction_dict, ticket_dict
from desk.services import access, identity, intake, replies, tickets

MAX_INTERACTIONS = 1000
MAX_IDEMPOTENCY_KEY = 200
TEXT = {"type": "string", "minLength": 1, "pattern": r"\S"}  # not empty, not only spaces
QUEUE = {"oneOf": [{"type": "string", "minLength": 1, "maxLength": 100}, ID], "description": "a queue id or slug"}

CREATE = {
    "type": "object",
    "required": ["customer", "subject", "body"],
    "additionalProperties": False,
    "properties": {
        "customer": {
            "type": "object",
            "additionalProperties": False,
            "minProperties": 1,
            "properties": {
                "email": {**TEXT, "maxLength": 320},
                "phone": {**TEXT, "maxLength": 40},
                "name": {"type": "string", "maxLength": 200},
            },
        },
        "subject": {**TEXT, "maxLength": 500},
        "body": {**TEXT, "maxLength": 100000},
        "channel": {"enum": ["web", "voice", "email", "sms", "chat", "callback"]},
        "queue": QUEUE,
        "external_id": {**TEXT, "maxLength": 200},
    },
}
PATCH = {
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "properties": {
        "status": {"enum": list(STATUSES)},
        "priority": {"enum": list(PRIORITIES)},
        "queue": QUEUE,
        "assignee": {"oneOf": [ID, {"type": "null"}], "description": "an agent id, or null to unassign"},
        "tags": {"type": "array", "items": {**TEXT, "maxLength": 50}, "maxItems": 50},
        "subject": {**TEXT, "maxLength": 500},
        "version": {"type": "integer", "minimum": 1, "maximum": MAX_ID,
                    "description": "fail with 409 if the ticket changed since this version"},
    },
}
REPLY = {
    "type": "object",
    "required": ["body"],
    "additionalProperties": False,
    "properties": {
        "body": {**TEXT, "maxLength": 100000},
        "channel": {"enum": list(replies.REPLY_CHANNELS)},
        "internal": {"type": "boolean"},
        "status": {"enum": list(STATUSES), "description": "set the ticket's status with the reply"},
    },
}


def _visible(key: str):
    """The ticket by id, else by number; "#1234" (sent as %231234) is always a number, for when
    ids have grown into the range of numbers and 1234 would be the ticket with id 1234."""
    if key.startswith("#"):
        number = parse_id(key[1:], "ticket")
        ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
        if ticket is None:
            raise NotFound(f"ticket {key} not found")
    else:
        ticket = tickets.find(db.session, parse_id(key, "ticket"))
    if not access.can_view_ticket(current_agent(), ticket):
        raise NotFound(f"ticket {key} not found")  # don't reveal tickets outside the agent's queues
    return ticket


@route(bp, "/tickets", "GET", summary="List tickets, newest first (keyset pagination)", params=[
    query_param("status", "comma-separated statuses: " + ", ".join(STATUSES)),
    query_param("queue", "queue id or slug"),
    query_param("channel", "origin channel", {"enum": list(CHANNELS)}),
    query_param("assignee", "agent id, 'me' or 'none'"),
    query_param("customer", "customer id", {"type": "integer", "minimum": 1}),
    query_param("q", "search subjects, message text (not internal notes), customer name, email and phone, "
                     "or a ticket number"),
    query_param("limit", "1-200, default 50", shapes.LIMIT),
    query_param("cursor", "next_cursor of the previous page"),
], response=shapes.page("Ticket"))
def list_tickets():
    args = request.args
    items, next_cursor = tickets.list_tickets(
        db.session, current_agent(), status=args.get("status"), queue=args.get("queue"),
        channel=args.get("channel"), assignee=args.get("assignee"), customer=args.get("customer"),
        q=args.get("q"), cursor=args.get("cursor"), limit=tickets.parse_limit(args.get("limit")),
    )
    return jsonify(items=[ticket_dict(t) for t in items], next_cursor=next_cursor)


@route(bp, "/tickets", "POST", summary="Open a ticket for a customer (a logged call, an integration); "
       "the same external_id or Idempotency-Key header again returns the same ticket",
       body=CREATE, response=shapes.ref("CreatedTicket"), status=201,
       params=[{"name": "Idempotency-Key", "in": "header", "required": False,
                "description": "retries with the same key return the first ticket (unless external_id is given)",
                "schema": {"type": "string", "minLength": 1, "maxLength": MAX_IDEMPOTENCY_KEY}}])
def create_ticket(body):
    agent = current_agent()
    cust = body["customer"]
    email = _normalized(identity.normalize_email, cust.get("email"), "customer.email")
    phone = _normalized(identity.normalize_phone, cust.get("phone"), "customer.phone")
    if not email and not phone:
        raise Invalid("the customer needs an email or a phone", field="customer")
    msg = InboundMessage(
        channel=body.get("channel", "web"),
        external_id=_external_id(body),
        sender=email or phone,
        sender_kind="email" if email else "phone",
        sender_name=(cust.get("name") or "").strip() or None,
        subject=body["subject"].strip(),
        text=body["body"],
        queue=_queue_slug(body["queue"]) if "queue" in body else None,
        meta={"created_by": agent.id, "via": "api"},
    )
    ticket, _ = intake.receive(msg)
    warnings = []
    if email and phone:
        try:
            with db.write() as session:
                identity.add_identity(session, session.get(Customer, ticket.customer_id), "phone", phone)
        except (Conflict, Invalid) as exc:
            warnings.append(exc.message)
        except IntegrityError:  # another request gave the number to someone else just now
            warnings.append(f"phone {phone} belongs to another customer; merge them instead")
    db.session.expire_all()
    ticket = tickets.find(db.session, ticket.id)
    return jsonify({**_ticket_with_interactions(ticket), "warnings": warnings}), 201


def _normalized(normalize, value: str | None, field: str) -> str | None:
    if value is None:
        return None
    try:
        return normalize(value)
    except Invalid as exc:
        raise Invalid(f"{field}: {exc.message}", field=field) from None


def _external_id(body: dict) -> str | None:
    key = body.get("external_id")
    if key is None:
        key = _idempotency_key()
    return f"api:{key.strip()}" if key else None


def _idempotency_key() -> str | None:
    if "Idempotency-Key" not in request.headers:
        return None
    key = request.headers["Idempotency-Key"].strip()
    if not key or len(key) > MAX_IDEMPOTENCY_KEY:
        raise BadRequest(f"Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} characters", field="Idempotency-Key")
    return key


def _queue_slug(value: str | int) -> str:
    """Intake routes by slug; accept an id or a slug here and refuse queues that don't exist."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value) if len(value) <= 10 else 0
    if isinstance(value, int):
        queue = db.session.get(Queue, value) if 0 < value <= MAX_ID else None
    else:
        queue = db.session.scalar(select(Queue).where(Queue.slug == value))
    if queue is None:
        raise Invalid(f"no queue {str(value)[:100]!r}", field="queue")
    return queue.slug


def _ticket_with_interactions(ticket):
    rows = db.session.scalars(
        select(Interaction).where(Interaction.ticket_id == ticket.id).order_by(Interaction.id).limit(MAX_INTERACTIONS)
    )
    return {**ticket_dict(ticket), "interactions": [interaction_dict(i) for i in rows]}


@route(bp, "/tickets/<ticket_key>", "GET", summary="A ticket with its interactions, oldest first",
       response=shapes.ref("TicketWithInteractions"))
def get_ticket(ticket_key: str):
    ticket = _visible(ticket_key)
    return _with_etag(jsonify(_ticket_with_interactions(ticket)), ticket)


def _with_etag(response, ticket):
    response.headers["ETag"] = f'"{ticket.version}"'  # send it back in If-Match to PATCH safely
    return response


def _if_match() -> int | None:
    raw = request.headers.get("If-Match")
    if raw is None or raw.strip() == "*":
        return None
    value = raw.strip().removeprefix("W/").strip('"')
    if not (value.isascii() and value.isdigit() and len(value) <= 10):
        raise BadRequest('If-Match must be a ticket version in quotes, like "3"', field="If-Match")
    return int(value)


@route(bp, "/tickets/<ticket_key>", "PATCH", summary="Change status, priority, queue, assignee, tags",
       body=PATCH, response=shapes.ref("Ticket"),
       errors={409: "stale version (code stale), or a closed ticket cannot be reopened"},
       params=[{"name": "If-Match", "in": "header", "required": False,
                "description": 'the ticket version from the ETag, like "3"; the body\'s version wins',
                "schema": {"type": "string"}}])
def patch_ticket(ticket_key: str, body):
    ticket = _visible(ticket_key)
    version = body.pop("version", None)
    header_version = _if_match()
    if version is None:
        version = header_version
    ticket = tickets.update(ticket.id, body, actor=current_agent(), expected_version=version)
    return _with_etag(jsonify(ticket_dict(ticket)), ticket)


@route(bp, "/tickets/<ticket_key>/replies", "POST", summary="Reply on a channel, or add an internal note; "
       "the same Idempotency-Key header again returns the first reply (200) instead of sending a second",
       body=REPLY, response=shapes.ref("Interaction"), status=201,
       errors={409: "the ticket is closed (code ticket_closed)"},
       params=[{"name": "Idempotency-Key", "in": "header", "required": False,
                "description": "retries with the same key (same agent, ticket and channel) return the first reply, "
                               "with Idempotent-Replayed: true",
                "schema": {"type": "string", "minLength": 1, "maxLength": MAX_IDEMPOTENCY_KEY}}])
def reply(ticket_key: str, body):
    ticket, agent = _visible(ticket_key), current_agent()
    key = _idempotency_key()
    interaction, new = replies.send_once(ticket.id, actor=agent, body=body["body"], channel=body.get("channel"),
                                         internal=body.get("internal", False), status=body.get("status"),
                                         external_id=f"api:{agent.id}:{ticket.id}:{key}" if key else None)
    response = jsonify(interaction_dict(interaction))
    if not new:
        response.headers["Idempotent-Replayed"] = "true"
    return response, 201 if new else 200

