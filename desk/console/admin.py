"""Admin pages: queues and routing, agents (invite, role, skills, capacity, chats at once, queues), SLA
policies, business hours and holidays, macros, and the audit log (channels: admin_channels.py). Admins
only; everyone else gets 403."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from desk.console.helpers import error_message
from desk.errors import DeskError, Invalid
from desk.extensions import db
from desk.i18n import gettext as _
from desk.models import (PRIORITIES, ROLES, STATUSES, Agent, AgentSettings, AuditLog, BusinessCalendar, Macro,
                         Queue, QueueSettings, SlaPolicy)
from desk.models.routing import ROUTING_MODES
from desk.services import MAX_ID, auth, business_hours, console_admin
from desk.services.assignment import DEFAULT_CAPACITY
from desk.services.tickets import decode_cursor, encode_cursor

bp = Blueprint("desk_admin", __name__, url_prefix="/admin")
AUDIT_PAGE = 50
WEEKDAYS = range(7)


class CsrfForm(FlaskForm):
    """Only the CSRF token; fields are read from the request."""


def _admin() -> Agent:
    if not current_user.has_role("admin"):
        abort(403)
    return current_user._get_current_object()


def _posted() -> Agent:
    admin = _admin()
    if not CsrfForm().validate_on_submit():
        abort(400, description=_("The form expired; reload the page and try again."))
    return admin


def _id(raw) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() and 0 < int(raw) <= MAX_ID else None


def _done(endpoint: str, message: str, **values):
    flash(message, "success")
    return redirect(url_for(endpoint, **values))


def _failed(endpoint: str, exc: DeskError, **values):
    db.session.rollback()
    flash(error_message(exc), "error")
    return redirect(url_for(endpoint, **values))


def routing_labels() -> dict[str, str]:
    return {"manual": _("Manual"), "round_robin": _("Round-robin"), "least_loaded": _("Least loaded")}


def weekday_labels() -> list[str]:
    return [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]


@bp.get("/")
@login_required
def index():
    _admin()
    return redirect(url_for(".queues"))


# -- queues -----------------------------------------------------------------------------------

@bp.get("/queues")
@login_required
def queues():
    _admin()
    rows = list(db.session.scalars(select(Queue).order_by(Queue.name)))
    settings = {s.queue_id: s for s in db.session.scalars(select(QueueSettings))}
    calendars = list(db.session.scalars(select(BusinessCalendar).order_by(BusinessCalendar.name)))
    return render_template("console/admin/queues.html", rows=rows, settings=settings, calendars=calendars,
                           modes=ROUTING_MODES, mode_labels=routing_labels(), form=CsrfForm(), tab="queues")


@bp.post("/queues")
@login_required
def create_queue():
    admin = _posted()
    try:
        console_admin.create_queue(request.form.get("slug"), request.form.get("name"), actor_id=admin.id)
    except DeskError as exc:
        return _failed(".queues", exc)
    return _done(".queues", _("Queue created."))


@bp.post("/queues/<int:queue_id>")
@login_required
def save_queue(queue_id: int):
    admin = _posted()
    try:
        console_admin.save_queue(queue_id, routing=request.form.get("routing", "manual"),
                                 skill=request.form.get("skill"), calendar_id=_id(request.form.get("calendar")),
                                 reassign_offline=request.form.get("reassign_offline") == "1", actor_id=admin.id)
    except DeskError as exc:
        return _failed(".queues", exc)
    return _done(".queues", _("Queue settings saved."))


# -- agents -----------------------------------------------------------------------------------

@bp.get("/agents")
@login_required
def agents():
    _admin()
    rows = list(db.session.scalars(select(Agent).order_by(Agent.active.desc(), Agent.name, Agent.id)
                                   .options(selectinload(Agent.queues))))
    capacity = dict(db.session.execute(select(AgentSettings.agent_id, AgentSettings.capacity)).all())
    all_queues = list(db.session.scalars(select(Queue).order_by(Queue.name)))
    return render_template("console/admin/agents.html", rows=rows, capacity=capacity, default_capacity=DEFAULT_CAPACITY,
                           max_chats=console_admin.MAX_CHATS, queues=all_queues, roles=ROLES, form=CsrfForm(),
                           tab="agents")


@bp.post("/agents")
@login_required
def invite_agent():
    """Create a staff account; the new person sets a password through ``create-user`` or an admin."""
    admin = _posted()
    try:
        password = request.form.get("password") or None
        auth.create_agent(request.form.get("email") or "", role=request.form.get("role", "agent"),
                          name=(request.form.get("name") or "").strip()[:200], password=password,
                          queues=[q.slug for q in db.session.scalars(select(Queue).where(
                              Queue.id.in_([i for i in map(_id, request.form.getlist("queues")) if i] or [-1])))],
                          actor_id=admin.id)
    except DeskError as exc:
        return _failed(".agents", exc)
    return _done(".agents", _("Agent added."))


@bp.post("/agents/<int:agent_id>")
@login_required
def save_agent(agent_id: int):
    admin = _posted()
    raw_capacity = (request.form.get("capacity") or "").strip()
    raw_chats = (request.form.get("chat_capacity") or "").strip()  # left out of the form: unchanged
    chats = None if not raw_chats else int(raw_chats) if raw_chats.isdigit() and len(raw_chats) <= 3 else -1
    try:
        console_admin.save_agent(
            agent_id, role=request.form.get("role", ""),
            skills=(request.form.get("skills") or "").replace("，", ",").split(","),
            capacity=int(raw_capacity) if raw_capacity.isdigit() else -1,
            chat_capacity=chats,
            queue_ids=[i for i in map(_id, request.form.getlist("queues")) if i],
            active=request.form.get("active") == "1", actor_id=admin.id)
    except DeskError as exc:
        return _failed(".agents", exc)
    return _done(".agents", _("Agent saved."))


# -- SLA policies -----------------------------------------------------------------------------

@bp.get("/sla")
@login_required
def sla():
    _admin()
    rows = list(db.session.scalars(select(SlaPolicy).order_by(SlaPolicy.position, SlaPolicy.name)))
    all_queues = list(db.session.scalars(select(Queue).order_by(Queue.name)))
    return render_template("console/admin/sla.html", rows=rows, queues=all_queues, priorities=PRIORITIES,
                           queue_names={q.id: q.name for q in all_queues}, form=CsrfForm(), tab="sla")


@bp.post("/sla")
@bp.post("/sla/<int:policy_id>")
@login_required
def save_policy(policy_id: int | None = None):
    admin = _posted()
    f = request.form
    try:
        if f.get("action") == "delete" and policy_id:
            console_admin.delete_policy(policy_id, actor_id=admin.id)
            return _done(".sla", _("Policy deleted."))
        console_admin.save_policy(
            policy_id, name=f.get("name"), queue_id=_id(f.get("queue")), priority=f.get("priority") or None,
            segment=f.get("segment"), first_response=f.get("first_response"), next_response=f.get("next_response"),
            resolution=f.get("resolution"), warn_minutes=f.get("warn_minutes"),
            escalate_priority=f.get("escalate_priority") == "1", notify_supervisors=f.get("notify_supervisors") == "1",
            active=f.get("active", "1") == "1", actor_id=admin.id)
    except DeskError as exc:
        return _failed(".sla", exc)
    return _done(".sla", _("Policy saved."))


# -- business hours ---------------------------------------------------------------------------

@bp.get("/hours")
@login_required
def hours():
    _admin()
    calendars = list(db.session.scalars(select(BusinessCalendar).order_by(BusinessCalendar.is_default.desc(),
                                                                          BusinessCalendar.name)))
    return render_template("console/admin/hours.html", calendars=calendars, weekdays=weekday_labels(),
                           day_form=business_hours.day_form,
                           years=sorted(business_hours.KOREAN_HOLIDAYS), form=CsrfForm(), tab="hours")


def _hours_from_form(form) -> dict:
    if form.get("always_open") == "1":
        return {str(day): [] for day in WEEKDAYS}  # no opening hours: every hour counts
    hours = {}
    for day in WEEKDAYS:
        if form.get(f"open_{day}") != "1":
            hours[str(day)] = []
            continue
        try:
            hours[str(day)] = business_hours.day_spans(
                (form.get(f"start_{day}") or "09:00").strip(), (form.get(f"end_{day}") or "18:00").strip(),
                (form.get(f"break_start_{day}") or "").strip(), (form.get(f"break_end_{day}") or "").strip())
        except Invalid as exc:
            problem = {"break_incomplete": _("give the break a start and an end, or leave both empty"),
                       "break_outside": _("the break must start and end within the opening hours")}
            raise Invalid(_("%(day)s: %(problem)s.", day=weekday_labels()[day],
                            problem=problem.get(exc.code, _("times look like 09:00"))), field="hours") from None
    return hours


@bp.post("/hours")
@bp.post("/hours/<int:calendar_id>")
@login_required
def save_calendar(calendar_id: int | None = None):
    admin = _posted()
    f = request.form
    try:
        console_admin.save_calendar(calendar_id, name=f.get("name"), timezone=(f.get("timezone") or "").strip(),
                                    hours=_hours_from_form(f), is_default=f.get("is_default") == "1",
                                    actor_id=admin.id)
    except DeskError as exc:
        return _failed(".hours", exc)
    return _done(".hours", _("Business hours saved."))


@bp.post("/hours/<int:calendar_id>/holidays")
@login_required
def add_holiday(calendar_id: int):
    admin = _posted()
    f = request.form
    try:
        if f.get("year"):
            year = int(f["year"]) if f["year"].isdigit() else 0
            added = console_admin.add_holidays(calendar_id, business_hours.korean_holidays(year), actor_id=admin.id)
            return _done(".hours", _("%(n)s public holidays added.", n=added))
        try:
            day = date.fromisoformat((f.get("day") or "").strip())
        except ValueError:
            flash(_("Enter the holiday's date."), "error")
            return redirect(url_for(".hours"))
        console_admin.add_holidays(calendar_id, [(day, (f.get("name") or "").strip())], actor_id=admin.id)
    except DeskError as exc:
        return _failed(".hours", exc)
    return _done(".hours", _("Holiday added."))


@bp.post("/holidays/<int:holiday_id>/delete")
@login_required
def delete_holiday(holiday_id: int):
    admin = _posted()
    try:
        console_admin.delete_holiday(holiday_id, actor_id=admin.id)
    except DeskError as exc:
        return _failed(".hours", exc)
    return _done(".hours", _("Holiday removed."))


# -- macros -----------------------------------------------------------------------------------

@bp.get("/macros")
@login_required
def macros():
    _admin()
    rows = list(db.session.scalars(select(Macro).order_by(Macro.name)))
    all_queues = list(db.session.scalars(select(Queue).order_by(Queue.name)))
    return render_template("console/admin/macros.html", rows=rows, queues=all_queues, statuses=STATUSES,
                           priorities=PRIORITIES, queue_names={q.id: q.name for q in all_queues}, form=CsrfForm(),
                           tab="macros")


@bp.post("/macros")
@bp.post("/macros/<int:macro_id>")
@login_required
def save_macro(macro_id: int | None = None):
    admin = _posted()
    f = request.form
    try:
        if f.get("action") == "delete" and macro_id:
            console_admin.delete_macro(macro_id, actor_id=admin.id)
            return _done(".macros", _("Macro deleted."))
        console_admin.save_macro(macro_id, name=f.get("name"), body=f.get("body"), set_status=f.get("set_status"),
                                 set_priority=f.get("set_priority"), set_queue_id=_id(f.get("set_queue")),
                                 add_tags=(f.get("add_tags") or "").split(","), active=f.get("active", "1") == "1",
                                 actor_id=admin.id)
    except DeskError as exc:
        return _failed(".macros", exc)
    return _done(".macros", _("Macro saved."))


# -- audit log --------------------------------------------------------------------------------

@bp.get("/audit")
@login_required
def audit():
    _admin()
    action = (request.args.get("action") or "").strip()[:64]
    stmt = select(AuditLog).order_by(AuditLog.id.desc())
    if action:
        stmt = stmt.where(AuditLog.action == action)
    try:
        after = decode_cursor(request.args.get("cursor"))
    except DeskError:
        after = None
    if after is not None:
        stmt = stmt.where(AuditLog.id < after)
    rows = list(db.session.scalars(stmt.limit(AUDIT_PAGE + 1)))
    next_cursor = encode_cursor(rows[AUDIT_PAGE - 1].id) if len(rows) > AUDIT_PAGE else None
    people = {a.id: a.display_name for a in db.session.scalars(
        select(Agent).where(Agent.id.in_({r.actor_agent_id for r in rows if r.actor_agent_id} or {-1})))}
    return render_template("console/admin/audit.html", rows=rows[:AUDIT_PAGE], next_cursor=next_cursor,
                           action=action, people=people, tab="audit")
