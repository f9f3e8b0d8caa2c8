"""Article bodies: Markdown rendered to HTML, sanitised with nh3; plain text for the index."""
from __future__ import annotations

import re
import unicodedata

import markdown
import nh3

from desk.services.sanitize import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, URL_SCHEMES, html_to_text

_EXTENSIONS = ["markdown.extensions.tables", "markdown.extensions.fenced_code", "markdown.extensions.sane_lists"]
_ATTRIBUTES = {**ALLOWED_ATTRIBUTES, "h2": {"id"}, "h3": {"id"}}
_SLUG_DROP = re.compile(r"[^\w\s-]", re.UNICODE)
_SLUG_SPACE = re.compile(r"[\s_-]+", re.UNICODE)


def to_html(body: str) -> str:
    """Markdown -> HTML an article page can show: raw HTML in the Markdown is sanitised away
    with the rest (scripts, event handlers, javascript: links)."""
    html = markdown.markdown(body or "", extensions=_EXTENSIONS, output_format="html")
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=_ATTRIBUTES, url_schemes=URL_SCHEMES - {"cid"},
                     link_rel="noopener noreferrer nofollow", strip_comments=True)


def to_text(body: str) -> str:
    return html_to_text(to_html(body))


def slugify(title: str, limit: int = 80) -> str:
    """A readable URL part in any script: ``배송비 안내`` -> ``배송비-안내``, ``Where's my order?`` ->
    ``wheres-my-order``."""
    text = unicodedata.normalize("NFC", title or "").lower()
    text = _SLUG_SPACE.sub("-", _SLUG_DROP.sub("", text)).strip("-")
    return text[:limit].rstrip("-") or "article"
