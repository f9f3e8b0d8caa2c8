"""The outbox worker: delivers once, retries with backoff, fails visibly, survives adapter bugs."""
from __future__ import annotations

import threading
from collections import Counter as Tally
from datetime import timedelta

import pytest
from sqlalchemy import select, update

import channels.base
from channels.base import DeliveryResult
from desk import outbox
from desk.extensions import db
from desk.models import Interaction, OutboxItem, utcnow
from desk.outbox import OutboxWorker
from desk.services import replies


class FakeAdapter:
    name = "email"

    def __init__(self, results=None, delay: float = 0.0) -> None:
        self.results = list(results or [])
        self.sent: list[int] = []
        self.delay = delay
        self.lock = threading.Lock()

    def send(self, interaction, config):  # noqa: ARG002
        if self.delay:
            threading.Event().wait(self.delay)
        with self.lock:
            self.sent.append(interaction.id)
            result = self.results.pop(0) if self.results else DeliveryResult(ok=True, provider_id=f"p{interaction.id}")
        if isinstance(result, Exception):
            raise result
        return result


@pytest.fixture
def adapter(monkeypatch):
    fake = FakeAdapter()
    monkeypatch.setitem(channels.base._registry, "email", fake)
    return fake


@pytest.fixture
def reply(staff, make):
    def create(body="답변드립니다"):
        ticket, _ = make.inbound("email", "out@example.com", "question")
        return replies.send(ticket.id, actor=staff["agent"], body=body, channel="email").id

    return create


def item_for(interaction_id: int) -> OutboxItem:
    db.session.expire_all()
    return db.session.scalar(select(OutboxItem).where(OutboxItem.interaction_id == interaction_id))


def make_due(item_id: int) -> None:
    with db.write() as session:
        session.execute(update(OutboxItem).where(OutboxItem.id == item_id).values(next_attempt_at=utcnow()))


def test_reply_is_delivered_once(app, adapter, reply):
    interaction = reply()
    worker = OutboxWorker(app)
    assert worker.run_once() == 1
    assert worker.run_once() == 0
    item = item_for(interaction)
    assert item.status == "sent" and item.attempts == 1 and item.provider_id == f"p{interaction}"
    assert db.session.get(Interaction, interaction).delivery_status == "sent"
    assert adapter.sent == [interaction]


def test_unconfigured_channel_is_recorded_not_sent(app, reply):
    interaction = reply()  # no adapter registered for email in this test: the record adapter answers
    OutboxWorker(app).run_once()
    assert db.session.get(Interaction, interaction).delivery_status == "recorded"
    assert item_for(interaction).status == "sent"


def test_transient_failure_is_retried_with_growing_backoff(app, adapter, reply):
    app.config["OUTBOX_BACKOFF_SECONDS"] = 30
    adapter.results = [DeliveryResult(ok=False, error="relay busy"), DeliveryResult(ok=False, error="relay busy")]
    interaction = reply()
    worker = OutboxWorker(app)
    before = utcnow()
    worker.run_once()
    item = item_for(interaction)
    assert item.status == "pending" and item.attempts == 1 and item.last_error == "relay busy"
    assert timedelta(seconds=29) < item.next_attempt_at - before < timedelta(seconds=40)
    assert worker.run_once() == 0  # not due yet
    make_due(item.id)
    worker.run_once()
    item = item_for(interaction)
    assert item.attempts == 2 and timedelta(seconds=59) < item.next_attempt_at - utcnow() < timedelta(seconds=61)
    make_due(item.id)
    worker.run_once()
    assert item_for(interaction).status == "sent"
    assert len(adapter.sent) == 3


def test_permanent_failure_and_exhausted_retries_are_visible(app, adapter, reply):
    app.config["OUTBOX_MAX_ATTEMPTS"] = 2
    adapter.results = [DeliveryResult(ok=False, error="550 no such user", permanent=True),
                       RuntimeError("boom"), DeliveryResult(ok=False, error="timeout")]
    first, second = reply("one"), reply("two")
    worker = OutboxWorker(app)
    worker.run_once()
    assert item_for(first).status == "dead"
    interaction = db.session.get(Interaction, first)
    assert interaction.delivery_status == "failed" and interaction.meta["delivery_error"] == "550 no such user"
    item = item_for(second)
    assert item.status == "pending" and "RuntimeError: boom" in item.last_error  # an adapter bug is an attempt
    make_due(item.id)
    worker.run_once()
    assert item_for(second).status == "dead"

    outbox.retry(item.id)  # a person presses Retry
    adapter.results = []
    worker.run_once()
    assert item_for(second).status == "sent"


def test_two_workers_never_deliver_the_same_item_twice(app, adapter, reply):
    adapter.delay = 0.01
    interactions = [reply(f"reply {n}") for n in range(30)]
    workers = [OutboxWorker(app, name=f"w{n}") for n in range(3)]

    def drain(worker):
        while worker.run_once(batch=3):
            pass

    threads = [threading.Thread(target=drain, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    tally = Tally(adapter.sent)
    assert sorted(tally) == sorted(interactions)
    assert set(tally.values()) == {1}


def test_item_left_sending_by_a_dead_worker_is_failed_not_resent(app, adapter, reply):
    interaction = reply()
    item = item_for(interaction)
    with db.write() as session:
        session.execute(update(OutboxItem).where(OutboxItem.id == item.id).values(
            status="sending", claimed_by="gone", claimed_at=utcnow() - timedelta(hours=1)))
    worker = OutboxWorker(app)
    assert worker.fail_stale() == 1
    worker.run_once()
    assert adapter.sent == []
    item = item_for(interaction)
    assert item.status == "dead" and "outcome is unknown" in item.last_error
