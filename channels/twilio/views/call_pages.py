"""Click-to-call from a ticket or a customer, the outcome of a call, and the agent's own phone number."""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import login_required

from channels.twilio.views.common import _agent, _back, _calling, _checked, bp, phone_error
from desk.errors import DeskError
from desk.i18n import gettext as _
from desk.services import calls


@bp.post("/calls")
@login_required
def click_to_call():
    _checked()
    agent = _agent()
    ticket_id = request.form.get("ticket_id", "")
    customer_id = request.form.get("customer_id", "")
    try:
        calls.click_to_call(agent, ticket_id=int(ticket_id) if ticket_id.isdigit() else None,
                            customer_id=int(customer_id) if customer_id.isdigit() else None)
        _calling()
    except DeskError as exc:
        flash(phone_error(exc), "error")
    return redirect(_back(url_for("console.index")))


@bp.post("/calls/<int:interaction_id>/outcome")
@login_required
def call_outcome(interaction_id: int):
    _checked()
    try:
        calls.record_outcome(_agent(), interaction_id, request.form.get("outcome", ""),
                             request.form.get("notes", ""))
        flash(_("Call outcome saved."), "success")
    except DeskError as exc:
        flash(phone_error(exc), "error")
    return redirect(_back(url_for("console.index")))


@bp.post("/me/phone")
@login_required
def my_phone():
    _checked()
    try:
        calls.set_agent_phone(_agent(), request.form.get("phone", ""))
        flash(_("Your phone number is saved; calls ring it first."), "success")
    except DeskError as exc:
        flash(phone_error(exc), "error")
    return redirect(_back(url_for("phone.callback_queue")))
