"""Campaign progress to supervisors as it happens (through the one emitter, after commit)."""
from __future__ import annotations

from desk.events import subscribe
from desk.realtime import fanout


@subscribe("campaign.progress")
def _campaign_progress(name: str, payload: dict) -> None:
    fanout.emit(name, payload, ["staff"])


@subscribe("callback.changed")
def _callback_changed(name: str, payload: dict) -> None:
    callback = payload["callback"]
    rooms = ["staff", f"ticket:{callback['ticket_id']}"]
    if callback.get("queue_id"):
        rooms.append(f"queue:{callback['queue_id']}")
    fanout.emit(name, payload, rooms)
