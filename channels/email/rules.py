"""What an inbound mail is, decided from its parsed headers: an automatic message that must get
no automatic answer, a spoof the trusted relay flagged, the ticket it continues (only by hints we
can verify), the queue it was sent to, and how much its sender has written in the last hour."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from channels.base import ThreadHints
from channels.email import addresses
from channels.email.parse import ParsedMail
from desk.models import Identity, Interaction, utcnow

_SUBJECT_TOKEN = re.compile(r"\[#(\d{1,12})\]")
AUTO_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress", "List-Id")


def automatic_reason(parsed: ParsedMail, envelope_from: str | None, domain: str) -> str | None:
    """Why this mail must never get an automatic answer (None: a person wrote it)."""
    headers = parsed.headers
    auto = headers.get("Auto-Submitted", "").strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    precedence = headers.get("Precedence", "").strip().lower()
    if precedence in ("bulk", "junk", "list"):
        return f"Precedence: {precedence}"
    for name in AUTO_HEADERS:
        if name in headers:
            return name
    # envelope_from "" is SMTP's null sender (MAIL FROM:<>); None means we don't know the envelope.
    if envelope_from in ("", "<>") or headers.get("Return-Path", "").strip() == "<>":
        return "null return path"
    sender = (parsed.from_address or "").lower()
    if sender.endswith("@" + domain.lower()):
        return "from our own domain"
    if sender.split("@")[0] in ("mailer-daemon", "postmaster", "noreply", "no-reply", "donotreply"):
        return f"sender {sender.split('@')[0]}"
    return None


def dmarc_failed(parsed: ParsedMail, trusted_authserv_id: str | None) -> bool:
    if not trusted_authserv_id:
        return False
    for result in parsed.auth_results:
        authserv = result.split(";", 1)[0].strip().lower()
        if authserv == trusted_authserv_id.lower() and re.search(r"\bdmarc\s*=\s*fail\b", result, re.I):
            return True
    return False


def thread_hints(parsed: ParsedMail, rcpt_to: list[str], config) -> ThreadHints:
    secret, domain = config["SECRET_KEY"], config["MAIL_DOMAIN"]
    for ref in parsed.in_reply_to + list(reversed(parsed.references)):
        found = addresses.parse_message_id(secret, domain, ref)
        if found:
            return ThreadHints(ticket_id=found[0], reason="message_id")
    for address in parsed.to + parsed.cc + list(rcpt_to):
        ticket_id = addresses.parse_reply_address(secret, domain, address)
        if ticket_id:
            return ThreadHints(ticket_id=ticket_id, reason="reply_address")
    token = _SUBJECT_TOKEN.search(parsed.subject or "")
    return ThreadHints(ticket_number=int(token.group(1))) if token else ThreadHints()


def queue_for(rcpt_to: list[str], domain: str) -> str | None:
    """billing@<domain> goes to the queue with slug "billing" when there is one."""
    for address in rcpt_to:
        local, _, host = address.lower().partition("@")
        if host == domain.lower() and not local.startswith(("reply+", "bounces+", "support")):
            return local
    return None


def recent_counts(connection, senders) -> dict[str, int]:
    """Inbound mail in the last hour from the customer behind each address (lower-cased), for
    the per-sender hourly limit: one statement for a whole batch of senders."""
    senders = sorted({s.strip().lower() for s in senders if s})
    if not senders:
        return {}
    identity, interaction = Identity.__table__, Interaction.__table__
    rows = connection.execute(
        select(identity.c.value, func.count())
        .select_from(interaction.join(identity, identity.c.customer_id == interaction.c.customer_id))
        .where(identity.c.kind == "email", identity.c.value.in_(senders), interaction.c.channel == "email",
               interaction.c.direction == "inbound", interaction.c.created_at >= utcnow() - timedelta(hours=1))
        .group_by(identity.c.value))
    return {**dict.fromkeys(senders, 0), **dict(rows.all())}
