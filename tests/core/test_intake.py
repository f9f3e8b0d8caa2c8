"""The one inbound path: identity, threading, idempotency, reopen, events."""
from __future__ import annotations

import threading as std_threading

import pytest
from sqlalchemy import func, select

from channels.base import InboundAttachment, InboundMessage, ThreadHints
from desk.errors import Invalid
from desk.events import subscribe
from desk.extensions import db
from desk.models import Customer, Identity, Interaction, Ticket
from desk.services import intake, replies, tickets


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_new_email_opens_ticket_for_new_customer(staff, make):
    ticket, interaction = make.inbound("email", "Kim.MinJi@Example.KR", "환불을 요청합니다", subject="환불 문의",
                                       sender_name="김민지")
    assert ticket.number == 1001
    assert ticket.status == "new" and ticket.channel == "email"
    assert ticket.queue.slug == "general"  # the default queue
    assert ticket.customer.name == "김민지"
    assert ticket.customer.email == "kim.minji@example.kr"  # lower-cased
    assert interaction.meta["threading"]["reason"] == "new_ticket"


def test_korean_phone_numbers_become_one_customer(staff, make):
    t1, _ = make.inbound("sms", "010-1234-5678", "배송 언제 오나요?")
    t2, _ = make.inbound("sms", "+82 10 1234 5678", "아직인가요?")
    t3, _ = make.inbound("voice", "01012345678", "(call)")
    assert t1.customer_id == t2.customer_id == t3.customer_id
    assert db.session.scalar(select(Identity.value).where(Identity.kind == "phone")) == "+821012345678"
    assert t1.id == t2.id  # same open SMS conversation
    assert t3.id != t1.id  # a call is its own ticket, on the same timeline
    assert count(Customer) == 1


def test_invalid_sender_is_rejected_before_anything_is_written(staff, make):
    with pytest.raises(Invalid):
        make.inbound("sms", "not a number", "hi")
    with pytest.raises(Invalid):
        make.inbound("email", "no-at-sign", "hi")
    assert count(Ticket) == 0 and count(Customer) == 0


def test_same_external_id_twice_gives_one_interaction(staff, make):
    t1, i1 = make.inbound("email", "a@example.com", "first", external_id="<m1@example.com>")
    t2, i2 = make.inbound("email", "a@example.com", "first again", external_id="<m1@example.com>")
    assert (t1.id, i1.id) == (t2.id, i2.id)
    assert count(Interaction) == 1


def test_concurrent_intake_of_the_same_message_is_stored_once(staff, app):
    results, errors = [], []

    def worker():
        with app.app_context():
            try:
                ticket, interaction = intake.receive(InboundMessage(
                    channel="email", external_id="<race@example.com>", sender="race@example.com", text="same"))
                results.append((ticket.id, interaction.id))
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [std_threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(results)) == 1
    assert count(Interaction) == 1 and count(Customer) == 1


def test_subject_token_threads_only_for_the_tickets_customer(staff, make):
    ticket, _ = make.inbound("email", "owner@example.com", "first", subject="Order 55")
    _, reply = make.inbound("email", "owner@example.com", "more info", subject=f"Re: [#{ticket.number}]",
                            thread_hints=ThreadHints(ticket_number=ticket.number))
    assert reply.ticket_id == ticket.id
    assert reply.meta["threading"]["reason"] == "subject_token"

    other, injected = make.inbound("email", "attacker@example.net", "let me in", subject=f"[#{ticket.number}]",
                                   thread_hints=ThreadHints(ticket_number=ticket.number))
    assert other.id != ticket.id
    assert "ignored" in injected.meta["threading"]["detail"]


def test_reply_to_solved_ticket_reopens_it_and_says_so(staff, make):
    ticket, _ = make.inbound("sms", "010-2222-3333", "help")
    tickets.update(ticket.id, {"status": "solved"}, actor=staff["agent"])
    again, interaction = make.inbound("sms", "010-2222-3333", "still broken",
                                      thread_hints=ThreadHints(ticket_id=ticket.id, reason="reply_token"))
    assert again.id == ticket.id
    assert again.status == "open" and again.solved_at is None
    assert interaction.meta["threading"] == {"reason": "reply_token", "reopened": True}


def test_message_to_closed_ticket_opens_a_follow_up(staff, make):
    ticket, _ = make.inbound("email", "c@example.com", "hi")
    tickets.update(ticket.id, {"status": "closed"}, actor=staff["agent"])
    follow, interaction = make.inbound("email", "c@example.com", "one more thing",
                                       thread_hints=ThreadHints(ticket_id=ticket.id, reason="reply_token"))
    assert follow.id != ticket.id
    assert interaction.meta["threading"]["follow_up_of"] == ticket.id


def test_chat_session_keeps_one_ticket(staff, make):
    hints = ThreadHints(session="s-1")
    t1, _ = make.inbound("chat", "visitor-abc", "hello", thread_hints=hints)
    t2, i2 = make.inbound("chat", "visitor-abc", "anyone?", thread_hints=hints)
    assert t1.id == t2.id and i2.meta["threading"]["reason"] == "same_conversation"


def test_html_is_sanitized_and_text_derived(staff, make):
    _, interaction = make.inbound("email", "x@example.com", "", html='<p onclick="x()">Hi<script>alert(1)</script>'
                                  '<a href="javascript:alert(1)">link</a></p>')
    assert "script" not in interaction.html and "onclick" not in interaction.html
    assert "javascript" not in interaction.html
    assert interaction.text.startswith("Hi")


def test_attachments_are_stored_once_by_content(staff, make, app):
    data = b"%PDF-1.4 receipt"
    _, i1 = make.inbound("email", "x@example.com", "see attached",
                         attachments=(InboundAttachment("../../etc/영수증.pdf", "application/pdf", data),))
    _, i2 = make.inbound("email", "y@example.com", "same file",
                         attachments=(InboundAttachment("copy.pdf", "application/pdf", data),))
    a1, a2 = i1.attachments[0], i2.attachments[0]
    assert a1.filename == "영수증.pdf"  # no path tricks
    assert a1.sha256 == a2.sha256 and a1.size == len(data)
    files = [p for p in (app.config["ATTACHMENT_DIR"]).rglob("*") if p.is_file()]
    assert len(files) == 1 and files[0].read_bytes() == data


def test_events_fire_after_commit_only(staff, make):
    seen = []

    @subscribe("interaction.created")
    def listener(name, payload):
        seen.append((name, payload["interaction"]["text"], count_in_new_session()))

    def count_in_new_session():
        with db.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(Interaction)).scalar()

    try:
        make.inbound("email", "e@example.com", "visible")
        assert seen == [("interaction.created", "visible", 1)]  # committed before anyone heard of it
    finally:
        from desk.events import _subscribers

        _subscribers["interaction.created"].remove(listener)


def test_internal_note_and_reply(staff, make):
    ticket, _ = make.inbound("email", "n@example.com", "question")
    note = replies.send(ticket.id, actor=staff["agent"], body="check order", internal=True)
    reply = replies.send(ticket.id, actor=staff["agent"], body="answer", channel="email")
    assert note.direction == "internal" and note.channel == "note"
    assert reply.direction == "outbound" and reply.delivery_status == "queued"
    refreshed = db.session.get(Ticket, ticket.id)
    assert refreshed.status == "open" and refreshed.first_response_at is not None
    assert refreshed.assignee_id == staff["agent"].id
