"""Raw RFC 5322 bytes -> a ``ParsedMail`` (headers we thread and filter on, text, unsanitized html,
attachments, delivery reports). Uses the lenient compat32 parser and decodes every header and
body itself, so a wrong charset, a broken boundary or a malformed header degrades to readable
text instead of an exception."""
from __future__ import annotations

import email
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.message import Message
from email.parser import BytesParser
from email.policy import Compat32
from email.utils import getaddresses, parsedate_to_datetime

from channels.base import InboundAttachment
from channels.email.charsets import decode_bytes, decode_header_value, plain_params, repair_headers, unflow
from channels.email.quotes import split_html, split_text

_MSGID = re.compile(r"<([^<>\s]+)>")
MAX_PARTS = 500
MAX_DEPTH = 20
DECISION_HEADERS = (
    "Auto-Submitted", "Precedence", "X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress", "List-Id",
    "Return-Path", "X-Failed-Recipients", "Content-Type", "X-Loop", "X-Desk-Ticket")
DSN_TYPES = ("message/delivery-status", "message/global-delivery-status")
_CTYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}")


@dataclass
class Bounce:
    original_message_ids: list[str]
    recipients: list[str]
    status: str | None
    diagnostic: str | None
    action: str | None = None  # failed | delayed | delivered | relayed | expanded (RFC 3464)


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
    report_type: str | None = None  # multipart/report: delivery-status, disposition-notification (read receipt)...


class _Message(Message):
    """compat32's Message, except that parameters it cannot order (an RFC 2231 ``name*`` mixed
    with ``name*0``) are read plainly instead of raising TypeError from deep inside the parser."""

    def _get_params_preserve(self, failobj, header):
        try:
            return super()._get_params_preserve(failobj, header)
        except Exception:
            value = self.get(header)
            return failobj if value is None else plain_params(str(value))


class _Policy(Compat32):
    """compat32, but a header with raw 8-bit bytes comes back as the raw string (bytes as surrogate
    escapes, which ``decode_header_value`` recovers) instead of a ``Header``, which is no str."""

    def header_fetch_parse(self, name, value):
        return value if isinstance(value, str) else super().header_fetch_parse(name, value)


POLICY = _Policy(message_factory=_Message)


def message_ids(value: str | None) -> list[str]:
    if not value:
        return []
    value = decode_header_value(value) if re.search("[\udc80-\udcff]", str(value)) else str(value).replace("\x00", "")
    found = _MSGID.findall(value)
    if not found and value.strip() and " " not in value.strip():
        found = [value.strip()]
    return [m.lower() if m.count("@") == 1 else m for m in found][:100]


def _unfold(value) -> str:
    return " ".join(str(value).split())


def _address(value: str | None) -> tuple[str | None, str | None]:
    # Split the raw header into addresses first and decode only the display names: an encoded
    # word can hide a comma, "<victim@example.com>" or a line break that must never become an address.
    for name, addr in _pairs([value] if value else []):
        return decode_header_value(name).strip(' "') or None, addr
    return None, None


def _pairs(values: list) -> list[tuple[str, str]]:
    try:
        pairs = getaddresses([_unfold(v) for v in values])
    except Exception:  # the stdlib address parser on hostile input: treat as no address
        return []
    return [(name, decode_header_value(addr).strip()) for name, addr in pairs if "@" in addr]


def _addresses(msg: Message, *names: str) -> list[str]:
    return [addr for _, addr in _pairs([v for name in names for v in (msg.get_all(name) or [])])][:200]


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(_unfold(value))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=timezone.utc)
        return parsed.astimezone(timezone.utc)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _param(part: Message, name: str, header: str = "content-type") -> str | None:
    try:
        value = part.get_param(name, header=header)
    except Exception:
        return None
    return str(value[2] if isinstance(value, tuple) else value) if value else None


