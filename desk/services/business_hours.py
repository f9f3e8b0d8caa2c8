"""Business time: opening hours per weekday in a time zone, minus holidays.

``add(calendar, start, seconds)`` is the moment ``seconds`` of business time after ``start``;
``between(calendar, a, b)`` the business seconds from ``a`` to ``b``. A calendar without any
opening hours counts every hour (24/7). Korean public holidays for 2026 and 2027 can be loaded
into a calendar as a starting point (admins edit them; lunar dates change every year).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk.errors import Invalid
from desk.models import BusinessCalendar, Holiday, QueueSettings
from desk.models.service_levels import DEFAULT_HOURS
from desk.services import routing

MAX_DAYS = 800  # a deadline further away than this is an error in the calendar, not a deadline


@dataclass(frozen=True)
class Hours:
    """A calendar reduced to what the arithmetic needs (plain values, safe to cache)."""

    tz: ZoneInfo
    week: tuple[tuple[tuple[int, int], ...], ...]  # per weekday: (start, end) in seconds of the day
    holidays: frozenset[date] = field(default_factory=frozenset)

    @property
    def always_open(self) -> bool:
        return not any(self.week)


DAY = 86400


def _seconds(text: str, *, latest: int) -> int:
    try:
        hh, mm = str(text).split(":")
        value = int(hh) * 3600 + int(mm) * 60
    except (ValueError, AttributeError):
        raise Invalid(f"{text!r} is not a time like 09:00", field="hours") from None
    if not 0 <= value <= latest or not 0 <= int(mm) < 60:
        raise Invalid(f"{text!r} is not a time of day", field="hours")
    return value


def clock(seconds: int) -> str:
    """Seconds after the day's midnight as stored: ``"09:30"``, ``"26:00"`` (02:00 the next day)."""
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def parse_week(raw: dict) -> tuple[tuple[tuple[int, int], ...], ...]:
    """Stored hours (``{"0": [["09:00", "12:00"], ["13:00", "18:00"]], …}``, Monday = 0) as the
    open spans of each weekday, in seconds of that day. A day's hours may run past midnight:
    times after 24:00 are the next morning's (``["22:00", "30:00"]``: until 06:00), and are
    counted on the next date, so a holiday closes every hour of its own date."""
    week: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    for day in range(7):
        for span in (raw or {}).get(str(day)) or []:
            start, end = _seconds(span[0], latest=2 * DAY - 60), _seconds(span[1], latest=2 * DAY)
            if end <= start:
                raise Invalid("a business period must end after it starts", field="hours")
            if start < DAY:
                week[day].append((start, min(end, DAY)))
            if end > DAY:
                week[(day + 1) % 7].append((max(start, DAY) - DAY, end - DAY))
    return tuple(_merged(spans) for spans in week)


def _merged(spans: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return tuple(out)


def day_spans(opens: str, closes: str, break_from: str | None = None,
              break_until: str | None = None) -> list[list[str]]:
    """One day's hours as an admin enters them: opening and closing time, and an optional break
    (a lunch hour). Closing at or before the opening time means the day runs past midnight."""
    start = _seconds(opens, latest=DAY - 60)
    end = _seconds(closes, latest=DAY - 60)
    end += DAY if end <= start else 0
    if not break_from and not break_until:
        return [[clock(start), clock(end)]]
    if not break_from or not break_until:
        raise Invalid("give the break both a start and an end, or leave both empty", field="hours",
                      code="break_incomplete")
    pause, resume = (_seconds(t, latest=DAY - 60) for t in (break_from, break_until))
    pause += DAY if pause < start else 0
    resume += DAY if resume < start else 0
    if not start < pause < resume < end:
        raise Invalid("the break must start and end within the opening hours", field="hours",
                      code="break_outside")
    return [[clock(start), clock(pause)], [clock(resume), clock(end)]]


@dataclass(frozen=True)
class DayForm:
    """A stored day as the admin form shows it."""

    opens: str
    closes: str
    break_from: str = ""
    break_until: str = ""

    @property
    def overnight(self) -> bool:
        return self.closes <= self.opens


def day_form(spans: list | None) -> DayForm | None:
    """The form's view of one stored day (None: closed): the first opening, the last closing and
    the first break, times of day as a clock shows them."""
    if not spans:
        return None
    of_day = [[clock(_seconds(t, latest=2 * DAY) % DAY) for t in span] for span in spans]
    if len(of_day) == 1:
        return DayForm(of_day[0][0], of_day[0][1])
    return DayForm(of_day[0][0], of_day[-1][1], of_day[0][1], of_day[1][0])


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "Asia/Seoul")
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(f"unknown time zone {name!r}", field="timezone") from None


def hours_of(calendar: BusinessCalendar | None, default_tz: str = "Asia/Seoul") -> Hours:
    if calendar is None:
        return Hours(zone(default_tz), parse_week(DEFAULT_HOURS))
    return Hours(zone(calendar.timezone), parse_week(calendar.hours),
                 frozenset(h.day for h in calendar.holidays))


def _spans(hours: Hours, day: date) -> tuple[tuple[int, int], ...]:
    if day in hours.holidays:
        return ()
    return hours.week[day.weekday()]


def _at(hours: Hours, day: date, seconds: int) -> datetime:
    local = datetime.combine(day, time()) + timedelta(seconds=seconds)
    return local.replace(tzinfo=hours.tz).astimezone(timezone.utc)


