"""Outbound mail through the SMTP relay in ``DESK_SMTP_RELAY`` (unset: recorded, not sent).

Every message carries our signed Message-ID, In-Reply-To/References to the customer's last mail,
a ``reply+<token>@`` Reply-To, the ticket number in the subject, a VERP envelope sender so bounces
name the delivery they are about, ``Auto-Submitted: auto-replied`` on automatic mail, a text and
an HTML part, and the interaction's attachments. Header values are stripped of line breaks and
set through ``email.message.EmailMessage``, which refuses header injection on its own too.
"""
from __future__ import annotations

import html as html_lib
import re
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from sqlalchemy import select

from channels.base import DeliveryResult
from channels.email import addresses
from desk.extensions import db
from desk.models import Interaction
from desk.services import attachments
from desk.services.mail_relay import relay_send

_CRLF = re.compile(r"[\r\n\t\x00]+")


def clean_header(value: str | None, limit: int = 500) -> str:
    return _CRLF.sub(" ", value or "").strip()[:limit]


def subject_for(interaction: Interaction) -> str:
    ticket = interaction.ticket
    subject = clean_header(interaction.subject or ticket.subject or "")
    token = f"[#{ticket.number}]"
    return subject if token in subject else f"{subject} {token}".strip()


def thread_ids(interaction: Interaction, config) -> tuple[str | None, list[str]]:
    """(In-Reply-To, References) from the ticket's earlier mail, oldest first."""
    rows = db.session.execute(
        select(Interaction.id, Interaction.direction, Interaction.meta)
        .where(Interaction.ticket_id == interaction.ticket_id, Interaction.channel == "email",
               Interaction.id < interaction.id)
        .order_by(Interaction.id.desc()).limit(20)
    ).all()
    refs: list[str] = []
    last_inbound = None
    for row_id, direction, meta in reversed(rows):
        meta = meta or {}
        if direction == "inbound" and meta.get("message_id"):
            ref = f"<{meta['message_id']}>"
            last_inbound = ref
        elif direction == "outbound":
            ref = addresses.message_id(config["SECRET_KEY"], config["MAIL_DOMAIN"], interaction.ticket_id, row_id)
        else:
            continue
        refs.append(ref)
    return last_inbound or (refs[-1] if refs else None), refs[-10:]


def build(interaction: Interaction, config) -> tuple[EmailMessage, str, str]:
    """The MIME message, the envelope sender and the recipient."""
    ticket = interaction.ticket
    customer = ticket.customer
    domain, secret = config["MAIL_DOMAIN"], config["SECRET_KEY"]
    to_address = (interaction.meta or {}).get("to") or customer.email
    if not to_address:
        raise ValueError("the customer has no email address")
    msg = EmailMessage()
    sender_name = clean_header(ticket.queue.name if ticket.queue else "Support", 100)
    msg["From"] = formataddr((sender_name, addresses.support_address(domain)))
    msg["To"] = Address(display_name=clean_header(customer.name, 100), addr_spec=clean_header(to_address, 320))
    msg["Subject"] = subject_for(interaction)
    msg["Date"] = format_datetime(interaction.created_at)
    msg["Message-ID"] = addresses.message_id(secret, domain, ticket.id, interaction.id)
    msg["Reply-To"] = addresses.reply_address(secret, domain, ticket.id)
    in_reply_to, refs = thread_ids(interaction, config)
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if refs:
        msg["References"] = " ".join(refs)
    if (interaction.meta or {}).get("auto"):
        msg["Auto-Submitted"] = "auto-replied"
        msg["X-Auto-Response-Suppress"] = "All"
    msg["X-Desk-Ticket"] = str(ticket.number)
    text = interaction.text or ""
    msg.set_content(text)
    msg.add_alternative(_html(text, interaction.html), subtype="html")
    for att in interaction.attachments:
        data = attachments.path_for(att.sha256).read_bytes()
        maintype, _, subtype = (att.content_type or "application/octet-stream").partition("/")
        msg.add_attachment(data, maintype=maintype or "application", subtype=subtype or "octet-stream",
                           filename=att.filename)
    return msg, addresses.bounce_address(secret, domain, interaction.id), to_address


def _html(text: str, html: str | None) -> str:
    body = html or "<p>" + html_lib.escape(text).replace("\n\n", "</p><p>").replace("\n", "<br>") + "</p>"
    return f'<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">{body}</body></html>'


class EmailAdapter:
    name = "email"

    def send(self, interaction: Interaction, config) -> DeliveryResult:
        relay = config.get("SMTP_RELAY")
        try:
            msg, envelope_from, recipient = build(interaction, config)
        except ValueError as exc:
            return DeliveryResult(ok=False, status="failed", error=str(exc), permanent=True)
        if not relay:
            return DeliveryResult(ok=True, status="recorded", provider_id=msg["Message-ID"])
        return relay_send(msg, envelope_from, recipient, relay)
