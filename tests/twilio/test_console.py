"""Console pages for phone work, through the real forms (CSRF tokens, sessions)."""
from __future__ import annotations

import io
import re

from sqlalchemy import select

from desk.extensions import db
from desk.models import Callback, Campaign, CampaignContact, Interaction
from desk.services import callbacks, calls, dialer
from tests.conftest import csrf_token
from tests.console.conftest import active_content


def page(client, path):
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    html = response.get_data(as_text=True)
    assert active_content(html) == [], path
    return html


def test_callback_flow_through_the_console(staff, sign_in_agent, client):
    calls.set_agent_phone(staff["agent"], "010-2222-3333")
    callback, ticket, _ = callbacks.request_callback(name="김하늘", phone="010-1234-5678", note="환불 문의")
    client = sign_in_agent()
    html = page(client, "/callbacks")
    assert "김하늘" in html and "환불 문의" in html
    token = csrf_token(html)
    assert client.post("/callbacks/next", data={}).status_code == 400  # no CSRF token
    response = client.post("/callbacks/next", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/callbacks/{callback.id}")
    work = page(client, f"/callbacks/{callback.id}")
    assert "010-1234-5678" in work
    client.post(f"/callbacks/{callback.id}/call", data={"csrf_token": token})
    call = db.session.scalar(select(Interaction).where(Interaction.channel == "voice"))
    assert call.meta["callback_id"] == callback.id and call.meta["to"] == "+821012345678"
    client.post(f"/callbacks/{callback.id}/outcome", data={"csrf_token": token, "outcome": "reached",
                                                           "notes": "안내 완료"})
    db.session.expire_all()
    assert db.session.get(Callback, callback.id).status == "done"
    assert "안내 완료" in page(client, f"/tickets/{ticket.number}")


def test_ticket_page_offers_click_to_call_and_the_outcome_form(staff, sign_in_agent, make):
    calls.set_agent_phone(staff["agent"], "010-2222-3333")
    ticket, _ = make.inbound("sms", sender="010-4444-5555", text="전화 주세요")
    client = sign_in_agent()
    html = page(client, f"/tickets/{ticket.number}")
    assert 'action="/calls"' in html
    response = client.post("/calls", data={"csrf_token": csrf_token(html), "ticket_id": ticket.id,
                                           "next": f"/tickets/{ticket.number}"})
    assert response.status_code == 302 and response.headers["Location"] == f"/tickets/{ticket.number}"
    html = page(client, f"/tickets/{ticket.number}")
    call = db.session.scalar(select(Interaction).where(Interaction.channel == "voice"))
    assert f'action="/calls/{call.id}/outcome"' in html
    client.post(f"/calls/{call.id}/outcome", data={"csrf_token": csrf_token(html), "outcome": "no_answer",
                                                   "notes": "부재중", "next": f"/tickets/{ticket.number}"})
    html = page(client, f"/tickets/{ticket.number}")
    assert f'action="/calls/{call.id}/outcome"' not in html and "부재중" in html


def test_an_agent_cannot_call_a_ticket_outside_their_queues(staff, sign_in_agent, make):
    ticket, _ = make.inbound("sms", sender="010-4444-5555", text="결제 문의", queue="billing")
    client = sign_in_agent()
    token = csrf_token(page(client, "/callbacks"))
    client.post("/calls", data={"csrf_token": token, "ticket_id": ticket.id})
    assert db.session.scalar(select(Interaction).where(Interaction.channel == "voice")) is None


def test_campaign_pages_are_for_supervisors(staff, sign_in_agent):
    client = sign_in_agent("agent")
    assert client.get("/campaigns").status_code == 404
    token = csrf_token(page(client, "/dialer"))
    assert client.post("/campaigns", data={"csrf_token": token, "name": "x"}).status_code == 404


def test_supervisor_creates_a_campaign_and_uploads_a_list(staff, sign_in_agent):
    client = sign_in_agent("supervisor")
    html = page(client, "/campaigns")
    response = client.post("/campaigns", data={"csrf_token": csrf_token(html), "name": "카드 안내",
                                               "script": "{name}님 안녕하세요", "hours_start": "09:00",
                                               "hours_end": "20:00", "weekdays": ["0", "1", "2", "3", "4"],
                                               "max_attempts": "3", "retry_minutes": "60"})
    campaign = db.session.scalar(select(Campaign))
    assert response.headers["Location"].endswith(f"/campaigns/{campaign.id}")
    html = page(client, f"/campaigns/{campaign.id}")
    data = "이름,전화번호\n홍길동,010-3000-0001\n엉터리,0000\n".encode()
    response = client.post(f"/campaigns/{campaign.id}/upload", data={
        "csrf_token": csrf_token(html), "file": (io.BytesIO(data), "list.csv")}, content_type="multipart/form-data")
    assert response.status_code == 200
    report = response.get_data(as_text=True)
    assert "data-import-report" in report and "0000" in report and 'data-reason="invalid_phone"' in report
    assert len(list(db.session.scalars(select(CampaignContact)))) == 1
    client.post(f"/campaigns/{campaign.id}/status", data={"csrf_token": csrf_token(html), "status": "active"})
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).status == "active"


