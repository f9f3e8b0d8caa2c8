"""Helpers for the console page tests: signing in through the real form, reading pages."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from desk.extensions import db
from desk.services import identity
from tests.conftest import csrf_token, login


TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"


def compile_translations() -> None:
    """Compile the message catalogs (``make translations`` does the same) when a .mo file is
    missing or older than its .po, so the suite also runs straight from a checkout."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in TRANSLATIONS.glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source)
        with mo.open("wb") as target:
            write_mo(target, catalog)


@pytest.fixture(scope="session", autouse=True)
def _translations():
    compile_translations()


@pytest.fixture
def sign_in(client, staff):
    """``sign_in("agent")`` signs the test client in as one of the ``staff`` accounts."""

    def _sign_in(who: str = "agent"):
        response = login(client, staff[who].email)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return _sign_in


def page_token(client, path: str) -> str:
    """The CSRF token of a page (the forms on it carry it)."""
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return csrf_token(response.get_data(as_text=True))


def add_phone(customer, phone: str) -> None:
    with db.write() as session:
        identity.add_identity(session, session.merge(customer), "phone", phone)


def text_of(response) -> str:
    return response.get_data(as_text=True)


def hidden_value(html: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or \
        re.search(rf'value="([^"]*)"[^>]*name="{name}"', html)
    assert match, f"no hidden field {name}"
    return match.group(1)


class _ActiveContent(HTMLParser):
    """Collects markup a browser would execute or style inline: script bodies, event-handler
    attributes, javascript: URLs, frames, inline style attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script" and not names.get("src"):
            self.problems.append("inline <script>")
        if tag in ("iframe", "object", "embed", "frame"):
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name == "style":
                self.problems.append(f"<{tag} style=...>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}=javascript:...>")


def active_content(html: str) -> list[str]:
    parser = _ActiveContent()
    parser.feed(html)
    parser.close()
    return parser.problems
