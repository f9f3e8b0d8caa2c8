"""Business hours for live chat, from ``DESK_CHAT_HOURS`` in ``DESK_TIMEZONE``.

Format: ``always``, or ``;``-separated rules ``<days> <HH:MM>-<HH:MM>`` where days are
``mon``..``sun``, a range ``mon-fri`` or a list ``sat,sun``. Default ``mon-fri 09:00-18:00``.
Example: ``mon-fri 09:00-18:00; sat 10:00-14:00``. A rule that ends before it starts runs past
midnight: ``fri,sat 22:00-02:00`` is open from Friday 22:00 to Saturday 02:00 and from Saturday
22:00 to Sunday 02:00.
"""
from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class HoursError(ValueError):
    pass


def _days(spec: str) -> set[int]:
    out: set[int] = set()
    for part in spec.split(","):
        part = part.strip().lower()
        if "-" in part:
            a, b = part.split("-", 1)
            if a not in DAYS or b not in DAYS:
                raise HoursError(f"unknown day range {part!r}")
            i, j = DAYS.index(a), DAYS.index(b)
            out.update(range(i, j + 1) if i <= j else [*range(i, 7), *range(0, j + 1)])
        elif part in DAYS:
            out.add(DAYS.index(part))
        else:
            raise HoursError(f"unknown day {part!r}")
    return out


def _time(value: str) -> time:
    try:
        hh, mm = value.strip().split(":")
        if hh == "24" and mm == "00":
            return time(23, 59, 59)
        return time(int(hh), int(mm))
    except ValueError:
        raise HoursError(f"bad time {value!r}") from None


def parse(spec: str) -> list[tuple[set[int], time, time]] | None:
    """None means always open."""
    spec = (spec or "").strip()
    if not spec or spec.lower() in ("always", "24/7"):
        return None
    rules = []
    for rule in spec.split(";"):
        rule = rule.strip()
        if not rule:
            continue
        try:
            days, span = rule.split(None, 1)
            start, end = span.split("-", 1)
        except ValueError:
            raise HoursError(f"bad rule {rule!r}; expected e.g. 'mon-fri 09:00-18:00'") from None
        start_at, end_at = _time(start), _time(end)
        if start_at == end_at:
            raise HoursError(f"{start.strip()}-{end.strip()} is never open; for all day write 00:00-24:00")
        rules.append((_days(days), start_at, end_at))
    return rules


def open_at(rules, local: datetime) -> bool:
    """Whether the rules (from ``parse``; None: always) are open at a local wall-clock moment."""
    if rules is None:
        return True
    day, clock = local.weekday(), local.time().replace(tzinfo=None)
    for days, start, end in rules:
        if start < end:
            if day in days and start <= clock < end:
                return True
        elif (day in days and clock >= start) or ((day - 1) % 7 in days and clock < end):  # past midnight
            return True
    return False


def is_open(spec: str, tz: str, now: datetime) -> bool:
    return open_at(parse(spec), now.astimezone(ZoneInfo(tz)))
