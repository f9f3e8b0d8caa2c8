"""Every raw message in tests/fixtures/mail, parsed into what an agent and the mail processor rely on.

Expectations are written out per message, as a person reading the mail would state them: the
decoded subject and sender, the new text the customer wrote (and that quoted history and
signatures went to ``quoted``), the attachments, the delivery report, and the headers the
processor decides on. A second test feeds truncated and bit-flipped copies of every message to the
parser: it must never raise and never take a second.
"""
from __future__ import annotations

import functools
import hashlib
import random
import re
import time

import pytest

from channels.email import addresses
from channels.email.parse import ParsedMail, parse
from tests.email.corpus_expected import CORPUS, DOMAIN, EXPECTED, OUR_42_7, SECRET, SUPPORT

FILES = sorted(p.name for p in CORPUS.glob("*.eml"))


@functools.lru_cache(maxsize=None)
def mail(name: str) -> ParsedMail:
    return parse((CORPUS / name).read_bytes())


def test_the_corpus_is_complete_and_listed():
    assert len(FILES) >= 45
    assert set(FILES) == set(EXPECTED), "every corpus file needs expectations, every expectation a file"
    manifest = (CORPUS / "MANIFEST.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `([^`]+\.eml)` \|", manifest, re.M))
    assert listed == set(FILES)
    for line in manifest.splitlines():
        if line.startswith("| `"):
            assert line.rstrip().endswith("| written for desk |"), line


@pytest.mark.parametrize("name", FILES)
def test_corpus_message(name):
    parsed = mail(name)
    want = EXPECTED[name]
    assert parsed.subject == want["subject"]
    assert (parsed.from_name, parsed.from_address) == want["sender"]
    if "text" in want:
        assert parsed.text == want["text"]
    if "quoted" in want:
        assert parsed.quoted == want["quoted"]
    for piece in want.get("quoted_has", []):
        assert piece in parsed.quoted
        assert piece not in parsed.text
    assert parsed.text.strip(), "every mail shows the agent some text"
    got = [(a.filename, a.content_type, len(a.data), a.content_id, a.inline) for a in parsed.attachments]
    if name != "56_300_parts.eml":
        assert got == want.get("attachments", [])
    assert parsed.to == want.get("to", SUPPORT)
    assert parsed.cc == want.get("cc", [])
    assert parsed.reply_to == want.get("reply_to")
    if "message_id" in want:
        assert parsed.message_id == want["message_id"]
    assert parsed.external_id == (parsed.message_id or "sha256:" + hashlib.sha256(
        (CORPUS / name).read_bytes()).hexdigest())
    assert parsed.in_reply_to == want.get("in_reply_to", [])
    if "references" in want:
        assert parsed.references == want["references"]
    if "date" in want:
        assert parsed.date.isoformat() == want["date"]
    assert parsed.date is not None and parsed.date.tzinfo is not None
    if "charsets" in want:
        assert parsed.charsets == want["charsets"]
    for key, value in want.get("headers", {}).items():
        assert parsed.headers.get(key) == value, key
    for key in want.get("headers_absent", []):
        assert key not in parsed.headers
    if "html" in want:
        assert parsed.html == want["html"]
    for piece in want.get("html_has", []):
        assert piece in (parsed.html or "")
    for piece in want.get("html_not", []):
        assert piece not in (parsed.html or "")
    assert parsed.report_type == want.get("report_type")
    bounce = want.get("bounce")
    if bounce is None:
        assert parsed.bounce is None
    else:
        assert parsed.bounce is not None and vars(parsed.bounce) == bounce
    for defect in want.get("defects_has", []):
        assert defect in parsed.defects
    assert not any(d.startswith(("MimeStructureUnreadable", "TooManyParts")) for d in parsed.defects)


# --- what the processor threads and filters on -------------------------------------------------


@pytest.mark.parametrize("name", [n for n in FILES if EXPECTED[n].get("in_reply_to") == [OUR_42_7]])
def test_replies_name_our_signed_message_id(name):
    assert addresses.parse_message_id(SECRET, DOMAIN, mail(name).in_reply_to[0]) == (42, 7)