def test_dialer_page_shows_the_script_for_the_claimed_customer(staff, sign_in_agent, monkeypatch):
    campaign = dialer.create(staff["supervisor"], name="안내", script="{name}님, {agent}입니다")
    dialer.set_status(staff["supervisor"], campaign.id, "active")
    dialer.import_csv(staff["supervisor"], campaign.id, "name,phone\n홍길동,010-3000-0001\n".encode())
    monkeypatch.setattr(dialer, "in_hours", lambda c, now=None: True)
    client = sign_in_agent()
    html = page(client, f"/dialer/{campaign.id}")
    client.post(f"/dialer/{campaign.id}/next", data={"csrf_token": csrf_token(html)})
    html = page(client, f"/dialer/{campaign.id}")
    assert f"홍길동님, {staff['agent'].display_name}입니다" in html


def test_dialer_refuses_outside_hours_with_a_clear_message(staff, sign_in_agent, monkeypatch):
    campaign = dialer.create(staff["supervisor"], name="안내")
    dialer.set_status(staff["supervisor"], campaign.id, "active")
    dialer.import_csv(staff["supervisor"], campaign.id, "name,phone\n홍길동,010-3000-0001\n".encode())
    monkeypatch.setattr(dialer, "in_hours", lambda c, now=None: False)
    client = sign_in_agent()
    html = page(client, f"/dialer/{campaign.id}")
    response = client.post(f"/dialer/{campaign.id}/next", data={"csrf_token": csrf_token(html)}, follow_redirects=True)
    assert "calling hours" in response.get_data(as_text=True) or "통화 가능 시간" in response.get_data(as_text=True)
    assert db.session.scalar(select(CampaignContact.status)) == "pending"


def test_my_phone_is_validated(staff, sign_in_agent):
    client = sign_in_agent()
    token = csrf_token(page(client, "/callbacks"))
    client.post("/me/phone", data={"csrf_token": token, "phone": "12"})
    db.session.expire_all()
    from desk.models import Agent

    assert db.session.get(Agent, staff["agent"].id).phone is None
    client.post("/me/phone", data={"csrf_token": token, "phone": "010-2222-3333"})
    db.session.expire_all()
    assert db.session.get(Agent, staff["agent"].id).phone == "+821022223333"


