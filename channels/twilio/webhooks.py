"""Twilio webhooks: inbound SMS, the inbound call menu, call and message status, recordings.

Every request must carry a valid ``X-Twilio-Signature`` computed over ``DESK_PUBLIC_URL`` + the
path (and query) + every posted parameter; anything else is answered 403 before it is read. The
handlers parse, call a service and answer TwiML; replays are harmless because intake is
idempotent on the MessageSid / CallSid and status reports are applied once, never backwards.
"""
from __future__ import annotations

import functools
import logging

from flask import Blueprint, Response, abort, current_app, request
from sqlalchemy import select
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from channels.base import InboundAttachment, InboundMessage, ThreadHints
from channels.twilio import client as twilio_client
from channels.twilio import media, voice
from channels.twilio.phone import keyword, line, opening_hours
from desk.errors import DeskError
from desk.extensions import db
from desk.models import Agent, Interaction, utcnow
from desk.services import calls, callbacks, intake, optouts

log = logging.getLogger(__name__)
bp = Blueprint("twilio", __name__, url_prefix="/twilio")

STOP_REPLY = {"ko": "[고객센터] 수신거부 처리되었습니다. 다시 받으시려면 START 라고 답장해 주세요.",
              "en": "You are unsubscribed from our marketing messages. Reply START to subscribe again."}
START_REPLY = {"ko": "[고객센터] 수신거부가 해제되었습니다.", "en": "You are subscribed again."}


