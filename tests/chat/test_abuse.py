"""What an attacker or a broken client tries: foreign Origin, someone else's conversation, forged
visitor ids, oversize and malformed messages, floods, HTML, agents outside their queues."""
from __future__ import annotations

import pytest
import socketio
from sqlalchemy import select

from channels.chat import tokens
from desk.extensions import db
from desk.models import Interaction
from tests.chat.conftest import Agent, Visitor


def test_foreign_origin_is_refused(staff, chat_server):
    server = chat_server()
    with pytest.raises(socketio.exceptions.ConnectionError):
        Visitor(server.url, origin="https://evil.example")


def test_configured_site_origin_may_connect(staff, chat_server, clients):
    server = chat_server(DESK_CHAT_ALLOWED_ORIGINS="https://shop.example.kr")
    visitor = clients(Visitor(server.url, origin="https://shop.example.kr"))
    assert visitor.call("config", {})["topics"] is not None


def test_forged_or_foreign_visitor_id_is_refused(staff, chat_server):
    server = chat_server()
    for forged in ("v_not-signed", tokens.sign_visitor("another-secret", "v_abc"), 12345):
        with pytest.raises(socketio.exceptions.ConnectionError):
            Visitor(server.url, visitor=forged)


def test_a_visitor_never_sees_another_visitors_conversation(staff, make, chat_server, clients):
    server = chat_server()
    agent = clients(Agent(server.url, make.token(staff["agent"])))
    alice = clients(Visitor(server.url))
    alice.call("start", {"name": "Alice", "body": "my secret order", "client_id": "a1"})
    chat = agent.wait_for("chat.offered")["chat"]["id"]
    agent.call("chat.accept", {"chat": chat})
    agent.call("chat.send", {"chat": chat, "client_id": "s1", "body": "your card ends in 1234"})

    mallory = clients(Visitor(server.url))
    started = mallory.call("start", {"name": "Mallory", "body": "hi", "client_id": "m1"})
    # Mallory's own conversation only, whatever ids she asks for.
    again = clients(Visitor(server.url, visitor=started["visitor"], last_id=0))
    bodies = [m["body"] for m in again.drain("message", settle=1.0)]
    assert bodies == ["hi"]
    agent.call("chat.send", {"chat": chat, "client_id": "s2", "body": "only for alice"})
    assert all(m["body"] != "only for alice" for m in mallory.drain("message", settle=1.0))


def test_oversize_empty_and_malformed_messages_get_clear_errors(staff, make, chat_server, clients):
    server = chat_server(DESK_CHAT_MAX_MESSAGE_CHARS="100")
    clients(Agent(server.url, make.token(staff["agent"])))
    visitor = clients(Visitor(server.url))
    assert visitor.say("before start")["error"]["code"] == "no_chat"
    visitor.call("start", {"name": "Big"})
    assert visitor.say("x" * 101)["error"]["code"] == "too_large"
    assert visitor.say("   ")["error"]["code"] == "invalid"
    assert visitor.call("message", {"client_id": "<script>", "body": "hi"})["error"]["field"] == "client_id"
    assert visitor.call("message", ["not", "an", "object"])["error"]["code"] == "bad_request"
    assert visitor.call("message", {"client_id": "ok1", "body": {"nested": 1}})["error"]["code"] == "invalid"
    assert visitor.say("fits", "ok2")["id"]  # the connection survived all of it


def test_flooding_visitor_is_slowed_down(staff, make, chat_server, clients):
    server = chat_server(DESK_CHAT_MESSAGES_PER_MINUTE="5")
    clients(Agent(server.url, make.token(staff["agent"])))
    visitor = clients(Visitor(server.url))
    visitor.call("start", {"name": "Flood"})
    answers = [visitor.say(f"spam {n}", f"f{n}") for n in range(8)]
    assert [("id" in a) for a in answers] == [True] * 5 + [False] * 3
    assert answers[-1]["error"]["code"] == "rate_limited"
    db.session.expire_all()
    assert len(db.session.scalars(select(Interaction).where(Interaction.text.like("spam %"))).all()) == 5


def test_html_in_a_message_is_kept_as_text(staff, make, chat_server, clients):
    server = chat_server()
    agent = clients(Agent(server.url, make.token(staff["agent"])))
    visitor = clients(Visitor(server.url))
    visitor.call("start", {"name": "Html", "body": "<img src=x onerror=alert(1)>", "client_id": "h1"})
    event = agent.wait_for("interaction.created")
    assert event["interaction"]["text"] == "<img src=x onerror=alert(1)>"
    assert event["interaction"]["html"] is None  # never stored or shown as markup


def test_agent_outside_the_queue_cannot_take_or_write_to_the_chat(staff, make, chat_server, clients):
    server = chat_server()
    make.queue("tech", "기술")
    owner = clients(Agent(server.url, make.token(staff["agent"])))
    outsider = clients(Agent(server.url, make.token(make.agent("agent", ["tech"]))))
    visitor = clients(Visitor(server.url))
    visitor.call("start", {"name": "Q", "body": "general question", "client_id": "q1"})
    chat = owner.wait_for("chat.offered")["chat"]["id"]
    assert outsider.call("chat.accept", {"chat": chat})["error"]["code"] == "not_found"
    assert outsider.call("chat.send", {"chat": chat, "client_id": "z", "body": "hi"})["error"]["code"] == "not_found"
    assert outsider.call("chat.open", {"chat": chat})["error"]["code"] == "not_found"
    owner.call("chat.accept", {"chat": chat})
    # A second agent of the queue cannot take it over or write into it without being invited.
    colleague = clients(Agent(server.url, make.token(make.agent("agent", ["general"]))))
    assert colleague.call("chat.accept", {"chat": chat})["error"]["code"] == "chat_taken"
    assert colleague.call("chat.send", {"chat": chat, "client_id": "c", "body": "x"})["error"]["code"] == "forbidden"


def test_console_chat_events_need_a_signed_in_agent(staff, chat_server):
    server = chat_server()
    client = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(server.url, namespaces=["/console"], transports=["websocket"], wait_timeout=5)


def test_agent_capacity_is_respected(staff, make, chat_server, clients):
    server = chat_server()
    from desk.models import Agent as AgentModel

    with db.write() as session:
        session.get(AgentModel, staff["agent"].id).chat_capacity = 1
    agent = clients(Agent(server.url, make.token(staff["agent"])))
    first, second = clients(Visitor(server.url)), clients(Visitor(server.url))
    first.call("start", {"name": "One", "body": "1", "client_id": "1"})
    one = agent.wait_for("chat.offered")["chat"]["id"]
    agent.call("chat.accept", {"chat": one})
    second.call("start", {"name": "Two", "body": "2", "client_id": "2"})
    # Full: no offer reaches this agent, and taking it anyway is refused.
    chats = agent.call("chat.list")["chats"]
    two = next(c["id"] for c in chats if c["name"] == "Two")
    assert agent.call("chat.accept", {"chat": two})["error"]["code"] == "at_capacity"


def test_a_widget_site_cannot_open_the_agents_console_socket(staff, make, chat_server):
    server = chat_server(DESK_CHAT_ALLOWED_ORIGINS="https://shop.example.kr")
    client = socketio.Client(reconnection=False, websocket_extra_options={"origin": "https://shop.example.kr"})
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(server.url, namespaces=["/console"], auth={"token": make.token(staff["agent"])},
                       transports=["websocket"], wait_timeout=5)
