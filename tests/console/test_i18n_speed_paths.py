"""The console's translation and date helpers keep the locale, zone and parsed patterns for the
request instead of asking Flask-Babel for each string and date. They must say exactly what
Babel says, in both languages, across years and daylight saving, and follow a change of locale
within the request."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest
from babel.dates import format_skeleton
from flask import render_template_string
from flask_babel import force_locale, format_date, format_datetime, format_timedelta, get_locale, get_timezone

from desk.console import helpers
from desk.i18n import gettext, ngettext
from tests.conftest import make_config


def _reference(value: datetime, now: datetime) -> dict[str, str]:
    """What the helpers printed when they called Babel for every value."""
    tz, locale = get_timezone(), get_locale()
    local, this_year = value.astimezone(tz), now.astimezone(tz).year
    short = format_skeleton("MMMd" if local.year == this_year else "yMMMd", value, tzinfo=tz, locale=locale)
    delta = now - value
    if delta < timedelta(days=7):
        relative = format_timedelta(-delta, add_direction=True, threshold=0.9)
    elif local.year == this_year:
        relative = format_skeleton("MMMd", value, tzinfo=tz, locale=locale)
    else:
        relative = format_date(value, "medium")
    return {
        "when": gettext("%(date)s, %(time)s", date=short, time=format_skeleton("hm", value, tzinfo=tz, locale=locale)),
        "day": format_skeleton("yMMMd", value, tzinfo=tz, locale=locale),
        "full_time": format_datetime(value, "medium"),
        "reltime": relative,
    }


def _values(now: datetime) -> list[datetime]:
    rng = random.Random(11)
    picks = [now - timedelta(seconds=rng.randint(61, 3 * 365 * 86400)) for _ in range(300)]
    picks += [now - timedelta(minutes=m) for m in (2, 59, 61, 60 * 23, 60 * 24 * 6)]
    # both sides of New York's changes (2026-03-08 and 2026-11-01, 2:00 local) and of New Year in Seoul
    for edge in (datetime(2026, 3, 8, 6, 59), datetime(2026, 3, 8, 7, 1), datetime(2026, 11, 1, 5, 30),
                 datetime(2026, 11, 1, 6, 30), datetime(2025, 12, 31, 14, 59), datetime(2025, 12, 31, 15, 1)):
        picks.append(edge.replace(tzinfo=timezone.utc))
    return picks


@pytest.mark.parametrize("zone", ["Asia/Seoul", "America/New_York", "Asia/Kolkata"])
@pytest.mark.parametrize("language", ["ko", "en"])
def test_dates_read_as_babel_writes_them(database_url, tmp_path, zone, language, monkeypatch):
    from desk import create_app

    app = create_app(make_config(database_url, tmp_path / "instance", TIMEZONE=zone, BABEL_DEFAULT_TIMEZONE=zone))
    now = datetime(2026, 11, 30, 3, 0, tzinfo=timezone.utc)
    monkeypatch.setattr(helpers, "utcnow", lambda: now)
    with app.test_request_context("/", headers={"Accept-Language": language}):
        assert str(get_locale()) == language
        for value in _values(now):
            expected = _reference(value, now)
            got = {"when": helpers.when(value), "day": helpers.day(value), "full_time": helpers.full_time(value),
                   "reltime": helpers.reltime(value)}
            assert got == expected, value


def test_strings_follow_a_change_of_language_within_the_request(app):
    template = "{{ _('Open') }}|{{ ngettext('%(num)s SMS part', '%(num)s SMS parts', 2) }}"
    with app.test_request_context("/", headers={"Accept-Language": "ko"}):
        korean = render_template_string(template)
        assert korean == "진행 중|SMS 2건 분량"
        assert helpers.label("status", "open") == gettext("Open") == "진행 중"
        with force_locale("en"):
            assert render_template_string(template) == "Open|2 SMS parts"
            assert helpers.label("status", "open") == "Open"
            assert gettext("Open") == "Open"
            assert ngettext("%(num)s SMS part", "%(num)s SMS parts", 1) == "1 SMS part"
        assert render_template_string(template) == korean
        assert helpers.label("status", "open") == "진행 중"


def test_without_an_app_context_strings_are_untranslated():
    assert gettext("Open") == "Open"
    assert ngettext("%(num)s SMS part", "%(num)s SMS parts", 3) == "3 SMS parts"
