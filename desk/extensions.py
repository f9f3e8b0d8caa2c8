"""Framework extensions, created unbound and initialised by ``create_app``.

Imports nothing from ``desk`` so any module may import it.
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Iterator

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_socketio import SocketIO
from flask_wtf import CSRFProtect
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, scoped_session, sessionmaker


class Database:
    """One engine and a scoped session (thread- or greenlet-local).

    Services commit; views only read. ``write()`` opens a write unit: on SQLite it
    starts with ``BEGIN IMMEDIATE`` so two processes never deadlock upgrading a read
    lock, and it retries when another process holds the write lock for too long.
    """

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self._factory = sessionmaker(expire_on_commit=False)
        self.session: scoped_session[Session] = scoped_session(self._factory)

    @property
    def is_sqlite(self) -> bool:
        return self.engine is not None and self.engine.dialect.name == "sqlite"

    def configure(self, url: str, *, echo: bool = False) -> Engine:
        if self.engine is not None and self.engine.url.render_as_string(hide_password=False) == url:
            self.session.remove()
            return self.engine  # same database: keep the pool (tests build many apps)
        if self.engine is not None:
            self.session.remove()
            self.engine.dispose()
        kwargs: dict = {"echo": echo, "future": True}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
        else:
            kwargs.update(pool_pre_ping=True, pool_size=10, max_overflow=20)
        engine = create_engine(url, **kwargs)
        if engine.dialect.name == "sqlite":
            _sqlite_setup(engine)
        self.engine = engine
        self._factory.configure(bind=engine)
        return engine

    def init_app(self, app) -> None:
        self.configure(app.config["DATABASE_URL"])
        app.extensions["desk_db"] = self

        @app.teardown_appcontext
        def _remove_session(exc):  # noqa: ARG001
            self.session.remove()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A unit of work that commits on success and rolls back on error."""
        session = self.session()
        if session.in_transaction():
            session.commit()  # end any read snapshot before taking the write lock
        if self.is_sqlite:
            session.connection(execution_options={"sqlite_immediate": True})
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise

    def retrying(self, fn, *args, attempts: int = 6, **kwargs):
        """Run ``fn`` (which uses ``write()``) again when the database was locked."""
        for attempt in range(attempts):
            try:
                return fn(*args, **kwargs)
            except OperationalError as exc:
                if not _is_lock_error(exc) or attempt == attempts - 1:
                    raise
                self.session.rollback()
                time.sleep(0.05 * (2**attempt))
        raise AssertionError("unreachable")


def _is_lock_error(exc: OperationalError) -> bool:
    text = str(exc.orig).lower()
    return "locked" in text or "busy" in text or "deadlock" in text or "could not serialize" in text


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if conn.get_execution_options().get("sqlite_immediate"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


db = Database()
socketio = SocketIO()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
