"""The Twilio REST client, or None in "recorded" mode (no account configured).

``DESK_TWILIO_API_BASE`` points the client at another Twilio-compatible endpoint (the tests run
a local fake that records what desk asked for). The library builds every REST URL from its
``api`` domain's ``base_url`` (``Domain.absolute_url``), so replacing that one attribute moves
all of ``client.calls`` and ``client.messages`` without touching anything else.
"""
from __future__ import annotations

from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

TIMEOUT_SECONDS = 10


def configured(config) -> bool:
    return bool(config.get("TWILIO_ACCOUNT_SID") and config.get("TWILIO_AUTH_TOKEN")
                and config.get("TWILIO_NUMBER"))


def rest_client(config) -> Client | None:
    if not configured(config):
        return None
    client = Client(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"],
                    http_client=TwilioHttpClient(timeout=TIMEOUT_SECONDS))
    base = config.get("TWILIO_API_BASE")
    if base:
        client.api.base_url = base.rstrip("/")
    return client


def public_url(config, path: str) -> str:
    """The absolute URL Twilio calls back on (and signs), e.g. ``https://desk.example/twilio/status``."""
    return config["PUBLIC_URL"].rstrip("/") + path
