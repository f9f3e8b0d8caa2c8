"""The email channel: an SMTP server that never loses mail, a processor that turns the spool into
interactions, and outbound mail through a relay."""
from __future__ import annotations

from channels.base import SettingsSection, add_settings_section, register

_loaded = False


def init_app(app) -> None:
    global _loaded
    from channels.email import cli, settings
    from channels.email.send import EmailAdapter

    register(EmailAdapter())
    if not _loaded:
        from channels.email import api  # noqa: F401  (adds /api/v1/mail/... routes before registration)

        _loaded = True
    from channels.email.views import bp as admin_bp

    app.register_blueprint(admin_bp)
    app.extensions.setdefault("desk_admin_links", []).append(("mail_admin.quarantine_list", "Mail quarantine", "inbox"))
    add_settings_section(app, SettingsSection("email", 10, "console/admin/channels_email.html", settings.describe))
    app.extensions.setdefault("desk_workers", {})["mail"] = _mail_worker
    app.extensions.setdefault("desk_worker_processes", {})["mail-worker"] = ["mail"]
    if app.config.get("SMTP_ENABLED"):
        app.extensions.setdefault("desk_processes", {})["smtp"] = ["smtp"]
    cli.register(app)


def _mail_worker(app):
    """The loop the worker process runs beside the outbox: spool -> intake."""
    from channels.email.processor import MailProcessor
    from channels.email.server import spool_path
    from channels.email.spool import SpoolReader

    return MailProcessor(app, SpoolReader(spool_path(app.config)))
