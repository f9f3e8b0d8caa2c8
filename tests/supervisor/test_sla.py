"""SLA clocks: deadlines in business hours stored on the ticket, paused while pending, warnings
before the deadline, escalation after it, and nothing lost across a restart of the worker."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from desk.events import subscribe
from desk.extensions import db
from desk.models import AuditLog, Notification, TicketSla, utcnow
from desk.services import replies, tickets
from desk.services.console_loop import ConsoleLoop
from tests.console.conftest import text_of
from tests.supervisor.helpers import always_open, backdate, policy, ticket

SEOUL = ZoneInfo("Asia/Seoul")


def near(a: datetime, b: datetime, seconds: float = 2) -> bool:
    return abs((a - b).total_seconds()) <= seconds


def test_new_ticket_gets_deadlines_stored_on_it(make, staff, loop):
    always_open()
    policy()
    t, _ = make.inbound("email", "kim@example.kr", "배송이 안 와요", subject="배송")
    loop()
    fresh = ticket(t.id)
    assert near(fresh.first_response_due_at, fresh.created_at + timedelta(minutes=60))
    assert near(fresh.resolution_due_at, fresh.created_at + timedelta(hours=8))
    clock = db.session.get(TicketSla, t.id, populate_existing=True)
    assert clock.due_target == "first_response" and near(clock.due_at, fresh.first_response_due_at)


def test_deadlines_count_business_hours_of_the_seoul_office(make, staff, loop):
    policy(first_response_minutes=120)  # no calendar: Mon-Fri 09:00-18:00 in Asia/Seoul
    t, _ = make.inbound("email", "kim@example.kr", "금요일 저녁 문의")
    friday_evening = datetime(2026, 12, 4, 17, 30, tzinfo=SEOUL).astimezone(timezone.utc)
    backdate(t.id, friday_evening)
    loop()
    due = ticket(t.id).first_response_due_at.astimezone(SEOUL)
    assert (due.date().isoformat(), due.hour, due.minute) == ("2026-12-07", 10, 30)  # Monday 10:30


def test_the_most_specific_policy_wins(make, staff, loop):
    always_open()
    policy(name="모두", first_response_minutes=240)
    policy(name="긴급", priority="urgent", first_response_minutes=15)
    t, _ = make.inbound("email", "kim@example.kr", "급해요")
    tickets.update(t.id, {"priority": "urgent"}, actor=staff["supervisor"])
    loop()
    fresh = ticket(t.id)
    assert near(fresh.first_response_due_at, fresh.created_at + timedelta(minutes=15))


def test_a_reply_meets_first_response_and_a_new_message_starts_next_response(make, staff, loop):
    always_open()
    policy(next_response_minutes=30)
    t, _ = make.inbound("email", "kim@example.kr", "질문이 있어요")
    loop()
    replies.send(t.id, actor=staff["agent"], body="확인해 보겠습니다.", channel="email")
    loop()
    clock = db.session.get(TicketSla, t.id, populate_existing=True)
    assert clock.due_target == "resolution"
    make.inbound("email", "kim@example.kr", "아직 답이 없네요", thread_hints=_hints(t.id))
    loop()
    clock = db.session.get(TicketSla, t.id, populate_existing=True)
    fresh = ticket(t.id)
    assert clock.due_target == "next_response"
    assert near(clock.next_response_due_at, fresh.last_inbound_at + timedelta(minutes=30))


def _hints(ticket_id):
    from channels.base import ThreadHints

    return ThreadHints(ticket_id=ticket_id)


def test_pending_pauses_the_clock(make, staff, loop):
    always_open()
    policy()
    t, _ = make.inbound("email", "kim@example.kr", "사진 보내드릴게요")
    loop()
    before = ticket(t.id).resolution_due_at
    tickets.update(t.id, {"status": "pending"}, actor=staff["agent"])
    loop()
    clock = db.session.get(TicketSla, t.id, populate_existing=True)
    assert clock.paused_at is not None and clock.due_at is None  # nothing can breach while pending
    # Two hours pass while the customer looks for the photo.
    with db.write() as session:
        session.get(TicketSla, t.id).paused_at = utcnow() - timedelta(hours=2)
    tickets.update(t.id, {"status": "open"}, actor=staff["agent"])
    loop()
    after = ticket(t.id).resolution_due_at
    assert near(after - before, timedelta(hours=2), seconds=5)


def test_warning_before_the_deadline_then_escalation(make, staff, loop):
    always_open()
    policy(first_response_minutes=60, warn_minutes=30)
    agent_id, supervisor_id = staff["agent"].id, staff["supervisor"].id
    heard = []
    listener = subscribe("sla.warning", "sla.breached")(lambda name, payload: heard.append((name, payload)))
    try:
        t, _ = make.inbound("email", "kim@example.kr", "빨리 답 주세요")
        tickets.update(t.id, {"assignee": staff["agent"].id}, actor=staff["supervisor"])
        backdate(t.id, utcnow() - timedelta(minutes=45))  # 15 minutes left
        loop()
        loop()
        assert [name for name, _ in heard] == ["sla.warning"]
        assert heard[0][1]["target"] == "first_response"
        kinds = set(db.session.scalars(select(Notification.kind).where(Notification.agent_id == agent_id)))
        assert "sla_warning" in kinds
        # The deadline passes: priority goes up one step, supervisors hear of it, the audit log keeps it.
        with db.write() as session:
            session.get(TicketSla, t.id).due_at = utcnow() - timedelta(seconds=1)
        ConsoleLoop(_app()).run_once()  # a fresh worker: state comes from the database
        assert [name for name, _ in heard] == ["sla.warning", "sla.breached"]
        fresh = ticket(t.id)
        assert fresh.priority == "high"
        assert db.session.get(TicketSla, t.id, populate_existing=True).breached == ["first_response"]
        assert db.session.scalar(select(AuditLog).where(AuditLog.action == "sla.breached")).target_id == t.id
        supervisor_kinds = set(db.session.scalars(select(Notification.kind).where(
            Notification.agent_id == supervisor_id)))
        assert "sla_breach" in supervisor_kinds
        loop()
        assert len(heard) == 2  # escalated once, not on every pass
    finally:
        from desk.events import _subscribers

        for names in ("sla.warning", "sla.breached"):
            _subscribers[names].remove(listener)


def _app():
    from flask import current_app

    return current_app._get_current_object()


def test_ticket_page_shows_the_sla_state(client, make, staff, sign_in, loop):
    always_open()
    policy()
    t, _ = make.inbound("email", "kim@example.kr", "문의", subject="문의")
    loop()
    sign_in()
    html = text_of(client.get(f"/tickets/{t.number}"))
    assert "서비스 수준" in html and "첫 응답" in html and "진행 중" in html
    backdate(t.id, utcnow() - timedelta(hours=3))
    loop()
    html = text_of(client.get(f"/tickets/{t.number}"))
    assert "sla-breached" in html and "위반" in html
