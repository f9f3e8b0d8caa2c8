"""Calls: the outbound adapter (rings the agent, then bridges the customer) and the TwiML of
the inbound menu. TwiML comes from the library's ``VoiceResponse``; nothing here builds XML."""
from __future__ import annotations

from datetime import timedelta

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


def greeting(*, is_open: bool, menu_url: str) -> VoiceResponse:
    """The inbound greeting: Korean first, then English; a one-key menu."""
    response = VoiceResponse()
    gather = Gather(num_digits=1, action=menu_url, method="POST", timeout=6)
    if is_open:
        _say(gather, "안녕하세요, 고객센터입니다. 상담원 연결을 기다리시는 동안 순서를 유지한 채 콜백을 받으시려면 1번, "
                     "음성 메시지를 남기시려면 2번을 누르세요. 상담원과 바로 통화하시려면 잠시만 기다려 주세요.",
             "Hello, thank you for calling. To get a call back and keep your place in line, press 1. "
             "To leave a voice message, press 2. To speak with an agent, please stay on the line.")
    else:
        _say(gather, "안녕하세요, 고객센터입니다. 지금은 상담 시간이 아닙니다. 상담 시간은 평일 오전 9시부터 오후 6시까지입니다. "
                     "콜백을 요청하시려면 1번, 음성 메시지를 남기시려면 2번을 누르세요.",
             "Hello, thank you for calling. We are closed now; our hours are weekdays 9 AM to 6 PM. "
             "To request a call back, press 1. To leave a voice message, press 2.")
    response.append(gather)
    # No key pressed: the menu decides (an agent when open, else voicemail).
    response.redirect(menu_url, method="POST")
    return response


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
