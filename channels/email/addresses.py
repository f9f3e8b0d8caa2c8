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


def _tagged_address(secret: str, domain: str, tag: str, prefix: str, number: int) -> str:
    return f"{prefix}+{number}-{_sig(secret, f'{tag}:{number}', 12)}@{domain}"


def _parse_tagged(secret: str, domain: str, tag: str, prefix: str, address: str) -> int | None:
    match = re.match(rf"^{prefix}\+(\d{{1,18}})-([0-9a-f]{{12}})@(.+)$", address.strip().lower())
    if not match or match.group(3) != domain.lower():
        return None
    number = int(match.group(1))
    if not hmac.compare_digest(_sig(secret, f"{tag}:{number}", 12), match.group(2)):
        return None
    return number


def reply_address(secret: str, domain: str, ticket_id: int) -> str:
    return _tagged_address(secret, domain, "reply", "reply", ticket_id)


def parse_reply_address(secret: str, domain: str, address: str) -> int | None:
    return _parse_tagged(secret, domain, "reply", "reply", address)


def support_address(domain: str) -> str:
    return f"support@{domain}"


def bounce_address(secret: str, domain: str, interaction_id: int) -> str:
    """The envelope sender of our outbound mail (VERP): a bounce names the delivery it is about."""
    return _tagged_address(secret, domain, "bounce", "bounces", interaction_id)


def parse_bounce_address(secret: str, domain: str, address: str) -> int | None:
    return _parse_tagged(secret, domain, "bounce", "bounces", address)
