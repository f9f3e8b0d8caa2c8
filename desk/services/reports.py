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
import io
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from desk.errors import Invalid
from desk.extensions import db
from desk.models import CHANNELS, Agent, Csat, Ticket, TicketSla

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
    csat: list[int] = field(default_factory=list)  # survey scores (1-5) of their tickets


def csat_summary(scores: list[int]) -> dict:
    """Answered surveys, their mean score and the share of 4s and 5s (the usual CSAT figure)."""
    if not scores:
        return {"answered": 0, "average": None, "satisfied": None}
    return {"answered": len(scores), "average": sum(scores) / len(scores),
            "satisfied": sum(1 for s in scores if s >= 4) / len(scores)}


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
    csat: dict = field(default_factory=lambda: csat_summary([]))


def _range(filters: Filters, tz: ZoneInfo) -> tuple[datetime, datetime]:
    lo = datetime.combine(filters.start, time(), tzinfo=tz).astimezone(ZoneInfo("UTC"))
    hi = datetime.combine(filters.end + timedelta(days=1), time(), tzinfo=tz).astimezone(ZoneInfo("UTC"))
    return lo, hi


def _scope(stmt, filters: Filters):
    """The filters, written so the database keeps reading by the date range (``+ 0`` / ``|| ''``
    keep it from switching to the queue, channel or assignee index and scanning far more rows)."""
    if filters.queue_id is not None:
        stmt = stmt.where(Ticket.queue_id + 0 == filters.queue_id)
    if filters.channel is not None:
        stmt = stmt.where(Ticket.channel.concat("") == filters.channel)
    if filters.agent_id is not None:
        stmt = stmt.where(Ticket.assignee_id + 0 == filters.agent_id)
    return stmt


def _stats(values: list[float]) -> dict:
    return {"count": len(values), "median": percentile(values, 50), "p90": percentile(values, 90)}


def _local_hour(column, tz: ZoneInfo, at: datetime):
    """``YYYY-MM-DD HH`` of a UTC timestamp column in the desk's zone, computed by the database.
    PostgreSQL converts exactly; SQLite shifts by the zone's offset at the start of the period
    (exact for zones without daylight saving, such as Asia/Seoul)."""
    if db.engine.dialect.name == "postgresql":
        return func.to_char(func.timezone(tz.key, column), "YYYY-MM-DD HH24")
    minutes = int(at.astimezone(tz).utcoffset().total_seconds() // 60)
    return func.strftime("%Y-%m-%d %H", column, f"{minutes:+d} minutes")


def _seconds_between(later, earlier):
    if db.engine.dialect.name == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def _bucket(text: str) -> tuple[date, int]:
    return date.fromisoformat(text[:10]), int(text[11:13])


def build(filters: Filters, tz_name: str) -> Report:
    """Three queries on the ``created_at`` / ``solved_at`` ranges; the database buckets by local
    hour and computes durations, so Python only sees counts and numbers (no timestamps)."""
    session = db.session
    tz = ZoneInfo(tz_name)
    lo, hi = _range(filters, tz)
    in_range = (Ticket.created_at >= lo, Ticket.created_at < hi)
    hour = _local_hour(Ticket.created_at, tz, lo)
    by_day: dict[date, Counter] = defaultdict(Counter)
    by_hour: Counter = Counter()
    created_per_day: Counter = Counter()
    total = 0
    for bucket, channel, n in session.execute(_scope(select(hour, Ticket.channel, func.count())
                                                     .where(*in_range), filters).group_by(hour, Ticket.channel)):
        day, h = _bucket(bucket)
        by_day[day][channel] += n
        by_hour[h] += n
        created_per_day[day] += n
        total += n
    first, resolution = [], []
    sla_measured = sla_breached = 0
    agents: dict[int, AgentStats] = {}
    measured_expr = (TicketSla.first_response_due_at.is_not(None)) | (TicketSla.resolution_due_at.is_not(None))
    details = _scope(select(Ticket.assignee_id, _seconds_between(Ticket.first_response_at, Ticket.created_at),
                            _seconds_between(Ticket.solved_at, Ticket.created_at),
                            func.coalesce(measured_expr, False), TicketSla.breached_at.is_not(None), Csat.score)
                     .outerjoin(TicketSla, TicketSla.ticket_id == Ticket.id)
                     .outerjoin(Csat, Csat.ticket_id == Ticket.id).where(*in_range), filters)
    scores: list[int] = []
    for assignee, fr, res, measured, breached, score in session.execute(details):
        if score is not None:
            scores.append(score)
        if fr is not None:
            first.append(round(fr))
        if res is not None:
            resolution.append(round(res))
        if measured:
            sla_measured += 1
            sla_breached += bool(breached)
        if assignee is not None:
            stats = agents.get(assignee)
            if stats is None:
                stats = agents[assignee] = AgentStats(assignee, "")
            stats.assigned += 1
            if res is not None:
                stats.solved += 1
                stats.resolution.append(round(res))
            if fr is not None:
                stats.first_response.append(round(fr))
            if measured and breached:
                stats.breached += 1
            if score is not None:
                stats.csat.append(score)
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
        backlog=backlog(filters, tz, created_per_day),
        csat=csat_summary(scores),
    )


def backlog(filters: Filters, tz: ZoneInfo, created: Counter) -> list[tuple[date, int]]:
    """Unsolved tickets at the end of each day: created so far minus solved so far."""
    session = db.session
    lo, hi = _range(filters, tz)
    created_before = session.scalar(_scope(select(func.count()).select_from(Ticket)
                                           .where(Ticket.created_at < lo), filters)) or 0
    solved_before = session.scalar(_scope(select(func.count()).select_from(Ticket)
                                          .where(Ticket.solved_at < lo), filters)) or 0
    hour = _local_hour(Ticket.solved_at, tz, lo)
    solved = Counter()
    for bucket, n in session.execute(_scope(select(hour, func.count())
                                            .where(Ticket.solved_at >= lo, Ticket.solved_at < hi), filters)
                                     .group_by(hour)):
        solved[_bucket(bucket)[0]] += n
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
              "" if report.sla["compliance"] is None else round(report.sla["compliance"] * 100, 1), ""],
             [labels["csat_average"], report.csat["answered"],
              "" if report.csat["average"] is None else round(report.csat["average"], 2), ""],
             [labels["csat_satisfied"], report.csat["answered"],
              "" if report.csat["satisfied"] is None else round(report.csat["satisfied"] * 100, 1), ""]]
    agents = [[labels["agent"], labels["assigned"], labels["solved"], labels["frt_median_h"],
               labels["res_median_h"], labels["breached"], labels["csat_average"]]]
    for a in report.agents:
        mean = csat_summary(a.csat)["average"]
        agents.append([a.name, a.assigned, a.solved, hours(percentile(a.first_response, 50)),
                       hours(percentile(a.resolution, 50)), a.breached, "" if mean is None else round(mean, 2)])
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
