"""Outbound SMS through Twilio's Messages API (recorded, not sent, without an account)."""
from __future__ import annotations

from twilio.base.exceptions import TwilioException, TwilioRestException

from channels.base import DeliveryResult
from channels.twilio import client as twilio_client
from channels.twilio.phone import MAX_SMS_CHARS

# Twilio error codes that no retry can fix: invalid or unreachable number, opted out, blocked.
PERMANENT_ERRORS = {21211, 21214, 21217, 21219, 21408, 21610, 21612, 21614, 30003, 30004, 30005, 30006, 30007}


class SmsAdapter:
    name = "sms"

    def send(self, interaction, config) -> DeliveryResult:
        to = (interaction.meta or {}).get("to") or interaction.ticket.customer.phone
        if not to:
            return DeliveryResult(ok=False, status="failed", error="the customer has no phone number", permanent=True)
        body = interaction.text or ""
        if len(body) > MAX_SMS_CHARS:
            return DeliveryResult(ok=False, status="failed", permanent=True,
                                  error=f"the message is longer than {MAX_SMS_CHARS} characters (SMS limit)")
        rest = twilio_client.rest_client(config)
        if rest is None:
            return DeliveryResult(ok=True, status="recorded")
        try:
            message = rest.messages.create(
                to=to, from_=config["TWILIO_NUMBER"], body=body,
                status_callback=twilio_client.public_url(config, f"/twilio/status?interaction={interaction.id}"),
            )
        except TwilioRestException as exc:
            return DeliveryResult(ok=False, status="failed", error=f"Twilio error {exc.code}: {exc.msg}"[:500],
                                  permanent=exc.code in PERMANENT_ERRORS or 400 <= (exc.status or 0) < 500)
        except (TwilioException, OSError) as exc:
            return DeliveryResult(ok=False, status="failed", error=f"{type(exc).__name__}: {exc}"[:500])
        return DeliveryResult(ok=True, provider_id=message.sid, status="sent")
