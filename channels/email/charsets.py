"""Turning the bytes people really send into text.

Declared charsets are mapped to the superset that mail clients actually use (EUC-KR and
ks_c_5601-1987 are written as CP949 by Outlook; GB2312 as GB18030; ISO-8859-1 as Windows-1252,
as browsers do). Wrong or missing declarations are caught by trying strictly first and asking
charset-normalizer when that fails.
"""
from __future__ import annotations

import codecs
from email.header import decode_header

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
    "x-unknown": "",
    "unknown-8bit": "",
    "default": "",
}


def codec_for(declared: str | None) -> str | None:
    """The Python codec to use for a declared charset, or None when it is unknown."""
    if not declared:
        return None
    name = declared.strip().strip('"').lower()
    if name in SUPERSETS:
        return SUPERSETS[name] or None
    try:
        canonical = codecs.lookup(name).name
    except LookupError:
        return None
    return SUPERSETS.get(canonical, canonical)


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode ``data``; returns (text, codec actually used)."""
    if not data:
        return "", codec_for(declared) or "utf-8"
    codec = codec_for(declared)
    if codec:
        try:
            return data.decode(codec), codec
        except (UnicodeDecodeError, LookupError):
            pass  # the declaration is wrong; find out what it really is
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
    best = from_bytes(data).best()
    if best is not None:
        return str(best), best.encoding
    return data.decode(codec or "cp1252", errors="replace"), codec or "cp1252"


def _mostly_hangul_or_ascii(text: str) -> bool:
    if not text:
        return True
    good = sum(1 for ch in text if ch.isascii() or "\uac00" <= ch <= "\ud7a3" or ch in "\u3000\u00b7")
    return good / len(text) > 0.9


def decode_header_value(raw: str | None) -> str:
    """An RFC 2047 header (encoded words possibly split mid-character, or raw 8-bit) as text."""
    if raw is None:
        return ""
    raw = str(raw)
    if any("\udc80" <= ch <= "\udcff" for ch in raw):
        # Raw 8-bit bytes in a header (not allowed, common anyway): recover and detect them.
        return " ".join(decode_bytes(raw.encode("ascii", "surrogateescape"))[0].split())
    try:
        parts = decode_header(raw)
    except Exception:  # a malformed encoded word: show the header as it came
        return " ".join(raw.split())
    out = []
    for value, charset in parts:
        if isinstance(value, str):
            out.append(value)
        else:
            out.append(decode_bytes(value, charset)[0])
    text = "".join(out)
    return " ".join(text.replace("\r", " ").replace("\n", " ").split())
