"""The live-chat part of the admin Channels page: the embed snippet, where the widget may run,
chat hours, the identity secret (set or not, never its value), the topics the widget offers and
how many chats agents take at once, and the ``DESK_*`` variables behind it."""
from __future__ import annotations

from collections import Counter

from flask import url_for
from sqlalchemy import select

from channels.chat import hours
from channels.chat.strings import topic_list
from desk.extensions import db
from desk.i18n import gettext as _
from desk.models import Agent, utcnow
from desk.services import business_hours, channel_settings
from desk.services.channel_settings import EnvSetting

WIDGET_PATH = "/static/chat/widget.js"


def snippet(public_url: str) -> str:
    """The one line a website adds (plain text: the page escapes it; widget.js documents the attributes)."""
    base = public_url.rstrip("/")
    return f'<script src="{base}{WIDGET_PATH}" data-desk="{base}" defer></script>'


def widget_attributes() -> list[tuple[str, str]]:
    return [
        ("data-locale", _('"ko" or "en"; without it the visitor\'s browser language decides')),
        ("data-mode", _('"inline" fills an element of your page instead of the button in the corner')),
        ("data-target", _("With data-mode=\"inline\": the id of that element")),
        ("data-name, data-email", _("A signed-in customer's name and email, filled in for them")),
        ("data-email-hmac", _("Hex HMAC-SHA256 of the lower-cased email with DESK_CHAT_IDENTITY_SECRET, computed "
                              "on your server: the chat then trusts the email without a confirmation mail")),
    ]


def capacities(session) -> list[tuple[int, int]]:
    """(chats at once, how many active agents take that many), most common first."""
    counted = Counter(session.scalars(select(Agent.chat_capacity).where(Agent.active.is_(True))))
    return sorted(counted.items(), key=lambda item: (-item[1], item[0]))


def describe(config) -> dict:
    session = db.session
    public_url = config["PUBLIC_URL"]
    spec = config["CHAT_HOURS"]
    default = channel_settings.default_queue(session)
    return {
        "snippet": snippet(public_url),
        "attributes": widget_attributes(),
        "page_url": public_url + url_for("chat.page"),
        "example_url": url_for("chat.example"),
        "origins": list(config.get("CHAT_ALLOWED_ORIGINS") or []),
        "hours": spec,
        "always_open": hours.parse(spec) is None,
        "open_now": hours.is_open(spec, config["TIMEZONE"], utcnow()),
        "holiday": business_hours.holiday_on(session, None, utcnow()),
        "timezone": config["TIMEZONE"],
        "identity_secret": bool(config.get("CHAT_IDENTITY_SECRET")),
        "topics": topic_list(session),
        "default": default,
        "capacities": capacities(session),
        "agents_url": url_for("desk_admin.agents"),
        "env": [
            EnvSetting("DESK_PUBLIC_URL", public_url,
                       _("The desk's public address; the snippet loads the widget from it"),
                       default="http://127.0.0.1:5000"),
            EnvSetting("DESK_CHAT_ALLOWED_ORIGINS", config.get("CHAT_ALLOWED_ORIGINS"),
                       _("Websites (scheme://host[:port], comma separated) where the widget may run; "
                         "default: the public address's own")),
            EnvSetting("DESK_CHAT_HOURS", spec,
                       _('Chat hours, e.g. "mon-fri 09:00-18:00; sat 10:00-14:00" or "always"'),
                       default="mon-fri 09:00-18:00"),
            EnvSetting("DESK_TIMEZONE", config["TIMEZONE"], _("Time zone of the chat hours"), default="Asia/Seoul"),
            EnvSetting("DESK_CHAT_IDENTITY_SECRET", config.get("CHAT_IDENTITY_SECRET"),
                       _("Secret your website signs its customers' email with (data-email-hmac)"), secret=True),
            EnvSetting("DESK_CHAT_MAX_MESSAGE_CHARS", config.get("CHAT_MAX_MESSAGE_CHARS"),
                       _("Longest chat message, in characters"), default=4000),
            EnvSetting("DESK_CHAT_MESSAGES_PER_MINUTE", config.get("CHAT_MESSAGES_PER_MINUTE"),
                       _("Messages a visitor may send per minute"), default=30),
            EnvSetting("DESK_CHAT_STARTS_PER_MINUTE", config.get("CHAT_STARTS_PER_MINUTE"),
                       _("New chats per network address per minute"), default=20),
        ],
    }
