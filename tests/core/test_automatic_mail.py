"""Automatic customer mail (``replies.queue_automatic_mail``): the acknowledgement, the chat's
confirmation and transcript mails and the satisfaction survey all leave the same way, marked
automatic, and only the mail a customer asked for reaches one who opted out of automatic mail."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from channels.email.send import build
from desk.extensions import db
from desk.models import Customer, Interaction, OutboxItem, Queue, Ticket
from desk.services import replies


@pytest.fixture
def published(monkeypatch):
    """Events the helper publishes, as (name, payload)."""
    seen: list[tuple[str, dict]] = []
    real = replies.publish

    def publish(session, name, payload):
        seen.append((name, payload))
        return real(session, name, payload)

    monkeypatch.setattr(replies, "publish", publish)
    return seen


def outbound_mail() -> list[Interaction]:
    db.session.expire_all()
    return list(db.session.scalars(select(Interaction).where(Interaction.channel == "email",
                                                             Interaction.direction == "outbound")
                                   .order_by(Interaction.id)))


def opt_out(customer_id: int) -> None:
    with db.write() as session:
        session.get(Customer, customer_id).opt_outs = ["no_auto_reply"]


def acknowledging(slug: str = "general") -> None:
    with db.write() as session:
        session.scalar(select(Queue).where(Queue.slug == slug)).send_acknowledgement = True


def test_queued_mail_is_automatic_delivered_by_the_outbox_and_announced(app, staff, make, published):
    ticket, _ = make.inbound("email", "kim@example.kr", "주문 문의")
    with db.write() as session:
        mail = replies.queue_automatic_mail(session, session.get(Ticket, ticket.id), subject="안내",
                                            text="본문", meta={"kind": "test", "auto": False, "to": "x@y.z"})
    [entry] = outbound_mail()
    assert entry.id == mail.id and entry.author_agent_id is None and entry.delivery_status == "queued"
    assert entry.meta == {"kind": "test", "to": "kim@example.kr", "auto": True}  # the rules win over meta
    item = db.session.scalar(select(OutboxItem).where(OutboxItem.interaction_id == entry.id))
    assert item.channel == "email" and item.status == "pending"
    [(name, payload)] = published
    assert name == "interaction.created" and payload["interaction"]["id"] == entry.id
    assert payload["ticket"]["id"] == ticket.id
    msg, _, recipient = build(entry, app.config)
    assert recipient == "kim@example.kr" and msg["Auto-Submitted"] == "auto-replied"


def test_nothing_is_queued_without_an_address(app, staff, make, published):
    ticket, _ = make.inbound("sms", "010-1234-5678", "문자 문의")
    with db.write() as session:
        assert replies.queue_automatic_mail(session, session.get(Ticket, ticket.id),
                                            subject="s", text="t") is None
    assert outbound_mail() == [] and published == []


def test_an_opted_out_customer_gets_no_acknowledgement(app, staff, make):
    acknowledging()
    ticket, inbound = make.inbound("email", "quiet@example.kr", "첫 문의")
    opt_out(ticket.customer_id)
    assert replies.acknowledge(ticket.id, inbound.id) is None
    other, other_inbound = make.inbound("email", "loud@example.kr", "첫 문의")
    ack = replies.acknowledge(other.id, other_inbound.id)
    assert [m.id for m in outbound_mail()] == [ack.id]
    assert ack.meta == {"reply_to_interaction": other_inbound.id, "to": "loud@example.kr", "auto": True}
    assert ack.subject.startswith("Re: ")


def test_requested_mail_reaches_an_opted_out_customer_at_the_given_address(app, staff, make):
    ticket, _ = make.inbound("email", "quiet@example.kr", "채팅 기록 보내 주세요")
    opt_out(ticket.customer_id)
    with db.write() as session:
        row = session.get(Ticket, ticket.id)
        assert replies.queue_automatic_mail(session, row, subject="s", text="t") is None
        mail = replies.queue_automatic_mail(session, row, subject="채팅 상담 기록", text="t",
                                            meta={"chat_transcript": 1}, to="other@example.kr", requested=True)
    [entry] = outbound_mail()
    assert entry.id == mail.id and entry.meta == {"chat_transcript": 1, "to": "other@example.kr", "auto": True}


def test_an_opted_out_customer_is_surveyed_in_the_portal_only(app, staff, make):
    from desk.models import Csat
    from desk.portal import csat

    quiet, _ = make.inbound("email", "quiet@example.kr", "환불 문의")
    loud, _ = make.inbound("email", "loud@example.kr", "배송 문의")
    opt_out(quiet.customer_id)
    for ticket in (quiet, loud):
        replies.send(ticket.id, actor=staff["agent"], body="처리했습니다.", channel="email", status="solved")
    assert csat.ask(quiet.id) is None
    survey_mail = csat.ask(loud.id)
    assert survey_mail.meta == {"kind": "csat", "to": "loud@example.kr", "auto": True}
    surveys = {s.ticket_id: s.interaction_id for s in db.session.scalars(select(Csat))}
    assert surveys == {quiet.id: None, loud.id: survey_mail.id}  # both asked; one by mail
