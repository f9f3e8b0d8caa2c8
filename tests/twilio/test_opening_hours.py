"""The phone menu's opening hours (``DESK_BUSINESS_HOURS``): when the desk is open, and the closed
greeting saying the hours actually configured, in Korean and English, through signed webhooks."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from channels.twilio import phone, voice
from desk.extensions import db
from desk.models import Interaction
from desk.services import calls, presence
from tests.twilio.conftest import ACCOUNT_SID, OUR_NUMBER

CALL_SID = "CA" + "5" * 32
SEOUL = ZoneInfo("Asia/Seoul")


def seoul(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in the week of Monday 2026-11-30 (day 0) in Seoul, as UTC."""
    local = datetime(2026, 11, 30, hour, minute, tzinfo=SEOUL) + timedelta(days=day)
    return local.astimezone(timezone.utc)


MONDAY, SATURDAY, SUNDAY = 0, 5, 6


@pytest.fixture
def at(monkeypatch):
    def _at(moment):
        monkeypatch.setattr("channels.twilio.webhooks.utcnow", lambda: moment)
    return _at


@pytest.fixture
def inbound_call(twilio_post, at):
    """Post a Twilio-signed inbound call at ``moment``; the greeting's Korean and English text."""
    count = iter(range(1, 1000))

    def call(moment) -> tuple[str, str]:
        at(moment)
        params = {"CallSid": f"CA{next(count):032d}", "AccountSid": ACCOUNT_SID, "From": "+821098765432",
                  "To": OUR_NUMBER, "CallStatus": "ringing", "Direction": "inbound"}
        response = twilio_post("/twilio/voice", params)
        assert response.status_code == 200, response.data[:300]
        ko, en = ET.fromstring(response.data).find("Gather").findall("Say")
        assert (ko.get("language"), en.get("language")) == ("ko-KR", "en-US")
        return ko.text, en.text

    return call


def test_closed_greeting_says_the_default_hours(staff, inbound_call):
    ko, en = inbound_call(seoul(MONDAY, 22))
    assert "지금은 상담 시간이 아닙니다. 상담 시간은 평일 오전 9시부터 오후 6시까지입니다." in ko
    assert "We are closed now; our hours are weekdays from 9 AM to 6 PM." in en


def test_closed_greeting_says_monday_to_saturday(app, staff, inbound_call):
    app.config["BUSINESS_HOURS"] = "mon-sat 10:00-19:00"
    ko, en = inbound_call(seoul(MONDAY, 9, 30))  # open at nine by default, not with these hours
    assert "상담 시간은 월요일부터 토요일까지 오전 10시부터 오후 7시까지입니다." in ko
    assert "our hours are Monday to Saturday, 10 AM to 7 PM." in en
    assert "평일" not in ko and "weekdays" not in en
    ko, en = inbound_call(seoul(SATURDAY, 18, 59))  # open: the ordinary greeting
    assert "상담 시간이 아닙니다" not in ko and "closed" not in en
    ko, en = inbound_call(seoul(SUNDAY, 12))
    assert "월요일부터 토요일까지" in ko and "Monday to Saturday" in en
    opened = [c.meta["business_hours"] for c in
              db.session.scalars(select(Interaction).where(Interaction.channel == "voice").order_by(Interaction.id))]
    assert opened == [False, True, False]


def test_half_hours_and_a_saturday_rule(app, staff, inbound_call):
    app.config["BUSINESS_HOURS"] = "mon-fri 09:30-17:30; sat 10:00-14:00"
    ko, en = inbound_call(seoul(MONDAY, 9, 29))
    assert ("상담 시간은 평일 오전 9시 30분부터 오후 5시 30분까지, 토요일 오전 10시부터 오후 2시까지입니다." in ko)
    assert "our hours are weekdays from 9:30 AM to 5:30 PM, and Saturday from 10 AM to 2 PM." in en
    ko, en = inbound_call(seoul(MONDAY, 9, 30))
    assert "상담 시간이 아닙니다" not in ko
    ko, en = inbound_call(seoul(SATURDAY, 14))
    assert "오전 9시 30분" in ko and "9:30 AM" in en


