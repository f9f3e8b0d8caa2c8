"""The supervisor floor, reports, admin settings and the agent workspace in Chromium against a
real server: live floor updates, live notifications, macros in the composer, keyboard navigation."""
from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from desk.extensions import db
from desk.models import BusinessCalendar, Macro, Notification, QueueSettings, SlaPolicy, utcnow
from desk.services import presence, tickets
from desk.services.console_loop import ConsoleLoop
from tests.browser.conftest import screenshot
from tests.conftest import Factory
from tests.supervisor.helpers import backdate


def seed(make: Factory, app):
    general = make.queue("general", "일반 문의", default=True)
    make.queue("billing", "결제·환불")
    agent = make.agent("agent", ["general", "billing"], email="minji@desk.test", name="김민지")
    make.agent("agent", ["general"], email="james@desk.test", name="James Park")
    supervisor = make.agent("supervisor", email="seoyeon@desk.test", name="이서연")
    admin = make.agent("admin", email="admin@desk.test", name="관리자")
    with db.write() as session:
        session.add(BusinessCalendar(name="24/7", timezone="Asia/Seoul", hours={}, is_default=True))
        session.add(SlaPolicy(name="기본", first_response_minutes=60, resolution_minutes=480, warn_minutes=30))
        session.add(QueueSettings(queue_id=general.id, routing="least_loaded", reassign_offline=True))
        session.add(Macro(name="배송 안내", body="{{customer.name}}님, 티켓 #{{ticket.number}} 확인했습니다.",
                          set_status="pending", add_tags=["배송"]))
    made = []
    for n, (channel, sender, text) in enumerate([
            ("email", "haneul@example.kr", "주문한 운동화가 아직 안 왔어요"),
            ("sms", "010-1234-5678", "환불 언제 되나요?"),
            ("chat", "visitor-7", "Do you ship to Jeju?"),
            ("email", "olivia@example.com", "Invoice copy please"),
            ("email", "jihun@example.kr", "비밀번호 변경이 안 돼요")]):
        kw = {"sender_kind": "chat_visitor"} if channel == "chat" else {}
        t, _ = make.inbound(channel, sender, text, subject=text[:20], queue="billing" if n == 1 else None,
                            sender_name=["김하늘", "박지훈", "Olivia", "Olivia Smith", "최지훈"][n], **kw)
        made.append(t)
    backdate(made[1].id, utcnow() - timedelta(hours=2))
    backdate(made[3].id, utcnow() - timedelta(minutes=40))
    ConsoleLoop(app).run_once()
    return agent, supervisor, admin, made


def test_live_floor_updates_without_reload(signed_in, live_server, live_make, live_app):
    agent, supervisor, admin, made = seed(live_make, live_app)
    page = signed_in(supervisor)
    page.goto(f"{live_server.url}/supervisor/floor")
    expect(page.locator("[data-conn]")).to_have_attribute("data-state", "live")
    waiting = page.locator("[data-kpi='waiting']")
    before = int(waiting.inner_text())
    expect(page.locator("[data-kpi='breached']")).to_have_text("1")
    screenshot(page, "floor")
    live_make.inbound("email", "new@example.kr", "새 문의가 왔어요", queue="billing")
    expect(waiting).to_have_text(str(before + 1), timeout=15_000)
    page.goto(f"{live_server.url}/supervisor/reports")
    expect(page.locator("svg.chart")).to_have_count(3)
    screenshot(page, "reports")


def test_agent_workspace_macro_keyboard_and_notifications(signed_in, live_server, live_make, live_app):
    agent, supervisor, admin, made = seed(live_make, live_app)
    with live_app.app_context():  # the agent is at work: routing hands them waiting tickets first
        presence.connected(agent.id)
    ConsoleLoop(live_app).run_once()
    page = signed_in(agent)
    page.goto(f"{live_server.url}/")
    expect(page.locator("[data-conn]")).to_have_attribute("data-state", "live")
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(page.locator("tr.is-selected")).to_have_count(1)
    second = page.locator("table.tickets tbody tr").nth(1)
    expect(second).to_have_class(re.compile(r"is-selected"))
    # A supervisor gives the agent a ticket: the bell counts it without a reload.
    bell = page.locator("[data-notif-count]")
    start = int(bell.inner_text() or 0) if bell.is_visible() else 0
    tickets.update(made[1].id, {"assignee": agent.id}, actor=supervisor)  # billing routes by hand
    ConsoleLoop(live_app).run_once()
    with live_app.app_context():
        kinds = list(db.session.scalars(select(Notification.kind).where(
            Notification.agent_id == agent.id, Notification.read_at.is_(None))))
        db.session.remove()
    assert "assigned" in kinds and len(kinds) > start
    expect(bell).to_have_text(str(len(kinds)), timeout=15_000)
    page.locator("[data-notif-toggle]").click()
    expect(page.locator(".notif-panel")).to_contain_text("나에게 배정됨")
    screenshot(page, "notifications")
    page.keyboard.press("Escape")
    # The ticket page: SLA panel, macro into the composer, r/n switch reply and note.
    page.goto(f"{live_server.url}/tickets/{made[0].number}")
    expect(page.locator("[data-sla]")).to_contain_text("첫 응답")
    page.locator("[data-macro-select]").select_option(label="배송 안내")
    expect(page.locator("#reply-body")).to_have_value(f"김하늘님, 티켓 #{made[0].number} 확인했습니다.")
    expect(page.locator("#reply-status")).to_have_value("pending")
    page.locator("body").click(position={"x": 5, "y": 300})
    page.locator("#reply-body").blur()
    page.keyboard.press("n")
    expect(page.locator("#kind-note")).to_be_checked()
    screenshot(page, "ticket-workspace")
    page.locator("#reply-body").focus()
    page.keyboard.press("Escape")


def test_admin_pages_look_right(signed_in, live_server, live_make, live_app):
    agent, supervisor, admin, made = seed(live_make, live_app)
    page = signed_in(admin)
    for name in ("queues", "agents", "sla", "hours", "macros", "audit"):
        page.goto(f"{live_server.url}/admin/{name}")
        expect(page.locator(".subtab.is-current")).to_have_count(1)
        screenshot(page, f"admin-{name}")
