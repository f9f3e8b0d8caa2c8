"""GET /api/v1/tickets: keyset pagination, filters and search."""
from __future__ import annotations

import pytest

from tests.api.conftest import BASE, assert_error, new_ticket


def walk(api, query: str = "", limit: int = 50, cursor: str | None = None) -> tuple[list[int], list[int]]:
    """Follow next_cursor to the end; returns (ids in order, page sizes)."""
    ids, sizes = [], []
    for _ in range(100):
        url = f"{BASE}/tickets?limit={limit}{query}" + (f"&cursor={cursor}" if cursor else "")
        response = api.get(url)
        assert response.status_code == 200, response.get_json()
        page = response.get_json()
        ids += [t["id"] for t in page["items"]]
        sizes.append(len(page["items"]))
        cursor = page["next_cursor"]
        if cursor is None:
            return ids, sizes
    raise AssertionError("pagination never ended")


def test_walk_all_pages_of_120_tickets(api, make):
    created = [make.inbound("email", f"customer{n % 7}@example.com", f"문의 {n}", subject=f"Question {n}")[0].id
               for n in range(120)]
    ids, sizes = walk(api, limit=50)
    assert sizes == [50, 50, 20]
    assert len(ids) == len(set(ids)) == 120  # no duplicates
    assert set(ids) == set(created)  # no gaps
    assert ids == sorted(ids, reverse=True)  # newest first


def test_exact_multiple_of_the_limit_ends_with_a_null_cursor(api, make):
    for n in range(4):
        make.inbound("email", "a@example.com", f"m{n}")
    ids, sizes = walk(api, limit=2)
    assert sizes == [2, 2] and len(set(ids)) == 4


def test_new_tickets_during_the_walk_do_not_shift_pages(api, make):
    for n in range(30):
        make.inbound("email", "a@example.com", f"old {n}")
    first = api.get(f"{BASE}/tickets?limit=10").get_json()
    for n in range(5):
        make.inbound("email", "b@example.com", f"new {n}")
    rest, _ = walk(api, cursor=first["next_cursor"], limit=10)
    seen = [t["id"] for t in first["items"]] + rest
    assert len(seen) == len(set(seen)) == 30


def test_empty_list(api):
    assert api.get(f"{BASE}/tickets").get_json() == {"items": [], "next_cursor": None}


def test_pagination_with_a_filter(api, make):
    for n in range(25):
        ticket, _ = make.inbound("sms" if n % 2 else "email", f"p{n}@example.com", f"m{n}",
                                 sender_kind="email")
    ids, sizes = walk(api, query="&channel=sms", limit=5)
    assert sizes == [5, 5, 2] and len(set(ids)) == 12


@pytest.fixture
def desk_data(supervisor_api, staff):
    """Three customers, three tickets, in two queues; one with an internal note."""
    a = new_ticket(supervisor_api, email="kim.minji@example.kr", name="김민지", subject="환불 문의",
                   body="주문한 상품을 환불하고 싶습니다.")
    b = new_ticket(supervisor_api, email=None, phone="010-1234-5678", name="John Smith",
                   subject="Delivery delay", body="My parcel is late.", channel="voice", queue="billing")
    c = new_ticket(supervisor_api, email="lee@example.com", name="이서준", subject="로그인 오류",
                   body="비밀번호 재설정 메일이 오지 않아요.")
    note = supervisor_api.post(f"{BASE}/tickets/{c['id']}/replies",
                               json={"body": "내부 메모: 환불 secret-word", "internal": True})
    assert note.status_code == 201
    return {"a": a, "b": b, "c": c}


def listed(api, query: str) -> set[int]:
    response = api.get(f"{BASE}/tickets?{query}")
    assert response.status_code == 200, response.get_json()
    return {t["id"] for t in response.get_json()["items"]}


@pytest.mark.parametrize(("q", "expected"), [
    ("환불", {"a"}),  # subject and message of a; the word in c's internal note must not count
    ("parcel", {"b"}),  # message text
    ("SMITH", {"b"}),  # customer name, any case
    ("김민지", {"a"}),
    ("LEE@Example", {"c"}),  # email, any case
    ("010-1234-5678", {"b"}),  # phone as people write it
    ("+821012345678", {"b"}),  # phone as stored
    ("1234-5678", {"b"}),  # part of a phone number
    ("secret-word", set()),  # internal notes are never searched
    ("nothing-like-this", set()),
    ("100%", set()),  # LIKE wildcards are literal
    ("_", set()),
])
def test_q_searches_subject_text_customer_and_identities(supervisor_api, desk_data, q, expected):
    from urllib.parse import quote

    assert listed(supervisor_api, f"q={quote(q)}") == {desk_data[k]["id"] for k in expected}


