"""The ticket page's "Linked tickets" card: merge into another ticket, link and unlink related
tickets, and split a customer's message off into a ticket of its own."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select

from desk.console import queries
from desk.errors import DeskError
from desk.extensions import db
from desk.i18n import gettext as _
from desk.models import Ticket
from desk.services import MAX_ID, access, ticket_links

bp = Blueprint("desk_ticket_links", __name__)


class CsrfForm(FlaskForm):
    """Only the CSRF token."""


def _agent():
    return current_user._get_current_object()


@bp.app_context_processor
def _helpers():
    def linked_tickets(ticket):
        return ticket_links.links_of(db.session, ticket, _agent())

    return {"linked_tickets": linked_tickets}


def _message(exc: DeskError) -> str:
    known = {
        "already_merged": _("This ticket was already merged into another ticket."),
        "target_merged": _("That ticket was merged into another one; merge into that one instead."),
        "target_closed": _("That ticket is closed; nothing can be merged into it."),
        "ticket_closed": _("This ticket is closed; it cannot be merged or split."),
        "different_customers": _("The tickets belong to different customers. Tick the confirmation to merge "
                                 "them anyway, or merge the two customers first if they are the same person."),
        "only_interaction": _("This is the only message of the ticket; there is nothing to split it from."),
        "stale": _("That message moved to another ticket meanwhile. Check the timeline and try again."),
        "not_found": _("There is no such ticket, or it is not yours to see."),
    }
    if exc.code in known:
        return known[exc.code]
    if exc.field == "into":
        return _("A ticket cannot be merged into itself.")
    if exc.field == "ticket":
        return _("A ticket cannot be linked to itself.")
    if exc.field == "interaction":
        return _("Only a message from the customer can be split into a new ticket.")
    return _("That did not work; the page shows the current state.")


def _other(agent, raw: str | None) -> Ticket | None:
    """The ticket whose number the agent typed ("1234" or "#1234"), if the agent may see it."""
    value = (raw or "").strip().lstrip("#").strip()
    if not (value.isascii() and value.isdigit() and len(value) <= 10) or not 0 < int(value) <= MAX_ID:
        return None
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == int(value)))
    return ticket if ticket is not None and access.can_view_ticket(agent, ticket) else None


def _back(number: int, anchor: str | None = None):
    return redirect(url_for("console.ticket", number=number, _anchor=anchor))


def _checked() -> bool:
    if CsrfForm().validate_on_submit():
        return True
    flash(_("The form expired; please try again."), "error")
    return False


@bp.post("/tickets/<int:number>/merge")
@login_required
def merge(number: int):
    agent = _agent()
    ticket = queries.ticket_by_number(agent, number)
    if not _checked():
        return _back(number)
    target = _other(agent, request.form.get("into"))
    if target is None:
        flash(_("There is no ticket #%(number)s you can see.", number=(request.form.get("into") or "").strip()[:20]),
              "error")
        return _back(number)
    try:
        ticket_links.merge(ticket.id, target.id, agent, across_customers=request.form.get("confirm") == "1")
    except DeskError as exc:
        flash(_message(exc), "error")
        return _back(number)
    flash(_("Ticket #%(number)s was merged into #%(other)s.", number=ticket.number, other=target.number), "success")
    return _back(target.number)


@bp.post("/tickets/<int:number>/links")
@login_required
def link(number: int):
    agent = _agent()
    ticket = queries.ticket_by_number(agent, number)
    if not _checked():
        return _back(number)
    other = _other(agent, request.form.get("ticket"))
    if other is None:
        flash(_("There is no ticket #%(number)s you can see.", number=(request.form.get("ticket") or "").strip()[:20]),
              "error")
        return _back(number)
    try:
        created = ticket_links.link(ticket.id, other.id, agent)
    except DeskError as exc:
        flash(_message(exc), "error")
        return _back(number)
    if created:
        flash(_("Linked with ticket #%(number)s.", number=other.number), "success")
    else:
        flash(_("Ticket #%(number)s was already linked.", number=other.number), "info")
    return _back(number)


@bp.post("/tickets/<int:number>/links/<int:other_number>/delete")
@login_required
def unlink(number: int, other_number: int):
    agent = _agent()
    ticket = queries.ticket_by_number(agent, number)
    other = queries.ticket_by_number(agent, other_number)
    if not _checked():
        return _back(number)
    if ticket_links.unlink(ticket.id, other.id, agent):
        flash(_("Link with ticket #%(number)s removed.", number=other.number), "success")
    else:
        flash(_("Ticket #%(number)s was not linked.", number=other.number), "info")
    return _back(number)


@bp.post("/tickets/<int:number>/interactions/<int:interaction_id>/split")
@login_required
def split(number: int, interaction_id: int):
    agent = _agent()
    ticket = queries.ticket_by_number(agent, number)
    if not _checked():
        return _back(number)
    try:
        new = ticket_links.split(interaction_id, agent)
    except DeskError as exc:
        flash(_message(exc), "error")
        return _back(number)
    flash(_("The message is now ticket #%(number)s.", number=new.number), "success")
    return _back(new.number)
