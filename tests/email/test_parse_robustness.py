"""Small messages for each way the parser used to go wrong, and the decoding helpers on their own."""
from __future__ import annotations

import base64
import time

import pytest

from channels.email.charsets import decode_bytes, decode_header_value, unflow
from channels.email.parse import parse
from channels.email.quotes import split_html, split_text

HEAD = b"From: Kim <kim@example.com>\r\nTo: support@desk.example\r\nSubject: t\r\nMessage-ID: <t@example.com>\r\n"


def mime(content_type: str, body: bytes, extra: bytes = b"") -> bytes:
    return HEAD + extra + b"MIME-Version: 1.0\r\nContent-Type: " + content_type.encode() + b"\r\n\r\n" + body


# --- headers ---------------------------------------------------------------------------------------


def test_raw_8bit_content_disposition_filename_is_decoded_not_a_crash():
    body = ("--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhi\r\n--b\r\nContent-Type: application/pdf\r\n"
            'Content-Disposition: attachment; filename="견적서.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
            "JVBERi0=\r\n--b--\r\n").encode("cp949")
    parsed = parse(mime("multipart/mixed; boundary=b", body))
    assert [(a.filename, a.data) for a in parsed.attachments] == [("견적서.pdf", b"%PDF-")]


def test_raw_8bit_message_id_and_references_do_not_crash():
    raw = "From: a@example.com\r\nMessage-ID: <한글@example.com>\r\nReferences: <a@x> <한@y>\r\n\r\nhi".encode()
    parsed = parse(raw)
    assert parsed.message_id == "한글@example.com" and parsed.references == ["a@x", "한@y"]


@pytest.mark.parametrize("name_word, name", [
    ("=?UTF-8?B?6rmA66+87IiYLCDqs6DqsJ0=?=", "김민수, 고객"),  # a comma inside the encoded name
    ("=?UTF-8?Q?victim=40bank=2Eexample_=3Cvictim=40bank=2Eexample=3E?=", "victim@bank.example <victim@bank.example>"),
])
def test_encoded_display_names_never_become_addresses(name_word, name):
    parsed = parse(f"From: {name_word} <attacker@evil.example>\r\n\r\nhi".encode())
    assert (parsed.from_name, parsed.from_address) == (name, "attacker@evil.example")


def test_header_line_without_colon_does_not_swallow_the_headers_after_it():
    parsed = parse(b"From: a@example.com\r\nSubject: kept\r\nGarbage line\r\nTo: b@example.com\r\n"
                   b"Message-ID: <m@example.com>\r\nContent-Type: text/plain\r\n\r\nbody")
    assert (parsed.to, parsed.message_id, parsed.text) == (["b@example.com"], "m@example.com", "body")


def test_mixed_rfc2231_parameters_do_not_raise_type_error():
    body = b"--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b--\r\n"
    parsed = parse(mime("multipart/mixed; boundary=b; x*=a; x*0=b", body))
    assert parsed.text == "hello"


@pytest.mark.parametrize("raw, text", [
    ("=?UTF-8?B?7ZWc6rWt?=", "한국"),
    ("=?UTF-8?B?7ZU=?=\r\n =?UTF-8?B?nOq1rQ==?=", "한국"),  # base64 split inside the first character
    ("=?UTF-8?Q?=ED=95?= =?utf-8?q?=9C=EA=B5=AD?=", "한국"),  # Q split mid-character, charset case differs
    ("Re:=?UTF-8?Q?=ED=95=9C?=", "Re:한"),  # glued to the text before it
    ("=?ks_c_5601-1987?B?" + base64.b64encode("똠방각하".encode("cp949")).decode() + "?=", "똠방각하"),
    ("=?UTF-8?B?7ZWc6rWt?=  text", "한국 text"),
    ("=?x-unknown?Q?caf=C3=A9?=", "café"),
    ("=?UTF-8?B?7ZWc6rW?=", "한\ufffd"),  # base64 cut short: what can be read, no exception
    ("=?utf-8*ko?B?7ZWc?=", "한"),  # RFC 2231 language suffix in an encoded word
    ("plain  folded\r\n\ttext", "plain folded text"),
])
def test_decode_header_value(raw, text):
    assert decode_header_value(raw) == text


def test_raw_8bit_header_next_to_an_encoded_word():
    raw = "주문 ".encode("cp949").decode("ascii", "surrogateescape") + "=?UTF-8?B?66y47J2Y?="
    assert decode_header_value(raw) == "주문 문의"


# --- charsets ------------------------------------------------------------------------------------


@pytest.mark.parametrize("data, declared, text, codec", [
    ("똠방각하 쀍".encode("cp949"), "euc-kr", "똠방각하 쀍", "cp949"),
    ("한글 본문".encode("cp949"), "utf-8", "한글 본문", "cp949"),
    ("한글 본문 é".encode(), "iso-8859-1", "한글 본문 é", "utf-8"),  # a wrong Latin-1 label on UTF-8
    ("“quoted” – €".encode("cp1252"), "us-ascii", "“quoted” – €", "cp1252"),
    ("안녕하세요 고객님".encode("iso2022_kr"), None, "안녕하세요 고객님", "iso2022_kr"),
    (b"\x1b$B\x2d\x21\x1b(B", "ISO-2022-JP", "①", "cp50221"),
    ("镕".encode("gbk"), "gb2312", "镕", "gb18030"),
    (b"", "utf-8", "", "utf-8"),
    (b"caf\\xe9 \\u0041", "unicode_escape", "caf\\xe9 \\u0041", "ascii"),  # a sender cannot pick a Python codec
])
def test_decode_bytes(data, declared, text, codec):
    assert decode_bytes(data, declared) == (text, codec)


