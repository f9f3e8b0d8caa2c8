"""Raw RFC 5322 bytes -> a ``ParsedMail`` (headers we thread and filter on, text, sanitized html,
attachments). Uses the lenient compat32 parser and decodes every header and body itself, so a
wrong charset, a broken boundary or a malformed header degrades to readable text instead of an
exception."""
from __future__ import annotations

import email
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email import policy
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime

from channels.base import InboundAttachment
from channels.email.charsets import decode_bytes, decode_header_value
from channels.email.quotes import split_html, split_text

_MSGID = re.compile(r"<([^<>\s]+)>")
MAX_PARTS = 500


@dataclass
class Bounce:
    original_message_ids: list[str]
    recipients: list[str]
    status: str | None
    diagnostic: str | None


@dataclass
class ParsedMail:
    message_id: str | None
    external_id: str  # Message-ID, or sha256 of the raw bytes when there is none
    from_address: str | None
    from_name: str | None
    reply_to: str | None
    to: list[str]
    cc: list[str]
    subject: str
    date: datetime | None
    in_reply_to: list[str]
    references: list[str]
    text: str  # what the sender wrote (quoted history and signature removed)
    quoted: str  # the rest
    html: str | None  # unsanitized; intake sanitizes with nh3
    attachments: list[InboundAttachment] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # the ones we decide on, decoded
    auth_results: list[str] = field(default_factory=list)
    bounce: Bounce | None = None
    charsets: list[str] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)


def message_ids(value: str | None) -> list[str]:
    if not value:
        return []
    found = _MSGID.findall(value)
    if not found and value.strip() and " " not in value.strip():
        found = [value.strip()]
    return [m.lower() if m.count("@") == 1 else m for m in found][:100]


def _address(value: str | None) -> tuple[str | None, str | None]:
    pairs = getaddresses([decode_header_value(value)]) if value else []
    for name, addr in pairs:
        if "@" in addr:
            return name.strip() or None, addr.strip()
    return None, None


def _addresses(msg: Message, *names: str) -> list[str]:
    values = [decode_header_value(v) for name in names for v in (msg.get_all(name) or [])]
    return [addr for _, addr in getaddresses(values) if "@" in addr][:200]


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def _filename(part: Message) -> str | None:
    raw = part.get_param("filename", header="content-disposition") or part.get_param("name")
    if raw is None:
        return None
    if isinstance(raw, tuple):  # RFC 2231: (charset, language, value)
        charset, _, value = raw
        data = value.encode("latin-1", "surrogateescape") if isinstance(value, str) else value
        return decode_bytes(data, charset or "utf-8")[0]
    return decode_header_value(raw)


