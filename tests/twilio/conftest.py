"""Phone tests: signed webhooks (Twilio's own RequestValidator) and a local fake of Twilio's REST
API, so tests assert exactly what desk asked Twilio to do. Nothing leaves the machine."""
from __future__ import annotations

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from twilio.request_validator import RequestValidator

from tests.conftest import make_config

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
OUR_NUMBER = "+8215880000"
PUBLIC_URL = "http://desk.test"


class FakeTwilio:
    """Answers ``POST /2010-04-01/Accounts/<sid>/(Calls|Messages).json`` like Twilio and records
    each request; serves ``GET /media/<name>`` for MMS. ``fail_next`` makes the next create fail."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.media: dict[str, tuple[str, bytes]] = {}
        self.fail_next: tuple[int, int, str] | None = None
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                name = self.path.rsplit("/", 1)[-1]
                if self.path.startswith("/media/") and name in fake.media:
                    ctype, data = fake.media[name]
                    self.send_response(200)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                else:
                    self.send_response(404)
                    self.end_headers()

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = urllib.parse.parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
                form = {k: v if len(v) > 1 else v[0] for k, v in form.items()}
                kind = "Calls" if self.path.endswith("/Calls.json") else (
                    "Messages" if self.path.endswith("/Messages.json") else "other")
                with fake.lock:
                    sid = ("CA" if kind == "Calls" else "SM") + f"{len(fake.requests) + 1:032d}"
                    fake.requests.append({"kind": kind, "path": self.path, "form": form,
                                          "auth": self.headers.get("Authorization")})
                    failure, fake.fail_next = fake.fail_next, None
                if failure:
                    status, code, message = failure
                    body = json.dumps({"code": code, "message": message, "status": status}).encode()
                    self.send_response(status)
                else:
                    body = json.dumps({"sid": sid, "status": "queued", "to": form.get("To"),
                                       "from": form.get("From"), "account_sid": ACCOUNT_SID}).encode()
                    self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def of(self, kind: str) -> list[dict]:
        with self.lock:
            return [r["form"] for r in self.requests if r["kind"] == kind]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_twilio():
    fake = FakeTwilio()
    yield fake
    fake.close()


@pytest.fixture
def config(database_url, tmp_path, fake_twilio):
    """The app talks to the fake Twilio; webhooks are signed with AUTH_TOKEN."""
    return make_config(database_url, tmp_path / "instance", TWILIO_ACCOUNT_SID=ACCOUNT_SID,
                       TWILIO_AUTH_TOKEN=AUTH_TOKEN, TWILIO_NUMBER=OUR_NUMBER, TWILIO_API_BASE=fake_twilio.url,
                       PUBLIC_URL=PUBLIC_URL)


def signature(path: str, params: dict, token: str = AUTH_TOKEN) -> str:
    return RequestValidator(token).compute_signature(PUBLIC_URL + path, params)


@pytest.fixture
def twilio_post(client):
    """POST a webhook the way Twilio does: form-encoded, signed over our public URL."""

    def post(path: str, params: dict, *, sign: bool = True, token: str = AUTH_TOKEN):
        headers = {"X-Twilio-Signature": signature(path, params, token)} if sign else {}
        return client.post(path, data=params, headers=headers)

    return post


@pytest.fixture(autouse=True)
def _translations():
    from tests.console.conftest import compile_translations

    compile_translations()


@pytest.fixture
def sign_in_agent(client, staff):
    """``sign_in_agent("agent")`` signs the test client in as one of the ``staff`` accounts."""
    from tests.conftest import login

    def _sign_in(who: str = "agent"):
        response = login(client, staff[who].email)
        assert response.status_code == 302
        return client

    return _sign_in


def run_outbox(app) -> int:
    """One pass of the outbox worker in its own thread (its own session, as in the worker process)."""
    from desk.outbox import OutboxWorker

    done: list[int] = []
    thread = threading.Thread(target=lambda: done.append(OutboxWorker(app).run_once()))
    thread.start()
    thread.join()
    assert done, "the outbox pass failed"
    return done[0]


def next_monday(hour: int, minute: int = 0, *, days_after: int = 0):
    """``hour:minute`` in Seoul on the next Monday (plus ``days_after``), always in the future: rows a
    test creates now are due by then, and calling hours are judged on a known weekday."""
    from datetime import datetime, timedelta, timezone
    from zoneinfo import ZoneInfo

    seoul = ZoneInfo("Asia/Seoul")
    today = datetime.now(seoul).date()
    day = today + timedelta(days=(7 - today.weekday()) % 7 or 7) + timedelta(days=days_after)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=seoul).astimezone(timezone.utc)


@pytest.fixture
def campaign_progress(monkeypatch):
    """The ``campaign.progress`` events sent to the console, in order, as ``(rooms, payload)``:
    published by the services, delivered after commit, through the one emitter."""
    from desk.realtime import fanout

    sent: list[tuple[list[str], dict]] = []
    real_emit = fanout.emit

    def emit(event, data, rooms, *args, **kwargs):
        if event == "campaign.progress":
            sent.append((list(rooms), data))
        return real_emit(event, data, rooms, *args, **kwargs)

    monkeypatch.setattr(fanout, "emit", emit)
    return sent
