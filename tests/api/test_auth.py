"""Who may call the API: bearer tokens, browser sessions with CSRF, and the agent's queues."""
from __future__ import annotations

import flask
import pytest
from flask_wtf.csrf import generate_csrf

from desk.extensions import db
from desk.models import Agent, ApiToken, Interaction, utcnow
from tests.api.conftest import BASE, assert_error, count, new_ticket
from tests.conftest import Api

PROTECTED = [
    ("get", "/tickets", None), ("post", "/tickets", {"customer": {"email": "a@example.com"}, "subject": "s",
                                                     "body": "b"}),
    ("get", "/tickets/1", None), ("patch", "/tickets/1", {"status": "open"}),
    ("post", "/tickets/1/replies", {"body": "hi"}),
    ("get", "/customers", None), ("get", "/customers/1", None), ("get", "/customers/1/timeline", None),
    ("post", "/customers/1/merge", {"other_id": 2}), ("get", "/me", None), ("get", "/queues", None),
]


@pytest.mark.parametrize(("method", "path", "body"), PROTECTED)
def test_no_token_is_401_with_a_clear_message(client, ticket, method, path, body):
    response = getattr(client, method)(BASE + path, json=body)
    error = assert_error(response, 401, "unauthorized")
    assert "Authorization: Bearer" in error["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert count(Interaction) == 1


@pytest.mark.parametrize(("header", "words"), [
    ("Bearer desk_not-a-real-token", "unknown or revoked"),
    ("Bearer ", "missing"),
    ("Bearer", "missing"),
    ("Basic YWdlbnQ6cGFzc3dvcmQ=", "not supported"),
    ("Token abc", "not supported"),
    ("Bearer " + "x" * 5000, "unknown or revoked"),
    ("Bearer 토큰", "unknown or revoked"),
])
def test_bad_authorization_headers_are_401(client, staff, header, words):
    error = assert_error(client.get(f"{BASE}/tickets", headers={"Authorization": header}), 401, "unauthorized")
    assert words in error["message"]


def test_the_scheme_is_case_insensitive(client, make, staff):
    token = make.token(staff["agent"])
    assert client.get(f"{BASE}/me", headers={"Authorization": f"bearer {token}"}).status_code == 200


def test_a_revoked_token_is_401(client, make, staff):
    token = make.token(staff["agent"])
    api = Api(client, token)
    assert api.get(f"{BASE}/me").get_json()["email"] == "agent@desk.test"
    with db.write() as session:
        for row in session.query(ApiToken).filter_by(agent_id=staff["agent"].id):
            row.revoked_at = utcnow()
    assert "revoked" in assert_error(api.get(f"{BASE}/me"), 401)["message"]


def test_a_deactivated_agents_token_is_401(client, make, staff):
    api = Api(client, make.token(staff["agent"]))
    with db.write() as session:
        session.get(Agent, staff["agent"].id).active = False
    assert_error(api.get(f"{BASE}/tickets"), 401, "unauthorized")


def test_the_openapi_document_is_public(client):
    assert client.get(f"{BASE}/openapi.json").status_code == 200


@pytest.fixture
def billing_ticket(supervisor_api) -> dict:
    """A ticket in a queue the agent does not work."""
    return new_ticket(supervisor_api, email="choi@example.kr", name="최유나", subject="결제 오류",
                      body="카드 결제가 두 번 되었어요.", queue="billing")


def test_an_agent_cannot_see_tickets_outside_its_queues(api, billing_ticket):
    for key in (billing_ticket["id"], billing_ticket["number"]):
        error = assert_error(api.get(f"{BASE}/tickets/{key}"), 404, "not_found")
        assert error["message"] == f"ticket {key} not found"  # the same answer as for no ticket at all
        assert_error(api.patch(f"{BASE}/tickets/{key}", json={"status": "solved"}), 404, "not_found")
        assert_error(api.post(f"{BASE}/tickets/{key}/replies", json={"body": "hi"}), 404, "not_found")
    nothing = assert_error(api.get(f"{BASE}/tickets/424242"), 404, "not_found")
    assert nothing["message"] == "ticket 424242 not found"
    assert billing_ticket["id"] not in {t["id"] for t in api.get(f"{BASE}/tickets").get_json()["items"]}
    assert api.get(f"{BASE}/tickets?q={billing_ticket['number']}").get_json()["items"] == []
    assert api.get(f"{BASE}/tickets?q=choi").get_json()["items"] == []
    assert count(Interaction) == 1


def test_an_agent_does_not_see_foreign_tickets_through_the_customer(api, billing_ticket):
    customer_id = billing_ticket["customer"]["id"]
    seen = api.get(f"{BASE}/customers/{customer_id}").get_json()
    assert seen["recent_tickets"] == [] and seen["ticket_counts"] == {}
    assert api.get(f"{BASE}/customers/{customer_id}/timeline").get_json()["items"] == []


def test_a_supervisor_sees_and_changes_every_queue(supervisor_api, billing_ticket):
    url = f"{BASE}/tickets/{billing_ticket['id']}"
    assert supervisor_api.get(url).status_code == 200
    assert supervisor_api.patch(url, json={"priority": "high"}).status_code == 200
    assert supervisor_api.post(f"{url}/replies", json={"body": "확인했습니다."}).status_code == 201


def test_an_agent_sees_tickets_assigned_to_it_in_other_queues(api, supervisor_api, staff, billing_ticket):
    url = f"{BASE}/tickets/{billing_ticket['id']}"
    assert supervisor_api.patch(url, json={"assignee": staff["agent"].id}).status_code == 200
    assert api.get(url).status_code == 200
    assert api.patch(url, json={"status": "pending"}).status_code == 200
    assert api.post(f"{url}/replies", json={"body": "처리하겠습니다."}).status_code == 201
    assert billing_ticket["id"] in {t["id"] for t in api.get(f"{BASE}/tickets?assignee=me").get_json()["items"]}


def test_list_filters_never_widen_what_an_agent_sees(api, supervisor_api, staff, ticket, billing_ticket):
    """Filtering by queue or by "unassigned" shows the agent's own share of it, no more, no less."""
    other = new_ticket(supervisor_api, email="yoon@example.kr", name="윤서연", subject="환불 문의",
                       body="환불해 주세요.", queue="billing")
    assert supervisor_api.patch(f"{BASE}/tickets/{other['id']}", json={"assignee": staff["agent"].id}).status_code == 200

    def ids(query: str) -> set[int]:
        response = api.get(f"{BASE}/tickets?{query}")
        assert response.status_code == 200, query
        return {t["id"] for t in response.get_json()["items"]}

    assert ids("queue=billing") == {other["id"]}  # a foreign queue: only what is assigned to the agent
    assert ids("queue=billing&assignee=none") == set()
    assert ids("queue=general") == {ticket["id"]}  # the agent's queue: all of it
    assert ids("queue=general&assignee=none") == {ticket["id"]}
    assert ids("assignee=none") == {ticket["id"]}
    assert ids("") == {ticket["id"], other["id"]}
    assert billing_ticket["id"] not in ids("queue=billing&status=new,open,pending")


def test_an_agent_cannot_move_a_ticket_into_a_foreign_queue(api, ticket):
    error = assert_error(api.patch(f"{BASE}/tickets/{ticket['id']}", json={"queue": "billing"}), 422)
    assert error["field"] == "queue"


def test_an_agent_cannot_assign_to_someone_outside_the_queue(api, staff, ticket):
    error = assert_error(api.patch(f"{BASE}/tickets/{ticket['id']}", json={"assignee": staff["admin"].id}), 422)
    assert error["field"] == "assignee"


def login_session(app, client, agent) -> str:
    """Sign the browser in as ``agent`` (what the login page does) and return its CSRF token."""
    with app.test_request_context():
        token = generate_csrf()
        raw = flask.session["csrf_token"]
    with client.session_transaction() as session:
        session["_user_id"] = str(agent.id)
        session["_fresh"] = True
        session["csrf_token"] = raw
    return token


def test_a_browser_session_may_read(app, client, staff, ticket):
    login_session(app, client, staff["agent"])
    assert client.get(f"{BASE}/tickets/{ticket['id']}").status_code == 200


def test_a_browser_session_must_send_the_csrf_token_to_write(app, client, staff, ticket):
    token = login_session(app, client, staff["agent"])
    url = f"{BASE}/tickets/{ticket['id']}"
    error = assert_error(client.patch(url, json={"priority": "high"}), 403, "csrf_failed")
    assert "CSRF" in error["message"]
    assert_error(client.post(f"{url}/replies", json={"body": "hi"}), 403, "csrf_failed")
    assert_error(client.patch(url, json={"priority": "high"}, headers={"X-CSRFToken": "forged"}), 403, "csrf_failed")
    assert count(Interaction) == 1
    response = client.patch(url, json={"priority": "high"}, headers={"X-CSRFToken": token})
    assert response.status_code == 200 and response.get_json()["priority"] == "high"


def test_a_bearer_token_needs_no_csrf_token_even_with_a_session(app, client, make, staff, ticket):
    login_session(app, client, staff["agent"])
    api = Api(client, make.token(staff["agent"]))
    assert api.patch(f"{BASE}/tickets/{ticket['id']}", json={"priority": "high"}).status_code == 200
