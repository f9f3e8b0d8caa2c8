"""What intake hands on (events, returned objects) is what the stored rows say.

Intake writes with Core statements and builds its event payloads from the values it wrote; these
tests read everything back through the ORM, in a fresh session, and compare it with
``schemas.ticket_dict`` / ``interaction_dict`` as the API would show it.
"""
from __future__ import annotations

import threading as std_threading
from datetime import datetime, timedelta, timezone

from channels.base import InboundAttachment, InboundMessage, ThreadHints
from desk.extensions import db
from desk.models import Customer, Interaction, Ticket
from desk.services import identity, intake, tickets
from tests.conftest import stored


def check(events, ticket, interaction, first: str) -> dict:
    names = [name for name, _ in events]
    assert names == [first, "interaction.created"]
    t, i = stored(ticket.id, interaction.id)
    assert events[0][1]["ticket"] == t
    assert events[1][1] == {"interaction": i, "ticket": t}
    return events[0][1]


def test_new_ticket_events_match_what_was_stored(staff, make, events):
    ticket, interaction = make.inbound("email", "Lee@Example.KR", "", subject="배송 문의", sender_name="이서연",
                                       html="<p>안녕하세요 <b>배송</b></p>", meta={"message_id": "<a@x>"})
    check(events, ticket, interaction, "ticket.created")
    assert events[0][1]["ticket"]["customer"] == {"id": ticket.customer_id, "name": "이서연",
                                                  "email": "lee@example.kr", "phone": None}


def test_reopening_a_solved_ticket_reports_the_change(staff, make, events):
    ticket, _ = make.inbound("sms", "010-5555-1212", "help")
    tickets.update(ticket.id, {"status": "solved", "assignee": staff["agent"].id}, actor=staff["supervisor"])
    events.clear()
    again, interaction = make.inbound("sms", "01055551212", "still broken",
                                      thread_hints=ThreadHints(ticket_id=ticket.id, reason="reply_token"))
    payload = check(events, again, interaction, "ticket.updated")
    assert payload["changes"] == {"status": ["solved", "open"]}
    assert payload["ticket"]["assignee"]["id"] == staff["agent"].id
    assert payload["ticket"]["solved_at"] is None and payload["ticket"]["status"] == "open"


def test_reply_from_someone_else_shows_the_tickets_own_customer(staff, make, events):
    ticket, _ = make.inbound("email", "owner@example.com", "first", sender_name="Owner")
    events.clear()
    _, interaction = make.inbound("email", "colleague@example.com", "cc reply",
                                  thread_hints=ThreadHints(ticket_id=ticket.id, reason="message_id"))
    payload = check(events, ticket, interaction, "ticket.updated")
    assert payload["ticket"]["customer"]["email"] == "owner@example.com"
    assert events[1][1]["interaction"]["customer_id"] != ticket.customer_id


def test_attachments_and_follow_up_events_match(staff, make, events):
    ticket, _ = make.inbound("email", "c@example.com", "hi")
    tickets.update(ticket.id, {"status": "closed"}, actor=staff["agent"])
    events.clear()
    follow, interaction = make.inbound(
        "email", "c@example.com", "one more thing", thread_hints=ThreadHints(ticket_id=ticket.id),
        occurred_at=datetime(2026, 3, 1, 9, 30, tzinfo=timezone.utc),
        attachments=(InboundAttachment("영수증.pdf", "application/pdf", b"%PDF-1 r"),
                     InboundAttachment("logo.png", "image/png", b"\x89PNG..", content_id="logo", inline=True)))
    check(events, follow, interaction, "ticket.created")
    attached = events[1][1]["interaction"]["attachments"]
    assert [(a["filename"], a["inline"]) for a in attached] == [("영수증.pdf", False), ("logo.png", True)]
    assert events[1][1]["interaction"]["threading"] == {"reason": "follow_up", "detail": f"ticket #{ticket.number} is closed",
                                                        "follow_up_of": ticket.id}