def test_hours_are_local_to_the_configured_time_zone(app, staff, inbound_call):
    app.config.update(BUSINESS_HOURS="08:00-16:30", TIMEZONE="America/New_York")
    ko, en = inbound_call(seoul(MONDAY, 22))  # 08:00 in New York: open
    assert "상담 시간이 아닙니다" not in ko
    ko, en = inbound_call(seoul(MONDAY, 9))  # Sunday 19:00 in New York
    assert "평일 오전 8시부터 오후 4시 30분까지" in ko and "weekdays from 8 AM to 4:30 PM" in en


def test_the_menu_follows_the_same_hours(app, staff, twilio_post, at):
    """No key pressed: ring the agents inside the configured hours, voicemail outside them."""
    app.config["BUSINESS_HOURS"] = "mon-sat 10:00-19:00"
    calls.set_agent_phone(staff["agent"], "010-2222-3333")
    presence.connected(staff["agent"].id)
    params = {"CallSid": CALL_SID, "AccountSid": ACCOUNT_SID, "From": "+821098765432", "To": OUR_NUMBER}
    at(seoul(SATURDAY, 11))
    root = ET.fromstring(twilio_post("/twilio/voice/menu", params).data)
    assert [n.text for n in root.find("Dial").findall("Number")] == ["+821022223333"]
    at(seoul(MONDAY, 9, 30))
    root = ET.fromstring(twilio_post("/twilio/voice/menu", params).data)
    assert root.find("Dial") is None and root.find("Record") is not None


@pytest.mark.parametrize("spec, ko, en", [
    ("09:00-18:00", "평일 오전 9시부터 오후 6시까지", "weekdays from 9 AM to 6 PM"),
    ("mon-sat 10:00-19:00", "월요일부터 토요일까지 오전 10시부터 오후 7시까지", "Monday to Saturday, 10 AM to 7 PM"),
    ("09:30-17:30", "평일 오전 9시 30분부터 오후 5시 30분까지", "weekdays from 9:30 AM to 5:30 PM"),
    ("mon-fri 09:00-12:00; mon-fri 13:00-18:00", "평일 오전 9시부터 낮 12시까지, 오후 1시부터 오후 6시까지",
     "weekdays from 9 AM to noon and from 1 PM to 6 PM"),
    ("mon-fri 09:00-18:00; sat 10:00-14:00", "평일 오전 9시부터 오후 6시까지, 토요일 오전 10시부터 오후 2시까지",
     "weekdays from 9 AM to 6 PM, and Saturday from 10 AM to 2 PM"),
    ("mon-sun 07:00-23:00", "매일 오전 7시부터 오후 11시까지", "every day from 7 AM to 11 PM"),
    ("sat,sun 00:00-24:00", "주말 24시간", "weekends, 24 hours a day"),
    ("tue,thu 12:30-24:00", "화요일과 목요일 낮 12시 30분부터 자정까지", "Tuesday and Thursday, 12:30 PM to midnight"),
    ("mon,wed,fri 09:00-18:00", "월요일, 수요일, 금요일 오전 9시부터 오후 6시까지",
     "Monday, Wednesday and Friday, 9 AM to 6 PM"),
    ("fri-mon 08:00-20:00", "금요일부터 월요일까지 오전 8시부터 오후 8시까지", "Friday to Monday, 8 AM to 8 PM"),
    ("mon-fri 22:00-06:00", "평일 오후 10시부터 다음 날 오전 6시까지", "weekdays from 10 PM to 6 AM the next day"),
    ("fri,sat 18:00-00:00", "금요일과 토요일 오후 6시부터 자정까지", "Friday and Saturday, 6 PM to midnight"),
])
def test_spoken_hours(spec, ko, en):
    assert voice.spoken_hours(phone.opening_hours({"BUSINESS_HOURS": spec})) == (ko, en)


