"""Tickets through /api/v1: create, read by id and by number, change, reply."""
from __future__ import annotations

from desk.models import Interaction, OutboxItem, Ticket
from tests.api.conftest import BASE, assert_error, count, new_ticket


def test_create_ticket_for_a_korean_email_customer(api, staff):
    created = new_ticket(api, email="Kim.MinJi@Example.KR", name="김민지", subject="환불 문의",
                         body="주문한 상품을 환불하고 싶습니다.")
    assert created["number"] == 1001
    assert created["status"] == "new" and created["channel"] == "web"
    assert created["subject"] == "환불 문의"
    assert created["customer"]["name"] == "김민지"
    assert created["customer"]["email"] == "kim.minji@example.kr"
    assert created["queue"]["slug"] == "general"
    assert created["warnings"] == []
    [first] = created["interactions"]
    assert first["text"] == "주문한 상품을 환불하고 싶습니다."
    assert first["direction"] == "inbound" and first["channel"] == "web"
    assert first["meta"]["created_by"] == staff["agent"].id and first["meta"]["via"] == "api"


def test_log_a_call_from_an_english_speaking_caller(supervisor_api):
    created = new_ticket(supervisor_api, email=None, phone="010-9876-5432", name="John Smith",
                         subject="Parcel arrived damaged", body="Caller says the box was crushed.",
                         channel="voice", queue="billing")
    assert created["channel"] == "voice"
    assert created["customer"] == {"id": created["customer"]["id"], "name": "John Smith", "email": None,
                                   "phone": "+821098765432"}
    assert created["queue"]["slug"] == "billing"


def test_queue_may_be_given_by_id(supervisor_api):
    queues = supervisor_api.get(f"{BASE}/queues").get_json()["items"]
    billing = next(q for q in queues if q["slug"] == "billing")
    created = new_ticket(supervisor_api, queue=billing["id"])
    assert created["queue"]["id"] == billing["id"]


def test_email_and_phone_both_become_identities(api):
    created = new_ticket(api, email="park@example.com", phone="+82 2-312-3456", name="박지훈")
    customer = api.get(f"{BASE}/customers/{created['customer']['id']}").get_json()
    assert {(i["kind"], i["value"]) for i in customer["identities"]} == {
        ("email", "park@example.com"), ("phone", "+8223123456")}


def test_get_by_id_and_by_number_are_the_same_ticket(api, ticket):
    by_id = api.get(f"{BASE}/tickets/{ticket['id']}")
    by_number = api.get(f"{BASE}/tickets/{ticket['number']}")
    assert by_id.status_code == by_number.status_code == 200
    assert by_id.get_json() == by_number.get_json()
    assert by_id.get_json()["number"] == ticket["number"] == 1001


def test_interactions_come_oldest_first(api, ticket):
    url = f"{BASE}/tickets/{ticket['id']}"
    assert api.post(f"{url}/replies", json={"body": "확인 중입니다.", "internal": True}).status_code == 201
    assert api.post(f"{url}/replies", json={"body": "환불을 접수했습니다.", "channel": "email"}).status_code == 201
    got = api.get(url).get_json()
    texts = [i["text"] for i in got["interactions"]]
    assert texts == ["주문한 상품을 환불하고 싶습니다.", "확인 중입니다.", "환불을 접수했습니다."]
    assert [i["direction"] for i in got["interactions"]] == ["inbound", "internal", "outbound"]
    ids = [i["id"] for i in got["interactions"]]
    assert ids == sorted(ids)


def test_patch_changes_fields_and_bumps_the_version(api, staff, ticket):
    url = f"{BASE}/tickets/{ticket['id']}"
    response = api.patch(url, json={"status": "pending", "priority": "high", "tags": [" VIP ", "환불", "vip"],
                                    "assignee": staff["agent"].id, "subject": "환불 문의 (주문 2024-118)"})
    assert response.status_code == 200, response.get_json()
    changed = response.get_json()
    assert changed["status"] == "pending" and changed["priority"] == "high"
    assert changed["tags"] == ["vip", "환불"]
    assert changed["assignee"]["id"] == staff["agent"].id
    assert changed["subject"] == "환불 문의 (주문 2024-118)"
    assert changed["version"] == ticket["version"] + 1
    assert api.get(url).get_json()["status"] == "pending"


def test_patch_with_the_current_version_succeeds(api, ticket):
    url = f"{BASE}/tickets/{ticket['number']}"
    first = api.patch(url, json={"priority": "urgent", "version": ticket["version"]})
    assert first.status_code == 200
    second = api.patch(url, json={"priority": "low"}, headers={"If-Match": f'"{first.get_json()["version"]}"'})
    assert second.status_code == 200 and second.get_json()["priority"] == "low"


