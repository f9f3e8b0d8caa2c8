"""Real `python -m desk web` processes and real python-socketio clients for the chat suites."""
from __future__ import annotations

import queue
import threading
import time
import uuid

import pytest
import socketio

from tests.realtime.conftest import web_server, worker_app_for  # noqa: F401  (fixtures)

CHAT_ENV = {"DESK_CHAT_HOURS": "always"}


class Client:
    """A python-socketio client that records every event it receives, in order."""

    namespace = "/chat"
    events_of_interest: tuple[str, ...] = ()

    def __init__(self, url: str, *, auth=None, origin=None, reconnection=False) -> None:
        self.url = url
        self.events: queue.Queue = queue.Queue()
        # The browser's Origin header (websocket-client sends the server's own origin by default).
        extra = {"websocket_extra_options": {"origin": origin}} if origin else {}
        self.client = socketio.Client(reconnection=reconnection, **extra)
        for name in self.events_of_interest:
            self.client.on(name, lambda data=None, name=name: self.events.put((name, data)), namespace=self.namespace)
        self.client.connect(url, namespaces=[self.namespace], auth=auth,
                            transports=["websocket"], wait_timeout=10)

    def call(self, event: str, data=None, timeout: float = 15):
        return self.client.call(event, data, namespace=self.namespace, timeout=timeout)

    def wait_for(self, name: str, timeout: float = 10, where=lambda data: True):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                got, data = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if got == name and where(data):
                return data
        raise AssertionError(f"no {name} event within {timeout}s")

    def drain(self, name: str, settle: float = 0.5) -> list:
        """Everything of ``name`` received until nothing new arrives for ``settle`` seconds."""
        out = []
        while True:
            try:
                got, data = self.events.get(timeout=settle)
            except queue.Empty:
                return out
            if got == name:
                out.append(data)

    def close(self) -> None:
        threading.Thread(target=self.client.disconnect, daemon=True).start()


class Visitor(Client):
    events_of_interest = ("message", "typing", "agent_joined", "closed", "state", "read")

    def __init__(self, url: str, *, visitor=None, last_id=None, origin=None, **kw) -> None:
        auth = None
        if visitor is not None:
            auth = {"visitor": visitor, "last_id": last_id or 0}
        super().__init__(url, auth=auth, origin=origin, **kw)

    def say(self, body: str, client_id: str | None = None) -> dict:
        return self.call("message", {"client_id": client_id or uuid.uuid4().hex, "body": body})


class Agent(Client):
    namespace = "/console"
    events_of_interest = ("chat.offered", "chat.updated", "chat.typing", "chat.read", "interaction.created",
                          "presence", "chat.invited")

    def __init__(self, url: str, token: str, **kw) -> None:
        super().__init__(url, auth={"token": token}, **kw)
        assert self.call("presence.hello")["status"] == "online"


@pytest.fixture
def chat_server(web_server):
    from tests.console.conftest import compile_translations

    compile_translations()

    def start(**extra):
        return web_server(**{**CHAT_ENV, **extra})
    return start


@pytest.fixture
def clients():
    opened = []

    def track(client):
        opened.append(client)
        return client

    yield track
    for client in opened:
        client.close()


def agent_cookie(app, agent, url: str) -> dict:
    """A signed session cookie for ``agent`` on a server sharing the test secret."""
    serializer = app.session_interface.get_signing_serializer(app)
    value = serializer.dumps({"_user_id": str(agent.id), "_fresh": True, "locale": "ko"})
    return {"name": app.config.get("SESSION_COOKIE_NAME", "session"), "value": value, "url": url,
            "httpOnly": True, "sameSite": "Lax"}
