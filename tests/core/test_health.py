"""/healthz tells monitors about the database and the worker."""
from __future__ import annotations

from desk.heartbeat import beat


def test_healthz_reports_database_and_worker(app, client):
    from desk.web import worker_loops

    body = client.get("/healthz").get_json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["worker"] == "down"
    with app.app_context():
        loops = worker_loops()
    assert {"outbox", "mail", "console"} <= loops
    # serve runs the mail drain in a process of its own: the other one alone is not enough.
    beat("worker", name="worker-a", info={"loops": sorted(loops - {"mail"})})
    body = client.get("/healthz").get_json()
    assert body["worker"] == "degraded" and body["worker_loops_down"] == ["mail"]
    beat("worker", name="worker-b", info={"loops": ["mail"]})
    body = client.get("/healthz").get_json()
    assert body["worker"] == "ok" and "worker_loops_down" not in body


def test_security_headers_on_every_response(client):
    response = client.get("/healthz")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_relay_endpoint_refuses_unsigned_events(client):
    assert client.post("/internal/fanout", data=b'{"event":"x"}').status_code == 403
