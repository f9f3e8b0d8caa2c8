"""The console's knowledge-base pages: the article list with deflection figures, the editor with
a live preview and revision history, and what the ticket page shows (suggested articles, insert
a link, create an article from the ticket)."""
from __future__ import annotations

import re
from datetime import timedelta

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import HiddenField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import HiddenInput

from desk.errors import DeskError
from desk.extensions import db
from desk.i18n import gettext as _
from desk.i18n import lazy_gettext as _l
from desk.models import ARTICLE_STATUSES, Csat, Interaction, KbArticle, utcnow
from desk.services import access
from knowledge import articles, render, service

bp = Blueprint("kb", __name__, url_prefix="/kb")
PAGE_SIZE = 50


def status_labels() -> dict:
    return {"draft": _("Draft"), "published": _("Published"), "archived": _("Archived")}


def locale_labels() -> dict:
    return {"ko": _("Korean"), "en": _("English")}


class ArticleForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(_l("Give the article a title.")),
                                                 Length(max=articles.MAX_TITLE)])
    category = SelectField(_l("Category"), validate_choice=True)
    locale = SelectField(_l("Language"))
    status = SelectField(_l("Status"))
    tags = StringField(_l("Tags"), validators=[Optional(), Length(max=500)],
                       description=_l("Separate tags with commas."))
    body = TextAreaField(_l("Body (Markdown)"), validators=[Length(max=articles.MAX_BODY)])
    translation_of = IntegerField(_l("Translation of article #"), validators=[Optional()])
    source_ticket = HiddenField()
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])


class DeleteForm(FlaskForm):
    pass


CATEGORY_ICONS = ("layers", "inbox", "tag", "refresh", "lock", "chat", "user", "clock", "globe", "link", "flag",
                  "email", "voice", "campaign", "check-circle", "alert")


class CategoryForm(FlaskForm):
    slug = StringField(_l("Address name"), validators=[DataRequired(), Length(max=64)],
                       description=_l("Lower-case letters, digits and dashes; used in URLs."))
    name_ko = StringField(_l("Name (Korean)"), validators=[DataRequired(), Length(max=120)])
    name_en = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=120)])
    description_ko = StringField(_l("Description (Korean)"), validators=[Optional(), Length(max=300)])
    description_en = StringField(_l("Description (English)"), validators=[Optional(), Length(max=300)])
    icon = SelectField(_l("Icon"), choices=[SelectChoice(i, i) for i in CATEGORY_ICONS])
    position = IntegerField(_l("Order"), validators=[Optional()], default=0)


def _form(agent, article: KbArticle | None = None, formdata=None) -> ArticleForm:
    form = ArticleForm(formdata=formdata)
    form.category.choices = [SelectChoice("", "—")] + [SelectChoice(str(c.id), c.name("en" if _is_en() else "ko"))
                                                       for c in articles.categories(db.session)]
    form.locale.choices = [SelectChoice(k, v) for k, v in locale_labels().items()]
    allowed = ARTICLE_STATUSES if articles.can_publish(agent) else ("draft",)
    form.status.choices = [SelectChoice(s, status_labels()[s]) for s in allowed]
    if article is not None and formdata is None:
        form.title.data, form.body.data, form.locale.data = article.title, article.body, article.locale
        form.status.data, form.tags.data = article.status, ", ".join(article.tags or [])
        form.category.data = str(article.category_id or "")
        form.version.data = article.version
        if article.translation_group and article.translation_group != article.id:
            form.translation_of.data = article.translation_group
    return form


def _is_en() -> bool:
    from flask_babel import get_locale

    return str(get_locale()) == "en"


def _agent():
    return current_user._get_current_object()


@bp.before_request
@login_required
def _staff_only():
    if not articles.can_edit(_agent()):
        abort(403)


@bp.get("/")
def index():
    status = request.args.get("status") if request.args.get("status") in ARTICLE_STATUSES else ""
    locale = request.args.get("locale") if request.args.get("locale") in ("ko", "en") else ""
    q = (request.args.get("q") or "").strip()[:200]
    stmt = select(KbArticle)
    if status:
        stmt = stmt.where(KbArticle.status == status)
    if locale:
        stmt = stmt.where(KbArticle.locale == locale)
    if q:
        from desk.services.tickets import like_pattern

        stmt = stmt.where(KbArticle.title.ilike(like_pattern(q), escape="\\"))
    rows = list(db.session.scalars(stmt.order_by(KbArticle.updated_at.desc(), KbArticle.id.desc()).limit(PAGE_SIZE)))
    since = utcnow() - timedelta(days=30)
    csat_row = db.session.execute(select(func.avg(Csat.score), func.count(Csat.score))
                                  .where(Csat.answered_at >= since)).one()
    return render_template("kb/index.html", rows=rows, status=status, locale=locale, q=q,
                           statuses=status_labels(), locales=locale_labels(),
                           deflection=articles.deflection_stats(db.session, since),
                           csat={"average": csat_row[0], "count": csat_row[1]})


@bp.route("/new", methods=["GET", "POST"])
def new():
    agent = _agent()
    form = _form(agent, formdata=request.form if request.method == "POST" else None)
    if request.method == "GET":
        form.locale.data = "en" if _is_en() else "ko"
        number = request.args.get("ticket", "")
        if number.isdigit():
            _prefill_from_ticket(form, agent, int(number))
    elif form.validate_on_submit():
        try:
            article = articles.create(_values(form), actor=agent)
        except DeskError as exc:
            flash(exc.message, "error")
        else:
            flash(_("Article saved."), "success")
            return redirect(url_for(".edit", article_id=article.id))
    return render_template("kb/edit.html", form=form, article=None, revisions=[]), \
        (422 if request.method == "POST" else 200)


