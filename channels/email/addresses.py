"""Our own addresses and Message-IDs, signed so that nobody outside can forge a thread reference.

Message-ID:  <desk.<ticket>.<interaction>.<sig>@<domain>>
Reply-To:    reply+<ticket>-<sig>@<domain>
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets


def _sig(secret: str, value: str, length: int = 16) -> str:
    return hmac.new(secret.encode(), b"desk-mail\x00" + value.encode(), hashlib.sha256).hexdigest()[:length]


def message_id(secret: str, domain: str, ticket_id: int, interaction_id: int | None = None) -> str:
    part = f"{ticket_id}.{interaction_id if interaction_id is not None else 'n' + secrets.token_hex(4)}"
    return f"<desk.{part}.{_sig(secret, part)}@{domain}>"


_OUR_MSGID = re.compile(r"^desk\.(\d{1,18})\.(\d{1,18}|n[0-9a-f]{8})\.([0-9a-f]{16})@(.+)$")


def parse_message_id(secret: str, domain: str, value: str) -> tuple[int, int | None] | None:
    """(ticket id, interaction id) if ``value`` is a Message-ID we signed, else None."""
    match = _OUR_MSGID.match(value.strip("<>").lower())
    if not match or match.group(4) != domain.lower():
        return None
    part = f"{match.group(1)}.{match.group(2)}"
    if not hmac.compare_digest(_sig(secret, part), match.group(3)):
        return None
    interaction = match.group(2)
    return int(match.group(1)), (int(interaction) if interaction.isdigit() else None)


def reply_address(secret: str, domain: str, ticket_id: int) -> str:
    return f"reply+{ticket_id}-{_sig(secret, f'reply:{ticket_id}', 12)}@{domain}"


_REPLY = re.compile(r"^reply\+(\d{1,18})-([0-9a-f]{12})@(.+)$")


def parse_reply_address(secret: str, domain: str, address: str) -> int | None:
    match = _REPLY.match(address.strip().lower())
    if not match or match.group(3) != domain.lower():
        return None
    ticket_id = int(match.group(1))
    if not hmac.compare_digest(_sig(secret, f"reply:{ticket_id}", 12), match.group(2)):
        return None
    return ticket_id


def support_address(domain: str) -> str:
    return f"support@{domain}"


def bounce_address(secret: str, domain: str, interaction_id: int) -> str:
    """The envelope sender of our outbound mail (VERP): a bounce names the delivery it is about."""
    return f"bounces+{interaction_id}-{_sig(secret, f'bounce:{interaction_id}', 12)}@{domain}"


_BOUNCE = re.compile(r"^bounces\+(\d{1,18})-([0-9a-f]{12})@(.+)$")


def parse_bounce_address(secret: str, domain: str, address: str) -> int | None:
    match = _BOUNCE.match(address.strip().lower())
    if not match or match.group(3) != domain.lower():
        return None
    interaction_id = int(match.group(1))
    if not hmac.compare_digest(_sig(secret, f"bounce:{interaction_id}", 12), match.group(2)):
        return None
    return interaction_id
