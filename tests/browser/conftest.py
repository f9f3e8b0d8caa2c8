"""A real server for end-to-end tests, and Chromium driven by Playwright.

``live_server`` starts ``python -m desk web`` (gevent, HTTP + Socket.IO) as a subprocess on a
free port against the session's test database, waits for ``/healthz`` and stops it at the end.
It is session-scoped and reusable: ``.url``, ``.port`` and ``.env`` (the environment the server
runs with) are what other suites need.

``live_app`` is an app in the test process bound to the same database, with the server's secret
and port: services called in it (intake, replies, updates) relay their events to the server,
exactly as the worker and SMTP processes do. It empties the tables first, like ``app``.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from desk import create_app
from desk.extensions import db
from tests.conftest import Factory, _empty_tables, make_config
from tests.console.conftest import compile_translations
from tests.live import free_port

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
SECRET_KEY = "test-secret-key-not-for-production"  # the one tests.conftest.make_config uses
VIEWPORT = {"width": 1366, "height": 768}


@dataclass
class LiveServer:
    url: str
    port: int
    env: dict[str, str]
    database_url: str
    instance: Path
    log_path: Path
    process: subprocess.Popen = field(repr=False)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-6000:]
        except OSError:
            return ""


def _wait_until_healthy(server: LiveServer, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the web server exited with {server.process.returncode}:\n{server.log()}")
        try:
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the web server did not become healthy in {timeout:.0f} s:\n{server.log()}")


@pytest.fixture(scope="session")
def live_server(database_url, tmp_path_factory):
    compile_translations()
    instance = tmp_path_factory.mktemp("live-instance")
    port = free_port()
    env = {
        **os.environ,
        "DESK_INSTANCE_DIR": str(instance),
        "DESK_DATABASE_URL": database_url,
        "DESK_HTTP_HOST": "127.0.0.1",
        "DESK_HTTP_PORT": str(port),
        "DESK_SECRET_KEY": SECRET_KEY,
        "DESK_MAIL_DOMAIN": "desk.test",
        "DESK_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DESK_REDIS_URL", None)
    log_path = instance / "web.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "desk", "web"], cwd=ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
    server = LiveServer(url=f"http://127.0.0.1:{port}", port=port, env=env, database_url=database_url,
                        instance=instance, log_path=log_path, process=process)
    try:
        _wait_until_healthy(server)
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def live_app(live_server, tmp_path):
    """An app in the test process on the server's database; its events reach the server."""
    config = make_config(live_server.database_url, tmp_path / "instance", HTTP_PORT=live_server.port,
                         INTERNAL_RELAY_URL=f"{live_server.url}/internal/fanout")
    application = create_app(config, role="cli")
    _empty_tables()
    with application.app_context():
        yield application
    db.session.remove()


@pytest.fixture
def live_make(live_app) -> Factory:
    return Factory(live_app)


def session_cookie(live_app, agent, url: str) -> dict:
    """A signed session cookie for ``agent``, as the login form would set it (no form round-trip,
    so suites do not run into the login rate limit)."""
    serializer = live_app.session_interface.get_signing_serializer(live_app)
    value = serializer.dumps({"_user_id": str(agent.id), "_fresh": True, "locale": "ko"})
    return {"name": live_app.config.get("SESSION_COOKIE_NAME", "session"), "value": value, "url": url,
            "httpOnly": True, "sameSite": "Lax"}


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    """A fresh browser context (Korean, 1366×768); fails the test on script errors and CSP violations."""
    context = browser.new_context(viewport=VIEWPORT, locale="ko-KR", timezone_id="Asia/Seoul")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda exc: problems.append(f"script error: {exc}"))
    tab.on("console", lambda msg: problems.append(f"console: {msg.text}")
           if msg.type == "error" and "Content Security Policy" in msg.text else None)
    yield tab
    context.close()
    assert not problems, problems


@pytest.fixture
def signed_in(page, live_server, live_app):
    """``signed_in(agent)`` gives the page that agent's session."""

    def _signed_in(agent):
        page.context.add_cookies([session_cookie(live_app, agent, live_server.url)])
        return page

    return _signed_in


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
