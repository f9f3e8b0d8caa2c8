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

from desk.errors import Invalid
from desk.models import BusinessCalendar
from desk.models.service_levels import DEFAULT_HOURS

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


def _seconds(text: str) -> int:
    try:
        hh, mm = str(text).split(":")
        value = int(hh) * 3600 + int(mm) * 60
    except (ValueError, AttributeError):
        raise Invalid(f"{text!r} is not a time like 09:00", field="hours") from None
    if not 0 <= value <= 86400 or not 0 <= int(mm) < 60:
        raise Invalid(f"{text!r} is not a time of day", field="hours")
    return value


def parse_week(raw: dict) -> tuple[tuple[tuple[int, int], ...], ...]:
    week = []
    for day in range(7):
        spans = []
        for span in (raw or {}).get(str(day)) or []:
            start, end = _seconds(span[0]), _seconds(span[1])
            if end <= start:
                raise Invalid("a business period must end after it starts", field="hours")
            spans.append((start, end))
        week.append(tuple(sorted(spans)))
    return tuple(week)


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
