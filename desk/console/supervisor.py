"""Supervisor pages: the live floor and reports (with CSV and XLSX exports)."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request
from flask_login import current_user, login_required

from desk.console.helpers import channel_labels, error_message
from desk.errors import DeskError
from desk.extensions import db
from desk.i18n import gettext as _
from desk.models import CHANNELS, Agent, Queue, utcnow
from desk.services import charts, floor, reports

bp = Blueprint("supervisor", __name__, url_prefix="/supervisor")


def _supervisor() -> Agent:
    if not current_user.is_authenticated:
        abort(401)
    if not current_user.has_role("supervisor"):
        abort(403)
    return current_user._get_current_object()


@bp.get("/floor")
@login_required
def floor_page():
    _supervisor()
    return render_template("console/floor.html", floor=floor.summary(), labels=channel_labels(), now=utcnow())


@bp.get("/floor/live")
@login_required
def floor_fragment():
    """The floor's tables alone, re-read by the page when tickets change."""
    _supervisor()
    return render_template("console/_floor_tables.html", floor=floor.summary(), labels=channel_labels(),
                           now=utcnow())


@bp.get("/floor.json")
def floor_json():
    if not current_user.is_authenticated:
        return jsonify({"error": {"code": "unauthorized", "message": "sign in first"}}), 401
    if not current_user.has_role("supervisor"):
        return jsonify({"error": {"code": "forbidden", "message": "this needs the supervisor role"}}), 403
    return jsonify(floor.summary().as_dict())


def _report_inputs():
    _supervisor()
    today = utcnow().astimezone(floor_tz()).date()
    return reports.parse_filters(request.args, today)


def floor_tz():
    from zoneinfo import ZoneInfo

    return ZoneInfo(current_app.config.get("TIMEZONE") or "Asia/Seoul")


@bp.get("/reports")
@login_required
def reports_page():
    _supervisor()
    error = None
    try:
        filters = _report_inputs()
    except DeskError as exc:
        error = error_message(exc)
        filters = reports.parse_filters({}, utcnow().astimezone(floor_tz()).date())
    report = reports.build(filters, current_app.config.get("TIMEZONE") or "Asia/Seoul")
    labels = channel_labels()
    days = [d.strftime("%m-%d") for d in filters.days]
    volume = charts.stacked_bars(_("Tickets by channel per day"), days, [
        (labels.get(ch, ch), [report.by_day.get(d, {}).get(ch, 0) for d in filters.days]) for ch in report.channels])
    hourly = charts.bars(_("Tickets by hour of day"), [f"{h:02d}" for h in range(24)],
                         [report.by_hour[h] for h in range(24)])
    backlog = charts.line(_("Unsolved tickets at the end of each day"), days, [n for _, n in report.backlog])
    queues = list(db.session.query(Queue).order_by(Queue.name))
    agents = list(db.session.query(Agent).filter(Agent.active.is_(True)).order_by(Agent.name))
    return render_template("console/reports.html", report=report, filters=filters, error=error,
                           volume=volume, hourly=hourly, backlog_chart=backlog,
                           legend=charts.legend([labels.get(ch, ch) for ch in report.channels]),
                           queues=queues, agents=agents, channels=[c for c in CHANNELS if c != "note"],
                           labels=labels,
                           ), 422 if error else 200


def export_labels() -> dict:
    return {
        "day": _("Day"), "total": _("Total"), "hour": _("Hour"), "tickets": _("Tickets"),
        "measure": _("Measure"), "count": _("Count"), "median_h": _("Median (hours)"), "p90_h": _("90th percentile (hours)"),
        "first_response": _("First response"), "resolution": _("Resolution"),
        "sla_compliance": _("SLA compliance (%)"), "agent": _("Agent"), "assigned": _("Assigned"),
        "solved": _("Solved"), "frt_median_h": _("First response median (hours)"),
        "res_median_h": _("Resolution median (hours)"), "breached": _("SLA breached"), "backlog": _("Unsolved"),
        "sheet_volume": _("Volume"), "sheet_hours": _("By hour"), "sheet_times": _("Times and SLA"),
        "sheet_agents": _("Agents"), "sheet_backlog": _("Backlog"),
        "csat_average": _("CSAT (average of 1-5)"), "csat_satisfied": _("CSAT satisfied (4-5, %)"),
    }


@bp.get("/reports/export.<fmt>")
@login_required
def reports_export(fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    try:
        filters = _report_inputs()
    except DeskError as exc:
        return Response(error_message(exc), status=422, mimetype="text/plain")
    report = reports.build(filters, current_app.config.get("TIMEZONE") or "Asia/Seoul")
    labels = channel_labels()
    tables = reports.rows(report, export_labels())
    for table in tables.values():  # channel names as the agent reads them
        table[0] = [labels.get(c, c) if isinstance(c, str) else c for c in table[0]]
    name = f"desk-report-{filters.start.isoformat()}-{filters.end.isoformat()}.{fmt}"
    if fmt == "csv":
        body, mimetype = reports.to_csv(tables), "text/csv; charset=utf-8"
    else:
        body, mimetype = reports.to_xlsx(tables), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.app_template_filter("hours")
def _hours(seconds) -> str:
    if seconds is None:
        return "—"
    seconds = float(seconds)
    if seconds < 3600:
        return _("%(n)s min", n=int(round(seconds / 60)))
    if seconds < 86400 * 2:
        return _("%(n)s h", n=f"{seconds / 3600:.1f}")
    return _("%(n)s days", n=f"{seconds / 86400:.1f}")


@bp.app_template_filter("waited")
def _waited(since: datetime | None) -> str:
    if since is None:
        return "—"
    return _hours((utcnow() - since).total_seconds())
