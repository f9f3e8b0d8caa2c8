"""Locale and time-zone selection (Korean first), and the translation functions the code and
the templates use.

Flask-Babel looks the locale, the time zone and the translations up again for every string and
every date, a dozen reads of context locals each; a ticket page asks for several hundred.
``here()`` looks them up once per request (or app context) and keeps them, with anything derived
from them (label tables, parsed date patterns), on ``g``. ``gettext`` and friends below behave as
Flask-Babel's do and read from it.
"""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import current_app, g, request, session
from flask_babel import get_locale, get_timezone, get_translations
from flask_babel.speaklater import LazyString
from flask_login import current_user


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if g.get("page_locale") in languages:  # pages whose URL names the language (the help center)
        return g.page_locale
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    user_locale = getattr(current_user, "locale", None) if current_user else None
    if user_locale in languages:
        return user_locale
    default = current_app.config["LOCALE"]
    if request and request.accept_languages:
        best = request.accept_languages.best_match(languages)
        # Korean-first: only switch away from the default when the browser asks for it first.
        if best and best != default and request.accept_languages.values() \
                and request.accept_languages.best.lower().startswith(best):
            return best
    return default


def select_timezone() -> str:
    return current_app.config["TIMEZONE"]


class Here:
    """This context's locale, time zone and translations, and a memo for what is derived from
    them. Kept on ``g``; replaced when Flask-Babel's locale or zone changes (``force_locale``,
    ``refresh``), which it notices by identity."""

    __slots__ = ("locale", "tz", "zone", "translations", "memo")

    def __init__(self, locale, tz, translations) -> None:
        self.locale = locale
        self.tz = tz  # pytz, as Flask-Babel gives it
        self.zone = ZoneInfo(str(tz))  # the same zone; converting with it is several times faster
        self.translations = translations
        self.memo: dict = {}


def here() -> Here | None:
    """The current request's (or app context's) ``Here``; None outside any app context."""
    try:
        ns = g._get_current_object()
    except RuntimeError:
        return None
    known = ns.__dict__.get("_desk_here")
    babel_ns = ns.__dict__.get("_flask_babel")
    if known is not None and babel_ns is not None \
            and getattr(babel_ns, "babel_locale", None) is known.locale \
            and getattr(babel_ns, "babel_tzinfo", None) is known.tz:
        return known
    known = ns._desk_here = Here(get_locale(), get_timezone(), get_translations())
    return known


def _translations():
    h = here()
    return h.translations if h is not None else get_translations()


def gettext(string: str, **variables) -> str:
    s = _translations().ugettext(string)
    return s % variables if variables else s


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    return _translations().ungettext(singular, plural, num) % variables


def pgettext(context: str, string: str, **variables) -> str:
    s = _translations().upgettext(context, string)
    return s % variables if variables else s


def lazy_gettext(string: str, **variables) -> LazyString:
    return LazyString(gettext, string, **variables)


def init_app(app) -> None:
    from flask_babel import format_datetime

    # Replaces the callables Flask-Babel installed: same behaviour, one lookup per request.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )

    @app.context_processor
    def _i18n_context():
        return {"current_locale": str(get_locale() or app.config["LOCALE"])}

    app.jinja_env.filters["datetime"] = lambda value, fmt="short": format_datetime(value, fmt) if value else ""
