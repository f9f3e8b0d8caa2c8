"""Which queue a new ticket goes to."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk.models import Queue


def pick_queue(session: Session, requested: str | None, channel: str) -> Queue | None:  # noqa: ARG001
    if requested:
        queue = session.scalar(select(Queue).where(Queue.slug == requested))
        if queue is not None:
            return queue
    return session.scalar(select(Queue).order_by(Queue.is_default.desc(), Queue.id).limit(1))
