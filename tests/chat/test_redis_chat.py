"""Two web processes on Redis: a visitor on one and an agent on the other chat normally."""
from __future__ import annotations

import pytest

from tests.chat.conftest import Agent, Visitor
from tests.realtime.test_redis_scale_out import REDIS_URL, _redis_reachable

# One pytest-xdist worker runs every Redis test: they share the Socket.IO channel on the server.
pytestmark = [pytest.mark.skipif(bool(_redis_reachable()), reason=_redis_reachable() or ""),
              pytest.mark.xdist_group("redis")]


def test_visitor_and_agent_on_different_processes(staff, make, chat_server, clients):
    node_a = chat_server(DESK_REDIS_URL=REDIS_URL)
    node_b = chat_server(DESK_REDIS_URL=REDIS_URL)
    agent = clients(Agent(node_b.url, make.token(staff["agent"])))
    visitor = Visitor(node_a.url)
    started = visitor.call("start", {"name": "두 서버", "body": "안녕하세요", "client_id": "c1"})
    chat = agent.wait_for("chat.offered")["chat"]
    assert chat["ticket_number"] == started["ticket"]
    agent.call("chat.accept", {"chat": chat["id"]})
    assert visitor.wait_for("agent_joined")["agent"]["name"] == staff["agent"].display_name

    reply = agent.call("chat.send", {"chat": chat["id"], "client_id": "a1", "body": "네, 말씀하세요"})
    assert visitor.wait_for("message", where=lambda m: m["author"]["kind"] == "agent")["id"] == reply["id"]
    ack = visitor.say("결제가 두 번 됐어요", "c2")
    got = agent.wait_for("interaction.created", where=lambda d: d["interaction"]["direction"] == "inbound"
                         and d["interaction"]["id"] == ack["id"])
    assert got["interaction"]["text"] == "결제가 두 번 됐어요"
    agent.call("chat.typing", {"chat": chat["id"], "typing": True})
    assert visitor.wait_for("typing")["typing"] is True

    # The visitor drops and comes back on the other process: what it missed is replayed, once.
    visitor.client.disconnect()
    missed = [agent.call("chat.send", {"chat": chat["id"], "client_id": f"m{n}", "body": f"m{n}"})["id"]
              for n in range(3)]
    back = clients(Visitor(node_b.url, visitor=started["visitor"], last_id=reply["id"]))
    replayed = [m["id"] for m in back.drain("message", settle=1.0)]
    assert replayed == [ack["id"], *missed]