def add(hours: Hours, start: datetime, seconds: float) -> datetime:
    """``start`` plus ``seconds`` of business time (UTC in, UTC out)."""
    if seconds <= 0:
        return start
    if hours.always_open:
        return start + timedelta(seconds=seconds)
    local = start.astimezone(hours.tz)
    day = local.date()
    offset = local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6
    remaining = float(seconds)
    for _ in range(MAX_DAYS):
        for begin, end in _spans(hours, day):
            if offset >= end:
                continue
            begin = max(begin, offset)
            if remaining <= end - begin:
                return _at(hours, day, begin + remaining)
            remaining -= end - begin
        day += timedelta(days=1)
        offset = 0
    raise Invalid("the business calendar has no opening hours in the next two years", field="hours")


def between(hours: Hours, a: datetime, b: datetime) -> float:
    """Business seconds from ``a`` to ``b`` (0 when ``b`` is not after ``a``)."""
    if b <= a:
        return 0.0
    if hours.always_open:
        return (b - a).total_seconds()
    la, lb = a.astimezone(hours.tz), b.astimezone(hours.tz)
    day, last = la.date(), lb.date()
    if (last - day).days > MAX_DAYS:
        raise Invalid("that period is too long to measure in business hours", field="hours")
    total = 0.0
    while day <= last:
        lo = la.hour * 3600 + la.minute * 60 + la.second + la.microsecond / 1e6 if day == la.date() else 0
        hi = lb.hour * 3600 + lb.minute * 60 + lb.second + lb.microsecond / 1e6 if day == last else 86400
        for begin, end in _spans(hours, day):
            total += max(0.0, min(end, hi) - max(begin, lo))
        day += timedelta(days=1)
    return total


def is_open(hours: Hours, moment: datetime) -> bool:
    local = moment.astimezone(hours.tz)
    if hours.always_open:
        return True
    offset = local.hour * 3600 + local.minute * 60 + local.second
    return any(begin <= offset < end for begin, end in _spans(hours, local.date()))


# The default calendar is the one marked so, else the oldest: calendars in this order, first wins.
DEFAULT_FIRST = (BusinessCalendar.is_default.desc(), BusinessCalendar.id)


def calendar_for(session: Session, queue_id: int | None) -> BusinessCalendar | None:
    """The calendar a queue keeps: its own, else the default one (as the SLA clocks pick it)."""
    own = session.scalar(select(QueueSettings.calendar_id).where(QueueSettings.queue_id == queue_id)) \
        if queue_id is not None else None
    if own is not None:
        return session.get(BusinessCalendar, own)
    return session.scalar(select(BusinessCalendar).order_by(*DEFAULT_FIRST).limit(1))


def holiday_on(session: Session, queue_id: int | None, moment: datetime) -> Holiday | None:
    """The holiday ``moment`` falls on (the date in the calendar's own time zone) in the calendar
    of ``queue_id``; None on a working day, when no calendar exists, or when the calendar is open
    around the clock (it counts holidays as working time too). ``queue_id`` None means the queue a
    conversation that names none lands in (the default queue). Live chat and the phone line close
    all day on it."""
    if queue_id is None:
        queue = routing.pick_queue(session, None, "")
        queue_id = queue.id if queue else None
    calendar = calendar_for(session, queue_id)
    if calendar is None or not any(parse_week(calendar.hours)):
        return None
    day = moment.astimezone(zone(calendar.timezone)).date()
    return session.scalar(select(Holiday).where(Holiday.calendar_id == calendar.id, Holiday.day == day))


# Korean public holidays (공휴일), substitute days included, as published for these years.
KOREAN_HOLIDAYS = {
    2026: [("01-01", "신정"), ("02-16", "설날 연휴"), ("02-17", "설날"), ("02-18", "설날 연휴"),
           ("03-01", "삼일절"), ("03-02", "대체공휴일(삼일절)"), ("05-05", "어린이날"),
           ("05-24", "부처님오신날"), ("05-25", "대체공휴일(부처님오신날)"), ("06-03", "전국동시지방선거"),
           ("06-06", "현충일"), ("08-15", "광복절"), ("08-17", "대체공휴일(광복절)"),
           ("09-24", "추석 연휴"), ("09-25", "추석"), ("09-26", "추석 연휴"), ("10-03", "개천절"),
           ("10-05", "대체공휴일(개천절)"), ("10-09", "한글날"), ("12-25", "성탄절")],
    2027: [("01-01", "신정"), ("02-06", "설날 연휴"), ("02-07", "설날"), ("02-08", "설날 연휴"),
           ("02-09", "대체공휴일(설날)"), ("03-01", "삼일절"), ("05-05", "어린이날"), ("05-13", "부처님오신날"),
           ("06-06", "현충일"), ("08-15", "광복절"), ("08-16", "대체공휴일(광복절)"), ("09-14", "추석 연휴"),
           ("09-15", "추석"), ("09-16", "추석 연휴"), ("10-03", "개천절"), ("10-04", "대체공휴일(개천절)"),
           ("10-09", "한글날"), ("10-11", "대체공휴일(한글날)"), ("12-25", "성탄절"),
           ("12-27", "대체공휴일(성탄절)")],
}


def korean_holidays(year: int) -> list[tuple[date, str]]:
    return [(date.fromisoformat(f"{year}-{md}"), name) for md, name in KOREAN_HOLIDAYS.get(year, [])]
