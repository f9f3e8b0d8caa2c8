"""The ticket page: properties, the customer's whole cross-channel timeline, the reply composer,
and the timeline fragments the page loads live."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from desk.console import bp, queries, workspace
from desk.console.forms import reply_form, ticket_form
from desk.console.helpers import channel_labels, error_message
from desk.errors import DeskError
from desk.extensions import db
from desk.i18n import gettext as _
from desk.models import Interaction
from desk.services import MAX_ID, access, customers, intake, replies, tickets

# The newest entries of the customer's timeline on the ticket page; older ones load on demand.
# Rendering is most of the page's cost: 25 keeps it within 100 ms on a million tickets.
TICKET_TIMELINE = 25


def _agent():
    return current_user._get_current_object()


def _render(ticket, *, props=None, composer=None, status: int = 200):
    agent = _agent()
    customer = ticket.customer
    page = queries.timeline_page(customer, agent, limit=TICKET_TIMELINE, oldest_first=True)
    props = props or ticket_form(ticket, agent, queries.visible_queues(agent),
                                 queries.assignable_agents(agent, ticket))
    composer = composer or reply_form(ticket)
    return render_template(
        "console/ticket.html", ticket=ticket, customer=customer, timeline=page, props=props,
        composer=composer, counts=customers.ticket_counts(db.session, customer),
        other_tickets=queries.customer_tickets(customer, agent, limit=20),
    ), status


@bp.get("/tickets/<int:number>")
@login_required
def ticket(number: int):
    return _render(queries.ticket_by_number(_agent(), number))


@bp.post("/tickets/<int:number>/update")
@login_required
def update_ticket(number: int):
    agent = _agent()
    ticket = queries.ticket_by_number(agent, number)
    form = ticket_form(ticket, agent, queries.visible_queues(agent), queries.assignable_agents(agent, ticket),
                       formdata=request.form)
    if not form.validate():
        flash(_("Those ticket settings are not valid; the page shows the current ones."), "error")
        return redirect(url_for(".ticket", number=number))
    current = {"status": ticket.status, "priority": ticket.priority, "queue": str(ticket.queue_id or ""),
               "assignee": str(ticket.assignee_id or "")}
    submitted = {"status": form.status.data, "priority": form.priority.data, "queue": form.queue.data,
                 "assignee": form.assignee.data}
    changes = {key: value for key, value in submitted.items() if value != current[key]}
    if "queue" in changes:
        changes["queue"] = int(changes["queue"])
    if "assignee" in changes:
        changes["assignee"] = int(changes["assignee"]) if changes["assignee"] else None
    if not changes:
        flash(_("Nothing to change."), "info")
        return redirect(url_for(".ticket", number=number))
    try:
        tickets.update(ticket.id, changes, actor=agent, expected_version=form.version.data)
    except DeskError as exc:
        flash(error_message(exc), "warning" if exc.code == "stale" else "error")
    else:
        flash(_("Ticket updated."), "success")
    return redirect(url_for(".ticket", number=number))


@bp.post("/tickets/<int:number>/reply")
@login_required
def reply(number: int):
    agent = _agent()
    ticket = queries.ticket_by_number(agent, number)
    form = reply_form(ticket, formdata=request.form)
    if not form.validate():
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "error")
        return _render(ticket, composer=form, status=422)
    internal = form.kind.data == "note"
    key = form.draft_key(agent)
    channel = "note" if internal else (form.channel.data or "email")
    done = intake.stored(channel, key) if key else None
    if done is not None:
        if done.ticket_id == ticket.id and done.interaction["text"] == (form.body.data or "").strip():
            # this very form was sent before: show what it made
            return _sent(number, done.interaction_id, channel)
        key = None  # an old page (the browser's back button) with new words: a new reply
    if not internal and workspace.changed_since_opened(ticket, request.form):
        flash(_("This ticket changed after you opened it (a new message or an update). Check the timeline; "
                "your reply is kept below. Send it again to confirm."), "warning")
        return _render(ticket, composer=form, status=409)
    try:
        interaction, new = replies.send_once(ticket.id, actor=agent, body=form.body.data,
                                             channel=None if internal else form.channel.data, internal=internal,
                                             status=form.status.data or None, external_id=key)
    except DeskError as exc:
        flash(error_message(exc), "error")
        db.session.rollback()
        ticket = queries.ticket_by_number(agent, number)
        return _render(ticket, composer=form, status=exc.status)
    if new:
        workspace.apply_after_reply(ticket.id, agent, request.form)  # macro changes, @mention notifications
    return _sent(number, interaction.id, interaction.channel)


def _sent(number: int, interaction_id: int, channel: str):
    if channel == "note":
        flash(_("Internal note added."), "success")
    else:
        flash(_("Reply queued for delivery by %(channel)s.", channel=channel_labels()[channel]), "success")
    return redirect(url_for(".ticket", number=number, _anchor=f"i-{interaction_id}"))


@bp.get("/tickets/<int:number>/interactions/<int:interaction_id>")
@login_required
def interaction_fragment(number: int, interaction_id: int):
    """One timeline entry, rendered as on the ticket page (for live updates)."""
    agent = _agent()
    ticket = queries.ticket_by_number(agent, number)
    entry = db.session.get(Interaction, interaction_id) if 0 < interaction_id <= MAX_ID else None
    if entry is None or entry.customer_id != ticket.customer_id:
        abort(404)
    owner = entry.ticket
    if not access.can_view_ticket(agent, owner):
        abort(404)
    return render_template("console/_timeline_items.html", entries=[entry], tickets={owner.id: owner},
                           ticket=ticket, customer=ticket.customer)


@bp.get("/tickets/<int:number>/timeline")
@login_required
def timeline_fragment(number: int):
    """Older entries (``?cursor=``) or the newest ones (no cursor), oldest first, as HTML."""
    agent = _agent()
    ticket = queries.ticket_by_number(agent, number)
    try:
        page = queries.timeline_page(ticket.customer, agent, cursor=request.args.get("cursor"),
                                     limit=TICKET_TIMELINE, oldest_first=True)
    except DeskError:
        abort(400)
    return render_template("console/_timeline_items.html", entries=page.entries, tickets=page.tickets,
                           ticket=ticket, customer=ticket.customer, next_cursor=page.next_cursor,
                           with_more=True)
