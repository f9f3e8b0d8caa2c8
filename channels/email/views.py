"""Admin pages for mail that could not be processed: see why, read it, reprocess or discard."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from channels.email import quarantine
from desk.extensions import db
from desk.i18n import gettext as _
from desk.models import MailQuarantine
from desk.services.tickets import decode_cursor, encode_cursor

bp = Blueprint("mail_admin", __name__)
PAGE_SIZE = 50


class ActionForm(FlaskForm):
    """Only the CSRF token; the action comes from the button pressed."""


def _admin():
    if not current_user.has_role("admin"):
        abort(404)
    return current_user._get_current_object()


def reason_labels() -> dict[str, str]:
    return {
        "parse_error": _("Could not be read"), "timeout": _("Took too long to read"),
        "spoofing": _("Possible spoofing (DMARC failed)"), "rate_limited": _("Too many messages from this sender"),
        "unknown_bounce": _("Bounce for mail we did not send"), "loop": _("Mail loop"),
        "no_sender": _("No sender address"), "intake_error": _("Could not be filed"),
    }


@bp.get("/admin/mail/quarantine")
@login_required
def quarantine_list():
    _admin()
    status = request.args.get("status", "quarantined")
    if status not in ("quarantined", "reprocessed", "discarded"):
        status = "quarantined"
    stmt = select(MailQuarantine).where(MailQuarantine.status == status)
    try:
        after = decode_cursor(request.args.get("cursor"))
    except Exception:
        after = None
    if after is not None:
        stmt = stmt.where(MailQuarantine.id < after)
    rows = list(db.session.scalars(stmt.order_by(MailQuarantine.id.desc()).limit(PAGE_SIZE + 1)))
    next_cursor = encode_cursor(rows[PAGE_SIZE - 1].id) if len(rows) > PAGE_SIZE else None
    counts = dict(db.session.execute(select(MailQuarantine.status, func.count()).group_by(MailQuarantine.status)).all())
    return render_template("console/mail_quarantine.html", rows=rows[:PAGE_SIZE], next_cursor=next_cursor,
                           status=status, counts=counts, reasons=reason_labels(), form=ActionForm())


@bp.get("/admin/mail/quarantine/<int:quarantine_id>.eml")
@login_required
def quarantine_raw(quarantine_id: int):
    _admin()
    row = db.session.get(MailQuarantine, quarantine_id)
    if row is None:
        abort(404)
    return Response(row.raw, mimetype="application/octet-stream", headers={
        "Content-Disposition": f'attachment; filename="quarantine-{row.id}.eml"',
        "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'; sandbox"})


@bp.post("/admin/mail/quarantine/<int:quarantine_id>")
@login_required
def quarantine_action(quarantine_id: int):
    admin = _admin()
    if not ActionForm().validate_on_submit():
        abort(400)
    action = request.form.get("action")
    try:
        if action == "discard":
            quarantine.discard(quarantine_id, actor_id=admin.id)
            flash(_("Message %(id)s discarded.", id=quarantine_id), "success")
        elif action in ("reprocess", "trust"):
            outcome, detail = quarantine.reprocess(quarantine_id, force=action == "trust", actor_id=admin.id)
            if outcome == "processed":
                flash(_("Message %(id)s was processed.", id=quarantine_id), "success")
            else:
                flash(_("Message %(id)s is still quarantined: %(detail)s", id=quarantine_id, detail=detail),
                      "warning")
        else:
            abort(400)
    except LookupError:
        flash(_("That message is no longer in quarantine."), "warning")
    return redirect(url_for("mail_admin.quarantine_list"))
