"""desk: an omnichannel contact-center service desk."""
from __future__ import annotations

import logging

from flask import Flask


def create_app(config=None, *, role: str = "web") -> Flask:
    """Build the application.

    ``config`` is a ``config.Config`` instance (read from the environment when omitted).
    ``role`` names the process: ``web`` serves HTTP and Socket.IO; ``worker``, ``smtp`` and
    ``cli`` only use the app for its database and settings and emit through Redis or the
    loopback relay.
    """
    from config import Config

    config = config or Config()
    app = Flask(
        __name__,
        instance_path=str(config.INSTANCE_DIR),
        static_folder="../static",
        template_folder="../templates",
    )
    app.config.update(config.as_dict())
    app.config["DESK_ROLE"] = role
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from desk.extensions import babel, csrf, db, limiter, login_manager, socketio

    db.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    from desk import i18n

    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    i18n.init_app(app)

    login_manager.init_app(app)
    login_manager.login_view = "console.login"
    login_manager.login_message = None

    @login_manager.user_loader
    def _load_agent(agent_id: str):
        from desk.models import Agent

        try:
            agent = db.session.get(Agent, int(agent_id))
        except (TypeError, ValueError):
            return None
        return agent if agent is not None and agent.active else None

    async_mode = app.config.get("SOCKETIO_ASYNC_MODE") or ("gevent" if _gevent_patched() else "threading")
    socketio.init_app(
        app,
        async_mode=async_mode,
        message_queue=app.config.get("REDIS_URL"),
        cors_allowed_origins=app.config.get("ALLOWED_ORIGINS") or None,
        max_http_buffer_size=1_000_000,
        manage_session=True,
    )

    from channels import registry as channel_registry

    channel_registry.load(app)
    from knowledge import init_app as init_knowledge  # knowledge base, help center, portal

    init_knowledge(app)

    from desk import web
    from desk.api import bp as api_bp
    from desk.console import bp as console_bp
    from desk.realtime import console as console_ns
    from desk.realtime import fanout  # noqa: F401  (registers the event subscribers)

    app.register_blueprint(web.bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(console_bp)
    csrf.exempt(api_bp)
    csrf.exempt(web.relay)
    console_ns.register()
    web.install(app)

    from desk import cli

    cli.register(app)
    from desk.console import setup as console_setup

    console_setup.init_app(app)  # SLA clock, routing, supervisor floor, reports, admin
    return app


def _gevent_patched() -> bool:
    """The web process patches the standard library with gevent before importing anything."""
    import sys

    if "gevent.monkey" not in sys.modules:
        return False
    from gevent import monkey

    return monkey.is_module_patched("socket")
