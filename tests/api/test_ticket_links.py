"""Merging, splitting and linking tickets through /api/v1."""
from __future__ import annotations

from sqlalchemy import select

from channels.base import ThreadHints

from desk.extensions import db
from desk.models import Attachment, AuditLog, Interaction, Ticket, TicketLink
from tests.api.conftest import BASE, assert_error, new_ticket


def _ticket(api, key) -> dict:
    response = api.get(f"{BASE}/tickets/{key}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def _links(api, key) -> list[tuple[str, int]]:
    response = api.get(f"{BASE}/tickets/{key}/links")
    assert response.status_code == 200
    return [(item["kind"], item["ticket"]["number"]) for item in response.get_json()["items"]]


def _attach(interaction_id: int) -> None:
    with db.write() as session:
        session.add(Attachment(interaction_id=interaction_id, filename="receipt.pdf", content_type="application/pdf",
                               size=3, sha256="0" * 64))


def test_merge_moves_every_interaction_and_closes_the_source(api, staff):
    first = new_ticket(api, subject="환불 문의", body="환불해 주세요.")
    second = new_ticket(api, subject="환불 다시 문의", body="아직 환불이 안 됐어요.")
    assert api.post(f"{BASE}/tickets/{second['id']}/replies", json={"body": "확인 중", "internal": True}).status_code == 201
    moving = [i["id"] for i in _ticket(api, second["id"])["interactions"]]
    _attach(moving[0])

    response = api.post(f"{BASE}/tickets/{second['id']}/merge", json={"into": f"#{first['number']}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["number"] == first["number"]

    source, target = _ticket(api, second["id"]), _ticket(api, first["id"])
    assert source["status"] == "closed" and source["interactions"] == []
    target_ids = [i["id"] for i in target["interactions"]]
    assert set(moving) <= set(target_ids)
    note = target["interactions"][-1]
    assert note["internal"] and f"#{second['number']}" in note["text"]
    assert [a["filename"] for i in target["interactions"] if i["id"] == moving[0] for a in i["attachments"]] == ["receipt.pdf"]
    assert _links(api, second["id"]) == [("merged_into", first["number"])]
    assert _links(api, first["id"]) == [("merged_from", second["number"])]
    assert db.session.scalar(select(AuditLog.data).where(AuditLog.action == "ticket.merged"))["moved"] == 2


def test_merging_twice_changes_nothing_more(api):
    first, second = new_ticket(api), new_ticket(api, subject="두 번째")
    url = f"{BASE}/tickets/{second['id']}/merge"
    assert api.post(url, json={"into": first["id"]}).status_code == 200
    before = _ticket(api, first["id"])
    again = api.post(url, json={"into": first["id"]})
    assert again.status_code == 200 and again.get_json()["number"] == first["number"]
    after = _ticket(api, first["id"])
    assert after["interactions"] == before["interactions"] and after["version"] == before["version"]
    db.session.rollback()
    assert db.session.query(TicketLink).count() == 2
    # Merged away, the source cannot go anywhere else.
    third = new_ticket(api, subject="세 번째")
    assert_error(api.post(url, json={"into": third["id"]}), 409, "already_merged")


def test_merge_refuses_itself_a_closed_target_and_another_customer(api):
    first, second = new_ticket(api), new_ticket(api, subject="두 번째")
    assert_error(api.post(f"{BASE}/tickets/{first['id']}/merge", json={"into": first["number"]}), 422)
    assert api.patch(f"{BASE}/tickets/{first['id']}", json={"status": "closed"}).status_code == 200
    assert_error(api.post(f"{BASE}/tickets/{second['id']}/merge", json={"into": first["id"]}), 409, "target_closed")

    stranger = new_ticket(api, email="lee@example.kr", name="이서연", subject="배송 문의")
    error = assert_error(api.post(f"{BASE}/tickets/{stranger['id']}/merge", json={"into": second["id"]}), 409,
                         "different_customers")
    assert "customer" in error["message"]
    assert _ticket(api, stranger["id"])["status"] != "closed"
    confirmed = api.post(f"{BASE}/tickets/{stranger['id']}/merge",
                         json={"into": second["id"], "confirm_different_customers": True})
    assert confirmed.status_code == 200
    assert len(_ticket(api, second["id"])["interactions"]) == 3  # its own, the stranger's, the note


def test_merge_bad_input_is_a_clear_4xx(api, ticket):
    url = f"{BASE}/tickets/{ticket['id']}/merge"
    assert_error(api.post(url, json={}), 422)
    assert_error(api.post(url, json={"into": "soon"}), 422)
    assert_error(api.post(url, json={"into": 999999}), 404)
    assert_error(api.post(f"{BASE}/tickets/424242/merge", json={"into": ticket["id"]}), 404)


def test_an_agent_without_access_gets_404(api, supervisor_api):
    mine = new_ticket(api)
    billing = new_ticket(supervisor_api, subject="결제 오류", queue="billing")
    assert_error(api.post(f"{BASE}/tickets/{mine['id']}/merge", json={"into": billing["id"]}), 404)
    assert_error(api.post(f"{BASE}/tickets/{billing['id']}/merge", json={"into": mine["id"]}), 404)
    assert_error(api.post(f"{BASE}/tickets/{mine['id']}/links", json={"ticket": billing["id"]}), 404)
    entry = _ticket(supervisor_api, billing["id"])["interactions"][0]
    assert_error(api.post(f"{BASE}/interactions/{entry['id']}/split"), 404)
    assert _ticket(supervisor_api, billing["id"])["status"] != "closed"


def test_split_creates_a_ticket_with_the_message_and_links(api, make):
    ticket = new_ticket(api, subject="환불 문의", body="환불해 주세요.")
    received, later = make.inbound(text="그리고 배송지도 바꾸고 싶어요", sender="kim.minji@example.kr",
                                   thread_hints=ThreadHints(ticket_id=ticket["id"]))
    assert received.id == ticket["id"], "the follow-up threads into the ticket"

    response = api.post(f"{BASE}/interactions/{later.id}/split")
    assert response.status_code == 201, response.get_data(as_text=True)
    new = response.get_json()
    assert new["number"] != ticket["number"]
    assert new["customer"]["id"] == ticket["customer"]["id"]
    assert new["queue"] == ticket["queue"] and new["channel"] == ticket["channel"]
    assert new["status"] == "open"
    assert [i["id"] for i in _ticket(api, new["id"])["interactions"]] == [later.id]
    assert later.id not in [i["id"] for i in _ticket(api, ticket["id"])["interactions"]]
    assert _links(api, new["id"]) == [("split_from", ticket["number"])]
    assert _links(api, ticket["id"]) == [("split_to", new["number"])]
    # Now it is the only message of its ticket: splitting again is refused, nothing duplicated.
    assert_error(api.post(f"{BASE}/interactions/{later.id}/split"), 409, "only_interaction")


def test_split_refuses_notes_and_unknown_interactions(api, ticket):
    assert_error(api.post(f"{BASE}/interactions/{ticket['interactions'][0]['id']}/split"), 409, "only_interaction")
    note = api.post(f"{BASE}/tickets/{ticket['id']}/replies", json={"body": "메모", "internal": True}).get_json()
    assert_error(api.post(f"{BASE}/interactions/{note['id']}/split"), 422)
    assert_error(api.post(f"{BASE}/interactions/999999/split"), 404)
    assert_error(api.post(f"{BASE}/interactions/abc/split"), 404)


def test_link_and_unlink_are_idempotent(api):
    first, second = new_ticket(api), new_ticket(api, subject="관련 문의")
    url = f"{BASE}/tickets/{first['id']}/links"
    created = api.post(url, json={"ticket": second["number"]})
    assert created.status_code == 201
    assert [(i["kind"], i["ticket"]["id"]) for i in created.get_json()["items"]] == [("related", second["id"])]
    assert api.post(url, json={"ticket": second["id"]}).status_code == 200
    assert _links(api, second["id"]) == [("related", first["number"])]
    db.session.rollback()
    assert db.session.query(TicketLink).count() == 2
    assert_error(api.post(url, json={"ticket": first["id"]}), 422)

    assert api.delete(f"{url}/{second['id']}").status_code == 204
    assert api.delete(f"{url}/{second['id']}").status_code == 204
    assert _links(api, first["id"]) == [] and _links(api, second["id"]) == []
    actions = db.session.scalars(select(AuditLog.action).where(AuditLog.action.like("ticket.%link%"))).all()
    assert sorted(actions) == ["ticket.linked", "ticket.unlinked"]


def test_merge_publishes_updates_for_both_tickets(app, api):
    from desk import events

    heard = []
    listener = events.subscribe("ticket.updated")(lambda name, payload: heard.append(payload))
    try:
        first, second = new_ticket(api), new_ticket(api, subject="두 번째")
        heard.clear()
        assert api.post(f"{BASE}/tickets/{second['id']}/merge", json={"into": first["id"]}).status_code == 200
    finally:
        events._subscribers["ticket.updated"].remove(listener)
    assert {p["ticket"]["id"]: p["ticket"]["status"] for p in heard} == {second["id"]: "closed",
                                                                         first["id"]: first["status"]}
    db.session.rollback()
    assert db.session.get(Ticket, second["id"]).closed_at is not None
    assert db.session.scalar(select(Interaction.ticket_id).where(Interaction.id == first["interactions"][0]["id"])) == first["id"]


def test_merge_outside_a_request_writes_the_note_in_the_desks_language(app, make, staff):
    from desk.services import ticket_links

    target, _ = make.inbound("email", "kim@example.kr", "환불해 주세요", subject="환불 문의")
    source, moved = make.inbound("sms", "kim@example.kr", "아직이에요", sender_kind="email")
    ticket_links.merge(source.id, target.id, staff["supervisor"])
    db.session.rollback()
    note = db.session.scalar(select(Interaction).where(Interaction.ticket_id == target.id,
                                                       Interaction.direction == "internal"))
    assert note.text.startswith(f"티켓 #{source.number}") and "옮긴 대화: 1건" in note.text
    assert db.session.get(Interaction, moved.id).ticket_id == target.id
