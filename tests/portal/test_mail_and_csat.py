"""Mail that is never lost: sign-in links through a real SMTP server (and retried when it is
down), satisfaction surveys through the outbox, answered by mail link and recorded on the ticket."""
from __future__ import annotations

import email
import re
import socket

import pytest
from sqlalchemy import select

from desk.extensions import db
from desk.models import Csat, Interaction, OutboxItem, PortalMail
from desk.outbox import OutboxWorker
from desk.portal.csat import CsatSurveyor
from desk.portal.mailer import PortalMailer
from desk.services import replies
from tests.conftest import csrf_token
from tests.portal.conftest import follow_link, request_link


class Sink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append((envelope.rcpt_tos, envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_sink():
    from aiosmtpd.controller import Controller

    handler = Sink()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


def test_sign_in_link_is_mailed_through_the_relay_and_works(client, app, two_customers, smtp_sink):
    handler, port = smtp_sink
    app.config["SMTP_RELAY"] = f"127.0.0.1:{port}"
    request_link(client, "alice@example.kr")
    assert PortalMailer(app).run_once() == 1
    (rcpt, raw), = handler.messages
    assert rcpt == ["alice@example.kr"]
    msg = email.message_from_bytes(raw)
    assert msg["Auto-Submitted"] == "auto-generated"
    body = msg.get_payload(decode=True).decode()
    path = re.search(r"http://desk\.test(/help/ko/portal/link/\S+)", body).group(1)
    db.session.rollback()
    sent = db.session.scalar(select(PortalMail))
    assert sent.status == "sent" and sent.text == ""  # the link does not stay in the database
    assert follow_link(client, path).status_code == 302
    assert client.get("/help/ko/portal/requests").status_code == 200


def test_mail_waits_and_is_retried_while_the_relay_is_down(client, app, two_customers, smtp_sink):
    handler, port = smtp_sink
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    app.config["SMTP_RELAY"] = f"127.0.0.1:{dead}"
    request_link(client, "alice@example.kr")
    PortalMailer(app).run_once()
    db.session.rollback()
    mail = db.session.scalar(select(PortalMail))
    assert mail.status == "pending" and mail.attempts == 1 and "Connection" in (mail.last_error or "")
    with db.write() as session:
        session.get(PortalMail, mail.id).next_attempt_at = mail.created_at
    app.config["SMTP_RELAY"] = f"127.0.0.1:{port}"
    assert PortalMailer(app).run_once() == 1
    assert len(handler.messages) == 1


def test_a_solved_ticket_gets_one_survey_by_mail_and_the_answer_is_recorded(client, app, two_customers, staff):
    ticket = two_customers["alice"]
    replies.send(ticket.id, actor=staff["supervisor"], body="처리했습니다.", channel="email", status="solved")
    surveyor = CsatSurveyor(app)
    assert surveyor.run_once() == 1
    assert surveyor.run_once() == 0  # asked once
    db.session.rollback()
    survey = db.session.scalar(select(Csat))
    mail = db.session.get(Interaction, survey.interaction_id)
    assert mail.meta["kind"] == "csat" and mail.direction == "outbound" and mail.ticket_id == ticket.id
    assert db.session.scalar(select(OutboxItem).where(OutboxItem.interaction_id == mail.id)) is not None
    OutboxWorker(app).run_once()
    db.session.rollback()
    assert db.session.get(Interaction, mail.id).delivery_status == "recorded"

    path = re.search(r"http://desk\.test(/help/ko/csat/\S+)", mail.text).group(1)
    page = client.get(path)
    assert page.status_code == 200 and f"#{ticket.number}" in page.get_data(as_text=True)
    response = client.post(path, data={"score": "4", "comment": "친절했어요",
                                       "csrf_token": csrf_token(page.get_data(as_text=True))})
    assert response.status_code == 200 and "data-csat-done" in response.get_data(as_text=True)
    db.session.rollback()
    survey = db.session.scalar(select(Csat))
    assert (survey.score, survey.comment) == (4, "친절했어요")
    assert client.get(path.replace("/csat/", "/csat/x")).status_code == 404
    bad = client.post(path, data={"score": "9", "csrf_token": csrf_token(client.get(path).get_data(as_text=True))})
    assert bad.status_code == 422


def test_tickets_that_are_not_solved_are_not_surveyed(app, two_customers, staff):
    replies.send(two_customers["alice"].id, actor=staff["supervisor"], body="확인 중입니다", channel="email",
                 status="pending")
    assert CsatSurveyor(app).run_once() == 0
