"""Searching the index: field boosts (title > tags > body), every word required (any word when
that finds nothing), filters by locale and category, helpful votes and freshness in the
ranking, highlighted snippets, and "did you mean" for misspelt words.

A query is plain text: quotes, operators, wildcards and brackets are searched as text, never
parsed, so nothing a person types can make a search fail.
"""
from __future__ import annotations

import html
import math
import re
import time
from dataclasses import dataclass, field

from whoosh import query as Q

from knowledge.analysis import analyze, is_hangul, query_words

FIELD_BOOSTS = (("title", 3.0), ("tags", 2.0), ("body", 1.0))
MAX_QUERY_CHARS = 200
MAX_WORDS = 12
SNIPPET_CHARS = 160
# Ranking signals: a well-voted article gets up to +25%, a fresh one up to +10%.
HELPFUL_WEIGHT = 0.25
FRESH_WEIGHT = 0.10
FRESH_DAYS = 90.0


@dataclass
class Hit:
    id: int
    title: str
    slug: str
    locale: str
    category_id: int | None
    score: float
    snippet: str  # HTML: escaped text with <mark> around the matched words


@dataclass
class Results:
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    suggestion: str | None = None  # "did you mean"
    matched_all: bool = True  # False: no article had every word; these have some


def normalize(q: str | None) -> str:
    return re.sub(r"\s+", " ", (q or "")[:MAX_QUERY_CHARS * 5]).strip()[:MAX_QUERY_CHARS]


def _word_query(word: str):
    """Every index term of one word must match, in any field (boosted by field)."""
    terms = analyze(word)
    if not terms:
        return None
    parts = []
    for term in dict.fromkeys(terms):
        if is_hangul(term) and len(term) == 1:
            # One syllable (책, 앱): a gram that starts with it, as in 책을, 앱이.
            alts = [Q.Prefix(f, term, boost=b) for f, b in FIELD_BOOSTS] + \
                   [Q.Term(f, term, boost=b) for f, b in FIELD_BOOSTS]
        else:
            alts = [Q.Term(f, term, boost=b) for f, b in FIELD_BOOSTS]
        parts.append(Q.Or(alts))
    return parts[0] if len(parts) == 1 else Q.And(parts)


def build_query(q: str):
    words = [w for w in query_words(q)][:MAX_WORDS]
    parts = [p for p in (_word_query(w) for w in words) if p is not None]
    return parts


def _filter(locale: str | None, category_id: int | None):
    terms = []
    if locale:
        terms.append(Q.Term("locale", locale))
    if category_id:
        terms.append(Q.Term("category", str(category_id)))
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else Q.And(terms)


def _signal(fields: dict, now: float) -> float:
    helpful = fields.get("helpful") or 0
    age_days = max(0.0, (now - (fields.get("updated") or 0)) / 86400)
    return (1 + HELPFUL_WEIGHT * math.tanh(helpful / 10)) * (1 + FRESH_WEIGHT * math.exp(-age_days / FRESH_DAYS))


def search(kb_index, q: str | None, *, locale: str | None = None, category_id: int | None = None,
           limit: int = 10, offset: int = 0, snippets: bool = True, suggest: bool = True) -> Results:
    q = normalize(q)
    parts = build_query(q)
    if not parts:
        return Results()
    searcher = kb_index.searcher()
    flt = _filter(locale, category_id)
    # Score a few more than are shown, then re-rank those by votes and freshness.
    window = min(max((offset + limit) * 2, 20), 200)
    query = parts[0] if len(parts) == 1 else Q.And(parts)
    found = searcher.search(query, limit=window, filter=flt)
    matched_all = True
    if found.scored_length() == 0 and len(parts) > 1:
        found = searcher.search(Q.Or(parts), limit=window, filter=flt)
        matched_all = False
    now = time.time()
    ranked = sorted(((hit.score * _signal(hit.fields(), now), hit.fields()) for hit in found),
                    key=lambda pair: -pair[0])
    words = query_words(q)
    hits = [
        Hit(id=int(fields["id"]), title=fields["title"], slug=fields.get("slug") or "", locale=fields["locale"],
            category_id=int(fields["category"]) if fields.get("category") else None, score=round(score, 4),
            snippet=highlight(fields.get("text") or "", words) if snippets else "")
        for score, fields in ranked[offset:offset + limit]
    ]
    results = Results(hits=hits, total=len(found) if found.has_exact_length() else found.estimated_length(),
                      matched_all=matched_all)
    if suggest and (results.total == 0 or not matched_all):
        results.suggestion = did_you_mean(searcher, q)
    return results


def did_you_mean(searcher, q: str) -> str | None:
    """The query with each unknown word replaced by the closest word the articles use."""
    words = query_words(q)
    changed = False
    out = []
    reader = searcher.reader()
    for word in words:
        lower = word.lower()
        if is_hangul(word) or len(word) < 3 or not lower.isascii() or reader.frequency("spell", lower) > 0:
            out.append(word)
            continue
        suggestions = searcher.suggest("spell", lower, limit=1, maxdist=2)
        if suggestions and suggestions[0] != lower:
            out.append(suggestions[0])
            changed = True
        else:
            out.append(word)
    return " ".join(out) if changed else None


def _word_pattern(word: str) -> str | None:
    if is_hangul(word):
        return re.escape(word)
    terms = analyze(word)
    if not terms:
        return None
    stem = terms[0]
    # The stem as a word start, so "refund" marks refunds / refunded and "ship" shipping.
    return r"\b" + re.escape(stem) + r"\w*" if stem.isascii() else re.escape(word)


def highlight(text: str, words: list[str], width: int = SNIPPET_CHARS) -> str:
    """A window of ``text`` around the first match, HTML-escaped, matches in ``<mark>``."""
    patterns = [p for p in (_word_pattern(w) for w in words) if p]
    text = " ".join((text or "").split())
    if not text:
        return ""
    regex = re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE) if patterns else None
    first = regex.search(text) if regex else None
    start = 0
    if first is not None and first.start() > width // 3:
        start = first.start() - width // 3
        space = text.rfind(" ", 0, start)
        start = space + 1 if space > start - 20 else start
    window = text[start:start + width]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(text) else ""
    if regex is None:
        return prefix + html.escape(window) + suffix
    out, last = [], 0
    for match in regex.finditer(window):
        out.append(html.escape(window[last:match.start()]))
        out.append("<mark>" + html.escape(match.group()) + "</mark>")
        last = match.end()
    out.append(html.escape(window[last:]))
    return prefix + "".join(out) + suffix
