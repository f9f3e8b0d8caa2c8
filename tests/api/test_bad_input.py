"""Bad input gets a clear 4xx JSON error, never a 500, and writes nothing."""
from __future__ import annotations

import json

import pytest

from desk.models import Customer, Interaction, Ticket
from tests.api.conftest import BASE, assert_error, count

GOOD = {"customer": {"email": "kim@example.kr", "name": "김민지"}, "subject": "환불 문의", "body": "환불해 주세요."}
HUGE = "99999999999999999999999"


def body_routes(ticket_id: int, customer_id: int) -> list[tuple[str, str]]:
    return [("post", f"{BASE}/tickets"), ("patch", f"{BASE}/tickets/{ticket_id}"),
            ("post", f"{BASE}/tickets/{ticket_id}/replies"), ("post", f"{BASE}/customers/{customer_id}/merge")]


@pytest.fixture
def routes(ticket) -> list[tuple[str, str]]:
    return body_routes(ticket["id"], ticket["customer"]["id"])


@pytest.mark.parametrize(("raw", "why"), [
    (b'{"subject": "x",', "Expecting"),
    (b"{'subject': 'x'}", "Expecting property name"),
    (b"", "Expecting value"),
    (b'{"a": 1} trailing', "Extra data"),
    (b"\xff\xfe{", ""),  # not UTF-8
    (b"[" * 100_000 + b"]" * 100_000, ""),  # nested deeper than any parser recursion
])
def test_malformed_json_is_400(api, routes, raw, why):
    for method, url in routes:
        error = assert_error(getattr(api, method)(url, data=raw, content_type="application/json"), 400, "bad_json")
        assert why in error["message"]
    assert count(Interaction) == 1


def test_json_nested_nearly_as_deep_as_the_parser_allows_is_422(api, routes):
    for depth in (500, 900, 990):
        raw = b'{"body": ' + b"[" * depth + b"]" * depth + b', "subject": {"a": ' * 1 + b"1}}"
        for method, url in routes:
            response = getattr(api, method)(url, data=raw, content_type="application/json")
            assert response.status_code in (400, 422), response.status_code
            assert_error(response, response.status_code)


@pytest.mark.parametrize("raw", [b"[]", b'"text"', b"null", b"42", b"true", b'[{"subject": "x"}]'])
def test_json_that_is_not_an_object_is_400(api, routes, raw):
    for method, url in routes:
        error = assert_error(getattr(api, method)(url, data=raw, content_type="application/json"), 400, "bad_json")
        assert "JSON object" in error["message"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
                                          "application/xml", None])
def test_wrong_content_type_is_415(api, routes, content_type):
    for method, url in routes:
        kw = {"content_type": content_type} if content_type else {}
        error = assert_error(getattr(api, method)(url, data=json.dumps(GOOD), **kw), 415, "unsupported_media_type")
        assert "application/json" in error["message"]
    assert count(Ticket) == 1


def test_json_with_a_charset_or_a_json_suffix_is_accepted(api):
    assert api.post(f"{BASE}/tickets", data=json.dumps(GOOD).encode(),
                    content_type="application/json; charset=utf-8").status_code == 201
    assert api.post(f"{BASE}/tickets", data=json.dumps({**GOOD, "external_id": "x"}),
                    content_type="application/merge-patch+json").status_code == 201


