"""Customer-portal helpers: two customers with tickets, and signing in the way a customer does
(request a link, open it from the mail, press the button)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from desk.extensions import db
from desk.models import PortalMail
from tests.conftest import csrf_token


@pytest.fixture
def staff(make):
    """Staff without passwords (no argon2 hashing in every test)."""
    from desk.services import auth

    make.queue("general", "일반 문의", default=True)
    return {"agent": auth.create_agent("agent@desk.test", role="agent", queues=["general"]),
            "supervisor": auth.create_agent("supervisor@desk.test", role="supervisor"),
            "admin": auth.create_agent("admin@desk.test", role="admin")}


@pytest.fixture
def two_customers(make, staff):
    """Alice and Bob, each with a ticket; Alice also has an SMS ticket on the same customer."""
    from desk.services import identity

    alice_ticket, _ = make.inbound(sender="alice@example.kr", subject="환불 문의", text="환불 언제 되나요?",
                                   sender_name="앨리스")
    bob_ticket, _ = make.inbound(sender="bob@example.com", subject="Bob's private order", text="My address is secret")
    with db.write() as session:
        identity.add_identity(session, session.merge(alice_ticket.customer), "phone", "010-2222-3333")
    alice_sms, _ = make.inbound(channel="sms", sender="+821022223333", text="문자로도 문의드려요")
    return {"alice": alice_ticket, "bob": bob_ticket, "alice_sms": alice_sms}


def link_from_mail(to: str) -> str:
    db.session.rollback()
    mail = db.session.scalars(select(PortalMail).where(PortalMail.to == to).order_by(PortalMail.id.desc())).first()
    assert mail is not None, f"no sign-in mail to {to}"
    match = re.search(r"http://desk\.test(/help/\w+/portal/link/\S+)", mail.text)
    assert match, mail.text
    return match.group(1)


def request_link(client, email: str, locale: str = "ko"):
    page = client.get(f"/help/{locale}/portal/sign-in")
    return client.post(f"/help/{locale}/portal/sign-in", data={"email": email,
                                                                "csrf_token": csrf_token(page.get_data(as_text=True))})


def follow_link(client, path: str):
    page = client.get(path)
    assert page.status_code == 200
    return client.post(path, data={"csrf_token": csrf_token(page.get_data(as_text=True))})


def sign_in(client, email: str):
    assert request_link(client, email).status_code == 200
    response = follow_link(client, link_from_mail(email))
    assert response.status_code == 302 and response.headers["Location"].endswith("/portal/requests")
    return client
