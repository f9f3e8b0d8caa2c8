"""Agent replies leave through a real SMTP relay (a local aiosmtpd sink) with headers that thread."""
from __future__ import annotations

import email
from email import policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from channels.email import addresses
from channels.email.processor import process
from desk.extensions import db
from desk.models import Interaction, Queue
from desk.outbox import OutboxWorker
from desk.services import replies
from tests.email.conftest import build_mail
from tests.live import free_port


class Sink:
    def __init__(self) -> None:
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"

    def messages(self):
        return [email.message_from_bytes(e.original_content, policy=policy.default) for e in self.envelopes]


@pytest.fixture
def relay(app):
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config["SMTP_RELAY"] = f"127.0.0.1:{controller.port}"
    yield sink
    controller.stop()


def deliver(app) -> None:
    worker = OutboxWorker(app)
    while worker.run_once():
        pass


def test_reply_carries_threading_headers_and_a_signed_envelope(app, staff, relay, make):
    process(build_mail(message_id="<first@example.kr>"))
    ticket = db.session.scalar(select(Interaction)).ticket
    reply = replies.send(ticket.id, actor=staff["agent"], body="안녕하세요 고객님,\n환불 처리되었습니다.", channel="email")
    deliver(app)
    assert db.session.get(Interaction, reply.id).delivery_status == "sent"
    [envelope] = relay.envelopes
    [msg] = relay.messages()
    secret = app.config["SECRET_KEY"]
    assert envelope.rcpt_tos == ["chulsoo@example.kr"]
    assert addresses.parse_bounce_address(secret, "desk.test", envelope.mail_from) == reply.id
    assert addresses.parse_message_id(secret, "desk.test", msg["Message-ID"]) == (ticket.id, reply.id)
    assert msg["In-Reply-To"] == "<first@example.kr>" and "<first@example.kr>" in msg["References"]
    assert addresses.parse_reply_address(secret, "desk.test", msg["Reply-To"].addresses[0].addr_spec) == ticket.id
    assert f"[#{ticket.number}]" in msg["Subject"] and msg["Subject"].startswith("Re: 환불 문의")
    assert msg["Auto-Submitted"] is None
    assert msg.get_body(("plain",)).get_content().replace("\r\n", "\n").strip() == "안녕하세요 고객님,\n환불 처리되었습니다."
    assert "환불 처리되었습니다." in msg.get_body(("html",)).get_content()

    # The customer answers from a client that keeps In-Reply-To: it lands on the same ticket.
    answer = build_mail(message_id="<second@example.kr>", subject="Re: 완전히 새 제목", In_Reply_To=msg["Message-ID"],
                        body="감사합니다!\n\n> 환불 처리되었습니다.")
    process(answer)
    threaded = db.session.scalar(select(Interaction).where(Interaction.external_id == "second@example.kr"))
    assert threaded.ticket_id == ticket.id and threaded.text == "감사합니다!"


def test_header_injection_from_any_field_is_impossible(app, staff, relay, make):
    import base64

    def encoded(text: str) -> str:  # RFC 2047 words can carry CR LF that a naive decoder would pass on
        return "=?utf-8?b?" + base64.b64encode(text.encode()).decode() + "?="

    raw = (f"From: {encoded('Evil' + chr(13) + chr(10) + 'Bcc: victim@example.com')} <evil@example.com>\r\n"
           "To: support@desk.test\r\nMessage-ID: <inj@x>\r\n"
           f"Subject: {encoded('hi' + chr(13) + chr(10) + 'Bcc: victim2@example.com')}\r\n\r\nhello\r\n").encode()
    process(raw)
    ticket = db.session.scalar(select(Interaction)).ticket
    replies.send(ticket.id, actor=staff["agent"], body="answer", channel="email")
    deliver(app)
    [envelope] = relay.envelopes
    assert envelope.rcpt_tos == ["evil@example.com"]
    headers = envelope.original_content.split(b"\r\n\r\n", 1)[0].decode()
    assert not [line for line in headers.split("\r\n") if line.lower().startswith("bcc")]


def test_acknowledgement_is_marked_automatic(app, staff, relay):
    with db.write() as session:
        for queue in session.scalars(select(Queue)):
            queue.send_acknowledgement = True
    process(build_mail(message_id="<ack@example.kr>"))
    deliver(app)
    [msg] = relay.messages()
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["In-Reply-To"] == "<ack@example.kr>"
    assert "#1001" in msg.get_body(("plain",)).get_content()


def test_attachments_travel_with_the_reply(app, staff, relay, make):
    ticket, _ = make.inbound("email", "files@example.com", "send me the invoice")
    reply = replies.send(ticket.id, actor=staff["agent"], body="첨부합니다", channel="email")
    from desk.services import attachments

    with db.write() as session:
        att = attachments.store(b"%PDF-1.4 invoice", "인보이스.pdf", "application/pdf")
        att.interaction_id = reply.id
        session.add(att)
    deliver(app)
    [msg] = relay.messages()
    [part] = list(msg.iter_attachments())
    assert part.get_filename() == "인보이스.pdf" and part.get_content() == b"%PDF-1.4 invoice"


def test_relay_refusing_the_recipient_fails_the_delivery_visibly(app, staff, make):
    class Refusing(Sink):
        async def handle_RCPT(self, server, session, envelope, address, options):
            return "550 5.1.1 no such user"

    sink = Refusing()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config["SMTP_RELAY"] = f"127.0.0.1:{controller.port}"
    try:
        ticket, _ = make.inbound("email", "nobody@example.com", "hello")
        reply = replies.send(ticket.id, actor=staff["agent"], body="answer", channel="email")
        deliver(app)
    finally:
        controller.stop()
    interaction = db.session.get(Interaction, reply.id)
    assert interaction.delivery_status == "failed"
    assert "550" in interaction.meta["delivery_error"]


def test_without_a_relay_mail_is_recorded_not_sent(app, staff, make):
    ticket, _ = make.inbound("email", "offline@example.com", "hello")
    reply = replies.send(ticket.id, actor=staff["agent"], body="answer", channel="email")
    deliver(app)
    assert db.session.get(Interaction, reply.id).delivery_status == "recorded"


