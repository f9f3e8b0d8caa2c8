"""Knowledge-base search: the Whoosh index (Korean bigrams, field boosts, re-ranking, snippets)
next to SQLite FTS5 (unicode61) on the same generated corpus, in the same run.

  .venv/bin/python bench/kb_search.py [--articles 20000] [--queries 1000] [--analyzers]

Prints index build time, query latency p50/p99 over the same queries, and recall/precision of
Korean queries written without particles (환불 for text that says 환불은/환불을). ``--analyzers``
also compares Korean analyzers on the Korean part of the corpus: Hangul bigrams (what desk
uses), Whoosh's default analyzer, and kiwipiepy's morphological analyzer when it is installed.
"""
from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import fmt, summarize, table, workdir  # noqa: E402
from bench.kb_corpus import corpus, queries  # noqa: E402
from knowledge.index import KbIndex  # noqa: E402
from knowledge.search import matching_ids, search  # noqa: E402


def relevant(docs: list[dict], noun_query: str) -> set[int]:
    """Korean articles that contain every noun of the query (as a word, with a particle, or
    inside a compound such as 무료배송)."""
    nouns = noun_query.split()
    return {d["id"] for d in docs if d["locale"] == "ko"
            and all(n in (d["title"] + " " + " ".join(d["tags"]) + " " + d["text"]) for n in nouns)}


def score(retrieved: dict[str, set[int]], truth: dict[str, set[int]]) -> tuple[float, float]:
    recalls, precisions = [], []
    for q, rel in truth.items():
        got = retrieved[q]
        if rel:
            recalls.append(len(got & rel) / len(rel))
        if got:
            precisions.append(len(got & rel) / len(got))
        elif not rel:
            precisions.append(1.0)
    return sum(recalls) / max(len(recalls), 1), sum(precisions) / max(len(precisions), 1)


# -- FTS5 ---------------------------------------------------------------------------------------

def fts_build(path: Path, docs: list[dict]) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.execute("CREATE VIRTUAL TABLE kb USING fts5(title, tags, body, locale UNINDEXED, tokenize='unicode61')")
    conn.executemany("INSERT INTO kb (rowid, title, tags, body, locale) VALUES (?, ?, ?, ?, ?)",
                     [(d["id"], d["title"], " ".join(d["tags"]), d["text"], d["locale"]) for d in docs])
    conn.execute("INSERT INTO kb (kb) VALUES ('optimize')")
    conn.commit()
    return conn


def fts_match(q: str) -> str:
    return " AND ".join('"' + w.replace('"', '""') + '"' for w in q.split())


def fts_search(conn: sqlite3.Connection, q: str, limit: int = 10) -> list:
    return conn.execute(
        "SELECT rowid, title, snippet(kb, 2, '<mark>', '</mark>', '…', 24) FROM kb WHERE kb MATCH ? "
        "ORDER BY bm25(kb, 3.0, 2.0, 1.0) LIMIT ?", (fts_match(q), limit)).fetchall()


def fts_ids(conn: sqlite3.Connection, q: str) -> set[int]:
    return {row[0] for row in conn.execute("SELECT rowid FROM kb WHERE kb MATCH ? AND locale = 'ko'",
                                           (fts_match(q),))}


# -- analyzers ------------------------------------------------------------------------------------

def analyzer_comparison(docs: list[dict], ko_queries: list[str], out: Path) -> list[dict]:
    from whoosh import index as wix
    from whoosh import query as Q
    from whoosh.analysis import StandardAnalyzer
    from whoosh.fields import ID, TEXT, Schema

    from knowledge.analysis import KoreanAnalyzer

    ko_docs = [d for d in docs if d["locale"] == "ko"]
    truth = {q: relevant(ko_docs, q) for q in ko_queries}
    candidates = [("Hangul bigrams (desk)", KoreanAnalyzer()), ("Whoosh StandardAnalyzer", StandardAnalyzer())]
    try:
        from kiwipiepy import Kiwi

        candidates.append(("kiwipiepy morphemes", kiwi_analyzer(Kiwi())))
    except ImportError:
        print("kiwipiepy is not installed: its row is left out (pip install kiwipiepy to include it)")
    rows = []
    for name, analyzer in candidates:
        path = out / ("an-" + str(len(rows)))
        path.mkdir()
        ix = wix.create_in(str(path), Schema(id=ID(stored=True), body=TEXT(analyzer=analyzer, phrase=False)))
        started = time.perf_counter()
        writer = ix.writer(limitmb=256)
        for d in ko_docs:
            writer.add_document(id=str(d["id"]), body=d["title"] + " " + " ".join(d["tags"]) + " " + d["text"])
        writer.commit(optimize=True)
        build = time.perf_counter() - started
        retrieved, times = {}, []
        with ix.searcher() as searcher:
            for q in ko_queries:
                t0 = time.perf_counter()
                terms = [t.text for t in analyzer(q)]
                query = Q.And([Q.Term("body", t) for t in dict.fromkeys(terms)]) if terms else Q.NullQuery
                retrieved[q] = {int(hit["id"]) for hit in searcher.search(query, limit=None, scored=False)}
                times.append(time.perf_counter() - t0)
        recall, precision = score(retrieved, truth)
        stats = summarize(times)
        rows.append({"analyzer": name, "docs": len(ko_docs), "build s": fmt(build), "recall": fmt(recall, 3),
                     "precision": fmt(precision, 3), "p50 ms": fmt(stats["p50"]), "p99 ms": fmt(stats["p99"])})
    return rows


