"""JSON Schemas of what the API answers (desk.schemas builds the dicts), for the OpenAPI
document. Tests validate real responses against them, so they cannot drift apart."""
from __future__ import annotations

from desk.models import CHANNELS, DELIVERY_STATUSES, DIRECTIONS, PRIORITIES, STATUSES
from desk.services.tickets import MAX_LIMIT

LIMIT = {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 50}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(properties: dict, required: list[str] | None = None) -> dict:
    return {"type": "object", "required": required if required is not None else list(properties),
            "properties": properties}


STR = {"type": "string"}
OPT_STR = {"type": ["string", "null"]}
TIME = {"type": "string", "format": "date-time"}
OPT_TIME = {"type": ["string", "null"], "format": "date-time"}
INT = {"type": "integer"}
OPT_INT = {"type": ["integer", "null"]}

SCHEMAS: dict[str, dict] = {
    "Error": _obj({"error": _obj({"code": STR, "message": STR, "field": STR}, ["code", "message"])}),
    "QueueRef": _obj({"id": INT, "slug": STR, "name": STR}),
    "AgentRef": _obj({"id": INT, "name": STR, "email": STR}),
    "Agent": _obj({"id": INT, "name": STR, "email": STR, "role": STR, "active": {"type": "boolean"},
                   "chat_capacity": INT, "skills": {"type": "array", "items": STR},
                   "queues": {"type": "array", "items": ref("QueueRef")}}),
    "CustomerRef": _obj({"id": INT, "name": STR, "email": OPT_STR, "phone": OPT_STR}),
    "Customer": _obj({
        "id": INT, "name": STR, "display_name": STR, "locale": OPT_STR, "timezone": OPT_STR,
        "attributes": {"type": "object"}, "opt_outs": {"type": "array", "items": STR},
        "merged_into": {**OPT_INT, "description": "the customer this one was merged into"},
        "identities": {"type": "array", "items": _obj({"kind": {"enum": ["email", "phone", "chat_visitor"]},
                                                        "value": STR, "verified": {"type": "boolean"}})},
        "created_at": TIME,
    }),
    "Attachment": _obj({"id": INT, "filename": STR, "content_type": STR, "size": INT, "url": STR,
                        "inline": {"type": "boolean"}}),
    "Interaction": _obj({
        "id": INT, "ticket_id": INT, "customer_id": INT, "channel": {"enum": list(CHANNELS)},
        "direction": {"enum": list(DIRECTIONS)}, "internal": {"type": "boolean"},
        "author": {"oneOf": [ref("AgentRef"), {"type": "null"}]}, "subject": OPT_STR, "text": OPT_STR,
        "html": OPT_STR, "delivery_status": {"enum": [*DELIVERY_STATUSES, None]},
        "threading": {"type": ["object", "null"]}, "meta": {"type": "object"},
        "attachments": {"type": "array", "items": ref("Attachment")}, "occurred_at": TIME, "created_at": TIME,
    }),
    "Ticket": _obj({
        "id": INT, "number": INT, "subject": STR, "status": {"enum": list(STATUSES)},
        "priority": {"enum": list(PRIORITIES)}, "channel": {"enum": list(CHANNELS)},
        "tags": {"type": "array", "items": STR}, "customer": ref("CustomerRef"),
        "queue": {"oneOf": [ref("QueueRef"), {"type": "null"}]},
        "assignee": {"oneOf": [ref("AgentRef"), {"type": "null"}]},
        "created_at": TIME, "updated_at": TIME, "last_inbound_at": OPT_TIME, "first_response_at": OPT_TIME,
        "solved_at": OPT_TIME, "version": {**INT, "description": "send it back in If-Match or version to PATCH"},
    }),
}
SCHEMAS["TicketWithInteractions"] = {"allOf": [ref("Ticket"), _obj(
    {"interactions": {"type": "array", "items": ref("Interaction"), "description": "oldest first"}})]}
SCHEMAS["CreatedTicket"] = {"allOf": [ref("TicketWithInteractions"), _obj(
    {"warnings": {"type": "array", "items": STR, "description": "what could not be recorded, e.g. a phone "
                                                                 "number that belongs to another customer"}})]}
SCHEMAS["CustomerDetail"] = {"allOf": [ref("Customer"), _obj({
    "ticket_counts": {"type": "object", "additionalProperties": INT, "description": "tickets per status"},
    "recent_tickets": {"type": "array", "items": ref("Ticket")}})]}


def page(item: str) -> dict:
    return _obj({"items": {"type": "array", "items": ref(item)},
                 "next_cursor": {**OPT_STR, "description": "pass as cursor for the next page; null at the end"}})
