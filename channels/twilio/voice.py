"""Calls: the outbound adapter (rings the agent, then bridges the customer) and the TwiML of
the inbound menu. TwiML comes from the library's ``VoiceResponse``; nothing here builds XML."""
from __future__ import annotations

from datetime import time, timedelta

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.twiml.voice_response import Gather, VoiceResponse

from channels.base import DeliveryResult
from channels.twilio import client as twilio_client

KO = "ko-KR"
EN = "en-US"
VOICEMAIL_SECONDS = 120
STALE_AFTER = timedelta(minutes=2)


class VoiceAdapter:
    """Places a click-to-call call; a failure is final (the agent presses Call again, nothing redials later)."""

    name = "voice"

    def send(self, interaction, config) -> DeliveryResult:
        meta = interaction.meta or {}
        rest = twilio_client.rest_client(config)
        if rest is None:
            return DeliveryResult(ok=True, status="recorded")
        refusal = _refusal(interaction, meta)
        if refusal:
            return DeliveryResult(ok=False, status="failed", permanent=True, error=refusal)
        agent_phone = meta.get("agent_phone")
        if not agent_phone:
            return DeliveryResult(ok=False, status="failed", permanent=True, error="the agent has no phone number")
        try:
            call = rest.calls.create(
                to=agent_phone, from_=config["TWILIO_NUMBER"],
                url=twilio_client.public_url(config, f"/twilio/voice/bridge?interaction={interaction.id}"),
                status_callback=twilio_client.public_url(config, f"/twilio/status?interaction={interaction.id}"),
                status_callback_event=["initiated", "ringing", "answered", "completed"],
                status_callback_method="POST",
            )
        except TwilioRestException as exc:
            return DeliveryResult(ok=False, status="failed", permanent=True,
                                  error=f"Twilio error {exc.code}: {exc.msg}"[:500])
        except (TwilioException, OSError) as exc:
            return DeliveryResult(ok=False, status="failed", permanent=True, error=f"{type(exc).__name__}: {exc}"[:500])
        return DeliveryResult(ok=True, provider_id=call.sid, status="sent")


def _refusal(interaction, meta: dict) -> str | None:
    """Checked again when the call is placed: a delayed worker must not ring an agent who has
    moved on, call outside a campaign's hours, or call someone who opted out meanwhile."""
    from desk.extensions import db
    from desk.models import Campaign, utcnow
    from desk.services import calls, dialer

    if utcnow() - interaction.created_at > STALE_AFTER:
        return "not placed: the agent pressed Call more than two minutes earlier; press Call again"
    if meta.get("campaign_id"):
        campaign = db.session.get(Campaign, meta["campaign_id"])
        if campaign is None or not dialer.in_hours(campaign):
            return "not placed: outside the campaign's calling hours"
        if calls.is_dnc(interaction.ticket.customer):
            return "not placed: the customer is on the do-not-call list"
    return None


# -- TwiML ---------------------------------------------------------------------------------------

def _say(node, ko: str, en: str) -> None:
    node.say(ko, language=KO)
    node.say(en, language=EN)


def greeting(*, is_open: bool, menu_url: str, hours=None, holiday: bool = False) -> VoiceResponse:
    """The inbound greeting: Korean first, then English; a one-key menu. ``hours``: the opening
    hours announced when closed (``phone.opening_hours``; None or empty: not announced);
    ``holiday``: closed all day today for a holiday."""
    response = VoiceResponse()
    gather = Gather(num_digits=1, action=menu_url, method="POST", timeout=6)
    if is_open:
        _say(gather, "안녕하세요, 고객센터입니다. 상담원 연결을 기다리시는 동안 순서를 유지한 채 콜백을 받으시려면 1번, "
                     "음성 메시지를 남기시려면 2번을 누르세요. 상담원과 바로 통화하시려면 잠시만 기다려 주세요.",
             "Hello, thank you for calling. To get a call back and keep your place in line, press 1. "
             "To leave a voice message, press 2. To speak with an agent, please stay on the line.")
    else:
        ko_hours, en_hours = spoken_hours(hours) if hours else ("", "")
        _say(gather, "안녕하세요, 고객센터입니다. "
                     + ("오늘은 휴무일입니다. " if holiday else "지금은 상담 시간이 아닙니다. ")
                     + (f"상담 시간은 {ko_hours}입니다. " if ko_hours else "")
                     + "콜백을 요청하시려면 1번, 음성 메시지를 남기시려면 2번을 누르세요.",
             "Hello, thank you for calling. "
             + ("We are closed today for a holiday" if holiday else "We are closed now")
             + (f"; our hours are {en_hours}. " if en_hours else ". ")
             + "To request a call back, press 1. To leave a voice message, press 2.")
    response.append(gather)
    # No key pressed: the menu decides (an agent when open, else voicemail).
    response.redirect(menu_url, method="POST")
    return response