_KIWI = None  # kept out of the tokenizer, which Whoosh pickles into the index's table of contents
KIWI_TAGS = ("NNG", "NNP", "NR", "XR", "SL", "SN", "VV", "VA", "SH")


def kiwi_analyzer(kiwi):
    global _KIWI
    _KIWI = kiwi
    return KiwiTokenizer()


class KiwiTokenizer:
    """Content morphemes from kiwipiepy (nouns, roots, verb and adjective stems, foreign words)."""

    def __or__(self, other):
        from whoosh.analysis import CompositeAnalyzer

        return CompositeAnalyzer(self, other)

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        from whoosh.analysis import Token

        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, morph in enumerate(_KIWI.tokenize(value)):
            if morph.tag.startswith(KIWI_TAGS):
                token.text = morph.form.lower()
                token.boost = 1.0
                token.stopped = False
                if positions:
                    token.pos = start_pos + pos
                yield token


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=1_000)
    parser.add_argument("--analyzers", action="store_true", help="also compare Korean analyzers")
    args = parser.parse_args()

    out = workdir("kb_search")
    docs = corpus(args.articles)
    qs = queries(args.queries)
    korean = sum(d["locale"] == "ko" for d in docs)
    print(f"corpus: {len(docs):,} articles ({korean:,} Korean); {len(qs):,} queries "
          f"({sum(l == 'ko' for l, _ in qs)} Korean)")

    index = KbIndex(out / "whoosh")
    started = time.perf_counter()
    index.rebuild(dict(d, slug="a", updated=time.time()) for d in docs)
    whoosh_build = time.perf_counter() - started
    started = time.perf_counter()
    fts = fts_build(out / "fts5.db", docs)
    fts_build_s = time.perf_counter() - started

    for locale, q in qs[:20]:  # warm both up (first searcher, page cache)
        search(index, q, limit=10)
        fts_search(fts, q)
    whoosh_times, fts_times, empty = [], [], 0
    for locale, q in qs:
        t0 = time.perf_counter()
        results = search(index, q, limit=10)
        whoosh_times.append(time.perf_counter() - t0)
        empty += not results.hits
        t0 = time.perf_counter()
        fts_search(fts, q)
        fts_times.append(time.perf_counter() - t0)
    w, f = summarize(whoosh_times), summarize(fts_times)

    ko_queries = sorted({q for locale, q in qs if locale == "ko"})
    truth = {q: relevant(docs, q) for q in ko_queries}
    w_recall, w_precision = score({q: matching_ids(index, q, locale="ko") for q in ko_queries}, truth)
    f_recall, f_precision = score({q: fts_ids(fts, q) for q in ko_queries}, truth)

    print(table([
        {"engine": "Whoosh (desk: bigrams, boosts, re-rank, snippets)", "build s": fmt(whoosh_build),
         "p50 ms": fmt(w["p50"]), "p99 ms": fmt(w["p99"]), "max ms": fmt(w["max"]),
         "ko recall": fmt(w_recall, 3), "ko precision": fmt(w_precision, 3)},
        {"engine": "SQLite FTS5 unicode61 (bm25, snippet)", "build s": fmt(fts_build_s), "p50 ms": fmt(f["p50"]),
         "p99 ms": fmt(f["p99"]), "max ms": fmt(f["max"]), "ko recall": fmt(f_recall, 3),
         "ko precision": fmt(f_precision, 3)},
    ], ["engine", "build s", "p50 ms", "p99 ms", "max ms", "ko recall", "ko precision"],
        title=f"{len(docs):,} articles, {len(qs):,} queries, top 10"))
    print(f"Whoosh p99 / FTS5 p99 = {w['p99'] / f['p99']:.2f}x; queries without results: {empty}; "
          f"Korean queries scored: {len(ko_queries)}")
    if args.analyzers:
        rows = analyzer_comparison(docs, ko_queries, out)
        print(table(rows, ["analyzer", "docs", "build s", "recall", "precision", "p50 ms", "p99 ms"],
                    title="Korean analyzers, particle-stripped noun queries (all matches, unranked)"))


if __name__ == "__main__":
    main()
