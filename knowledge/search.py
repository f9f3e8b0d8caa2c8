"""Searching the index: every word required (any word when that finds nothing), title > tags >
body, filters by locale and category, helpful votes and freshness in the ranking, highlighted
snippets, and "did you mean" for misspelt words.

A query is plain text: quotes, operators, wildcards and brackets are searched as text, never
parsed, so nothing a person types can make a search fail.

Scoring is BM25 computed term-at-a-time over whole posting blocks read from the Whoosh index,
with the per-document lengths and ranking signals read once per searcher from columns; stored
fields are read only for the hits that are shown. Whoosh's own matcher tree scores a posting
at a time through several layers of Python calls, which made a common word over 20,000
articles cost hundreds of milliseconds (see ``bench/README.md``).
"""
from __future__ import annotations

import heapq
from collections import OrderedDict
import html
import math
import re
import time
from dataclasses import dataclass, field

from knowledge.analysis import analyze, is_hangul, query_words, strip_particle

FIELD = "content"
MAX_QUERY_CHARS = 200
MAX_WORDS = 12
MAX_PREFIX_TERMS = 64
POSTINGS_CACHE = 256  # terms per segment
SNIPPET_CHARS = 160
K1 = 1.2
B = 0.75
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


def plan(q: str) -> list[list[tuple[str, str, bool]]]:
    """The query as words, each a list of (kind, term, required). ``kind`` is "term" or, for a
    one-syllable Korean word (책, 앱), "prefix": a gram that starts with it, as in 책을. A Korean
    word typed with a particle (배송비를) requires only its noun's grams; the particle's gram
    still counts towards the score."""
    words = []
    for word in query_words(q)[:MAX_WORDS]:
        stem = strip_particle(word)
        required = set(analyze(stem)) if stem else None
        terms = []
        for term in dict.fromkeys(analyze(word)):
            kind = "prefix" if is_hangul(term) and len(term) == 1 else "term"
            terms.append((kind, term, required is None or term in required))
        if terms:
            words.append(terms)
    return words


class _Segment:
    """One index segment as the scorer needs it: lengths and signals per document, deletions."""

    def __init__(self, reader, offset: int) -> None:
        self.reader = reader
        self.offset = offset
        self.lengths = list(reader.column_reader("length")) if reader.has_column("length") else []
        self.helpful = list(reader.column_reader("helpful")) if reader.has_column("helpful") else []
        self.updated = list(reader.column_reader("updated")) if reader.has_column("updated") else []
        self.deleted = set(reader.deleted_docs_set) if reader.has_deletions() else set()
        self.filters: dict[tuple[str, str], set[int]] = {}
        self.cache: OrderedDict[tuple[str, str], dict[int, float]] = OrderedDict()

    def postings(self, kind: str, text: str) -> dict[int, float]:
        """docnum -> term frequency for one term (or every term with a prefix); the most used
        terms' postings stay decoded for the life of the searcher."""
        key = (kind, text)
        found = self.cache.get(key)
        if found is not None:
            self.cache.move_to_end(key)
            return found
        found = self._postings(kind, text)
        self.cache[key] = found
        if len(self.cache) > POSTINGS_CACHE:
            self.cache.popitem(last=False)
        return found

    def _postings(self, kind: str, text: str) -> dict[int, float]:
        texts = [text] if kind == "term" else \
            [t.decode() if isinstance(t, bytes) else t for t in self._expand(text)]
        out: dict[int, float] = {}
        for term in texts:
            if (FIELD, term) not in self.reader:
                continue
            for docnum, weight in _read_postings(self.reader.postings(FIELD, term)):
                out[docnum] = out.get(docnum, 0.0) + weight
        for docnum in self.deleted.intersection(out):
            del out[docnum]
        return out

    def _expand(self, prefix: str) -> list:
        found = []
        for term in self.reader.expand_prefix(FIELD, prefix):
            found.append(term)
            if len(found) >= MAX_PREFIX_TERMS:
                break
        return found

    def allowed(self, fieldname: str, value: str) -> set[int]:
        key = (fieldname, value)
        if key not in self.filters:
            docs = set()
            if (fieldname, value) in self.reader:
                docs = {d for d, _ in _read_postings(self.reader.postings(fieldname, value))}
            self.filters[key] = docs - self.deleted
        return self.filters[key]


def _read_postings(matcher):
    """(docnum, weight) for every posting, a block at a time where the codec allows it."""
    if hasattr(matcher, "_read_ids") and hasattr(matcher, "_next_block"):
        while matcher.is_active():
            matcher._read_ids()
            matcher._read_weights()
            start = matcher._i
            yield from zip(matcher._ids[start:], matcher._weights[start:])
            matcher._next_block()
    else:  # another codec: the public, slower way
        while matcher.is_active():
            yield matcher.id(), matcher.weight()
            matcher.next()


