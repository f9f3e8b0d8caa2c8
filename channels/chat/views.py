"""Pages: the standalone ``/chat`` page, an example site with the widget, the e-mail confirmation
link, and the agents' chat desk in the console."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import force_locale
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select

from channels.chat import service, strings
from desk.errors import DeskError
from desk.extensions import db, limiter
from desk.models import Agent, Customer, Interaction, Queue, Ticket

bp = Blueprint("chat", __name__)


class ConfirmForm(FlaskForm):
    """Only the CSRF token: confirming is a POST, so a mail scanner opening the link confirms nothing."""


@bp.get("/chat")
def page():
    return render_template("chat/page.html", desk_url=current_app.config["PUBLIC_URL"])


@bp.get("/chat/example")
def example():
    """A stand-in for a customer's website with the one-line widget embed."""
    return render_template("chat/example.html", desk_url=request.host_url.rstrip("/"))


@bp.route("/chat/confirm/<token>", methods=["GET", "POST"])
@limiter.limit("20 per minute")
def confirm(token: str):
    form = ConfirmForm()
    done = False
    error = None
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            service.confirm_email(token)
            done = True
        except DeskError as exc:
            error = exc.message
    return render_template("chat/confirm.html", form=form, done=done, error=error), (422 if error else 200)


@bp.get("/chat/desk")
@login_required
def desk():
    queues = db.session.scalars(select(Queue).order_by(Queue.name)).all()
    agents = db.session.scalars(select(Agent).where(Agent.active.is_(True)).order_by(Agent.name)).all()
    return render_template("console/chat_desk.html", queues=queues, agents=agents,
                           canned=strings.canned_replies(), desk_strings=strings.desk_strings())


@bp.get("/chat/desk/<int:chat_id>/timeline")
@login_required
def timeline(chat_id: int):
    """The customer's latest interactions on every channel, shown beside the chat."""
    try:
        cs = service.get_for_agent(current_user, chat_id)
    except DeskError:
        abort(404)
    customer = db.session.get(Customer, cs.customer_id)
    while customer is not None and customer.merged_into_id:
        customer = db.session.get(Customer, customer.merged_into_id)
    entries = db.session.scalars(
        select(Interaction).where(Interaction.customer_id == customer.id, Interaction.direction != "internal")
        .order_by(Interaction.id.desc()).limit(15)).all()
    tickets = {t.id: t for t in db.session.scalars(
        select(Ticket).where(Ticket.id.in_({e.ticket_id for e in entries} or {0})))}
    return render_template("console/chat_timeline.html", customer=customer, entries=entries, tickets=tickets,
                           chat=cs)


def widget_strings(locale: str | None) -> dict:
    locale = locale if locale in current_app.config["LANGUAGES"] else current_app.config["LOCALE"]
    with force_locale(locale):
        return strings.widget_strings()


@bp.app_context_processor
def _chat_nav():
    """The console layout shows the Chats link (and loads the chat script) when this channel is loaded."""
    return {"chat_nav": True}