def test_q_finds_a_ticket_by_its_number(supervisor_api, desk_data):
    number = desk_data["c"]["number"]
    assert listed(supervisor_api, f"q={number}") == {desk_data["c"]["id"]}
    assert listed(supervisor_api, f"q=%23{number}") == {desk_data["c"]["id"]}


def test_filter_by_status(supervisor_api, desk_data):
    b = desk_data["b"]
    assert supervisor_api.patch(f"{BASE}/tickets/{b['id']}", json={"status": "pending"}).status_code == 200
    assert listed(supervisor_api, "status=pending") == {b["id"]}
    assert listed(supervisor_api, "status=new") == {desk_data["a"]["id"], desk_data["c"]["id"]}
    assert listed(supervisor_api, "status=new,pending") == {t["id"] for t in desk_data.values()}
    assert listed(supervisor_api, "status=closed") == set()


def test_filter_by_queue_slug_or_id(supervisor_api, desk_data):
    b = desk_data["b"]
    assert listed(supervisor_api, "queue=billing") == {b["id"]}
    assert listed(supervisor_api, f"queue={b['queue']['id']}") == {b["id"]}
    assert listed(supervisor_api, "queue=general") == {desk_data["a"]["id"], desk_data["c"]["id"]}


def test_filter_by_channel(supervisor_api, desk_data):
    assert listed(supervisor_api, "channel=voice") == {desk_data["b"]["id"]}
    assert listed(supervisor_api, "channel=web") == {desk_data["a"]["id"], desk_data["c"]["id"]}
    assert listed(supervisor_api, "channel=email") == set()


def test_filter_by_assignee(supervisor_api, api, staff, desk_data):
    a, b = desk_data["a"], desk_data["b"]
    assert supervisor_api.patch(f"{BASE}/tickets/{a['id']}", json={"assignee": staff["agent"].id}).status_code == 200
    assert supervisor_api.patch(f"{BASE}/tickets/{b['id']}",
                                json={"assignee": staff["supervisor"].id}).status_code == 200
    assert listed(supervisor_api, "assignee=me") == {b["id"]}
    assert listed(api, "assignee=me") == {a["id"]}
    assert listed(supervisor_api, f"assignee={staff['agent'].id}") == {a["id"]}
    assert listed(supervisor_api, "assignee=none") == {desk_data["c"]["id"]}


def test_filter_by_customer(supervisor_api, desk_data):
    c = desk_data["c"]
    assert listed(supervisor_api, f"customer={c['customer']['id']}") == {c["id"]}


def test_filters_combine(supervisor_api, desk_data):
    assert listed(supervisor_api, "queue=general&q=%EB%A1%9C%EA%B7%B8%EC%9D%B8") == {desk_data["c"]["id"]}  # 로그인
    assert listed(supervisor_api, "queue=billing&q=환불") == set()


def test_an_agent_lists_only_its_queues(api, desk_data):
    assert listed(api, "") == {desk_data["a"]["id"], desk_data["c"]["id"]}  # not b, in billing
    assert listed(api, "queue=billing") == set()


@pytest.mark.parametrize("query", [
    "status=archived", "status=new,bogus", "channel=fax", "queue=no-such-queue", "queue=999999",
    "queue=99999999999999999999999", "assignee=someone", "assignee=0", "assignee=99999999999999999999999",
    "customer=abc", "customer=-1", "customer=99999999999999999999999",
    "limit=0", "limit=201", "limit=abc", "limit=-5", "limit=1.5",
])
def test_bad_filters_are_422(api, query):
    error = assert_error(api.get(f"{BASE}/tickets?{query}"), 422, "invalid")
    assert error["field"] == query.split("=")[0]


@pytest.mark.parametrize("cursor", [
    "abc", "!!!!", "eyJpZCI6ICJ4In0",  # {"id": "x"}
    "eyJpZCI6IHRydWV9",  # {"id": true}
    "eyJpZCI6IDk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5fQ",  # {"id": 99999999999999999999999}
    "eyJpZCI6IC01fQ",  # {"id": -5}
    "WzFd",  # [1]
    "%C3%A9", "eyJpZCI6IDF9" * 50,
])
def test_bad_cursor_is_422(api, make, cursor):
    make.inbound("email", "a@example.com", "x")
    error = assert_error(api.get(f"{BASE}/tickets?cursor={cursor}"), 422, "invalid")
    assert error["field"] == "cursor"


def test_limit_bounds_are_inclusive(api, make):
    make.inbound("email", "a@example.com", "x")
    assert api.get(f"{BASE}/tickets?limit=1").status_code == 200
    assert api.get(f"{BASE}/tickets?limit=200").status_code == 200