class _View:
    """What the scorer keeps per searcher: its segments and the average document length."""

    def __init__(self, searcher) -> None:
        self.searcher = searcher
        leaves = searcher.leaf_searchers() if not searcher.is_atomic() else [(searcher, 0)]
        self.segments = [_Segment(s.reader(), offset) for s, offset in leaves]
        lengths = [n for seg in self.segments for n in seg.lengths]
        self.doc_count = max(searcher.doc_count(), 1)
        self.avg_length = (sum(lengths) / len(lengths)) if lengths else 1.0


def _view(searcher) -> _View:
    view = getattr(searcher, "_desk_view", None)
    if view is None:
        view = _View(searcher)
        searcher._desk_view = view
    return view


def _score(view: _View, words, locale: str | None, category_id: int | None, *, require_all: bool):
    """(segment, docnum, bm25) for every matching document."""
    groups = [term for word in words for term in word]
    required = [i for i, (_, _, needed) in enumerate(groups) if needed]
    per_segment = [[seg.postings(kind, text) for kind, text, _ in groups] for seg in view.segments]
    idf = []
    for i in range(len(groups)):
        df = sum(len(postings[i]) for postings in per_segment)
        idf.append(math.log(1 + (view.doc_count - df + 0.5) / (df + 0.5)))
    out = []
    for seg, postings in zip(view.segments, per_segment):
        candidates = None
        if locale:
            candidates = set(seg.allowed("locale", locale))
        if category_id:
            allowed = seg.allowed("category", str(category_id))
            candidates = allowed if candidates is None else candidates & allowed
        if require_all:
            for p in sorted((postings[i] for i in required), key=len):
                candidates = set(p) if candidates is None else candidates.intersection(p)
                if not candidates:
                    break
        else:
            union = set().union(*(postings[i] for i in required)) if required else set()
            candidates = union if candidates is None else candidates & union
        if not candidates:
            continue
        norm = {}
        avg = view.avg_length
        lengths = seg.lengths
        for d in candidates:
            length = lengths[d] if d < len(lengths) else avg
            norm[d] = K1 * (1 - B + B * length / avg)
        scores = dict.fromkeys(candidates, 0.0)
        for i, p in enumerate(postings):
            weight = idf[i] * (K1 + 1)
            for d in candidates.intersection(p) if len(p) > len(candidates) else (d for d in p if d in scores):
                tf = p[d]
                scores[d] += weight * tf / (tf + norm[d])
        out.extend((seg, d, s) for d, s in scores.items())
    return out


def _signal(seg: _Segment, docnum: int, now: float) -> float:
    helpful = seg.helpful[docnum] if docnum < len(seg.helpful) else 0
    updated = seg.updated[docnum] if docnum < len(seg.updated) else 0
    age_days = max(0.0, (now - updated) / 86400)
    return (1 + HELPFUL_WEIGHT * math.tanh(helpful / 10)) * (1 + FRESH_WEIGHT * math.exp(-age_days / FRESH_DAYS))


def search(kb_index, q: str | None, *, locale: str | None = None, category_id: int | None = None,
           limit: int = 10, offset: int = 0, snippets: bool = True, suggest: bool = True) -> Results:
    q = normalize(q)
    words = plan(q)
    if not words:
        return Results()
    searcher = kb_index.searcher()
    view = _view(searcher)
    matched_all = True
    scored = _score(view, words, locale, category_id, require_all=True)
    if not scored and len(words) > 1:
        scored = _score(view, words, locale, category_id, require_all=False)
        matched_all = False
    now = time.time()
    ranked = heapq.nlargest(offset + limit, ((s * _signal(seg, d, now), seg, d) for seg, d, s in scored),
                            key=lambda item: item[0])
    shown = query_words(q)
    hits = []
    for score, seg, docnum in ranked[offset:offset + limit]:
        fields = seg.reader.stored_fields(docnum)
        hits.append(Hit(id=int(fields["id"]), title=fields["title"], slug=fields.get("slug") or "",
                        locale=fields["locale"],
                        category_id=int(fields["category"]) if fields.get("category") else None,
                        score=round(score, 4), snippet=highlight(fields.get("text") or "", shown) if snippets else ""))
    results = Results(hits=hits, total=len(scored), matched_all=matched_all)
    if suggest and (results.total == 0 or not matched_all):
        results.suggestion = did_you_mean(searcher, q)
    return results


def matching_ids(kb_index, q: str | None, *, locale: str | None = None) -> set[int]:
    """Every article the query matches (all words), unranked: for measuring recall and precision."""
    words = plan(normalize(q))
    if not words:
        return set()
    view = _view(kb_index.searcher())
    return {int(seg.reader.stored_fields(d)["id"]) for seg, d, _ in
            _score(view, words, locale, None, require_all=True)}


def did_you_mean(searcher, q: str) -> str | None:
    """The query with each unknown word replaced by the closest word the articles use."""
    changed = False
    out = []
    reader = searcher.reader()
    for word in query_words(q):
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
        return re.escape(strip_particle(word) or word)
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
