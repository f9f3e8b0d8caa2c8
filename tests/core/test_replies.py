"""Replies and internal notes: what they write, what they refuse, and what subscribers hear.

``replies.send`` writes with Core statements and builds its event payloads from the values it
wrote. The ORM unit of work it replaced published ``schemas.ticket_dict`` / ``interaction_dict``
of the objects it had just flushed, that is of the rows as stored; these tests read the rows
back through the ORM in a fresh session and compare them with what was published.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from desk.errors import Conflict, Forbidden, Invalid
from desk.extensions import db
from desk.models import Interaction, OutboxItem, Ticket
from desk.schemas import agent_ref, interaction_dict
from desk.services import access, replies, tickets
from desk.services.prepared import read_connection
from tests.conftest import stored


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def check(events, interaction, changes: dict) -> tuple[dict, dict]:
    """The two events of one reply carry the stored rows as the ORM shows them."""
    assert [name for name, _ in events] == ["interaction.created", "ticket.updated"]
    ticket, shown = stored(interaction.ticket_id, interaction.id)
    assert events[0][1] == {"interaction": shown, "ticket": ticket}
    assert events[1][1] == {"ticket": ticket, "changes": changes}
    return ticket, shown


def test_first_reply_answers_assigns_and_opens_the_ticket(staff, make, events):
    ticket, _ = make.inbound("email", "Kim@Example.kr", "환불 문의드립니다", subject="환불")
    events.clear()
    reply = replies.send(ticket.id, actor=staff["agent"], body="  확인해 드릴게요  ", channel="email")
    shown_ticket, shown = check(events, reply, {"status": ["new", "open"]})
    assert shown_ticket["assignee"] == agent_ref(staff["agent"])  # nobody had it: the one who answered
    assert shown_ticket["first_response_at"] == shown["created_at"] == shown_ticket["updated_at"]
    assert shown_ticket["status"] == "open" and shown_ticket["version"] == 2
    assert shown["author"] == agent_ref(staff["agent"]) and shown["direction"] == "outbound"
    assert (shown["subject"], shown["text"], shown["meta"]) == ("Re: 환불", "확인해 드릴게요", {"to": "kim@example.kr"})
    assert shown["delivery_status"] == "queued" and shown["attachments"] == [] and shown["threading"] is None
    item = db.session.scalar(select(OutboxItem).where(OutboxItem.interaction_id == reply.id))
    assert (item.status, item.channel, item.attempts) == ("pending", "email", 0)


def test_later_replies_keep_the_first_response_time_and_the_assignee(staff, make, events):
    ticket, _ = make.inbound("email", "lee@example.kr", "배송 문의", subject="Re: 배송")
    tickets.update(ticket.id, {"assignee": staff["agent"].id}, actor=staff["supervisor"])
    first = replies.send(ticket.id, actor=staff["supervisor"], body="first", channel="email")
    answered_at = db.session.get(Ticket, ticket.id).first_response_at
    events.clear()
    second = replies.send(ticket.id, actor=staff["supervisor"], body="second", channel="email")
    shown_ticket, shown = check(events, second, {})  # already open: no status change to report
    assert shown_ticket["assignee"]["id"] == staff["agent"].id
    assert shown_ticket["first_response_at"] == interaction_dict(first)["created_at"] != shown["created_at"]
    assert db.session.get(Ticket, ticket.id).first_response_at == answered_at
    assert shown["subject"] == "Re: 배송"  # not "Re: Re: ..."


def test_a_note_neither_answers_nor_assigns_and_a_status_is_applied(staff, make, events):
    ticket, _ = make.inbound("sms", "010-2222-3333", "문자 문의")
    events.clear()
    note = replies.send(ticket.id, actor=staff["agent"], body="고객 등급 확인", internal=True, html="<b>VIP</b>")
    shown_ticket, shown = check(events, note, {})
    assert (shown["channel"], shown["direction"], shown["internal"]) == ("note", "internal", True)
    assert (shown["html"], shown["meta"], shown["delivery_status"], shown["subject"]) == ("<b>VIP</b>", {}, None, "")
    assert shown_ticket["status"] == "new" and shown_ticket["assignee"] is None
    assert shown_ticket["first_response_at"] is None and shown_ticket["version"] == 2
    assert count(OutboxItem) == 0
    events.clear()
    solved = replies.send(ticket.id, actor=staff["agent"], body="처리했습니다", channel="sms", status="solved")
    shown_ticket, shown = check(events, solved, {"status": ["new", "solved"]})
    assert shown_ticket["solved_at"] == shown["created_at"] and shown["meta"] == {"to": "+821022223333"}
    assert db.session.get(Ticket, ticket.id).closed_at is None


def test_a_reply_that_reopens_or_closes_keeps_the_solved_time_true(staff, make, events):
    """Reports read resolution times and the backlog from solved_at: a reply that reopens a solved
    ticket clears it, one that closes a ticket that was never solved sets it (as ticket updates do)."""
    ticket, _ = make.inbound("sms", "010-2222-4444", "문자 문의")
    replies.send(ticket.id, actor=staff["agent"], body="처리했습니다", channel="sms", status="solved")
    assert db.session.get(Ticket, ticket.id).solved_at is not None
    events.clear()
    reopened = replies.send(ticket.id, actor=staff["agent"], body="다시 확인하겠습니다", channel="sms", status="open")
    shown_ticket, _ = check(events, reopened, {"status": ["solved", "open"]})
    assert shown_ticket["solved_at"] is None
    events.clear()
    closed = replies.send(ticket.id, actor=staff["agent"], body="종료합니다", channel="sms", status="closed")
    shown_ticket, shown = check(events, closed, {"status": ["open", "closed"]})
    assert shown_ticket["solved_at"] == shown["created_at"]
    assert db.session.get(Ticket, ticket.id).closed_at is not None


def test_a_retry_with_the_same_external_id_returns_the_first_reply(staff, make, events):
    ticket, _ = make.inbound("email", "retry@example.com", "hello")
    first = replies.send(ticket.id, actor=staff["agent"], body="answer", channel="email", external_id="web:42")
    events.clear()
    db.session.remove()
    again = replies.send(ticket.id, actor=staff["agent"], body="answer, sent twice", channel="email",
                         external_id="web:42")
    assert (again.id, again.text) == (first.id, "answer")
    assert events == []  # nothing happened, so nothing to hear
    assert count(Interaction) == 2 and count(OutboxItem) == 1
    assert db.session.get(Ticket, ticket.id).version == 2


def test_a_closed_ticket_takes_no_reply_but_a_retry_of_an_earlier_one_still_answers(staff, make, events):
    ticket, _ = make.inbound("email", "closed@example.com", "hello")
    first = replies.send(ticket.id, actor=staff["agent"], body="answer", channel="email", external_id="c-1")
    tickets.update(ticket.id, {"status": "closed"}, actor=staff["agent"])
    events.clear()
    for internal in (False, True):
        with pytest.raises(Conflict) as refused:
            replies.send(ticket.id, actor=staff["agent"], body="more", channel="email", internal=internal)
        assert refused.value.code == "ticket_closed"
    assert events == [] and count(Interaction) == 2 and count(OutboxItem) == 1
    assert replies.send(ticket.id, actor=staff["agent"], body="answer", channel="email", external_id="c-1").id == first.id


def test_only_an_agent_who_may_see_the_ticket_replies(staff, make, events):
    ticket, _ = make.inbound("email", "billing@example.com", "결제 문의", queue="billing")
    events.clear()
    with pytest.raises(Forbidden):
        replies.send(ticket.id, actor=staff["agent"], body="answer", channel="email")
    assert events == [] and count(Interaction) == 1
    assert replies.send(ticket.id, actor=staff["supervisor"], body="answer", channel="email").direction == "outbound"


def test_a_reply_goes_only_where_the_customer_can_be_reached(staff, make):
    ticket, _ = make.inbound("email", "mail-only@example.com", "hello")
    for channel, missing in (("chat", "chat visitor"), ("sms", "phone")):
        with pytest.raises(Invalid) as refused:
            replies.send(ticket.id, actor=staff["agent"], body="answer", channel=channel)
        assert refused.value.field == "channel" and missing in str(refused.value)
    assert count(Interaction) == 1 and db.session.get(Ticket, ticket.id).status == "new"


def test_the_returned_reply_and_the_ticket_the_session_holds_show_what_was_written(staff, make):
    ticket, _ = make.inbound("email", "held@example.com", "hello")
    held = db.session.get(Ticket, ticket.id)
    assert held.assignee is None
    reply = replies.send(ticket.id, actor=staff["agent"], body="answer", channel="email")
    assert (held.status, held.version, held.assignee) == ("open", 2, staff["agent"])
    assert held.first_response_at == reply.created_at
    assert reply.author is staff["agent"] and reply.attachments == []
    returned = interaction_dict(reply)
    assert returned == stored(ticket.id, reply.id)[1]


def test_an_actor_is_the_agent_as_stored_now(staff, make):
    agent = staff["agent"]
    with read_connection() as raw:
        now = access.actor(raw, agent.id)
        assert access.actor(raw, 2**31 - 1) is None
    assert now == access.as_actor(agent)
    supervisor = access.as_actor(staff["supervisor"])  # sees every queue: its own are not read
    assert supervisor.has_role("supervisor") and supervisor.queue_ids == frozenset()
    assert (now.display_name, now.queue_ids, now.is_active) == (agent.display_name, agent.queue_ids, True)
    assert now.has_role("agent") and not now.has_role("supervisor")
    from desk.services import console_admin

    console_admin.save_agent(agent.id, role="agent", skills=[], capacity=10, queue_ids=[], active=False,
                             actor_id=staff["admin"].id)
    with read_connection() as raw:
        later = access.actor(raw, agent.id)
    assert later.queue_ids == frozenset() and not later.is_active
