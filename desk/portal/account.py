"""The customer portal: sign in with a magic link, "my requests" (this customer's tickets
across every channel and nothing else), read and answer a thread, close it, and rate it."""
from __future__ import annotations

import functools
import uuid

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for

from desk.errors import DeskError, Invalid
from desk.extensions import db, limiter
from desk.i18n import gettext as _
from desk.models import Ticket
from desk.portal import bp, csat, customers
from desk.portal.forms import ConfirmForm, CsatForm, PortalReplyForm, SignInForm
from desk.portal.views import _attachments

SESSION_KEY = "portal_customer"


def _limit(name: str, default: str):
    return lambda: current_app.config.get(name, default)


def signed_in(view):
    @functools.wraps(view)
    def wrapped(**kwargs):
        customer = customers.current_customer(session.get(SESSION_KEY))
        if customer is None:
            session.pop(SESSION_KEY, None)
            return redirect(url_for(".sign_in", locale=kwargs.get("locale", "ko")))
        g.customer = customer
        return view(**kwargs)

    return wrapped


@bp.after_request
def _private(response):
    if request.endpoint and request.endpoint.startswith("portal.portal_"):
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<locale>/portal/sign-in", methods=["GET", "POST"], endpoint="sign_in")
@limiter.limit(_limit("PORTAL_LOGIN_RATE_LIMIT", "5 per minute"), methods=["POST"])
def sign_in(locale: str):
    form = SignInForm()
    if form.validate_on_submit():
        def link_for(token: str) -> str:
            return current_app.config["PUBLIC_URL"] + url_for(".portal_link", locale=locale, token=token)

        try:
            customers.request_link(form.email.data, locale, link_for)
        except DeskError:
            pass  # the same answer whether or not we know the address
        return render_template("portal/sign_in_sent.html", locale=locale, email=form.email.data), 200
    return render_template("portal/sign_in.html", locale=locale, form=form), 422 if request.method == "POST" else 200


@bp.route("/<locale>/portal/link/<token>", methods=["GET", "POST"])
def portal_link(locale: str, token: str):
    """GET shows a button; only the POST uses the link up (mail scanners that open links must
    not spend it)."""
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            customer_id = customers.consume_link(token)
        except Invalid as exc:
            return render_template("portal/link_invalid.html", locale=locale, code=exc.code), 400
        locale_choice = session.get("locale")
        session.clear()  # a fresh session: no fixation
        if locale_choice:
            session["locale"] = locale_choice
        session[SESSION_KEY] = customer_id
        return redirect(url_for(".portal_requests", locale=locale))
    return render_template("portal/link_confirm.html", locale=locale, form=form, token=token)


@bp.post("/<locale>/portal/sign-out")
def portal_sign_out(locale: str):
    if ConfirmForm().validate_on_submit():
        session.pop(SESSION_KEY, None)
        flash(_("You have signed out."), "success")
    return redirect(url_for(".home", locale=locale))


@bp.get("/<locale>/portal/requests")
@signed_in
def portal_requests(locale: str):
    items = customers.my_tickets(g.customer)
    return render_template("portal/requests.html", locale=locale, items=items, customer=g.customer,
                           signout=ConfirmForm())


def _own(number: int):
    try:
        return customers.my_ticket(g.customer, number)
    except DeskError:
        abort(404)


@bp.get("/<locale>/portal/requests/<int:number>")
@signed_in
def portal_request(locale: str, number: int):
    ticket = _own(number)
    return _render_request(locale, ticket)


def _render_request(locale, ticket, *, reply_form=None, csat_form=None, status=200):
    reply_form = reply_form or PortalReplyForm(formdata=None)
    if not reply_form.nonce.data:
        reply_form.nonce.data = str(uuid.uuid4())
    survey = csat.for_ticket(ticket.id)
    return render_template("portal/request.html", locale=locale, ticket=ticket, entries=customers.thread(ticket),
                           customer=g.customer, reply_form=reply_form, csat_form=csat_form or CsatForm(formdata=None),
                           survey=survey, can_rate=csat.can_answer(ticket), confirm=ConfirmForm(),
                           signout=ConfirmForm()), status


@bp.post("/<locale>/portal/requests/<int:number>/reply")
@limiter.limit(_limit("PORTAL_REPLY_RATE_LIMIT", "20 per minute"))
@signed_in
def portal_reply(locale: str, number: int):
    ticket = _own(number)
    form = PortalReplyForm()
    if not form.validate_on_submit():
        return _render_request(locale, ticket, reply_form=form, status=422)
    try:
        files = _attachments(request.files.getlist(form.attachments.name))
        interaction = customers.reply(g.customer, ticket, form.body.data, form.nonce.data, files)
    except DeskError as exc:
        form.body.errors = list(form.body.errors) + [_("This request is closed; send a new one instead.")
                                                     if exc.code == "ticket_closed" else exc.message]
        return _render_request(locale, ticket, reply_form=form, status=exc.status)
    flash(_("Your message has been sent."), "success")
    return redirect(url_for(".portal_request", locale=locale, number=number, _anchor=f"m-{interaction.id}"))


@bp.post("/<locale>/portal/requests/<int:number>/close")
@signed_in
def portal_close(locale: str, number: int):
    ticket = _own(number)
    if ConfirmForm().validate_on_submit():
        customers.close(g.customer, ticket)
        flash(_("The request is closed. Thank you!"), "success")
    return redirect(url_for(".portal_request", locale=locale, number=number))


@bp.post("/<locale>/portal/requests/<int:number>/csat")
@signed_in
def portal_csat(locale: str, number: int):
    ticket = _own(number)
    form = CsatForm()
    if not form.validate_on_submit():
        return _render_request(locale, ticket, csat_form=form, status=422)
    try:
        csat.answer(ticket.id, g.customer.id, form.score.data, form.comment.data or "")
    except Invalid as exc:
        form.score.errors = [exc.message]
        return _render_request(locale, ticket, csat_form=form, status=422)
    flash(_("Thank you for rating our help."), "success")
    return redirect(url_for(".portal_request", locale=locale, number=number, _anchor="csat"))


@bp.route("/<locale>/csat/<token>", methods=["GET", "POST"])
@limiter.limit(_limit("PORTAL_CSAT_RATE_LIMIT", "20 per minute"), methods=["POST"])
def csat_link(locale: str, token: str):
    """The survey from the mail: the signed link names the ticket and its customer."""
    try:
        ticket_id, customer_id = csat.read_token(token)
    except DeskError:
        abort(404)
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None or ticket.customer_id != customer_id:
        abort(404)
    form = CsatForm()
    survey = csat.for_ticket(ticket.id)
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                survey = csat.answer(ticket.id, customer_id, form.score.data, form.comment.data or "")
            except Invalid as exc:
                form.score.errors = [exc.message]
            else:
                return render_template("portal/csat.html", locale=locale, ticket=ticket, form=form, survey=survey,
                                       thanks=True)
        return render_template("portal/csat.html", locale=locale, ticket=ticket, form=form, survey=survey,
                               thanks=False), 422
    if survey is not None and survey.score:
        form.score.data = str(survey.score)
        form.comment.data = survey.comment
    return render_template("portal/csat.html", locale=locale, ticket=ticket, form=form, survey=survey, thanks=False)
