"""Customers through /api/v1: search, read, the cross-channel timeline, merge."""
from __future__ import annotations

from urllib.parse import quote

import pytest

from desk.models import Customer, Identity
from tests.api.conftest import BASE, assert_error, count, new_ticket


@pytest.fixture
def two_of_one(api, make):
    """The same person twice: once by mail, once by phone (SMS and a call)."""
    mail = new_ticket(api, email="jiwoo.han@example.kr", name="한지우", subject="배송 문의",
                      body="언제 도착하나요?")
    sms, _ = make.inbound("sms", "010-2345-6789", "문자로 다시 문의드립니다.")
    call, _ = make.inbound("voice", "+82 10 2345 6789", "(부재중 전화)")
    return {"mail": mail, "mail_customer": mail["customer"]["id"], "phone_customer": sms.customer_id,
            "sms_ticket": sms.id, "call_ticket": call.id}


def merge(api, target: int, other) -> object:
    return api.post(f"{BASE}/customers/{target}/merge", json={"other_id": other})


def test_search_by_name_email_and_phone(api, two_of_one):
    def found(q):
        response = api.get(f"{BASE}/customers?q={quote(q)}")
        assert response.status_code == 200
        return {c["id"] for c in response.get_json()["items"]}

    mail, phone = two_of_one["mail_customer"], two_of_one["phone_customer"]
    assert found("한지우") == {mail}
    assert found("JIWOO.HAN@") == {mail}
    assert found("010-2345-6789") == {phone}
    assert found("+821023456789") == {phone}
    assert found("nobody") == set()
    assert found("") == {mail, phone}


def test_customer_list_pages(api, make):
    for n in range(7):
        make.inbound("email", f"c{n}@example.com", "hi", sender_name=f"Customer {n}")
    seen, cursor = [], None
    for _ in range(5):
        page = api.get(f"{BASE}/customers?limit=3" + (f"&cursor={cursor}" if cursor else "")).get_json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 7 and cursor is None
    assert_error(api.get(f"{BASE}/customers?limit=0"), 422)
    assert_error(api.get(f"{BASE}/customers?cursor=nonsense"), 422)


def test_get_customer_with_identities_counts_and_recent_tickets(api, two_of_one):
    got = api.get(f"{BASE}/customers/{two_of_one['phone_customer']}")
    assert got.status_code == 200
    customer = got.get_json()
    assert customer["identities"] == [{"kind": "phone", "value": "+821023456789", "verified": False}]
    assert customer["ticket_counts"] == {"new": 2}
    assert {t["id"] for t in customer["recent_tickets"]} == {two_of_one["sms_ticket"], two_of_one["call_ticket"]}
    assert customer["merged_into"] is None


def test_timeline_is_newest_first_across_channels(api, two_of_one):
    customer = two_of_one["phone_customer"]
    ticket_id = two_of_one["sms_ticket"]
    url = f"{BASE}/tickets/{ticket_id}/replies"
    assert api.post(url, json={"channel": "sms", "body": "내일 도착합니다."}).status_code == 201
    assert api.post(url, json={"body": "VIP 고객", "internal": True}).status_code == 201
    items = api.get(f"{BASE}/customers/{customer}/timeline").get_json()["items"]
    assert [(i["channel"], i["direction"]) for i in items] == [
        ("note", "internal"), ("sms", "outbound"), ("voice", "inbound"), ("sms", "inbound")]
    assert [i["id"] for i in items] == sorted((i["id"] for i in items), reverse=True)


def test_timeline_pages(api, make):
    for n in range(5):
        make.inbound("sms", "010-3333-4444", f"메시지 {n}", external_id=f"sms-{n}")
    ticket_id = make.inbound("sms", "010-3333-4444", "마지막", external_id="sms-last")[0].id
    customer = api.get(f"{BASE}/tickets/{ticket_id}").get_json()["customer"]["id"]
    first = api.get(f"{BASE}/customers/{customer}/timeline?limit=4").get_json()
    second = api.get(f"{BASE}/customers/{customer}/timeline?limit=4&cursor={first['next_cursor']}").get_json()
    texts = [i["text"] for i in first["items"] + second["items"]]
    assert texts == ["마지막", "메시지 4", "메시지 3", "메시지 2", "메시지 1", "메시지 0"]
    assert second["next_cursor"] is None
    assert_error(api.get(f"{BASE}/customers/{customer}/timeline?limit=abc"), 422)
    assert_error(api.get(f"{BASE}/customers/{customer}/timeline?cursor=%7B%7D"), 422)