def _prefill_from_ticket(form: ArticleForm, agent, number: int) -> None:
    from desk.console import queries

    try:
        ticket = queries.ticket_by_number(agent, number)
    except Exception:  # noqa: BLE001  (not found or not visible: nothing to prefill)
        return
    entries = list(db.session.scalars(select(Interaction).where(
        Interaction.ticket_id == ticket.id, Interaction.direction != "internal").order_by(Interaction.id)))
    question = next((e.text for e in entries if e.direction == "inbound" and e.text), "")
    answer = next((e.text for e in reversed(entries) if e.direction == "outbound" and e.text), "")
    form.title.data = ticket.subject
    form.body.data = f"## {_('Question')}\n\n{question.strip()}\n\n## {_('Answer')}\n\n{answer.strip()}\n"
    form.source_ticket.data = str(ticket.id)


def _values(form: ArticleForm) -> dict:
    values = {"title": form.title.data, "body": form.body.data or "", "locale": form.locale.data,
              "status": form.status.data, "category": form.category.data or None,
              "tags": [t for t in (form.tags.data or "").split(",")]}
    if form.translation_of.data:
        values["translation_of"] = form.translation_of.data
    if form.source_ticket.data:
        values["source_ticket"] = form.source_ticket.data
    return values


@bp.route("/<int:article_id>/edit", methods=["GET", "POST"])
def edit(article_id: int):
    agent = _agent()
    try:
        article = articles.get(db.session, article_id)
    except DeskError:
        abort(404)
    form = _form(agent, article, formdata=request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate_on_submit():
        values = _values(form)
        if not form.translation_of.data:
            values.pop("translation_of", None)
        try:
            articles.update_article(article.id, values, actor=agent, expected_version=form.version.data)
        except DeskError as exc:
            flash(_("Someone changed this article after you opened it. Reload to see their version.")
                  if exc.code == "stale" else exc.message, "error")
        else:
            flash(_("Article saved."), "success")
            return redirect(url_for(".edit", article_id=article.id))
        status = 409
    else:
        status = 422 if request.method == "POST" else 200
    return render_template("kb/edit.html", form=form, article=article, delete_form=DeleteForm(),
                           revisions=articles.revisions(db.session, article),
                           can_delete=articles.can_publish(agent)), status


@bp.post("/<int:article_id>/delete")
def delete(article_id: int):
    if not DeleteForm().validate_on_submit():
        abort(400)
    try:
        articles.delete(article_id, actor=_agent())
    except DeskError as exc:
        flash(exc.message, "error")
        return redirect(url_for(".edit", article_id=article_id))
    flash(_("Article deleted."), "success")
    return redirect(url_for(".index"))


@bp.route("/categories", methods=["GET", "POST"])
def categories():
    """Help-center topics, their order and icons (supervisors and admins)."""
    if not articles.can_publish(_agent()):
        abort(403)
    form = CategoryForm()
    status = 200
    if request.method == "GET" and request.args.get("edit"):
        found = next((c for c in articles.categories(db.session) if c.slug == request.args["edit"]), None)
        if found is not None:
            form = CategoryForm(obj=found)
    elif request.method == "POST":
        slug = (form.slug.data or "").strip().lower()
        if form.validate_on_submit() and re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug):
            articles.save_category(slug=slug, name_ko=form.name_ko.data.strip(), name_en=form.name_en.data.strip(),
                                   icon=form.icon.data, position=form.position.data or 0,
                                   description_ko=(form.description_ko.data or "").strip(),
                                   description_en=(form.description_en.data or "").strip())
            flash(_("Category saved."), "success")
            return redirect(url_for(".categories"))
        if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug):
            form.slug.errors = list(form.slug.errors) + [_("Use lower-case letters, digits and dashes.")]
        status = 422
    counts = dict(db.session.execute(select(KbArticle.category_id, func.count()).group_by(KbArticle.category_id))
                  .all())
    return render_template("kb/categories.html", form=form, rows=articles.categories(db.session),
                           counts=counts), status


@bp.post("/preview")
def preview():
    """The editor's live preview: the same rendering and sanitising as the published page."""
    body = request.form.get("body", "")[:articles.MAX_BODY]
    return jsonify(html=render.to_html(body))


@bp.get("/suggest")
def suggest():
    """Articles for the ticket page's search box (agents are not rate-limited like the public)."""
    q = request.args.get("q", "")
    locale = request.args.get("locale") if request.args.get("locale") in ("ko", "en") else None
    return jsonify(items=service.suggest(q, locale, limit=8))


@bp.app_context_processor
def _ticket_panel_context():
    def kb_for_ticket(ticket):
        """What the ticket page's knowledge panel shows."""
        if not (current_user and current_user.is_authenticated) or not access.can_view_ticket(current_user, ticket):
            return None
        return {"suggestions": service.suggest(ticket.subject or "", None, limit=5),
                "csat": db.session.scalar(select(Csat).where(Csat.ticket_id == ticket.id))}

    return {"kb_for_ticket": kb_for_ticket, "kb_status_labels": status_labels}