def _payload(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:  # a broken transfer encoding: take what is there
        data = None
    if data is None:
        raw = part.get_payload()
        if isinstance(raw, str):
            return raw.encode("ascii", "surrogateescape")
        return b""
    return data


def parse(raw: bytes) -> ParsedMail:
    msg = email.message_from_bytes(raw, policy=policy.compat32)
    message_id = (message_ids(msg.get("Message-ID")) or [None])[0]
    from_name, from_address = _address(msg.get("From"))
    _, reply_to = _address(msg.get("Reply-To"))
    texts: list[str] = []
    htmls: list[str] = []
    attachments: list[InboundAttachment] = []
    charsets: list[str] = []
    bounce_parts: dict[str, Message] = {}
    _walk(msg, texts, htmls, attachments, charsets, bounce_parts, depth=0)

    html = "\n".join(htmls) if htmls else None
    if texts:
        full_text = "\n\n".join(t for t in texts if t.strip())
    else:
        from desk.services.sanitize import html_to_text

        full_text = html_to_text(html)
    text, quoted = split_text(full_text)
    if html:
        html = split_html(html)
    headers = {name: decode_header_value(msg.get(name)) for name in (
        "Auto-Submitted", "Precedence", "X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress", "List-Id",
        "Return-Path", "X-Failed-Recipients", "Content-Type") if msg.get(name) is not None}
    parsed = ParsedMail(
        message_id=message_id,
        external_id=message_id or "sha256:" + hashlib.sha256(raw).hexdigest(),
        from_address=from_address,
        from_name=from_name,
        reply_to=reply_to,
        to=_addresses(msg, "To", "Delivered-To", "X-Original-To"),
        cc=_addresses(msg, "Cc"),
        subject=decode_header_value(msg.get("Subject"))[:500],
        date=_date(msg.get("Date")),
        in_reply_to=message_ids(msg.get("In-Reply-To")),
        references=message_ids(" ".join(msg.get_all("References") or [])),
        text=text,
        quoted=quoted,
        html=html,
        attachments=attachments,
        headers=headers,
        auth_results=[decode_header_value(v) for v in (msg.get_all("Authentication-Results") or [])],
        charsets=charsets,
        defects=[type(d).__name__ for d in msg.defects][:20],
    )
    if msg.get_content_type() == "multipart/report" or "delivery-status" in bounce_parts:
        parsed.bounce = _bounce(msg, bounce_parts)
    return parsed


def _walk(part: Message, texts, htmls, attachments, charsets, bounce_parts, depth: int) -> None:
    if depth > 20 or len(attachments) + len(texts) + len(htmls) > MAX_PARTS:
        return
    ctype = part.get_content_type()
    disposition = (part.get("Content-Disposition") or "").split(";")[0].strip().lower()
    if part.is_multipart():
        children = part.get_payload()
        if not isinstance(children, list) or not children:
            # Declared multipart, but the boundary is missing or wrong: read the body as text.
            _add_text(part, _payload(part), "text/plain", texts, htmls, charsets)
            return
        if ctype == "multipart/alternative":
            # Prefer one plain and one html alternative, not every representation.
            plain = [c for c in children if not c.is_multipart() and c.get_content_type() == "text/plain"]
            html = [c for c in children if not c.is_multipart() and c.get_content_type() == "text/html"]
            rest = [c for c in children if c not in plain and c not in html]
            for child in plain[-1:] + html[-1:] + rest:
                _walk(child, texts, htmls, attachments, charsets, bounce_parts, depth + 1)
            return
        for child in children:
            _walk(child, texts, htmls, attachments, charsets, bounce_parts, depth + 1)
        return
    if ctype in ("message/delivery-status", "message/global-delivery-status"):
        bounce_parts["delivery-status"] = part
        return
    if ctype in ("message/rfc822", "text/rfc822-headers", "message/global"):
        bounce_parts.setdefault("original", part)
    if ctype == "message/rfc822" or (part.get_payload() and isinstance(part.get_payload(), list)):
        inner = part.get_payload()
        inner_msg = inner[0] if isinstance(inner, list) and inner else None
        data = inner_msg.as_bytes() if inner_msg is not None else _payload(part)
        attachments.append(InboundAttachment(_filename(part) or "forwarded-message.eml", "message/rfc822", data))
        return
    filename = _filename(part)
    content_id = (part.get("Content-ID") or "").strip().strip("<>") or None
    is_body_text = ctype in ("text/plain", "text/html") and disposition != "attachment" and not (
        filename and disposition != "inline")
    if is_body_text:
        _add_text(part, _payload(part), ctype, texts, htmls, charsets)
        return
    data = _payload(part)
    if not data and not filename:
        return
    attachments.append(InboundAttachment(
        filename=filename or _default_name(ctype),
        content_type=ctype,
        data=data,
        content_id=content_id,
        inline=disposition == "inline" or (content_id is not None and disposition != "attachment"),
    ))


def _add_text(part: Message, data: bytes, ctype: str, texts, htmls, charsets) -> None:
    declared = part.get_content_charset() or part.get_param("charset")
    if isinstance(declared, tuple):
        declared = declared[2]
    text, used = decode_bytes(data, declared)
    charsets.append(used)
    if ctype == "text/html":
        htmls.append(text)
    else:
        if part.get_param("format") == "flowed":
            text = _unflow(text, part.get_param("delsp") == "yes")
        texts.append(text.replace("\r\n", "\n"))


def _unflow(text: str, delsp: bool) -> str:
    lines, out = text.replace("\r\n", "\n").split("\n"), []
    buffer = ""
    for line in lines:
        if line.endswith(" ") and line != "-- ":
            buffer += line[:-1] if delsp else line
        else:
            out.append(buffer + line)
            buffer = ""
    if buffer:
        out.append(buffer)
    return "\n".join(out)


def _default_name(ctype: str) -> str:
    ext = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "application/pdf": "pdf",
           "text/calendar": "ics", "text/plain": "txt", "text/html": "html"}.get(ctype, "bin")
    return f"attachment.{ext}"


def _bounce(msg: Message, parts: dict[str, Message]) -> Bounce:
    recipients, status, diagnostic = [], None, None
    dsn = parts.get("delivery-status")
    if dsn is not None:
        body = dsn.get_payload()
        blocks = body if isinstance(body, list) else []
        if not blocks:
            text = decode_bytes(_payload(dsn))[0]
            blocks = [email.message_from_string(b, policy=policy.compat32) for b in re.split(r"\n\s*\n", text)]
        for block in blocks:
            rcpt = block.get("Final-Recipient") or block.get("Original-Recipient")
            if rcpt:
                recipients.append(rcpt.split(";", 1)[-1].strip())
            status = status or block.get("Status")
            diagnostic = diagnostic or block.get("Diagnostic-Code")
    original_ids: list[str] = []
    original = parts.get("original")
    if original is not None:
        inner = original.get_payload()
        if isinstance(inner, list) and inner:
            original_ids = message_ids(inner[0].get("Message-ID"))
        else:
            headers = email.message_from_bytes(_payload(original), policy=policy.compat32)
            original_ids = message_ids(headers.get("Message-ID"))
    if not original_ids:
        original_ids = message_ids(msg.get("X-Original-Message-ID")) or message_ids(msg.get("In-Reply-To"))
    if not recipients and msg.get("X-Failed-Recipients"):
        recipients = [r.strip() for r in msg["X-Failed-Recipients"].split(",")]
    return Bounce(original_ids, recipients[:20], (status or "").strip() or None,
                  (diagnostic or "").strip()[:500] or None)
