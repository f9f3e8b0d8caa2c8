"""Separate what a sender wrote from the history their client quoted and their signature.

Every pattern is anchored to a line start and uses bounded repetition, so a hostile message (a
megabyte on one line, a hundred thousand blank lines or ">" lines, an unclosed tag) is scanned in
linear time."""
from __future__ import annotations

import re

_ATTRIBUTION = [
    # Gmail / Apple Mail / Thunderbird: "On Mon, Mar 3, 2025 at 10:00 AM Kim <kim@example.com> wrote:",
    # which Gmail wraps over two lines when it is long.
    re.compile(r"^[ \t>]*On\b[^\n]{3,300}(?:\n[^\n]{0,200})?\bwrote:[ \t]*$", re.I | re.M),
    # Korean Gmail / Naver / Daum: "2025년 3월 3일 (월) 오전 10:00, 김민수 <kim@example.com>님이 작성:"
    re.compile(r"^[^\n]{4,300}님이 작성[ \t]*:[ \t]*$", re.M),
    # iOS Korean: "2025. 3. 3. 오전 10:00, 고객센터 <support@desk.example> 작성:"; German, French...
    re.compile(r"^[^\n]{4,300}(?:작성|씀|wrote|schrieb|a écrit)[ \t]*:[ \t]*$", re.I | re.M),
    re.compile(r"^[ \t]*-{2,}[ \t]*(?:Original Message|Forwarded message|Original-Nachricht|Ursprüngliche Nachricht"
               r"|원본 메시지|원본 메일|전달된 메시지|전달된 메일|전달 메시지)[ \t]*-{2,}[ \t]*$", re.I | re.M),
    # Outlook: a rule of underscores, then the header block
    re.compile(r"^[ \t]*_{10,}[ \t]*\n[ \t]*\*?(?:From|보낸 ?사람|발신)\*?[ \t]*:", re.I | re.M),
    # Outlook / Naver / Daum header block: From + Sent/Date/To on the next line, English or Korean
    re.compile(r"^[ \t]*\*?(?:From|보낸 ?사람|발신자?)\*?[ \t]*:[^\n]{0,300}\n[ \t]*\*?"
               r"(?:Sent|Date|To|보낸 ?날짜|날짜|받는 ?사람|수신자?)\*?[ \t]*:", re.I | re.M),
]
_NEEDS_DATE_OR_ADDRESS = {0, 2}  # generic attribution lines: only with a digit or an address in them
_ENDS_WITH_COLON = {0, 1, 2}  # attribution lines ending in "wrote:", "작성:" ...
_COLON_LINE_END = re.compile(r":[ \t]*$", re.M)
_SIGNATURE = re.compile(r"^-- ?$", re.M)
_MOBILE_SIGNATURE = re.compile(
    r"^[ \t]*(?:Sent from my [^\n]{1,40}|Sent from (?:Mail|Outlook) for [^\n]{1,40}|Get Outlook for [^\n]{1,30}"
    r"|[^\n]{0,30}(?:iPhone|iPad|Galaxy|Android|갤럭시|모바일)[^\n]{0,20}에서 보냄|Outlook for [^\n]{1,20} 받기)[ \t]*$",
    re.I | re.M)
_MOBILE_HINT = re.compile(r"sent from|get outlook|outlook for|에서 보냄", re.I)  # in every form above
MAX_SCAN = 200_000


def split_text(text: str) -> tuple[str, str]:
    """(new text, quoted history + signature). Never returns an empty new text for a non-empty mail."""
    if not text:
        return "", ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    scan = text[:MAX_SCAN]
    cut = len(text)
    colon_ends = [m.end() for m in _COLON_LINE_END.finditer(scan)]
    for index, pattern in enumerate(_ATTRIBUTION):
        matches = _ending_at(pattern, scan, colon_ends, cut) if index in _ENDS_WITH_COLON else \
            pattern.finditer(scan, 0, cut)
        for match in matches:
            if index in _NEEDS_DATE_OR_ADDRESS and not re.search(r"\d|@", match.group(0)):
                continue
            cut = min(cut, match.start())
            break
    sig = _SIGNATURE.search(scan, 0, cut)
    cut = sig.start() if sig else cut
    sig = _mobile_signature(scan, cut)
    cut = sig.start() if sig else cut
    if cut <= MAX_SCAN:  # a ">" quote at the bottom (before the signature, if any)
        cut = _trailing_quote(text[:cut])
    head, tail = text[:cut].strip(), text[cut:]
    if not head:  # a mail that is only a quote (a forward): show it all
        return text.strip(), ""
    return head, tail.strip()


