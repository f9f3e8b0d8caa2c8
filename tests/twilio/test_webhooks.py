"""Webhooks: only Twilio-signed requests get in; inbound SMS lands on the customer's timeline;
replays and late status reports change nothing."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from sqlalchemy import func, select

from desk.extensions import db
from desk.models import Customer, Interaction, Ticket, TwilioEvent
from tests.twilio.conftest import OUR_NUMBER


def sms(sid="SM" + "1" * 32, sender="010-1234-5678", body="배송이 언제 오나요?", **extra):
    return {"MessageSid": sid, "AccountSid": "AC" + "0" * 32, "From": sender, "To": OUR_NUMBER, "Body": body,
            "NumMedia": "0", **extra}


def interactions(channel=None):
    stmt = select(Interaction).order_by(Interaction.id)
    if channel:
        stmt = stmt.where(Interaction.channel == channel)
    return list(db.session.scalars(stmt))


def test_signed_sms_becomes_a_ticket_for_the_phone_customer(staff, twilio_post):
    response = twilio_post("/twilio/sms", sms(sender="+821012345678"))
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    root = ET.fromstring(response.data)
    assert root.tag == "Response" and list(root) == []  # nothing to say back
    [entry] = interactions("sms")
    assert entry.text == "배송이 언제 오나요?" and entry.direction == "inbound"
    customer = db.session.get(Customer, entry.customer_id)
    assert customer.phone == "+821012345678"
    assert db.session.get(Ticket, entry.ticket_id).channel == "sms"


def test_national_format_sender_is_the_same_customer(staff, twilio_post):
    twilio_post("/twilio/sms", sms(sid="SM" + "a" * 32, sender="+821012345678"))
    twilio_post("/twilio/sms", sms(sid="SM" + "b" * 32, sender="010-1234-5678", body="또 문의드려요"))
    first, second = interactions("sms")
    assert first.customer_id == second.customer_id and first.ticket_id == second.ticket_id


def test_bad_signature_is_refused_and_stores_nothing(staff, twilio_post):
    assert twilio_post("/twilio/sms", sms(), token="someone-elses-token").status_code == 403
    assert interactions() == []


def test_missing_signature_is_refused(staff, twilio_post):
    for path in ("/twilio/sms", "/twilio/voice", "/twilio/status"):
        assert twilio_post(path, sms(), sign=False).status_code == 403
    assert interactions() == []


def test_signature_covers_every_parameter(staff, client):
    from tests.twilio.conftest import signature

    params = sms()
    header = signature("/twilio/sms", params)
    tampered = {**params, "Body": "수신거부"}
    assert client.post("/twilio/sms", data=tampered, headers={"X-Twilio-Signature": header}).status_code == 403


def test_replayed_sms_changes_nothing(staff, twilio_post):
    for _ in range(3):
        assert twilio_post("/twilio/sms", sms()).status_code == 200
    assert len(interactions("sms")) == 1
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 1


def test_stop_opts_out_and_is_confirmed(staff, twilio_post):
    response = twilio_post("/twilio/sms", sms(body="수신거부"))
    root = ET.fromstring(response.data)
    [message] = root.findall("Message")
    assert "수신거부" in message.text
    [entry] = interactions("sms")
    customer = db.session.get(Customer, entry.customer_id)
    assert {"sms_marketing", "calls"} <= set(customer.opt_outs)
    # The same STOP again (a replay) does not answer twice.
    assert ET.fromstring(twilio_post("/twilio/sms", sms(body="수신거부")).data).findall("Message") == []


def test_english_stop_and_start(staff, twilio_post):
    twilio_post("/twilio/sms", sms(sid="SM" + "c" * 32, body="STOP"))
    customer_id = interactions("sms")[0].customer_id
    assert "sms_marketing" in db.session.get(Customer, customer_id).opt_outs
    twilio_post("/twilio/sms", sms(sid="SM" + "d" * 32, body="start"))
    db.session.expire_all()
    opt_outs = db.session.get(Customer, customer_id).opt_outs
    assert "sms_marketing" not in opt_outs
    assert "calls" in opt_outs  # START only re-subscribes messages; calls stay off until an agent changes it


def test_mms_media_is_kept_as_attachments(staff, twilio_post, fake_twilio):
    fake_twilio.media["ME1"] = ("image/jpeg", b"\xff\xd8\xff\xe0fake-jpeg")
    params = sms(body="사진 보냅니다", NumMedia="1", MediaUrl0=f"{fake_twilio.url}/media/ME1",
                 MediaContentType0="image/jpeg")
    assert twilio_post("/twilio/sms", params).status_code == 200
    [entry] = interactions("sms")
    [attachment] = entry.attachments
    assert attachment.content_type == "image/jpeg" and attachment.size == len(b"\xff\xd8\xff\xe0fake-jpeg")


def test_sms_from_a_short_code_is_answered_but_not_filed(staff, twilio_post):
    response = twilio_post("/twilio/sms", sms(sender="NAVER"))
    assert response.status_code == 200
    assert interactions() == []


def test_message_status_never_goes_backwards(staff, twilio_post, api, make):
    ticket, _ = make.inbound("sms", sender="+821055556666", text="문의")
    reply = api.post(f"/api/v1/tickets/{ticket.id}/replies", json={"body": "확인했습니다", "channel": "sms"}).get_json()
    path = f"/twilio/status?interaction={reply['id']}"
    sid = "SM" + "e" * 32
    for status in ("sent", "delivered", "sent"):  # a late "sent" after "delivered"
        assert twilio_post(path, {"MessageSid": sid, "MessageStatus": status}).status_code == 204
    entry = db.session.get(Interaction, reply["id"])
    db.session.refresh(entry)
    assert entry.delivery_status == "delivered"
    assert twilio_post(path, {"MessageSid": sid, "MessageStatus": "delivered"}).status_code == 204  # replay
    assert db.session.scalar(select(func.count()).select_from(TwilioEvent)) == 2


def test_undelivered_sms_shows_the_failure(staff, twilio_post, api, make, sign_in_agent):
    ticket, _ = make.inbound("sms", sender="+821055557777", text="문의")
    reply = api.post(f"/api/v1/tickets/{ticket.id}/replies", json={"body": "답변", "channel": "sms"}).get_json()
    twilio_post(f"/twilio/status?interaction={reply['id']}",
                {"MessageSid": "SM" + "f" * 32, "MessageStatus": "undelivered", "ErrorCode": "30003"})
    entry = db.session.get(Interaction, reply["id"])
    db.session.refresh(entry)
    assert entry.delivery_status == "failed"
    page = sign_in_agent().get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "30003" in page


def test_status_query_string_is_part_of_the_signature(staff, twilio_post, client, api, make):
    from tests.twilio.conftest import signature

    ticket, _ = make.inbound("sms", sender="+821055558888", text="문의")
    reply = api.post(f"/api/v1/tickets/{ticket.id}/replies", json={"body": "답변", "channel": "sms"}).get_json()
    params = {"MessageSid": "SM" + "9" * 32, "MessageStatus": "delivered"}
    header = signature("/twilio/status?interaction=999", params)
    response = client.post(f"/twilio/status?interaction={reply['id']}", data=params,
                           headers={"X-Twilio-Signature": header})
    assert response.status_code == 403


def test_unknown_status_is_a_clear_4xx(staff, twilio_post):
    response = twilio_post("/twilio/status", {"CallSid": "CA" + "1" * 32, "CallStatus": "exploded"})
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "CallStatus"


def test_replayed_mms_is_not_fetched_again(staff, twilio_post, fake_twilio):
    fake_twilio.media["ME2"] = ("image/png", b"\x89PNG fake")
    params = sms(body="", NumMedia="1", MediaUrl0=f"{fake_twilio.url}/media/ME2", MediaContentType0="image/png")
    twilio_post("/twilio/sms", params)
    del fake_twilio.media["ME2"]  # a second fetch would fail and be noted on the message
    twilio_post("/twilio/sms", params)
    [entry] = interactions("sms")
    assert len(entry.attachments) == 1 and "media_not_fetched" not in entry.meta
