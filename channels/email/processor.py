"""Spooled raw mail -> intake, in the worker process.

For each stored message, in arrival order: parse (with a time limit), then decide — a bounce is
attached to the delivery it reports on; a loop, a spoof or a flood goes to quarantine; anything
else becomes an interaction through ``services.intake`` with the thread hints we can verify. The
spool row is marked only after the outcome is committed, and intake is idempotent on the
Message-ID, so a crash at any point means the message is processed again, never lost or doubled.
"""
from __future__ import annotations

import hashlib
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import datetime, timezone

from flask import current_app

from channels.base import InboundMessage
from channels.email import addresses
from channels.email.parse import ParsedMail, parse
from channels.email.rules import automatic_reason, dmarc_failed, queue_for, recent_counts, thread_hints
from channels.email.spool import SpooledMail, SpoolReader
from desk.errors import DeskError
from desk.extensions import db
from desk.models import MailQuarantine, utcnow
from desk.services import intake, replies

log = logging.getLogger("desk.mail")

MAX_ATTEMPTS = 5
_parse_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="mail-parse")


class Outcome:
    PROCESSED = "processed"
    QUARANTINED = "quarantined"


class MailProcessor:
    def __init__(self, app, reader: SpoolReader) -> None:
        self.app = app
        self.reader = reader
        self.stopping = threading.Event()

    def run_once(self, limit: int = 50) -> int:
        """Process what is in the spool; returns how many messages reached an outcome.

        The messages that pass the checks go to intake together, in one write transaction
        (``intake.receive_many``); if that fails, they go again one at a time, so one bad message
        is dealt with on its own and never holds up the others."""
        mails = self.reader.pending(limit)
        outcomes = []
        try:
            with self.app.app_context():
                parsed = [_parse_or_error(mail.data) for mail in mails]
                try:
                    recent = recent_counts(db.session.connection(),
                                           [p.from_address for p in parsed if isinstance(p, ParsedMail)])
                finally:
                    db.session.remove()
                ready: list[tuple[SpooledMail, Ready]] = []
                pending: dict[str, int] = {}  # per sender, on its way to intake in this batch
                for mail, mail_parsed in zip(mails, parsed):
                    try:
                        result = prepare(mail.data, envelope_from=mail.mail_from, rcpt_to=mail.rcpt_to,
                                         received_at=mail.received_at, spool_id=mail.id, pending=pending,
                                         parsed=mail_parsed, recent=recent)
                    except Exception as exc:  # a bug or an outage: never let one message block the rest
                        log.exception("processing spooled mail %s failed (attempt %s)", mail.id, mail.attempts + 1)
                        result = self._failed(mail, exc)
                    finally:
                        db.session.remove()
                    if isinstance(result, Ready):
                        ready.append((mail, result))
                        key = result.sender.strip().lower()
                        pending[key] = pending.get(key, 0) + 1
                    elif result[0] is not None:
                        outcomes.append((mail.id, result[0], result[1] if result[0] != Outcome.PROCESSED else None))
                outcomes.extend(self._ingest(ready))
        finally:
            if outcomes:  # what was committed is marked even when a later message fails hard
                self.reader.mark_many(outcomes)
        return len(outcomes)

    def _ingest(self, ready: list[tuple[SpooledMail, Ready]]) -> list[tuple[int, str, str | None]]:
        if not ready:
            return []
        outcomes = []
        try:
            received = intake.receive_many([r.msg for _, r in ready])
        except Exception:  # one of them is bad (or the batch lost a race): take them one by one
            log.info("a batch of %s messages went to intake one at a time", len(ready), exc_info=True)
            received = None
        finally:
            db.session.remove()
        for i, (mail, item) in enumerate(ready):
            try:
                if received is None:
                    outcome, detail = _receive_one(item, mail.data, mail.mail_from, mail.rcpt_to, mail.received_at,
                                                   mail.id)
                else:
                    got = received[i]
                    outcome, detail = finish(item, got.ticket_id, got.ticket["number"], got.interaction_id,
                                             got.reason, acknowledge=got.acknowledge)
            except Exception as exc:
                log.exception("processing spooled mail %s failed (attempt %s)", mail.id, mail.attempts + 1)
                outcome, detail = self._failed(mail, exc)
            finally:
                db.session.remove()
            if outcome is not None:
                outcomes.append((mail.id, outcome, detail if outcome != Outcome.PROCESSED else None))
        return outcomes

    def _failed(self, mail: SpooledMail, exc: Exception) -> tuple[str | None, str | None]:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if mail.attempts + 1 < MAX_ATTEMPTS:
            self.reader.record_failure(mail.id, error)  # stays in the spool; tried again next pass
            return None, None
        try:
            return _quarantine({"raw": mail.data, "envelope_from": mail.mail_from, "rcpt_to": mail.rcpt_to,
                                "spool_id": mail.id, "received_at": mail.received_at}, None, "intake_error", error)
        except Exception:
            log.exception("could not quarantine spooled mail %s either; it stays in the spool", mail.id)
            self.reader.record_failure(mail.id, error)
            return None, None

    def run_forever(self, poll: float = 0.1) -> None:
        while not self.stopping.is_set():
            try:
                if defer(*self.reader.arrivals(), time.time()):
                    self.stopping.wait(poll)
                    continue
                done = self.run_once()
            except Exception:
                log.exception("mail processing pass failed; trying again shortly")
                done = 0
            if not done:
                self.stopping.wait(poll)


