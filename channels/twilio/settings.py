"""The phone part of the admin Channels page: whether Twilio is configured (never its secrets), the
webhook URLs to paste into Twilio's console, opening hours of the phone menu, callback retries,
what waits in the outbox, and the ``DESK_*`` variables behind it."""
from __future__ import annotations

from ipaddress import ip_address
from urllib.parse import urlsplit

from flask import url_for
from flask_babel import get_locale

from channels.twilio import client as twilio_client
from channels.twilio import voice
from channels.twilio.phone import line, opening_hours
from desk.extensions import db
from desk.i18n import gettext as _
from desk.models import utcnow
from desk.services import channel_settings
from desk.services.channel_settings import EnvSetting


def webhooks(config) -> list[dict]:
    """Where Twilio must send what, built from DESK_PUBLIC_URL exactly as the signature check does."""
    return [
        {"name": "sms", "what": _("SMS: A message comes in"),
         "url": twilio_client.public_url(config, url_for("twilio.sms"))},
        {"name": "voice", "what": _("Voice: A call comes in"),
         "url": twilio_client.public_url(config, url_for("twilio.inbound_call"))},
        {"name": "status", "what": _("Voice: Call status changes"),
         "url": twilio_client.public_url(config, url_for("twilio.status"))},
    ]


def reachable_problem(public_url: str) -> str | None:
    """Why Twilio could not call this address back, if it obviously cannot."""
    host = (urlsplit(public_url).hostname or "").lower()
    try:
        private = ip_address(host).is_private or ip_address(host).is_loopback
    except ValueError:
        private = host == "localhost" or host.endswith((".localhost", ".local", ".test", ".internal"))
    if private:
        return _("Twilio cannot reach %(host)s: set DESK_PUBLIC_URL to the address the internet sees.", host=host)
    if not public_url.startswith("https://"):
        return _("Use an https:// address: Twilio signs every request with the exact URL, and plain HTTP "
                 "exposes the traffic.")
    return None


def hours_spoken(config) -> str | None:
    """The opening hours as the closed greeting says them, in the page's language (Korean or
    English); None when always open."""
    rules = opening_hours(config)
    if rules is None:
        return None
    ko, en = voice.spoken_hours(rules)
    return ko if str(get_locale() or config.get("LOCALE")) == "ko" else en


def describe(config) -> dict:
    session = db.session
    live = twilio_client.configured(config)
    now = line(session, config, utcnow())
    return {
        "live": live,
        "webhooks": webhooks(config),
        "problem": reachable_problem(config["PUBLIC_URL"]),
        "number": config.get("TWILIO_NUMBER"),
        "account_sid": bool(config.get("TWILIO_ACCOUNT_SID")),
        "auth_token": bool(config.get("TWILIO_AUTH_TOKEN")),
        "business_hours": config.get("BUSINESS_HOURS"),
        "hours_spoken": hours_spoken(config),
        "open_now": now.open,
        "holiday": now.holiday,
        "timezone": config["TIMEZONE"],
        "max_attempts": config.get("CALLBACK_MAX_ATTEMPTS"),
        "retry_minutes": config.get("CALLBACK_RETRY_MINUTES"),
        "default": channel_settings.default_queue(session),
        "outbox": channel_settings.delivery_counts(session, ("sms", "voice")),
        "callbacks_url": url_for("phone.callback_queue"),
        "env": [
            EnvSetting("DESK_TWILIO_ACCOUNT_SID", config.get("TWILIO_ACCOUNT_SID"), _("Twilio account SID"),
                       secret=True),
            EnvSetting("DESK_TWILIO_AUTH_TOKEN", config.get("TWILIO_AUTH_TOKEN"),
                       _("Twilio auth token: signs the webhooks and authorises sending"), secret=True),
            EnvSetting("DESK_TWILIO_NUMBER", config.get("TWILIO_NUMBER"),
                       _("Our Twilio number in E.164 (+82…): sender of SMS, caller id of calls")),
            EnvSetting("DESK_PUBLIC_URL", config["PUBLIC_URL"], _("The address Twilio calls back and signs against"),
                       default="http://127.0.0.1:5000"),
            EnvSetting("DESK_BUSINESS_HOURS", config.get("BUSINESS_HOURS"),
                       _('Hours when the phone menu offers an agent, e.g. "09:00-18:00" (Monday to Friday), '
                         '"mon-sat 10:00-19:00" or "mon-fri 09:00-18:00; sat 10:00-14:00"'),
                       default="09:00-18:00"),
            EnvSetting("DESK_CALLBACK_MAX_ATTEMPTS", config.get("CALLBACK_MAX_ATTEMPTS"),
                       _("Calls made for one callback request before it counts as unreached"), default=3),
            EnvSetting("DESK_CALLBACK_RETRY_MINUTES", config.get("CALLBACK_RETRY_MINUTES"),
                       _("Minutes between callback attempts"), default=30),
            EnvSetting("DESK_CALLBACK_RATE_LIMIT", config.get("CALLBACK_RATE_LIMIT"),
                       _("Callback requests allowed per client address"), default="5 per minute;30 per day"),
        ],
    }
