"""Chromium, two browser contexts: a customer in the widget on a web page and an agent in the
console chat desk, chatting both ways through forced disconnects: nothing lost, nothing doubled."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from desk.extensions import db
from desk.models import Interaction
from tests.browser.conftest import VIEWPORT, screenshot
from tests.chat.conftest import agent_cookie, chat_server  # noqa: F401  (fixture)
from tests.realtime.conftest import web_server  # noqa: F401  (fixture)

pytest.importorskip("playwright")


def _texts(page, selector: str) -> list[str]:
    return [t.strip() for t in page.locator(selector).all_inner_texts()]


def _context(browser, problems):
    context = browser.new_context(viewport=VIEWPORT, locale="ko-KR", timezone_id="Asia/Seoul")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.on("pageerror", lambda exc: problems.append(f"script error: {exc}"))
    page.on("console", lambda msg: problems.append(f"console: {msg.text}")
            if msg.type == "error" and "Content Security Policy" in msg.text else None)
    return context, page


def test_customer_and_agent_chat_through_disconnects(app, staff, make, chat_server, browser):
    from playwright.sync_api import expect

    server = chat_server()
    problems: list[str] = []
    agent_ctx, desk = _context(browser, problems)
    customer_ctx, site = _context(browser, problems)
    try:
        agent_ctx.add_cookies([agent_cookie(app, staff["agent"], server.url)])
        desk.goto(f"{server.url}/chat/desk")
        expect(desk.locator("[data-conn]")).to_have_attribute("data-state", "live")
        expect(desk.locator("[data-presence]")).to_have_value("online")

        site.goto(f"{server.url}/chat/example")
        site.get_by_role("button", name="상담 채팅").click()
        site.locator("#dc-name").fill("이수진")
        site.locator("#dc-question").fill("환불은 얼마나 걸리나요?")
        site.locator(".dc-pre button[type=submit]").click()
        expect(site.locator(".dc-msg-visitor .dc-bubble")).to_have_text(["환불은 얼마나 걸리나요?"])

        # The agent is alerted, accepts, and both talk.
        offer = desk.locator(".cd-item", has_text="이수진")
        expect(offer).to_be_visible()
        expect(desk.locator("[data-chat-badge]")).to_have_text("1")
        offer.get_by_role("button").click()
        pane = desk.locator(".cd-pane")
        expect(pane.locator(".cd-msg-visitor .cd-bubble")).to_have_text(["환불은 얼마나 걸리나요?"])
        expect(site.locator(".dc-status")).to_contain_text(staff["agent"].display_name)

        def agent_says(text):
            pane.locator("[data-message]").fill(text)
            pane.locator("[data-message]").press("Enter")

        def customer_says(text):
            site.locator("#dc-message").fill(text)
            site.locator("#dc-message").press("Enter")

        agent_says("안녕하세요, 3~5 영업일 걸립니다.")
        expect(site.locator(".dc-msg-agent .dc-bubble")).to_have_text(["안녕하세요, 3~5 영업일 걸립니다."])
        customer_says("카드 취소도 같나요?")
        expect(pane.locator(".cd-msg-visitor .cd-bubble")).to_have_text(["환불은 얼마나 걸리나요?", "카드 취소도 같나요?"])

        # The customer's connection drops: the agent keeps writing, the customer writes offline.
        site.evaluate("window.deskChat.socket.io.engine.close()")
        agent_says("네, 같습니다.")
        agent_says("다른 문의 있으신가요?")
        expect(pane.locator(".cd-msg-agent.is-pending")).to_have_count(0)
        customer_says("없어요, 감사합니다!")
        # Back online: what was missed arrives once, in order; the queued message goes out once.
        expect(site.locator(".dc-msg-agent .dc-bubble")).to_have_text(
            ["안녕하세요, 3~5 영업일 걸립니다.", "네, 같습니다.", "다른 문의 있으신가요?"])
        expect(pane.locator(".cd-msg-visitor .cd-bubble")).to_have_text(
            ["환불은 얼마나 걸리나요?", "카드 취소도 같나요?", "없어요, 감사합니다!"])
        expect(site.locator(".dc-msg.is-pending")).to_have_count(0)

        # Now the agent's connection drops while the customer writes.
        desk.evaluate("window.deskConsole.socket.io.engine.close()")
        customer_says("아, 하나 더요")
        expect(pane.locator(".cd-msg-visitor .cd-bubble")).to_have_text(
            ["환불은 얼마나 걸리나요?", "카드 취소도 같나요?", "없어요, 감사합니다!", "아, 하나 더요"])
        agent_says("말씀하세요")
        expect(site.locator(".dc-msg-agent .dc-bubble")).to_have_text(
            ["안녕하세요, 3~5 영업일 걸립니다.", "네, 같습니다.", "다른 문의 있으신가요?", "말씀하세요"])
        expect(site.locator(".dc-msg-visitor .dc-state").first).to_have_text("읽음")  # read receipts
        screenshot(site, "chat-widget-conversation")
        screenshot(desk, "chat-desk-conversation")

        # A reload of the customer's page shows the same conversation, once.
        site.reload()
        expect(site.locator(".dc-msg-agent .dc-bubble")).to_have_count(4)
        expect(site.locator(".dc-msg-visitor .dc-bubble")).to_have_count(4)
    except Exception:
        screenshot(site, "chat-failure-customer")
        screenshot(desk, "chat-failure-agent")
        raise
    finally:
        agent_ctx.close()
        customer_ctx.close()
    assert not problems, problems
    db.session.expire_all()
    for text in ("네, 같습니다.", "없어요, 감사합니다!", "아, 하나 더요", "말씀하세요"):
        assert db.session.scalar(select(func.count()).select_from(Interaction).where(Interaction.text == text)) == 1


def test_standalone_chat_page_in_english_is_keyboard_usable(staff, chat_server, browser):
    from playwright.sync_api import expect

    server = chat_server()
    problems: list[str] = []
    context, page = _context(browser, problems)
    try:
        page.goto(f"{server.url}/lang/en?next=/chat")
        expect(page.get_by_label("Name")).to_be_visible()
        page.keyboard.press("Tab")
        expect(page.get_by_label("Name")).to_be_focused()
        page.get_by_label("Your question").fill("Where is my order?")
        page.get_by_label("Your question").press("Tab")
        expect(page.get_by_role("button", name="Start chat")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.locator(".dc-notice")).to_contain_text("No agent is available")  # nobody online
        expect(page.locator(".dc-error")).to_contain_text("email")  # offline chats need an address
        page.get_by_label("Email", exact=True).fill("reader@example.com")  # no longer "(optional)"
        page.get_by_role("button", name="Start chat").click()
        expect(page.locator(".dc-msg-visitor .dc-bubble")).to_have_text(["Where is my order?"])
        expect(page.get_by_role("log")).to_be_visible()
        page.set_viewport_size({"width": 390, "height": 760})
        screenshot(page, "chat-page-mobile")
    finally:
        context.close()
    assert not problems, problems


def test_widget_embedded_on_another_site(staff, chat_server, browser):
    """The one-line embed on a page of a different origin (listed in DESK_CHAT_ALLOWED_ORIGINS)."""
    import http.server
    import threading

    from playwright.sync_api import expect

    from tests.live import free_port

    site_port = free_port()
    server = chat_server(DESK_CHAT_ALLOWED_ORIGINS=f"http://localhost:{site_port}")
    page_html = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head><body>'
                 f'<h1>Another shop</h1><script src="{server.url}/static/chat/widget.js" data-desk="{server.url}" '
                 f'data-locale="en" defer></script></body></html>').encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(page_html)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", site_port), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    problems: list[str] = []
    context, page = _context(browser, problems)
    try:
        page.goto(f"http://localhost:{site_port}/")
        page.get_by_role("button", name="Chat with us").click()
        page.get_by_label("Name").fill("Guest")
        page.get_by_label("Email", exact=True).fill("guest@example.com")  # nobody online: the answer goes by mail
        page.get_by_label("Your question").fill("Do you ship abroad?")
        page.get_by_role("button", name="Start chat").click()
        expect(page.locator(".dc-msg-visitor[data-id] .dc-bubble")).to_have_text(["Do you ship abroad?"])
        page.keyboard.press("Escape")  # the panel closes to the launcher, keyboard first
        expect(page.get_by_role("button", name="Chat with us")).to_be_focused()
    finally:
        context.close()
        httpd.shutdown()
    assert not problems, problems
