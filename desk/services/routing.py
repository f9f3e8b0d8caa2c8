"""Which queue a new ticket goes to."""
from __future__ import annotations

from sqlalchemy import bindparam, case, select
from sqlalchemy.orm import Session

from desk.models import Queue
from desk.services.prepared import Prepared, Raw

_Q = Queue.__table__
# The requested queue when it exists, else the default one, else the oldest: one statement.
_PICK = Prepared(select(_Q.c.id, _Q.c.slug, _Q.c.name, _Q.c.send_acknowledgement)
                 .order_by(case((_Q.c.slug == bindparam("slug"), 0), else_=1), _Q.c.is_default.desc(), _Q.c.id)
                 .limit(1))


def pick_queue(session: Session, requested: str | None, channel: str) -> Queue | None:  # noqa: ARG001
    if requested:
        queue = session.scalar(select(Queue).where(Queue.slug == requested))
        if queue is not None:
            return queue
    return session.scalar(select(Queue).order_by(Queue.is_default.desc(), Queue.id).limit(1))


def pick_queue_row(conn: Raw, requested: str | None, channel: str) -> tuple | None:  # noqa: ARG001
    """``pick_queue`` as an (id, slug, name, send_acknowledgement) tuple, for the inbound path; None
    when there is no queue."""
    return _PICK.first(conn, {"slug": requested})