# -- opening hours, spoken -----------------------------------------------------------------------

DAYS_KO = ("월요일", "화요일", "수요일", "목요일", "금요일", "토요일", "일요일")
DAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MIDNIGHT_END = time(23, 59, 59)  # how the hours parser stores 24:00


def spoken_hours(rules) -> tuple[str, str]:
    """Opening hours as a speech synthesiser reads them well, in Korean and English:
    ("평일 오전 9시부터 오후 6시까지, 토요일 오전 10시부터 오후 2시까지",
    "weekdays from 9 AM to 6 PM, and Saturday from 10 AM to 2 PM"). Rules for the same days are
    said together ("평일 오전 9시부터 낮 12시까지, 오후 1시부터 오후 6시까지"), in the configured order."""
    grouped: dict[frozenset[int], list[tuple[time, time]]] = {}
    for days, start, end in rules:
        grouped.setdefault(frozenset(days), []).append((start, end))
    ko, en = [], []
    for days, spans in grouped.items():
        ko_days, en_days = _days_ko(days), _days_en(days)
        ko.append(f"{ko_days} " + ", ".join(_span_ko(start, end) for start, end in spans))
        # "weekdays from 9 AM to 6 PM", but "Monday to Saturday, 10 AM to 7 PM" and "every day, 24 hours a day"
        spoken = [_span_en(start, end) for start, end in spans]
        if (" " in en_days and en_days != "every day") or spoken[0].startswith("24"):
            en.append(f"{en_days}, " + " and ".join(spoken))
        else:
            en.append(f"{en_days} from " + " and from ".join(spoken))
    return ", ".join(ko), _and(en, ", and ")


def _runs(days) -> list[list[int]]:
    """The days as runs of consecutive days, Monday first; a run over Sunday into Monday is one."""
    runs: list[list[int]] = []
    for day in sorted(days):
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    if len(runs) > 1 and runs[0][0] == 0 and runs[-1][-1] == 6:
        runs[0] = runs.pop() + runs[0]
    return runs


DAY_WORDS = {
    "ko": {"every": "매일", "weekdays": "평일", "weekends": "주말", "names": DAYS_KO, "run": "{}부터 {}까지"},
    "en": {"every": "every day", "weekdays": "weekdays", "weekends": "weekends", "names": DAYS_EN, "run": "{} to {}"},
}


def _day_parts(days, language: str) -> list[str]:
    """The days in words: one word for every day, weekdays or weekends, else runs of three or
    more days as a range and the other days by name."""
    words = DAY_WORDS[language]
    if len(days) == 7:
        return [words["every"]]
    if set(days) in ({0, 1, 2, 3, 4}, {5, 6}):
        return [words["weekdays" if 0 in days else "weekends"]]
    parts = []
    for run in _runs(days):
        if len(run) >= 3:
            parts.append(words["run"].format(words["names"][run[0]], words["names"][run[-1]]))
        else:
            parts.extend(words["names"][day] for day in run)
    return parts


def _days_ko(days) -> str:
    parts = _day_parts(days, "ko")
    if len(parts) == 2 and len(days) == 2:
        return f"{parts[0]}과 {parts[1]}"  # every day's name ends in 일: 과, not 와
    return ", ".join(parts)


def _days_en(days) -> str:
    return _and(_day_parts(days, "en"), " and ")


def _and(parts: list[str], last: str) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + last + parts[-1]


