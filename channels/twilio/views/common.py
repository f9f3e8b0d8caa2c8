"""What every phone page shares: the blueprint, the forms, the agent's error sentences and labels,
and what the templates get (the callbacks-due count, outcome and status labels, SMS segments)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, request
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy import func, select

from desk.console.helpers import error_message, safe_next
from desk.errors import DeskError
from desk.extensions import db
from desk.i18n import gettext as _
from desk.models import Callback, Ticket, utcnow
from desk.services import access, calls

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
        "timezone": _("Unknown time zone: use a name such as Asia/Seoul."),
        "max_attempts": _("Attempts per customer must be a whole number from 1 to 10."),
        "retry_minutes": _("Minutes between attempts must be a whole number from 5 to 10080 (7 days)."),
        "script": _("The script can be at most 20,000 characters long."),
        "file": _("The file could not be read: %(reason)s", reason=exc.message),
        "q": _("Type part of a name, email or phone number (letters or digits), or choose a language: "
               "an empty filter does not add every customer."),
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


def _calling() -> None:
    flash(_("Calling: your phone rings first, then the customer's.") if calls.twilio_live()
          else _("The call is on the timeline (recorded: Twilio is not configured, nothing was dialled)."), "success")
