"""Small pieces of markup the console pages repeat: status, channel and priority badges,
avatars, timestamps. Built in Python rather than as Jinja macros: a queue page shows three
hundred of them, and a macro call costs several times what these functions do. Every value is
escaped; the result is ``Markup``."""
from __future__ import annotations

from markupsafe import Markup, escape

from desk.console.helpers import avatar_tone, full_time, initials, iso, label, reltime, when
from desk.console.icons import icon


def status_badge(status) -> Markup:
    return Markup(f'<span class="badge status status-{escape(status)}" data-status-badge>'
                  f'{escape(label("status", status))}</span>')


def channel_badge(channel, compact: bool = False) -> Markup:
    name = escape(label("channel", channel))
    if compact:
        return Markup(f'<span class="chan chan-{escape(channel)} chan-compact" title="{name}">{icon(channel)}'
                      f'<span class="sr-only">{name}</span></span>')
    return Markup(f'<span class="chan chan-{escape(channel)}">{icon(channel)}<span>{name}</span></span>')


def priority_tag(priority) -> Markup:
    flag = icon("flag") if priority in ("high", "urgent") else ""
    return Markup(f'<span class="prio prio-{escape(priority)}">{flag}{escape(label("priority", priority))}</span>')


def avatar(name, key, size: str = "md") -> Markup:
    return Markup(f'<span class="avatar avatar-{escape(size)} tone-{avatar_tone(key)}" aria-hidden="true">'
                  f'{escape(initials(name))}</span>')


def timestamp(value, relative: bool = True) -> Markup:
    if not value:
        return Markup("")
    shown = reltime(value) if relative else when(value)
    return Markup(f'<time datetime="{escape(iso(value))}" title="{escape(full_time(value))}">{escape(shown)}</time>')


GLOBALS = {"status_badge": status_badge, "channel_badge": channel_badge, "priority_tag": priority_tag,
           "avatar": avatar, "timestamp": timestamp}
