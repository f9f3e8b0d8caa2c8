"""The whole callback flow in Chromium: a customer asks for a call back through the public API,
the request appears in the agent's open queue, the agent takes it, calls (click-to-call) and
records the outcome; the supervisor's campaign page and the dialer are checked on screen too."""
from __future__ import annotations

import json
import urllib.request

from playwright.sync_api import expect

from desk.services import dialer
from tests.browser.conftest import screenshot
from tests.twilio.conftest import run_outbox


def ask_for_callback(url: str, **body) -> dict:
    request = urllib.request.Request(f"{url}/api/v1/callbacks", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201
        return json.loads(response.read())


def test_callback_requested_taken_called_and_finished(signed_in, live_server, live_make, live_app):
    live_make.queue("general", "일반 문의", default=True)
    agent = live_make.agent("agent", ["general"], email="minji@desk.test", name="김민지")
    page = signed_in(agent)
    page.goto(f"{live_server.url}/callbacks")
    expect(page.locator("[data-conn]")).to_have_attribute("data-state", "live")
    expect(page.get_by_text("지금 콜백을 기다리는 고객이 없습니다.")).to_be_visible()

    answer = ask_for_callback(live_server.url, name="박서준", phone="010-7777-8888", note="카드 분실 신고 문의")
    assert answer["position"] == 1

    expect(page.locator("[data-callbacks-live]")).to_be_visible()  # the open queue hears about it
    page.locator("[data-callbacks-live]").get_by_role("link", name="새로 고침").click()
    row = page.locator("tr[data-callback-id]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("박서준")
    expect(row).to_contain_text("010-7777-8888")
    screenshot(page, "twilio-callback-queue")

    page.get_by_role("button", name="다음 콜백 맡기").click()
    expect(page.get_by_role("heading", name="박서준님께 콜백")).to_be_visible()
    expect(page.get_by_text("카드 분실 신고 문의").first).to_be_visible()
    page.get_by_role("button", name="010-7777-8888로 전화").click()
    expect(page.locator(".flash-success")).to_contain_text("타임라인에 기록")
    status = page.locator("[data-call-status]")
    expect(status).to_have_text("전화 거는 중")
    expect(page.locator("[data-call-panel-ticket][data-joined='1']")).to_have_count(1)

    run_outbox(live_app)  # the worker "places" the call (recorded: no Twilio account) and says so live
    expect(status).to_have_text("기록만 함(발신 안 함)")
    screenshot(page, "twilio-callback-call")

    page.get_by_text("통화 완료", exact=True).click()
    page.get_by_label("메모").fill("분실 신고 접수 완료")
    page.get_by_role("button", name="결과 저장").click()
    expect(page.locator(".flash-success")).to_contain_text("콜백을 마쳤습니다.")
    finished = page.locator("tr[data-callback-id]")
    expect(finished).to_contain_text("통화 완료")

    page.goto(f"{live_server.url}/tickets/{answer['ticket_number']}")
    entry = page.locator(".entry.ch-voice")
    expect(entry).to_contain_text("통화 완료")
    expect(entry).to_contain_text("분실 신고 접수 완료")
    screenshot(page, "twilio-ticket-call")


def test_supervisor_sees_the_import_report_and_the_dialer_script(signed_in, live_server, live_make, live_app,
                                                                 tmp_path, monkeypatch):
    live_make.queue("general", "일반 문의", default=True)
    supervisor = live_make.agent("supervisor", email="lead@desk.test", name="이서연")
    campaign = dialer.create(supervisor, name="적금 가입 안내", script="안녕하세요 {name} 고객님, {agent}입니다.",
                             hours_start="00:00", hours_end="23:59", weekdays=list(range(7)))
    page = signed_in(supervisor)
    page.goto(f"{live_server.url}/campaigns/{campaign.id}")
    csv_file = tmp_path / "list.csv"
    csv_file.write_text("이름,전화번호\n김민수,010-3000-0001\n오류,12345\n,\n박지영,010-3000-0002\n", encoding="utf-8")
    page.locator("[data-csv-input]").set_input_files(str(csv_file))
    page.get_by_role("button", name="올리기").click()
    report = page.locator("[data-import-report]")
    expect(report).to_contain_text("고객 2명 추가")
    expect(report).to_contain_text("2행 제외")
    expect(report.locator("tr[data-reason='invalid_phone']")).to_contain_text("12345")
    expect(report.locator("tr[data-reason='missing_phone']")).to_contain_text("4")
    screenshot(page, "twilio-campaign-import")

    page.get_by_role("button", name="통화 시작").click()
    expect(page.locator("[data-campaign-status]")).to_have_text("진행 중")
    page.goto(f"{live_server.url}/dialer/{campaign.id}")
    page.get_by_role("button", name="다음 고객").click()
    expect(page.locator("[data-script]")).to_have_text("안녕하세요 김민수 고객님, 이서연입니다.")
    screenshot(page, "twilio-dialer")

    # The supervisor watches the campaign while an agent works the list: figures move live.
    page.goto(f"{live_server.url}/campaigns/{campaign.id}")
    expect(page.locator("[data-conn]")).to_have_attribute("data-state", "live")
    expect(page.locator("[data-stat=attempts]")).to_have_text("0")
    expect(page.locator("[data-stat=pending]")).to_have_text("1")
    dialer.skip(supervisor, _held_contact(supervisor.id))  # skipping and claiming move the figures too
    expect(page.locator("[data-stat=pending]")).to_have_text("2")
    dialer.next_contact(supervisor, campaign.id)
    expect(page.locator("[data-stat=pending]")).to_have_text("1")
    contact_id = _held_contact(supervisor.id)
    dialer.record_outcome(supervisor, contact_id, "interested", notes="설명서 요청")
    expect(page.locator("[data-stat=attempts]")).to_have_text("1")
    expect(page.locator("[data-stat=interested]")).to_have_text("1")
    expect(page.locator("[data-agent-rows]")).to_contain_text("이서연")


def _held_contact(agent_id: int) -> int:
    from sqlalchemy import select

    from desk.extensions import db
    from desk.models import CampaignContact

    db.session.expire_all()
    return db.session.scalar(select(CampaignContact.id).where(CampaignContact.claimed_by_id == agent_id))