@pytest.mark.parametrize("name", ["29_gmail_reply.eml", "33_naver_reply.eml", "38_iphone_korean_reply.eml"])
def test_replies_to_our_reply_address(name):
    assert addresses.parse_reply_address(SECRET, DOMAIN, mail(name).to[0]) == 42


@pytest.mark.parametrize("name", ["45_dsn_postfix_rfc822_headers.eml", "46_dsn_exchange_message_rfc822.eml",
                                  "47_dsn_delayed.eml", "48_gmail_style_bounce.eml"])
def test_delivery_reports_name_the_delivery_they_are_about(name):
    parsed = mail(name)
    assert addresses.parse_message_id(SECRET, DOMAIN, parsed.bounce.original_message_ids[0]) == (57, 130)
    assert addresses.parse_bounce_address(SECRET, DOMAIN, parsed.to[0]) == 130


def test_a_read_receipt_is_not_a_bounce_even_though_it_names_our_message():
    parsed = mail("49_read_receipt_mdn.eml")
    assert parsed.bounce is None and parsed.report_type == "disposition-notification"
    assert OUR_42_7 not in parsed.text


def test_delay_notice_is_reported_as_delayed_not_failed():
    assert mail("47_dsn_delayed.eml").bounce.action == "delayed"
    assert mail("46_dsn_exchange_message_rfc822.eml").bounce.action == "failed"  # one failed, one delayed


def test_authentication_results_are_kept_per_authserv_id():
    results = mail("50_dmarc_fail.eml").auth_results
    assert len(results) == 2
    assert results[0].startswith("mx.desk.example; dkim=fail") and "dmarc=fail (p=REJECT" in results[0]
    assert results[1] == "relay.attacker.example; dmarc=pass header.from=bank.example"


@pytest.mark.parametrize("name, present", [
    ("42_auto_reply.eml", {"Auto-Submitted", "X-Autoreply", "Return-Path"}),
    ("43_out_of_office_precedence_bulk.eml", {"Precedence"}),
    ("44_mailing_list.eml", {"List-Id", "Precedence"}),
    ("01_utf8_plain.eml", {"Return-Path"}),
    ("29_gmail_reply.eml", set()),
])
def test_loop_detection_headers(name, present):
    loop_headers = {"Auto-Submitted", "Precedence", "X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress",
                    "List-Id", "Return-Path", "X-Failed-Recipients", "X-Loop"}
    assert set(mail(name).headers) & loop_headers == present


def test_mail_without_message_id_or_from_gets_a_stable_content_id():
    raw = (CORPUS / "51_no_message_id.eml").read_bytes()
    assert mail("51_no_message_id.eml").external_id == "sha256:" + hashlib.sha256(raw).hexdigest()
    assert parse(raw).external_id == mail("51_no_message_id.eml").external_id
    no_from = mail("52_no_from.eml")
    assert no_from.from_address is None and no_from.reply_to is None  # the SMTP envelope has to name the sender


# --- bodies and files, byte for byte -----------------------------------------------------------


def test_attachment_bytes_are_decoded_not_transfer_encoded():
    pdf = mail("18_rfc2231_filenames.eml").attachments[0].data
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    assert mail("26_outlook_related_cid.eml").attachments[0].data.startswith(b"\x89PNG\r\n")
    assert mail("27_attachments.eml").attachments[1].data[:3] == b"\xff\xd8\xff"
    assert mail("27_attachments.eml").attachments[2].data == bytes(range(256)) * 4
    assert mail("28_text_attachments.eml").attachments[0].data.startswith(b"2025-03-30T02:00:00Z ERROR sync")
    assert mail("22_missing_closing_boundary.eml").attachments[0].data.startswith(b"%PDF")


