"""Business time: Seoul office hours, holidays, 24/7 calendars."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from desk.errors import Invalid
from desk.services import business_hours as bh

SEOUL = ZoneInfo("Asia/Seoul")


def seoul(*args) -> datetime:
    return datetime(*args, tzinfo=SEOUL).astimezone(timezone.utc)


def office(holidays=()):
    return bh.Hours(SEOUL, bh.parse_week({str(d): [["09:00", "18:00"]] for d in range(5)}), frozenset(holidays))


def test_a_deadline_inside_the_day_stays_the_same_day():
    assert bh.add(office(), seoul(2026, 12, 1, 10, 0), 2 * 3600) == seoul(2026, 12, 1, 12, 0)


def test_time_after_closing_carries_over_to_the_next_morning():
    # Tuesday 17:00 + 4 business hours = Wednesday 12:00 (one hour Tuesday, three Wednesday).
    assert bh.add(office(), seoul(2026, 12, 1, 17, 0), 4 * 3600) == seoul(2026, 12, 2, 12, 0)


def test_a_message_at_night_starts_counting_at_nine():
    assert bh.add(office(), seoul(2026, 12, 1, 23, 30), 30 * 60) == seoul(2026, 12, 2, 9, 30)


def test_weekends_and_holidays_are_skipped():
    # Friday 2026-09-18 17:00 + 2 hours -> Monday 21st 10:00; with Chuseok (Sep 24-25) as holidays,
    # Wednesday 23rd 17:00 + 2 hours -> Monday 28th 10:00 (Thu, Fri holidays, then the weekend).
    hours = office({d for d, _ in bh.korean_holidays(2026)})
    assert bh.add(hours, seoul(2026, 9, 18, 17, 0), 2 * 3600) == seoul(2026, 9, 21, 10, 0)
    assert bh.add(hours, seoul(2026, 9, 23, 17, 0), 2 * 3600) == seoul(2026, 9, 28, 10, 0)


def test_between_counts_only_open_hours():
    hours = office()
    # Friday 16:00 to Monday 10:00 is three business hours.
    assert bh.between(hours, seoul(2026, 12, 4, 16, 0), seoul(2026, 12, 7, 10, 0)) == 3 * 3600
    assert bh.between(hours, seoul(2026, 12, 7, 10, 0), seoul(2026, 12, 4, 16, 0)) == 0


def test_a_calendar_without_hours_is_open_around_the_clock():
    always = bh.Hours(SEOUL, bh.parse_week({}))
    start = seoul(2026, 12, 5, 23, 0)  # a Saturday night
    assert bh.add(always, start, 3600) == seoul(2026, 12, 6, 0, 0)
    assert bh.is_open(always, start)


def test_bad_hours_are_refused():
    with pytest.raises(Invalid):
        bh.parse_week({"0": [["18:00", "09:00"]]})
    with pytest.raises(Invalid):
        bh.parse_week({"0": [["9시", "18:00"]]})
    with pytest.raises(Invalid):
        bh.zone("Mars/Olympus")


def test_korean_holidays_include_substitute_days():
    days = dict(bh.korean_holidays(2026))
    assert days[date(2026, 2, 17)] == "설날"
    assert days[date(2026, 10, 5)] == "대체공휴일(개천절)"


def test_a_night_shift_runs_past_midnight_and_a_holiday_closes_its_own_date():
    # Friday 22:00 to Saturday 06:00 (stored as "30:00"); Saturday 2026-12-05 made a holiday.
    week = bh.parse_week({"4": [["22:00", "30:00"]]})
    assert week[4] == ((22 * 3600, 86400),) and week[5] == ((0, 6 * 3600),)
    hours = bh.Hours(SEOUL, week)
    assert bh.between(hours, seoul(2026, 12, 4, 21, 0), seoul(2026, 12, 5, 7, 0)) == 8 * 3600
    assert bh.add(hours, seoul(2026, 12, 4, 23, 0), 3 * 3600) == seoul(2026, 12, 5, 2, 0)
    closed = bh.Hours(SEOUL, week, frozenset({date(2026, 12, 5)}))
    assert bh.between(closed, seoul(2026, 12, 4, 21, 0), seoul(2026, 12, 5, 7, 0)) == 2 * 3600
    # One hour on Friday night, then nothing until the next Friday's 22:00: two more hours to midnight.
    assert bh.add(closed, seoul(2026, 12, 4, 23, 0), 3 * 3600) == seoul(2026, 12, 12, 0, 0)


def test_spans_that_meet_or_overlap_are_merged():
    # Sunday night into Monday morning, then Monday's own day: one span from 00:00 to 18:00.
    week = bh.parse_week({"6": [["20:00", "33:00"]], "0": [["09:00", "18:00"]]})
    assert week[0] == ((0, 18 * 3600),) and week[6] == ((20 * 3600, 86400),)


@pytest.mark.parametrize("opens, closes, pause, resume, spans", [
    ("09:00", "18:00", "", "", [["09:00", "18:00"]]),
    ("09:00", "18:00", "12:00", "13:00", [["09:00", "12:00"], ["13:00", "18:00"]]),
    ("22:00", "06:00", "", "", [["22:00", "30:00"]]),
    ("09:00", "00:00", "", "", [["09:00", "24:00"]]),
    ("20:00", "08:00", "02:00", "03:00", [["20:00", "26:00"], ["27:00", "32:00"]]),
])
def test_day_spans_from_the_form_and_back(opens, closes, pause, resume, spans):
    assert bh.day_spans(opens, closes, pause, resume) == spans
    shown = bh.day_form(spans)
    assert (shown.opens, shown.closes, shown.break_from, shown.break_until) == (opens, closes, pause, resume)
    assert shown.overnight == (closes <= opens)
    bh.parse_week({"0": spans})  # what the form saves, the arithmetic reads


@pytest.mark.parametrize("opens, closes, pause, resume, code", [
    ("09:00", "18:00", "12:00", "", "break_incomplete"),
    ("09:00", "18:00", "", "13:00", "break_incomplete"),
    ("09:00", "18:00", "08:00", "10:00", "break_outside"),
    ("09:00", "18:00", "13:00", "12:00", "break_outside"),
    ("09:00", "18:00", "17:00", "18:00", "break_outside"),
    ("9시", "18:00", "", "", "invalid"),
    ("09:00", "24:00", "", "", "invalid"),
])
def test_day_spans_refuse_what_cannot_be_meant(opens, closes, pause, resume, code):
    with pytest.raises(Invalid) as refused:
        bh.day_spans(opens, closes, pause, resume)
    assert refused.value.code == code


def test_a_span_cannot_reach_beyond_the_next_day():
    assert bh.parse_week({"0": [["27:00", "32:00"]]})[1] == ((3 * 3600, 8 * 3600),)
    for span in (["48:00", "49:00"], ["09:00", "48:01"], ["09:00", "50:00"]):
        with pytest.raises(Invalid):
            bh.parse_week({"0": [span]})
