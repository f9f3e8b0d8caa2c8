"""The Korean-aware analyzer: particles, compounds, English stems, and an index other processes
can open (Whoosh pickles the analyzer into the index)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from knowledge.analysis import analyze, query_words
from knowledge.index import KbIndex
from knowledge.search import highlight, search

ROOT = Path(__file__).resolve().parents[2]


def test_a_noun_without_particles_shares_its_terms_with_every_particle_form():
    for form in ("환불은", "환불을", "환불이", "환불로", "환불도"):
        assert "환불" in analyze(form)
    assert {"배송", "송비"} <= set(analyze("배송비를"))


def test_english_is_stemmed_and_stop_words_dropped():
    assert analyze("Refunds for the shipping") == ["refund", "ship"]
    assert analyze("iPhone으로") == ["iphon", "으로"]


def test_query_syntax_is_plain_text():
    assert query_words('"환불" AND (title:refund OR *) -x ~2 ^3') == ["환불", "AND", "title", "refund", "OR", "x",
                                                                      "2", "3"]


def test_highlight_marks_the_matched_words_and_escapes_the_rest():
    snippet = highlight("<b>환불은</b> 7일 이내에 Refunds are issued", ["환불", "refund"])
    assert snippet == "&lt;b&gt;<mark>환불</mark>은&lt;/b&gt; 7일 이내에 <mark>Refunds</mark> are issued"


def test_an_index_written_here_opens_and_searches_in_another_process(tmp_path):
    index = KbIndex(tmp_path / "kb")
    index.rebuild([{"id": 7, "locale": "ko", "title": "배송비 안내", "text": "배송비를 환불받을 수 있나요?", "tags": []}])
    assert [h.id for h in search(index, "배송비").hits] == [7]
    script = ("import sys; from knowledge.index import KbIndex; from knowledge.search import search; "
              f"print([h.id for h in search(KbIndex(sys.argv[1]), '환불').hits])")
    out = subprocess.run([sys.executable, "-c", script, str(tmp_path / "kb")], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "[7]"
