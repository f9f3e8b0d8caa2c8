"""Presentation helpers for the console templates: translated labels, dates in the agent's
time zone, phone formatting, safe redirects, cache-busted static URLs."""
from __future__ import annotations

import hashlib
import re
from functools import lru_cache, partial
from html import unescape as html_unescape
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import phonenumbers
from markupsafe import Markup, escape
from babel.dates import format_timedelta, match_skeleton, parse_pattern
from flask import current_app, g, request, url_for
from flask_babel import format_decimal

from desk.console import bp
from desk.console.icons import icon
from desk.i18n import gettext as _
from desk.i18n import here
from desk.models import utcnow


def safe_next(target: str | None, default: str | None = None) -> str:
    """A local path to go to after signing in; anything pointing elsewhere is replaced."""
    fallback = default or url_for("console.index")
    if not target or not isinstance(target, str) or len(target) > 2000:
        return fallback
    target = target.strip()
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in target):
        return fallback
    return target


# -- labels (translated once per request: a queue page asks for a few hundred) -----------------

def _status_labels() -> dict[str, str]:
    return {"new": _("New"), "open": _("Open"), "pending": _("Pending"), "solved": _("Solved"),
            "closed": _("Closed")}


def _priority_labels() -> dict[str, str]:
    return {"low": _("Low"), "normal": _("Normal"), "high": _("High"), "urgent": _("Urgent")}


def _channel_labels() -> dict[str, str]:
    return {"email": _("Email"), "chat": _("Chat"), "sms": _("SMS"), "voice": _("Phone call"),
            "callback": _("Callback"), "web": _("Web form"), "note": _("Note"), "campaign": _("Campaign")}


def _delivery_labels() -> dict[str, str]:
    return {"queued": _("Queued"), "sending": _("Sending"), "sent": _("Sent"), "delivered": _("Delivered"),
            "failed": _("Failed"), "recorded": _("Recorded, not sent")}


def _threading_labels() -> dict[str, str]:
    """Why an inbound message joined the ticket it is on (``interaction.meta['threading']['reason']``)."""
    return {
        "new_ticket": _("New ticket"),
        "subject_token": _("Ticket number in the subject"),
        "reply_token": _("Reply to our reply address"),
        "verified_reference": _("Reply to one of our messages"),
        "same_conversation": _("Same conversation"),
        "open_ticket_same_channel": _("Open ticket on the same channel"),
        "follow_up": _("Follow-up to a closed ticket"),
    }


def _identity_labels() -> dict[str, str]:
    return {"email": _("Email"), "phone": _("Phone"), "chat_visitor": _("Chat visitor")}


_LABELS = {"status": _status_labels, "priority": _priority_labels, "channel": _channel_labels,
           "delivery": _delivery_labels, "threading": _threading_labels, "identity": _identity_labels}


def labels(kind: str) -> dict[str, str]:
    """One label table in the current language (shared within the request: do not change it)."""
    h = here()
    if h is None:
        return _LABELS[kind]()
    table = h.memo.get(kind)
    if table is None:
        table = h.memo[kind] = _LABELS[kind]()
    return table


# Each table by name, as the views and templates ask for it: ``channel_labels()["sms"]``.
status_labels = partial(labels, "status")
priority_labels = partial(labels, "priority")
channel_labels = partial(labels, "channel")
delivery_labels = partial(labels, "delivery")
threading_labels = partial(labels, "threading")
identity_labels = partial(labels, "identity")


def label(kind: str, value: str | None) -> str:
    if value is None:
        return ""
    return labels(kind).get(value, value.replace("_", " "))


# -- dates ------------------------------------------------------------------------------------
# Babel's format functions look the locale's patterns up and parse them on every call; these
# keep the parsed patterns for the request (``here().memo``) and give the same text.

def _pattern(h, skeleton: str):
    key = ("skeleton", skeleton)
    pattern = h.memo.get(key)
    if pattern is None:
        skeletons = h.locale.datetime_skeletons
        chosen = skeleton if skeleton in skeletons else (match_skeleton(skeleton, skeletons) or skeleton)
        pattern = h.memo[key] = parse_pattern(skeletons[chosen])
    return pattern


