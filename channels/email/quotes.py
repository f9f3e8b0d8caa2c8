"""Separate what a sender wrote from the history their client quoted and their signature."""
from __future__ import annotations

import re

# A line that starts quoted history, in the forms Gmail, Outlook, Apple Mail, Naver and Daum write.
_ATTRIBUTION = [
    re.compile(r"^\s*On .{5,200}\bwrote:\s*$", re.I),
    re.compile(r"^\s*On .{5,200}$\n^.{0,200}\bwrote:\s*$", re.I | re.M),
    re.compile(r"^.{4,200}님이 작성:\s*$"),
    re.compile(r"^.{4,200}(작성|씀|wrote)\s*:\s*$"),
    re.compile(r"^\s*-{2,}\s*(Original Message|원본 메시지|Forwarded message|전달된 메시지)\s*-{2,}\s*$", re.I),
    re.compile(r"^\s*_{10,}\s*$"),
    re.compile(r"^\s*(From|보낸 사람|보낸사람)\s*:.*$\n^\s*(Sent|Date|보낸 날짜|날짜)\s*:", re.I | re.M),
    re.compile(r"^\s*-----\s*Original Message\s*-----", re.I),
]
_SIGNATURE = re.compile(r"^-- ?$", re.M)
_MOBILE_SIGNATURE = re.compile(r"^\s*(Sent from my \w+|iPhone에서 보냄|Galaxy에서 보냄|삼성 갤럭시.*에서 보냄)\s*$",
                               re.I | re.M)
MAX_SCAN = 200_000


def split_text(text: str) -> tuple[str, str]:
    """(new text, quoted history + signature). Never returns an empty new text for a non-empty mail."""
    if not text:
        return "", ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    scan = text[:MAX_SCAN]
    cut = len(text)
    for pattern in _ATTRIBUTION:
        match = pattern.search(scan) if pattern.flags & re.M else _search_lines(pattern, scan)
        if match is not None and match.start() < cut:
            cut = match.start()
    quoted_block = re.search(r"(^>.*\n?)+\Z", scan, re.M)
    if quoted_block and quoted_block.start() < cut:
        cut = quoted_block.start()
    head, tail = text[:cut], text[cut:]
    sig = _SIGNATURE.search(head) or _MOBILE_SIGNATURE.search(head)
    if sig:
        head, tail = head[: sig.start()], head[sig.start():] + tail
    head = head.strip()
    if not head:  # a mail that is only a quote (a forward): show it all
        return text.strip(), ""
    return head, tail.strip()


def _search_lines(pattern: re.Pattern, text: str):
    offset = 0
    for line in text.split("\n"):
        match = pattern.match(line)
        if match:
            return _Offset(offset)
        offset += len(line) + 1
    return None


class _Offset:
    def __init__(self, start: int) -> None:
        self._start = start

    def start(self) -> int:
        return self._start


# Containers mail clients put quoted history in.
_HTML_QUOTE_STARTS = [
    re.compile(r'<div[^>]+class="?[^">]*gmail_quote', re.I),
    re.compile(r'<blockquote[^>]+type="?cite', re.I),
    re.compile(r'<div[^>]+id="?(divRplyFwdMsg|appendonsend)', re.I),
    re.compile(r'<hr[^>]+id="?stopSpelling', re.I),
    re.compile(r'<div[^>]+class="?[^">]*(yahoo_quoted|moz-cite-prefix)', re.I),
    re.compile(r"-{3,}\s*(Original Message|원본 메시지)\s*-{3,}", re.I),
]


def split_html(html: str) -> str:
    """The html up to the first quoted-history container (the sanitizer closes open tags)."""
    cut = len(html)
    for pattern in _HTML_QUOTE_STARTS:
        match = pattern.search(html[:MAX_SCAN])
        if match and match.start() < cut:
            cut = match.start()
    head = html[:cut]
    if cut < len(html) and re.sub(r"<[^>]+>|&nbsp;|\s", "", head):
        return head
    return html
