"""Relevance on a fixed Korean + English corpus (the demo articles): the expected article comes
first for the queries people type, particles or not."""
from __future__ import annotations

import pytest

from knowledge import articles, service

EXPECTED_FIRST = [
    ("환불", "refund-ko"),
    ("환불은 언제", "refund-ko"),
    ("배송비", "shipping-fee-ko"),
    ("배송비를", "shipping-fee-ko"),
    ("무료배송", "shipping-fee-ko"),
    ("비밀번호", "password-ko"),
    ("비밀번호 재설정", "password-ko"),
    ("앱 로그인", "app-login-ko"),
    ("중복결제", "double-charge-ko"),
    ("카드 결제 두 번", "double-charge-ko"),
    ("세금계산서", "receipt-ko"),
    ("반품 신청", "return-ko"),
    ("해외배송 관세", "overseas-ko"),
    ("refund", "refund-en"),
    ("refunds", "refund-en"),
    ("forgot password", "password-en"),
    ("shipping cost", "shipping-fee-en"),
    ("where is my order", "tracking-en"),
    ("damaged item", "damaged-en"),
    ("gift wrapping", "gift-wrap-en"),
]


@pytest.mark.parametrize(("query", "key"), EXPECTED_FIRST)
def test_the_expected_article_comes_first(corpus, query, key):
    hits = service.find(query, limit=5).hits
    assert hits, f"nothing found for {query!r}"
    assert hits[0].id == corpus[key], (query, [h.title for h in hits])


def test_locale_and_category_filters(corpus, app):
    from desk.extensions import db

    english = service.find("refund", locale="ko").hits
    assert corpus["refund-en"] not in [h.id for h in english]
    orders = articles.category_by_key(db.session, "orders")
    hits = service.find("배송", category_id=orders.id, limit=20).hits
    assert hits and all(h.category_id == orders.id for h in hits)
    assert corpus["shipping-fee-ko"] not in [h.id for h in hits]  # a billing article


def test_did_you_mean_corrects_a_misspelt_word(corpus):
    results = service.find("pasword")
    assert results.hits == []
    assert results.suggestion == "password"


def test_helpful_votes_lift_an_article_among_equals(app, staff):
    first = articles.create({"title": "포장 안내 A", "body": "선물 포장은 2천원입니다.", "locale": "ko",
                             "status": "published"}, actor=staff["admin"])
    second = articles.create({"title": "포장 안내 B", "body": "선물 포장은 2천원입니다.", "locale": "ko",
                              "status": "published"}, actor=staff["admin"])
    for _ in range(8):
        articles.vote(second.id, True)
    assert [h.id for h in service.find("선물 포장").hits[:2]] == [second.id, first.id]


def test_search_text_that_breaks_query_parsers_is_just_text(corpus):
    for q in ['"', "AND OR NOT", "title:(", "*", "환불 ~~~ ^^^", "\\", "'; DROP TABLE kb_article; --", "   ",
              "x" * 10_000, "환불 " * 500, "\u200b\ufeff", "🙂 환불"]:
        results = service.find(q)
        assert results.total >= 0
    assert service.find("").hits == []
    assert service.find("🙂 환불").hits[0].id == corpus["refund-ko"]


def test_suggest_hook_for_the_chat_widget(app, corpus):
    suggest = app.extensions["desk_kb_suggest"]
    items = suggest("환불 언제 되나요", "ko", limit=3)
    assert items and set(items[0]) == {"id", "title", "url", "snippet"}
    assert items[0]["url"].startswith("http://desk.test/help/ko/articles/")
    assert suggest("", None) == []
