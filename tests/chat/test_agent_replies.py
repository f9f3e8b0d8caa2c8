"""An agent's chat message in-process, as the ``/console`` ``chat.send`` event runs it: the agent
read as an ``access.Actor``, the chat as a ``ChatRow``, the reply through ``replies.record``, the
events after the commit, then the web process's live claim of the outbox item."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from channels.chat import service
from desk.errors import Conflict, Forbidden, NotFound
from desk.extensions import db, socketio
from desk.models import Interaction, OutboxItem, Ticket
from desk.schemas import agent_ref
from desk.services import access, presence, tickets
from desk.services.prepared import read_connection
from tests.conftest import stored


def actor(agent) -> access.Actor:
    with read_connection() as raw:
        return access.actor(raw, agent.id)


@pytest.fixture
def deliveries(monkeypatch):
    """The live pushes the web process would start in the background, held to be run by the test."""
    held = []
    monkeypatch.setattr(socketio, "start_background_task", lambda fn, *args: held.append((fn, args)))
    return held


@pytest.fixture
def chat(app, staff, deliveries):  # noqa: ARG001
    """A chat the staff agent has accepted; the visitor wrote once."""
    app.config["CHAT_HOURS"] = "always"
    presence.connected(staff["agent"].id)
    cs, _ = service.start("v-agent-replies", name="손님", topic="general", body="안녕하세요", client_id="c1")
    service.accept(staff["agent"], cs.id)
    return cs


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_chat_reply_events_match_the_stored_rows_and_go_out_once(staff, chat, events, deliveries):
    events.clear()
    sent = service.agent_send(actor(staff["agent"]), chat.id, "a1", "  확인해 드릴게요  ")
    assert sent.new and sent.interaction["text"] == "확인해 드릴게요"
    assert [name for name, _ in events] == ["interaction.created", "ticket.updated"]
    ticket, shown = stored(chat.ticket_id, sent.interaction["id"])
    assert events[0][1] == {"interaction": shown, "ticket": ticket}
    assert events[1][1] == {"ticket": ticket, "changes": {"status": ["new", "open"]}}
    assert shown["author"] == agent_ref(staff["agent"]) and shown["meta"] == {"to": "v-agent-replies"}
    assert ticket["first_response_at"] == shown["created_at"] and ticket["assignee"]["id"] == staff["agent"].id

    (push, args), = deliveries  # the web process pushes it now; the outbox worker finds it taken
    push(*args)
    push(*args)  # a second attempt finds nothing left to claim
    db.session.expire_all()
    item = db.session.scalar(select(OutboxItem).where(OutboxItem.interaction_id == sent.interaction["id"]))
    assert (item.status, item.claimed_by, item.attempts) == ("sent", "chat-live", 1)
    assert db.session.get(Interaction, sent.interaction["id"]).delivery_status == "sent"


def test_a_resent_chat_message_is_the_same_one_reply(staff, chat, events):
    first = service.agent_send(actor(staff["agent"]), chat.id, "same", "한 번만")
    events.clear()
    again = service.agent_send(actor(staff["agent"]), chat.id, "same", "한 번만")
    assert not again.new and again.interaction["id"] == first.interaction["id"]
    assert events == []
    assert count(Interaction, Interaction.direction == "outbound") == 1 and count(OutboxItem) == 1
    assert db.session.get(Ticket, chat.ticket_id).version == first.ticket["version"]


def test_first_chat_reply_sets_the_first_response_time_once(staff, chat):
    assert db.session.get(Ticket, chat.ticket_id).first_response_at is None
    first = service.agent_send(actor(staff["agent"]), chat.id, "r1", "첫 답변")
    second = service.agent_send(actor(staff["agent"]), chat.id, "r2", "두 번째")
    assert first.ticket["first_response_at"] == first.interaction["created_at"]
    assert second.ticket["first_response_at"] == first.interaction["created_at"]
    db.session.expire_all()
    assert db.session.get(Ticket, chat.ticket_id).first_response_at == first.interaction["created_at"]


def test_a_chat_whose_ticket_was_closed_takes_no_reply(staff, chat, events):
    tickets.update(chat.ticket_id, {"status": "closed"}, actor=staff["agent"])
    events.clear()
    with pytest.raises(Conflict) as refused:
        service.agent_send(actor(staff["agent"]), chat.id, "late", "너무 늦었나요")
    assert refused.value.code == "ticket_closed"
    assert events == [] and count(Interaction, Interaction.direction == "outbound") == 0


def test_only_the_agent_working_the_chat_writes_to_it(staff, make, chat):
    colleague = make.agent("agent", ["general"])
    with pytest.raises(Forbidden):
        service.agent_send(actor(colleague), chat.id, "x", "제가 할게요")
    outsider = make.agent("agent", ["billing"])
    with pytest.raises(NotFound):
        service.agent_send(actor(outsider), chat.id, "y", "hi")
    assert service.agent_send(actor(staff["supervisor"]), chat.id, "s", "관리자입니다").new
    service.end_by_agent(actor(staff["agent"]), chat.id)
    with pytest.raises(Conflict) as ended:
        service.agent_send(actor(staff["agent"]), chat.id, "z", "still there?")
    assert ended.value.code == "chat_ended"
