"""Tickets: list, create (through intake), read, change, reply."""
from __future__ import annotations

from flask import jsonify, request
from sqlalchemy import select

from channels.base import InboundMessage
from desk.api import bp
from desk.api.spec import current_agent, query_param, route
from desk.errors import Conflict, Invalid, NotFound
from desk.extensions import db
from desk.models import PRIORITIES, STATUSES, Interaction
from desk.schemas import interaction_dict, ticket_dict
from desk.services import access, identity, intake, replies, tickets

TICKET = {"type": "object", "description": "a ticket"}
INTERACTION = {"type": "object", "description": "an interaction"}
MAX_INTERACTIONS = 1000

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
                "email": {"type": "string", "maxLength": 320},
                "phone": {"type": "string", "maxLength": 40},
                "name": {"type": "string", "maxLength": 200},
            },
        },
        "subject": {"type": "string", "minLength": 1, "maxLength": 500},
        "body": {"type": "string", "minLength": 1, "maxLength": 100000},
        "channel": {"enum": ["web", "voice", "email", "sms", "chat", "callback"]},
        "queue": {"type": ["string", "integer"]},
        "external_id": {"type": "string", "minLength": 1, "maxLength": 200},
    },
}
PATCH = {
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "properties": {
        "status": {"enum": list(STATUSES)},
        "priority": {"enum": list(PRIORITIES)},
        "queue": {"type": ["string", "integer"]},
        "assignee": {"type": ["integer", "null"]},
        "tags": {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 50}, "maxItems": 50},
        "subject": {"type": "string", "minLength": 1, "maxLength": 500},
        "version": {"type": "integer", "description": "fail with 409 if the ticket changed since this version"},
    },
}
REPLY = {
    "type": "object",
    "required": ["body"],
    "additionalProperties": False,
    "properties": {
        "body": {"type": "string", "minLength": 1, "maxLength": 100000},
        "channel": {"enum": list(replies.REPLY_CHANNELS)},
        "internal": {"type": "boolean"},
        "status": {"enum": list(STATUSES), "description": "set the ticket's status with the reply"},
    },
}


def _visible(key: str):
    ticket = tickets.find(db.session, key)
    if not access.can_view_ticket(current_agent(), ticket):
        raise NotFound(f"ticket {key} not found")  # don't reveal tickets outside the agent's queues
    return ticket


@route(bp, "/tickets", "GET", summary="List tickets, newest first (keyset pagination)", params=[
    query_param("status", "comma-separated statuses"), query_param("queue", "queue id or slug"),
    query_param("channel", "origin channel"), query_param("assignee", "agent id, 'me' or 'none'"),
    query_param("customer", "customer id"), query_param("q", "search subject, messages, customer"),
    query_param("limit", "1-200, default 50", {"type": "integer"}),
    query_param("cursor", "next_cursor of the previous page"),
], response={"type": "object", "properties": {"items": {"type": "array", "items": TICKET},
                                               "next_cursor": {"type": ["string", "null"]}}})
def list_tickets():
    args = request.args
    items, next_cursor = tickets.list_tickets(
        db.session, current_agent(), status=args.get("status"), queue=args.get("queue"),
        channel=args.get("channel"), assignee=args.get("assignee"), customer=args.get("customer"),
        q=args.get("q"), cursor=args.get("cursor"), limit=tickets.parse_limit(args.get("limit")),
    )
    return jsonify(items=[ticket_dict(t) for t in items], next_cursor=next_cursor)


@route(bp, "/tickets", "POST", summary="Open a ticket for a customer (a logged call, an integration)",
       body=CREATE, response=TICKET, status=201)
def create_ticket(body):
    agent = current_agent()
    cust = body["customer"]
    if not cust.get("email") and not cust.get("phone"):
        raise Invalid("the customer needs an email or a phone", field="customer")
    primary = "email" if cust.get("email") else "phone"
    external_id = body.get("external_id") or request.headers.get("Idempotency-Key")
    msg = InboundMessage(
        channel=body.get("channel", "web"),
        external_id=f"api:{external_id}" if external_id else None,
        sender=cust[primary],
        sender_kind=primary,
        sender_name=cust.get("name"),
        subject=body["subject"],
        text=body["body"],
        queue=str(body["queue"]) if body.get("queue") is not None else None,
        meta={"created_by": agent.id, "via": "api"},
    )
    ticket, _ = intake.receive(msg)
    warnings = []
    if primary == "email" and cust.get("phone"):
        try:
            with db.write() as session:
                identity.add_identity(session, ticket.customer, "phone", cust["phone"])
        except (Conflict, Invalid) as exc:
            warnings.append(exc.message)
    ticket = tickets.find(db.session, ticket.id)
    return jsonify(_ticket_with_interactions(ticket), warnings=warnings), 201


def _ticket_with_interactions(ticket):
    rows = db.session.scalars(
        select(Interaction).where(Interaction.ticket_id == ticket.id).order_by(Interaction.id).limit(MAX_INTERACTIONS)
    )
    return {**ticket_dict(ticket), "interactions": [interaction_dict(i) for i in rows]}


@route(bp, "/tickets/<ticket_key>", "GET", summary="A ticket with its interactions, oldest first",
       response=TICKET)
def get_ticket(ticket_key: str):
    return jsonify(_ticket_with_interactions(_visible(ticket_key)))


@route(bp, "/tickets/<ticket_key>", "PATCH", summary="Change status, priority, queue, assignee, tags",
       body=PATCH, response=TICKET)
def patch_ticket(ticket_key: str, body):
    ticket = _visible(ticket_key)
    version = body.pop("version", None)
    if version is None and request.headers.get("If-Match", "").strip('"').isdigit():
        version = int(request.headers["If-Match"].strip('"'))
    ticket = tickets.update(ticket.id, body, actor=current_agent(), expected_version=version)
    return jsonify(ticket_dict(ticket))


@route(bp, "/tickets/<ticket_key>/replies", "POST", summary="Reply on a channel, or add an internal note",
       body=REPLY, response=INTERACTION, status=201)
def reply(ticket_key: str, body):
    ticket = _visible(ticket_key)
    interaction = replies.send(ticket.id, actor=current_agent(), body=body["body"],
                               channel=body.get("channel"), internal=body.get("internal", False),
                               status=body.get("status"))
    return jsonify(interaction_dict(interaction)), 201

