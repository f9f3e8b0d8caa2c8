"""``/api/v1/kb/...``: public search (rate-limited) and staff article writes, declared with
``desk.api.spec`` so they are guarded, validated and in the OpenAPI document."""
from __future__ import annotations

from flask import current_app, jsonify, request

from desk.api import bp
from desk.api.spec import current_agent, parse_id, query_param, route
from desk.errors import Invalid
from desk.extensions import db, limiter
from desk.models import ARTICLE_STATUSES, KB_LOCALES
from desk.schemas import iso
from knowledge import articles, service

MAX_SEARCH_LIMIT = 50
_STR = {"type": "string"}
SEARCH_ITEM = {"type": "object", "required": ["id", "title", "url", "snippet", "score"], "properties": {
    "id": {"type": "integer"}, "title": _STR, "url": _STR,
    "snippet": {"type": "string", "description": "HTML: escaped text, the matched words in <mark>"},
    "score": {"type": "number"}, "locale": _STR}}
SEARCH_RESPONSE = {"type": "object", "required": ["items"], "properties": {
    "items": {"type": "array", "items": SEARCH_ITEM},
    "total": {"type": "integer"},
    "suggestion": {"type": ["string", "null"], "description": "did you mean (a corrected query)"}}}
ARTICLE = {"type": "object", "required": ["id", "title", "body", "locale", "status", "url"], "properties": {
    "id": {"type": "integer"}, "title": _STR, "body": {"type": "string", "description": "Markdown"},
    "html": {"type": "string", "description": "the body rendered and sanitised"}, "locale": {"enum": list(KB_LOCALES)},
    "status": {"enum": list(ARTICLE_STATUSES)}, "category": {"type": ["string", "null"]},
    "tags": {"type": "array", "items": _STR}, "url": _STR, "version": {"type": "integer"},
    "translation_group": {"type": ["integer", "null"]}, "helpful_yes": {"type": "integer"},
    "helpful_no": {"type": "integer"}, "updated_at": _STR}}
_FIELDS = {
    "title": {"type": "string", "minLength": 1, "maxLength": articles.MAX_TITLE, "pattern": r"\S"},
    "body": {"type": "string", "maxLength": articles.MAX_BODY, "description": "Markdown"},
    "locale": {"enum": list(KB_LOCALES)},
    "status": {"enum": list(ARTICLE_STATUSES)},
    "category": {"type": ["string", "integer", "null"], "description": "a category slug or id"},
    "tags": {"type": "array", "items": {"type": "string", "maxLength": 50}, "maxItems": articles.MAX_TAGS},
    "translation_of": {"type": ["integer", "null"], "minimum": 1, "description": "an article in the other language"},
}
CREATE_BODY = {"type": "object", "additionalProperties": False, "required": ["title", "body", "locale", "status"],
               "properties": _FIELDS}
PATCH_BODY = {"type": "object", "additionalProperties": False, "minProperties": 1,
              "properties": {**_FIELDS, "version": {"type": "integer", "minimum": 1}}}


def _search_limit() -> str:
    return current_app.config.get("KB_SEARCH_RATE_LIMIT", "60 per minute")


def article_dict(article) -> dict:
    return {"id": article.id, "title": article.title, "body": article.body, "html": article.body_html,
            "locale": article.locale, "status": article.status,
            "category": article.category.slug if article.category else None, "tags": list(article.tags or []),
            "url": service.public_url(service.article_path(article.id, article.slug, article.locale)),
            "version": article.version, "translation_group": article.translation_group,
            "helpful_yes": article.helpful_yes, "helpful_no": article.helpful_no,
            "updated_at": iso(article.updated_at)}


def _limit(raw) -> int:
    if raw in (None, ""):
        return 10
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_SEARCH_LIMIT:
        raise Invalid(f"limit must be a whole number from 1 to {MAX_SEARCH_LIMIT}", field="limit")
    return int(raw)


@route(bp, "/kb/search", "GET", summary="Search published articles (public)", role=None, tag="knowledge base",
       params=[query_param("q", "what to look for; plain text (no query syntax), at most 200 characters are used"),
               query_param("locale", "ko or en", {"enum": list(KB_LOCALES)}),
               query_param("category", "a category slug or id"),
               query_param("limit", "1 to 50 (default 10)", {"type": "integer", "minimum": 1, "maximum": 50})],
       response=SEARCH_RESPONSE, errors={429: "too many searches from this address; slow down"})
@limiter.limit(_search_limit)
def kb_search():
    locale = request.args.get("locale") or None
    if locale is not None and locale not in KB_LOCALES:
        raise Invalid(f"locale must be one of {', '.join(KB_LOCALES)}", field="locale")
    limit = _limit(request.args.get("limit"))
    category = articles.category_by_key(db.session, request.args.get("category") or None)
    results = service.find(request.args.get("q"), locale=locale, category_id=category.id if category else None,
                           limit=limit)
    items = [{"id": h.id, "title": h.title, "snippet": h.snippet, "score": h.score, "locale": h.locale,
              "url": service.public_url(service.article_path(h.id, h.slug, h.locale))} for h in results.hits]
    return jsonify(items=items, total=results.total, suggestion=results.suggestion)


@route(bp, "/kb/articles", "POST", summary="Create an article (drafts: agents; published: supervisors)",
       tag="knowledge base", body=CREATE_BODY, response=ARTICLE, status=201)
def kb_create(body):
    article = articles.create(body, actor=current_agent())
    return jsonify(article_dict(article)), 201


@route(bp, "/kb/articles/<article_id>", "GET", summary="One article, any status (staff)", tag="knowledge base",
       response=ARTICLE)
def kb_get(article_id):
    return jsonify(article_dict(articles.get(db.session, parse_id(article_id, "article"))))


@route(bp, "/kb/articles/<article_id>", "PATCH", summary="Change an article (a revision is kept)",
       tag="knowledge base", body=PATCH_BODY, response=ARTICLE, errors={409: "stale: the version changed"})
def kb_update(article_id, body):
    version = body.pop("version", None)
    article = articles.update_article(parse_id(article_id, "article"), body, actor=current_agent(),
                                      expected_version=version)
    return jsonify(article_dict(article))


@route(bp, "/kb/articles/<article_id>", "DELETE", summary="Delete an article (supervisors)", tag="knowledge base",
       status=204)
def kb_delete(article_id):
    articles.delete(parse_id(article_id, "article"), actor=current_agent())
    return "", 204
