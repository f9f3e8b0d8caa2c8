"""HTML from outside is cleaned with nh3 before it is stored; plain text derived from it."""
from __future__ import annotations

import html as html_lib
import re

import nh3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "li", "ol", "p", "pre", "q", "s", "small",
    "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "*": {"dir", "lang"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel", "cid"}

_BLOCK_END = re.compile(r"</(p|div|li|tr|h[1-6]|blockquote|pre|table)\s*>|<br\s*/?>", re.I)
_TAGS = re.compile(r"<[^>]+>")
_DROP = re.compile(r"<(script|style|head|title)\b.*?</\1\s*>", re.I | re.S)


def clean_html(raw: str | None) -> str | None:
    if not raw:
        return None
    return nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def html_to_text(raw: str | None) -> str:
    if not raw:
        return ""
    text = _DROP.sub("", raw)
    text = _BLOCK_END.sub("\n", text)
    text = html_lib.unescape(_TAGS.sub("", text))
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