def _next_day(start: time, end: time) -> bool:
    """Ends on the next morning (``22:00-06:00``); one that ends at midnight does not say so."""
    return end <= start and end != time(0)


def _span_ko(start: time, end: time) -> str:
    if start == time(0) and end >= MIDNIGHT_END:
        return "24시간"
    return f"{_time_ko(start)}부터 {'다음 날 ' if _next_day(start, end) else ''}{_time_ko(end)}까지"


def _span_en(start: time, end: time) -> str:
    if start == time(0) and end >= MIDNIGHT_END:
        return "24 hours a day"
    return f"{_time_en(start)} to {_time_en(end)}{' the next day' if _next_day(start, end) else ''}"


def _time_ko(moment: time) -> str:
    """오전 9시, 오후 6시 30분, 낮 12시, 자정."""
    if moment == time(0) or moment >= MIDNIGHT_END:
        return "자정"
    hour = moment.hour
    text = "낮 12시" if hour == 12 else f"오전 {hour}시" if hour < 12 else f"오후 {hour - 12}시"
    return f"{text} {moment.minute}분" if moment.minute else text


def _time_en(moment: time) -> str:
    """9 AM, 6:30 PM, noon, midnight."""
    if moment == time(0) or moment >= MIDNIGHT_END:
        return "midnight"
    if moment == time(12):
        return "noon"
    hour = moment.hour % 12 or 12
    clock = f"{hour}:{moment.minute:02d}" if moment.minute else str(hour)
    return f"{clock} {'AM' if moment.hour < 12 else 'PM'}"


def callback_confirmed(position: int, number: int) -> VoiceResponse:
    response = VoiceResponse()
    _say(response, f"콜백 요청이 접수되었습니다. 접수 번호는 {number}번, 현재 대기 순서는 {position}번째입니다. "
                   "순서가 되면 이 번호로 전화드리겠습니다. 감사합니다.",
         f"Your call back request is number {number}. You are number {position} in line. "
         "We will call you at this number. Thank you.")
    response.hangup()
    return response


def voicemail(*, action_url: str, recording_url: str, transcription_url: str) -> VoiceResponse:
    response = VoiceResponse()
    _say(response, "삐 소리가 나면 메시지를 남겨 주세요. 녹음을 마치시려면 우물 정자를 누르세요.",
         "Please leave a message after the tone. Press the pound key when you are done.")
    response.record(action=action_url, method="POST", max_length=VOICEMAIL_SECONDS, finish_on_key="#",
                    play_beep=True, recording_status_callback=recording_url,
                    recording_status_callback_method="POST", transcribe=True,
                    transcribe_callback=transcription_url)
    return response


def thanks() -> VoiceResponse:
    response = VoiceResponse()
    _say(response, "메시지가 저장되었습니다. 감사합니다.", "Your message has been saved. Goodbye.")
    response.hangup()
    return response


def connect_agents(numbers: list[str], *, caller_id: str | None, action_url: str) -> VoiceResponse:
    """Ring every available agent at once; the first to answer takes the call."""
    response = VoiceResponse()
    _say(response, "상담원을 연결해 드리겠습니다. 잠시만 기다려 주세요.", "Connecting you to an agent. Please hold.")
    dial = response.dial(caller_id=caller_id, action=action_url, method="POST", timeout=25)
    for number in numbers[:10]:  # Twilio rings at most ten numbers at once
        dial.number(number)
    return response


def bridge(customer_phone: str, *, caller_id: str, action_url: str) -> VoiceResponse:
    """The agent answered a click-to-call: connect the customer, showing our number."""
    response = VoiceResponse()
    response.say("고객에게 연결합니다.", language=KO)
    dial = response.dial(caller_id=caller_id, action=action_url, method="POST", timeout=30)
    dial.number(customer_phone)
    return response


def goodbye() -> VoiceResponse:
    response = VoiceResponse()
    _say(response, "통화가 연결되지 않았습니다. 나중에 다시 전화드리겠습니다.", "We could not connect the call. Goodbye.")
    response.hangup()
    return response


def thanks_connected() -> VoiceResponse:
    response = VoiceResponse()
    response.hangup()
    return response


def hangup() -> VoiceResponse:
    response = VoiceResponse()
    response.hangup()
    return response
