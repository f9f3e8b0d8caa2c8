"""Handing a finished message to the outbound SMTP relay (``DESK_SMTP_RELAY``): replies through
the email channel's adapter and the portal's sign-in mail both go out this way."""
from __future__ import annotations

import smtplib
import socket
from email.message import EmailMessage

from channels.base import DeliveryResult


def relay_send(msg: EmailMessage, envelope_from: str, recipient: str, relay: str) -> DeliveryResult:
    """Hand one message to the relay (``host:port``, STARTTLS when offered). A 5xx answer is a
    permanent failure; anything else that goes wrong is worth another try."""
    host, _, port = relay.rpartition(":")
    try:
        with smtplib.SMTP(host or relay, int(port or 25), timeout=30) as smtp:
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls()
                smtp.ehlo()
            smtp.send_message(msg, from_addr=envelope_from, to_addrs=[recipient])
    except smtplib.SMTPRecipientsRefused as exc:
        code, reply = next(iter(exc.recipients.values()))
        return DeliveryResult(ok=False, status="failed", error=f"{code} {reply.decode(errors='replace')}",
                              permanent=500 <= code < 600)
    except smtplib.SMTPResponseException as exc:
        return DeliveryResult(ok=False, status="failed",
                              error=f"{exc.smtp_code} {exc.smtp_error.decode(errors='replace')}",
                              permanent=500 <= exc.smtp_code < 600)
    except (smtplib.SMTPException, socket.error, OSError) as exc:
        return DeliveryResult(ok=False, status="failed", error=f"{type(exc).__name__}: {exc}")
    return DeliveryResult(ok=True, status="sent", provider_id=msg["Message-ID"])
