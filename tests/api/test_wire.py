"""The API over a real socket: a threaded HTTP server on a free loopback port, real HTTP requests.
Proves the JSON errors and the size limits hold on the wire."""
from __future__ import annotations

import http.client
import json

from desk.models import Ticket
from tests.api.conftest import BASE, Wire, count

CREATE = {"customer": {"email": "seoyeon@example.kr", "name": "정서연"}, "subject": "배송지 변경",
          "body": "배송지를 부산으로 바꿔 주세요."}


def is_error(data, code: str | None = None) -> bool:
    return isinstance(data, dict) and set(data) == {"error"} and bool(data["error"]["message"]) and \
        (code is None or data["error"]["code"] == code)


def test_create_list_and_get_over_http(wire):
    status, headers, created = wire.json("POST", "/tickets", CREATE)
    assert status == 201 and headers["Content-Type"].startswith("application/json")
    assert created["customer"]["name"] == "정서연" and created["subject"] == "배송지 변경"
    status, _, page = wire.request("GET", "/tickets?limit=10")
    assert status == 200 and [t["id"] for t in page["items"]] == [created["id"]] and page["next_cursor"] is None
    status, headers, got = wire.request("GET", f"/tickets/{created['number']}")
    assert status == 200 and got["interactions"][0]["text"] == "배송지를 부산으로 바꿔 주세요."
    assert headers["ETag"] == f'"{got["version"]}"'


def test_errors_are_json_on_the_wire(wire):
    status, _, data = wire.request("POST", "/tickets", b'{"customer": ', {"Content-Type": "application/json"})
    assert status == 400 and is_error(data, "bad_json")
    status, _, data = wire.request("POST", "/tickets", json.dumps(CREATE).encode(), {"Content-Type": "text/plain"})
    assert status == 415 and is_error(data, "unsupported_media_type")
    status, _, data = wire.request("GET", "/tickets/99999999999999999999999")
    assert status == 404 and is_error(data, "not_found")
    status, _, data = wire.request("GET", "/tickets?limit=abc")
    assert status == 422 and is_error(data, "invalid")
    status, _, data = wire.request("GET", "/no-such-thing")
    assert status == 404 and is_error(data, "not_found")
    status, headers, data = Wire(wire.port, None).request("GET", "/tickets")
    assert status == 401 and is_error(data, "unauthorized") and headers["WWW-Authenticate"].startswith("Bearer")


def test_body_over_the_api_limit_is_413_on_the_wire(app, wire):
    big = json.dumps({**CREATE, "body": "x" * (app.config["API_MAX_JSON_BYTES"] + 1)}).encode()
    status, _, data = wire.request("POST", "/tickets", big, {"Content-Type": "application/json"})
    assert status == 413 and is_error(data, "too_large")
    assert count(Ticket) == 0


def test_chunked_body_over_the_api_limit_is_413(app, wire):
    limit = app.config["API_MAX_JSON_BYTES"]
    chunks = [b'{"body": "'] + [b"y" * 65536] * (limit // 65536 + 2) + [b'"}']
    status, _, data = wire.request("POST", "/tickets", headers={"Content-Type": "application/json"}, chunks=chunks)
    assert status == 413 and is_error(data, "too_large")


def test_chunked_body_within_the_limit_is_accepted(wire):
    payload = json.dumps(CREATE).encode()
    status, _, data = wire.request("POST", "/tickets", headers={"Content-Type": "application/json"},
                                   chunks=[payload[:10], payload[10:]])
    assert status == 201, data


def test_a_declared_huge_body_is_refused_before_it_is_read(app, wire):
    """Content-Length beyond the server's request limit: the answer comes without the body."""
    conn = http.client.HTTPConnection("127.0.0.1", wire.port, timeout=30)
    try:
        conn.putrequest("POST", f"{BASE}/tickets")
        conn.putheader("Authorization", f"Bearer {wire.token}")
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Content-Length", str(app.config["MAX_CONTENT_LENGTH"] + 1))
        conn.endheaders()
        conn.send(b'{"customer": {')  # and nothing more
        response = conn.getresponse()
        assert response.status == 413
        assert is_error(json.loads(response.read()), "too_large")
    finally:
        conn.close()