def test_returned_objects_read_without_queries_and_match_the_rows(staff, make):
    ticket, interaction = make.inbound("chat", "visitor-1", "hello", thread_hints=ThreadHints(session="s-9"),
                                       sender_name="손님")
    values = {c: getattr(ticket, c) for c in ("id", "number", "status", "version", "subject", "channel", "tags")}
    assert interaction.ticket is ticket and interaction.attachments == []
    assert ticket.customer.name == "손님" and ticket.queue.slug == "general"
    db.session.remove()
    fresh = db.session.get(Ticket, values["id"])
    assert {c: getattr(fresh, c) for c in values} == values


def test_an_object_the_session_already_holds_is_brought_up_to_date(staff, make):
    ticket, _ = make.inbound("sms", "010-7777-8888", "first")
    tickets.update(ticket.id, {"status": "pending"}, actor=staff["agent"])
    held = db.session.get(Ticket, ticket.id)
    again, _ = make.inbound("sms", "010-7777-8888", "second")
    assert again is held
    assert held.status == "open" and held.version == 3


def test_a_name_filled_in_later_reaches_the_customer_the_session_holds(staff, make):
    ticket, _ = make.inbound("email", "quiet@example.com", "no name")
    customer = db.session.get(Customer, ticket.customer_id)
    assert customer.name == ""
    make.inbound("email", "quiet@example.com", "now with a name", sender_name="Quiet Person")
    assert customer.name == "Quiet Person"
    db.session.remove()
    assert db.session.get(Customer, ticket.customer_id).name == "Quiet Person"


def test_a_duplicate_returns_the_first_results_objects(staff, make, events):
    t1, i1 = make.inbound("email", "dup@example.com", "once", external_id="<dup@x>",
                          attachments=(InboundAttachment("a.txt", "text/plain", b"abc"),))
    db.session.remove()
    events.clear()
    t2, i2 = make.inbound("email", "dup@example.com", "twice", external_id="<dup@x>")
    assert events == []
    assert (t2.id, i2.id, i2.text, t2.number) == (t1.id, i1.id, "once", t1.number)
    assert [a.filename for a in i2.attachments] == ["a.txt"]


def test_merged_customers_are_followed_to_the_survivor(staff, make):
    keep, _ = make.inbound("email", "keep@example.com", "hi")
    gone, _ = make.inbound("email", "gone@example.com", "hi")
    identity.merge(keep.customer_id, gone.customer_id)
    ticket, _ = make.inbound("email", "gone@example.com", "after the merge")
    assert ticket.customer_id == keep.customer_id


def test_a_ticket_closed_while_a_message_threads_into_it_gets_a_follow_up(staff, make, app):
    ticket, _ = make.inbound("sms", "010-3333-4444", "first")
    db.session.remove()
    results = []

    def close():
        with app.app_context():
            tickets.update(ticket.id, {"status": "closed"}, actor=db.session.merge(staff["agent"]))
            db.session.remove()

    def message():
        with app.app_context():
            t, i = intake.receive(InboundMessage(channel="sms", external_id="race-close", sender="01033334444",
                                                 text="second"))
            results.append((t.id, t.status, i.meta["threading"]))
            db.session.remove()

    threads = [std_threading.Thread(target=close), std_threading.Thread(target=message)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    (ticket_id, status, threading_meta), = results
    # Either the message came first (threaded, then the agent closed it) or after: a follow-up.
    if ticket_id == ticket.id:
        assert threading_meta["reason"] == "open_ticket_same_channel"
    else:
        assert status == "new" and threading_meta["reason"] in ("follow_up", "new_ticket")
    assert db.session.get(Ticket, ticket.id).status == "closed"


def test_occurred_at_in_another_zone_is_stored_as_utc(staff, make):
    seoul = timezone(timedelta(hours=9))
    _, interaction = make.inbound("email", "tz@example.com", "hi", occurred_at=datetime(2026, 5, 1, 9, 0, tzinfo=seoul))
    db.session.remove()
    assert db.session.get(Interaction, interaction.id).occurred_at == datetime(2026, 5, 1, 0, 0, tzinfo=timezone.utc)
