"""The help center and the customer portal in Chromium against a real server process: search as
you type, deflection counted from the contact form, magic-link sign-in and the CSAT survey, and
how the pages look on a phone (390×844)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from desk import create_app
from desk.extensions import db
from desk.models import PortalMail
from desk.services import replies
from knowledge import demo, service
from tests.browser.conftest import screenshot, session_cookie
from tests.conftest import Factory, _empty_tables, make_config

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def kb_app(live_server, tmp_path):
    """An app on the server's database that writes the server's search index (as `init-db --demo`
    or an editor in another process would), with the demo articles."""
    config = make_config(live_server.database_url, tmp_path / "instance", HTTP_PORT=live_server.port,
                         INTERNAL_RELAY_URL=f"{live_server.url}/internal/fanout",
                         INDEX_DIR=live_server.instance / "index")
    application = create_app(config, role="cli")
    _empty_tables()
    with application.app_context():
        make = Factory(application)
        make.queue("general", "일반 문의", default=True)
        admin = make.agent("admin", email="admin@desk.test")
        demo.seed(admin)
        service.reindex(application)
        application.extensions["test_admin"] = admin
        yield application
    db.session.remove()


def test_search_as_you_type_and_the_article_on_a_phone(page, live_server, kb_app):
    page.goto(f"{live_server.url}/help/ko/")
    page.fill("#hc-q", "배송비")
    first = page.locator("[data-live-results] a").first
    expect(first).to_contain_text("배송비는 얼마인가요?")
    expect(page.locator("[data-live-results] mark").first).to_have_text("배송비")
    screenshot(page, "help-home-search")
    first.click()
    expect(page.locator("h1")).to_have_text("배송비는 얼마인가요?")

    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/help/ko/")
    screenshot(page, "help-home-phone")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the home page scrolls sideways on a phone"
    page.fill("#hc-q", "환불")
    page.press("#hc-q", "Enter")
    expect(page.locator("[data-results] li").first).to_contain_text("환불")
    page.locator("[data-results] a").first.click()
    expect(page.locator(".article-body")).to_be_visible()
    screenshot(page, "help-article-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_visitor_who_reads_a_suggestion_and_leaves_counts_as_deflected(page, browser, live_server, kb_app):
    page.goto(f"{live_server.url}/help/ko/contact")
    page.fill("input[name=subject]", "환불은 언제")
    suggestion = page.locator("[data-suggest-list] a").first
    expect(suggestion).to_contain_text("환불은 언제 받을 수 있나요?")
    screenshot(page, "help-contact-suggestions")
    suggestion.click()
    expect(page.locator("h1")).to_have_text("환불은 언제 받을 수 있나요?")
    page.goto("about:blank")  # and leaves without sending the form

    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="ko-KR")
    agent_page = context.new_page()
    context.add_cookies([session_cookie(kb_app, kb_app.extensions["test_admin"], live_server.url)])
    agent_page.goto(f"{live_server.url}/kb/")
    expect(agent_page.locator("[data-deflected]")).to_have_text("1")
    screenshot(agent_page, "kb-console-list")
    context.close()


def test_agent_inserts_an_article_link_and_previews_an_article(browser, live_server, kb_app):
    make = Factory(kb_app)
    ticket, _ = make.inbound(sender="haneul@example.kr", subject="환불 문의", text="환불 언제 되나요?")
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="ko-KR")
    tab = context.new_page()
    context.add_cookies([session_cookie(kb_app, kb_app.extensions["test_admin"], live_server.url)])
    tab.goto(f"{live_server.url}/tickets/{ticket.number}")
    panel = tab.locator("[data-kb-panel]")
    expect(panel).to_contain_text("환불은 언제 받을 수 있나요?")
    panel.locator("#kb-q").fill("비밀번호")
    expect(panel.locator("[data-kb-results] li").first).to_contain_text("비밀번호를 잊어버렸어요")
    panel.locator("[data-kb-insert]").first.click()
    link = re.compile(r"비밀번호를 잊어버렸어요: http://127\.0\.0\.1:\d+/help/ko/articles/\d+$")
    expect(tab.locator("#reply-body")).to_have_value(link)
    screenshot(tab, "kb-ticket-panel")

    tab.click("text=이 티켓으로 문서 만들기")
    expect(tab.locator("input[name=title]")).to_have_value("환불 문의")
    tab.locator("[data-kb-body]").fill("## 환불\n\n**3일** 안에 <script>alert(1)</script>")
    expect(tab.locator("[data-kb-preview] strong")).to_have_text("3일")
    assert tab.locator("[data-kb-preview] script").count() == 0
    screenshot(tab, "kb-editor")
    context.close()


def test_magic_link_sign_in_reply_and_rating(page, live_server, kb_app):
    make = Factory(kb_app)
    ticket, _ = make.inbound(sender="haneul@example.kr", subject="환불 문의", text="환불 언제 되나요?",
                             sender_name="김하늘")
    other, _ = make.inbound(sender="someone@example.com", subject="Another customer's order", text="secret")
    agent = make.agent("agent", ["general"], email="minji@desk.test")
    replies.send(ticket.id, actor=agent, body="환불은 3일 안에 처리됩니다.", channel="email", status="solved")

    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/help/ko/portal/sign-in")
    page.fill("input[name=email]", "haneul@example.kr")
    page.click("button[type=submit]")
    expect(page.locator("[data-link-sent]")).to_be_visible()
    db.session.rollback()
    mail = db.session.scalar(select(PortalMail).order_by(PortalMail.id.desc()))
    link = re.search(r"https?://[^/\s]+(/help/\w+/portal/link/\S+)", mail.text).group(1)

    page.goto(live_server.url + link)
    page.click("[data-confirm-sign-in]")
    expect(page.locator("[data-requests]")).to_contain_text("환불 문의")
    expect(page.locator("[data-requests]")).not_to_contain_text("Another customer")
    screenshot(page, "portal-requests-phone")
    page.click(f"text=#{ticket.number}")
    expect(page.locator("[data-thread]")).to_contain_text("환불은 3일 안에 처리됩니다.")
    page.locator(".hc-score span", has_text="5").click()
    page.fill("#csat-comment", "빨리 답해 주셔서 좋았어요")
    page.click("text=평가 보내기")
    expect(page.locator("[data-csat-done]")).to_contain_text("5")
    screenshot(page, "portal-request-rated-phone")

    page.goto(live_server.url + link)  # the link is spent
    page.click("[data-confirm-sign-in]")
    expect(page.locator("[data-link-problem]")).to_have_attribute("data-link-problem", "used")
    assert page.goto(f"{live_server.url}/help/ko/portal/requests/{other.number}").status == 404
