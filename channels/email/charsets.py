"""Turning the bytes people really send into text: charsets, RFC 2047 headers, RFC 2231
parameters, RFC 3676 flowed text, and the header repairs the stdlib parser needs.

Declared charsets are mapped to the superset that mail clients actually use (EUC-KR and
ks_c_5601-1987 are written as CP949 by Outlook; GB2312 as GB18030; ISO-8859-1 and US-ASCII as
Windows-1252, as browsers do; Shift_JIS as CP932; ISO-2022-JP with the CP50220 extensions).
Wrong or missing declarations are caught in this order: bytes that are valid UTF-8 are UTF-8
whatever the label says (legacy text is practically never valid UTF-8 by accident); then the
declared charset, strictly; then UTF-8 and CP949 (Korean mail without a declaration); then the
declared charset or UTF-8 if only a few bytes are broken; and charset-normalizer last.
"""
from __future__ import annotations

import base64
import binascii
import codecs
import re
import urllib.parse
from email.message import _parseparam
from email.utils import unquote

from charset_normalizer import from_bytes

SUPERSETS = {
    "euc_kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "ksc5601": "cp949",
    "ksc_5601": "cp949",
    "x-windows-949": "cp949",
    "windows-949": "cp949",
    "cp949": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "latin_1": "cp1252",
    "iso8859-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "ansi_x3.4-1968": "cp1252",
    "shift_jis": "cp932",
    "x-sjis": "cp932",
    "windows-31j": "cp932",
    "iso-8859-8-i": "iso8859-8",
    "iso-8859-6-i": "iso8859-6",
    "x-unknown": "",
    "unknown-8bit": "",
    "unknown": "",
    "default": "",
    "x-user-defined": "",
}
# Codecs to try in turn for a label whose real-world use is wider than the Python codec.
_CHAINS = {"iso2022_jp": ("iso2022_jp", "iso2022_jp_ext", "cp50221", "iso2022_jp_2004", "iso2022_jp_2")}
_WIDE = ("utf-16", "utf-32", "utf_16", "utf_32")
_NOT_MAIL = {"unicode-escape", "unicode_escape", "raw-unicode-escape", "raw_unicode_escape", "idna", "punycode",
             "undefined"}
_NOT_HANGUL = re.compile(r"[^\x00-\x7f\uac00-\ud7a3\u3000-\u303f\u3131-\u318e\u00b7\uff01-\uff5e\u2018-\u201d\u2026]")


