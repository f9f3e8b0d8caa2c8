"""Long-running processes record that they are alive; /healthz reports it."""
from __future__ import annotations

import os
import socket

from desk.extensions import db
from desk.models import Heartbeat, utcnow


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
