"""The agent console in a real browser against a real server process: sign in, the queue,
a ticket, replying, and live updates arriving without a reload."""
from __future__ import annotations

import json
import re
import urllib.request

from playwright.sync_api import expect

from desk.extensions import db
from desk.services import identity, replies
from tests.browser.conftest import screenshot
from tests.conftest import Factory


def seed(make: Factory):
    """Two queues, an agent, and a customer who wrote by email and by SMS."""
    make.queue("general", "일반 문의", default=True)
    make.queue("billing", "결제·환불")
    agent = make.agent("agent", ["general"], email="minji@desk.test", name="김민지")
    email_ticket, _ = make.inbound("email", "haneul@example.kr", "지난주에 주문한 운동화가 아직 도착하지 않았어요.\n"
                                   "주문번호는 20261122-0042 입니다.", subject="주문한 운동화가 안 와요",
                                   sender_name="김하늘")
    with db.write() as session:
        identity.add_identity(session, session.merge(email_ticket.customer), "phone", "010-1234-5678")
    sms_ticket, _ = make.inbound("sms", "010-1234-5678", "메일 보냈는데 확인 부탁드려요!")
    replies.send(email_ticket.id, actor=agent, body="확인해 보겠습니다. 잠시만 기다려 주세요.", channel="email")
    replies.send(email_ticket.id, actor=agent, body="택배사에 확인 요청함", internal=True)
    make.inbound("chat", "visitor-7", "Hello, do you ship to Jeju?", sender_kind="chat_visitor",
                 sender_name="Olivia Smith")
    return agent, email_ticket, sms_ticket


def wait_live(page):
    expect(page.locator("[data-conn]")).to_have_attribute("data-state", "live")


def test_sign_in_through_the_form(page, live_server, live_make):
    seed(live_make)
    page.goto(f"{live_server.url}/tickets/1001")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    expect(page.locator("h1")).to_have_text("로그인")
    page.get_by_label("이메일").fill("minji@desk.test")
    page.get_by_label("비밀번호").fill("wrong password")
    page.get_by_role("button", name="로그인").click()
    expect(page.locator("#login-error")).to_contain_text("올바르지 않습니다")
    page.get_by_label("이메일").fill("minji@desk.test")
    page.get_by_label("비밀번호").fill(Factory.password)
    page.get_by_role("button", name="로그인").click()
    expect(page).to_have_url(f"{live_server.url}/tickets/1001")
    expect(page.locator(".ticket-head h1")).to_have_text("주문한 운동화가 안 와요")
    # Signing out is a POST with the CSRF token.
    page.get_by_role("button", name="로그아웃").click()
    expect(page).to_have_url(f"{live_server.url}/login")


