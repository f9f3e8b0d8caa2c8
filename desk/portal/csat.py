"""Satisfaction surveys: once a ticket is solved, the customer is asked (1-5 and a comment) by a
mail sent through the outbox, and in the portal; the answer is recorded on the ticket.

``CsatSurveyor`` runs in the worker beside the outbox: it finds solved tickets not yet asked and
queues the survey mail in the same transaction that records the question, so a crash neither
loses nor doubles it.
"""
from __future__ import annotations

import logging
import threading
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import exists, select

from desk.errors import Invalid, NotFound
from desk.events import publish
from desk.extensions import db
from desk.models import Csat, Interaction, Ticket, utcnow
from desk.schemas import ticket_dict
from desk.services import replies

log = logging.getLogger(__name__)

ASK_WITHIN = timedelta(days=7)  # tickets solved longer ago than this are not asked
MAX_COMMENT = 2000
SURVEY_MAIL = {
    "ko": ("문의는 잘 해결되셨나요?", "안녕하세요{name}.\n\n문의(#{number})에 대한 답변이 만족스러우셨는지 알려주세요. "
           "1~5점 중 하나를 고르고 한마디 남겨 주시면 서비스 개선에 반영하겠습니다.\n\n{link}\n\n감사합니다."),
    "en": ("How did we do?", "Hello{name},\n\nYour request #{number} has been solved. How satisfied are you with the "
           "help you got? Pick a score from 1 to 5 and add a comment if you like:\n\n{link}\n\nThank you."),
}


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="desk.portal.csat")


def token_for(ticket_id: int, customer_id: int) -> str:
    return _serializer().dumps([ticket_id, customer_id])


def read_token(token: str) -> tuple[int, int]:
    try:
        ticket_id, customer_id = _serializer().loads(token)
        return int(ticket_id), int(customer_id)
    except (BadSignature, TypeError, ValueError):
        raise NotFound("this survey link is not valid") from None


def survey_link(ticket: Ticket, locale: str) -> str:
    return f"{current_app.config['PUBLIC_URL']}/help/{locale}/csat/{token_for(ticket.id, ticket.customer_id)}"


def for_ticket(ticket_id: int) -> Csat | None:
    return db.session.scalar(select(Csat).where(Csat.ticket_id == ticket_id))


def can_answer(ticket: Ticket) -> bool:
    return ticket.status in ("solved", "closed")


def answer(ticket_id: int, customer_id: int, score, comment: str = "") -> Csat:
    """Record (or change) the customer's answer."""
    try:
        score = int(score)
    except (TypeError, ValueError):
        raise Invalid("pick a score from 1 to 5", field="score") from None
    if not 1 <= score <= 5:
        raise Invalid("pick a score from 1 to 5", field="score")
    with db.write() as session:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None or ticket.customer_id != customer_id:
            raise NotFound("no such request")
        if not can_answer(ticket):
            raise Invalid("the survey opens once the request is solved", field="score")
        survey = session.scalar(select(Csat).where(Csat.ticket_id == ticket.id))
        if survey is None:
            survey = Csat(ticket_id=ticket.id, customer_id=customer_id)
            session.add(survey)
        survey.score = score
        survey.comment = (comment or "").strip()[:MAX_COMMENT]
        survey.answered_at = utcnow()
        session.flush()
        publish(session, "ticket.updated", {"ticket": ticket_dict(ticket), "changes": {"csat": [None, score]}})
    return survey


def ask(ticket_id: int) -> Interaction | None:
    """Queue the survey mail for one solved ticket (once)."""
    with db.write() as session:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None or ticket.status != "solved":
            return None
        if session.scalar(select(Csat.id).where(Csat.ticket_id == ticket.id)) is not None:
            return None
        customer = ticket.customer
        survey = Csat(ticket_id=ticket.id, customer_id=customer.id)
        session.add(survey)
        locale = "en" if customer.locale == "en" else "ko"
        subject, text = SURVEY_MAIL[locale]
        name = (f", {customer.name}" if locale == "en" else f" {customer.name}님") if customer.name else ""
        # No address, or opted out of automatic mail: still asked in the portal, no mail.
        interaction = replies.queue_automatic_mail(
            session, ticket, subject=subject,
            text=text.format(name=name, number=ticket.number, link=survey_link(ticket, locale)), meta={"kind": "csat"})
        if interaction is not None:
            survey.interaction_id = interaction.id
    return interaction


def due(limit: int = 20) -> list[int]:
    cutoff = utcnow() - ASK_WITHIN
    return list(db.session.scalars(
        select(Ticket.id).where(Ticket.status == "solved", Ticket.solved_at >= cutoff,
                                ~exists().where(Csat.ticket_id == Ticket.id))
        .order_by(Ticket.solved_at).limit(limit)))


class CsatSurveyor:
    """A worker loop: asks every freshly solved ticket's customer once."""

    def __init__(self, app, poll: float = 5.0) -> None:
        self.app = app
        self.poll = poll
        self.stopping = threading.Event()

    def run_once(self) -> int:
        with self.app.app_context():
            ids = due()
            db.session.rollback()
            for ticket_id in ids:
                db.retrying(ask, ticket_id)
            db.session.remove()
            return len(ids)

    def run_forever(self) -> None:
        while not self.stopping.is_set():
            try:
                done = self.run_once()
            except Exception:
                log.exception("satisfaction survey pass failed; trying again shortly")
                done = 0
            if not done:
                self.stopping.wait(self.poll)