def test_a_few_broken_bytes_keep_the_rest_of_a_utf8_body_readable():
    data = ("배송 문의드립니다. " * 200).encode()
    broken = data[:100] + b"\xff" + data[101:]
    text, codec = decode_bytes(broken, "utf-8")
    assert codec == "utf-8" and text.count("\ufffd") <= 3 and text.endswith("배송 문의드립니다. ")


# --- structure -----------------------------------------------------------------------------------


def test_text_plain_part_with_a_filename_is_an_attachment_even_when_inline():
    body = (b"--b\r\nContent-Type: text/plain\r\n\r\nbody\r\n--b\r\nContent-Type: text/plain; name=a.txt\r\n"
            b"Content-Disposition: inline; filename=a.txt\r\n\r\nfile\r\n--b--\r\n")
    parsed = parse(mime("multipart/mixed; boundary=b", body))
    assert parsed.text == "body" and [(a.filename, a.data) for a in parsed.attachments] == [("a.txt", b"file")]


def test_a_single_part_body_with_a_name_parameter_is_still_the_body():
    parsed = parse(mime('text/plain; charset=utf-8; name="body.txt"', "본문입니다".encode()))
    assert parsed.text == "본문입니다" and parsed.attachments == []


def test_text_x_amp_html_and_enriched_alternatives_are_neither_body_nor_attachment():
    body = (b"--b\r\nContent-Type: text/plain\r\n\r\nplain\r\n--b\r\nContent-Type: text/enriched\r\n\r\n<bold>x</bold>"
            b"\r\n--b\r\nContent-Type: text/x-amp-html\r\n\r\n<html amp4email>amp</html>\r\n--b\r\n"
            b"Content-Type: text/html\r\n\r\n<p>html</p>\r\n--b--\r\n")
    parsed = parse(mime("multipart/alternative; boundary=b", body))
    assert (parsed.text, parsed.html, parsed.attachments) == ("plain", "<p>html</p>", [])


def test_declared_multipart_without_any_delimiter_is_read_as_text():
    parsed = parse(mime("multipart/mixed", b"just text, no parts\r\n"))
    assert parsed.text == "just text, no parts" and parsed.attachments == []


def test_message_delivery_status_with_x_failed_recipients_only_in_headers():
    parsed = parse(HEAD + b"X-Failed-Recipients: a@example.org, b@example.org\r\n\r\n"
                   b"Message rejected: 550 5.7.1 policy\r\n")
    assert parsed.bounce.recipients == ["a@example.org", "b@example.org"]
    assert (parsed.bounce.status, parsed.bounce.action) == ("5.7.1", "failed")


# --- quotes --------------------------------------------------------------------------------------


def test_unflow_joins_soft_breaks_per_quote_depth_and_unstuffs():
    text = "one \ntwo\n From here\n> q1 \n> q2\n>> deep \n>> er\n-- \nsig"
    assert unflow(text, delsp=False) == "one two\nFrom here\n> q1 q2\n>> deep er\n-- \nsig"
    assert unflow("한국 \n어", delsp=True) == "한국어"


def test_signature_after_a_bottom_quote_takes_the_quote_with_it():
    assert split_text("new text\n\n> old\n> older\n\n-- \nKim") == ("new text", "> old\n> older\n\n-- \nKim")


@pytest.mark.parametrize("text", [
    "As I wrote:\n- item one\n- item two",
    "On Monday the parcel never came, and I wrote:\nplease help",
    "제가 아래와 같이 작성:\n내용",
])
def test_a_customer_quoting_themselves_is_not_cut_as_history(text):
    assert split_text(text) == (text, "")


def test_html_split_drops_the_attribution_line_before_the_quote():
    html = ('<div>Thanks!</div><div>On Mar 3, 2025, at 10:12, Desk &lt;support@desk.example&gt; wrote:</div>'
            '<blockquote type="cite">old</blockquote>')
    assert split_html(html) == "<div>Thanks!</div>"


def test_html_that_is_only_a_quote_is_kept_whole():
    html = '<blockquote type="cite">forwarded</blockquote>'
    assert split_html(html) == html


# --- hostile shapes finish (a quadratic scan would take minutes, not seconds) ----------------------


@pytest.mark.parametrize("label, raw", [
    ("blank lines", mime("text/plain", b"\r\n" * 300_000 + b"end")),
    ("quote lines", mime("text/plain", b"hi\r\n" + b"> q\r\n" * 150_000)),
    ("unclosed tag", mime("text/html", b"<div " + b"a" * 500_000)),
    ("many divs", mime("text/html", b'<div class="x">' * 60_000 + b'<div class="gmail_quote">q')),
    ("encoded words", HEAD + b"X-Long: " + b"=?utf-8?B?7ZWc?= " * 30_000 + b"\r\n\r\nx"),
    ("deep nesting", HEAD + b"".join(b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i)
                                     for i in range(300)) + b"\r\nx"),
    ("dash lines", mime("multipart/mixed", b"--x\r\n" * 100_000)),
])
def test_hostile_shapes_finish(label, raw):
    started = time.perf_counter()
    parse(raw)
    assert time.perf_counter() - started < 5, label
