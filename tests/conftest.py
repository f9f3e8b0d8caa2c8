"""Shared fixtures: an app on a real database (SQLite, or PostgreSQL with DESK_TEST_DB=postgresql),
a test client, factories for staff and customers, and an authenticated API helper.

Every test starts with empty tables; the schema is migrated once per run with Alembic.
"""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest
from flask import g
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config import TestConfig  # noqa: E402
from desk import create_app  # noqa: E402
from desk.extensions import db  # noqa: E402
from desk.models import Base  # noqa: E402

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BACKEND = os.environ.get("DESK_TEST_DB", "sqlite")


def pytest_report_header(config):  # noqa: ARG001
    return f"desk database backend: {BACKEND}"


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    from desk import migrate

    if BACKEND == "postgresql":
        name = f"desk_test_{_worker()}_{os.getpid()}"
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
        migrate.upgrade(url)
        yield url
        db.session.remove()
        if db.engine is not None:
            db.engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        path = tmp_path_factory.mktemp("db") / "desk.db"
        url = f"sqlite:///{path}"
        migrate.upgrade(url)
        yield url


def _empty_tables() -> None:
    db.session.remove()
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))
            conn.execute(text("DELETE FROM sqlite_sequence")) if _has_sqlite_sequence(conn) else None
        conn.execute(text("INSERT INTO counter (name, value) VALUES ('ticket', 1000)"))


def _has_sqlite_sequence(conn) -> bool:
    return bool(conn.execute(text("SELECT 1 FROM sqlite_master WHERE name='sqlite_sequence'")).first())


def make_config(database_url: str, instance: Path, **overrides) -> TestConfig:
    return TestConfig({
        "DESK_INSTANCE_DIR": str(instance),
        "DESK_DATABASE_URL": database_url,
        "DESK_SECRET_KEY": "test-secret-key-not-for-production",
        "DESK_MAIL_DOMAIN": "desk.test",
        "DESK_PUBLIC_URL": "http://desk.test",
    }, **overrides)


@pytest.fixture
def config(database_url, tmp_path) -> TestConfig:
    return make_config(database_url, tmp_path / "instance")


@pytest.fixture
def app(config):
    application = create_app(config, role="web")
    _empty_tables()

    @application.before_request
    def _forget_request_caches():
        # The test keeps one app context open, so ``flask.g`` would outlive each test-client
        # request; forget what extensions cache there (signed-in user, locale, CSRF token), as a
        # real server does between requests.
        for name in ("_login_user", "_flask_babel", "_desk_here", "csrf_token"):
            g.pop(name, None)

    with application.app_context():
        yield application
    db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


TICKET_EVENTS = ("ticket.created", "ticket.updated", "interaction.created")


@pytest.fixture
def events(app):
    """(name, payload) of every ticket and interaction event, in the order subscribers heard them."""
    from desk.events import _subscribers, subscribe

    seen: list[tuple[str, dict]] = []

    @subscribe(*TICKET_EVENTS)
    def listener(name, payload):
        seen.append((name, payload))

    yield seen
    for name in TICKET_EVENTS:
        _subscribers[name].remove(listener)


def stored(ticket_id: int, interaction_id: int) -> tuple[dict, dict]:
    """``schemas.ticket_dict`` and ``interaction_dict`` of the rows as stored, read through the ORM
    in a fresh session (nothing cached: what a later request would read)."""
    from desk.models import Interaction, Ticket
    from desk.schemas import interaction_dict, ticket_dict

    db.session.remove()
    return (ticket_dict(db.session.get(Ticket, ticket_id)),
            interaction_dict(db.session.get(Interaction, interaction_id)))


# -- factories --------------------------------------------------------------------------------

class Factory:
    """Small builders that go through the real services."""

    password = "correct horse battery"

    def __init__(self, app) -> None:
        self.app = app
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    def queue(self, slug: str = "general", name: str | None = None, default: bool = False):
        from desk.models import Queue

        with db.write() as session:
            queue = Queue(slug=slug, name=name or slug.title(), is_default=default)
            session.add(queue)
        return queue

    def agent(self, role: str = "agent", queues: list[str] | None = None, email: str | None = None, **kw):
        from desk.services import auth

        email = email or f"{role}{self._next()}@desk.test"
        return auth.create_agent(email, role=role, password=self.password, queues=queues or [], **kw)

    def token(self, agent) -> str:
        from desk.services import auth

        return auth.create_token(agent.id, "test")

    def inbound(self, channel: str = "email", sender: str = "kim@example.kr", text: str = "안녕하세요",
                **kw):
        from channels.base import InboundMessage
        from desk.services import intake

        kw.setdefault("external_id", f"ext-{self._next()}")
        return intake.receive(InboundMessage(channel=channel, sender=sender, text=text, **kw))


@pytest.fixture
def make(app) -> Factory:
    return Factory(app)


class Api:
    """The JSON API as a client with a bearer token sees it."""

    def __init__(self, client, token: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def __getattr__(self, method):
        def call(path, **kw):
            headers = {**self.headers, **kw.pop("headers", {})}
            return getattr(self.client, method)(path, headers=headers, **kw)

        return call


@pytest.fixture
def staff(make):
    """A default queue, an agent working it, and a supervisor."""
    make.queue("general", "일반 문의", default=True)
    make.queue("billing", "결제")
    return {"agent": make.agent("agent", ["general"]), "supervisor": make.agent("supervisor"),
            "admin": make.agent("admin")}


@pytest.fixture
def api(client, make, staff) -> Api:
    return Api(client, make.token(staff["agent"]))


@pytest.fixture
def supervisor_api(client, make, staff) -> Api:
    return Api(client, make.token(staff["supervisor"]))


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or \
        re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def login(client, email: str, password: str = Factory.password):
    page = client.get("/login")
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": csrf_token(page.get_data(as_text=True))})