@pytest.mark.parametrize(("body", "field"), [
    ({**GOOD, "subject": 5}, "subject"),
    ({**GOOD, "subject": None}, "subject"),
    ({**GOOD, "body": ["환불"]}, "body"),
    ({**GOOD, "customer": "kim@example.kr"}, "customer"),
    ({**GOOD, "customer": {"email": 12}}, "customer.email"),
    ({**GOOD, "channel": "fax"}, "channel"),
    ({**GOOD, "channel": "note"}, "channel"),
    ({**GOOD, "queue": 1.5}, "queue"),
    ({**GOOD, "queue": True}, "queue"),
    ({**GOOD, "queue": int(HUGE)}, "queue"),
    ({**GOOD, "external_id": 7}, "external_id"),
    ({**GOOD, "surprise": 1}, "surprise"),  # unknown field
    ({**GOOD, "customer": {"email": "kim@example.kr", "vip": True}}, "customer.vip"),
    ({"customer": GOOD["customer"], "body": "x"}, "subject"),  # missing
    ({"customer": GOOD["customer"], "subject": "x"}, "body"),
    ({"subject": "x", "body": "y"}, "customer"),
    ({**GOOD, "subject": ""}, "subject"),  # empty
    ({**GOOD, "subject": "   "}, "subject"),  # blank
    ({**GOOD, "body": "\n\t "}, "body"),
    ({**GOOD, "customer": {}}, "customer"),
    ({**GOOD, "customer": {"email": ""}}, "customer.email"),
    ({**GOOD, "customer": {"name": "김민지"}}, "customer"),  # nobody to reach
    ({**GOOD, "customer": {"email": "not-an-email"}}, "customer.email"),
    ({**GOOD, "customer": {"email": "kim@@example.kr"}}, "customer.email"),
    ({**GOOD, "customer": {"phone": "010-12"}}, "customer.phone"),
    ({**GOOD, "customer": {"phone": "call me maybe"}}, "customer.phone"),
    ({**GOOD, "customer": {"email": "kim@example.kr", "phone": "12345"}}, "customer.phone"),
    ({**GOOD, "queue": "no-such-queue"}, "queue"),
    ({**GOOD, "queue": 424242}, "queue"),
    ({**GOOD, "subject": "x" * 501}, "subject"),
    ({**GOOD, "body": "환불\x00해 주세요"}, "body"),  # no database stores NUL
    ({**GOOD, "subject": "\ud800broken"}, "subject"),  # an unpaired surrogate is not text
])
def test_bad_ticket_fields_are_422_and_write_nothing(api, body, field):
    response = api.post(f"{BASE}/tickets", data=json.dumps(body), content_type="application/json")
    error = assert_error(response, 422, "invalid")
    assert error["field"] == field, error
    assert field.split(".")[-1] in error["message"]
    assert len(error["message"]) < 300  # never echoes a huge value back
    assert count(Ticket) == 0 and count(Customer) == 0


@pytest.mark.parametrize(("body", "field"), [
    ({}, None),
    ({"status": "reopened"}, "status"),
    ({"status": None}, "status"),
    ({"priority": 3}, "priority"),
    ({"assignee": "1"}, "assignee"),
    ({"assignee": 1.5}, "assignee"),
    ({"assignee": True}, "assignee"),
    ({"assignee": int(HUGE)}, "assignee"),
    ({"assignee": 424242}, "assignee"),
    ({"tags": "vip"}, "tags"),
    ({"tags": ["ok", ""]}, "tags.1"),
    ({"tags": ["  "]}, "tags.0"),
    ({"tags": ["x"] * 51}, "tags"),
    ({"queue": "nowhere"}, "queue"),
    ({"queue": int(HUGE)}, "queue"),
    ({"version": "3"}, "version"),
    ({"version": int(HUGE)}, "version"),
    ({"customer_id": 5}, "customer_id"),
    ({"subject": ""}, "subject"),
])
def test_bad_patches_are_422_and_change_nothing(api, ticket, body, field):
    error = assert_error(api.patch(f"{BASE}/tickets/{ticket['id']}", json=body), 422, "invalid")
    assert error.get("field") == field, error
    after = api.get(f"{BASE}/tickets/{ticket['id']}").get_json()
    assert after["version"] == ticket["version"] and after["status"] == "new"


@pytest.mark.parametrize(("body", "field"), [
    ({}, "body"),
    ({"body": ""}, "body"),
    ({"body": "   "}, "body"),
    ({"body": 5}, "body"),
    ({"body": "hi", "channel": "fax"}, "channel"),
    ({"body": "hi", "channel": "voice"}, "channel"),
    ({"body": "hi", "internal": "yes"}, "internal"),
    ({"body": "hi", "status": "done"}, "status"),
    ({"body": "hi", "cc": "boss@example.com"}, "cc"),
    ({"body": "x" * 100_001}, "body"),
])
def test_bad_replies_are_422_and_send_nothing(api, ticket, body, field):
    error = assert_error(api.post(f"{BASE}/tickets/{ticket['id']}/replies", json=body), 422, "invalid")
    assert error["field"] == field
    assert count(Interaction) == 1


def test_body_over_the_api_limit_is_413(app, api, routes):
    limit = app.config["API_MAX_JSON_BYTES"]
    big = json.dumps({**GOOD, "body": "가" * limit})
    for method, url in routes:
        error = assert_error(getattr(api, method)(url, data=big, content_type="application/json"), 413, "too_large")
        assert str(limit) in error["message"]
    assert count(Interaction) == 1


