"""Small phone facts: SMS segments (GSM-7 or UCS-2), calling and opening hours in a time zone, opt-out
words."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from channels.chat import hours as weekly  # the parser of DESK_CHAT_HOURS: pure, no channel state

HoursError = weekly.HoursError

# The GSM 03.38 default alphabet, and its extension table (each costs two septets).
GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = set("^{}\\[~]|€\f")
MAX_SMS_CHARS = 1600  # Twilio refuses longer bodies


@dataclass(frozen=True)
class Segments:
    encoding: str  # "GSM-7" | "UCS-2"
    count: int
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)


def segments(text: str) -> Segments:
    """How many SMS parts ``text`` costs: 160/153 septets in GSM-7, 70/67 UTF-16 units in UCS-2
    (any Korean character makes the whole message UCS-2)."""
    text = text or ""
    if all(ch in GSM_BASIC or ch in GSM_EXTENDED for ch in text):
        units = sum(2 if ch in GSM_EXTENDED else 1 for ch in text)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = 70, 67, "UCS-2"
    if units == 0:
        return Segments(encoding, 0, 0)
    count = 1 if units <= single else -(-units // multi)
    return Segments(encoding, count, units)


STOP_WORDS = {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "수신거부", "수신 거부", "거부",
              "광고거부", "무료수신거부"}
START_WORDS = {"start", "unstop", "yes", "수신동의"}


def keyword(body: str) -> str | None:
    """"stop" or "start" when the whole message is an opt-out or opt-in word."""
    word = " ".join((body or "").strip().strip(".!").lower().split())
    if word in STOP_WORDS:
        return "stop"
    if word in START_WORDS:
        return "start"
    return None


def parse_hhmm(value: str) -> time:
    hours, minutes = value.strip().split(":")
    result = time(int(hours), int(minutes))
    return result


def within_hours(now: datetime, tz: str, start: str, end: str, weekdays) -> bool:
    """Is ``now`` (aware) inside [start, end) local time on one of ``weekdays`` (Monday = 0)?"""
    local = now.astimezone(ZoneInfo(tz))
    if local.weekday() not in set(weekdays or ()):
        return False
    return parse_hhmm(start) <= local.time().replace(tzinfo=None) < parse_hhmm(end)


DEFAULT_HOURS = "09:00-18:00"


def opening_hours(config) -> list[tuple[set[int], time, time]] | None:
    """``DESK_BUSINESS_HOURS`` as rules (weekdays Monday = 0, start, end); None: always open.

    ``09:00-18:00`` alone means Monday to Friday (the original form); otherwise the rules are
    written as for ``DESK_CHAT_HOURS``: ``mon-sat 10:00-19:00``, ``mon-fri 09:00-18:00; sat
    10:00-14:00``, ``fri 22:00-06:00`` (past midnight, into Saturday) or ``always``. Raises
    ``HoursError`` for anything else."""
    spec = (config.get("BUSINESS_HOURS") or "").strip() or DEFAULT_HOURS
    rules = weekly.parse(f"mon-fri {spec}" if spec[:1].isdigit() else spec)
    if rules == []:
        raise HoursError(f"no opening hours in {spec!r}")
    return rules


def business_open(config, now: datetime) -> bool:
    return weekly.open_at(opening_hours(config), now.astimezone(ZoneInfo(config.get("TIMEZONE", "Asia/Seoul"))))


@dataclass(frozen=True)
class Line:
    open: bool
    holiday: str | None = None  # closed all day: the holiday's name (or its date)


def line(session, config, now: datetime) -> Line:
    """Whether callers reach the agents at ``now``: within ``DESK_BUSINESS_HOURS`` and not on a
    holiday of the calendar of the queue calls land in (its own, else the default calendar)."""
    from desk.services import business_hours  # the desk's services; this module stays importable alone

    holiday = business_hours.holiday_on(session, None, now)
    if holiday is not None:
        return Line(False, holiday.name or holiday.day.isoformat())
    return Line(business_open(config, now))
