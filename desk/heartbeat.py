"""Long-running processes record that they are alive; /healthz and the admin pages report it."""
from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from desk.extensions import db
from desk.models import Heartbeat, utcnow

STALE = timedelta(seconds=30)  # processes beat every few seconds; older than this: not running


def beat(role: str, name: str | None = None, info: dict | None = None) -> None:
    name = name or f"{role}@{socket.gethostname()}:{os.getpid()}"

    def _write():
        with db.write() as session:
            row = session.get(Heartbeat, name)
            if row is None:
                row = Heartbeat(name=name, role=role, pid=os.getpid(), started_at=utcnow())
                session.add(row)
            row.beat_at = utcnow()
            row.info = info or {}

    db.retrying(_write)


@dataclass(frozen=True)
class Liveness:
    running: bool
    last_beat: datetime | None  # None: no process of this role ever beat


def liveness(session, role: str, now: datetime | None = None) -> Liveness:
    """Is a process of ``role`` ("smtp", "worker") alive now, and when did one last beat?"""
    last = session.scalar(select(func.max(Heartbeat.beat_at)).where(Heartbeat.role == role))
    return Liveness(running=last is not None and (now or utcnow()) - last < STALE, last_beat=last)
