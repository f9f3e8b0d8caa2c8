"""Two web processes sharing events through Redis: a change made on one reaches browsers on the other."""
from __future__ import annotations

import json
import os
import urllib.request

import pytest

from tests.realtime.test_console_socket import Listener

REDIS_URL = os.environ.get("DESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_reachable() -> str | None:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
        return None
    except Exception as exc:
        return f"Redis not reachable at {REDIS_URL}: {exc}"


# One pytest-xdist worker runs every Redis test: they share the Socket.IO channel on the server.
pytestmark = [pytest.mark.skipif(bool(_redis_reachable()), reason=_redis_reachable() or ""),
              pytest.mark.xdist_group("redis")]


def _post(url: str, token: str, body: dict) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_event_from_one_web_process_reaches_a_client_of_another(staff, make, web_server):
    node_a = web_server(DESK_REDIS_URL=REDIS_URL)
    node_b = web_server(DESK_REDIS_URL=REDIS_URL)
    token = make.token(staff["agent"])
    listener = Listener(node_a.url, token)
    try:
        created = _post(f"{node_b.url}/api/v1/tickets", token, {
            "customer": {"email": "scale@example.com", "name": "박지훈"}, "subject": "두 서버", "body": "안녕하세요"})
        event = listener.wait_for("ticket.created")
        assert event["ticket"]["number"] == created["number"]
        _post(f"{node_b.url}/api/v1/tickets/{created['id']}/replies", token, {"body": "답변입니다", "channel": "email"})
        reply = listener.wait_for("interaction.created", where=lambda d: d["interaction"]["direction"] == "outbound")
        assert reply["interaction"]["text"] == "답변입니다"
    finally:
        listener.close()


def test_worker_process_events_travel_through_redis(staff, make, web_server, worker_app_for):
    node = web_server(DESK_REDIS_URL=REDIS_URL)
    listener = Listener(node.url, make.token(staff["agent"]))
    try:
        from desk.services import intake
        from channels.base import InboundMessage

        with worker_app_for(node, REDIS_URL=REDIS_URL, INTERNAL_RELAY_URL="http://127.0.0.1:9/unused").app_context():
            intake.receive(InboundMessage(channel="email", external_id="<r1@example.com>",
                                          sender="redis@example.com", text="through redis"))
        event = listener.wait_for("interaction.created")
        assert event["interaction"]["text"] == "through redis"
    finally:
        listener.close()
