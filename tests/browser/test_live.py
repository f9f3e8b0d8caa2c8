"""Live behaviour of the console pages beyond new messages: ticket changes made elsewhere,
rows of the list changing in place, typing indicators, and paging back through a long timeline."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from desk.services import tickets
from tests.browser.conftest import VIEWPORT, session_cookie


def setup_ticket(make):
    make.queue("general", "일반 문의", default=True)
    agent = make.agent("agent", ["general"], email="james@desk.test", name="James Park")
    supervisor = make.agent("supervisor", email="lead@desk.test", name="이서연")
    ticket, _ = make.inbound("email", "olivia@example.com", "Where is my order?", subject="Order status",
                             sender_name="Olivia Smith")
    return agent, supervisor, ticket


def open_ticket(page, live_server, ticket):
    page.goto(f"{live_server.url}/tickets/{ticket.number}")
    expect(page.locator("[data-ticket][data-joined='1']")).to_have_count(1)


def test_changes_made_elsewhere_update_the_open_ticket(signed_in, live_server, live_make):
    agent, supervisor, ticket = setup_ticket(live_make)
    page = signed_in(agent)
    open_ticket(page, live_server, ticket)
    version = page.locator("[data-version-field]")
    before = int(version.input_value())

    tickets.update(ticket.id, {"status": "pending", "priority": "high"}, actor=supervisor)

    expect(page.locator("[data-ticket-status]")).to_contain_text("대기 중")
    expect(page.locator("[data-prop=status]")).to_have_value("pending")
    expect(page.locator("[data-prop=priority]")).to_have_value("high")
    expect(version).to_have_value(str(before + 1))
    # With a change of their own under way, the agent is warned instead of overwritten.
    page.select_option("[data-prop=priority]", "low")
    tickets.update(ticket.id, {"status": "open"}, actor=supervisor)
    expect(page.locator("[data-stale-bar]")).to_be_visible()
    expect(page.locator("[data-prop=priority]")).to_have_value("low")
    page.get_by_role("button", name="티켓 변경").click()
    expect(page.locator(".flash-warning")).to_contain_text("다른 사람이 변경했습니다")


def test_list_rows_change_in_place(signed_in, live_server, live_make):
    agent, supervisor, ticket = setup_ticket(live_make)
    page = signed_in(agent)
    page.goto(live_server.url + "/")
    expect(page.locator("[data-conn]")).to_have_attribute("data-state", "live")
    row = page.locator(f"tr[data-ticket-id='{ticket.id}']")
    expect(row.locator("[data-status-badge]")).to_have_text("신규")

    tickets.update(ticket.id, {"status": "pending"}, actor=supervisor)

    expect(row.locator("[data-status-badge]")).to_have_text("대기 중")
    expect(row).to_have_class(re.compile(r"is-updated"))
    expect(page.locator("[data-live-bar]")).to_contain_text("1")


def test_typing_shows_on_the_other_agents_screen(browser, signed_in, live_server, live_app, live_make):
    agent, supervisor, ticket = setup_ticket(live_make)
    page = signed_in(agent)
    open_ticket(page, live_server, ticket)
    other = browser.new_context(viewport=VIEWPORT, locale="ko-KR")
    try:
        other.add_cookies([session_cookie(live_app, supervisor, live_server.url)])
        watcher = other.new_page()
        open_ticket(watcher, live_server, ticket)
        page.get_by_label("메시지", exact=True).press_sequentially("Let me check")
        expect(watcher.locator("[data-typing]")).to_contain_text("James Park")
        expect(page.locator("[data-typing]")).to_be_hidden()  # never for your own typing
    finally:
        other.close()


def test_older_entries_of_a_long_history(signed_in, live_server, live_make):
    from desk.console.tickets import TICKET_TIMELINE

    agent, supervisor, ticket = setup_ticket(live_make)
    for n in range(TICKET_TIMELINE + 5):
        live_make.inbound("email", "olivia@example.com", f"follow-up {n}", subject=f"Order status {n}")
    page = signed_in(agent)
    open_ticket(page, live_server, ticket)
    expect(page.locator(".entry")).to_have_count(TICKET_TIMELINE)
    page.evaluate("window.__sameDocument = true")
    page.locator("[data-older-url]").click()
    expect(page.locator(".entry")).to_have_count(TICKET_TIMELINE + 6)
    expect(page.locator(".entry").first).to_contain_text("Where is my order?")
    expect(page.locator("[data-timeline-more]")).to_have_count(0)
    assert page.evaluate("window.__sameDocument") is True
