"""Delivery of portal mail that belongs to no ticket (sign-in links): claimed, sent through
``DESK_SMTP_RELAY`` (recorded when none is set), retried with backoff, never sent twice. The
text, which holds a sign-in link, is dropped once the mail has left."""
from __future__ import annotations

import logging
import threading
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formataddr, format_datetime, make_msgid

from sqlalchemy import select, update

from desk.extensions import db
from desk.models import PortalMail, utcnow
from desk.services.mail_relay import relay_send

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 6


def build(mail: PortalMail, config) -> EmailMessage:
    msg = EmailMessage()
    domain = config["MAIL_DOMAIN"]
    msg["From"] = formataddr(("Help center", f"support@{domain}"))
    msg["To"] = mail.to
    msg["Subject"] = mail.subject.replace("\r", " ").replace("\n", " ")
    msg["Date"] = format_datetime(utcnow())
    msg["Message-ID"] = make_msgid("portal", domain=domain)
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    msg.set_content(mail.text)
    return msg


def deliver(msg: EmailMessage, to: str, config) -> tuple[str | None, str | None, bool]:
    """(status, error, permanent): ``sent`` or ``recorded``, or the relay's error and whether
    trying again could help."""
    relay = config.get("SMTP_RELAY")
    if not relay:
        return "recorded", None, False
    result = relay_send(msg, f"bounces@{config['MAIL_DOMAIN']}", to, relay)
    return (result.status, None, False) if result.ok else (None, result.error, result.permanent)


class PortalMailer:
    def __init__(self, app, poll: float = 1.0) -> None:
        self.app = app
        self.poll = poll
        self.stopping = threading.Event()

    def _claim(self, batch: int) -> list[int]:
        with db.write() as session:
            ids = list(session.scalars(select(PortalMail.id).where(
                PortalMail.status == "pending", PortalMail.next_attempt_at <= utcnow())
                .order_by(PortalMail.id).limit(batch).with_for_update(skip_locked=True)))
            if ids:
                session.execute(update(PortalMail).where(PortalMail.id.in_(ids), PortalMail.status == "pending")
                                .values(status="sending", attempts=PortalMail.attempts + 1))
        return ids

    def _send(self, mail_id: int) -> None:
        mail = db.session.get(PortalMail, mail_id, populate_existing=True)
        db.session.commit()
        config = self.app.config
        status, error, permanent = deliver(build(mail, config), mail.to, config)
        with db.write() as session:
            row = session.get(PortalMail, mail_id, populate_existing=True)
            if status:
                row.status, row.sent_at, row.text, row.last_error = status, utcnow(), "", None
            elif permanent or row.attempts >= MAX_ATTEMPTS:
                row.status, row.text, row.last_error = "dead", "", error
            else:
                row.status, row.last_error = "pending", error
                row.next_attempt_at = utcnow() + timedelta(seconds=30 * 2 ** (row.attempts - 1))

    def run_once(self, batch: int = 20) -> int:
        with self.app.app_context():
            ids = db.retrying(self._claim, batch)
            for mail_id in ids:
                self._send(mail_id)
            db.session.remove()
            return len(ids)

    def requeue_stale(self) -> int:
        """Mail left ``sending`` by a worker that died goes out again: a second sign-in link is
        harmless, a lost one is not."""
        with self.app.app_context():
            def _requeue() -> int:
                with db.write() as session:
                    return session.execute(update(PortalMail).where(PortalMail.status == "sending")
                                           .values(status="pending")).rowcount
            return db.retrying(_requeue)

    def run_forever(self) -> None:
        self.requeue_stale()
        while not self.stopping.is_set():
            try:
                done = self.run_once()
            except Exception:
                log.exception("portal mail pass failed; trying again shortly")
                done = 0
            if not done:
                self.stopping.wait(self.poll)
