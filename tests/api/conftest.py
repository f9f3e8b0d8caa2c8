"""Helpers for the /api/v1 suites: build tickets through the API and check error answers."""
from __future__ import annotations

import http.client
import json
import threading

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from desk.extensions import db

BASE = "/api/v1"


def count(model) -> int:
    db.session.rollback()  # read what other requests committed, not an old snapshot
    return db.session.scalar(select(func.count()).select_from(model))


def assert_error(response, status: int, code: str | None = None) -> dict:
    """A JSON error of the documented shape with this status; returns the error object."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    assert response.mimetype == "application/json", response.mimetype
    body = response.get_json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert isinstance(error.get("code"), str) and error["code"], body
    assert isinstance(error.get("message"), str) and error["message"].strip(), body
    if code is not None:
        assert error["code"] == code, body
    return error


def new_ticket(api, *, email: str | None = "kim.minji@example.kr", phone: str | None = None,
               name: str | None = "김민지", subject: str = "환불 문의", body: str = "주문한 상품을 환불하고 싶습니다.",
               headers: dict | None = None, **extra) -> dict:
    customer = {k: v for k, v in {"email": email, "phone": phone, "name": name}.items() if v is not None}
    response = api.post(f"{BASE}/tickets", json={"customer": customer, "subject": subject, "body": body, **extra},
                        headers=headers or {})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


@pytest.fixture
def staff(make):
    """As the shared fixture, but without passwords: the API takes tokens, and hashing three
    passwords with argon2 would be most of each test's time."""
    from desk.services import auth

    make.queue("general", "일반 문의", default=True)
    make.queue("billing", "결제")
    return {"agent": auth.create_agent("agent@desk.test", role="agent", queues=["general"]),
            "supervisor": auth.create_agent("supervisor@desk.test", role="supervisor"),
            "admin": auth.create_agent("admin@desk.test", role="admin")}


@pytest.fixture
def ticket(api) -> dict:
    """A fresh e-mail ticket in the default queue (the agent's)."""
    return new_ticket(api)


@pytest.fixture
def server(app):
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    thread.join(timeout=10)
    httpd.server_close()


class Wire:
    """One HTTP/1.1 connection per request, as a script would make them."""

    def __init__(self, port: int, token: str | None) -> None:
        self.port, self.token = port, token

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
                *, chunks: list[bytes] | None = None) -> tuple[int, dict, dict | str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            sent = {"Authorization": f"Bearer {self.token}"} if self.token else {}
            sent.update(headers or {})
            if chunks is not None:
                conn.putrequest(method, BASE + path)
                for name, value in {**sent, "Transfer-Encoding": "chunked"}.items():
                    conn.putheader(name, value)
                conn.endheaders()
                for chunk in chunks:
                    conn.send(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                conn.send(b"0\r\n\r\n")
            else:
                conn.request(method, BASE + path, body=body, headers=sent)
            response = conn.getresponse()
            raw = response.read()
            kind = response.getheader("Content-Type", "")
            data = json.loads(raw) if kind.startswith("application/json") else raw.decode(errors="replace")
            return response.status, dict(response.getheaders()), data
        finally:
            conn.close()

    def json(self, method: str, path: str, payload, headers: dict | None = None):
        return self.request(method, path, json.dumps(payload).encode(),
                            {"Content-Type": "application/json", **(headers or {})})


@pytest.fixture
def wire(server, make, staff) -> Wire:
    return Wire(server.server_port, make.token(staff["agent"]))