# While mail is streaming in, the SMTP server gets the machine: it must answer every sender
# promptly (a slow 250 makes senders time out and retry), while turning stored mail into tickets
# can lag a little. The drain waits for a pause in arrivals, but never lets a message wait longer
# than BURST_MAX_WAIT seconds: under a steady stream it drains anyway.
BURST_QUIET = 0.25  # seconds without a new arrival that end a burst
BURST_MAX_WAIT = 5.0


def defer(newest: float | None, oldest_waiting: float | None, now: float) -> bool:
    """Should the drain wait (a burst is arriving and nothing has waited too long)?"""
    if newest is None or oldest_waiting is None:
        return False
    return now - newest < BURST_QUIET and now - oldest_waiting < BURST_MAX_WAIT


@dataclass
class Ready:
    """A parsed message that passed every check and goes to intake."""

    msg: InboundMessage
    auto: str | None  # why it must get no automatic answer (None: a person wrote it)
    sender: str
    quarantine_id: int | None = None


def process(raw: bytes, *, envelope_from: str | None = None, rcpt_to: list[str] | None = None,
            received_at: float | None = None, spool_id: int | None = None, force: bool = False,
            quarantine_id: int | None = None) -> tuple[str, str | None]:
    """Turn one raw message into an interaction (or a quarantine entry). Returns (outcome, detail)."""
    ready = prepare(raw, envelope_from=envelope_from, rcpt_to=rcpt_to, received_at=received_at,
                    spool_id=spool_id, force=force, quarantine_id=quarantine_id)
    if not isinstance(ready, Ready):
        return ready
    return _receive_one(ready, raw, envelope_from, rcpt_to or [], received_at, spool_id)


def _receive_one(ready: Ready, raw: bytes, envelope_from, rcpt_to, received_at, spool_id) -> tuple[str, str | None]:
    try:
        ticket, interaction = intake.receive(ready.msg)
    except DeskError as exc:
        meta = {"raw": raw, "envelope_from": envelope_from, "rcpt_to": rcpt_to, "spool_id": spool_id,
                "received_at": received_at, "quarantine_id": ready.quarantine_id}
        return _quarantine(meta, _Headers(ready), "intake_error", exc.message)
    reason = (interaction.meta or {}).get("threading", {}).get("reason")
    return finish(ready, ticket.id, ticket.number, interaction.id, reason)


def finish(ready: Ready, ticket_id: int, ticket_number: int, interaction_id: int, reason: str | None,
           acknowledge: bool = True) -> tuple[str, str | None]:
    """After intake: the acknowledgement for a new ticket (``acknowledge=False``: its queue is
    known to send none), and a reprocessed quarantine entry marked resolved."""
    if acknowledge and reason in ("new_ticket", "follow_up") and not ready.auto:
        try:
            replies.acknowledge(ticket_id, interaction_id)
        except DeskError as exc:
            log.warning("no acknowledgement for ticket %s: %s", ticket_number, exc.message)
    if ready.quarantine_id:
        _resolve(ready.quarantine_id, interaction_id)
    return Outcome.PROCESSED, None


