"""Collision: who else has the ticket open (live, over real sockets), and a reply to a ticket that
changed since it was opened warns before it is sent."""
from __future__ import annotations

import queue
import threading
import time

import socketio
from sqlalchemy import select

from channels.base import ThreadHints
from desk.extensions import db
from desk.models import Interaction
from desk.services import tickets
from tests.console.conftest import page_token, text_of
from tests.realtime.conftest import web_server  # noqa: F401  (fixture)


def test_reply_to_a_ticket_that_changed_warns_first(client, make, staff, sign_in):
    t, _ = make.inbound("email", "kim@example.kr", "주문 취소", subject="취소")
    sign_in()
    html = text_of(client.get(f"/tickets/{t.number}"))
    seen = html.split('name="seen_version" value="')[1].split('"')[0]
    make.inbound("email", "kim@example.kr", "아 그리고 환불도요", thread_hints=ThreadHints(ticket_id=t.id))
    form = {"csrf_token": page_token(client, f"/tickets/{t.number}"), "kind": "reply", "channel": "email",
            "body": "취소해 드렸습니다.", "status": "", "seen_version": seen}
    response = client.post(f"/tickets/{t.number}/reply", data=form)
    assert response.status_code == 409
    page = text_of(response)
    assert "티켓을 연 뒤에 변경되었습니다" in page and "취소해 드렸습니다." in page  # the draft is kept
    assert db.session.scalar(select(Interaction).where(Interaction.direction == "outbound")) is None
    form["seen_version"] = page.split('name="seen_version" value="')[1].split('"')[0]
    assert client.post(f"/tickets/{t.number}/reply", data=form).status_code == 302
    assert db.session.scalar(select(Interaction).where(Interaction.direction == "outbound")).text == "취소해 드렸습니다."


def test_notes_are_not_held_back(client, make, staff, sign_in):
    t, _ = make.inbound("email", "kim@example.kr", "문의")
    sign_in()
    tickets.update(t.id, {"priority": "high"}, actor=staff["supervisor"])
    response = client.post(f"/tickets/{t.number}/reply", data={
        "csrf_token": page_token(client, f"/tickets/{t.number}"), "kind": "note", "body": "메모", "status": "",
        "seen_version": "1"})
    assert response.status_code == 302


class Viewer:
    def __init__(self, url: str, token: str) -> None:
        self.events: queue.Queue = queue.Queue()
        self.client = socketio.Client(reconnection=False)
        self.client.on("viewers", lambda data: self.events.put(data), namespace="/console")
        self.client.connect(url, namespaces=["/console"], auth={"token": token}, transports=["websocket"],
                            wait_timeout=10)

    def join(self, ticket_id: int) -> dict:
        return self.client.call("join_ticket", {"ticket_id": ticket_id}, namespace="/console", timeout=10)

    def latest(self, want, timeout: float = 10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                data = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if want(data):
                return data
        return None

    def close(self) -> None:
        threading.Thread(target=self.client.disconnect, daemon=True).start()


def test_who_else_is_viewing_is_live(make, staff, web_server):  # noqa: F811
    server = web_server()
    t, _ = make.inbound("email", "kim@example.kr", "문의")
    minji = Viewer(server.url, make.token(staff["agent"]))
    boss = Viewer(server.url, make.token(staff["supervisor"]))
    outsider = Viewer(server.url, make.token(make.agent("agent", [])))
    try:
        assert minji.join(t.id)["ok"]
        assert boss.join(t.id)["ok"]
        names = minji.latest(lambda d: len(d["agents"]) == 2)
        assert names is not None and {a["id"] for a in names["agents"]} == {staff["agent"].id, staff["supervisor"].id}
        assert outsider.join(t.id) == {"ok": False, "error": "forbidden"}  # cannot peek into the room
        boss.client.disconnect()
        left = minji.latest(lambda d: [a["id"] for a in d["agents"]] == [staff["agent"].id])
        assert left is not None  # the supervisor closed the page: gone from the list
    finally:
        for v in (minji, outsider):
            v.close()