def test_a_night_line_runs_past_midnight(app, staff, inbound_call):
    """``mon-fri 22:00-06:00``: Monday 23:00 and Tuesday 05:59 are open, Monday 05:00 is not (the
    night before was Sunday's, which has no line), Saturday 05:00 is (Friday night's)."""
    app.config["BUSINESS_HOURS"] = "mon-fri 22:00-06:00"
    for moment, is_open in [(seoul(MONDAY, 23), True), (seoul(MONDAY, 5), False), (seoul(MONDAY, 23) + timedelta(hours=7), False),
                            (seoul(MONDAY, 22) + timedelta(hours=7, minutes=59), True), (seoul(SATURDAY, 5), True),
                            (seoul(SATURDAY, 22), False), (seoul(MONDAY, 12), False)]:
        assert phone.business_open(app.config, moment) is is_open, moment
    ko, en = inbound_call(seoul(MONDAY, 12))
    assert "상담 시간은 평일 오후 10시부터 다음 날 오전 6시까지입니다." in ko
    assert "our hours are weekdays from 10 PM to 6 AM the next day." in en
    ko, en = inbound_call(seoul(SATURDAY, 1))
    assert "상담 시간이 아닙니다" not in ko


def test_always_open():
    config = {"BUSINESS_HOURS": "always"}
    assert phone.opening_hours(config) is None
    assert phone.business_open(config, seoul(SUNDAY, 3))


@pytest.mark.parametrize("spec", ["9-18", "weekdays 09:00-18:00", "mon-fri 09:00-09:00", "25:00-26:00", ";"])
def test_bad_hours_are_refused(spec):
    with pytest.raises(phone.HoursError):
        phone.opening_hours({"BUSINESS_HOURS": spec})


def test_bad_hours_stop_the_start(database_url, tmp_path):
    from desk import create_app
    from tests.conftest import make_config

    with pytest.raises(SystemExit, match="DESK_BUSINESS_HOURS"):
        create_app(make_config(database_url, tmp_path / "bad", BUSINESS_HOURS="mon-fri 09:00-09:00"))


def test_a_holiday_closes_the_line_all_day(staff, twilio_post, inbound_call, at):
    """Monday 11:00 is within the hours, but a holiday of the default calendar closes the line:
    the closed greeting says so, and the menu sends callers to voicemail instead of ringing."""
    from datetime import date

    from desk.services import console_admin

    admin = staff["admin"].id
    weekdays = {str(d): [["09:00", "18:00"]] if d < 5 else [] for d in range(7)}
    office = console_admin.save_calendar(None, name="Office", timezone="Asia/Seoul", hours=weekdays,
                                         is_default=True, actor_id=admin)
    other = console_admin.save_calendar(None, name="Branch", timezone="Asia/Seoul", hours=weekdays,
                                        is_default=False, actor_id=admin)
    console_admin.add_holidays(other.id, [(date(2026, 11, 30), "지점 휴무")], actor_id=admin)
    ko, en = inbound_call(seoul(MONDAY, 11))
    assert "상담 시간이 아닙니다" not in ko and "closed" not in en  # another calendar's holiday

    console_admin.add_holidays(office.id, [(date(2026, 11, 30), "창립기념일")], actor_id=admin)
    ko, en = inbound_call(seoul(MONDAY, 11))
    assert "오늘은 휴무일입니다. 상담 시간은 평일 오전 9시부터 오후 6시까지입니다." in ko
    assert "We are closed today for a holiday; our hours are weekdays from 9 AM to 6 PM." in en
    ko, en = inbound_call(seoul(MONDAY, 11) - timedelta(hours=3))  # 08:00 the same day
    assert "오늘은 휴무일입니다" in ko
    ko, en = inbound_call(seoul(MONDAY, 11) + timedelta(days=1))  # Tuesday: open again
    assert "상담 시간이 아닙니다" not in ko and "휴무" not in ko
    calls.set_agent_phone(staff["agent"], "010-2222-3333")
    presence.connected(staff["agent"].id)
    at(seoul(MONDAY, 11))
    params = {"CallSid": CALL_SID, "AccountSid": ACCOUNT_SID, "From": "+821098765432", "To": OUR_NUMBER}
    root = ET.fromstring(twilio_post("/twilio/voice/menu", params).data)
    assert root.find("Dial") is None and root.find("Record") is not None

    console_admin.save_calendar(office.id, name="Office", timezone="Asia/Seoul", hours={}, is_default=True,
                                actor_id=admin)  # open around the clock: holidays are working days too
    ko, en = inbound_call(seoul(MONDAY, 11))
    assert "휴무" not in ko
    opened = [c.meta["business_hours"] for c in
              db.session.scalars(select(Interaction).where(Interaction.channel == "voice").order_by(Interaction.id))]
    assert opened == [True, False, False, True, True]