def signed(view):
    """403 unless Twilio signed this exact URL and these parameters with our auth token."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        token = current_app.config.get("TWILIO_AUTH_TOKEN")
        signature = request.headers.get("X-Twilio-Signature", "")
        if not token or not signature:
            abort(403)
        url = twilio_client.public_url(current_app.config, request.path)
        if request.query_string:
            url += "?" + request.query_string.decode("latin-1")
        # The form as a MultiDict: a parameter Twilio sends more than once is signed with every value.
        params = request.form if request.mimetype == "application/x-www-form-urlencoded" else {}
        if not RequestValidator(token).validate(url, params, signature):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def twiml(response) -> Response:
    return Response(str(response), mimetype="application/xml")


def _form(name: str, limit: int = 2000) -> str:
    return (request.form.get(name) or "").strip()[:limit]


def _interaction_arg() -> int | None:
    raw = request.args.get("interaction", "")
    return int(raw) if raw.isdigit() and len(raw) <= 12 else None


def _locale_of(phone: str) -> str:
    return "en" if phone and not phone.startswith("+82") else "ko"


# -- SMS -----------------------------------------------------------------------------------------

@bp.post("/sms")
@signed
def sms():
    sid, sender, body = _form("MessageSid", 64), _form("From", 40), request.form.get("Body", "")[:10_000]
    if not sid or not sender:
        abort(400)
    try:
        num_media = min(int(request.form.get("NumMedia") or 0), media.MAX_ITEMS)
    except ValueError:
        num_media = 0
    items = [(request.form.get(f"MediaUrl{i}", ""), request.form.get(f"MediaContentType{i}", ""))
             for i in range(num_media)]
    if items and _filed(sid, channel="sms") is not None:
        items = []  # a replay: the message and its pictures are already filed
    fetched, failed = media.fetch_all(current_app.config, items) if items else ([], [])
    word = keyword(body)
    meta = {"message_sid": sid, "to": _form("To", 40), "num_segments": _form("NumSegments", 4)}
    if failed:
        meta["media_not_fetched"] = failed
    if word:
        meta["keyword"] = word
    try:
        ticket, _ = intake.receive(InboundMessage(
            channel="sms", external_id=sid, sender=sender, sender_kind="phone", recipient=_form("To", 40),
            text=body or ("(MMS)" if items else ""), meta=meta,
            attachments=tuple(InboundAttachment(filename=name, content_type=ctype, data=data)
                              for name, ctype, data in fetched),
        ))
    except DeskError as exc:  # e.g. a sender that is not a phone number (short codes, alphanumeric ids)
        log.warning("inbound SMS %s not filed: %s", sid, exc.message)
        return twiml(MessagingResponse())
    response = MessagingResponse()
    if word:
        changed = optouts.apply_keyword(ticket.customer_id, word)
        if changed:
            customer = ticket.customer
            locale = customer.locale if customer.locale in STOP_REPLY else _locale_of(customer.phone or "")
            response.message((STOP_REPLY if word == "stop" else START_REPLY)[locale])
    return twiml(response)


# -- inbound calls -------------------------------------------------------------------------------

def _url(path: str) -> str:
    return twilio_client.public_url(current_app.config, path)


def _available_agents() -> list[str]:
    """Phones of active agents who set one and are online (the first to answer takes the call);
    without a presence service, of every active agent with a phone."""
    stmt = select(Agent.phone).where(Agent.active.is_(True), Agent.phone.is_not(None), Agent.phone != "")
    presence = current_app.extensions.get("desk_presence")
    if presence is not None:
        stmt = stmt.where(Agent.id.in_(sorted(presence.online_ids()) or [0]))
    return [phone for phone in db.session.scalars(stmt.order_by(Agent.id).limit(10)) if phone]


@bp.post("/voice")
@signed
def inbound_call():
    call_sid, caller = _form("CallSid", 64), _form("From", 40)
    if not call_sid:
        abort(400)
    now = line(db.session, current_app.config, utcnow())
    is_open = now.open
    try:
        intake.receive(InboundMessage(
            channel="voice", external_id=call_sid, sender=caller, sender_kind="phone", recipient=_form("To", 40),
            text="", thread_hints=ThreadHints(session=call_sid),
            meta={"call_sid": call_sid, "call_status": (_form("CallStatus", 20) or "ringing").lower(),
                  "business_hours": is_open},
        ))
    except DeskError as exc:  # a withheld or invalid caller id: still answer, just not on a timeline
        log.warning("inbound call %s not filed: %s", call_sid, exc.message)
    return twiml(voice.greeting(is_open=is_open, menu_url=_url("/twilio/voice/menu"), holiday=now.holiday is not None,
                                hours=None if is_open else opening_hours(current_app.config)))


def _filed(sid: str, channel: str = "voice") -> Interaction | None:
    return db.session.scalar(select(Interaction).where(Interaction.channel == channel,
                                                       Interaction.external_id == sid))


@bp.post("/voice/menu")
@signed
def menu():
    call_sid, caller, digits = _form("CallSid", 64), _form("From", 40), _form("Digits", 5)
    if digits == "1":
        interaction = _filed(call_sid)
        try:
            callback, ticket, position = callbacks.request_callback(
                name=None, phone=caller, source="ivr", request_id=f"ivr:{call_sid}",
                ticket_id=interaction.ticket_id if interaction else None)
        except DeskError as exc:
            log.warning("callback from call %s refused: %s", call_sid, exc.message)
            return twiml(voice.goodbye())
        calls.add_to_call(call_sid=call_sid, ivr_choice="callback", callback_id=callback.id)
        return twiml(voice.callback_confirmed(position, ticket.number))
    agents = _available_agents() if line(db.session, current_app.config, utcnow()).open else []
    if digits == "2" or not agents:
        calls.add_to_call(call_sid=call_sid, ivr_choice="voicemail")
        return twiml(voice.voicemail(action_url=_url("/twilio/voice/recorded"),
                                     recording_url=_url("/twilio/voice/recording"),
                                     transcription_url=_url("/twilio/voice/transcription")))
    calls.add_to_call(call_sid=call_sid, ivr_choice="agent")
    return twiml(voice.connect_agents(agents, caller_id=current_app.config.get("TWILIO_NUMBER"),
                                      action_url=_url("/twilio/voice/dialed")))


@bp.post("/voice/dialed")
@signed
def dialed():
    """After ringing the agents: answered and finished, or nobody picked up (then voicemail)."""
    call_sid, status = _form("CallSid", 64), _form("DialCallStatus", 20).lower()
    calls.add_to_call(call_sid=call_sid, dial_status=status or None,
                      dial_duration=int(_form("DialCallDuration", 8)) if _form("DialCallDuration", 8).isdigit() else None)
    if status == "completed":
        return twiml(voice.thanks_connected())
    return twiml(voice.voicemail(action_url=_url("/twilio/voice/recorded"),
                                 recording_url=_url("/twilio/voice/recording"),
                                 transcription_url=_url("/twilio/voice/transcription")))


@bp.post("/voice/recorded")
@signed
def recorded():
    return twiml(voice.thanks())


@bp.post("/voice/recording")
@signed
def recording():
    call_sid, url = _form("CallSid", 64), _form("RecordingUrl", 500)
    if call_sid and url.startswith(("https://", "http://")):
        duration = _form("RecordingDuration", 8)
        calls.add_to_call(call_sid=call_sid, interaction_id=_interaction_arg(), recording_url=url,
                          recording_sid=_form("RecordingSid", 64) or None,
                          recording_seconds=int(duration) if duration.isdigit() else None)
    return "", 204


@bp.post("/voice/transcription")
@signed
def transcription():
    call_sid = _form("CallSid", 64)
    if _form("TranscriptionStatus", 20).lower() == "completed" and call_sid:
        calls.add_to_call(call_sid=call_sid, transcription=_form("TranscriptionText", 5000) or None)
    return "", 204


@bp.post("/voice/bridge")
@signed
def bridge():
    """Click-to-call: the agent picked up; now ring the customer with our number as caller id."""
    interaction = db.session.get(Interaction, _interaction_arg() or 0)
    if interaction is None or interaction.channel != "voice" or interaction.direction != "outbound":
        return twiml(voice.goodbye())
    return twiml(voice.bridge((interaction.meta or {}).get("to"), caller_id=current_app.config.get("TWILIO_NUMBER"),
                              action_url=_url(f"/twilio/voice/bridged?interaction={interaction.id}")))


@bp.post("/voice/bridged")
@signed
def bridged():
    status = _form("DialCallStatus", 20).lower()
    duration = _form("DialCallDuration", 8)
    calls.add_to_call(call_sid=_form("CallSid", 64), interaction_id=_interaction_arg(),
                      customer_leg=status or None,
                      duration_seconds=int(duration) if duration.isdigit() else None)
    return twiml(voice.hangup())


# -- status callbacks ------------------------------------------------------------------------------

@bp.post("/status")
@signed
def status():
    interaction_id = _interaction_arg()
    try:
        if request.form.get("MessageSid") and request.form.get("MessageStatus"):
            calls.apply_message_status(interaction_id=interaction_id, message_sid=_form("MessageSid", 64),
                                       status=_form("MessageStatus", 20), error_code=_form("ErrorCode", 10) or None)
        elif request.form.get("CallSid") and request.form.get("CallStatus"):
            calls.apply_call_status(interaction_id=interaction_id, call_sid=_form("CallSid", 64),
                                    status=_form("CallStatus", 20), duration=_form("CallDuration", 8) or None,
                                    answered_by=_form("AnsweredBy", 40) or None)
        else:
            abort(400)
    except DeskError as exc:
        return {"error": exc.to_dict()["error"]}, exc.status
    return "", 204
