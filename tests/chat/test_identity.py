"""Visitor identity (signed id, site-vouched email, confirmation link), transcripts, knowledge-base
suggestions and deflection, business hours."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from channels.chat import hours, service, tokens
from desk.extensions import db
from desk.models import ChatDeflection, ChatSession, Customer, Interaction, OutboxItem
from tests.conftest import csrf_token


@pytest.fixture
def chat_app(app, staff):
    app.config["CHAT_HOURS"] = "always"
    app.config["CHAT_IDENTITY_SECRET"] = "site-secret"
    return app


def _existing_customer(make, email="known@example.kr"):
    ticket, _ = make.inbound("email", sender=email, text="old mail", sender_name="기존 고객")
    return ticket.customer_id


def test_signed_visitor_ids_round_trip_and_resist_tampering():
    token = tokens.sign_visitor("s3cret", "v_abc")
    assert tokens.visitor_from("s3cret", token) == "v_abc"
    assert tokens.visitor_from("other", token) is None
    assert tokens.visitor_from("s3cret", token[:-2] + "xx") is None
    assert tokens.visitor_from("s3cret", None) is None


def test_site_vouched_email_merges_the_visitor_with_that_customer(chat_app, make):
    known = _existing_customer(make)
    good = tokens.identity_hmac("site-secret", "Known@Example.kr")
    cs, first = service.start("v_vouched", name="기존 고객", email="Known@Example.kr", email_hmac=good,
                              body="다시 문의드려요", client_id="c1")
    db.session.expire_all()
    assert db.session.get(ChatSession, cs.id).email_verified is True
    assert db.session.get(Customer, cs.customer_id).merged_into_id == known
    assert db.session.get(Interaction, first.id).customer_id == known  # one person, one timeline


def test_wrong_hmac_does_not_link_but_mails_a_confirmation_link(chat_app, make, client):
    known = _existing_customer(make)
    cs, _ = service.start("v_claim", name="누군가", email="known@example.kr", email_hmac="0" * 64,
                          body="제 주문 알려주세요", client_id="c1")
    db.session.expire_all()
    assert db.session.get(Customer, cs.customer_id).merged_into_id is None  # not linked yet
    mail = db.session.scalar(select(Interaction).where(Interaction.channel == "email",
                                                       Interaction.direction == "outbound"))
    assert mail.meta["to"] == "known@example.kr" and mail.meta["auto"] is True
    assert db.session.scalar(select(OutboxItem).where(OutboxItem.interaction_id == mail.id)) is not None
    url = re.search(r"http://desk\.test(/chat/confirm/\S+)", mail.text).group(1)

    page = client.get(url)  # opening the link (or a mail scanner) changes nothing
    assert page.status_code == 200
    db.session.expire_all()
    assert db.session.get(Customer, cs.customer_id).merged_into_id is None
    done = client.post(url, data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    assert done.status_code == 200
    db.session.expire_all()
    assert db.session.get(Customer, cs.customer_id).merged_into_id == known
    assert db.session.get(ChatSession, cs.id).email_verified is True


def test_a_forged_confirmation_link_is_refused(chat_app, client):
    page = client.get("/chat/confirm/not-a-token")
    answer = client.post("/chat/confirm/not-a-token", data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    assert answer.status_code == 422


def test_transcript_is_mailed_once_on_request(chat_app, make, staff):
    cs, _ = service.start("v_tr", name="Mina", email="mina@example.com", body="배송 문의", client_id="c1")
    db.session.expire_all()
    cs = db.session.get(ChatSession, cs.id)
    service.send_transcript(cs.id)
    assert service.send_transcript(cs.id) is None  # once
    mails = db.session.scalars(select(Interaction).where(Interaction.channel == "email")).all()
    assert len(mails) == 1 and "배송 문의" in mails[0].text and mails[0].meta["to"] == "mina@example.com"


def test_transcript_requested_twice_at_once_is_mailed_once(chat_app, make, staff, monkeypatch):
    """A second request (another tab) mails the transcript while the first is still writing it."""
    from channels.chat import visitors

    cs, _ = service.start("v_tr2", name="Mina", email="mina@example.com", body="배송 문의", client_id="c1")
    real_history = visitors.history
    other_request = []

    def history(chat):
        if not other_request:  # only while the first request runs
            other_request.append(None)
            other_request[0] = visitors.send_transcript(chat.id)
        return real_history(chat)

    monkeypatch.setattr(visitors, "history", history)
    first = visitors.send_transcript(cs.id)
    assert other_request[0] is not None and first is None
    mails = db.session.scalars(select(Interaction).where(Interaction.channel == "email")).all()
    assert [m.id for m in mails] == [other_request[0].id]


def test_suggestions_come_from_the_knowledge_base_hook_when_installed(chat_app):
    assert service.suggestions("환불") == []  # no knowledge base: no suggestions, no error
    calls = []

    def suggest(query, locale, limit=5):
        calls.append((query, locale, limit))
        return [{"id": 7, "title": "환불 규정", "url": "/kb/7", "snippet": "7일 이내"}]

    chat_app.extensions["desk_kb_suggest"] = suggest
    try:
        assert service.suggestions("환불 하고 싶어요", "ko") == [
            {"id": "7", "title": "환불 규정", "url": "/kb/7", "snippet": "7일 이내"}]
        assert calls == [("환불 하고 싶어요", "ko", 5)]
    finally:
        chat_app.extensions.pop("desk_kb_suggest")


def test_opening_a_suggested_article_counts_as_deflection(chat_app):
    service.deflected("v_defl", "kb-12", "배송 조회 방법", "배송 언제")
    row = db.session.scalar(select(ChatDeflection))
    assert (row.visitor_id, row.article_id, row.session_id) == ("v_defl", "kb-12", None)
    assert service.deflection_stats(db.session) == {"articles_opened": 1, "deflected": 1}
    # Another visitor reads an article and starts a chat anyway: not a deflection.
    service.deflected("v_other", "kb-3", "환불 규정", "환불")
    service.start("v_other", name="Still asking", body="환불 문의", client_id="c1")
    # A third ends their chat on an article: a deflection.
    cs, _ = service.start("v_third", name="Reader", body="배송 문의", client_id="c1")
    service.deflected("v_third", "kb-12", "배송 조회 방법", "배송")
    service.end_by_visitor(db.session.get(ChatSession, cs.id))
    assert service.deflection_stats(db.session) == {"articles_opened": 3, "deflected": 2}


@pytest.mark.parametrize("when, expected", [
    (datetime(2026, 11, 30, 0, 30, tzinfo=timezone.utc), True),    # Monday 09:30 in Seoul
    (datetime(2026, 11, 29, 23, 30, tzinfo=timezone.utc), False),  # Monday 08:30 in Seoul
    (datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc), False),    # Monday 18:00 in Seoul: closed
    (datetime(2026, 11, 28, 3, 0, tzinfo=timezone.utc), False),    # Saturday noon
])
def test_business_hours_in_seoul(when, expected):
    assert hours.is_open("mon-fri 09:00-18:00", "Asia/Seoul", when) is expected


def test_business_hours_rules():
    sat = datetime(2026, 11, 28, 2, 0, tzinfo=timezone.utc)  # Saturday 11:00 in Seoul
    assert hours.is_open("mon-fri 09:00-18:00; sat 10:00-14:00", "Asia/Seoul", sat)
    assert hours.is_open("always", "Asia/Seoul", sat)
    with pytest.raises(hours.HoursError):
        hours.parse("weekdays 9-6")
    with pytest.raises(hours.HoursError, match="never open"):
        hours.parse("mon 09:00-09:00")


@pytest.mark.parametrize("when, expected", [
    (datetime(2026, 12, 4, 13, 0, tzinfo=timezone.utc), True),   # Friday 22:00 in Seoul
    (datetime(2026, 12, 4, 16, 59, tzinfo=timezone.utc), True),  # Saturday 01:59, Friday's night
    (datetime(2026, 12, 4, 17, 0, tzinfo=timezone.utc), False),  # Saturday 02:00: over
    (datetime(2026, 12, 5, 16, 0, tzinfo=timezone.utc), True),   # Sunday 01:00, Saturday's night
    (datetime(2026, 12, 6, 16, 0, tzinfo=timezone.utc), False),  # Monday 01:00: Sunday has no night
    (datetime(2026, 12, 3, 16, 0, tzinfo=timezone.utc), False),  # Friday 01:00: Thursday has none
])
def test_night_hours_run_past_midnight(when, expected):
    assert hours.is_open("fri,sat 22:00-02:00", "Asia/Seoul", when) is expected
