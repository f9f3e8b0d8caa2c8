"""Who has a ticket open right now (collision detection), per web process.

The /console namespace calls ``joined``/``left``/``gone`` as sockets join and leave ticket
rooms; every change sends the room the current list (``viewers`` event) through the one emitter.
With several web nodes each node knows its own sockets only; the list a browser sees then covers
the people connected to the same node (sticky sessions keep a ticket's viewers mostly together).
"""
from __future__ import annotations

import threading
from collections import defaultdict

from desk.realtime import fanout

_lock = threading.Lock()
_rooms: dict[int, dict[str, dict]] = defaultdict(dict)  # ticket id -> sid -> agent
_by_sid: dict[str, set[int]] = defaultdict(set)


def _announce(ticket_id: int) -> None:
    with _lock:
        people = {a["id"]: a for a in _rooms.get(ticket_id, {}).values()}
    fanout.emit("viewers", {"ticket_id": ticket_id, "agents": sorted(people.values(), key=lambda a: a["name"])},
                [f"ticket:{ticket_id}"])


def joined(ticket_id: int, agent, sid: str) -> None:
    with _lock:
        _rooms[ticket_id][sid] = {"id": agent.id, "name": agent.display_name}
        _by_sid[sid].add(ticket_id)
    _announce(ticket_id)


def left(ticket_id: int, sid: str) -> None:
    with _lock:
        _rooms.get(ticket_id, {}).pop(sid, None)
        _by_sid.get(sid, set()).discard(ticket_id)
        if not _rooms.get(ticket_id):
            _rooms.pop(ticket_id, None)
    _announce(ticket_id)


def gone(sid: str) -> None:
    with _lock:
        tickets = _by_sid.pop(sid, set())
    for ticket_id in tickets:
        left(ticket_id, sid)


def current(ticket_id: int) -> list[dict]:
    with _lock:
        return list({a["id"]: a for a in _rooms.get(ticket_id, {}).values()}.values())