def codec_for(declared: str | None) -> str | None:
    """The Python codec to use for a declared charset, or None when it is unknown."""
    if not declared or not isinstance(declared, str):
        return None
    name = declared.strip().strip("\"'").lower()
    if "*" in name:  # RFC 2231 language suffix: utf-8*ko
        name = name.split("*", 1)[0]
    if name in SUPERSETS:
        return SUPERSETS[name] or None
    try:
        canonical = codecs.lookup(name).name
    except (LookupError, ValueError):
        return None
    if canonical in _NOT_MAIL:  # Python codecs no mail client writes: never let a sender pick them
        return None
    return SUPERSETS.get(canonical, canonical)


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode ``data``; returns (text, codec actually used). Never raises."""
    if not data:
        return "", codec_for(declared) or "utf-8"
    codec = codec_for(declared)
    seven_bit = data.isascii()
    if not seven_bit and codec != "utf-8" and not (codec or "").startswith(_WIDE):
        try:  # the label is wrong (or missing) far more often than valid UTF-8 is a coincidence
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
    if codec:
        for candidate in _CHAINS.get(codec, (codec,)):
            try:
                return _decode(data, candidate), candidate
            except (UnicodeError, LookupError):
                continue
    if seven_bit:
        if b"\x1b$" in data:  # undeclared ISO-2022-KR / ISO-2022-JP
            for candidate in ("iso2022_kr", "iso2022_jp", "cp50221"):
                try:
                    return _decode(data, candidate), candidate
                except (UnicodeError, LookupError):
                    continue
        return data.decode("ascii"), "ascii"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:  # Korean mail without a (correct) declaration is overwhelmingly CP949
        text = data.decode("cp949")
        if _mostly_hangul_or_ascii(text):
            return text, "cp949"
    except UnicodeDecodeError:
        pass
    for candidate in (codec, "utf-8", "cp949"):  # a few broken bytes in otherwise good text
        if candidate and _nearly(data, candidate):
            return data.decode(candidate, errors="replace"), candidate
    try:
        best = from_bytes(data).best()
    except Exception:  # the detector is a heuristic; it must not take the message down with it
        best = None
    if best is not None:
        return str(best), best.encoding
    return data.decode("cp1252", errors="replace"), "cp1252"


def _decode(data: bytes, codec: str) -> str:
    if codec == "cp50221":
        return _iso2022jp_cp932(data)
    return data.decode(codec)


def _nearly(data: bytes, codec: str) -> bool:
    """True when ``codec`` reads all but a handful of the non-ASCII bytes."""
    try:
        text = data.decode(codec, errors="replace")
    except LookupError:
        return False
    broken = text.count("\ufffd")
    wide = len(text) - len(text.encode("ascii", "ignore")) - broken
    return broken <= max(2, wide // 50) and wide >= broken


def _mostly_hangul_or_ascii(text: str) -> bool:
    if not text:
        return True
    return len(_NOT_HANGUL.findall(text, 0, 200_000)) / min(len(text), 200_000) < 0.1


def _iso2022jp_cp932(data: bytes) -> str:
    """ISO-2022-JP as Microsoft writes it (CP50220/50221: NEC and IBM extensions, half-width
    katakana), which Python has no codec for: re-encode each JIS pair as CP932 and decode that."""
    out, mode, i = bytearray(), "ascii", 0
    while i < len(data):
        if data[i] == 0x1B:
            seq = data[i + 1:i + 3]
            mode = {b"$B": "jis", b"$@": "jis", b"(I": "kana"}.get(seq, "ascii" if seq[:1] == b"(" else mode)
            i += 3 if seq[:1] in (b"$", b"(") else 1
            continue
        byte = data[i]
        if byte == 0x0E:  # SO / SI also switch half-width katakana on and off
            mode, i = "kana", i + 1
            continue
        if byte == 0x0F:
            mode, i = "ascii", i + 1
            continue
        if mode == "jis" and 0x21 <= byte <= 0x7E and i + 1 < len(data):
            c1, c2 = byte, data[i + 1]
            s1 = ((c1 + 1) >> 1) + (0x70 if c1 <= 0x5E else 0xB0)
            s2 = c2 + (0x1F + (c2 >= 0x60) if c1 & 1 else 0x7E)
            out += bytes((s1 & 0xFF, s2 & 0xFF))
            i += 2
            continue
        out.append(byte + 0x80 if mode == "kana" and 0x21 <= byte <= 0x5F else byte)
        i += 1
    return out.decode("cp932")


_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,60})\?([bBqQ])\?([^?]*)\?=")
_FOLD = re.compile(r"\r?\n(?=[ \t])|\r?\n|\r")


def decode_header_value(raw: str | None) -> str:
    """An RFC 2047 header (encoded words possibly split mid-character, or raw 8-bit) as text."""
    if raw is None:
        return ""
    raw = str(raw)
    if any("\udc80" <= ch <= "\udcff" for ch in raw):
        # Raw 8-bit bytes in a header (not allowed without SMTPUTF8, common anyway): recover them.
        raw = decode_bytes(raw.encode("ascii", "surrogateescape"))[0]
    raw = _FOLD.sub("", raw)
    if "=?" in raw:
        raw = _decode_words(raw)
    return " ".join(raw.replace("\x00", "").split())


def _decode_words(value: str) -> str:
    """RFC 2047 by hand: adjacent words in one charset are joined as bytes before decoding, so a
    character split across two words (or two folded lines) comes out whole."""
    out: list[str] = []
    pending: list[bytes] = []
    pending_charset: str | None = None
    position = 0

    def flush() -> None:
        nonlocal pending, pending_charset
        if pending:
            out.append(decode_bytes(b"".join(pending), pending_charset)[0])
        pending, pending_charset = [], None

    for match in _ENCODED_WORD.finditer(value):
        between = value[position:match.start()]
        if between and not (pending and between.isspace()):
            flush()
            out.append(between)
        charset = match.group(1).split("*", 1)[0].lower()
        if pending and charset != pending_charset:
            flush()
        pending.append(_word_bytes(match.group(2), match.group(3)))
        pending_charset = charset
        position = match.end()
    flush()
    out.append(value[position:])
    return "".join(out)


def _word_bytes(encoding: str, text: str) -> bytes:
    data = text.encode("ascii", "replace")
    if encoding in "bB":
        data = re.sub(rb"[^A-Za-z0-9+/]", b"", data)
        if len(data) % 4 == 1:
            data = data[:-1]
        try:
            return base64.b64decode(data + b"=" * (-len(data) % 4))
        except (binascii.Error, ValueError):
            return b""
    data = data.replace(b"_", b" ")
    return re.sub(rb"=([0-9A-Fa-f]{2})", lambda m: bytes((int(m.group(1), 16),)), data)


def plain_params(value: str) -> list:
    """Parameters read one by one: ``name*=charset''value`` decoded, unorderable ``name*N``
    continuations dropped (the complete ``name`` or ``name*`` next to them is what a reader sees)."""
    params = []
    for item in _parseparam(value):
        name, _, val = (x.strip() for x in item.partition("="))
        if re.search(r"\*\d+\*?$", name):
            continue
        if name.endswith("*"):
            charset, _, rest = unquote(val).partition("'")
            val = (charset or None, None, urllib.parse.unquote(rest.partition("'")[2], encoding="latin-1"))
            name = name[:-1]
        params.append((name, val))
    return params


def unflow(text: str, delsp: bool) -> str:
    """RFC 3676: join soft-broken lines (trailing space) of the same quote depth, undo space-stuffing."""
    out: list[str] = []
    buffer, depth_of_buffer = None, 0
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        if content.startswith(" "):
            content = content[1:]
        if buffer is not None and depth != depth_of_buffer:
            out.append(_requote(depth_of_buffer, buffer))
            buffer = None
        flowed = content.endswith(" ") and content != "-- "
        if flowed and delsp:
            content = content[:-1]
        buffer = content if buffer is None else buffer + content
        depth_of_buffer = depth
        if not flowed:
            out.append(_requote(depth, buffer))
            buffer = None
    if buffer is not None:
        out.append(_requote(depth_of_buffer, buffer))
    return "\n".join(out)


def _requote(depth: int, text: str) -> str:
    return (">" * depth + " " + text) if depth else text


_HEADER_LINE = re.compile(rb"[\x21-\x39\x3b-\x7e]+:")
_SPACED_HEADER = re.compile(rb"([\x21-\x39\x3b-\x7e]+)[ \t]+:")


def repair_headers(raw: bytes) -> tuple[bytes, int]:
    """Headers a person would still read: "Subject : x" loses its space, and a line without a colon
    between two headers is dropped (the stdlib would start the body there, losing every header
    after it)."""
    match = re.search(rb"\r?\n\r?\n", raw)
    end = match.start() if match else len(raw)
    lines = raw[:end].split(b"\n")
    if not lines or not (_HEADER_LINE.match(lines[0]) or _SPACED_HEADER.match(lines[0])):
        return raw, 0
    fixed = [_SPACED_HEADER.sub(rb"\1:", line, count=1) if _SPACED_HEADER.match(line) else line
             for line in lines]
    valid = [bool(_HEADER_LINE.match(line)) or line[:1] in (b" ", b"\t") for line in fixed]
    kept, dropped = [], 0
    for i, line in enumerate(fixed):
        if not valid[i] and not (i == 0 and line.startswith(b"From ")) and sum(valid[i + 1:i + 3]) == 2:
            dropped += 1
            continue
        kept.append(line)
    if not dropped and fixed == lines:
        return raw, 0
    return b"\n".join(kept) + raw[end:], dropped
