"""Routing: round-robin and least-loaded among available agents with the queue's skill, within
capacity (a live chat counts 3), waiting work handed out when room frees up, and reassignment
when an agent goes offline."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from desk.extensions import db
from desk.models import Agent, AgentPresence, AgentSettings, Notification, Queue, utcnow
from desk.services import assignment, console_loop, presence, replies, tickets
from tests.supervisor.helpers import route, ticket


class Presence:
    """The presence service's interface (``desk_presence``): who is online right now."""

    def __init__(self, online: set[int]) -> None:
        self.online = set(online)

    def status(self, agent_id: int) -> str:
        return "online" if agent_id in self.online else "offline"

    def online_ids(self) -> set[int]:
        return set(self.online)


@pytest.fixture(autouse=True)
def presence_as_each_test_says(app):
    """Most tests here say who is online through the stand-in above; without one installed,
    every active agent counts as online. The last tests use the real presence service."""
    real = app.extensions.pop("desk_presence", None)
    yield real
    app.extensions.pop("desk_presence", None)
    if real is not None:
        app.extensions["desk_presence"] = real


def general(make):
    make.queue("general", "일반 문의", default=True)
    return db.session.scalar(select(Queue).where(Queue.slug == "general"))


def capacity(agent_id: int, units: int) -> None:
    with db.write() as session:
        session.merge(AgentSettings(agent_id=agent_id, capacity=units))


def test_manual_queues_leave_tickets_unassigned(make, loop):
    general(make)
    make.agent("agent", ["general"])
    t, _ = make.inbound("email", "a@example.kr", "문의")
    loop()
    assert ticket(t.id).assignee_id is None


def test_round_robin_takes_turns(make, loop):
    queue = general(make)
    people = [make.agent("agent", ["general"]).id for _ in range(3)]
    route(queue.id, "round_robin")
    got = []
    for n in range(4):
        t, _ = make.inbound("email", f"c{n}@example.kr", "문의")
        loop()
        got.append(ticket(t.id).assignee_id)
    assert got == [people[0], people[1], people[2], people[0]]
    # The agent hears about it.
    assert db.session.scalar(select(Notification.kind).where(Notification.agent_id == people[1])) == "assigned"


def test_least_loaded_counts_a_live_chat_as_three(make, loop):
    queue = general(make)
    busy, light = make.agent("agent", ["general"]).id, make.agent("agent", ["general"]).id
    chat, _ = make.inbound("chat", "visitor-1", "안녕하세요", sender_kind="chat_visitor")
    mail1, _ = make.inbound("email", "x@example.kr", "메일 1")
    mail2, _ = make.inbound("email", "y@example.kr", "메일 2")
    for t, who in ((chat, busy), (mail1, light), (mail2, light)):
        tickets.update(t.id, {"assignee": who, "status": "open"}, actor=make.agent("supervisor"))
    route(queue.id, "least_loaded")
    t, _ = make.inbound("email", "z@example.kr", "새 문의")
    loop()
    assert ticket(t.id).assignee_id == light  # 2 mails (2 units) < 1 chat (3 units)


def test_capacity_is_respected_and_waiting_work_goes_out_when_room_frees(make, staff, loop):
    queue = db.session.scalar(select(Queue).where(Queue.slug == "general"))
    only = make.agent("agent", ["general"])
    capacity(only.id, 1)
    capacity(staff["agent"].id, 1)
    with db.write() as session:  # the fixture's agent works the queue too; take them out of it
        session.get(Agent, staff["agent"].id).queues = []
    route(queue.id, "least_loaded")
    first, _ = make.inbound("email", "a@example.kr", "첫 번째")
    second, _ = make.inbound("email", "b@example.kr", "두 번째")
    loop()
    assert ticket(first.id).assignee_id == only.id
    assert ticket(second.id).assignee_id is None  # no room
    replies.send(first.id, actor=only, body="해결되었습니다.", channel="email", status="solved")
    loop()
    assert ticket(second.id).assignee_id == only.id


def test_only_agents_with_the_queue_skill_and_online_get_work(app, make, loop):
    queue = general(make)
    plain = make.agent("agent", ["general"]).id
    skilled_offline = make.agent("agent", ["general"]).id
    skilled_online = make.agent("agent", ["general"]).id
    with db.write() as session:
        for agent_id in (skilled_offline, skilled_online):
            session.get(Agent, agent_id).skills = ["korean"]
    route(queue.id, "round_robin", skill="korean")
    app.extensions["desk_presence"] = Presence({plain, skilled_online})
    try:
        for n in range(2):
            t, _ = make.inbound("email", f"s{n}@example.kr", "문의")
            loop()
            assert ticket(t.id).assignee_id == skilled_online
    finally:
        del app.extensions["desk_presence"]


def test_unanswered_work_moves_when_an_agent_goes_offline(app, make, loop):
    queue = general(make)
    leaving, staying = make.agent("agent", ["general"]), make.agent("agent", ["general"])
    route(queue.id, "least_loaded")
    presence = Presence({leaving.id, staying.id})
    app.extensions["desk_presence"] = presence
    try:
        answered, _ = make.inbound("email", "a@example.kr", "답변 받은 문의")
        waiting, _ = make.inbound("email", "b@example.kr", "아직 답 없는 문의")
        for t in (answered, waiting):
            tickets.update(t.id, {"assignee": leaving.id}, actor=make.agent("supervisor"))
        replies.send(answered.id, actor=leaving, body="확인했습니다.", channel="email")
        presence.online.discard(leaving.id)
        moved = assignment.agent_went_offline(leaving.id)
        assert moved == 1
        assert ticket(waiting.id).assignee_id == staying.id
        assert ticket(answered.id).assignee_id == leaving.id  # answered work stays with its owner
    finally:
        del app.extensions["desk_presence"]


def test_real_presence_routes_to_agents_online_and_takes_work_back_after_they_leave(
        app, make, loop, presence_as_each_test_says):
    app.extensions["desk_presence"] = presence_as_each_test_says  # the service consoles report to
    queue = general(make)
    leaving, staying = make.agent("agent", ["general"]), make.agent("agent", ["general"])
    never_connected = make.agent("agent", ["general"])
    route(queue.id, "round_robin")
    presence.connected(leaving.id)
    t, _ = make.inbound("email", "a@example.kr", "문의")
    loop()
    assert ticket(t.id).assignee_id == leaving.id  # the only agent with a console open
    presence.connected(staying.id)
    presence.disconnected(leaving.id)  # a page reload closes the socket for a moment...
    assert console_loop.sweep_offline() == 0
    assert ticket(t.id).assignee_id == leaving.id  # ...which is not leaving
    with db.write() as session:  # two minutes and more later
        session.execute(update(AgentPresence).where(AgentPresence.agent_id == leaving.id)
                        .values(changed_at=utcnow() - console_loop.OFFLINE_GRACE - timedelta(seconds=5)))
    assert console_loop.sweep_offline() == 1
    assert ticket(t.id).assignee_id == staying.id
    assert never_connected.id not in app.extensions["desk_presence"].online_ids()
