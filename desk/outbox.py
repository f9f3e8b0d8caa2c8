"""The durable delivery worker.

Claims due OutboxItems (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite's write lock does
the same job), delivers each through its channel adapter outside any transaction, records
the outcome, and retries failures with exponential backoff. An item is marked ``sending``
before the adapter is called, so no two workers — and no restart — deliver it twice: an item
found still ``sending`` after a crash is failed visibly ("outcome unknown") for a person to
retry, never sent again blindly.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta

from sqlalchemy import select, update

from channels.base import DeliveryResult, adapter_for
from desk.events import publish
from desk.extensions import db
from desk.models import Interaction, OutboxItem, utcnow
from desk.schemas import interaction_dict

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=10)


class OutboxWorker:
    def __init__(self, app, name: str | None = None) -> None:
        self.app = app
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
        self.config = app.config
        self.stopping = threading.Event()

    # -- one pass ---------------------------------------------------------------------------
    def run_once(self, batch: int = 20) -> int:
        """Deliver what is due now; returns how many items were attempted."""
        with self.app.app_context():
            ids = db.retrying(self._claim, batch)
            for item_id in ids:
                self._deliver(item_id)
            db.session.remove()
            return len(ids)

    def _claim(self, batch: int) -> list[int]:
        now = utcnow()
        with db.write() as session:
            due = (
                select(OutboxItem.id)
                .where(OutboxItem.status == "pending", OutboxItem.next_attempt_at <= now)
                .order_by(OutboxItem.next_attempt_at, OutboxItem.id)
                .limit(batch)
                .with_for_update(skip_locked=True)
            )
            ids = list(session.scalars(due))
            if ids:
                session.execute(
                    update(OutboxItem)
                    .where(OutboxItem.id.in_(ids), OutboxItem.status == "pending")
                    .values(status="sending", claimed_by=self.name, claimed_at=now,
                            attempts=OutboxItem.attempts + 1)
                )
        return ids

    def _deliver(self, item_id: int) -> None:
        session = db.session
        session.expire_all()  # read what was committed, not what this session saw earlier
        item = session.get(OutboxItem, item_id)
        if item is None or item.status != "sending" or item.claimed_by != self.name:
            return
        interaction = session.get(Interaction, item.interaction_id)
        _ = interaction.ticket.customer  # load what adapters read before leaving the transaction
        session.commit()
        adapter = adapter_for(item.channel)
        try:
            result = adapter.send(interaction, self.config)
        except Exception as exc:  # an adapter bug or a network error is a failed attempt, never a crash
            log.exception("delivery of outbox item %s failed", item_id)
            result = DeliveryResult(ok=False, status="failed", error=f"{type(exc).__name__}: {exc}")
        db.retrying(self._record, item_id, result)

    def _record(self, item_id: int, result: DeliveryResult) -> None:
        with db.write() as session:
            item = session.get(OutboxItem, item_id)
            # Read it fresh and locked: a status webhook may have changed it while we were sending.
            interaction = session.get(Interaction, item.interaction_id, with_for_update={"of": Interaction},
                                      populate_existing=True)
            now = utcnow()
            if result.ok:
                item.status = "sent"
                item.sent_at = now
                item.provider_id = result.provider_id
                item.last_error = None
                # A provider's status report (delivered, failed) may have arrived first: keep it.
                if interaction.delivery_status not in ("delivered", "failed"):
                    interaction.delivery_status = result.status
                if result.provider_id:
                    interaction.meta = {**(interaction.meta or {}), "provider_id": result.provider_id}
            elif result.permanent or item.attempts >= self.config["OUTBOX_MAX_ATTEMPTS"]:
                item.status = "dead"
                item.last_error = result.error
                interaction.delivery_status = "failed"
                interaction.meta = {**(interaction.meta or {}), "delivery_error": result.error}
            else:
                item.status = "pending"
                item.last_error = result.error
                delay = self.config["OUTBOX_BACKOFF_SECONDS"] * (2 ** (item.attempts - 1))
                item.next_attempt_at = now + timedelta(seconds=min(delay, 6 * 3600))
                interaction.meta = {**(interaction.meta or {}), "delivery_error": result.error,
                                    "next_attempt_at": item.next_attempt_at.isoformat()}
            session.flush()
            publish(session, "interaction.updated", {"interaction": interaction_dict(interaction)})

    def fail_stale(self) -> int:
        """Items left ``sending`` by a worker that died: fail them visibly instead of resending."""
        with self.app.app_context():
            def _fail() -> int:
                with db.write() as session:
                    cutoff = utcnow() - STALE_AFTER
                    stale = list(session.scalars(select(OutboxItem).where(
                        OutboxItem.status == "sending", OutboxItem.claimed_at < cutoff)))
                    for item in stale:
                        item.status = "dead"
                        item.last_error = "the worker stopped during delivery; the outcome is unknown"
                        item.interaction.delivery_status = "failed"
                    return len(stale)
            return db.retrying(_fail)

    # -- loop -------------------------------------------------------------------------------
    def run_forever(self) -> None:
        log.info("outbox worker %s started", self.name)
        self.fail_stale()
        while not self.stopping.is_set():
            try:
                done = self.run_once()
            except Exception:
                log.exception("outbox pass failed; trying again shortly")
                done = 0
            if not done:
                self.stopping.wait(self.config["OUTBOX_POLL_SECONDS"])

    def stop(self) -> None:
        self.stopping.set()


def retry(item_id: int) -> None:
    """Put a failed delivery back in line (an agent or admin pressed Retry)."""
    with db.write() as session:
        item = session.get(OutboxItem, item_id)
        if item is not None and item.status in ("dead", "failed"):
            item.status = "pending"
            item.next_attempt_at = utcnow()
            item.attempts = 0
            item.interaction.delivery_status = "queued"
