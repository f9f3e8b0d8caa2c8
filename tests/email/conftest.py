from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.utils import format_datetime

import pytest

from desk.models import utcnow


@pytest.fixture
def mail_app(app, staff):
    """The app with the email channel and a default queue; acknowledgements off unless a test turns them on."""
    return app


def build_mail(sender="김철수 <chulsoo@example.kr>", to="support@desk.test", subject="환불 문의", body="환불 부탁드립니다.",
               message_id: str | None = "<m1@example.kr>", **headers) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(utcnow())
    if message_id:
        msg["Message-ID"] = message_id
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg.as_bytes(policy=policy.SMTP)  # CRLF line ends, as on the wire
