"""Signing in and out, and the ticket list (the agent's queues)."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from desk.console import bp, queries
from desk.console.forms import LoginForm, LogoutForm
from desk.console.helpers import error_message, safe_next
from desk.errors import DeskError
from desk.extensions import db, limiter
from desk.i18n import gettext as _
from desk.models import CHANNELS, OPEN_STATUSES, STATUSES
from desk.services import auth, tickets

PAGE_SIZE = 50
# The status filter: named views over the ticket statuses; no parameter means "unsolved".
STATUS_VIEWS = {"active": ",".join(OPEN_STATUSES), **{s: s for s in STATUSES}, "all": None}
LIST_CHANNELS = [c for c in CHANNELS if c != "note"]


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _keep_locale_and_clear() -> None:
    """Start a fresh session (no fixation), keeping only the language the person chose."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next"), default="")
    error = None
    status = 200
    if form.validate_on_submit():
        agent = auth.authenticate(form.email.data, form.password.data, ip=request.remote_addr)
        if agent is not None:
            target = safe_next(form.next.data)
            _keep_locale_and_clear()
            login_user(agent)
            return redirect(target)
        error = _("That email and password do not match an active account.")
        status = 401
    elif request.method == "POST":
        status = 422
    form.password.data = ""
    return render_template("console/login.html", form=form, error=error), status


@bp.post("/logout")
def logout():
    form = LogoutForm()
    if form.validate_on_submit():
        logout_user()
        _keep_locale_and_clear()
        flash(_("You have signed out."), "success")
    return redirect(url_for("console.login"))


class Filters:
    """The ticket list's GET parameters, checked against what this agent may choose."""

    def __init__(self, args, agent) -> None:
        self.status = args.get("status") if args.get("status") in STATUS_VIEWS else "active"
        self.queue = args.get("queue", "") if args.get("queue", "").isdigit() else ""
        self.channel = args.get("channel") if args.get("channel") in LIST_CHANNELS else ""
        assignee = args.get("assignee", "")
        if assignee in ("me", "none") or (assignee.isdigit() and agent.has_role("supervisor")):
            self.assignee = assignee
        else:
            self.assignee = ""
        self.q = (args.get("q") or "").strip()[:200]
        self.cursor = args.get("cursor") or None

    @property
    def active(self) -> bool:
        """Anything beyond the default view is set (the "clear filters" link shows)."""
        return bool(self.status != "active" or self.queue or self.channel or self.assignee or self.q)

    def params(self, **changes) -> dict:
        base = {"status": None if self.status == "active" else self.status, "queue": self.queue or None,
                "channel": self.channel or None, "assignee": self.assignee or None, "q": self.q or None}
        base.update(changes)
        return {k: v for k, v in base.items() if v not in (None, "")}


def _view_title(filters: Filters, queues) -> str:
    if filters.q:
        return _("Search results")
    if filters.assignee == "me" and filters.status == "active":
        return _("My open tickets")
    if filters.assignee == "none" and filters.status == "active":
        return _("Unassigned tickets")
    if filters.queue:
        for queue in queues:
            if str(queue.id) == filters.queue:
                return queue.name
    titles = {"active": _("Unsolved tickets"), "all": _("All tickets"), "new": _("New tickets"),
              "open": _("Open tickets"), "pending": _("Pending tickets"), "solved": _("Solved tickets"),
              "closed": _("Closed tickets")}
    return titles[filters.status]


@bp.get("/")
@login_required
def index():
    agent = current_user._get_current_object()
    filters = Filters(request.args, agent)
    queues = queries.visible_queues(agent)
    try:
        rows, next_cursor = tickets.list_tickets(
            db.session, agent, status=STATUS_VIEWS[filters.status], queue=filters.queue or None,
            channel=filters.channel or None, assignee=filters.assignee or None, q=filters.q or None,
            cursor=filters.cursor, limit=PAGE_SIZE, contacts=False)
    except DeskError as exc:
        flash(error_message(exc), "error")
        rows, next_cursor = [], None
    people = queries.assignable_agents(agent) if agent.has_role("supervisor") else []
    return render_template(
        "console/queue.html", rows=rows, next_cursor=next_cursor, filters=filters, queues=queues,
        people=people, channels=LIST_CHANNELS, status_views=list(STATUS_VIEWS),
        title=_view_title(filters, queues),
    )


@bp.app_context_processor
def _shell_context():
    """What the page shell needs: the navigation counts (computed only when a page asks)."""
    def nav():
        if not current_user.is_authenticated:
            return None
        agent = current_user._get_current_object()
        return {"counts": queries.nav_counts(agent), "queues": queries.visible_queues(agent)}

    def nav_is_current(params: dict) -> bool:
        if request.endpoint != "console.index":
            return False
        here = {k: v for k, v in request.args.items() if k != "cursor" and v}
        return here == {k: str(v) for k, v in params.items()}

    return {"nav": nav, "nav_is_current": nav_is_current, "logout_form": LogoutForm,
            "admin_links": current_app.extensions.get("desk_admin_links", [])}
