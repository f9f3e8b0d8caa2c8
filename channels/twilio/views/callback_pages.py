"""The callback queue: the list, taking the next or a given callback, calling, the outcome, release."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import login_required

from channels.twilio.views.common import ActionForm, _agent, _calling, _checked, bp, phone_error
from desk.console import queries
from desk.errors import DeskError
from desk.extensions import db
from desk.i18n import gettext as _
from desk.models import utcnow
from desk.models.phone import CALLBACK_OUTCOMES
from desk.services import callbacks, customers


@bp.get("/callbacks")
@login_required
def callback_queue():
    agent = _agent()
    lists = callbacks.queue(db.session, agent)
    mine = next((c for c in lists["in_progress"] if c.claimed_by_id == agent.id), None)
    return render_template("twilio/callbacks.html", lists=lists, mine=mine, form=ActionForm(), now=utcnow())


@bp.post("/callbacks/next")
@login_required
def callback_next():
    _checked()
    callback = callbacks.take_next(_agent())
    if callback is None:
        flash(_("No callback is due right now."), "success")
        return redirect(url_for(".callback_queue"))
    return redirect(url_for(".callback_work", callback_id=callback.id))


@bp.post("/callbacks/<int:callback_id>/take")
@login_required
def callback_take(callback_id: int):
    _checked()
    try:
        callbacks.take(_agent(), callback_id)
    except DeskError as exc:
        flash(phone_error(exc), "error")
        return redirect(url_for(".callback_queue"))
    return redirect(url_for(".callback_work", callback_id=callback_id))


@bp.get("/callbacks/<int:callback_id>")
@login_required
def callback_work(callback_id: int):
    agent = _agent()
    try:
        callback = callbacks.get(db.session, agent, callback_id)
    except DeskError:
        abort(404)
    timeline = queries.timeline_page(callback.customer, agent)
    return render_template("twilio/callback.html", callback=callback, customer=callback.customer,
                           ticket=callback.ticket, timeline=timeline, form=ActionForm(),
                           last_call=callbacks.last_call(db.session, callback) if callback.status == "in_progress" else None,
                           position=callbacks.position(db.session, callback), outcomes=CALLBACK_OUTCOMES,
                           customer_counts=customers.ticket_counts(db.session, callback.customer))


@bp.post("/callbacks/<int:callback_id>/call")
@login_required
def callback_call(callback_id: int):
    _checked()
    try:
        callbacks.call(_agent(), callback_id)
        _calling()
    except DeskError as exc:
        flash(phone_error(exc), "error")
    return redirect(url_for(".callback_work", callback_id=callback_id))


@bp.post("/callbacks/<int:callback_id>/outcome")
@login_required
def callback_outcome(callback_id: int):
    _checked()
    try:
        callback = callbacks.record_outcome(_agent(), callback_id, request.form.get("outcome", ""),
                                            notes=request.form.get("notes", ""),
                                            reschedule_at=request.form.get("reschedule_at") or None)
    except DeskError as exc:
        flash(phone_error(exc), "error")
        return redirect(url_for(".callback_work", callback_id=callback_id))
    messages = {"done": _("Callback finished."), "waiting": _("The callback is back in line for another try."),
                "unreached": _("Last attempt: the customer is told by message that we could not reach them.")}
    flash(messages.get(callback.status, _("Saved.")), "success")
    return redirect(url_for(".callback_queue"))


@bp.post("/callbacks/<int:callback_id>/release")
@login_required
def callback_release(callback_id: int):
    _checked()
    try:
        callbacks.release(_agent(), callback_id)
        flash(_("The callback is back in line."), "success")
    except DeskError as exc:
        flash(phone_error(exc), "error")
    return redirect(url_for(".callback_queue"))
