"""Merging and splitting from the ticket page in Chromium, through the real forms."""
from __future__ import annotations

from playwright.sync_api import expect

from channels.base import ThreadHints
from tests.browser.conftest import screenshot


def test_split_a_message_off_then_merge_it_back(signed_in, live_server, live_make):
    live_make.queue("general", "일반 문의", default=True)
    agent = live_make.agent("agent", ["general"], name="정민지")
    ticket, _ = live_make.inbound("email", "kim@example.kr", "주문한 운동화가 안 와요", subject="배송 지연",
                                  sender_name="김하늘")
    _, later = live_make.inbound("email", "kim@example.kr", "그리고 영수증도 다시 보내 주세요", subject="영수증 재발행",
                                 thread_hints=ThreadHints(ticket_id=ticket.id))
    page = signed_in(agent)
    page.goto(f"{live_server.url}/tickets/{ticket.number}")
    card = page.locator("[data-ticket-links]")
    expect(card).to_contain_text("연결된 티켓이 없습니다.")
    page.locator(f"#i-{later.id}").get_by_role("button", name="새 티켓으로 분리").click()
    expect(page.locator(".ticket-head h1")).to_have_text("영수증 재발행")
    expect(page.locator("[data-ticket-links]")).to_contain_text(f"#{ticket.number}")
    expect(page.locator("[data-ticket-links]")).to_contain_text("분리 원본")
    screenshot(page, "ticket-links-split")

    page.get_by_label("티켓 번호로 병합").fill(str(ticket.number))
    page.get_by_role("button", name="병합", exact=True).click()
    expect(page.locator(".ticket-head h1")).to_have_text("배송 지연")
    expect(page.locator(f"#i-{later.id}.is-this")).to_be_visible()
    expect(page.locator(".entry.dir-internal").last).to_contain_text("이 티켓으로 병합했습니다")
    expect(page.locator("[data-ticket-links]")).to_contain_text("병합된 원본")
    page.locator("[data-ticket-links]").scroll_into_view_if_needed()
    screenshot(page, "ticket-links-merged")