def test_calling_from_the_customer_page_opens_a_ticket_when_none_is_open(staff, sign_in_agent, make):
    from desk.models import Ticket
    from desk.services import tickets

    calls.set_agent_phone(staff["agent"], "010-2222-3333")
    ticket, _ = make.inbound("sms", sender="010-4444-5555", text="문의")
    tickets.update(ticket.id, {"status": "closed"}, actor=staff["supervisor"])
    client = sign_in_agent()
    html = page(client, f"/customers/{ticket.customer_id}")
    assert 'name="customer_id"' in html
    client.post("/calls", data={"csrf_token": csrf_token(html), "customer_id": ticket.customer_id,
                                "next": f"/customers/{ticket.customer_id}"})
    call = db.session.scalar(select(Interaction).where(Interaction.channel == "voice"))
    new_ticket = db.session.get(Ticket, call.ticket_id)
    assert new_ticket.id != ticket.id and new_ticket.channel == "voice" and new_ticket.assignee_id == staff["agent"].id


def test_a_customer_filter_of_punctuation_is_refused_on_the_campaign_page(staff, sign_in_agent):
    from desk.services import identity

    with db.write() as session:
        identity.resolve(session, "phone", "+821030000041", name="김하나")
    campaign = dialer.create(staff["supervisor"], name="안내")
    client = sign_in_agent("supervisor")
    token = csrf_token(page(client, f"/campaigns/{campaign.id}"))
    for q in ("---", "( )", ""):
        response = client.post(f"/campaigns/{campaign.id}/add", data={"csrf_token": token, "q": q, "locale": ""})
        assert response.status_code == 422, q
        assert "빈 조건으로는 모든 고객을 추가하지 않습니다" in response.get_data(as_text=True), q
    assert db.session.scalar(select(CampaignContact.id)) is None
    response = client.post(f"/campaigns/{campaign.id}/add", data={"csrf_token": token, "q": "3000-0041"})
    assert response.status_code == 200 and 'data-import-report' in response.get_data(as_text=True)
    assert db.session.scalar(select(CampaignContact.phone)) == "+821030000041"


def _listed_campaign(staff, status: str, name: str = "안내"):
    campaign = dialer.create(staff["supervisor"], name=name, script="{name}님 안녕하세요")
    dialer.import_csv(staff["supervisor"], campaign.id, "name,phone\n홍길동,010-3000-0001\n".encode())
    if status != "draft":
        dialer.set_status(staff["supervisor"], campaign.id, status)
    return campaign


