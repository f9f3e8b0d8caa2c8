"""Writing the knowledge base: articles (with revisions and translations), categories, votes
and deflections. Every change commits inside ``db.write()`` and publishes
``kb.article.changed`` with the index document, so the search index follows after commit."""
from __future__ import annotations

import secrets

from sqlalchemy import func, select, update

from desk.errors import Forbidden, Invalid, NotFound
from desk.events import publish
from desk.extensions import db
from desk.models import (ARTICLE_STATUSES, KB_LOCALES, Agent, AuditLog, KbArticle, KbCategory, KbDeflection,
                         KbFeedback, KbRevision, utcnow)
from knowledge import render

MAX_TITLE = 200
MAX_BODY = 200_000
MAX_TAGS = 20
MAX_COMMENT = 2000
EDITABLE = ("title", "body", "locale", "status", "category", "tags", "translation_of", "source_ticket")


# -- permissions ------------------------------------------------------------------------------

def can_edit(agent: Agent) -> bool:
    """Every agent writes and edits drafts."""
    return agent.has_role("agent")


def can_publish(agent: Agent) -> bool:
    """Publishing, archiving and deleting need a supervisor or admin."""
    return agent.has_role("supervisor")


# -- reading -----------------------------------------------------------------------------------

def index_payload(article: KbArticle) -> dict:
    """Everything the index needs about an article (events carry it; subscribers never query)."""
    return {
        "id": article.id, "locale": article.locale, "category_id": article.category_id, "title": article.title,
        "slug": article.slug, "tags": list(article.tags or []), "text": render.to_text(article.body),
        "helpful_yes": article.helpful_yes, "helpful_no": article.helpful_no,
        "updated": int((article.updated_at or utcnow()).timestamp()),
    }


def get(session, article_id) -> KbArticle:
    try:
        value = int(article_id)
    except (TypeError, ValueError):
        raise NotFound("article not found") from None
    article = session.get(KbArticle, value) if 0 < value < 2**31 else None
    if article is None:
        raise NotFound(f"article {value} not found")
    return article


def published(session, article_id) -> KbArticle:
    article = get(session, article_id)
    if article.status != "published":
        raise NotFound(f"article {article.id} not found")
    return article


def translations(session, article: KbArticle) -> list[KbArticle]:
    if article.translation_group is None:
        return []
    return list(session.scalars(select(KbArticle).where(
        KbArticle.translation_group == article.translation_group, KbArticle.id != article.id,
        KbArticle.status == "published")))


def categories(session) -> list[KbCategory]:
    return list(session.scalars(select(KbCategory).order_by(KbCategory.position, KbCategory.id)))


def category_by_key(session, key) -> KbCategory | None:
    if key in (None, ""):
        return None
    if isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
        found = session.get(KbCategory, int(key)) if 0 < int(key) < 2**31 else None
    elif isinstance(key, str):
        found = session.scalar(select(KbCategory).where(KbCategory.slug == key))
    else:
        found = None
    if found is None:
        raise Invalid(f"no category {str(key)[:40]!r}", field="category")
    return found


def all_published(session):
    """Every published article as index payloads (for ``kb reindex``), streamed."""
    stmt = select(KbArticle).where(KbArticle.status == "published").order_by(KbArticle.id)
    for article in session.scalars(stmt.execution_options(yield_per=500)):
        yield index_payload(article)


# -- writing -----------------------------------------------------------------------------------