def test_queue_list_filters_and_opens_a_ticket(signed_in, live_server, live_make):
    agent, email_ticket, sms_ticket = seed(live_make)
    page = signed_in(agent)
    page.goto(live_server.url + "/")
    wait_live(page)
    rows = page.locator("table.tickets tbody tr")
    expect(rows).to_have_count(3)
    page.select_option("#f-channel", "sms")  # applies itself
    expect(page).to_have_url(re.compile(r"channel=sms"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("메일 보냈는데")
    page.get_by_role("link", name="미해결 전체").click()
    expect(rows).to_have_count(3)
    page.get_by_role("link", name="주문한 운동화가 안 와요").click()
    expect(page).to_have_url(f"{live_server.url}/tickets/{email_ticket.number}")
    expect(page.locator(".entry")).to_have_count(4)
    expect(page.locator(".entry.is-other")).to_have_count(1)
    expect(page.locator(".entry.dir-internal")).to_contain_text("택배사에 확인 요청함")
    expect(page.locator(".chip-thread").first).to_contain_text("새 티켓")


def test_reply_and_note_from_the_ticket_page(signed_in, live_server, live_make):
    agent, email_ticket, _ = seed(live_make)
    page = signed_in(agent)
    page.goto(f"{live_server.url}/tickets/{email_ticket.number}")
    wait_live(page)
    page.get_by_label("메시지", exact=True).fill("운송장 번호는 1234-5678 입니다.")
    page.select_option("#reply-status", "pending")
    page.keyboard.press("Control+Enter")
    expect(page.locator(".flash-success")).to_contain_text("이메일")
    newest = page.locator(".entry").last
    expect(newest).to_contain_text("운송장 번호는 1234-5678 입니다.")
    expect(newest).to_have_class(re.compile(r"dir-outbound"))
    expect(page.locator("[data-ticket-status]")).to_contain_text("대기 중")
    # The internal note tab turns the composer yellow and the button into "add note".
    page.locator("label[for=kind-note]").click()
    expect(page.locator("[data-composer]")).to_have_class(re.compile(r"is-note"))
    expect(page.get_by_role("button", name="메모 추가")).to_be_visible()
    page.get_by_label("메시지", exact=True).fill("고객에게 쿠폰 발급 예정")
    page.get_by_role("button", name="메모 추가").click()
    expect(page.locator(".entry").last).to_have_class(re.compile(r"dir-internal"))
    expect(page.locator(".entry").last).to_contain_text("고객에게 쿠폰 발급 예정")
    # The page lands on #i-<note>: only the timeline scrolls to it, never the page behind the shell
    # (which used to leave the bottom of the window blank).
    assert "#i-" in page.url
    scroll = page.evaluate("[document.scrollingElement.scrollTop, document.scrollingElement.scrollHeight, innerHeight]")
    assert scroll[0] == 0 and scroll[1] == scroll[2], scroll


def test_inbound_message_appears_without_reload(signed_in, live_server, live_make):
    """The key path: a message received in another process shows up on the open ticket."""
    agent, _, sms_ticket = seed(live_make)
    page = signed_in(agent)
    page.goto(f"{live_server.url}/tickets/{sms_ticket.number}")
    wait_live(page)
    expect(page.locator("[data-ticket][data-joined='1']")).to_have_count(1)
    page.evaluate("window.__sameDocument = true")
    before = page.locator(".entry").count()

    _, interaction = live_make.inbound("sms", "+82 10-1234-5678", "지금 어디쯤 오고 있나요?")

    entry = page.locator(f"#i-{interaction.id}")
    expect(entry).to_be_visible()
    expect(entry).to_contain_text("지금 어디쯤 오고 있나요?")
    expect(entry).to_contain_text("같은 채널의 진행 중인 티켓")  # why it threaded here
    expect(entry).to_have_class(re.compile(r"is-this"))
    expect(page.locator(".entry")).to_have_count(before + 1)
    assert page.evaluate("window.__sameDocument") is True  # no reload happened


def test_message_through_the_api_appears_live_and_the_queue_hears_new_tickets(signed_in, live_server, live_make):
    agent, email_ticket, sms_ticket = seed(live_make)
    token = live_make.token(agent)
    page = signed_in(agent)
    page.goto(f"{live_server.url}/tickets/{sms_ticket.number}")
    wait_live(page)
    expect(page.locator("[data-ticket][data-joined='1']")).to_have_count(1)
    queue_tab = page.context.new_page()
    queue_tab.goto(live_server.url + "/")
    wait_live(queue_tab)

    def post(body: dict) -> dict:
        request = urllib.request.Request(
            f"{live_server.url}/api/v1/tickets", data=json.dumps(body).encode(), method="POST",
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    # An SMS logged through the API joins the customer's open SMS conversation.
    post({"customer": {"phone": "010-1234-5678"}, "subject": "문자", "body": "API로 들어온 문자입니다",
          "channel": "sms"})
    expect(page.locator(".entry").last).to_contain_text("API로 들어온 문자입니다")
    # A brand-new ticket makes the list offer a refresh.
    post({"customer": {"email": "new@example.kr", "name": "새 고객"}, "subject": "새 문의", "body": "안녕하세요"})
    bar = queue_tab.locator("[data-live-bar]")
    expect(bar).to_be_visible()
    expect(bar).to_contain_text("새로 들어오거나 바뀐 티켓")
    queue_tab.locator("[data-live-refresh]").click()
    expect(queue_tab.locator("table.tickets")).to_contain_text("새 문의")


def test_screenshots_of_every_page(page, live_server, live_make):
    """Every console page in Korean and English at 1366×768, saved under test-artifacts/."""
    agent, email_ticket, _ = seed(live_make)
    for lang, title in (("en", "Sign in"), ("ko", "로그인")):
        page.goto(f"{live_server.url}/lang/{lang}?next=/login")
        expect(page.locator("h1")).to_have_text(title)
        screenshot(page, f"browser-login-{lang}")
    page.fill("input[name=email]", agent.email)
    page.fill("input[name=password]", Factory.password)
    page.click("button[type=submit]")
    expect(page.locator(".page-head h1")).to_be_visible()
    for lang in ("ko", "en"):
        page.goto(f"{live_server.url}/lang/{lang}?next=/")
        wait_live(page)
        expect(page.locator("html")).to_have_attribute("lang", lang)
        screenshot(page, f"browser-queue-{lang}")
        page.goto(f"{live_server.url}/tickets/{email_ticket.number}")
        wait_live(page)
        screenshot(page, f"browser-ticket-{lang}")
        page.goto(f"{live_server.url}/customers/{email_ticket.customer_id}")
        screenshot(page, f"browser-customer-{lang}")
        page.goto(f"{live_server.url}/customers")
        screenshot(page, f"browser-customers-{lang}")