def test_merge_moves_identities_tickets_and_timeline(api, make, two_of_one):
    target, other = two_of_one["mail_customer"], two_of_one["phone_customer"]
    response = merge(api, target, other)
    assert response.status_code == 200, response.get_json()
    merged = response.get_json()
    assert merged["id"] == target and merged["name"] == "한지우"
    assert {(i["kind"], i["value"]) for i in merged["identities"]} == {
        ("email", "jiwoo.han@example.kr"), ("phone", "+821023456789")}
    assert api.get(f"{BASE}/customers/{other}").get_json()["merged_into"] == target
    assert {c["id"] for c in api.get(f"{BASE}/customers").get_json()["items"]} == {target}
    tickets = api.get(f"{BASE}/tickets?customer={target}").get_json()["items"]
    assert {t["id"] for t in tickets} == {two_of_one["mail"]["id"], two_of_one["sms_ticket"], two_of_one["call_ticket"]}
    channels = [i["channel"] for i in api.get(f"{BASE}/customers/{target}/timeline").get_json()["items"]]
    assert sorted(channels) == ["sms", "voice", "web"]
    later, _ = make.inbound("email", "jiwoo.han@example.kr", "또 문의드려요")
    assert later.customer_id == target
    again, _ = make.inbound("sms", "01023456789", "문자 추가 문의")
    assert again.customer_id == target


def test_merging_twice_is_harmless(api, two_of_one):
    target, other = two_of_one["mail_customer"], two_of_one["phone_customer"]
    first = merge(api, target, other)
    second = merge(api, target, other)
    assert first.status_code == second.status_code == 200
    assert first.get_json() == second.get_json()
    assert count(Identity) == 2


def test_merging_a_customer_into_itself_is_422(api, two_of_one):
    target = two_of_one["mail_customer"]
    error = assert_error(merge(api, target, target), 422, "invalid")
    assert error["field"] == "other_id"


def test_merging_into_a_customer_that_was_merged_away_is_409(api, make, two_of_one):
    target, other = two_of_one["mail_customer"], two_of_one["phone_customer"]
    third, _ = make.inbound("email", "third@example.com", "hello")
    assert merge(api, target, other).status_code == 200
    error = assert_error(merge(api, other, third.customer_id), 409, "conflict")
    assert str(target) in error["message"]
    # and a customer already merged elsewhere cannot be merged again
    assert_error(merge(api, third.customer_id, other), 409, "conflict")
    assert api.get(f"{BASE}/customers/{third.customer_id}").get_json()["merged_into"] is None


@pytest.mark.parametrize(("other", "status", "field"), [
    (424242, 404, "other_id"),
    ("2", 422, "other_id"),
    (0, 422, "other_id"),
    (-3, 422, "other_id"),
    (2.5, 422, "other_id"),
    (True, 422, "other_id"),
    (None, 422, "other_id"),
    (99999999999999999999999, 422, "other_id"),
    (2**31, 422, "other_id"),
])
def test_bad_merge_targets(api, two_of_one, other, status, field):
    error = assert_error(merge(api, two_of_one["mail_customer"], other), status)
    assert error["field"] == field
    assert count(Customer) == 2
    assert api.get(f"{BASE}/customers/{two_of_one['phone_customer']}").get_json()["merged_into"] is None


def test_merge_needs_other_id_and_nothing_else(api, two_of_one):
    url = f"{BASE}/customers/{two_of_one['mail_customer']}/merge"
    assert assert_error(api.post(url, json={}), 422)["field"] == "other_id"
    extra = {"other_id": two_of_one["phone_customer"], "force": True}
    assert assert_error(api.post(url, json=extra), 422)["field"] == "force"
