"""The phone channel on Twilio: SMS in and out, inbound calls with a menu, click-to-call, the
callback queue and outbound call campaigns. Without Twilio settings everything is recorded
(stored and shown, nothing sent), so the demo and the tests run offline."""
from __future__ import annotations

from channels.base import SettingsSection, add_settings_section, register

_loaded = False


def init_app(app) -> None:
    global _loaded
    from channels.twilio import realtime, settings  # noqa: F401  (realtime: campaign progress -> supervisors)
    from channels.twilio.sms import SmsAdapter
    from channels.twilio.views import bp as console_bp
    from channels.twilio.voice import VoiceAdapter
    from channels.twilio.webhooks import bp as webhooks_bp
    from channels.twilio.phone import HoursError, opening_hours
    from desk.extensions import csrf

    try:
        opening_hours(app.config)
    except HoursError as exc:
        raise SystemExit(f"DESK_BUSINESS_HOURS: {exc}") from None
    register(SmsAdapter())
    register(VoiceAdapter())
    if not _loaded:
        from channels.twilio import api  # noqa: F401  (adds POST /api/v1/callbacks before the API registers)

        _loaded = True
    app.register_blueprint(webhooks_bp)
    csrf.exempt(webhooks_bp)  # Twilio signs its requests instead
    app.register_blueprint(console_bp)
    add_settings_section(app, SettingsSection("phone", 30, "console/admin/channels_phone.html", settings.describe))