def _clean(data: dict, *, creating: bool) -> dict:
    unknown = set(data) - set(EDITABLE)
    if unknown:
        raise Invalid(f"cannot set {', '.join(sorted(unknown))}", field=sorted(unknown)[0])
    out: dict = {}
    if "title" in data or creating:
        title = data.get("title")
        if not isinstance(title, str) or not title.strip() or len(title) > MAX_TITLE:
            raise Invalid(f"title must be text of 1 to {MAX_TITLE} characters", field="title")
        out["title"] = " ".join(title.split())
    if "body" in data or creating:
        body = data.get("body", "")
        if not isinstance(body, str) or len(body) > MAX_BODY:
            raise Invalid(f"body must be Markdown text of at most {MAX_BODY} characters", field="body")
        out["body"] = body.replace("\r\n", "\n")
    if "locale" in data or creating:
        locale = data.get("locale", "ko")
        if locale not in KB_LOCALES:
            raise Invalid(f"locale must be one of {', '.join(KB_LOCALES)}", field="locale")
        out["locale"] = locale
    if "status" in data or creating:
        status = data.get("status", "draft")
        if status not in ARTICLE_STATUSES:
            raise Invalid(f"status must be one of {', '.join(ARTICLE_STATUSES)}", field="status")
        out["status"] = status
    if "tags" in data:
        tags = data["tags"]
        if isinstance(tags, str):
            tags = [t for t in tags.split(",")]
        if not isinstance(tags, list) or not all(isinstance(t, str) and len(t.strip()) <= 50 for t in tags):
            raise Invalid("tags must be a list of short texts", field="tags")
        tags = sorted({t.strip().lower() for t in tags if t.strip()})
        if len(tags) > MAX_TAGS:
            raise Invalid(f"at most {MAX_TAGS} tags", field="tags")
        out["tags"] = tags
    for key in ("category", "translation_of", "source_ticket"):
        if key in data:
            out[key] = data[key]
    return out


def _require(actor: Agent, status: str | None, article: KbArticle | None) -> None:
    if not can_edit(actor):
        raise Forbidden("you cannot edit the knowledge base")
    publishing = status in ("published", "archived") or (article is not None and article.status != "draft")
    if publishing and not can_publish(actor):
        raise Forbidden("publishing, archiving and editing published articles need a supervisor")


def _revise(session, article: KbArticle, actor: Agent) -> None:
    session.add(KbRevision(article_id=article.id, version=article.version, title=article.title, body=article.body,
                           status=article.status, author_id=actor.id, created_at=article.updated_at))


def _announce(session, article: KbArticle, deleted: bool = False) -> None:
    payload = {"id": article.id, "article": None if deleted or article.status != "published"
               else index_payload(article)}
    publish(session, "kb.article.changed", payload)


def create(data: dict, *, actor: Agent) -> KbArticle:
    values = _clean(data, creating=True)
    _require(actor, values["status"], None)
    with db.write() as session:
        now = utcnow()
        article = KbArticle(title=values["title"], body=values["body"], locale=values["locale"],
                            status=values["status"], tags=values.get("tags", []), author_id=actor.id,
                            slug=render.slugify(values["title"]), body_html=render.to_html(values["body"]),
                            created_at=now, updated_at=now,
                            published_at=now if values["status"] == "published" else None)
        _set_relations(session, article, values)
        session.add(article)
        session.flush()
        if article.translation_group is None:
            article.translation_group = article.id
        _revise(session, article, actor)
        session.add(AuditLog(actor_agent_id=actor.id, action="kb.article.created", target_type="kb_article",
                             target_id=article.id, data={"status": article.status}))
        session.flush()
        _announce(session, article)
    return article


def _set_relations(session, article: KbArticle, values: dict) -> None:
    if "category" in values:
        category = category_by_key(session, values["category"])
        article.category_id = category.id if category else None
    if values.get("translation_of") not in (None, ""):
        other = get(session, values["translation_of"])
        if other.id == article.id:
            raise Invalid("an article cannot translate itself", field="translation_of")
        if other.locale == (values.get("locale") or article.locale):
            raise Invalid("a translation must be in another language", field="translation_of")
        article.translation_group = other.translation_group or other.id
    if values.get("source_ticket") not in (None, ""):
        try:
            article.source_ticket_id = int(values["source_ticket"])
        except (TypeError, ValueError):
            raise Invalid("source_ticket must be a ticket id", field="source_ticket") from None


