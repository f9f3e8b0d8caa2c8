"""The admin Channels page in Chromium against a real server: the sections render in Korean and
English, the copy buttons copy, the environment tables open, and the acknowledgement toggle saves."""
from __future__ import annotations

from playwright.sync_api import expect

from desk.extensions import db
from desk.heartbeat import beat
from desk.models import Queue
from tests.browser.conftest import screenshot


def tall(page, name: str) -> None:
    """The whole page at once (the console scrolls inside its main column, so a full-page shot
    would stop at the window): a viewport as tall as the content, then back to 1366×768."""
    height = page.evaluate("document.querySelector('main').scrollHeight") + 80
    page.set_viewport_size({"width": 1366, "height": height})
    screenshot(page, name)
    page.set_viewport_size({"width": 1366, "height": 768})


def seed(make):
    make.queue("general", "일반 문의", default=True)
    make.queue("billing", "결제·환불")
    make.queue("delivery", "배송")
    make.agent("agent", ["general", "billing"], email="minji@desk.test", name="김민지")
    make.agent("agent", ["general"], email="james@desk.test", name="James Park")
    admin = make.agent("admin", email="admin@desk.test", name="관리자")
    beat("smtp")
    return admin


def test_channels_page_in_korean_and_english(signed_in, live_server, live_make, live_app):
    admin = seed(live_make)
    page = signed_in(admin)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto(f"{live_server.url}/admin/channels")
    expect(page.locator(".subtab.is-current")).to_have_text("채널")
    for section in ("routing", "email", "chat", "phone"):
        expect(page.locator(f"#{section}")).to_be_visible()
    screenshot(page, "admin-channels-ko")

    snippet = page.locator("#chat-snippet")
    expect(snippet).to_contain_text(f'data-desk="{live_server.url}"')
    page.locator("[data-copy='#chat-snippet']").click()
    expect(page.locator("[data-copy='#chat-snippet']")).to_contain_text("복사됨")
    assert page.evaluate("navigator.clipboard.readText()") == snippet.inner_text()

    page.locator("#email details.env-settings summary").click()
    expect(page.locator("#email [data-env='DESK_SMTP_RELAY']")).to_be_visible()
    page.locator("#email").scroll_into_view_if_needed()
    screenshot(page, "admin-channels-ko-email")
    page.locator("#phone").scroll_into_view_if_needed()
    screenshot(page, "admin-channels-ko-phone")
    page.locator("#email details.sample summary").click()
    page.locator("#chat details.sample summary").click()
    tall(page, "admin-channels-ko-whole")

    row = page.locator("#email tr[data-queue='billing']")
    row.locator("input[name='send_acknowledgement']").check()
    row.get_by_role("button", name="저장").click()
    expect(page.locator(".flash-success")).to_contain_text("접수 확인 메일을 보냅니다")
    expect(page.locator("#email tr[data-queue='billing'] input[name='send_acknowledgement']")).to_be_checked()
    db.session.rollback()
    assert db.session.query(Queue).filter_by(slug="billing").one().send_acknowledgement

    page.goto(f"{live_server.url}/lang/en?next=/admin/channels")
    expect(page.locator(".subtab.is-current")).to_have_text("Channels")
    expect(page.locator("#email h2")).to_contain_text("Email")
    screenshot(page, "admin-channels-en")
    page.locator("#chat").scroll_into_view_if_needed()
    screenshot(page, "admin-channels-en-chat")
    tall(page, "admin-channels-en-whole")

    page.goto(f"{live_server.url}/admin/agents")
    expect(page.locator("input[name='chat_capacity']")).to_have_count(3)
    screenshot(page, "admin-agents-en")
    page.goto(f"{live_server.url}/lang/ko?next=/admin/agents")
    screenshot(page, "admin-agents-ko")
