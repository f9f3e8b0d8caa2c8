"""The customer portal's logic: magic sign-in links, the customer's own tickets (and only
those), replies and closing through the one inbound path."""
from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from channels.base import InboundMessage, ThreadHints
from desk.errors import Conflict, Invalid, NotFound
from desk.events import publish
from desk.extensions import db
from desk.models import AuditLog, Customer, Identity, Interaction, PortalLogin, PortalMail, Ticket, utcnow
from desk.schemas import ticket_dict
from desk.services import identity, intake, tickets

LINK_MINUTES = 15
MAX_BODY = 20_000

SIGN_IN_MAIL = {
    "ko": ("고객센터 로그인 링크", "안녕하세요{name}.\n\n아래 링크를 눌러 고객센터에 로그인하세요. 링크는 {minutes}분 동안 "
           "한 번만 쓸 수 있습니다.\n\n{link}\n\n요청하지 않으셨다면 이 메일을 무시하셔도 됩니다."),
    "en": ("Your sign-in link", "Hello{name},\n\nUse this link to sign in to the help center. It works once, "
           "for {minutes} minutes.\n\n{link}\n\nIf you did not ask for it, you can ignore this mail."),
}


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="desk.portal.sign-in")


def _hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def customer_for_email(session, email: str) -> Customer | None:
    try:
        value = identity.normalize("email", email)
    except Invalid:
        return None
    found = session.scalar(select(Identity).where(Identity.kind == "email", Identity.value == value))
    customer = found.customer if found else None
    seen = set()
    while customer is not None and customer.merged_into_id and customer.id not in seen:
        seen.add(customer.id)
        customer = session.get(Customer, customer.merged_into_id)
    return customer


def request_link(email: str, locale: str, link_for) -> bool:
    """Queue a sign-in mail when the address belongs to a customer. Returns whether one was
    queued; callers tell the visitor the same either way, so addresses cannot be probed."""
    with db.write() as session:
        customer = customer_for_email(session, email)
        if customer is None or not customer.email:
            return False
        nonce = secrets.token_urlsafe(32)
        now = utcnow()
        session.add(PortalLogin(customer_id=customer.id, nonce_hash=_hash(nonce),
                                expires_at=now + timedelta(minutes=LINK_MINUTES), created_at=now))
        token = _serializer().dumps(nonce)
        subject, text = SIGN_IN_MAIL["en" if locale == "en" else "ko"]
        name = (f", {customer.name}" if locale == "en" else f" {customer.name}님") if customer.name else ""
        session.add(PortalMail(to=identity.normalize("email", email), subject=subject,
                               text=text.format(name=name, minutes=LINK_MINUTES, link=link_for(token)),
                               next_attempt_at=now, created_at=now))
    return True


def consume_link(token: str) -> int:
    """The customer id of a valid, unexpired, unused link; the link is dead afterwards."""
    try:
        nonce = _serializer().loads(token, max_age=LINK_MINUTES * 60)
    except SignatureExpired:
        raise Invalid("this sign-in link has expired", code="expired") from None
    except BadSignature:
        raise Invalid("this sign-in link is not valid", code="bad_link") from None
    with db.write() as session:
        login = session.scalar(select(PortalLogin).where(PortalLogin.nonce_hash == _hash(nonce))
                               .with_for_update())
        if login is None:
            raise Invalid("this sign-in link is not valid", code="bad_link")
        if login.used_at is not None:
            raise Invalid("this sign-in link has been used already", code="used")
        if login.expires_at < utcnow():
            raise Invalid("this sign-in link has expired", code="expired")
        login.used_at = utcnow()
        return login.customer_id


def current_customer(customer_id) -> Customer | None:
    customer = db.session.get(Customer, customer_id) if isinstance(customer_id, int) else None
    if customer is not None and customer.merged_into_id:
        customer = db.session.get(Customer, customer.merged_into_id)
    return customer


def my_tickets(customer: Customer) -> list[Ticket]:
    return list(db.session.scalars(select(Ticket).where(Ticket.customer_id == customer.id)
                                   .order_by(Ticket.updated_at.desc(), Ticket.id.desc()).limit(200)))


def my_ticket(customer: Customer, number) -> Ticket:
    """The customer's own ticket by number; any other ticket does not exist for them."""
    ticket = None
    if isinstance(number, int) and 0 < number < 2**31:
        ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
    if ticket is None or ticket.customer_id != customer.id:
        raise NotFound("no such request")
    return ticket


def thread(ticket: Ticket) -> list[Interaction]:
    """What the customer may read: never internal notes."""
    return list(db.session.scalars(select(Interaction).where(
        Interaction.ticket_id == ticket.id, Interaction.direction != "internal", Interaction.channel != "note")
        .order_by(Interaction.id)))


def reply(customer: Customer, ticket: Ticket, body: str, nonce: str | None = None, attachments=()) -> Interaction:
    body = (body or "").strip()
    if not body:
        raise Invalid("the message is empty", field="body")
    if len(body) > MAX_BODY:
        raise Invalid(f"the message is longer than {MAX_BODY} characters", field="body")
    if ticket.status == "closed":
        raise Conflict("this request is closed; send a new one instead", code="ticket_closed")
    msg = InboundMessage(channel="web", external_id=f"portal:{_nonce(nonce)}", sender=customer.email,
                         sender_kind="email", sender_name=customer.name or None, subject="", text=body,
                         attachments=tuple(attachments), meta={"via": "portal"},
                         thread_hints=ThreadHints(ticket_id=ticket.id, reason="portal"))
    _, interaction = intake.receive(msg)
    return interaction


def _nonce(value: str | None) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return str(uuid.uuid4())


def close(customer: Customer, ticket: Ticket) -> Ticket:
    """The customer says the request is done."""
    with db.write() as session:
        current = tickets.locked(session, ticket.id)
        if current is None or current.customer_id != customer.id:
            raise NotFound("no such request")
        if current.status == "closed":
            return current
        now = utcnow()
        changes = {"status": [current.status, "closed"]}
        current.status = "closed"
        current.closed_at = now
        current.solved_at = current.solved_at or now
        current.updated_at = now
        current.version += 1
        session.add(AuditLog(action="ticket.closed_by_customer", target_type="ticket", target_id=current.id,
                             data={"customer": customer.id}))
        session.flush()
        publish(session, "ticket.updated", {"ticket": ticket_dict(current), "changes": changes})
    return current