def _this_year(h) -> int:
    year = h.memo.get("year")
    if year is None:
        year = h.memo["year"] = utcnow().astimezone(h.zone).year
    return year


def when(value: datetime | None) -> str:
    """A short absolute time in the agent's zone: ``11월 29일 오후 8:08`` / ``Nov 29, 8:08 PM``."""
    if value is None:
        return ""
    h = here()
    local = value.astimezone(h.zone)
    day = _pattern(h, "MMMd" if local.year == _this_year(h) else "yMMMd").apply(local, h.locale)
    time = _pattern(h, "hm").apply(local, h.locale)
    return _("%(date)s, %(time)s", date=day, time=time)


def day(value: datetime | None) -> str:
    """A date in the agent's zone: ``2026년 11월 30일`` / ``Nov 30, 2026``."""
    if value is None:
        return ""
    h = here()
    return _pattern(h, "yMMMd").apply(value.astimezone(h.zone), h.locale)


def reltime(value: datetime | None) -> str:
    """``3시간 전`` / ``3 hours ago`` for the last week, a date after that."""
    if value is None:
        return ""
    delta = utcnow() - value
    if delta < timedelta(minutes=1):
        return _("just now")
    h = here()
    if delta < timedelta(days=7):
        return format_timedelta(-delta, add_direction=True, threshold=0.9, locale=h.locale)
    local = value.astimezone(h.zone)
    if local.year == _this_year(h):
        return _pattern(h, "MMMd").apply(local, h.locale)
    return h.locale.date_formats["medium"].apply(local.date(), h.locale)


def full_time(value: datetime | None) -> str:
    """Date and time, medium length: ``2026. 11. 30. 오후 8:08:15`` / ``Nov 30, 2026, 8:08:15 PM``."""
    if not value:
        return ""
    h = here()
    local = value.astimezone(h.zone)
    locale = h.locale
    combined = locale.datetime_formats["medium"].replace("'", "")
    return combined.replace("{0}", locale.time_formats["medium"].apply(local, locale)) \
        .replace("{1}", locale.date_formats["medium"].apply(local.date(), locale))


def iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


def duration(seconds) -> str:
    try:
        seconds = int(seconds)
    except (TypeError, ValueError):
        return ""
    return f"{seconds // 60}:{seconds % 60:02d}"


def filesize(size) -> str:
    """``840 B``, ``12.5 KB``, ``3.2 MB`` with the locale's decimal sign."""
    try:
        size = int(size)
    except (TypeError, ValueError):
        return ""
    if size < 1024:
        return f"{size} B"
    for unit in ("KB", "MB", "GB"):
        size /= 1024
        if size < 1024 or unit == "GB":
            return f"{format_decimal(round(size, 1))} {unit}"
    return ""


# -- people -----------------------------------------------------------------------------------

def phone(value: str | None) -> str:
    """E.164 shown the way people write it: national format at home, international abroad."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return value
    home = current_app.config.get("DEFAULT_REGION", "KR")
    if phonenumbers.region_code_for_number(number) == home:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


@lru_cache(maxsize=4096)
def initials(name: str | None) -> str:
    name = (name or "").strip()
    if not name:
        return "?"
    if name.isascii():
        parts = [p for p in name.replace("@", " ").replace(".", " ").split() if p]
        return "".join(p[0] for p in parts[:2]).upper() or "?"
    if all("\uac00" <= c <= "\ud7a3" for c in name) and len(name) in (3, 4):
        return name[-2:]  # Korean names: the given name (김민지 -> 민지), as Korean apps show it
    return name[:2]


@lru_cache(maxsize=4096)
def avatar_tone(key) -> int:
    """One of eight avatar colours, stable per customer or agent."""
    return int(hashlib.sha1(str(key).encode()).hexdigest()[:4], 16) % 8


# -- URLs -------------------------------------------------------------------------------------

_static_versions: dict[str, str] = {}


def static_url(filename: str) -> str:
    """``/static/<file>?v=<content hash>`` so browsers pick up new assets after an upgrade."""
    version = _static_versions.get(filename)
    if version is None:
        path = Path(current_app.static_folder) / filename
        try:
            version = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
        except OSError:
            version = "0"
        if not current_app.debug:
            _static_versions[filename] = version
    return url_for("static", filename=filename, v=version)


def ticket_url(number: int) -> str:
    """``url_for("console.ticket", number=…)``: the route is built once per request and the
    number put in (a queue page links fifty tickets)."""
    prefix = g.get("_desk_ticket_url")
    if prefix is None:
        prefix = g._desk_ticket_url = url_for("console.ticket", number=1)[:-1]
    return f"{prefix}{int(number)}"


def url_with(**changes) -> str:
    """The current page's URL with some query parameters replaced (``None`` removes one)."""
    args = {k: v for k, v in request.args.items() if k != "cursor"}
    for key, value in changes.items():
        if value in (None, ""):
            args.pop(key, None)
        else:
            args[key] = value
    return url_for(request.endpoint, **(request.view_args or {}), **args)


