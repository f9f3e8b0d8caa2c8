"""Live web chat: the ``/chat`` namespace for visitors, chat events on ``/console`` for agents,
the widget and the standalone ``/chat`` page, the agent chat desk, and the adapter that delivers
agent replies to the visitor's sockets."""
from __future__ import annotations

from channels.base import SettingsSection, add_settings_section, register


def init_app(app) -> None:
    from channels.chat import console, live, namespace  # noqa: F401  (live registers event subscribers)
    from channels.chat.delivery import ChatAdapter
    from channels.chat.views import bp
    from channels.chat import hours, settings
    from desk.extensions import socketio

    try:
        hours.parse(app.config["CHAT_HOURS"])
    except hours.HoursError as exc:
        raise SystemExit(f"DESK_CHAT_HOURS: {exc}") from None
    register(ChatAdapter())
    from desk.services.presence import Directory

    app.extensions["desk_presence"] = Directory()  # routing assigns work to agents online now
    namespace.register()
    console.register()
    app.register_blueprint(bp)
    add_settings_section(app, SettingsSection("chat", 20, "console/admin/channels_chat.html", settings.describe))
    # The widget runs on the sites in DESK_CHAT_ALLOWED_ORIGINS: let their browsers open the
    # Engine.IO transport; the /chat namespace checks the Origin again, the console never needs it.
    if socketio.server is not None:
        with app.app_context():
            socketio.server.eio.cors_allowed_origins = _origin_check(app)
    app.extensions.setdefault("desk_nav_links", []).append(("chat.desk", "Chats", "message"))


def _origin_check(app):
    def allowed(origin, environ=None):
        from channels.chat.namespace import origin_allowed

        with app.app_context():
            return origin_allowed(origin, environ or {})
    return allowed
