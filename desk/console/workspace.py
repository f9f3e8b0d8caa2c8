"""The agent's workspace around the ticket list and ticket page: notifications, macros, saved
views, the SLA panel, @mentions in notes."""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select

from desk.console import queries
from desk.console.helpers import error_message
from desk.errors import DeskError
from desk.extensions import db
from desk.i18n import gettext as _
from desk.models import Macro, SavedView, TicketSla, utcnow
from desk.services import MAX_ID, macros, notifications, sla, tickets

bp = Blueprint("desk_workspace", __name__)
MAX_VIEWS = 20
VIEW_PARAMS = ("status", "queue", "channel", "assignee", "q")


class CsrfForm(FlaskForm):
    """Only the CSRF token."""


def _agent():
    return current_user._get_current_object()


def _json_error(status: int, code: str, message: str):
    return jsonify({"error": {"code": code, "message": message}}), status


# -- notifications ----------------------------------------------------------------------------

@bp.get("/notifications")
@login_required
def notifications_fragment():
    rows = notifications.recent(_agent().id)
    return render_template("console/_notification_list.html", rows=rows)


@bp.post("/notifications/read")
@login_required
def notifications_read():
    if not CsrfForm().validate_on_submit():
        return _json_error(400, "csrf_failed", "the form expired; reload the page")
    notifications.mark_read(_agent().id)
    return jsonify({"unread": 0})


# -- macros -----------------------------------------------------------------------------------

@bp.get("/tickets/<int:number>/macros/<int:macro_id>")
@login_required
def macro_preview(number: int, macro_id: int):
    """The macro's text filled in for this ticket, and what it will change (for the composer)."""
    agent = _agent()
    ticket = queries.ticket_by_number(agent, number)
    macro = db.session.get(Macro, macro_id) if 0 < macro_id <= MAX_ID else None
    if macro is None or not macro.active:
        return _json_error(404, "not_found", "no such macro")
    changes = macros.changes_for(macro, ticket)
    return jsonify({"id": macro.id, "text": macros.render(macro.body, ticket, agent), "changes": changes,
                    "summary": _describe(changes)})


def _describe(changes: dict) -> str:
    """What a macro will change, as the agent reads it: ``상태: 대기 중 · 태그: 배송``."""
    from desk.console.helpers import label
    from desk.models import Queue

    parts = []
    if "status" in changes:
        parts.append(_("Status: %(value)s", value=label("status", changes["status"])))
    if "priority" in changes:
        parts.append(_("Priority: %(value)s", value=label("priority", changes["priority"])))
    if "queue" in changes:
        queue = db.session.get(Queue, changes["queue"])
        parts.append(_("Queue: %(value)s", value=queue.name if queue else changes["queue"]))
    if "tags" in changes:
        parts.append(_("Tags: %(value)s", value=", ".join(changes["tags"])))
    return " · ".join(parts)


def apply_after_reply(ticket_id: int, agent, form) -> None:
    """Called by the reply route once a reply or note is saved: the chosen macro's ticket changes,
    and notifications for the people @mentioned in a note."""
    raw = (form.get("macro_id") or "").strip()
    if raw.isdigit() and 0 < int(raw) <= MAX_ID:
        macro = db.session.get(Macro, int(raw))
        ticket = tickets.find(db.session, ticket_id)
        if macro is not None and macro.active:
            changes = macros.changes_for(macro, ticket)
            changes.pop("status", None) if form.get("status") else None  # the composer's choice wins
            if changes:
                try:
                    tickets.update(ticket_id, changes, actor=agent)
                except DeskError as exc:
                    flash(error_message(exc), "warning")
    if form.get("kind") == "note":
        body = form.get("body") or ""
        with db.write() as session:
            ticket = tickets.find(session, ticket_id)
            people = [p.id for p in notifications.mentioned_agents(session, body)
                      if queries_can_view(p, ticket)]
            notifications.notify(session, people, "mention", ticket=ticket, actor_id=agent.id,
                                 text=f"#{ticket.number}: {body.strip()[:180]}")


def changed_since_opened(ticket, form) -> bool:
    """The reply form carries the ticket version the agent saw; a newer one means someone (or the
    customer) changed the ticket meanwhile. The page shown again carries the new version, so
    sending a second time goes through."""
    raw = (form.get("seen_version") or "").strip()
    return raw.isdigit() and int(raw) < ticket.version


def queries_can_view(agent, ticket) -> bool:
    from desk.services import access

    return access.can_view_ticket(agent, ticket)


# -- saved views ------------------------------------------------------------------------------

def saved_views(agent_id: int) -> list[SavedView]:
    return list(db.session.scalars(select(SavedView).where(SavedView.agent_id == agent_id)
                                   .order_by(SavedView.name)))


@bp.post("/views")
@login_required
def save_view():
    agent = _agent()
    if not CsrfForm().validate_on_submit():
        abort(400)
    name = (request.form.get("name") or "").strip()[:80]
    params = {k: (request.form.get(k) or "").strip()[:200] for k in VIEW_PARAMS}
    params = {k: v for k, v in params.items() if v}
    if not name:
        flash(_("Give the view a name."), "error")
    elif len(saved_views(agent.id)) >= MAX_VIEWS:
        flash(_("You can keep at most %(n)s views.", n=MAX_VIEWS), "error")
    else:
        with db.write() as session:
            session.add(SavedView(agent_id=agent.id, name=name, params=params, created_at=utcnow()))
        flash(_("View “%(name)s” saved.", name=name), "success")
    return redirect(url_for("console.index", **params))


@bp.post("/views/<int:view_id>/delete")
@login_required
def delete_view(view_id: int):
    agent = _agent()
    if not CsrfForm().validate_on_submit():
        abort(400)
    with db.write() as session:
        view = session.get(SavedView, view_id) if 0 < view_id <= MAX_ID else None
        if view is None or view.agent_id != agent.id:
            abort(404)
        session.delete(view)
    flash(_("View removed."), "success")
    return redirect(url_for("console.index"))


# -- template helpers -------------------------------------------------------------------------

@bp.app_context_processor
def _workspace_context():
    def notification_count() -> int:
        return notifications.unread_count(current_user.id) if current_user.is_authenticated else 0

    def sla_state(ticket):
        clock = db.session.get(TicketSla, ticket.id)
        return sla.describe(clock, ticket)

    def my_views():
        return saved_views(current_user.id) if current_user.is_authenticated else []

    def macro_list():
        return macros.available()

    return {"notification_count": notification_count, "sla_state": sla_state, "my_views": my_views,
            "macro_list": macro_list, "workspace_form": CsrfForm}


# -- live counts ------------------------------------------------------------------------------

@bp.get("/nav-counts")
@login_required
def nav_counts():
    """The sidebar's counts keyed by each link's URL, re-read by the page as tickets change."""
    agent = _agent()
    counts = queries.nav_counts(agent)
    out = {
        url_for("console.index", assignee="me"): counts["mine"],
        url_for("console.index", assignee="none"): counts["unassigned"],
        url_for("console.index"): counts["active"],
    }
    for status in ("new", "pending", "solved"):
        out[url_for("console.index", status=status)] = counts["status"].get(status, 0)
    for queue in queries.visible_queues(agent):
        out[url_for("console.index", queue=str(queue.id))] = counts["queues"].get(queue.id, 0)
    return jsonify({"counts": out, "notifications": notifications.unread_count(agent.id)})