def test_patch_unassign_and_move_queue(supervisor_api, staff, ticket):
    url = f"{BASE}/tickets/{ticket['id']}"
    assert supervisor_api.patch(url, json={"assignee": staff["agent"].id}).status_code == 200
    moved = supervisor_api.patch(url, json={"assignee": None, "queue": "billing"}).get_json()
    assert moved["assignee"] is None and moved["queue"]["slug"] == "billing"


def test_patch_with_nothing_to_change_keeps_the_version(api, ticket):
    response = api.patch(f"{BASE}/tickets/{ticket['id']}", json={"status": "new"})
    assert response.status_code == 200 and response.get_json()["version"] == ticket["version"]


def test_email_reply_is_queued_and_opens_the_ticket(api, staff, ticket):
    response = api.post(f"{BASE}/tickets/{ticket['id']}/replies",
                        json={"channel": "email", "body": "안녕하세요, 환불 접수되었습니다."})
    assert response.status_code == 201
    reply = response.get_json()
    assert reply["direction"] == "outbound" and reply["channel"] == "email"
    assert reply["delivery_status"] == "queued" and reply["internal"] is False
    assert reply["meta"]["to"] == "kim.minji@example.kr"
    assert reply["author"]["id"] == staff["agent"].id
    assert count(OutboxItem) == 1
    after = api.get(f"{BASE}/tickets/{ticket['id']}").get_json()
    assert after["status"] == "open" and after["assignee"]["id"] == staff["agent"].id
    assert after["first_response_at"] is not None


def test_internal_note_is_not_delivered(api, ticket):
    response = api.post(f"{BASE}/tickets/{ticket['number']}/replies",
                        json={"body": "Customer called twice; check the order.", "internal": True})
    assert response.status_code == 201
    note = response.get_json()
    assert note["internal"] is True and note["channel"] == "note" and note["delivery_status"] is None
    assert count(OutboxItem) == 0
    assert api.get(f"{BASE}/tickets/{ticket['id']}").get_json()["status"] == "new"


def test_sms_reply_goes_to_the_customers_phone(api):
    created = new_ticket(api, email=None, phone="010-5555-0101", name="Jane Doe", subject="Where is my order?",
                         body="Order #8812 has not arrived.", channel="sms")
    response = api.post(f"{BASE}/tickets/{created['id']}/replies",
                        json={"channel": "sms", "body": "It ships today.", "status": "pending"})
    assert response.status_code == 201
    assert response.get_json()["meta"]["to"] == "+821055550101"
    assert api.get(f"{BASE}/tickets/{created['id']}").get_json()["status"] == "pending"


def test_reply_can_solve_the_ticket(api, ticket):
    response = api.post(f"{BASE}/tickets/{ticket['id']}/replies",
                        json={"body": "처리 완료했습니다.", "status": "solved"})
    assert response.status_code == 201
    after = api.get(f"{BASE}/tickets/{ticket['id']}").get_json()
    assert after["status"] == "solved" and after["solved_at"] is not None


