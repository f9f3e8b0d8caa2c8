"""Domain events, held until the transaction that caused them commits.

Services call ``publish(name, payload)`` after a flush, with a payload that already holds
everything a subscriber needs (subscribers must not touch the database: the session is
between transactions when they run). On commit the events go to the subscribers in order;
on rollback they are dropped, so nobody hears of a change that did not happen.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any, Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

Subscriber = Callable[[str, dict[str, Any]], None]
_subscribers: dict[str, list[Subscriber]] = defaultdict(list)
_PENDING = "desk_pending_events"


def subscribe(*names: str) -> Callable[[Subscriber], Subscriber]:
    def decorator(fn: Subscriber) -> Subscriber:
        for name in names:
            if fn not in _subscribers[name]:
                _subscribers[name].append(fn)
        return fn

    return decorator


def publish(session: Session, name: str, payload: dict[str, Any]) -> None:
    session.info.setdefault(_PENDING, []).append((name, payload))


def dispatch(name: str, payload: dict[str, Any]) -> None:
    for fn in list(_subscribers.get(name, ())) + list(_subscribers.get("*", ())):
        try:
            fn(name, payload)
        except Exception:  # a subscriber failing must not undo or block a committed change
            log.exception("event subscriber %r failed for %s", fn, name)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    for name, payload in pending or ():
        dispatch(name, payload)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)
