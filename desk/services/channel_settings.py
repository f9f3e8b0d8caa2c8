"""Channel settings on the admin Channels page.

Two kinds live there. What the database holds is changed here, each change audited: which queue
takes the conversations that name none (SMS, calls, mail to support@, chats without a topic) and
which queues acknowledge new mail. What the environment holds (``DESK_*``, read by every process
through config.py) is only reported: ``EnvSetting`` rows say which variable to change and whether
it is set, and a secret is never shown, only whether it is set.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from desk.errors import NotFound
from desk.extensions import db
from desk.models import AuditLog, OutboxItem, Queue
from desk.services import routing

WAITING = ("pending", "sending")
FAILED = ("failed", "dead")


def _audit(session, actor_id: int, action: str, queue_id: int, data: dict) -> None:
    session.add(AuditLog(actor_agent_id=actor_id, action=action, target_type="queue", target_id=queue_id, data=data))


def set_acknowledgement(queue_id: int, enabled: bool, *, actor_id: int) -> Queue:
    """Whether a new ticket that mail opens in this queue gets the automatic "we got your message"
    reply (``replies.acknowledge``). Audited when it changes."""
    enabled = bool(enabled)
    with db.write() as session:
        queue = session.get(Queue, queue_id)
        if queue is None:
            raise NotFound("no such queue")
        if queue.send_acknowledgement != enabled:
            _audit(session, actor_id, "queue.acknowledgement_changed", queue.id,
                   {"queue": queue.slug, "send_acknowledgement": [queue.send_acknowledgement, enabled]})
            queue.send_acknowledgement = enabled
    return queue


def default_queue(session) -> Queue | None:
    """The queue a conversation that names none lands in, exactly as intake picks it."""
    return routing.pick_queue(session, None, "")


def set_default_queue(queue_id: int, *, actor_id: int) -> Queue:
    """Make ``queue_id`` the one default queue. Audited when it changes."""
    with db.write() as session:
        queue = session.get(Queue, queue_id)
        if queue is None:
            raise NotFound("no such queue")
        before = default_queue(session)
        for other in session.scalars(select(Queue).where(Queue.is_default.is_(True), Queue.id != queue.id)):
            other.is_default = False
        queue.is_default = True
        if before is None or before.id != queue.id:
            _audit(session, actor_id, "queue.default_changed", queue.id,
                   {"queue": queue.slug, "before": before.slug if before else None})
    return queue


def delivery_counts(session, channels: tuple[str, ...]) -> dict[str, int]:
    """Outbound messages of these channels still waiting to go out, and those that gave up.

    Only unfinished rows are counted (``status`` leads the outbox's due index), so the cost does not
    grow with the history of sent mail."""
    rows = session.execute(select(OutboxItem.status, func.count()).where(
        OutboxItem.channel.in_(channels), OutboxItem.status.in_(WAITING + FAILED)).group_by(OutboxItem.status))
    counts = dict(rows.all())
    return {"waiting": sum(counts.get(s, 0) for s in WAITING), "failed": sum(counts.get(s, 0) for s in FAILED)}


@dataclass(frozen=True)
class EnvSetting:
    """One ``DESK_*`` variable as the page shows it."""

    variable: str
    value: Any  # the value in effect (defaults applied); None or "" when it is not set
    meaning: str
    secret: bool = False  # shown as set / not set, never the value
    default: Any = None  # when the value in effect equals it, the page says "default"

    @property
    def is_set(self) -> bool:
        return self.value not in (None, "", [], ())

    @property
    def is_default(self) -> bool:
        return self.default is not None and self.value == self.default

    @property
    def shown(self) -> str | None:
        """The text to show, or None for a secret or an unset value."""
        if self.secret or not self.is_set:
            return None
        if isinstance(self.value, (list, tuple)):
            return ", ".join(str(v) for v in self.value)
        return str(self.value)
