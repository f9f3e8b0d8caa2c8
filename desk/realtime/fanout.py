"""The one emitter: turns committed domain events into Socket.IO messages for the right rooms.

Rooms on ``/console``: ``staff`` (supervisors and admins see everything), ``queue:<id>``
(agents of a queue), ``agent:<id>`` (an assignee), ``ticket:<id>`` (whoever has the ticket
open). Internal notes only ever go to console rooms, never to a customer's room.

Where it emits depends on the process: the web process emits directly (through Redis when
``DESK_REDIS_URL`` is set, so every web node hears it); any other process emits through Redis
when configured, and otherwise hands the event to the local web process over the loopback
relay (``/internal/fanout``, authenticated with an HMAC of the body).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from typing import Any

from flask import current_app, has_app_context

from desk.events import subscribe
from desk.extensions import socketio

log = logging.getLogger(__name__)

CONSOLE = "/console"
RELAY_HEADER = "X-Desk-Relay-Signature"


def ticket_rooms(ticket: dict) -> list[str]:
    rooms = ["staff", f"ticket:{ticket['id']}"]
    if ticket.get("queue"):
        rooms.append(f"queue:{ticket['queue']['id']}")
    if ticket.get("assignee"):
        rooms.append(f"agent:{ticket['assignee']['id']}")
    return rooms


@subscribe("ticket.created", "ticket.updated")
def _ticket_event(name: str, payload: dict[str, Any]) -> None:
    emit(name, payload, ticket_rooms(payload["ticket"]))


@subscribe("interaction.created")
def _interaction_created(name: str, payload: dict[str, Any]) -> None:
    emit(name, payload, ticket_rooms(payload["ticket"]))


@subscribe("interaction.updated")
def _interaction_updated(name: str, payload: dict[str, Any]) -> None:
    emit(name, payload, [f"ticket:{payload['interaction']['ticket_id']}"])


def emit(event: str, data: dict, rooms: list[str], namespace: str = CONSOLE) -> None:
    if not has_app_context():
        log.warning("event %s published outside an app context; not delivered", event)
        return
    config = current_app.config
    if config.get("DESK_ROLE", "web") == "web" or config.get("REDIS_URL"):
        socketio.emit(event, data, to=rooms, namespace=namespace)
    else:
        _relay(config, {"event": event, "data": data, "rooms": rooms, "namespace": namespace})


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), b"desk-relay\x00" + body, hashlib.sha256).hexdigest()


_relay_down_until = 0.0


def _relay(config, message: dict) -> None:
    global _relay_down_until
    if time.monotonic() < _relay_down_until:
        return  # the web process is not up; don't slow every commit down asking again
    body = json.dumps(message, separators=(",", ":"), default=str).encode()
    request = urllib.request.Request(
        config["INTERNAL_RELAY_URL"], data=body, method="POST",
        headers={"Content-Type": "application/json", RELAY_HEADER: sign(config["SECRET_KEY"], body)},
    )
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            response.read()
    except (urllib.error.URLError, OSError) as exc:
        # Browsers re-read state when they reconnect; a missed live update is not a lost message.
        log.info("web process not reachable for live updates (%s); retrying in 5 s", exc)
        _relay_down_until = time.monotonic() + 5


def relay_in(body: bytes, signature: str | None) -> bool:
    """Called by the web process's relay endpoint; emits the relayed event if the HMAC matches."""
    expected = sign(current_app.config["SECRET_KEY"], body)
    if not signature or not hmac.compare_digest(expected, signature):
        return False
    message = json.loads(body)
    socketio.emit(message["event"], message["data"], to=message["rooms"], namespace=message["namespace"])
    return True
