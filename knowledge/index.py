"""The Whoosh index of published articles: a cache of the database under the instance folder.

``update(docs)`` is called after each commit that changes an article (through the
``kb.article.changed`` event, whose payload carries the document, so nothing here reads the
database on that path); ``rebuild()`` (``flask --app desk kb reindex``) builds it anew from the
database. Searchers are kept open and refreshed only when the index changed.
"""
from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema
from whoosh.index import LockError
from whoosh.writing import CLEAR

from knowledge.analysis import KoreanAnalyzer, SpellingAnalyzer, approx_terms

log = logging.getLogger(__name__)

INDEX_NAME = "kb"
SNIPPET_SOURCE_CHARS = 4000
TITLE_WEIGHT = 3
TAGS_WEIGHT = 2


def make_schema() -> Schema:
    analyzer = KoreanAnalyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        locale=ID(stored=True),
        category=ID(stored=True),
        title=STORED(),
        # Title, tags and body in one field, the title three times and the tags twice: one
        # posting list per term makes a query several times faster than a union over three
        # fields, with the same title > tags > body order.
        content=TEXT(analyzer=analyzer, phrase=False),
        spell=TEXT(analyzer=SpellingAnalyzer(), phrase=False),
        text=STORED(),  # the start of the body as plain text, for snippets
        slug=STORED(),
        # Columns the scorer reads for every match (stored fields are read only for what is shown).
        length=NUMERIC(sortable=True),
        helpful=NUMERIC(signed=True, sortable=True),
        updated=NUMERIC(bits=64, sortable=True),
    )


def document(article: dict) -> dict:
    """The index document of an article dict (see ``knowledge.articles.index_payload``)."""
    tags = " ".join(article.get("tags") or [])
    text = article.get("text") or ""
    return {
        "id": str(article["id"]),
        "locale": article["locale"],
        "category": str(article.get("category_id") or ""),
        "title": article["title"],
        "content": "\n".join((article["title"],) * TITLE_WEIGHT + (tags,) * TAGS_WEIGHT + (text,)),
        "spell": " ".join((article["title"], tags, text[:2000])),
        "text": text[:SNIPPET_SOURCE_CHARS],
        "slug": article.get("slug") or "",
        "length": approx_terms(text) + approx_terms(tags) * TAGS_WEIGHT + approx_terms(article["title"]) * TITLE_WEIGHT,
        "helpful": int(article.get("helpful_yes") or 0) - int(article.get("helpful_no") or 0),
        "updated": int(article.get("updated") or 0),
    }


class KbIndex:
    """One index directory; one per process is kept by ``for_dir``."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._ix = None
        self._searcher = None
        self._checked = 0.0
        self._lock = threading.Lock()

    # -- opening --------------------------------------------------------------------------
    def exists(self) -> bool:
        return self.path.is_dir() and whoosh_index.exists_in(str(self.path), indexname=INDEX_NAME)

    def open(self):
        if self._ix is None:
            if not self.exists():
                self.create()
            self._ix = whoosh_index.open_dir(str(self.path), indexname=INDEX_NAME)
        return self._ix

    def create(self):
        self.path.mkdir(parents=True, exist_ok=True)
        self._ix = whoosh_index.create_in(str(self.path), make_schema(), indexname=INDEX_NAME)
        self._drop_searcher()
        return self._ix

    def searcher(self, max_age: float = 0.5):
        """A shared searcher, refreshed (cheaply) when another writer changed the index."""
        with self._lock:
            now = time.monotonic()
            if self._searcher is None:
                self._searcher = self.open().searcher()
                self._checked = now
            elif now - self._checked > max_age:
                self._checked = now
                try:
                    current = self._searcher.up_to_date()
                except Exception:  # noqa: BLE001  (a half-written or replaced index: open anew)
                    current = False
                if not current:
                    # A new searcher rather than Searcher.refresh(), which fails on a searcher of
                    # an index that had no documents. The old one closes when its last user is done.
                    self._searcher = self.open().searcher()
            return self._searcher

    def _drop_searcher(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
            self._searcher = None

    # -- writing --------------------------------------------------------------------------
    def _writer(self, timeout: float = 20.0):
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.open().writer()
            except LockError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def update(self, upserts: list[dict], deletes: list[int] = ()) -> None:
        """Add or replace published articles and remove the others, in one commit."""
        writer = self._writer()
        try:
            for article_id in deletes:
                writer.delete_by_term("id", str(article_id))
            for article in upserts:
                writer.update_document(**document(article))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        self._drop_searcher()

    def rebuild(self, articles, *, optimize: bool = True) -> int:
        """Replace every document with the given article dicts, in one commit: searches (here and
        in other processes) see the old index until then, and the new one right after."""
        if self.exists() and set(self.open().schema.names()) == set(make_schema().names()):
            writer = self._writer(timeout=120)
        else:  # no index yet, or one from an older schema
            self.close()
            self.create()
            writer = self._writer()
        count = 0
        try:
            for article in articles:
                writer.add_document(**document(article))
                count += 1
        except BaseException:
            writer.cancel()
            raise
        writer.commit(mergetype=CLEAR, optimize=optimize)
        self._drop_searcher()
        return count

    def close(self) -> None:
        self._drop_searcher()
        if self._ix is not None:
            self._ix.close()
            self._ix = None


_indexes: dict[str, KbIndex] = {}
_registry_lock = threading.Lock()


def for_dir(path) -> KbIndex:
    key = str(Path(path).resolve())
    with _registry_lock:
        if key not in _indexes:
            _indexes[key] = KbIndex(Path(key))
        return _indexes[key]


def index_dir(app) -> Path:
    return Path(app.config["INDEX_DIR"]) / INDEX_NAME
