"""The /console namespace through a real gevent server and python-socketio clients."""
from __future__ import annotations

import queue
import threading
import time

import pytest
import socketio

from channels.base import InboundMessage
from desk.services import intake, replies


class Listener:
    """A python-socketio client on /console that records the events it receives."""

    def __init__(self, url: str, token: str | None) -> None:
        self.events: queue.Queue = queue.Queue()
        self.client = socketio.Client(reconnection=False)
        for name in ("ticket.created", "ticket.updated", "interaction.created", "interaction.updated", "typing"):
            self.client.on(name, lambda data, name=name: self.events.put((name, data)), namespace="/console")
        self.client.connect(url, namespaces=["/console"], auth={"token": token} if token else None,
                            transports=["websocket"], wait_timeout=10)

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

    def nothing(self, name: str, wait: float = 1.0) -> bool:
        try:
            self.wait_for(name, wait)
        except AssertionError:
            return True
        return False

    def close(self) -> None:
        # websocket-client waits up to 3 s for the server's close frame; don't make every test wait.
        threading.Thread(target=self.client.disconnect, daemon=True).start()


@pytest.fixture
def listeners():
    opened = []

    def open_(url, token):
        listener = Listener(url, token)
        opened.append(listener)
        return listener

    yield open_
    for listener in opened:
        listener.close()


def test_inbound_message_reaches_the_agents_console_live(staff, make, web_server, worker_app_for, listeners):
    server = web_server()
    agent = listeners(server.url, make.token(staff["agent"]))
    other_queue_agent = listeners(server.url, make.token(make.agent("agent", ["billing"])))
    with worker_app_for(server).app_context():
        ticket, interaction = intake.receive(InboundMessage(
            channel="sms", external_id="SM1", sender="010-5555-1234", text="배송 언제 오나요?"))
    created = agent.wait_for("ticket.created")
    assert created["ticket"]["number"] == ticket.number
    event = agent.wait_for("interaction.created")
    assert event["interaction"]["id"] == interaction.id
    assert event["interaction"]["text"] == "배송 언제 오나요?"
    assert other_queue_agent.nothing("interaction.created")  # not their queue


def test_connection_without_valid_credentials_is_refused(staff, web_server):
    server = web_server()
    for token in (None, "desk_not-a-real-token"):
        with pytest.raises(socketio.exceptions.ConnectionError):
            Listener(server.url, token)


def test_ticket_room_needs_access_and_carries_notes_only_to_staff(staff, make, web_server, worker_app_for,
                                                                  listeners):
    server = web_server()
    ticket, _ = make.inbound("email", "room@example.com", "hello")
    outsider = make.agent("agent", ["billing"])
    outsider_listener = listeners(server.url, make.token(outsider))
    assert outsider_listener.client.call("join_ticket", {"ticket_id": ticket.id}, namespace="/console") == \
        {"ok": False, "error": "forbidden"}
    assert outsider_listener.client.call("join_ticket", {"ticket_id": "nonsense"}, namespace="/console") == \
        {"ok": False, "error": "forbidden"}

    watcher = listeners(server.url, make.token(staff["agent"]))
    assert watcher.client.call("join_ticket", {"ticket_id": ticket.id}, namespace="/console")["ok"] is True
    with worker_app_for(server).app_context():
        replies.send(ticket.id, actor=staff["supervisor"], body="internal: VIP", internal=True)
    note = watcher.wait_for("interaction.created", where=lambda d: d["interaction"]["internal"])
    assert note["interaction"]["text"] == "internal: VIP"
    assert outsider_listener.nothing("interaction.created")


def test_typing_is_shared_with_others_on_the_ticket(staff, make, web_server, listeners):
    server = web_server()
    ticket, _ = make.inbound("email", "typing@example.com", "hello")
    a = listeners(server.url, make.token(staff["agent"]))
    b = listeners(server.url, make.token(staff["supervisor"]))
    for listener in (a, b):
        listener.client.call("join_ticket", {"ticket_id": ticket.id}, namespace="/console")
    assert a.client.call("typing", {"ticket_id": ticket.id}, namespace="/console") == {"ok": True}
    typing = b.wait_for("typing")
    assert typing["ticket_id"] == ticket.id and typing["agent"]["id"] == staff["agent"].id
