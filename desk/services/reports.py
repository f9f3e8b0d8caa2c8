"""Supervisor reports over a date range (in the desk's time zone), filtered by queue, channel
and agent: volume by channel per day and by hour of day, first response and resolution times
(median and 90th percentile, wall-clock), SLA compliance, agent performance, and the backlog.

One range query on ``ticket.created_at`` (indexed) reads the tickets created in the period, with
only the columns the figures need, and everything is bucketed in Python in the local time zone
(exact for zones with daylight saving, unlike SQL date arithmetic on UTC offsets). The backlog
uses two more indexed counts plus one range on ``solved_at``.
"""
from __future__ import annotations

import csv
from bisect import bisect_right
import io
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from desk.errors import Invalid
from desk.extensions import db
from desk.models import CHANNELS, Agent, Ticket, TicketSla

MAX_DAYS = 366


@dataclass(frozen=True)
class Filters:
    start: date
    end: date  # inclusive
    queue_id: int | None = None
    channel: str | None = None
    agent_id: int | None = None

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]


def parse_filters(args, today: date) -> Filters:
    def day(name: str, default: date) -> date:
        raw = (args.get(name) or "").strip()
        if not raw:
            return default
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise Invalid(f"{name} must be a date like 2026-11-30", field=name) from None

    def ident(name: str) -> int | None:
        raw = (args.get(name) or "").strip()
        if not raw:
            return None
        if not raw.isdigit() or not 0 < int(raw) <= 2_147_483_647:
            raise Invalid(f"{name} must be an id", field=name)
        return int(raw)

    end = day("to", today)
    start = day("from", end - timedelta(days=29))
    if start > end:
        raise Invalid("the start date is after the end date", field="from")
    if (end - start).days + 1 > MAX_DAYS:
        raise Invalid(f"a report covers at most {MAX_DAYS} days", field="from")
    channel = (args.get("channel") or "").strip() or None
    if channel is not None and channel not in CHANNELS:
        raise Invalid("unknown channel", field="channel")
    return Filters(start, end, ident("queue"), channel, ident("agent"))


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile; ``None`` for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class AgentStats:
    agent_id: int
    name: str
    assigned: int = 0
    solved: int = 0
    first_response: list[float] = field(default_factory=list)
    resolution: list[float] = field(default_factory=list)
    breached: int = 0


@dataclass
class Report:
    filters: Filters
    tz: ZoneInfo
    total: int
    by_day: dict[date, Counter]
    by_hour: Counter
    channels: list[str]
    first_response: dict
    resolution: dict
    sla: dict
    agents: list[AgentStats]
    backlog: list[tuple[date, int]]


def _range(filters: Filters, tz: ZoneInfo) -> tuple[datetime, datetime]:
    lo = datetime.combine(filters.start, time(), tzinfo=tz).astimezone(ZoneInfo("UTC"))
    hi = datetime.combine(filters.end + timedelta(days=1), time(), tzinfo=tz).astimezone(ZoneInfo("UTC"))
    return lo, hi


def _scope(stmt, filters: Filters):
    if filters.queue_id is not None:
        stmt = stmt.where(Ticket.queue_id == filters.queue_id)
    if filters.channel is not None:
        stmt = stmt.where(Ticket.channel == filters.channel)
    if filters.agent_id is not None:
        stmt = stmt.where(Ticket.assignee_id == filters.agent_id)
    return stmt


def _stats(values: list[float]) -> dict:
    return {"count": len(values), "median": percentile(values, 50), "p90": percentile(values, 90)}


def _day_starts(filters: Filters, tz: ZoneInfo) -> list[datetime]:
    """UTC instants at which each local day of the range (and the day after it) begins."""
    return [datetime.combine(day, time(), tzinfo=tz).astimezone(ZoneInfo("UTC"))
            for day in filters.days + [filters.end + timedelta(days=1)]]