def test_forwarded_mail_is_one_eml_attachment_that_parses_again():
    forwarded = mail("25_forwarded_rfc822.eml").attachments[0]
    inner = parse(forwarded.data)
    assert inner.subject == "[쇼핑몰] 주문이 취소되었습니다"
    assert inner.from_address == "noreply@shop.example" and inner.text == "고객님의 주문 5512가 취소되었습니다."
    assert [(a.filename, a.data[:4]) for a in inner.attachments] == [("cancel-5512.pdf", b"%PDF")]
    assert "5512가 취소" not in mail("25_forwarded_rfc822.eml").text  # not mixed into the customer's note


def test_one_megabyte_single_line_body_arrives_whole():
    parsed = mail("55_long_line_1mb.eml")
    assert parsed.text.startswith("주문 확인 부탁드립니다 order check please 주문 확인")
    assert "\n" not in parsed.text and 1_048_000 < len(parsed.text.encode()) <= 1_048_576


def test_three_hundred_tiny_parts_are_three_hundred_attachments():
    parsed = mail("56_300_parts.eml")
    assert [a.filename for a in parsed.attachments] == [f"note-{i:03d}.txt" for i in range(1, 301)]
    assert [a.data for a in parsed.attachments] == [f"n{i}".encode() for i in range(1, 301)]
    assert {a.content_type for a in parsed.attachments} == {"text/plain"}


def test_xss_payloads_stay_raw_in_the_parser_and_are_removed_by_the_sanitizer():
    from desk.services.sanitize import clean_html

    parsed = mail("54_xss_html.eml")
    assert "alert(" not in parsed.text
    cleaned = clean_html(parsed.html).lower()
    for payload in ("<script", "onerror", "onload", "javascript:", "expression(", "data:", "<svg", "<iframe",
                    "<form", "<style", "http-equiv"):
        assert payload not in cleaned, payload
    assert "please look at my order." in cleaned


# --- never raises, never hangs -----------------------------------------------------------------


def _variations(seed: int = 20250303, per_file: int = 6):
    rng = random.Random(seed)
    for name in FILES:
        data = (CORPUS / name).read_bytes()
        for i in range(per_file):
            mutated = bytearray(data)
            if i % 3 != 1:  # truncate at a random point
                mutated = mutated[:rng.randrange(len(mutated) + 1)]
            if i % 3 != 0 and mutated:  # flip random bytes
                for _ in range(rng.randint(1, 24)):
                    mutated[rng.randrange(len(mutated))] = rng.randrange(256)
            yield f"{name}#{i}", bytes(mutated)


def _strings(parsed: ParsedMail):
    """Every string the processor hands on to intake and the database."""
    yield from (parsed.subject, parsed.text, parsed.quoted, parsed.html or "", parsed.external_id)
    yield from (v for v in (parsed.from_name, parsed.from_address, parsed.reply_to, parsed.message_id) if v)
    yield from parsed.to + parsed.cc + parsed.in_reply_to + parsed.references + parsed.auth_results
    yield from parsed.headers.values()
    for a in parsed.attachments:
        yield from (a.filename, a.content_type, a.content_id or "")
    if parsed.bounce:
        yield from parsed.bounce.original_message_ids + parsed.bounce.recipients
        yield from (v for v in (parsed.bounce.status, parsed.bounce.diagnostic, parsed.bounce.action) if v)


@pytest.mark.parametrize("name", FILES)
def test_every_string_is_storable(name):
    for value in _strings(mail(name)):
        assert "\x00" not in value
        value.encode("utf-8")  # no lone surrogates from raw 8-bit bytes


def test_truncated_and_corrupted_copies_never_raise_and_finish_within_a_second():
    parse((CORPUS / "02_utf8_html_only.eml").read_bytes())  # the first html-only mail imports the sanitizer
    slow, count = [], 0
    for label, data in _variations():
        started = time.perf_counter()
        parsed = parse(data)
        elapsed = time.perf_counter() - started
        count += 1
        assert isinstance(parsed, ParsedMail), label
        for value in _strings(parsed):
            assert "\x00" not in value, label
            value.encode("utf-8")
        if elapsed >= 1.0:
            slow.append((label, round(elapsed, 2)))
    assert count >= 300
    assert not slow
