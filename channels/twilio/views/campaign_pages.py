"""Campaigns, for supervisors: the list, creating one, its page with live figures, adding contacts
(CSV upload or customer filter, with the import report) and starting or stopping it."""
from __future__ import annotations

import re

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select

from channels.twilio.views.common import ActionForm, UploadForm, _agent, _checked, bp, phone_error
from desk.errors import DeskError, Invalid
from desk.extensions import db
from desk.i18n import gettext as _
from desk.models import Campaign, CampaignContact
from desk.services import dialer


def _supervisor():
    agent = _agent()
    if not agent.has_role("supervisor"):
        abort(404)
    return agent


@bp.get("/campaigns")
@login_required
def campaign_list():
    _supervisor()
    rows = list(db.session.scalars(select(Campaign).order_by(Campaign.id.desc()).limit(200)))
    return render_template("twilio/campaigns.html", rows=rows, form=ActionForm(),
                           stats={c.id: dialer.stats(db.session, c) for c in rows})


@bp.post("/campaigns")
@login_required
def campaign_create():
    agent = _supervisor()
    _checked()
    form = request.form
    try:
        campaign = dialer.create(
            agent, name=form.get("name", ""), script=form.get("script", ""),
            hours_start=form.get("hours_start", "09:00"), hours_end=form.get("hours_end", "20:00"),
            weekdays=[int(d) for d in form.getlist("weekdays") if d.isdigit()],
            timezone=form.get("timezone") or "Asia/Seoul",
            max_attempts=_int(form, "max_attempts", 3), retry_minutes=_int(form, "retry_minutes", 120))
    except DeskError as exc:
        flash(phone_error(exc), "error")
        return redirect(url_for(".campaign_list"))
    return redirect(url_for(".campaign_detail", campaign_id=campaign.id))


def _int(form, field: str, default: int) -> int:
    """A whole number from the form; left empty, the default. Anything else ("abc", "2.5") is
    refused with the field's own message rather than quietly replaced by the default."""
    raw = (form.get(field) or "").strip()
    if not raw:
        return default
    if not re.fullmatch(r"-?\d{1,6}", raw):
        raise Invalid(f"{field} must be a whole number", field=field)
    return int(raw)


def _detail(campaign: Campaign, report=None, status: int = 200):
    contacts = list(db.session.scalars(select(CampaignContact).where(CampaignContact.campaign_id == campaign.id)
                                       .order_by(CampaignContact.updated_at.desc(), CampaignContact.id.desc()).limit(50)))
    return render_template("twilio/campaign.html", campaign=campaign, stats=dialer.stats(db.session, campaign),
                           contacts=contacts, report=report, form=ActionForm(), upload=UploadForm(),
                           in_hours=dialer.in_hours(campaign)), status


@bp.get("/campaigns/<int:campaign_id>")
@login_required
def campaign_detail(campaign_id: int):
    _supervisor()
    campaign = db.session.get(Campaign, campaign_id) or abort(404)
    return _detail(campaign)


@bp.get("/campaigns/<int:campaign_id>/stats")
@login_required
def campaign_stats(campaign_id: int):
    _supervisor()
    campaign = db.session.get(Campaign, campaign_id) or abort(404)
    return jsonify(dialer.stats(db.session, campaign))


@bp.post("/campaigns/<int:campaign_id>/upload")
@login_required
def campaign_upload(campaign_id: int):
    agent = _supervisor()
    upload = UploadForm()
    if not upload.validate_on_submit():
        abort(400)
    campaign = db.session.get(Campaign, campaign_id) or abort(404)
    file = request.files.get("file")
    if file is None or not file.filename:
        flash(_("Choose a CSV file first."), "error")
        return _detail(campaign, status=422)
    return _add_contacts(campaign, lambda: dialer.import_csv(agent, campaign.id,
                                                             file.read(dialer.MAX_CSV_BYTES + 1)))


@bp.post("/campaigns/<int:campaign_id>/add")
@login_required
def campaign_add(campaign_id: int):
    agent = _supervisor()
    _checked()
    campaign = db.session.get(Campaign, campaign_id) or abort(404)
    return _add_contacts(campaign, lambda: dialer.add_customers(
        agent, campaign.id, q=request.form.get("q", ""), locale=request.form.get("locale", "")))


def _add_contacts(campaign: Campaign, add):
    """Run ``add`` (a CSV import or a customer filter) and show the campaign with its report."""
    try:
        report = add()
    except DeskError as exc:
        flash(phone_error(exc), "error")
        return _detail(campaign, status=422)
    campaign_id = campaign.id
    db.session.expire_all()
    return _detail(db.session.get(Campaign, campaign_id), report=report)


@bp.post("/campaigns/<int:campaign_id>/status")
@login_required
def campaign_status(campaign_id: int):
    agent = _supervisor()
    _checked()
    try:
        dialer.set_status(agent, campaign_id, request.form.get("status", ""))
    except DeskError as exc:
        flash(phone_error(exc), "error")
    return redirect(url_for(".campaign_detail", campaign_id=campaign_id))