@bp.record_once
def _template_globals(state) -> None:
    # Globals rather than a context processor: every template sees them without a per-render
    # dict, and macro files that need nothing else (``console/_macros.html``) are imported
    # without context, which Jinja does once per process instead of at every include. The
    # badges, avatars and timestamps are Python functions (``badges.py``).
    from desk.console import badges

    state.app.jinja_env.globals.update(
        icon=icon, label=label, status_labels=status_labels, priority_labels=priority_labels,
        channel_labels=channel_labels, static_url=static_url, url_with=url_with, ticket_url=ticket_url,
        initials=initials, avatar_tone=avatar_tone, **badges.GLOBALS,
    )


@bp.app_template_filter("when")
def _when(value):
    return when(value)


@bp.app_template_filter("day")
def _day(value):
    return day(value)


@bp.app_template_filter("reltime")
def _reltime(value):
    return reltime(value)


@bp.app_template_filter("full_time")
def _full_time(value):
    return full_time(value)


@bp.app_template_filter("iso")
def _iso(value):
    return iso(value)


@bp.app_template_filter("phone")
def _phone(value):
    return phone(value)


@bp.app_template_filter("filesize")
def _filesize(value):
    return filesize(value)


@bp.app_template_filter("duration")
def _duration(value):
    return duration(value)



def error_message(exc) -> str:
    """A service error (``DeskError``) as a sentence for the agent, translated where we know it."""
    known = {
        "stale": _("Someone changed this ticket after you opened it. Check the current values and "
                   "apply your change again."),
        "ticket_closed": _("This ticket is closed; replies are not possible. The customer's next "
                           "message opens a follow-up ticket."),
    }
    if getattr(exc, "code", None) in known:
        return known[exc.code]
    field_messages = {
        "channel": _("The customer cannot be reached on that channel."),
        "body": _("Write a message first."),
        "queue": _("You can only move tickets to your own queues."),
        "assignee": _("That agent does not work this ticket's queue."),
        "cursor": _("That page link is no longer valid."),
    }
    return field_messages.get(getattr(exc, "field", None)) or getattr(exc, "message", str(exc))


_CID_SRC = re.compile(r'src="cid:([^"]+)"', re.I)


@bp.app_template_filter("inline_cids")
def inline_cids(html: str, attachments) -> Markup:
    """Sanitized mail html with ``cid:`` images pointing at their stored attachments, so inline
    pictures show in the timeline (unknown cids stay as they are and show nothing)."""
    by_cid = {a.content_id.strip("<>").lower(): a for a in attachments if a.content_id}

    def swap(match: re.Match) -> str:
        att = by_cid.get(html_unescape(match.group(1)).strip("<>").lower())
        if att is None:
            return match.group(0)
        src = url_for("web.attachment", attachment_id=att.id, filename=att.filename, inline=1)
        return f'src="{escape(src)}"'

    return Markup(_CID_SRC.sub(swap, html or ""))