def test_a_retried_reply_with_an_idempotency_key_is_sent_once(api, supervisor_api, ticket):
    """A client whose connection dropped sends the reply again with the same key: it gets the first
    reply back (200, Idempotent-Replayed), and the customer gets one mail. Keys belong to one
    agent, ticket and channel; without a key every post is a new reply."""
    url = f"{BASE}/tickets/{ticket['id']}/replies"
    body = {"channel": "email", "body": "환불 접수되었습니다.", "status": "pending"}
    first = api.post(url, json=body, headers={"Idempotency-Key": "reply-1"})
    again = api.post(url, json={**body, "body": "changed"}, headers={"Idempotency-Key": "reply-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert again.get_json() == first.get_json() and again.get_json()["text"] == "환불 접수되었습니다."
    assert count(OutboxItem) == 1
    api.patch(f"{BASE}/tickets/{ticket['id']}", json={"status": "closed"})
    assert api.post(url, json=body, headers={"Idempotency-Key": "reply-1"}).status_code == 200  # closed since: still the answer
    note = {"body": "메모", "internal": True}
    other = new_ticket(api, email="lee@example.kr", subject="다른 문의")
    keyed = {"Idempotency-Key": "note-1"}
    assert api.post(f"{BASE}/tickets/{other['id']}/replies", json=note, headers=keyed).status_code == 201
    assert api.post(f"{BASE}/tickets/{other['id']}/replies", json=note, headers=keyed).status_code == 200
    assert supervisor_api.post(f"{BASE}/tickets/{other['id']}/replies", json=note, headers=keyed).status_code == 201
    assert api.post(f"{BASE}/tickets/{other['id']}/replies", json=note).status_code == 201
    assert count(Interaction) == 2 + 1 + 3  # two inbound, the mail, three notes
    assert_error(api.post(f"{BASE}/tickets/{other['id']}/replies", json=note, headers={"Idempotency-Key": "k" * 201}), 400)


def test_reply_to_a_closed_ticket_is_a_conflict(api, ticket):
    url = f"{BASE}/tickets/{ticket['id']}"
    assert api.patch(url, json={"status": "closed"}).status_code == 200
    assert_error(api.post(f"{url}/replies", json={"body": "one more thing"}), 409, "ticket_closed")
    assert count(Interaction) == 1


def test_reopening_a_closed_ticket_is_a_conflict(api, ticket):
    url = f"{BASE}/tickets/{ticket['id']}"
    assert api.patch(url, json={"status": "closed"}).status_code == 200
    assert_error(api.patch(url, json={"status": "open"}), 409, "conflict")
    assert api.get(url).get_json()["status"] == "closed"


def test_stale_version_is_a_conflict_and_changes_nothing(api, ticket):
    url = f"{BASE}/tickets/{ticket['id']}"
    assert api.patch(url, json={"priority": "high"}).status_code == 200
    assert_error(api.patch(url, json={"priority": "low", "version": ticket["version"]}), 409, "stale")
    assert_error(api.patch(url, json={"priority": "low"}, headers={"If-Match": f'"{ticket["version"]}"'}),
                 409, "stale")
    assert api.get(url).get_json()["priority"] == "high"


def test_sms_reply_without_a_phone_is_refused(api, ticket):
    error = assert_error(api.post(f"{BASE}/tickets/{ticket['id']}/replies",
                                  json={"channel": "sms", "body": "문자로 안내드립니다."}), 422)
    assert "phone" in error["message"]
    assert count(OutboxItem) == 0 and count(Interaction) == 1


def test_same_external_id_twice_gives_the_same_ticket(api):
    first = new_ticket(api, external_id="crm-case-77")
    second = new_ticket(api, external_id="crm-case-77", body="retry of the same call")
    assert second["id"] == first["id"]
    assert len(second["interactions"]) == 1
    assert count(Ticket) == 1 and count(Interaction) == 1


def test_same_idempotency_key_twice_gives_the_same_ticket(api):
    key = {"Idempotency-Key": "0b6f1c9e-4f7a-4c55-9d0e-1f2a3b4c5d6e"}
    first = new_ticket(api, headers=key)
    second = new_ticket(api, headers=key)
    assert second["id"] == first["id"] and count(Interaction) == 1
    third = new_ticket(api, headers={"Idempotency-Key": "another-key"})
    assert third["id"] != first["id"] and count(Ticket) == 2


def test_a_number_that_is_also_an_id_can_be_asked_for_with_a_hash(api, staff):
    from desk.extensions import db
    from desk.models import Counter

    with db.write() as session:
        session.get(Counter, "ticket").value = 1  # numbers 2, 3, ... while ids are 1, 2, ...
    first, second = new_ticket(api, subject="first"), new_ticket(api, subject="second")
    assert (first["id"], first["number"], second["id"], second["number"]) == (1, 2, 2, 3)
    assert api.get(f"{BASE}/tickets/2").get_json()["subject"] == "second"  # the id wins
    assert api.get(f"{BASE}/tickets/%232").get_json()["subject"] == "first"  # "#2" is a number
    assert api.get(f"{BASE}/tickets/3").get_json()["subject"] == "second"  # no id 3: the number
    assert api.patch(f"{BASE}/tickets/%232", json={"priority": "high"}).get_json()["subject"] == "first"
    assert_error(api.get(f"{BASE}/tickets/%231"), 404, "not_found")
    assert_error(api.get(f"{BASE}/tickets/%23"), 404, "not_found")
    assert_error(api.get(f"{BASE}/tickets/%23%23"), 404, "not_found")


def test_a_phone_that_belongs_to_someone_else_is_a_warning(api):
    owner = new_ticket(api, email=None, phone="010-4444-5555", name="Owner")
    created = new_ticket(api, email="other@example.com", phone="01044445555", name="Other")
    assert created["customer"]["id"] != owner["customer"]["id"]
    assert created["customer"]["phone"] is None
    [warning] = created["warnings"]
    assert "+821044445555" in warning and "merge" in warning