class _Headers:
    """The parsed fields ``_quarantine`` reads, for a message that failed in intake."""

    def __init__(self, ready: Ready) -> None:
        self.from_address = ready.sender
        self.subject = ready.msg.subject
        self.message_id = ready.msg.meta.get("message_id")


def prepare(raw: bytes, *, envelope_from: str | None = None, rcpt_to: list[str] | None = None,
            received_at: float | None = None, spool_id: int | None = None, force: bool = False,
            quarantine_id: int | None = None, pending: dict[str, int] | None = None,
            parsed: ParsedMail | Exception | None = None,
            recent: dict[str, int] | None = None) -> Ready | tuple[str, str | None]:
    """Parse and check one raw message: the InboundMessage for intake (``Ready``), or the outcome
    when it ends here (quarantine, bounce, read receipt).

    A batch passes what it already has: ``parsed`` (the result of ``_parse_or_error``),
    ``recent`` (``rules.recent_counts`` of its senders) and ``pending`` (messages per sender
    already on their way to intake in the same batch, counted against the hourly limit)."""
    config = current_app.config
    rcpt_to = rcpt_to or []
    meta = {"raw": raw, "envelope_from": envelope_from, "rcpt_to": rcpt_to, "spool_id": spool_id,
            "received_at": received_at, "quarantine_id": quarantine_id}
    parsed = _parse_or_error(raw) if parsed is None else parsed
    if isinstance(parsed, FutureTimeout):
        return _quarantine(meta, None, "timeout", f"parsing took longer than {config['MAIL_PARSE_TIMEOUT']} s")
    if isinstance(parsed, Exception):
        return _quarantine(meta, None, "parse_error", f"{type(parsed).__name__}: {parsed}")

    domain = config["MAIL_DOMAIN"]
    # Only the mail system itself sends reports, from the null sender (or to our VERP address);
    # a "bounce" from an ordinary sender could be forged by anyone who saw our Message-ID.
    from_mail_system = envelope_from is None or envelope_from in ("", "<>") or _is_verp_bounce(rcpt_to, config)
    if parsed.report_type == "disposition-notification" and from_mail_system:
        return Outcome.PROCESSED, None  # a read receipt: nothing for an agent to do
    if (parsed.bounce is not None or _is_verp_bounce(rcpt_to, config)) and from_mail_system:
        return _bounce(parsed, meta, config)
    sender = parsed.from_address or (envelope_from if "@" in (envelope_from or "") else None)
    if not sender:
        return _quarantine(meta, parsed, "no_sender", "the message has no sender address")
    own = {addresses.support_address(domain)}
    if sender.lower() in own or sender.lower().startswith(("reply+", "bounces+")) and \
            sender.lower().endswith("@" + domain):
        return _quarantine(meta, parsed, "loop", "mail from our own system address came back in")
    if "X-Desk-Ticket" in parsed.headers:
        return _quarantine(meta, parsed, "loop", "our own outbound mail came back in (X-Desk-Ticket)")
    if not force and dmarc_failed(parsed, config.get("MAIL_TRUSTED_AUTHSERV_ID")):
        return _quarantine(meta, parsed, "spoofing", "DMARC failed at the trusted relay: possible spoofing")
    auto = automatic_reason(parsed, envelope_from, domain)
    key = sender.strip().lower()
    if not force and (recent or {}).get(key) is None:
        recent = recent_counts(db.session.connection(), [key])
    if not force and recent[key] + (pending or {}).get(key, 0) >= config["MAIL_SENDER_HOURLY_LIMIT"]:
        return _quarantine(meta, parsed, "rate_limited",
                           f"more than {config['MAIL_SENDER_HOURLY_LIMIT']} messages from {sender} in an hour")

    msg = InboundMessage(
        channel="email",
        external_id=parsed.external_id[:500],
        sender=sender,
        sender_kind="email",
        sender_name=parsed.from_name,
        recipient=(rcpt_to or parsed.to or [None])[0],
        subject=parsed.subject,
        text=parsed.text,
        html=parsed.html,
        attachments=tuple(parsed.attachments),
        thread_hints=thread_hints(parsed, rcpt_to, config),
        occurred_at=parsed.date or _received(received_at),
        queue=queue_for(rcpt_to, domain),
        meta={
            "message_id": parsed.message_id,
            "in_reply_to": parsed.in_reply_to[:5],
            "references": parsed.references[-10:],
            "to": parsed.to[:20], "cc": parsed.cc[:20],
            "quoted": parsed.quoted[:20000],
            "charsets": sorted(set(parsed.charsets)),
            **({"defects": parsed.defects[:10]} if parsed.defects else {}),
            **({"auto": auto} if auto else {}),
            **({"spool_id": spool_id} if spool_id else {}),
        },
    )
    return Ready(msg, auto, sender, quarantine_id)