def test_agents_see_the_dialer_only_for_active_campaigns(staff, sign_in_agent, app):
    from tests.conftest import login

    draft, paused, active = (_listed_campaign(staff, s, name=s) for s in ("draft", "paused", "active"))
    client = sign_in_agent("agent")
    page(client, f"/dialer/{active.id}")
    for campaign_id in (draft.id, paused.id, 999_999):  # a draft or paused campaign looks like a missing one
        response = client.get(f"/dialer/{campaign_id}")
        assert response.status_code == 404, campaign_id
        assert "data-campaign-stats" not in response.get_data(as_text=True)
    token = csrf_token(page(client, "/dialer"))
    response = client.post(f"/dialer/{draft.id}/next", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/dialer")
    assert db.session.scalar(select(CampaignContact.claimed_by_id).where(
        CampaignContact.campaign_id == draft.id)) is None
    for who in ("supervisor", "admin"):
        other = app.test_client()
        assert login(other, staff[who].email).status_code == 302
        for campaign in (draft, paused, active):
            page(other, f"/dialer/{campaign.id}")


def test_an_agent_paused_mid_call_can_still_save_the_outcome(staff, sign_in_agent, monkeypatch):
    campaign = _listed_campaign(staff, "active")
    monkeypatch.setattr(dialer, "in_hours", lambda c, now=None: True)
    contact = dialer.next_contact(staff["agent"], campaign.id)
    dialer.set_status(staff["supervisor"], campaign.id, "paused")
    client = sign_in_agent("agent")
    html = page(client, f"/dialer/{campaign.id}")  # the customer they hold is still on screen
    assert f'data-contact-id="{contact.id}"' in html
    response = client.post(f"/dialer/contacts/{contact.id}/outcome",
                           data={"csrf_token": csrf_token(html), "outcome": "interested"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/dialer")
    db.session.expire_all()
    assert db.session.get(CampaignContact, contact.id).status == "done"
    assert client.get(f"/dialer/{campaign.id}").status_code == 404


def test_the_dialer_page_and_the_outcome_use_the_same_last_call(staff, sign_in_agent, monkeypatch):
    """An inbound call on the contact's ticket after the agent dialled is not "the last call":
    the page shows the outbound call's state, and the outcome is written to that same call."""
    campaign = _listed_campaign(staff, "active")
    calls.set_agent_phone(staff["agent"], "010-2222-3333")
    monkeypatch.setattr(dialer, "in_hours", lambda c, now=None: True)
    agent = staff["agent"]
    contact = dialer.next_contact(agent, campaign.id)
    dialed = dialer.call(agent, contact.id)
    with db.write() as session:
        session.get(Interaction, dialed.id).meta = {**dialed.meta, "call_status": "ringing"}
        held = session.get(CampaignContact, contact.id)
        session.add(Interaction(ticket_id=held.ticket_id, customer_id=held.customer_id, channel="voice",
                                direction="inbound", author_agent_id=agent.id, delivery_status="delivered",
                                meta={"call_status": "busy"}))
    db.session.expire_all()
    assert dialer.last_call(db.session, agent, db.session.get(CampaignContact, contact.id)).id == dialed.id
    client = sign_in_agent()
    html = page(client, f"/dialer/{campaign.id}")
    assert re.search(r'class="chip call-status (call-\w+)" data-call-status', html).group(1) == "call-ringing"
    client.post(f"/dialer/contacts/{contact.id}/outcome", data={"csrf_token": csrf_token(html),
                                                                  "outcome": "interested"})
    db.session.expire_all()
    assert db.session.get(Interaction, dialed.id).meta.get("outcome") == "interested"


def test_a_bad_campaign_setting_is_named_on_the_page(staff, sign_in_agent):
    client = sign_in_agent("supervisor")
    token = csrf_token(page(client, "/campaigns"))
    good = {"csrf_token": token, "name": "카드 안내", "script": "", "hours_start": "09:00", "hours_end": "20:00",
            "weekdays": ["0", "1"], "max_attempts": "3", "retry_minutes": "60", "timezone": "Asia/Seoul"}
    cases = [("timezone", "Mars/Olympus", "알 수 없는 시간대입니다. Asia/Seoul 같은 이름을 쓰세요."),
             ("max_attempts", "0", "고객당 시도 횟수는 1에서 10 사이의 정수여야 합니다."),
             ("max_attempts", "abc", "고객당 시도 횟수는 1에서 10 사이의 정수여야 합니다."),
             ("retry_minutes", "2", "재시도 간격(분)은 5에서 10080(7일) 사이의 정수여야 합니다."),
             ("retry_minutes", "99999", "재시도 간격(분)은 5에서 10080(7일) 사이의 정수여야 합니다."),
             ("script", "가" * 20_001, "스크립트는 최대 20,000자까지 쓸 수 있습니다.")]
    for field, value, message in cases:
        response = client.post("/campaigns", data={**good, field: value}, follow_redirects=True)
        assert response.status_code == 200, field
        assert message in response.get_data(as_text=True), (field, value)
    assert db.session.scalar(select(Campaign.id)) is None
    client.post("/campaigns", data=good)
    assert db.session.scalar(select(Campaign.max_attempts)) == 3


def test_campaign_errors_read_well_in_english(app):
    from flask_babel import force_locale

    from channels.twilio.views.common import phone_error
    from desk.errors import Invalid

    with app.test_request_context(), force_locale("en"):
        assert phone_error(Invalid("x", field="timezone")) == "Unknown time zone: use a name such as Asia/Seoul."
        assert "from 1 to 10" in phone_error(Invalid("x", field="max_attempts"))
        assert "from 5 to 10080" in phone_error(Invalid("x", field="retry_minutes"))
        assert "20,000 characters" in phone_error(Invalid("x", field="script"))
