"""Inbound calls (TwiML menu, voicemail, callback from the IVR), click-to-call through the fake
Twilio REST endpoint, SMS replies through the outbox, call progress on the timeline."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from channels.twilio import phone
from desk.extensions import db
from desk.models import Callback, Interaction, OutboxItem
from desk.services import calls, presence
from tests.twilio.conftest import ACCOUNT_SID, OUR_NUMBER, next_monday, run_outbox

CALL_SID = "CA" + "7" * 32
# Monday 2026-11-30 10:00 and 22:00 in Seoul.
OPEN = datetime(2026, 11, 30, 1, 0, tzinfo=timezone.utc)
CLOSED = datetime(2026, 11, 30, 13, 0, tzinfo=timezone.utc)


def call_params(**extra):
    return {"CallSid": CALL_SID, "AccountSid": ACCOUNT_SID, "From": "+821098765432", "To": OUR_NUMBER,
            "CallStatus": "ringing", "Direction": "inbound", **extra}


def twiml(response):
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "application/xml"
    return ET.fromstring(response.data)


@pytest.fixture
def at(monkeypatch):
    def _at(moment):
        monkeypatch.setattr("channels.twilio.webhooks.utcnow", lambda: moment)
    return _at


def test_inbound_call_greets_in_korean_and_english_with_a_menu(staff, twilio_post, at):
    at(OPEN)
    root = twiml(twilio_post("/twilio/voice", call_params()))
    gather = root.find("Gather")
    assert gather.get("numDigits") == "1"
    assert gather.get("action") == "http://desk.test/twilio/voice/menu"
    says = gather.findall("Say")
    assert [s.get("language") for s in says] == ["ko-KR", "en-US"]
    assert "1번" in says[0].text and "2번" in says[0].text
    assert root.find("Redirect").text == "http://desk.test/twilio/voice/menu"
    [call] = db.session.scalars(select(Interaction).where(Interaction.channel == "voice"))
    assert call.external_id == CALL_SID and call.direction == "inbound"
    assert call.meta["business_hours"] is True


def test_after_hours_greeting_says_we_are_closed(staff, twilio_post, at):
    at(CLOSED)
    says = twiml(twilio_post("/twilio/voice", call_params())).find("Gather").findall("Say")
    assert "상담 시간이 아닙니다" in says[0].text and "closed" in says[1].text


def test_replayed_call_webhook_keeps_one_interaction(staff, twilio_post, at):
    at(OPEN)
    for _ in range(2):
        twiml(twilio_post("/twilio/voice", call_params()))
    assert len(list(db.session.scalars(select(Interaction).where(Interaction.channel == "voice")))) == 1


def test_pressing_1_queues_a_callback_on_the_call_ticket(staff, twilio_post, at):
    at(OPEN)
    twilio_post("/twilio/voice", call_params())
    root = twiml(twilio_post("/twilio/voice/menu", call_params(Digits="1", CallStatus="in-progress")))
    [callback] = db.session.scalars(select(Callback))
    call = db.session.scalar(select(Interaction).where(Interaction.external_id == CALL_SID))
    assert callback.ticket_id == call.ticket_id and callback.source == "ivr" and callback.phone == "+821098765432"
    said = " ".join(s.text for s in root.findall("Say"))
    assert "1번째" in said and str(call.ticket.number) in said
    assert root.find("Hangup") is not None
    # Pressing 1 again on a replay keeps one callback.
    twilio_post("/twilio/voice/menu", call_params(Digits="1", CallStatus="in-progress"))
    assert len(list(db.session.scalars(select(Callback)))) == 1


def test_pressing_2_records_a_voicemail_with_transcription(staff, twilio_post, at):
    at(OPEN)
    twilio_post("/twilio/voice", call_params())
    root = twiml(twilio_post("/twilio/voice/menu", call_params(Digits="2")))
    record = root.find("Record")
    assert record.get("transcribe") == "true"
    assert record.get("recordingStatusCallback") == "http://desk.test/twilio/voice/recording"
    assert record.get("transcribeCallback") == "http://desk.test/twilio/voice/transcription"
    twilio_post("/twilio/voice/recording", call_params(RecordingSid="RE1", RecordingDuration="17",
                                                       RecordingUrl="https://api.twilio.com/rec/RE1"))
    twilio_post("/twilio/voice/transcription", call_params(TranscriptionStatus="completed",
                                                           TranscriptionText="환불 문의드립니다"))
    call = db.session.scalar(select(Interaction).where(Interaction.external_id == CALL_SID))
    db.session.refresh(call)
    assert call.meta["recording_url"] == "https://api.twilio.com/rec/RE1"
    assert call.meta["recording_seconds"] == 17 and call.meta["ivr_choice"] == "voicemail"
    assert "환불 문의드립니다" in call.text


def test_no_key_rings_online_agents_with_a_phone_when_open(staff, twilio_post, at):
    at(OPEN)
    calls.set_agent_phone(staff["agent"], "010-2222-3333")
    calls.set_agent_phone(staff["supervisor"], "010-4444-5555")
    root = twiml(twilio_post("/twilio/voice/menu", call_params()))
    assert root.find("Dial") is None and root.find("Record") is not None  # nobody at work: voicemail
    presence.connected(staff["agent"].id)  # the agent's console is open
    root = twiml(twilio_post("/twilio/voice/menu", call_params()))
    dial = root.find("Dial")
    assert dial.get("callerId") == OUR_NUMBER
    assert [n.text for n in dial.findall("Number")] == ["+821022223333"]


def test_no_key_after_hours_goes_to_voicemail(staff, twilio_post, at):
    at(CLOSED)
    calls.set_agent_phone(staff["agent"], "010-2222-3333")
    root = twiml(twilio_post("/twilio/voice/menu", call_params()))
    assert root.find("Dial") is None and root.find("Record") is not None


def test_call_status_updates_duration_and_never_goes_backwards(staff, twilio_post, at):
    at(OPEN)
    twilio_post("/twilio/voice", call_params())
    for status, duration in (("in-progress", None), ("completed", "95"), ("ringing", None)):
        params = {"CallSid": CALL_SID, "CallStatus": status, **({"CallDuration": duration} if duration else {})}
        assert twilio_post("/twilio/status", params).status_code == 204
    call = db.session.scalar(select(Interaction).where(Interaction.external_id == CALL_SID))
    db.session.refresh(call)
    assert call.meta["call_status"] == "completed" and call.meta["duration_seconds"] == 95


def test_click_to_call_rings_the_agent_then_bridges_the_customer(staff, make, fake_twilio, twilio_post, app):
    ticket, _ = make.inbound("sms", sender="010-4444-5555", text="전화 주세요")
    calls.set_agent_phone(staff["agent"], "010-2222-3333")
    call = calls.click_to_call(staff["agent"], ticket_id=ticket.id)
    assert call.delivery_status == "queued"
    assert run_outbox(app) == 1
    [request] = fake_twilio.of("Calls")
    assert request["To"] == "+821022223333" and request["From"] == OUR_NUMBER
    assert request["Url"] == f"http://desk.test/twilio/voice/bridge?interaction={call.id}"
    assert request["StatusCallback"] == f"http://desk.test/twilio/status?interaction={call.id}"
    assert set(request["StatusCallbackEvent"]) == {"initiated", "ringing", "answered", "completed"}
    db.session.expire_all()
    sid = db.session.scalar(select(OutboxItem.provider_id).where(OutboxItem.interaction_id == call.id))
    assert sid.startswith("CA")
    # Twilio fetches the bridge TwiML when the agent answers: dial the customer with our caller id.
    root = twiml(twilio_post(f"/twilio/voice/bridge?interaction={call.id}", {"CallSid": sid, "CallStatus": "in-progress"}))
    dial = root.find("Dial")
    assert dial.get("callerId") == OUR_NUMBER and dial.find("Number").text == "+821044445555"
    twilio_post(f"/twilio/status?interaction={call.id}", {"CallSid": sid, "CallStatus": "completed", "CallDuration": "64"})
    entry = db.session.get(Interaction, call.id)
    db.session.refresh(entry)
    assert entry.meta["call_status"] == "completed" and entry.meta["duration_seconds"] == 64


def test_click_to_call_needs_the_agents_phone_when_twilio_is_live(staff, make):
    from desk.errors import Invalid

    ticket, _ = make.inbound("sms", sender="010-4444-5555", text="전화 주세요")
    with pytest.raises(Invalid) as info:
        calls.click_to_call(staff["agent"], ticket_id=ticket.id)
    assert info.value.field == "agent_phone"


def test_failed_call_is_final_and_visible(staff, make, fake_twilio, app):
    ticket, _ = make.inbound("sms", sender="010-4444-5555", text="전화 주세요")
    calls.set_agent_phone(staff["agent"], "010-2222-3333")
    call = calls.click_to_call(staff["agent"], ticket_id=ticket.id)
    fake_twilio.fail_next = (400, 21217, "Phone number does not appear to be valid")
    run_outbox(app)
    db.session.expire_all()
    entry = db.session.get(Interaction, call.id)
    assert entry.delivery_status == "failed" and "21217" in entry.meta["delivery_error"]
    assert db.session.scalar(select(OutboxItem.status).where(OutboxItem.interaction_id == call.id)) == "dead"


def test_sms_reply_goes_out_through_twilio_with_a_status_callback(staff, make, api, fake_twilio, app):
    ticket, _ = make.inbound("sms", sender="010-4444-5555", text="문의")
    reply = api.post(f"/api/v1/tickets/{ticket.id}/replies", json={"body": "안녕하세요 고객님", "channel": "sms"}).get_json()
    run_outbox(app)
    [sent] = fake_twilio.of("Messages")
    assert sent == {"To": "+821044445555", "From": OUR_NUMBER, "Body": "안녕하세요 고객님",
                    "StatusCallback": f"http://desk.test/twilio/status?interaction={reply['id']}"}
    db.session.expire_all()
    assert db.session.get(Interaction, reply["id"]).delivery_status == "sent"


def test_sms_refused_by_twilio_is_shown_failed(staff, make, api, fake_twilio, app):
    ticket, _ = make.inbound("sms", sender="010-4444-5555", text="문의")
    reply = api.post(f"/api/v1/tickets/{ticket.id}/replies", json={"body": "답변", "channel": "sms"}).get_json()
    fake_twilio.fail_next = (400, 21610, "Attempt to send to unsubscribed recipient")
    run_outbox(app)
    db.session.expire_all()
    entry = db.session.get(Interaction, reply["id"])
    assert entry.delivery_status == "failed" and "21610" in entry.meta["delivery_error"]


def test_segments_gsm7_and_korean_ucs2():
    assert phone.segments("Hello").encoding == "GSM-7"
    assert phone.segments("a" * 160).count == 1 and phone.segments("a" * 161).count == 2
    assert phone.segments("a" * 306).count == 2 and phone.segments("a" * 307).count == 3
    korean = phone.segments("가" * 70)
    assert korean.encoding == "UCS-2" and korean.count == 1
    assert phone.segments("가" * 71).count == 2 and phone.segments("가" * 134).count == 2
    assert phone.segments("가" * 135).count == 3
    assert phone.segments("{" * 80).count == 1 and phone.segments("{" * 81).count == 2  # escape costs two
    assert phone.segments("😀" * 35).count == 1  # surrogate pairs count twice in UCS-2


def test_recorded_mode_sends_nothing(database_url, tmp_path, fake_twilio, make):
    """Without an account the adapters record: the interaction says so and nothing reaches Twilio."""
    from desk import create_app
    from tests.conftest import _empty_tables, make_config

    config = make_config(database_url, tmp_path / "recorded", TWILIO_API_BASE=fake_twilio.url)
    application = create_app(config)
    with application.app_context():
        _empty_tables()
        from tests.conftest import Factory

        f = Factory(application)
        f.queue("general", default=True)
        agent = f.agent("agent", ["general"])
        ticket, _ = f.inbound("sms", sender="010-4444-5555", text="문의")
        call = calls.click_to_call(agent, ticket_id=ticket.id)  # no agent phone needed: nothing is dialled
        run_outbox(application)
        db.session.expire_all()
        assert db.session.get(Interaction, call.id).delivery_status == "recorded"
    assert fake_twilio.requests == []


def test_a_call_the_worker_reaches_late_is_not_placed(staff, make, fake_twilio, app):
    from datetime import timedelta

    from desk.models import utcnow

    ticket, _ = make.inbound("sms", sender="010-4444-5555", text="전화 주세요")
    calls.set_agent_phone(staff["agent"], "010-2222-3333")
    call = calls.click_to_call(staff["agent"], ticket_id=ticket.id)
    with db.write() as session:  # the worker was down for ten minutes
        session.get(Interaction, call.id).created_at = utcnow() - timedelta(minutes=10)
    run_outbox(app)
    assert fake_twilio.of("Calls") == []
    db.session.expire_all()
    entry = db.session.get(Interaction, call.id)
    assert entry.delivery_status == "failed" and "press Call again" in entry.meta["delivery_error"]


def test_campaign_call_is_checked_again_when_placed(staff, fake_twilio, app, monkeypatch):
    from desk.services import dialer

    calls.set_agent_phone(staff["agent"], "010-2222-3333")
    campaign = dialer.create(staff["supervisor"], name="안내")
    dialer.set_status(staff["supervisor"], campaign.id, "active")
    dialer.import_csv(staff["supervisor"], campaign.id, "name,phone\n홍길동,010-3000-0001\n".encode())
    monday = next_monday(10)
    contact = dialer.next_contact(staff["agent"], campaign.id, now=monday)
    call = dialer.call(staff["agent"], contact.id, now=monday)
    monkeypatch.setattr(dialer, "in_hours", lambda c, now=None: False)  # 20:00 struck while it waited
    run_outbox(app)
    assert fake_twilio.of("Calls") == []
    db.session.expire_all()
    assert "calling hours" in db.session.get(Interaction, call.id).meta["delivery_error"]
