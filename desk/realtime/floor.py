"""Console events of the SLA clock, notifications and the supervisors' floor, handed to the one
emitter (``fanout.emit``) after commit. Notifications go only to their recipient's room."""
from __future__ import annotations

from typing import Any

from desk.events import subscribe
from desk.realtime import fanout


@subscribe("sla.warning", "sla.breached")
def _sla_event(name: str, payload: dict[str, Any]) -> None:
    fanout.emit(name, payload, fanout.ticket_rooms(payload["ticket"]))


@subscribe("notification.created")
def _notification(name: str, payload: dict[str, Any]) -> None:
    fanout.emit(name, payload["notification"], [f"agent:{payload['agent_id']}"])


@subscribe("ticket.created", "ticket.updated", "sla.breached")
def _floor_changed(name: str, payload: dict[str, Any]) -> None:  # noqa: ARG001
    # Supervisors' floor pages re-read the summary (debounced in the browser); only staff hear it.
    fanout.emit("floor.changed", {"ticket_id": payload["ticket"]["id"]}, ["staff"])