def test_body_over_the_request_limit_is_413(app, api, ticket):
    assert app.config["MAX_CONTENT_LENGTH"] > app.config["API_MAX_JSON_BYTES"]
    big = b'{"body": "' + b"x" * (app.config["MAX_CONTENT_LENGTH"] + 10) + b'"}'
    assert_error(api.post(f"{BASE}/tickets/{ticket['id']}/replies", data=big, content_type="application/json"), 413)
    assert_error(api.post(f"{BASE}/tickets", data=big, content_type="text/plain"), 413)


@pytest.mark.parametrize("key", ["abc", "1.5", "-1", "0", "1e3", HUGE, "9223372036854775808", "١", "0x1f", " 1",
                                 "%00", "1%00", "9" * 5000])
def test_unknown_or_odd_ids_are_404(api, supervisor_api, ticket, key):
    for client in (api, supervisor_api):
        assert_error(client.get(f"{BASE}/tickets/{key}"), 404, "not_found")
        assert_error(client.patch(f"{BASE}/tickets/{key}", json={"status": "open"}), 404, "not_found")
        assert_error(client.post(f"{BASE}/tickets/{key}/replies", json={"body": "hi"}), 404, "not_found")
        assert_error(client.get(f"{BASE}/customers/{key}"), 404, "not_found")
        assert_error(client.get(f"{BASE}/customers/{key}/timeline"), 404, "not_found")
        assert_error(client.post(f"{BASE}/customers/{key}/merge", json={"other_id": 1}), 404, "not_found")
    assert count(Interaction) == 1


def test_ids_that_exist_nowhere_are_404(api, ticket):
    for key in ("424242", "2147483647", "2147483648", "9223372036854775807"):
        assert_error(api.get(f"{BASE}/tickets/{key}"), 404, "not_found")
        assert_error(api.get(f"{BASE}/customers/{key}"), 404, "not_found")


def test_nul_in_a_query_parameter_is_400(api):
    assert_error(api.get(f"{BASE}/tickets?q=a%00b"), 400, "bad_request")
    assert_error(api.get(f"{BASE}/customers?q=%00"), 400, "bad_request")


def test_odd_but_harmless_queries_are_fine(api, ticket):
    for q in ("%25", "%5C", "'; DROP TABLE ticket; --", "😀", "가" * 5000, "%E2%80%AE", "#", "#" + "9" * 40):
        assert api.get(f"{BASE}/tickets?q={q}").status_code == 200
        assert api.get(f"{BASE}/customers?q={q}").status_code == 200


def test_idempotency_key_must_be_sensible(api):
    assert_error(api.post(f"{BASE}/tickets", json=GOOD, headers={"Idempotency-Key": "k" * 201}), 400)
    assert_error(api.post(f"{BASE}/tickets", json=GOOD, headers={"Idempotency-Key": "  "}), 400)
    assert count(Ticket) == 0


def test_if_match_must_be_a_version(api, ticket):
    url = f"{BASE}/tickets/{ticket['id']}"
    assert_error(api.patch(url, json={"priority": "high"}, headers={"If-Match": "yesterday"}), 400, "bad_request")
    assert api.patch(url, json={"priority": "high"}, headers={"If-Match": "*"}).status_code == 200


def test_unknown_paths_and_methods_are_json(api, ticket):
    assert_error(api.get(f"{BASE}/nothing-here"), 404, "not_found")
    assert_error(api.get(f"{BASE}/tickets/{ticket['id']}/nothing"), 404, "not_found")
    assert_error(api.delete(f"{BASE}/tickets/{ticket['id']}"), 405, "method_not_allowed")
    assert_error(api.put(f"{BASE}/tickets", json=GOOD), 405, "method_not_allowed")


def test_a_subject_token_beyond_any_ticket_number_threads_nowhere(api, make):
    """Mail parsing accepts [#999999999999]; the lookup must not overflow the INTEGER column."""
    from channels.base import ThreadHints

    ticket, interaction = make.inbound("email", "kim@example.kr", "문의", subject="[#999999999999] 문의",
                                       thread_hints=ThreadHints(ticket_number=999_999_999_999))
    assert interaction.meta["threading"]["reason"] == "new_ticket"
    found = api.get(f"{BASE}/tickets?q=999999999999")  # matches the subject; no ticket number that large
    assert [t["id"] for t in found.get_json()["items"]] == [ticket.id]
