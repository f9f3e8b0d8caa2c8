"""``POST /api/v1/callbacks``: public and rate-limited; the help center, the chat widget (offline)
and any integration ask for a call back here and get a ticket number and a place in line."""
from __future__ import annotations

from flask import current_app, jsonify, request

from desk.api import bp
from desk.api.spec import BadRequest, route
from desk.extensions import limiter
from desk.schemas import iso
from desk.services import callbacks

MAX_IDEMPOTENCY_KEY = 200

CALLBACK = {
    "type": "object",
    "required": ["name", "phone"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "maxLength": 200},
        "phone": {"type": "string", "minLength": 1, "maxLength": 40, "pattern": r"\S",
                  "description": "any common format; 010-1234-5678 means +821012345678 (DESK_DEFAULT_REGION)"},
        "preferred_time": {"type": ["string", "null"], "maxLength": 40,
                           "description": "ISO 8601 start of the window to be called in (local time in "
                                          "DESK_TIMEZONE without an offset); omit or 'asap' for as soon as possible"},
        "note": {"type": "string", "maxLength": callbacks.MAX_NOTE},
        "source": {"enum": ["web", "chat", "api"], "description": "where the request came from (default api)"},
    },
}
CREATED = {
    "type": "object",
    "required": ["ticket_number", "callback_id", "position", "status", "preferred_at"],
    "properties": {
        "ticket_number": {"type": "integer"},
        "callback_id": {"type": "integer"},
        "position": {"type": "integer", "description": "place in the callback queue; 1 is next"},
        "status": {"type": "string"},
        "preferred_at": {"type": ["string", "null"], "format": "date-time"},
    },
}


def _limit() -> str:
    return current_app.config["CALLBACK_RATE_LIMIT"]


@route(bp, "/callbacks", "POST", role=None, tag="callbacks", body=CALLBACK, response=CREATED, status=201,
       summary="Ask for a call back (public, rate-limited per address): answers the ticket number and the "
               "place in the queue; the same Idempotency-Key again answers the same request",
       errors={429: "too many requests from this address; try again later"},
       params=[{"name": "Idempotency-Key", "in": "header", "required": False,
                "description": "retries with the same key return the first request",
                "schema": {"type": "string", "minLength": 1, "maxLength": MAX_IDEMPOTENCY_KEY}}])
@limiter.limit(_limit)
def request_callback(body):
    key = request.headers.get("Idempotency-Key")
    if key is not None:
        key = key.strip()
        if not key or len(key) > MAX_IDEMPOTENCY_KEY:
            raise BadRequest(f"Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} characters", field="Idempotency-Key")
    callback, ticket, position = callbacks.request_callback(
        name=body["name"], phone=body["phone"], preferred_time=body.get("preferred_time"), note=body.get("note"),
        source=body.get("source", "api"), request_id=f"api:{key}" if key else None)
    return jsonify(ticket_number=ticket.number, callback_id=callback.id, position=position, status=callback.status,
                   preferred_at=iso(callback.preferred_at)), 201
