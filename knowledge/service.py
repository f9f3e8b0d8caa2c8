"""The knowledge base as the rest of desk uses it: search (for the API, the help center and the
console), ``suggest`` (the hook the chat widget and the contact form call), the index kept
current after each commit, and ``reindex``."""
from __future__ import annotations

import logging

from urllib.parse import quote

from flask import current_app, has_app_context

from desk.events import subscribe
from desk.extensions import db
from knowledge import articles
from knowledge.index import KbIndex, for_dir, index_dir
from knowledge.search import Results, search
from knowledge.search import normalize as normalize_query  # noqa: F401  (for the help center)

log = logging.getLogger(__name__)


def kb_index(app=None) -> KbIndex:
    """This process's index; built from the database the first time it is missing."""
    app = app or current_app
    index = for_dir(index_dir(app))
    if not index.exists():
        reindex(app)
    return index


def reindex(app=None) -> int:
    app = app or current_app
    index = for_dir(index_dir(app))
    count = index.rebuild(articles.all_published(db.session))
    db.session.rollback()
    return count


def find(q: str | None, *, locale: str | None = None, category_id: int | None = None, limit: int = 10,
         offset: int = 0) -> Results:
    return search(kb_index(), q, locale=locale, category_id=category_id, limit=limit, offset=offset)


def article_path(article_id: int, slug: str, locale: str) -> str:
    """``/help/<locale>/articles/<id>-<slug>`` (built by hand: also outside a request)."""
    return f"/help/{locale}/articles/{article_id}-{quote(slug or 'article', safe='')}"


def public_url(path: str) -> str:
    return current_app.config["PUBLIC_URL"] + path


def suggest(query: str, locale: str | None = None, limit: int = 5) -> list[dict]:
    """Articles for what a customer or agent typed: ``[{id, title, url, snippet}]`` (the chat
    widget and the contact form call this through ``app.extensions["desk_kb_suggest"]``)."""
    limit = max(1, min(int(limit or 5), 20))
    try:
        results = find(query, locale=locale if locale in ("ko", "en") else None, limit=limit)
    except Exception:  # a suggestion must never break the page that asks for it
        log.exception("knowledge-base suggestion failed")
        return []
    return [{"id": hit.id, "title": hit.title, "url": public_url(article_path(hit.id, hit.slug, hit.locale)),
             "snippet": hit.snippet} for hit in results.hits]


@subscribe("kb.article.changed")
def _update_index(name: str, payload: dict) -> None:  # noqa: ARG001
    """After commit: put the article in the index, or take it out."""
    if not has_app_context():
        return
    index = for_dir(index_dir(current_app))
    if not index.exists():
        return  # built in full from the database on first use
    article = payload.get("article")
    if article is None:
        index.update([], deletes=[payload["id"]])
    else:
        index.update([article])