def build(filters: Filters, tz_name: str) -> Report:
    session = db.session
    tz = ZoneInfo(tz_name)
    lo, hi = _range(filters, tz)
    starts = _day_starts(filters, tz)
    days = filters.days
    # Plain rows through Core (no ORM objects); durations and buckets computed with bisect on the
    # day boundaries instead of converting every timestamp to the local zone.
    stmt = _scope(select(Ticket.created_at, Ticket.channel, Ticket.assignee_id, Ticket.first_response_at,
                         Ticket.solved_at, TicketSla.breached, TicketSla.first_response_due_at,
                         TicketSla.resolution_due_at)
                  .outerjoin(TicketSla, TicketSla.ticket_id == Ticket.id)
                  .where(Ticket.created_at >= lo, Ticket.created_at < hi), filters)
    by_day: dict[date, Counter] = defaultdict(Counter)
    by_hour: Counter = Counter()
    first, resolution = [], []
    sla_measured = sla_breached = 0
    agents: dict[int, AgentStats] = {}
    created_per_day: Counter = Counter()
    total = 0
    index = 0
    for created, channel, assignee, responded, solved, breached, fr_due, res_due in session.execute(stmt):
        total += 1
        while index + 1 < len(starts) and created >= starts[index + 1]:
            index += 1
        if created < starts[index]:  # rows come in index order, but be safe if they do not
            index = bisect_right(starts, created) - 1
        day = days[index]
        by_day[day][channel] += 1
        created_per_day[day] += 1
        by_hour[int((created - starts[index]).total_seconds() // 3600) % 24] += 1
        fr = (responded - created).total_seconds() if responded else None
        res = (solved - created).total_seconds() if solved else None
        if fr is not None:
            first.append(fr)
        if res is not None:
            resolution.append(res)
        measured = fr_due is not None or res_due is not None
        if measured:
            sla_measured += 1
            if breached:
                sla_breached += 1
        if assignee is not None:
            stats = agents.get(assignee)
            if stats is None:
                stats = agents[assignee] = AgentStats(assignee, "")
            stats.assigned += 1
            if solved:
                stats.solved += 1
            if fr is not None:
                stats.first_response.append(fr)
            if res is not None:
                stats.resolution.append(res)
            if measured and breached:
                stats.breached += 1
    if agents:
        names = dict(session.execute(select(Agent.id, func.coalesce(func.nullif(Agent.name, ""), Agent.email))
                                     .where(Agent.id.in_(list(agents)))).all())
        for stats in agents.values():
            stats.name = names.get(stats.agent_id, f"#{stats.agent_id}")
    channels = sorted({ch for counts in by_day.values() for ch in counts},
                      key=lambda ch: -sum(c[ch] for c in by_day.values()))
    compliance = None if not sla_measured else (sla_measured - sla_breached) / sla_measured
    return Report(
        filters=filters, tz=tz, total=total, by_day=dict(by_day), by_hour=by_hour, channels=channels,
        first_response=_stats(first), resolution=_stats(resolution),
        sla={"measured": sla_measured, "breached": sla_breached, "compliance": compliance},
        agents=sorted(agents.values(), key=lambda a: (-a.assigned, a.name)),
        backlog=backlog(filters, tz, created_per_day, starts),
    )


def backlog(filters: Filters, tz: ZoneInfo, created: Counter, starts: list[datetime]) -> list[tuple[date, int]]:
    """Unsolved tickets at the end of each day: created so far minus solved so far."""
    session = db.session
    lo, hi = starts[0], starts[-1]
    created_before = session.scalar(_scope(select(func.count()).select_from(Ticket)
                                           .where(Ticket.created_at < lo), filters)) or 0
    solved_before = session.scalar(_scope(select(func.count()).select_from(Ticket)
                                          .where(Ticket.solved_at < lo), filters)) or 0
    solved = Counter()
    for (when,) in session.execute(_scope(select(Ticket.solved_at)
                                          .where(Ticket.solved_at >= lo, Ticket.solved_at < hi), filters)):
        solved[filters.days[bisect_right(starts, when) - 1]] += 1
    level = created_before - solved_before
    out = []
    for day in filters.days:
        level += created[day] - solved[day]
        out.append((day, max(level, 0)))
    return out


# -- exports ----------------------------------------------------------------------------------

def rows(report: Report, labels: dict) -> dict[str, list[list]]:
    """The report as tables (sheet name -> rows, the first row the header) for CSV and XLSX."""
    def hours(value):
        return round(value / 3600, 2) if value is not None else ""

    volume = [[labels["day"], *report.channels, labels["total"]]]
    for day in report.filters.days:
        counts = report.by_day.get(day, Counter())
        volume.append([day.isoformat(), *(counts[ch] for ch in report.channels), sum(counts.values())])
    hourly = [[labels["hour"], labels["tickets"]]] + [[h, report.by_hour[h]] for h in range(24)]
    times = [[labels["measure"], labels["count"], labels["median_h"], labels["p90_h"]],
             [labels["first_response"], report.first_response["count"], hours(report.first_response["median"]),
              hours(report.first_response["p90"])],
             [labels["resolution"], report.resolution["count"], hours(report.resolution["median"]),
              hours(report.resolution["p90"])],
             [labels["sla_compliance"], report.sla["measured"],
              "" if report.sla["compliance"] is None else round(report.sla["compliance"] * 100, 1), ""]]
    agents = [[labels["agent"], labels["assigned"], labels["solved"], labels["frt_median_h"],
               labels["res_median_h"], labels["breached"]]]
    for a in report.agents:
        agents.append([a.name, a.assigned, a.solved, hours(percentile(a.first_response, 50)),
                       hours(percentile(a.resolution, 50)), a.breached])
    backlog_rows = [[labels["day"], labels["backlog"]]] + [[d.isoformat(), n] for d, n in report.backlog]
    return {labels["sheet_volume"]: volume, labels["sheet_hours"]: hourly, labels["sheet_times"]: times,
            labels["sheet_agents"]: agents, labels["sheet_backlog"]: backlog_rows}


def _cell(value):
    """Spreadsheet applications run cells starting with = + - @ as formulas: quote them."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_csv(tables: dict[str, list[list]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for name, table in tables.items():
        writer.writerow([f"# {name}"])
        for row in table:
            writer.writerow([_cell(v) for v in row])
        writer.writerow([])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel opens Korean CSV correctly


def to_xlsx(tables: dict[str, list[list]]) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False})
    bold = book.add_format({"bold": True, "bg_color": "#EEF1F6"})
    for name, table in tables.items():
        sheet = book.add_worksheet(name[:31])
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                sheet.write(r, c, value, bold if r == 0 else None)
        sheet.set_column(0, 0, 16)
        sheet.set_column(1, max(1, len(table[0]) - 1), 12)
        sheet.freeze_panes(1, 0)
    book.close()
    return buffer.getvalue()