def update_article(article_id, data: dict, *, actor: Agent, expected_version: int | None = None) -> KbArticle:
    values = _clean(data, creating=False)
    with db.write() as session:
        article = get(session, article_id)
        _require(actor, values.get("status"), article)
        if expected_version is not None and expected_version != article.version:
            from desk.errors import Conflict

            raise Conflict("the article changed since you opened it", code="stale")
        changed = False
        for key in ("title", "body", "locale", "status", "tags"):
            if key in values and values[key] != getattr(article, key):
                setattr(article, key, values[key])
                changed = True
        before = (article.category_id, article.translation_group)
        _set_relations(session, article, values)
        changed = changed or before != (article.category_id, article.translation_group)
        if not changed:
            return article
        now = utcnow()
        if "title" in values:
            article.slug = render.slugify(article.title)
        if "body" in values:
            article.body_html = render.to_html(article.body)
        if article.status == "published" and article.published_at is None:
            article.published_at = now
        article.version += 1
        article.updated_at = now
        _revise(session, article, actor)
        session.add(AuditLog(actor_agent_id=actor.id, action="kb.article.updated", target_type="kb_article",
                             target_id=article.id, data={k: str(v)[:100] for k, v in values.items() if k != "body"}))
        session.flush()
        _announce(session, article)
    return article


def delete(article_id, *, actor: Agent) -> None:
    if not can_publish(actor):
        raise Forbidden("deleting articles needs a supervisor")
    with db.write() as session:
        article = get(session, article_id)
        session.add(AuditLog(actor_agent_id=actor.id, action="kb.article.deleted", target_type="kb_article",
                             target_id=article.id, data={"title": article.title}))
        session.execute(update(KbArticle).where(KbArticle.translation_group == article.id,
                                                KbArticle.id != article.id).values(translation_group=None))
        _announce(session, article, deleted=True)
        session.delete(article)


def revisions(session, article: KbArticle) -> list[KbRevision]:
    return list(session.scalars(select(KbRevision).where(KbRevision.article_id == article.id)
                                .order_by(KbRevision.version.desc())))


def save_category(*, slug: str, name_ko: str, name_en: str, icon: str = "layers", position: int = 0,
                  description_ko: str = "", description_en: str = "") -> KbCategory:
    with db.write() as session:
        category = session.scalar(select(KbCategory).where(KbCategory.slug == slug)) or KbCategory(slug=slug)
        category.name_ko, category.name_en, category.icon, category.position = name_ko, name_en, icon, position
        category.description_ko, category.description_en = description_ko, description_en
        session.add(category)
    return category


# -- the public side: votes, views, deflection -----------------------------------------------

def vote(article_id, helpful: bool, comment: str = "") -> None:
    comment = (comment or "").strip()[:MAX_COMMENT]
    with db.write() as session:
        article = published(session, article_id)
        session.add(KbFeedback(article_id=article.id, helpful=bool(helpful), comment=comment))
        if helpful:
            article.helpful_yes += 1
        else:
            article.helpful_no += 1
        session.flush()
        _announce(session, article)  # votes move the ranking


def count_view(article_id: int) -> None:
    with db.write() as session:
        session.execute(update(KbArticle).where(KbArticle.id == article_id).values(views=KbArticle.views + 1))


def new_visit() -> str:
    return secrets.token_urlsafe(18)


def record_deflection(visit: str, article_id: int, query: str = "") -> None:
    """The visitor opened a suggested article from the contact form."""
    with db.write() as session:
        exists = session.scalar(select(KbDeflection.id).where(KbDeflection.visit == visit,
                                                             KbDeflection.article_id == article_id))
        if exists is None:
            session.add(KbDeflection(visit=visit, article_id=article_id, query=(query or "")[:200]))


def mark_contacted(session, visit: str | None) -> None:
    """The visitor sent the contact form after all: what they read did not deflect it."""
    if visit:
        session.execute(update(KbDeflection).where(KbDeflection.visit == visit, KbDeflection.contacted_at.is_(None))
                        .values(contacted_at=utcnow()))


def deflection_stats(session, since) -> dict:
    rows = session.execute(select(func.count(func.distinct(KbDeflection.visit)),
                                  func.count(func.distinct(KbDeflection.visit)).filter(
                                      KbDeflection.contacted_at.is_(None)))
                           .where(KbDeflection.created_at >= since)).one()
    return {"visits": rows[0] or 0, "deflected": rows[1] or 0}
