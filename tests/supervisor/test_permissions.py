"""Every supervisor and admin route refuses agents (403) and people who are not signed in (the
login page, or 401 JSON); admin routes also refuse supervisors; forms need their CSRF token."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from desk.extensions import db
from desk.models import AuditLog, Queue
from tests.console.conftest import page_token

SUPERVISOR_GET = ["/supervisor/floor", "/supervisor/floor/live", "/supervisor/reports",
                  "/supervisor/reports/export.csv", "/supervisor/reports/export.xlsx"]
ADMIN_GET = ["/admin/", "/admin/queues", "/admin/agents", "/admin/channels", "/admin/sla", "/admin/hours",
             "/admin/macros", "/admin/audit"]
ADMIN_POST = ["/admin/queues", "/admin/queues/1", "/admin/agents", "/admin/agents/1", "/admin/sla", "/admin/sla/1",
              "/admin/hours", "/admin/hours/1", "/admin/hours/1/holidays", "/admin/holidays/1/delete",
              "/admin/macros", "/admin/macros/1", "/admin/channels/default-queue",
              "/admin/channels/queues/1/acknowledgement"]


@pytest.mark.parametrize("path", SUPERVISOR_GET + ADMIN_GET)
def test_not_signed_in_goes_to_the_login_page(client, staff, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_floor_json_without_a_session_is_401_json(client, staff):
    response = client.get("/supervisor/floor.json")
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("path", SUPERVISOR_GET + ADMIN_GET)
def test_agents_are_refused(client, staff, sign_in, path):
    sign_in("agent")
    assert client.get(path).status_code == 403


def test_agents_get_403_json_from_the_floor_feed(client, staff, sign_in):
    sign_in("agent")
    response = client.get("/supervisor/floor.json")
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize("path", ADMIN_GET)
def test_supervisors_see_reports_but_not_settings(client, staff, sign_in, path):
    sign_in("supervisor")
    assert client.get(path).status_code == 403
    assert client.get("/supervisor/reports").status_code == 200


@pytest.mark.parametrize("path", ADMIN_POST)
def test_admin_forms_refuse_agents_and_supervisors(client, staff, sign_in, path):
    sign_in("supervisor")
    token = page_token(client, "/")
    assert client.post(path, data={"csrf_token": token, "name": "x", "routing": "round_robin"}).status_code == 403
    changed = set(db.session.scalars(select(AuditLog.action)))
    assert not changed - {"agent.created", "login.succeeded"}  # staff set-up and signing in, nothing else


def test_admin_forms_need_the_csrf_token(client, staff, sign_in):
    sign_in("admin")
    assert client.post("/admin/queues", data={"slug": "vip", "name": "VIP"}).status_code == 400
    assert db.session.scalar(select(Queue).where(Queue.slug == "vip")) is None


def test_nav_shows_supervision_only_to_supervisors(client, staff, sign_in):
    sign_in("agent")
    html = client.get("/").get_data(as_text=True)
    assert "/supervisor/floor" not in html and "/admin/" not in html
