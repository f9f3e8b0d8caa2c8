"""Console pages for phone work: the callback queue, click-to-call, the dialer and campaigns.
Views parse the form, check the permission and call a service; the services own every rule."""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy import func, select

from desk.console import queries
from desk.console.helpers import error_message, safe_next
from desk.errors import DeskError
from desk.extensions import db
from desk.models import Callback, Campaign, CampaignContact, Interaction, Ticket, utcnow
from desk.models.phone import CALLBACK_OUTCOMES, CAMPAIGN_OUTCOMES
from desk.services import access, callbacks, calls, customers, dialer

bp = Blueprint("phone", __name__)


class ActionForm(FlaskForm):
    """The CSRF token; the fields are read from the form and checked by the services."""


class UploadForm(FlaskForm):
    file = FileField()


def _agent():
    return current_user._get_current_object()


def _back(default: str) -> str:
    return safe_next(request.form.get("next"), default=default)


def _checked() -> None:
    if not ActionForm().validate_on_submit():
        abort(400)


def phone_error(exc: DeskError) -> str:
    """A service error as a sentence for the agent, in their language."""
    by_code = {
        "outside_hours": _("It is outside this campaign's calling hours; nobody can be called now."),
        "campaign_inactive": _("This campaign is not active."),
        "do_not_call": _("This customer is on the do-not-call list and will not be called."),
        "call_in_progress": _("Your previous call is still being placed."),
        "taken": _("Someone else has taken this callback, or it is finished."),
        "ticket_closed": _("This ticket is closed."),
    }
    by_field = {
        "agent_phone": _("Add your own phone number first: desk rings it, then connects the customer."),
        "phone": _("That is not a valid phone number."),
        "outcome": _("Choose an outcome."),
        "reschedule_at": _("Choose a date and time in the next 60 days."),
        "callback_at": _("Choose a date and time in the next 60 days."),
        "preferred_time": _("Choose a date and time in the next 60 days."),
        "name": _("The campaign needs a name."),
        "hours": _("Calling hours must be HH:MM, the start before the end."),
        "weekdays": _("Choose at least one calling day."),
        "file": _("The file could not be read: %(reason)s", reason=exc.message),
    }
    if getattr(exc, "code", None) in by_code:
        return by_code[exc.code]
    if getattr(exc, "field", None) in by_field:
        return by_field[exc.field]
    if getattr(exc, "code", None) == "forbidden":
        return _("You cannot do that: %(reason)s", reason=exc.message)
    return error_message(exc)


def outcome_labels() -> dict[str, str]:
    return {"reached": _("Reached"), "no_answer": _("No answer"), "wrong_number": _("Wrong number"),
            "rescheduled": _("Rescheduled"), "interested": _("Interested"), "not_interested": _("Not interested"),
            "call_back_later": _("Call back later"), "do_not_call": _("Do not call")}


def call_status_labels() -> dict[str, str]:
    return {"queued": _("Placing the call"), "initiated": _("Dialling"), "ringing": _("Ringing"),
            "in-progress": _("In progress"), "answered": _("In progress"), "completed": _("Finished"),
            "busy": _("Busy"), "no-answer": _("No answer"), "failed": _("Failed"), "canceled": _("Cancelled"),
            "recorded": _("Recorded, not dialled")}


def reason_labels() -> dict[str, str]:
    return {"missing_phone": _("No phone number"), "invalid_phone": _("Not a valid phone number"),
            "duplicate": _("Same number earlier in the file"), "already_listed": _("Already on this campaign"),
            "dnc": _("On the do-not-call list"), "extra_columns": _("More cells than columns"),
            "too_many_rows": _("Too many rows; the rest was not read")}


@bp.app_context_processor
def _phone_context():
    def phone_nav() -> dict:
        if not (current_user and current_user.is_authenticated):
            return {}
        due = db.session.scalar(select(func.count()).select_from(Callback).join(Ticket, Ticket.id == Callback.ticket_id)
                                .where(Callback.status == "waiting", Callback.next_attempt_at <= utcnow(),
                                       access.ticket_scope(current_user))) or 0
        return {"callbacks_due": due}

    return {"phone_nav": phone_nav, "outcome_labels": outcome_labels, "call_status_labels": call_status_labels,
            "reason_labels": reason_labels,
            "manual_outcomes": calls.MANUAL_OUTCOMES, "twilio_live": calls.twilio_live,
            "is_dnc": calls.is_dnc}


@bp.app_template_filter("sms_segments")
def _sms_segments(text):
    from channels.twilio.phone import segments

    return segments(text or "")


# -- click-to-call -------------------------------------------------------------------------------

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


def _calling() -> None:
    flash(_("Calling: your phone rings first, then the customer's.") if calls.twilio_live()
          else _("The call is on the timeline (recorded: Twilio is not configured, nothing was dialled)."), "success")


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


# -- callbacks -----------------------------------------------------------------------------------

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


# -- dialer (agents) -----------------------------------------------------------------------------

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
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    contact = db.session.scalar(select(CampaignContact).where(
        CampaignContact.campaign_id == campaign.id, CampaignContact.status == "in_progress",
        CampaignContact.claimed_by_id == agent.id).limit(1))
    timeline = queries.timeline_page(contact.customer, agent) if contact else None
    last_call = None
    if contact and contact.ticket_id:
        last_call = db.session.scalar(select(Interaction).where(
            Interaction.ticket_id == contact.ticket_id, Interaction.channel == "voice",
            Interaction.author_agent_id == agent.id).order_by(Interaction.id.desc()).limit(1))
    return render_template("twilio/dialer.html", campaign=campaign, contact=contact, timeline=timeline,
                           script=dialer.render_script(campaign, contact, agent) if contact else "",
                           outcomes=CAMPAIGN_OUTCOMES, form=ActionForm(), in_hours=dialer.in_hours(campaign),
                           last_call=last_call, stats=dialer.stats(db.session, campaign),
                           customer_counts=customers.ticket_counts(db.session, contact.customer) if contact else {})


@bp.post("/dialer/<int:campaign_id>/next")
@login_required
def dialer_next(campaign_id: int):
    _checked()
    try:
        if dialer.next_contact(_agent(), campaign_id) is None:
            flash(_("Nobody is due to be called on this campaign right now."), "success")
    except DeskError as exc:
        flash(phone_error(exc), "error")
    return redirect(url_for(".dialer_campaign", campaign_id=campaign_id))


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
    return redirect(url_for(".dialer_campaign", campaign_id=campaign_id))


# -- campaigns (supervisors) ------------------------------------------------------------------------

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
            max_attempts=_int(form.get("max_attempts"), 3), retry_minutes=_int(form.get("retry_minutes"), 120))
    except DeskError as exc:
        flash(phone_error(exc), "error")
        return redirect(url_for(".campaign_list"))
    return redirect(url_for(".campaign_detail", campaign_id=campaign.id))


def _int(raw, default: int) -> int:
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 7 else default


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
