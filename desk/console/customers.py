"""Customer pages: a search list, and one customer's card, tickets and full timeline."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from desk.console import bp, queries
from desk.console.helpers import error_message
from desk.errors import DeskError, NotFound
from desk.extensions import db
from desk.services import customers

PAGE_SIZE = 50


def _agent():
    return current_user._get_current_object()


@bp.get("/customers")
@login_required
def customer_list():
    agent = _agent()
    q = (request.args.get("q") or "").strip()[:200]
    try:
        rows, next_cursor = customers.search(db.session, q or None, cursor=request.args.get("cursor"),
                                             limit=PAGE_SIZE)
    except DeskError as exc:
        flash(error_message(exc), "error")
        rows, next_cursor = [], None
    # Agents see the customers of the tickets they may see.
    visible = queries.visible_customer_ids(agent, [c.id for c in rows])
    rows = [c for c in rows if c.id in visible]
    return render_template("console/customers.html", rows=rows, next_cursor=next_cursor, q=q,
                           totals=queries.ticket_totals([c.id for c in rows]))


@bp.get("/customers/<int:customer_id>")
@login_required
def customer(customer_id: int):
    agent = _agent()
    try:
        found = customers.get(db.session, customer_id)
    except NotFound:
        abort(404)
    if found.merged_into_id:
        return redirect(url_for(".customer", customer_id=found.merged_into_id))
    if not queries.can_view_customer(agent, found):
        abort(404)
    cursor = request.args.get("cursor")
    try:
        page = queries.timeline_page(found, agent, cursor=cursor)
    except DeskError as exc:
        flash(error_message(exc), "error")
        return redirect(url_for(".customer", customer_id=found.id))
    return render_template(
        "console/customer.html", customer=found, timeline=page, cursor=cursor,
        counts=customers.ticket_counts(db.session, found),
        customer_tickets=queries.customer_tickets(found, agent),
    )
