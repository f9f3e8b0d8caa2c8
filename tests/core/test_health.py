"""/healthz tells monitors about the database and the worker."""
from __future__ import annotations

from desk.heartbeat import beat


def test_healthz_reports_database_and_worker(client):
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["worker"] == "down"
    beat("worker")
    assert client.get("/healthz").get_json()["worker"] == "ok"


def test_security_headers_on_every_response(client):
    response = client.get("/healthz")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_relay_endpoint_refuses_unsigned_events(client):
    assert client.post("/internal/fanout", data=b'{"event":"x"}').status_code == 403
