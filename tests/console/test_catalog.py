"""Korean throughout: every message the code and templates ask to translate has a Korean text in
the catalog (a missing one prints the English), and the Korean text names no placeholder the
English does not have (rendering it would fail)."""
from __future__ import annotations

import re
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _extracted(tmp_path) -> list:
    pot = tmp_path / "messages.pot"
    CommandLineInterface().run(["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l",
                                "-o", str(pot), str(ROOT)])
    with pot.open("rb") as source:
        return [m for m in read_po(source) if m.id]


def test_every_message_has_a_korean_text_with_the_same_placeholders(tmp_path):
    with (ROOT / "translations/ko/LC_MESSAGES/messages.po").open("rb") as source:
        korean = read_po(source)
    missing, mismatched = [], []
    for message in _extracted(tmp_path):
        found = korean.get(message.id, context=message.context)
        texts = list(found.string) if found and isinstance(found.string, tuple) else [found.string if found else ""]
        if not all(texts):
            missing.append(message.id)
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        known = {"num"}.union(*(PLACEHOLDER.findall(i) for i in ids))
        if any(set(PLACEHOLDER.findall(t)) - known for t in texts):
            mismatched.append(message.id)
    assert not missing, f"{len(missing)} messages without Korean text: {missing[:10]}"
    assert not mismatched, f"Korean text with placeholders the English lacks: {mismatched[:10]}"
