"""The supervisors' live floor: per queue and channel, what waits, for how long, what is in
progress, what is at risk of breaching its SLA or has breached; and every agent with presence,
load and live chats. Computed from a few grouped queries on indexes, kept in each web
process for one second (floor pages re-read it 1.5 s after tickets change, so what they get is
never older than the change; many supervisors share one answer)."""
from __future__ import annotations

import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select

from desk.extensions import db
from desk.models import Agent, Queue, Ticket, TicketSla, utcnow
from desk.services import assignment, tally
from desk.services.prepared import Prepared, Raw

ACTIVE = ("new", "open")
AT_RISK = timedelta(minutes=30)
CACHE_SECONDS = 1.0  # shorter than the page's 1.5 s debounce: a re-read after an event is never older than it

# The oldest waiting ticket of one (status, queue, channel) group, unassigned.
_WAITING = (Ticket.status == bindparam("status"), Ticket.channel == bindparam("channel"), Ticket.assignee_id.is_(None))
_OLDEST = Prepared(select(func.min(Ticket.created_at)).where(Ticket.queue_id == bindparam("queue_id"), *_WAITING))
_OLDEST_OUTSIDE_QUEUES = Prepared(select(func.min(Ticket.created_at)).where(Ticket.queue_id.is_(None), *_WAITING))


@dataclass
class Cell:
    waiting: int = 0
    in_progress: int = 0
    pending: int = 0
    oldest_waiting: datetime | None = None
    at_risk: int = 0
    breached: int = 0

    def add(self, other: "Cell") -> None:
        self.waiting += other.waiting
        self.in_progress += other.in_progress
        self.pending += other.pending
        self.at_risk += other.at_risk
        self.breached += other.breached
        if other.oldest_waiting and (self.oldest_waiting is None or other.oldest_waiting < self.oldest_waiting):
            self.oldest_waiting = other.oldest_waiting


@dataclass
class AgentRow:
    id: int
    name: str
    role: str
    presence: str
    units: int
    capacity: int
    tickets: int
    chats: int


@dataclass
class Floor:
    at: datetime
    queues: list[tuple[int | None, str]]
    channels: list[str]
    cells: dict[tuple[int | None, str], Cell]
    by_queue: dict[int | None, Cell]
    by_channel: dict[str, Cell]
    total: Cell
    agents: list[AgentRow] = field(default_factory=list)

    def as_dict(self) -> dict:
        def cell(c: Cell) -> dict:
            return {"waiting": c.waiting, "in_progress": c.in_progress, "pending": c.pending,
                    "oldest_waiting": c.oldest_waiting.isoformat() if c.oldest_waiting else None,
                    "at_risk": c.at_risk, "breached": c.breached}
        return {
            "at": self.at.isoformat(),
            "total": cell(self.total),
            "queues": [{"id": qid, "name": name, **cell(self.by_queue.get(qid, Cell()))} for qid, name in self.queues],
            "channels": [{"channel": ch, **cell(self.by_channel.get(ch, Cell()))} for ch in self.channels],
            "agents": [a.__dict__ for a in self.agents],
        }


_cache: dict[str, tuple[float, Floor]] = {}
_lock = threading.Lock()


def summary(*, fresh: bool = False) -> Floor:
    key = "floor"
    now = time.monotonic()
    with _lock:
        hit = _cache.get(key)
    if hit and not fresh and now - hit[0] < CACHE_SECONDS:
        return hit[1]
    floor = compute()
    with _lock:
        _cache[key] = (time.monotonic(), floor)
    return floor


def compute(now: datetime | None = None) -> Floor:
    session = db.session
    now = now or utcnow()
    cells: dict[tuple[int | None, str], Cell] = defaultdict(Cell)
    waiting_groups = set()
    groups = tally.groups(session)
    for group in groups:
        if group.status not in ("new", "open", "pending"):
            continue
        c = cells[(group.queue_id, group.channel)]
        if group.status == "pending":
            c.pending += group.n
        elif group.assignee_id is None:
            c.waiting += group.n
            waiting_groups.add((group.status, group.queue_id, group.channel))
        else:
            c.in_progress += group.n
    # The oldest waiting ticket of each group: one seek each on (status, queue, channel, assignee,
    # created), a few dozen of them, run as prepared statements on the session's connection.
    raw = Raw(session.connection())
    try:
        for status, queue_id, channel in waiting_groups:
            params = {"status": status, "channel": channel}
            if queue_id is None:
                oldest = _OLDEST_OUTSIDE_QUEUES.scalar(raw, params)
            else:
                oldest = _OLDEST.scalar(raw, {**params, "queue_id": queue_id})
            c = cells[(queue_id, channel)]
            if oldest and (c.oldest_waiting is None or oldest < c.oldest_waiting):
                c.oldest_waiting = oldest
    finally:
        raw.close()
    risk = session.execute(
        select(TicketSla.queue_id, TicketSla.channel, func.count())
        .where(TicketSla.due_at > now, TicketSla.due_at <= now + AT_RISK)
        .group_by(TicketSla.queue_id, TicketSla.channel))
    for queue_id, channel, n in risk:
        cells[(queue_id, channel)].at_risk += n
    breached = session.execute(
        select(TicketSla.queue_id, TicketSla.channel, func.count())
        .where(TicketSla.is_open.is_(True), TicketSla.breached_at.is_not(None))
        .group_by(TicketSla.queue_id, TicketSla.channel))
    for queue_id, channel, n in breached:
        cells[(queue_id, channel or "")].breached += n
    by_queue: dict[int | None, Cell] = defaultdict(Cell)
    by_channel: dict[str, Cell] = defaultdict(Cell)
    total = Cell()
    for (queue_id, channel), c in cells.items():
        by_queue[queue_id].add(c)
        if channel:
            by_channel[channel].add(c)
        total.add(c)
    queues = [(q.id, q.name) for q in session.scalars(select(Queue).order_by(Queue.name))]
    if None in by_queue:
        queues.append((None, ""))
    channels = sorted(by_channel, key=lambda ch: (-(by_channel[ch].waiting + by_channel[ch].in_progress), ch))
    return Floor(now, queues, channels, dict(cells), dict(by_queue), dict(by_channel), total, agent_rows(groups))


def agent_rows(groups: list | None = None) -> list[AgentRow]:
    session = db.session
    agents = list(session.scalars(select(Agent).where(Agent.active.is_(True)).order_by(Agent.name, Agent.id)))
    ids = [a.id for a in agents]
    loads = assignment.loads(session, ids, groups)
    caps = assignment.capacities(session, ids)
    presence = assignment.statuses(ids)
    out = [AgentRow(a.id, a.display_name, a.role, presence[a.id], loads[a.id]["units"], caps[a.id],
                    loads[a.id]["tickets"], loads[a.id]["chats"]) for a in agents]
    order = {"online": 0, "away": 1, "offline": 2}
    return sorted(out, key=lambda r: (order.get(r.presence, 3), -r.units, r.name))