def _parse_or_error(raw: bytes) -> ParsedMail | Exception:
    """The parsed message, or what went wrong (``FutureTimeout`` when it took too long)."""
    try:
        return _parse_with_limit(raw, current_app.config["MAIL_PARSE_TIMEOUT"])
    except Exception as exc:  # noqa: BLE001  (any failure becomes a quarantine entry)
        return exc


def _parse_with_limit(raw: bytes, seconds: float) -> ParsedMail:
    # A pathological message cannot hold up the mail behind it: after the limit it is quarantined.
    # Python cannot stop the parsing thread from outside, so it is left to finish on its own and
    # later mail gets a fresh pool instead of waiting behind it.
    global _parse_pool
    future = _parse_pool.submit(parse, raw)
    try:
        return future.result(timeout=seconds)
    except FutureTimeout:
        _parse_pool.shutdown(wait=False)
        _parse_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="mail-parse")
        raise


def _received(received_at: float | None) -> datetime:
    return datetime.fromtimestamp(received_at, timezone.utc) if received_at else utcnow()


def _is_verp_bounce(rcpt_to: list[str], config) -> bool:
    return any(a.lower().startswith("bounces+") for a in rcpt_to)


def _bounce(parsed: ParsedMail, meta: dict, config) -> tuple[str, str | None]:
    """Attach a delivery failure report to the outbound interaction it is about."""
    secret, domain = config["SECRET_KEY"], config["MAIL_DOMAIN"]
    interaction_id = None
    for address in meta["rcpt_to"]:
        found = addresses.parse_bounce_address(secret, domain, address)
        if found:
            interaction_id = found
    for ref in (parsed.bounce.original_message_ids if parsed.bounce else []):
        found = addresses.parse_message_id(secret, domain, ref)
        if found and found[1]:
            interaction_id = interaction_id or found[1]
    if interaction_id is None:
        return _quarantine(meta, parsed, "unknown_bounce", "a delivery report about a message we did not send")
    report = parsed.bounce
    details = {"status": report.status if report else None, "diagnostic": report.diagnostic if report else None,
               "recipients": report.recipients if report else [], "subject": parsed.subject,
               "action": report.action if report else "failed"}
    replies.record_bounce(interaction_id, details, parsed.text,
                          failed=not report or report.action in (None, "failed"))
    return Outcome.PROCESSED, None


def _quarantine(meta: dict, parsed: ParsedMail | None, reason: str, error: str) -> tuple[str, str]:
    raw = meta["raw"]
    log.warning("mail quarantined (%s): %s", reason, error)
    with db.write() as session:
        if meta.get("quarantine_id"):
            row = session.get(MailQuarantine, meta["quarantine_id"])
            row.reason, row.error = reason, error[:5000]
        else:
            session.add(MailQuarantine(
                spool_id=meta.get("spool_id"), received_at=_received(meta.get("received_at")),
                mail_from=(meta.get("envelope_from") or "")[:320], rcpt_to="\n".join(meta.get("rcpt_to") or []),
                sender=((parsed.from_address if parsed else None) or meta.get("envelope_from") or "")[:320],
                subject=(parsed.subject if parsed else "")[:500],
                message_id=(parsed.message_id if parsed else None), sha256=hashlib.sha256(raw).hexdigest(),
                size=len(raw), reason=reason, error=error[:5000], raw=raw))
    return Outcome.QUARANTINED, f"{reason}: {error}"


def _resolve(quarantine_id: int, interaction_id: int) -> None:
    with db.write() as session:
        row = session.get(MailQuarantine, quarantine_id)
        row.status, row.resolved_at, row.interaction_id = "reprocessed", utcnow(), interaction_id
