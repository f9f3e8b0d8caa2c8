"""The public help center: home, categories, articles (with "was this helpful?"), search, and
the contact form that suggests articles as the customer types and counts what it deflected."""
from __future__ import annotations

import uuid

from flask import (abort, current_app, flash, redirect, render_template, request, session, url_for)
from sqlalchemy import select

from channels.base import InboundAttachment, InboundMessage
from desk.errors import DeskError, Invalid
from desk.extensions import db, limiter
from desk.i18n import gettext as _
from desk.models import KbArticle
from desk.portal import bp
from desk.portal.forms import MAX_FILE_BYTES, MAX_FILES, ContactForm, FeedbackForm
from desk.services import identity, intake
from knowledge import articles, service

PAGE_SIZE = 10
VISIT_KEY = "kb_visit"


def _limit(name: str, default: str):
    return lambda: current_app.config.get(name, default)


def _categories():
    return articles.categories(db.session)


def _popular(locale: str, limit: int = 8, category_id: int | None = None):
    stmt = select(KbArticle).where(KbArticle.status == "published", KbArticle.locale == locale)
    if category_id:
        stmt = stmt.where(KbArticle.category_id == category_id)
    return list(db.session.scalars(stmt.order_by((KbArticle.views + KbArticle.helpful_yes * 5).desc(),
                                                 KbArticle.id).limit(limit)))


def callbacks_available() -> bool:
    """The phone-callback request (another piece of desk) is offered once its API route exists."""
    return any(rule.rule == "/api/v1/callbacks" for rule in current_app.url_map.iter_rules())


@bp.app_context_processor
def _portal_context():
    return {"article_url": lambda a: url_for("portal.article", locale=a.locale, article_id=a.id,
                                               slug=a.slug or "article")}


@bp.get("/")
def root():
    best = request.accept_languages.best_match(current_app.config["LANGUAGES"]) or current_app.config["LOCALE"]
    return redirect(url_for(".home", locale=session.get("locale") or best))


@bp.get("/<locale>/")
def home(locale: str):
    return render_template("portal/home.html", locale=locale, categories=_categories(),
                           popular=_popular(locale))


@bp.get("/<locale>/categories/<int:category_id>-<slug>")
def category(locale: str, category_id: int, slug: str):
    found = articles.category_by_key(db.session, category_id) if category_id < 2**31 else None
    if found is None:
        abort(404)
    if slug != found.slug:
        return redirect(url_for(".category", locale=locale, category_id=found.id, slug=found.slug), 301)
    return render_template("portal/category.html", locale=locale, category=found, categories=_categories(),
                           items=_popular(locale, limit=100, category_id=found.id))


@bp.errorhandler(Invalid)
def _invalid(exc):
    return render_template("error.html", status=404, message=exc.message), 404


@bp.get("/<locale>/articles/<int:article_id>")
@bp.get("/<locale>/articles/<int:article_id>-<slug>")
def article(locale: str, article_id: int, slug: str | None = None):
    try:
        found = articles.published(db.session, article_id)
    except DeskError:
        abort(404)
    if found.locale != locale or slug != found.slug:
        return redirect(url_for(".article", locale=found.locale, article_id=found.id, slug=found.slug), 301)
    if request.args.get("from") == "contact" and session.get(VISIT_KEY):
        articles.record_deflection(session[VISIT_KEY], found.id, request.args.get("q", ""))
    articles.count_view(found.id)
    related = [h for h in service.find(found.title, locale=locale, limit=6).hits if h.id != found.id][:5]
    return render_template("portal/article.html", locale=locale, article=found, categories=_categories(),
                           related=related, translations=articles.translations(db.session, found),
                           feedback=FeedbackForm(), voted=found.id in session.get("kb_voted", []))


@bp.post("/<locale>/articles/<int:article_id>/feedback")
@limiter.limit(_limit("KB_FEEDBACK_RATE_LIMIT", "20 per minute"))
def feedback(locale: str, article_id: int):
    form = FeedbackForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        found = articles.published(db.session, article_id)
    except DeskError:
        abort(404)
    voted = session.get("kb_voted", [])
    if found.id not in voted:
        articles.vote(found.id, form.helpful.data == "yes", form.comment.data or "")
        session["kb_voted"] = (voted + [found.id])[-200:]
    flash(_("Thank you for your feedback."), "success")
    return redirect(url_for(".article", locale=locale, article_id=found.id, slug=found.slug, _anchor="feedback"))


@bp.get("/<locale>/search")
@limiter.limit(_limit("KB_SEARCH_RATE_LIMIT", "60 per minute"))
def search(locale: str):
    q = service.normalize_query(request.args.get("q"))
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and 0 < int(page) <= 50 else 1
    category_key = request.args.get("category") or ""
    category_id = int(category_key) if category_key.isdigit() and int(category_key) < 2**31 else None
    results = service.find(q, locale=locale, category_id=category_id, limit=PAGE_SIZE,
                           offset=(page - 1) * PAGE_SIZE) if q else None
    return render_template("portal/search.html", locale=locale, q=q, results=results, page=page,
                           page_size=PAGE_SIZE, categories=_categories(), category_id=category_id)


@bp.route("/<locale>/contact", methods=["GET", "POST"])
@limiter.limit(_limit("PORTAL_CONTACT_RATE_LIMIT", "5 per minute"), methods=["POST"])
def contact(locale: str):
    form = ContactForm()
    if request.method == "GET":
        session.setdefault(VISIT_KEY, articles.new_visit())
        form.nonce.data = str(uuid.uuid4())
        return render_template("portal/contact.html", locale=locale, form=form, categories=_categories(),
                               callbacks=callbacks_available())
    status = 422
    if form.validate_on_submit():
        try:
            email = identity.normalize("email", form.email.data)
            files = _attachments(request.files.getlist(form.attachments.name))
            ticket, _interaction = intake.receive(InboundMessage(
                channel="web", external_id=f"contact:{_uuid(form.nonce.data)}", sender=email, sender_kind="email",
                sender_name=(form.name.data or "").strip() or None, subject=form.subject.data.strip(),
                text=form.message.data.strip(), attachments=files, meta={"via": "help_center", "locale": locale}))
        except Invalid as exc:
            form.errors.setdefault(exc.field or "message", []).append(
                _("That does not look like an email address.") if exc.field == "email" else exc.message)
        else:
            with db.write() as write_session:
                articles.mark_contacted(write_session, session.pop(VISIT_KEY, None))
            session["contact_sent"] = ticket.number
            return redirect(url_for(".contact_sent", locale=locale))
    return render_template("portal/contact.html", locale=locale, form=form, categories=_categories(),
                           callbacks=callbacks_available()), status


def _uuid(value) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return str(uuid.uuid4())


def _attachments(files) -> tuple[InboundAttachment, ...]:
    files = [f for f in files if f and f.filename]
    if len(files) > MAX_FILES:
        raise Invalid(_("Attach at most %(n)s files.", n=MAX_FILES), field="attachments")
    out = []
    for f in files:
        data = f.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise Invalid(_("Each file may be at most %(mb)s MB.", mb=MAX_FILE_BYTES // (1024 * 1024)),
                          field="attachments")
        out.append(InboundAttachment(filename=f.filename[:200], content_type=f.mimetype or "application/octet-stream",
                                     data=data))
    return tuple(out)


@bp.get("/<locale>/contact/sent")
def contact_sent(locale: str):
    number = session.get("contact_sent")
    if number is None:
        return redirect(url_for(".contact", locale=locale))
    return render_template("portal/contact_sent.html", locale=locale, number=number, categories=_categories())
