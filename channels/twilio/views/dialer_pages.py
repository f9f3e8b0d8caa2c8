"""The dialer, for agents: active campaigns, the claimed customer with the script, call, outcome, skip."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import login_required

from channels.twilio.views.common import ActionForm, _agent, _calling, _checked, bp, phone_error
from desk.console import queries
from desk.errors import DeskError
from desk.extensions import db
from desk.i18n import gettext as _
from desk.models import CampaignContact
from desk.models.phone import CAMPAIGN_OUTCOMES
from desk.services import customers, dialer


@bp.get("/dialer")
@login_required
def dialer_home():
    active = dialer.active_campaigns(db.session)
    return render_template("twilio/dialer_home.html", campaigns=active,
                           stats={c.id: dialer.stats(db.session, c) for c in active},
                           in_hours={c.id: dialer.in_hours(c) for c in active})


@bp.get("/dialer/<int:campaign_id>")
@login_required
def dialer_campaign(campaign_id: int):
    agent = _agent()
    try:
        campaign = dialer.dialer_campaign(db.session, agent, campaign_id)
    except DeskError:
        abort(404)  # a draft or paused campaign looks the same as a missing one to an agent
    contact = dialer.held_contact(db.session, agent, campaign.id)
    timeline = queries.timeline_page(contact.customer, agent) if contact else None
    return render_template("twilio/dialer.html", campaign=campaign, contact=contact, timeline=timeline,
                           script=dialer.render_script(campaign, contact, agent) if contact else "",
                           outcomes=CAMPAIGN_OUTCOMES, form=ActionForm(), in_hours=dialer.in_hours(campaign),
                           last_call=dialer.last_call(db.session, agent, contact) if contact else None,
                           stats=dialer.stats(db.session, campaign),
                           customer_counts=customers.ticket_counts(db.session, contact.customer) if contact else {})


@bp.post("/dialer/<int:campaign_id>/next")
@login_required
def dialer_next(campaign_id: int):
    _checked()
    agent = _agent()
    if not _workable(agent, campaign_id):
        flash(_("This campaign is not open for calling."), "error")
        return redirect(url_for(".dialer_home"))
    try:
        if dialer.next_contact(agent, campaign_id) is None:
            flash(_("Nobody is due to be called on this campaign right now."), "success")
    except DeskError as exc:
        flash(phone_error(exc), "error")
    return _back_to(agent, campaign_id)


def _workable(agent, campaign_id: int) -> bool:
    try:
        dialer.dialer_campaign(db.session, agent, campaign_id)
    except DeskError:
        return False
    return True


def _back_to(agent, campaign_id: int):
    """Back to the campaign's dialer, or to the dialer's list once the agent may no longer see it
    (paused while they held a customer, and that customer is now saved or skipped)."""
    db.session.expire_all()
    if _workable(agent, campaign_id):
        return redirect(url_for(".dialer_campaign", campaign_id=campaign_id))
    return redirect(url_for(".dialer_home"))


@bp.post("/dialer/contacts/<int:contact_id>/<action>")
@login_required
def dialer_action(contact_id: int, action: str):
    _checked()
    contact = db.session.get(CampaignContact, contact_id)
    if contact is None:
        abort(404)
    campaign_id = contact.campaign_id
    agent = _agent()
    try:
        if action == "call":
            dialer.call(agent, contact_id)
            _calling()
        elif action == "outcome":
            dialer.record_outcome(agent, contact_id, request.form.get("outcome", ""),
                                  notes=request.form.get("notes", ""),
                                  callback_at=request.form.get("callback_at") or None)
            flash(_("Outcome saved."), "success")
        elif action == "skip":
            dialer.skip(agent, contact_id)
        else:
            abort(404)
    except DeskError as exc:
        flash(phone_error(exc), "error")
    return _back_to(agent, campaign_id)
