"""The email part of the admin Channels page: the addresses that reach each queue (as the mail
processor routes them), the SMTP server and worker, the outbound relay, what waits in the outbox
and in quarantine, and the ``DESK_*`` variables behind it."""
from __future__ import annotations

from flask import url_for
from sqlalchemy import func, select

from channels.email.addresses import support_address
from desk import heartbeat
from desk.extensions import db
from desk.i18n import gettext as _
from desk.models import MailQuarantine, Queue
from desk.services import channel_settings
from desk.services.channel_settings import EnvSetting
from desk.services.replies import ACKNOWLEDGEMENT

SAMPLE_NUMBER = 1234


def addresses(domain: str, queues: list[Queue], default: Queue | None) -> dict[int, list[str]]:
    """Per queue, the addresses whose mail opens its tickets: ``<slug>@domain`` when the processor
    routes that address to the queue, and for the default queue ``support@`` (and everything
    else at the domain that names no queue)."""
    from channels.email.processor import queue_for  # the processor's own rule (loaded on first use)

    found = {}
    for queue in queues:
        own = f"{queue.slug}@{domain}"
        found[queue.id] = [own] if queue_for([own], domain) == queue.slug else []
    if default is not None:
        found[default.id].insert(0, support_address(domain))
    return found


def acknowledgement_samples(queue_name: str) -> dict[str, str]:
    """The acknowledgement text as a customer reads it, in Korean and in English."""
    return {"ko": ACKNOWLEDGEMENT["ko"].format(name=" 홍길동님", number=SAMPLE_NUMBER, queue=queue_name),
            "en": ACKNOWLEDGEMENT["en"].format(name=", Jane", number=SAMPLE_NUMBER, queue=queue_name)}


def describe(config) -> dict:
    session = db.session
    domain = config["MAIL_DOMAIN"]
    queues = list(session.scalars(select(Queue).order_by(Queue.is_default.desc(), Queue.name)))
    default = channel_settings.default_queue(session)
    quarantined = session.scalar(select(func.count()).select_from(MailQuarantine)
                                 .where(MailQuarantine.status == "quarantined")) or 0
    return {
        "domain": domain,
        "queues": queues,
        "default": default,
        "addresses": addresses(domain, queues, default),
        "smtp_enabled": bool(config.get("SMTP_ENABLED")),
        "smtp_listen": f"{config['SMTP_HOST']}:{config['SMTP_PORT']}",
        "smtp": heartbeat.liveness(session, "smtp"),
        "worker": heartbeat.liveness(session, "worker"),
        "relay": config.get("SMTP_RELAY"),
        "outbox": channel_settings.delivery_counts(session, ("email",)),
        "quarantined": quarantined,
        "quarantine_url": url_for("mail_admin.quarantine_list"),
        "sample": acknowledgement_samples(default.name if default else _("Customer support")),
        "env": [
            EnvSetting("DESK_MAIL_DOMAIN", domain, _("The domain customers write to; also in our Message-IDs"),
                       default="desk.localhost"),
            EnvSetting("DESK_SMTP_HOST", config["SMTP_HOST"], _("Address the SMTP server listens on"),
                       default="127.0.0.1"),
            EnvSetting("DESK_SMTP_PORT", config["SMTP_PORT"], _("Port the SMTP server listens on"), default=2525),
            EnvSetting("DESK_SMTP_RELAY", config.get("SMTP_RELAY"),
                       _("host:port of the relay that sends our mail; unset: replies are kept, not sent")),
            EnvSetting("DESK_SMTP_MAX_MESSAGE_BYTES", config.get("SMTP_MAX_MESSAGE_BYTES"),
                       _("Largest message accepted, in bytes"), default=25 * 1024 * 1024),
            EnvSetting("DESK_MAIL_SENDER_HOURLY_LIMIT", config.get("MAIL_SENDER_HOURLY_LIMIT"),
                       _("Messages per sender per hour before the rest go to quarantine"), default=20),
            EnvSetting("DESK_MAIL_TRUSTED_AUTHSERV_ID", config.get("MAIL_TRUSTED_AUTHSERV_ID"),
                       _("Relay whose Authentication-Results (DMARC) are trusted")),
        ],
    }
