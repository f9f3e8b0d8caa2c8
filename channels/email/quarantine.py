"""Looking at and reprocessing mail that could not be processed."""
from __future__ import annotations

from sqlalchemy import select

from desk.extensions import db
from desk.models import MailQuarantine


def open_ids() -> list[int]:
    return list(db.session.scalars(select(MailQuarantine.id).where(MailQuarantine.status == "quarantined")
                                   .order_by(MailQuarantine.id)))


def reprocess(quarantine_id: int, *, force: bool = False, actor_id: int | None = None) -> tuple[str, str | None]:
    from channels.email.processor import process

    row = db.session.get(MailQuarantine, quarantine_id)
    if row is None or row.status != "quarantined":
        raise LookupError(f"no quarantined message {quarantine_id}")
    outcome, detail = process(row.raw, envelope_from=row.mail_from, rcpt_to=row.rcpt_to.split("\n") if row.rcpt_to
                              else [], received_at=row.received_at.timestamp(), spool_id=row.spool_id,
                              force=force, quarantine_id=row.id)
    if actor_id is not None and outcome == "processed":
        with db.write() as session:
            session.get(MailQuarantine, quarantine_id).resolved_by_id = actor_id
    return outcome, detail


def discard(quarantine_id: int, *, actor_id: int | None) -> None:
    from desk.models import utcnow

    with db.write() as session:
        row = session.get(MailQuarantine, quarantine_id)
        if row is None or row.status != "quarantined":
            raise LookupError(f"no quarantined message {quarantine_id}")
        row.status, row.resolved_at, row.resolved_by_id = "discarded", utcnow(), actor_id