def _filename(part: Message) -> str | None:
    """RFC 2231 (filename*=UTF-8''...) before a plain or RFC 2047 value, Content-Disposition's
    filename before Content-Type's name; without any directory or control character."""
    values = []
    for header, key in (("content-disposition", "filename"), ("content-type", "name")):
        try:
            values += [v for k, v in part.get_params(header=header) or [] if k.strip().lower() in (key, key + "*")]
        except Exception:
            continue
    found = next((v for v in values if isinstance(v, tuple)), None) or next((v for v in values if v), None)
    if isinstance(found, tuple):  # RFC 2231: (charset, language, value)
        data = str(found[2]).strip('"').encode("latin-1", "surrogateescape")
        found = decode_bytes(data, found[0] or "utf-8")[0]
    name = re.sub(r"[\x00-\x1f\x7f]", "", re.split(r"[\\/]", decode_header_value(found))[-1]).strip(' "')
    return name[:255] or None


def _payload(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:  # a broken transfer encoding: take what is there
        data = None
    if data is None:
        raw = getattr(part, "_payload", None)  # the undecoded text, 8-bit bytes as surrogate escapes
        if isinstance(raw, str):
            return raw.encode("ascii", "surrogateescape")
        return b""
    return data


def _load(raw: bytes) -> tuple[Message, list[str]]:
    fixed, dropped = repair_headers(raw)
    notes = [f"MalformedHeaderLineDropped x{dropped}"] if dropped else []
    try:
        return email.message_from_bytes(fixed, policy=POLICY), notes
    except Exception as exc:  # keep the headers, read the body as text
        msg = BytesParser(policy=POLICY).parsebytes(fixed, headersonly=True)
        return msg, notes + [f"MimeStructureUnreadable: {type(exc).__name__}"]


def parse(raw: bytes) -> ParsedMail:
    raw = bytes(raw)
    msg, notes = _load(raw)
    message_id = (message_ids(msg.get("Message-ID")) or [None])[0]
    from_name, from_address = _address(msg.get("From"))
    _, reply_to = _address(msg.get("Reply-To"))
    walker = _Walker()
    walker.walk(msg, 0)

    html = "\n".join(walker.htmls) or None
    text, quoted = split_text("\n\n".join(t for t in walker.texts if t.strip())) if walker.texts \
        else _text_from_html(html)
    html = split_html(html) if html else None
    headers = {name: decode_header_value(msg.get(name)) for name in DECISION_HEADERS if msg.get(name) is not None}
    report_type = ((_param(msg, "report-type") or "").strip().lower() or "unknown") \
        if msg.get_content_type() == "multipart/report" else None
    parsed = ParsedMail(
        message_id=message_id, external_id=message_id or "sha256:" + hashlib.sha256(raw).hexdigest(),
        from_address=from_address, from_name=from_name, reply_to=reply_to,
        to=_addresses(msg, "To", "Delivered-To", "X-Original-To"), cc=_addresses(msg, "Cc"),
        subject=decode_header_value(msg.get("Subject"))[:500], date=_date(msg.get("Date")),
        in_reply_to=message_ids(msg.get("In-Reply-To")),
        references=message_ids(" ".join(str(v) for v in msg.get_all("References") or [])),
        text=text, quoted=quoted, html=html, attachments=walker.attachments, headers=headers,
        auth_results=[decode_header_value(v) for v in (msg.get_all("Authentication-Results") or [])],
        charsets=walker.charsets, defects=(notes + [type(d).__name__ for d in msg.defects] + walker.defects)[:20],
        report_type=report_type,
    )
    if report_type in ("delivery-status", "global-delivery-status") or "delivery-status" in walker.bounce_parts \
            or msg.get("X-Failed-Recipients"):
        parsed.bounce = _bounce(msg, walker.bounce_parts, f"{text}\n\n{quoted}")
    return parsed


def _text_from_html(html: str | None) -> tuple[str, str]:
    if not html:
        return "", ""
    from desk.services.sanitize import html_to_text

    head = split_html(html)
    if len(head) == len(html):
        return split_text(html_to_text(html))
    text, tail = split_text(html_to_text(head))
    rest = html_to_text(html[len(head):])
    return text, "\n\n".join(t for t in (tail, rest) if t)


class _Walker:
    """Collects body text, html, attachments and delivery-report parts from a MIME tree."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.htmls: list[str] = []
        self.attachments: list[InboundAttachment] = []
        self.charsets: list[str] = []
        self.bounce_parts: dict[str, Message] = {}
        self.defects: list[str] = []
        self.seen = 0

    def walk(self, part: Message, depth: int) -> None:
        self.seen += 1
        if depth > MAX_DEPTH or self.seen > MAX_PARTS:
            self.defects += [] if "TooManyParts" in self.defects else ["TooManyParts"]
            return
        valid = _CTYPE.match(part.get_content_type())  # a corrupt header still names its type first
        ctype = valid.group(0) if valid else "text/plain"
        if ctype in DSN_TYPES:
            self.bounce_parts.setdefault("delivery-status", part)
            return
        if ctype in ("message/rfc822", "message/global", "text/rfc822-headers"):
            self.bounce_parts.setdefault("original", part)
        if ctype in ("message/rfc822", "message/global"):
            return self._attach_message(part)
        if ctype.startswith("message/") and isinstance(part.get_payload(), list):
            return  # machine-readable report fields (read receipts, abuse reports): no file for a person
        children = part.get_payload() if ctype.startswith("multipart/") or part.is_multipart() else None
        lost = depth == 0 and ctype == "text/plain" and part.get("Content-Type") is None  # header lost in transit
        if lost or (children is not None and not (isinstance(children, list) and children)):
            recovered = _recover_multipart(part, "multipart/mixed" if lost else None, leading_only=lost)
            if recovered is not None:
                self.defects.append("BoundaryRecovered")
                children = recovered.get_payload()
            elif not lost:  # declared multipart, no usable boundary: read the body as text
                self._add_text(part, "text/plain")
                return
        if isinstance(children, list) and children:
            for child in _alternatives(children) if ctype == "multipart/alternative" else children:
                self.walk(child, depth + 1)
            return
        self._leaf(part, ctype, depth)

    def _leaf(self, part: Message, ctype: str, depth: int) -> None:
        disposition = str(part.get("Content-Disposition") or "").split(";")[0].strip().lower()
        filename = _filename(part)
        if ctype in ("text/plain", "text/html") and disposition != "attachment" and (not filename or depth == 0):
            self._add_text(part, ctype)
            return
        data = _payload(part)
        if not data and not filename:
            return
        content_id = decode_header_value(part.get("Content-ID")).strip("<> ") or None
        self.attachments.append(InboundAttachment(filename or _default_name(ctype), ctype, data, content_id,
                                                  inline=content_id is not None and disposition != "attachment"))

    def _attach_message(self, part: Message) -> None:
        """A forwarded mail stays one .eml file, named after its subject when it has no name."""
        inner = part.get_payload()
        inner = inner[0] if isinstance(inner, list) and inner else None
        try:
            data = inner.as_bytes() if inner is not None else _payload(part)
        except Exception:
            data = b""
        subject = decode_header_value(inner.get("Subject") if inner is not None else None)
        subject = re.sub(r'[\\/:*?"<>|]+', " ", subject).strip()[:100]
        name = _filename(part) or (f"{subject}.eml" if subject else "forwarded-message.eml")
        self.attachments.append(InboundAttachment(name, "message/rfc822", data))

    def _add_text(self, part: Message, ctype: str) -> None:
        text, used = decode_bytes(_payload(part), _param(part, "charset"))
        text = text.replace("\x00", "")  # no database stores NUL in text
        self.charsets.append(used)
        if ctype == "text/html":
            self.htmls.append(text)
            return
        text = text.replace("\r\n", "\n")
        if (_param(part, "format") or "").lower() == "flowed":
            text = unflow(text, (_param(part, "delsp") or "").lower() == "yes")
        self.texts.append(text)


def _alternatives(children: list[Message]) -> list[Message]:
    """One plain and one html alternative (the last of each, the richest), nested structures, and
    a calendar invitation; not every representation (text/enriched, Gmail's AMP html)."""
    leaves = [c for c in children if not c.is_multipart()]
    plain = [c for c in leaves if c.get_content_type() == "text/plain"][-1:]
    html = [c for c in leaves if c.get_content_type() == "text/html"][-1:]
    rest = [c for c in children if c.is_multipart() or (
        not c.get_content_type().startswith("text/") or c.get_content_type() == "text/calendar")]
    return plain + html + rest


_DELIMITER = re.compile(r"^--([^\s\"]{1,200}?)(--)?[ \t]*\r?$", re.M)
_PART_HEADER = re.compile(r"\r?\n[A-Za-z][A-Za-z0-9-]*[ \t]*:")


def _recover_multipart(part: Message, ctype: str | None = None, leading_only: bool = False) -> Message | None:
    """A multipart whose boundary parameter is missing or wrong: find the delimiter the body really
    uses (a "--token" line followed by part headers) and read the parts with it."""
    if not isinstance(part.get_payload(), str) or str(part.get("Content-Transfer-Encoding") or "").lower().strip() in (
            "base64", "quoted-printable"):
        return None
    body = (data := _payload(part)).decode("ascii", "surrogateescape")
    for match in _DELIMITER.finditer(body, 0, 200_000):
        if leading_only and body[:match.start()].strip():
            return None
        if match.group(2) or not _PART_HEADER.match(body, match.end()):
            continue
        head = f'Content-Type: {ctype or part.get_content_type()}; boundary="{match.group(1)}"\r\n\r\n'
        try:
            recovered = email.message_from_bytes(head.encode("ascii", "replace") + data, policy=POLICY)
        except Exception:
            return None
        children = recovered.get_payload()
        return recovered if isinstance(children, list) and children else None
    return None


def _default_name(ctype: str) -> str:
    ext = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "application/pdf": "pdf",
           "text/calendar": "ics", "text/plain": "txt", "text/html": "html",
           "text/rfc822-headers": "txt", "text/csv": "csv"}.get(ctype, "bin")
    return f"attachment.{ext}"


_STATUS_LINE = re.compile(r"^[^\n]{0,200}?\b([245]\.\d{1,3}\.\d{1,3})\b[^\n]{0,300}", re.M)
_BODY_MSGID = re.compile(r"^[ \t>]*Message-ID:[ \t]*(<[^<>\s]+>)", re.I | re.M)


def _bounce(msg: Message, parts: dict[str, Message], body: str) -> Bounce:
    per_recipient = []  # (recipient, action, status, diagnostic)
    dsn = parts.get("delivery-status")
    if dsn is not None:
        blocks = dsn.get_payload()
        if not isinstance(blocks, list) or not blocks:
            text = decode_bytes(_payload(dsn))[0]
            blocks = [email.message_from_string(b, policy=POLICY) for b in re.split(r"\r?\n[ \t]*\r?\n", text)]
        for block in blocks[:50]:
            if not isinstance(block, Message):
                continue
            rcpt = block.get("Final-Recipient") or block.get("Original-Recipient")
            if rcpt or block.get("Status"):
                per_recipient.append((decode_header_value(str(rcpt or "").split(";", 1)[-1]).strip("<>"),
                                      decode_header_value(block.get("Action")).lower() or None,
                                      decode_header_value(block.get("Status")) or None,
                                      decode_header_value(block.get("Diagnostic-Code")) or None))
    original_ids: list[str] = []
    original = parts.get("original")
    if original is not None:
        inner = original.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            original_ids = message_ids(inner[0].get("Message-ID"))
        else:
            headers = email.message_from_bytes(_payload(original), policy=POLICY)
            original_ids = message_ids(headers.get("Message-ID"))
    if not original_ids:  # a bounce that quotes the original in its text (Gmail, Exchange)
        original_ids = message_ids(" ".join(_BODY_MSGID.findall(body[:200_000])))
    if not original_ids:
        original_ids = message_ids(msg.get("X-Original-Message-ID")) or message_ids(msg.get("In-Reply-To"))
    reported = [r for r in per_recipient if r[1] == "failed"] or per_recipient  # a failure outranks a delay
    recipients = [r[0] for r in reported if r[0]]
    if not recipients and msg.get("X-Failed-Recipients"):
        recipients = [a for _, a in _pairs(msg.get_all("X-Failed-Recipients"))]
    action, status, diagnostic = reported[0][1:] if reported else (None, None, None)
    found = None if status else _STATUS_LINE.search(body[:20_000])
    if found:  # no machine-readable report: the status code in the explanation
        status, diagnostic = found.group(1), diagnostic or found.group(0).strip()
        action = action or ("failed" if status.startswith("5") else "delayed" if status.startswith("4") else None)
    return Bounce(original_ids[:20], recipients[:20], status, (diagnostic or "")[:500] or None, action)
