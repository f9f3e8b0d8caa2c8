"""/api/v1/openapi.json: a valid OpenAPI 3.1 document that matches the routes and the answers."""
from __future__ import annotations

import re

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.api.conftest import BASE, new_ticket

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def doc(client) -> dict:
    response = client.get(f"{BASE}/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def test_the_document_is_valid_openapi_3_1(doc):
    assert doc["openapi"].startswith("3.1")
    validate(doc)  # raises with the first problem


def test_the_document_lists_exactly_the_routes(app, doc):
    documented = {(method.upper(), path) for path, item in doc["paths"].items() for method in item if method in METHODS}
    served = {
        (method, re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule))
        for rule in app.url_map.iter_rules() if rule.rule.startswith(f"{BASE}/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert documented == served
    for path in ("/tickets", "/tickets/{ticket_key}", "/tickets/{ticket_key}/replies", "/customers",
                 "/customers/{customer_id}", "/customers/{customer_id}/timeline", "/customers/{customer_id}/merge",
                 "/openapi.json"):
        assert BASE + path in doc["paths"]


def test_operations_are_described(doc):
    ids = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            ids.append(op["operationId"])
            assert op["summary"] and op["responses"]
            declared = {p["name"] for p in op["parameters"] if p["in"] == "path"}
            assert declared == set(re.findall(r"{(\w+)}", path)), (method, path)
            if op["security"]:
                assert {"401", "403"} <= set(op["responses"])
            if "requestBody" in op:
                assert {"413", "415", "422"} <= set(op["responses"])
    assert len(ids) == len(set(ids))
    assert doc["paths"][f"{BASE}/openapi.json"]["get"]["security"] == []
    assert doc["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}


def test_request_bodies_are_the_enforced_schemas(doc):
    create = doc["paths"][f"{BASE}/tickets"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert set(create["required"]) == {"customer", "subject", "body"}
    assert create["additionalProperties"] is False
    merge = doc["paths"][f"{BASE}/customers/{{customer_id}}/merge"]["post"]["requestBody"]
    assert merge["content"]["application/json"]["schema"]["required"] == ["other_id"]


class Checker:
    """Validates real answers against the schema the document gives for their status code."""

    def __init__(self, doc: dict) -> None:
        self.doc = doc
        self.registry = Registry().with_resource("urn:desk-api", Resource.from_contents(
            doc, default_specification=DRAFT202012))
        self.checked: set[tuple[str, str, int]] = set()

    def __call__(self, method: str, template: str, response) -> dict:
        op = self.doc["paths"][BASE + template][method]
        status = str(response.status_code)
        assert status in op["responses"], (method, template, status, response.get_json())
        pointer = "/".join(["#", "paths", (BASE + template).replace("~", "~0").replace("/", "~1"), method,
                            "responses", status, "content", "application~1json", "schema"])
        schema = {"$ref": "urn:desk-api" + pointer}
        body = response.get_json()
        errors = sorted(Draft202012Validator(schema, registry=self.registry).iter_errors(body), key=str)
        assert not errors, (method, template, status, [e.message for e in errors[:3]])
        self.checked.add((method, template, response.status_code))
        return body


def test_answers_match_the_documented_schemas(doc, api, supervisor_api, staff):
    check = Checker(doc)
    created = check("post", "/tickets", api.post(f"{BASE}/tickets", json={
        "customer": {"email": "yuna@example.kr", "phone": "010-7777-8888", "name": "최유나"},
        "subject": "교환 요청", "body": "사이즈 교환 부탁드립니다.", "channel": "web"}))
    key = created["id"]
    check("get", "/tickets", api.get(f"{BASE}/tickets?limit=1"))
    check("post", "/tickets/{ticket_key}/replies", api.post(f"{BASE}/tickets/{key}/replies",
                                                           json={"body": "교환 접수했습니다."}))
    check("post", "/tickets/{ticket_key}/replies", api.post(f"{BASE}/tickets/{key}/replies",
                                                           json={"body": "메모", "internal": True}))
    check("patch", "/tickets/{ticket_key}", api.patch(f"{BASE}/tickets/{key}",
                                                      json={"tags": ["교환"], "assignee": None}))
    ticket = check("get", "/tickets/{ticket_key}", api.get(f"{BASE}/tickets/{created['number']}"))
    assert len(ticket["interactions"]) == 3
    customer = created["customer"]["id"]
    check("get", "/customers", api.get(f"{BASE}/customers?q=최유나"))
    check("get", "/customers/{customer_id}", api.get(f"{BASE}/customers/{customer}"))
    check("get", "/customers/{customer_id}/timeline", api.get(f"{BASE}/customers/{customer}/timeline"))
    other = new_ticket(api, email=None, phone="02-555-0100", name="")["customer"]["id"]
    check("post", "/customers/{customer_id}/merge", api.post(f"{BASE}/customers/{customer}/merge",
                                                             json={"other_id": other}))
    check("get", "/me", supervisor_api.get(f"{BASE}/me"))
    check("get", "/queues", api.get(f"{BASE}/queues"))
    check("get", "/openapi.json", api.get(f"{BASE}/openapi.json"))
    # and the errors
    check("get", "/tickets/{ticket_key}", api.get(f"{BASE}/tickets/424242"))
    check("get", "/tickets", api.get(f"{BASE}/tickets?limit=0"))
    check("get", "/tickets", api.client.get(f"{BASE}/tickets"))
    check("post", "/tickets", api.post(f"{BASE}/tickets", data="{", content_type="application/json"))
    check("post", "/tickets", api.post(f"{BASE}/tickets", data="{}", content_type="text/plain"))
    check("patch", "/tickets/{ticket_key}", api.patch(f"{BASE}/tickets/{key}", json={"version": 1, "priority": "low"}))
    check("post", "/customers/{customer_id}/merge", api.post(f"{BASE}/customers/{other}/merge",
                                                             json={"other_id": customer}))
    assert {status for _, _, status in check.checked} >= {200, 201, 400, 401, 404, 409, 415, 422}
