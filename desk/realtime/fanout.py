"""The one emitter: turns committed domain events into Socket.IO messages for the right rooms.

Rooms on ``/console``: ``staff`` (supervisors and admins see everything), ``queue:<id>``
(agents of a queue), ``agent:<id>`` (an assignee), ``ticket:<id>`` (whoever has the ticket
open). Internal notes only ever go to console rooms, never to a customer's room.

Where it emits depends on the process: the web process emits directly (through Redis when
``DESK_REDIS_URL`` is set, so every web node hears it); any other process emits through Redis
when configured, and otherwise hands the event to the local web process over the loopback
relay (``/internal/fanout``, batched from a background thread, authenticated with an HMAC of
the body).
"""
from __future__ import annotations

import atexit
import hashlib
import hmac
import http.client
import json
import logging
import queue
import threading
import time
import urllib.parse
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
        _relay.put(config, {"event": event, "data": data, "rooms": rooms, "namespace": namespace})


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), b"desk-relay\x00" + body, hashlib.sha256).hexdigest()


class _Relay:
    """Posts events to the local web process from a background thread, in batches, so a commit
    never waits on HTTP. When the web process is down, events are dropped for a few seconds at a
    time: browsers re-read state when they reconnect, so a missed live update loses nothing."""

    def __init__(self) -> None:
        self.queue: queue.Queue = queue.Queue(maxsize=10_000)
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()
        self.down_until: dict[str, float] = {}
        self.connections: dict[str, http.client.HTTPConnection] = {}

    def put(self, config, message: dict) -> None:
        url = config["INTERNAL_RELAY_URL"]
        if time.monotonic() < self.down_until.get(url, 0.0):
            return
        with self.lock:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="fanout-relay", daemon=True)
                self.thread.start()
                atexit.register(self.flush)
        try:
            self.queue.put_nowait((url, config["SECRET_KEY"], message))
        except queue.Full:
            log.warning("live-update relay is backed up; dropping %s", message["event"])

    def flush(self, timeout: float = 2.0) -> None:
        deadline = time.monotonic() + timeout
        while self.queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)

    def _run(self) -> None:
        while True:
            batch = [self.queue.get()]
            while len(batch) < 200:
                try:
                    batch.append(self.queue.get_nowait())
                except queue.Empty:
                    break
            try:
                groups: dict[tuple[str, str], list[dict]] = {}
                for url, secret, message in batch:
                    groups.setdefault((url, secret), []).append(message)
                for (url, secret), messages in groups.items():
                    if time.monotonic() >= self.down_until.get(url, 0.0):
                        self._post(url, secret, messages)
            finally:
                for _ in batch:
                    self.queue.task_done()

    def _post(self, url: str, secret: str, messages: list[dict]) -> None:
        body = json.dumps(messages, separators=(",", ":"), default=str).encode()
        headers = {"Content-Type": "application/json", RELAY_HEADER: sign(secret, body)}
        for attempt in (1, 2):  # a kept-alive connection the server closed is retried once
            conn = self.connections.get(url)
            try:
                if conn is None:
                    parts = urllib.parse.urlsplit(url)
                    conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=2)
                    self.connections[url] = conn
                conn.request("POST", urllib.parse.urlsplit(url).path, body=body, headers=headers)
                conn.getresponse().read()
                return
            except (http.client.HTTPException, OSError) as exc:
                conn.close()
                self.connections.pop(url, None)
                if attempt == 2 or isinstance(exc, ConnectionRefusedError):
                    log.info("web process not reachable for live updates (%s); retrying in 5 s", exc)
                    self.down_until[url] = time.monotonic() + 5
                    return


_relay = _Relay()


def relay_in(body: bytes, signature: str | None) -> bool:
    """Called by the web process's relay endpoint; emits the relayed event if the HMAC matches."""
    expected = sign(current_app.config["SECRET_KEY"], body)
    if not signature or not hmac.compare_digest(expected, signature):
        return False
    for message in json.loads(body):
        socketio.emit(message["event"], message["data"], to=message["rooms"], namespace=message["namespace"])
    return True
