"""Admin API for the mail quarantine."""
from __future__ import annotations

from flask import jsonify, request
from sqlalchemy import select

from desk.api import bp
from desk.api.spec import current_agent, query_param, route
from desk.errors import NotFound
from desk.extensions import db
from desk.models import MailQuarantine
from desk.schemas import iso
from desk.services.tickets import decode_cursor, encode_cursor, parse_limit


def quarantine_dict(row: MailQuarantine) -> dict:
    return {"id": row.id, "received_at": iso(row.received_at), "mail_from": row.mail_from, "sender": row.sender,
            "rcpt_to": row.rcpt_to.split("\n") if row.rcpt_to else [], "subject": row.subject,
            "message_id": row.message_id, "size": row.size, "reason": row.reason, "error": row.error,
            "status": row.status, "interaction_id": row.interaction_id}


@route(bp, "/mail/quarantine", "GET", role="admin", tag="mail",
       summary="Inbound mail that could not be processed, newest first, with the reason",
       params=[query_param("status", "quarantined (default), reprocessed, discarded or all"),
               query_param("limit", "1-200, default 50", {"type": "integer"}),
               query_param("cursor", "next_cursor of the previous page")])
def list_quarantine():
    status = request.args.get("status", "quarantined")
    stmt = select(MailQuarantine)
    if status != "all":
        stmt = stmt.where(MailQuarantine.status == status)
    after = decode_cursor(request.args.get("cursor"))
    if after is not None:
        stmt = stmt.where(MailQuarantine.id < after)
    limit = parse_limit(request.args.get("limit"))
    rows = list(db.session.scalars(stmt.order_by(MailQuarantine.id.desc()).limit(limit + 1)))
    next_cursor = encode_cursor(rows[limit - 1].id) if len(rows) > limit else None
    return jsonify(items=[quarantine_dict(r) for r in rows[:limit]], next_cursor=next_cursor)


REPROCESS = {"type": "object", "additionalProperties": False,
             "properties": {"force": {"type": "boolean", "description": "skip spoofing and rate-limit checks"}}}


@route(bp, "/mail/quarantine/<int:quarantine_id>/reprocess", "POST", role="admin", tag="mail", body=REPROCESS,
       body_required=False, summary="Process a quarantined message again")
def reprocess_quarantined(quarantine_id: int, body):
    from channels.email import quarantine

    try:
        outcome, detail = quarantine.reprocess(quarantine_id, force=body.get("force", False),
                                               actor_id=current_agent().id)
    except LookupError as exc:
        raise NotFound(str(exc)) from None
    db.session.expire_all()
    return jsonify(outcome=outcome, detail=detail, item=quarantine_dict(db.session.get(MailQuarantine,
                                                                                        quarantine_id)))