def _ending_at(pattern: re.Pattern, scan: str, ends: list[int], cut: int):
    """The matches of an attribution pattern that ends its line with ":", tried only where a line
    does (few lines do): the same matches as ``finditer``, without sweeping 300 characters of
    backtracking across every line of a long mail."""
    last = -1
    for end in ends:
        if end > cut:
            return
        line_start = scan.rfind("\n", 0, end) + 1
        window_start = scan.rfind("\n", 0, line_start - 1) + 1 if line_start else 0  # two-line forms
        match = pattern.search(scan, window_start, end)
        if match and match.start() > last:
            last = match.start()
            yield match


def _mobile_signature(scan: str, cut: int) -> re.Match | None:
    """The first "Sent from my iPhone" line before ``cut``, looked for only on lines holding one of
    its words (the pattern's leading ``[^\n]{0,30}`` is slow to try at every line)."""
    for hint in _MOBILE_HINT.finditer(scan, 0, cut):
        line_start = scan.rfind("\n", 0, hint.start()) + 1
        line_end = scan.find("\n", hint.end())
        match = _MOBILE_SIGNATURE.search(scan, line_start, min(cut, len(scan) if line_end < 0 else line_end))
        if match:
            return match
    return None


def _trailing_quote(text: str) -> int:
    """Where a block of ">" lines (and blank lines) running to the end of the text starts."""
    cut = end = len(text)
    while True:
        start = text.rfind("\n", 0, end) + 1
        line = text[start:end].strip()
        if line and not line.startswith(">"):
            return cut
        if line:
            cut = start
        if start == 0:
            return cut
        end = start - 1


# Containers mail clients put quoted history in.
_HTML_QUOTE_STARTS = [
    re.compile(r'<div[^>]{0,500}?class="?[^">]{0,200}gmail_quote', re.I),
    re.compile(r'<blockquote[^>]{0,500}?type="?cite', re.I),
    re.compile(r'<div[^>]{0,500}?id="?(?:divRplyFwdMsg|appendonsend|mail-editor-reference-message-container)', re.I),
    re.compile(r'<hr[^>]{0,500}?id="?stopSpelling', re.I),
    re.compile(r'<div[^>]{0,500}?class="?[^">]{0,200}(?:yahoo_quoted|moz-cite-prefix)', re.I),
    # Outlook desktop: the reply header sits in a div with a thin top border
    re.compile(r'<div[^>]{0,500}?style="[^">]{0,300}border-top:\s?solid #(?:E1E1E1|B5C4DF)', re.I),
    re.compile(r"-{3,}\s?(?:Original Message|Forwarded message|원본 메시지|원본 메일|전달된 메시지)\s?-{3,}", re.I),
]
_HTML_ATTRIBUTION = re.compile(r"(?:On\b|\d)[^<]{0,300}(?:wrote|작성|씀)\s?:", re.I)
_BLOCK_START = re.compile(r"<(?:div|p|br|span)\b[^>]{0,300}>", re.I)


def split_html(html: str) -> str:
    """The html up to the first quoted-history container (the sanitizer closes open tags), without
    the "On ..., X wrote:" line that introduces it."""
    cut = len(html)
    scan = html[:MAX_SCAN]
    for pattern in _HTML_QUOTE_STARTS:
        match = pattern.search(scan)
        if match and match.start() < cut:
            cut = match.start()
    if cut == len(html):
        return html
    window_start = max(0, cut - 800)
    window = html[window_start:cut]
    attribution = None
    for attribution in _HTML_ATTRIBUTION.finditer(window):
        pass
    if attribution is not None and not _visible(window[attribution.end():]):
        blocks = [m.start() for m in _BLOCK_START.finditer(window, 0, attribution.start())]
        if blocks:
            cut = window_start + blocks[-1]
    head = html[:cut]
    return head if _visible(head[-MAX_SCAN:]) else html


def _visible(html: str) -> str:
    return re.sub(r"<[^>]{0,2000}>|&nbsp;|\s", "", html)
