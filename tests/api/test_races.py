"""Requests that race each other through a real threaded server: idempotency, versions, merges."""
from __future__ import annotations

import threading

from desk.extensions import db
from desk.models import Customer, Interaction, Ticket
from tests.api.conftest import count

CREATE = {"customer": {"email": "seoyeon@example.kr", "name": "정서연"}, "subject": "배송지 변경",
          "body": "배송지를 부산으로 바꿔 주세요."}


def together(*calls) -> list:
    """Run the calls in threads released at the same moment; their results in call order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_concurrent_posts_with_one_idempotency_key_make_one_ticket(wire):
    for attempt in range(3):
        key = {"Idempotency-Key": f"race-{attempt}"}
        results = together(*[lambda: wire.json("POST", "/tickets", CREATE, key)] * 4)
        assert [status for status, _, _ in results] == [201] * 4, [data for _, _, data in results]
        assert len({data["id"] for _, _, data in results}) == 1
    assert count(Ticket) == 3 and count(Interaction) == 3 and count(Customer) == 1


def test_concurrent_patches_with_one_version_let_one_win(wire):
    _, _, created = wire.json("POST", "/tickets", CREATE)
    url = f"/tickets/{created['id']}"
    results = together(*[lambda p=p: wire.json("PATCH", url, {"priority": p, "version": created["version"]})
                         for p in ("low", "high", "urgent", "low")])
    assert sorted(status for status, _, _ in results) == [200, 409, 409, 409]
    winner = next(data for status, _, data in results if status == 200)
    _, _, now = wire.request("GET", url)
    assert now["priority"] == winner["priority"] and now["version"] == created["version"] + 1


def test_replies_and_changes_racing_never_lose_a_version(wire):
    _, _, created = wire.json("POST", "/tickets", CREATE)
    url = f"/tickets/{created['id']}"
    calls = [lambda n=n: wire.json("POST", f"{url}/replies", {"body": f"메모 {n}", "internal": True})
             for n in range(3)]
    calls += [lambda t=t: wire.json("PATCH", url, {"tags": [t]}) for t in ("a", "b", "c")]
    assert sorted(status for status, _, _ in together(*calls)) == [200] * 3 + [201] * 3
    _, _, now = wire.request("GET", url)
    assert now["version"] == created["version"] + 6  # every change counted once
    assert len(now["interactions"]) == 4


def test_a_reply_racing_a_close_is_either_before_it_or_refused(wire):
    for _ in range(3):
        _, _, created = wire.json("POST", "/tickets", {**CREATE, "body": "again"})
        url = f"/tickets/{created['id']}"
        reply, close = together(lambda: wire.json("POST", f"{url}/replies", {"body": "답변드립니다."}),
                                lambda: wire.json("PATCH", url, {"status": "closed"}))
        assert close[0] == 200
        assert reply[0] in (201, 409)
        _, _, now = wire.request("GET", url)
        assert now["status"] == "closed"  # a reply that read the ticket before the close must not reopen it
        assert now["version"] == created["version"] + (2 if reply[0] == 201 else 1)


def test_merges_of_one_pair_both_ways_cannot_merge_into_each_other(wire, make):
    for n in range(3):
        a = make.inbound("email", f"a{n}@example.com", "hi")[0].customer_id
        b = make.inbound("email", f"b{n}@example.com", "hi")[0].customer_id
        forth, back = together(lambda: wire.json("POST", f"/customers/{a}/merge", {"other_id": b}),
                               lambda: wire.json("POST", f"/customers/{b}/merge", {"other_id": a}))
        assert sorted([forth[0], back[0]]) == [200, 409], (forth, back)
        db.session.rollback()
        merged = {c.id: c.merged_into_id for c in db.session.query(Customer).filter(Customer.id.in_([a, b]))}
        assert sorted(merged.values(), key=lambda v: v or 0)[0] is None  # one of them stays a customer
