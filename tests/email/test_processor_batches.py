"""The worker drains the spool in batches: one intake transaction per batch, same outcomes as one
message at a time."""
from __future__ import annotations

from sqlalchemy import func, select

from channels.email.processor import MailProcessor
from channels.email.spool import SpoolReader, SpoolWriter
from desk.extensions import db
from desk.models import Interaction, MailQuarantine, OutboxItem, Queue, Ticket
from tests.email.conftest import build_mail


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def drain(mail_app, tmp_path, mails: list[tuple]) -> tuple[int, SpoolReader]:
    """Spool (raw, envelope sender[, recipient]) and run one processing pass."""
    spool = tmp_path / "spool.db"
    writer = SpoolWriter(spool)
    for raw, envelope_from, *rcpt in mails:
        writer.store(raw, envelope_from, rcpt or ["support@desk.test"])
    writer.close()
    reader = SpoolReader(spool)
    done = MailProcessor(mail_app, reader).run_once()
    db.session.remove()
    return done, reader


def test_one_batch_threads_replies_and_drops_resends_like_one_at_a_time(mail_app, tmp_path):
    first = build_mail(sender="kim@example.kr", message_id="<b1@example.kr>", subject="주문 문의")
    done, reader = drain(mail_app, tmp_path, [
        (first, "kim@example.kr"),
        (first, "kim@example.kr"),  # the same message delivered twice
        (build_mail(sender="lee@example.kr", message_id="<b2@example.kr>", subject="배송"), "lee@example.kr"),
        (build_mail(sender="kim@example.kr", message_id="<b3@example.kr>", subject="Re: [#1001] 주문 문의"),
         "kim@example.kr"),
    ])
    assert done == 4 and reader.counts() == {"processed": 4}
    assert count(Interaction) == 3 and count(Ticket) == 2
    reply = db.session.scalar(select(Interaction).where(Interaction.external_id == "b3@example.kr"))
    assert reply.meta["threading"]["reason"] == "subject_token" and reply.ticket.number == 1001


def test_the_hourly_limit_counts_mail_earlier_in_the_same_batch(mail_app, tmp_path):
    mail_app.config["MAIL_SENDER_HOURLY_LIMIT"] = 3
    done, reader = drain(mail_app, tmp_path, [
        (build_mail(sender="loop@example.com", message_id=f"<l{n}@x>", subject=f"Auto {n}"), "loop@example.com")
        for n in range(5)])
    assert done == 5 and reader.counts() == {"processed": 3, "quarantined": 2}
    assert count(Interaction) == 3 and count(MailQuarantine, MailQuarantine.reason == "rate_limited") == 2


def test_new_tickets_in_a_batch_are_acknowledged_when_their_queue_says_so(mail_app, tmp_path):
    with db.write() as session:
        session.scalar(select(Queue).where(Queue.slug == "billing")).send_acknowledgement = True
    done, _ = drain(mail_app, tmp_path, [
        (build_mail(sender="a@example.com", to="billing@desk.test", message_id="<q1@x>"), "a@example.com",
         "billing@desk.test"),
        (build_mail(sender="b@example.com", message_id="<q2@x>"), "b@example.com"),
    ])
    assert done == 2
    acks = list(db.session.scalars(select(Interaction).where(Interaction.direction == "outbound")))
    assert [a.meta["to"] for a in acks] == ["a@example.com"] and count(OutboxItem) == 1


def test_a_sender_intake_rejects_is_quarantined_and_the_rest_of_the_batch_goes_through(mail_app, tmp_path):
    done, reader = drain(mail_app, tmp_path, [
        (build_mail(sender="good@example.com", message_id="<g1@x>"), "good@example.com"),
        (build_mail(sender="bad@exa mple", message_id="<g2@x>"), "bad@exa mple"),
        (build_mail(sender="fine@example.com", message_id="<g3@x>"), "fine@example.com"),
    ])
    assert done == 3
    assert count(Interaction) == 2
    assert reader.counts() == {"processed": 2, "quarantined": 1}
    assert db.session.scalar(select(MailQuarantine.reason)) == "intake_error"  # intake refused its sender


def test_the_drain_waits_for_a_pause_in_arrivals_but_never_too_long():
    from channels.email.processor import BURST_MAX_WAIT, BURST_QUIET, defer

    now = 1_000_000.0
    assert not defer(None, None, now)  # an empty spool
    assert not defer(now - 60, None, now)  # nothing waiting
    assert defer(now - 0.01, now - 1, now)  # mail streaming in: the SMTP server goes first
    assert not defer(now - BURST_QUIET - 0.01, now - 1, now)  # a pause: drain
    assert not defer(now - 0.01, now - BURST_MAX_WAIT - 0.01, now)  # a steady stream: drain anyway


def test_the_worker_drains_a_burst_once_it_pauses(mail_app, tmp_path):
    """Mail stored during a burst is processed after it, by the worker loop as it runs in production."""
    import threading
    import time

    spool = tmp_path / "spool.db"
    writer = SpoolWriter(spool)
    for n in range(5):
        writer.store(build_mail(sender=f"p{n}@example.kr", message_id=f"<burst{n}@example.kr>",
                                subject=f"문의 {n}"), f"p{n}@example.kr", ["support@desk.test"])
    writer.close()
    reader = SpoolReader(spool)
    newest, oldest_waiting = reader.arrivals()
    assert newest >= oldest_waiting > time.time() - 60
    worker = MailProcessor(mail_app, reader)
    thread = threading.Thread(target=worker.run_forever, kwargs={"poll": 0.02}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while reader.counts().get("stored") and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        worker.stopping.set()
        thread.join(10)
    db.session.remove()
    assert reader.counts() == {"processed": 5}
    assert count(Interaction, Interaction.direction == "inbound") == 5
