"""Locale and time-zone selection (Korean first), and template helpers for dates."""
from __future__ import annotations

from flask import current_app, g, request, session
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


def init_app(app) -> None:
    from flask_babel import format_datetime, get_locale

    @app.context_processor
    def _i18n_context():
        return {"current_locale": str(get_locale() or app.config["LOCALE"])}

    app.jinja_env.filters["datetime"] = lambda value, fmt="short": format_datetime(value, fmt) if value else ""
