"""The durable mail spool: raw messages are committed here before the SMTP server says 250.

A separate SQLite file (``<instance>/mail/spool.db``) in WAL mode with ``synchronous=FULL``, so a
commit is on disk when it returns, whatever database the rest of desk uses. Writes go through one
writer thread that commits whatever has queued up in a single transaction (group commit): with
several SMTP connections the fsync cost is shared instead of paid per message.

Rows move ``stored`` -> ``processed`` | ``quarantined``; the processor claims stored rows in
order, so mail accepted just before a crash is processed after the restart.
"""
from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS spool (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at REAL NOT NULL,
    mail_from TEXT NOT NULL,
    rcpt_to TEXT NOT NULL,
    peer TEXT,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    data BLOB NOT NULL,
    status TEXT NOT NULL DEFAULT 'stored',
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    processed_at REAL
);
CREATE INDEX IF NOT EXISTS ix_spool_status ON spool (status, id);
"""


@dataclass(frozen=True)
class SpooledMail:
    id: int
    received_at: float
    mail_from: str
    rcpt_to: list[str]
    peer: str | None
    sha256: str
    data: bytes
    attempts: int


def connect(path: Path, synchronous: str = "FULL") -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("PRAGMA busy_timeout=30000")
    conn.executescript(SCHEMA)
    return conn


class SpoolWriter:
    """Accepts raw messages from many connections; ``store`` returns once the message is durable."""

    def __init__(self, path: Path, max_batch: int = 64) -> None:
        self.path = path
        self.max_batch = max_batch
        self._pending: list[tuple[tuple, Future]] = []
        self._cond = threading.Condition()
        self._stopping = False
        self._conn = connect(path)
        self._thread = threading.Thread(target=self._run, name="spool-writer", daemon=True)
        self._thread.start()

    def submit(self, data: bytes, mail_from: str, rcpt_to: list[str], peer: str | None = None) -> Future:
        row = (time.time(), mail_from or "", "\n".join(rcpt_to), peer, len(data),
               hashlib.sha256(data).hexdigest(), sqlite3.Binary(data))
        future: Future = Future()
        with self._cond:
            if self._stopping:
                future.set_exception(RuntimeError("the spool is closed"))
                return future
            self._pending.append((row, future))
            self._cond.notify()
        return future

    def store(self, data: bytes, mail_from: str, rcpt_to: list[str], peer: str | None = None,
              timeout: float = 30) -> int:
        return self.submit(data, mail_from, rcpt_to, peer).result(timeout)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._stopping:
                    self._cond.wait()
                if not self._pending and self._stopping:
                    return
                batch, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch:]
            try:
                ids = self._commit([row for row, _ in batch])
            except Exception as exc:  # disk full, I/O error: every waiting sender gets a 451
                for _, future in batch:
                    future.set_exception(exc)
                continue
            for (_, future), row_id in zip(batch, ids):
                future.set_result(row_id)

    def _commit(self, rows: list[tuple]) -> list[int]:
        cur = self._conn.cursor()
        cur.execute("BEGIN IMMEDIATE")
        try:
            ids = []
            for row in rows:
                cur.execute("INSERT INTO spool (received_at, mail_from, rcpt_to, peer, size, sha256, data) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?)", row)
                ids.append(cur.lastrowid)
            cur.execute("COMMIT")  # synchronous=FULL: on disk when this returns
            return ids
        except BaseException:
            cur.execute("ROLLBACK")
            raise

    def close(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._thread.join(timeout=10)
        self._conn.close()


class SpoolReader:
    """Used by the processor: claim stored mail in arrival order, record the outcome."""

    def __init__(self, path: Path) -> None:
        # Marking a row processed need not wait for the disk: if the mark is lost in a power cut,
        # the message is processed again and intake recognises it by its Message-ID.
        self.conn = connect(path, synchronous="NORMAL")

    def pending(self, limit: int = 50, after_id: int = 0) -> list[SpooledMail]:
        rows = self.conn.execute(
            "SELECT id, received_at, mail_from, rcpt_to, peer, sha256, data, attempts FROM spool "
            "WHERE status = 'stored' AND id > ? ORDER BY id LIMIT ?", (after_id, limit)).fetchall()
        return [SpooledMail(r[0], r[1], r[2], r[3].split("\n") if r[3] else [], r[4], r[5], bytes(r[6]), r[7])
                for r in rows]

    def arrivals(self) -> tuple[float | None, float | None]:
        """When the newest message arrived, and when the oldest one still waiting did (epoch
        seconds; None for none): two index reads, no message data."""
        newest = self.conn.execute("SELECT received_at FROM spool ORDER BY id DESC LIMIT 1").fetchone()
        waiting = self.conn.execute(
            "SELECT received_at FROM spool WHERE status = 'stored' ORDER BY id LIMIT 1").fetchone()
        return (newest[0] if newest else None), (waiting[0] if waiting else None)

    def get(self, spool_id: int) -> SpooledMail | None:
        r = self.conn.execute(
            "SELECT id, received_at, mail_from, rcpt_to, peer, sha256, data, attempts FROM spool WHERE id = ?",
            (spool_id,)).fetchone()
        if r is None:
            return None
        return SpooledMail(r[0], r[1], r[2], r[3].split("\n") if r[3] else [], r[4], r[5], bytes(r[6]), r[7])

    def mark(self, spool_id: int, status: str, error: str | None = None) -> None:
        self.mark_many([(spool_id, status, error)])

    def mark_many(self, outcomes: list[tuple[int, str, str | None]]) -> None:
        now = time.time()
        self.conn.execute("BEGIN IMMEDIATE")
        self.conn.executemany("UPDATE spool SET status = ?, error = ?, processed_at = ?, attempts = attempts + 1 "
                              "WHERE id = ?", [(status, error, now, sid) for sid, status, error in outcomes])
        self.conn.execute("COMMIT")

    def record_failure(self, spool_id: int, error: str) -> None:
        self.conn.execute("UPDATE spool SET attempts = attempts + 1, error = ? WHERE id = ?", (error, spool_id))

    def counts(self) -> dict[str, int]:
        return dict(self.conn.execute("SELECT status, count(*) FROM spool GROUP BY status").fetchall())

    def prune(self, older_than_seconds: float) -> int:
        """Drop the raw bytes of processed mail after a while (quarantined mail is kept)."""
        cur = self.conn.execute("DELETE FROM spool WHERE status = 'processed' AND processed_at < ?",
                                (time.time() - older_than_seconds,))
        return cur.rowcount

    def close(self) -> None:
        self.conn.close()
