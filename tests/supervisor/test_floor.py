"""The supervisors' live floor: per queue and channel, agents with load; and that its updates and
notifications reach the right people over a real /console socket."""
from __future__ import annotations

import queue
import threading
import time
from datetime import timedelta

import socketio

from desk.models import utcnow
from desk.services import floor, presence, tickets
from tests.console.conftest import text_of
from tests.realtime.conftest import web_server, worker_app_for  # noqa: F401  (fixtures)
from tests.supervisor.helpers import always_open, backdate, policy


def test_floor_counts_by_queue_and_channel(client, make, staff, sign_in, loop):
    always_open()
    policy(first_response_minutes=60)
    waiting, _ = make.inbound("email", "a@example.kr", "메일 문의")
    chat, _ = make.inbound("chat", "visitor-1", "채팅 문의", sender_kind="chat_visitor")
    late, _ = make.inbound("sms", "010-2222-3333", "문자 문의", queue="billing")
    pending, _ = make.inbound("email", "b@example.kr", "대기")
    tickets.update(chat.id, {"assignee": staff["agent"].id, "status": "open"}, actor=staff["supervisor"])
    tickets.update(pending.id, {"status": "pending"}, actor=staff["supervisor"])
    backdate(late.id, utcnow() - timedelta(hours=2))
    backdate(waiting.id, utcnow() - timedelta(minutes=45))
    presence.connected(staff["agent"].id)  # the agent's console is open
    loop()
    summary = floor.compute()
    assert (summary.total.waiting, summary.total.in_progress, summary.total.pending) == (2, 1, 1)
    assert summary.total.breached == 1 and summary.total.at_risk == 1
    assert summary.by_channel["sms"].breached == 1 and summary.by_channel["email"].at_risk == 1
    agent_row = next(a for a in summary.agents if a.id == staff["agent"].id)
    assert (agent_row.tickets, agent_row.chats, agent_row.units, agent_row.presence) == (1, 1, 3, "online")
    sign_in("supervisor")
    html = text_of(client.get("/supervisor/floor"))
    assert "실시간 현황" in html and "최장 대기" in html and "SLA 임박" in html and 'data-floor-url="/supervisor/floor/live"' in html
    assert "1시간" in html or "2.0시간" in html  # the oldest waiting ticket's age
    data = client.get("/supervisor/floor.json").get_json()
    assert data["total"]["waiting"] == 2 and {q["name"] for q in data["queues"]} >= {"일반 문의", "결제"}


class Events:
    def __init__(self, url: str, token: str) -> None:
        self.got: queue.Queue = queue.Queue()
        self.client = socketio.Client(reconnection=False)
        for name in ("floor.changed", "notification.created", "sla.breached"):
            self.client.on(name, lambda data, name=name: self.got.put((name, data)), namespace="/console")
        self.client.connect(url, namespaces=["/console"], auth={"token": token}, transports=["websocket"],
                            wait_timeout=10)

    def wait(self, name: str, timeout: float = 10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                got, data = self.got.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if got == name:
                return data
        return None

    def close(self) -> None:
        threading.Thread(target=self.client.disconnect, daemon=True).start()


def test_floor_and_notifications_reach_the_right_sockets(make, staff, web_server, worker_app_for):  # noqa: F811
    server = web_server()
    supervisor = Events(server.url, make.token(staff["supervisor"]))
    agent = Events(server.url, make.token(staff["agent"]))
    other = Events(server.url, make.token(make.agent("agent", ["general"])))
    try:
        worker = worker_app_for(server)
        with worker.app_context():
            t, _ = make.inbound("email", "kim@example.kr", "문의", subject="배송 지연")
            tickets.update(t.id, {"assignee": staff["agent"].id}, actor=staff["supervisor"])
            from desk.services.console_loop import ConsoleLoop

            ConsoleLoop(worker).run_once()
            from desk.realtime import fanout

            fanout._relay.flush()
        assert supervisor.wait("floor.changed") is not None
        note = agent.wait("notification.created")
        assert note is not None and note["kind"] == "assigned" and note["ticket_number"] == t.number
        assert other.wait("notification.created", timeout=1.5) is None  # only the recipient hears it
        assert agent.wait("floor.changed", timeout=0.5) is None  # the floor is for supervisors
    finally:
        for c in (supervisor, agent, other):
            c.close()
