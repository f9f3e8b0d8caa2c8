"""Text analysis for the knowledge-base index: Korean as Hangul bigrams, everything else as
lower-cased, Porter-stemmed words.

Korean attaches particles and endings to nouns (환불은, 환불을, 환불이; 배송비를) and writes
compounds without spaces (배송비, 무료배송). Indexing every run of Hangul as overlapping
two-syllable grams makes a query without particles (환불 -> 환불) and a compound's parts (배송비 ->
배송 + 송비) match text that has them, with no dictionary to keep up to date. A one-syllable
run is kept whole. ``bench/kb_search.py`` measured this against kiwipiepy's morphological
analyser; the figures are in ``bench/README.md``.

Whoosh pickles the schema, analyzers included: these classes must stay importable at
``knowledge.analysis``.
"""
from __future__ import annotations

import re

from whoosh.analysis import Composable, Filter, Token, Tokenizer
from whoosh.lang.porter2 import stem  # Snowball English: shipping, ships, shipped -> ship

_RUN = re.compile(r"[\uac00-\ud7a3]+|[^\W_\uac00-\ud7a3]+", re.UNICODE)
HANGUL = re.compile(r"^[\uac00-\ud7a3]+$")
STOP_WORDS = frozenset("""a an and are at be but by for from has have how i if in into is its
    my no not of on or our so than that the their them then there these they this to was we were
    what when where which who why will with you your""".split())


def is_hangul(text: str) -> bool:
    return bool(HANGUL.match(text))


def bigrams(run: str) -> list[str]:
    return [run] if len(run) < 2 else [run[i:i + 2] for i in range(len(run) - 1)]


class KoreanBigramTokenizer(Tokenizer):
    """Words of any script; a Hangul run becomes its overlapping bigrams (or itself if one
    syllable). Positions and character offsets are kept for phrase queries and highlighting."""

    def __eq__(self, other):
        return other is not None and self.__class__ is other.__class__

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos = start_pos
        for match in _RUN.finditer(value):
            word = match.group()
            start = match.start()
            if is_hangul(word):
                pieces = [(g, start + i) for i, g in enumerate(bigrams(word))]
            else:
                pieces = [(word, start)]
            for text, offset in pieces:
                token.text = text
                token.boost = 1.0
                token.stopped = False
                if keeporiginal:
                    token.original = text
                if positions:
                    token.pos = pos
                    pos += 1
                if chars:
                    token.startchar = start_char + offset
                    token.endchar = start_char + offset + len(text)
                yield token


class LatinWordFilter(Filter):
    """Lower-cases and stems non-Hangul words and drops English stop words; Hangul grams pass."""

    def __init__(self, stemming: bool = True) -> None:
        self.stemming = stemming

    def __eq__(self, other):
        return other is not None and self.__class__ is other.__class__ and self.stemming == other.stemming

    def __call__(self, tokens):
        for token in tokens:
            text = token.text
            if not is_hangul(text):
                text = text.lower()
                if text in STOP_WORDS:
                    if token.removestops:
                        continue
                    token.stopped = True
                elif self.stemming and text.isascii() and text.isalpha() and len(text) > 2:
                    text = stem(text)
            token.text = text
            yield token


def KoreanAnalyzer(stemming: bool = True) -> Composable:  # noqa: N802  (Whoosh's naming)
    """The analyzer of every full-text field of the index."""
    return KoreanBigramTokenizer() | LatinWordFilter(stemming=stemming)


def SpellingAnalyzer() -> Composable:  # noqa: N802
    """Whole lower-cased words, for "did you mean" suggestions."""
    return KoreanWordTokenizer() | LatinWordFilter(stemming=False)


class KoreanWordTokenizer(Tokenizer):
    """Whole words of any script (for spelling suggestions)."""

    def __eq__(self, other):
        return other is not None and self.__class__ is other.__class__

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, match in enumerate(_RUN.finditer(value), start_pos):
            token.text = match.group()
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = token.text
            if positions:
                token.pos = pos
            if chars:
                token.startchar = start_char + match.start()
                token.endchar = start_char + match.end()
            yield token


def query_words(text: str) -> list[str]:
    """The words of a search query as typed (no syntax: quotes, operators and wildcards are text)."""
    return [m.group() for m in _RUN.finditer(text or "")]


def analyze(text: str, *, stemming: bool = True) -> list[str]:
    """The index terms of ``text``."""
    return [t.text for t in KoreanAnalyzer(stemming)(text)]


def approx_terms(text: str) -> int:
    """About how many index terms ``text`` gives (for length normalisation), without analysing it."""
    return sum(max(len(m.group()) - 1, 1) if is_hangul(m.group()) else 1 for m in _RUN.finditer(text or ""))


# Particles and endings a query word may carry; longest first.
PARTICLES = sorted("""에서는 에게서 으로는 으로도 까지 부터 에서 에게 한테 으로 이나 이랑 처럼 보다 하고 은 는 이 가 을 를 에
    의 도 만 로 와 과 요""".split(), key=len, reverse=True)


def strip_particle(word: str) -> str | None:
    """``배송비를`` -> ``배송비``; None when the word has no particle (or would lose its noun)."""
    if not is_hangul(word):
        return None
    for particle in PARTICLES:
        if word.endswith(particle) and len(word) - len(particle) >= 2:
            return word[: -len(particle)]
    return None
