"""A visitor's chat message: the chat read as a ``ChatRow`` by the signed visitor id, the message
through ``intake.record`` (which alone decides whether a ``client_id`` was seen before), the
acknowledgement after the commit. Real server and python-socketio clients where a socket matters."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from channels.chat import service
from desk.errors import Conflict
from desk.extensions import db
from desk.models import ChatSession, Interaction
from desk.services import presence, tickets
from tests.chat.conftest import Agent, Visitor


def test_a_retry_is_answered_with_its_id_even_at_the_rate_limit(staff, make, chat_server, clients):
    server = chat_server(DESK_CHAT_MESSAGES_PER_MINUTE="3")
    clients(Agent(server.url, make.token(staff["agent"])))
    visitor = clients(Visitor(server.url))
    visitor.call("start", {"name": "Retry at the limit"})
    sent = [visitor.say(f"limited {n}", f"l{n}") for n in range(3)]
    assert all("id" in answer for answer in sent)
    assert visitor.say("one too many", "l3")["error"]["code"] == "rate_limited"
    assert visitor.say("limited 1", "l1") == sent[1]  # acknowledged before, so answered again
    db.session.expire_all()
    count = db.session.scalar(select(func.count()).select_from(Interaction)
                              .where(Interaction.text.like("limited %")))
    assert count == 3


def test_after_the_ticket_is_closed_the_chat_goes_on_in_a_follow_up(staff, make, chat_server, clients):
    server = chat_server()
    agent = clients(Agent(server.url, make.token(staff["agent"])))
    visitor = clients(Visitor(server.url))
    started = visitor.call("start", {"name": "Follow-up", "body": "first question", "client_id": "q1"})
    chat = agent.wait_for("chat.offered")["chat"]["id"]
    agent.call("chat.accept", {"chat": chat})
    first_ticket = db.session.get(Interaction, started["id"]).ticket_id
    tickets.update(first_ticket, {"status": "closed"}, actor=staff["agent"])

    later = visitor.say("one more thing", "q2")
    db.session.expire_all()
    follow_up = db.session.get(Interaction, later["id"]).ticket_id
    assert follow_up != first_ticket
    assert db.session.get(ChatSession, chat).ticket_id == follow_up

    # A retry of the message from before the follow-up is the old message and moves nothing back.
    assert visitor.say("first question", "q1") == {"id": started["id"]}
    db.session.expire_all()
    assert db.session.get(ChatSession, chat).ticket_id == follow_up

    # The visitor's socket joined the follow-up's room: the agent's answer arrives live.
    reply = agent.call("chat.send", {"chat": chat, "client_id": "a1", "body": "the follow-up answer"})
    got = visitor.wait_for("message", where=lambda m: m["author"]["kind"] == "agent")
    assert got["id"] == reply["id"] and got["body"] == "the follow-up answer"
    db.session.rollback()  # a new read: the reply is newer than this session's snapshot
    assert db.session.get(Interaction, reply["id"]).ticket_id == follow_up


@pytest.fixture
def chat(app, staff):  # noqa: ARG001
    app.config["CHAT_HOURS"] = "always"
    presence.connected(staff["agent"].id)
    cs, _ = service.start("v-visitor-messages", name="손님", topic="general", body="안녕하세요", client_id="c1")
    service.accept(staff["agent"], cs.id)
    return cs


def test_the_visitors_row_is_their_newest_open_chat(chat):
    row = service.visitor_row("v-visitor-messages")
    assert (row.id, row.ticket_id, row.status, row.token, row.visitor_id) == \
        (chat.id, chat.ticket_id, "active", chat.token, "v-visitor-messages")
    assert service.visitor_row("someone-else") is None
    service.end_by_visitor(row)
    assert service.visitor_row("v-visitor-messages") is None
    assert service.chat_row(chat.id).status == "ended"


def test_an_ended_chat_takes_no_new_message_but_answers_a_retry(chat):
    row = service.visitor_row("v-visitor-messages")
    posted = service.post(row, "c2", "주문 확인 부탁해요")
    assert not posted.duplicate and posted.ticket_id == chat.ticket_id
    service.end_by_visitor(row)
    ended = service.chat_row(chat.id)
    again = service.post(ended, "c2", "주문 확인 부탁해요")
    assert again.duplicate and again.interaction_id == posted.interaction_id
    with pytest.raises(Conflict) as refused:
        service.post(ended, "c3", "still there?")
    assert refused.value.code == "chat_ended"
    assert db.session.scalar(select(func.count()).select_from(Interaction)
                             .where(Interaction.ticket_id == chat.ticket_id, Interaction.channel == "chat")) == 2


def test_a_message_to_a_live_chat_through_start_is_an_orm_interaction(chat):
    again, message = service.start("v-visitor-messages", name="손님", body="두 번째 질문", client_id="c9")
    assert again.id == chat.id
    assert isinstance(message, Interaction) and message.text == "두 번째 질문"
    assert message.ticket_id == chat.ticket_id
