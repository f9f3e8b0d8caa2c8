"""The public help center: pages, SEO-friendly URLs and meta, page weight, feedback, the contact
form (ticket on channel web, attachments, suggestions and deflection), rate limits."""
from __future__ import annotations

import io
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from desk.extensions import db
from desk.models import Interaction, KbArticle, KbDeflection, KbFeedback, Ticket
from knowledge import articles, demo
from tests.conftest import csrf_token

STATIC = Path(__file__).resolve().parents[2] / "static"


@pytest.fixture
def corpus(app, staff):
    demo.seed(staff["admin"])
    return {a.title: a for a in db.session.scalars(select(KbArticle))}


def _text(response) -> str:
    return response.get_data(as_text=True)


def _assets(html: str) -> int:
    size = 0
    for ref in re.findall(r'(?:href|src)="/static/([^"?]+)', html):
        if ref.endswith((".css", ".js")):
            size += (STATIC / ref).stat().st_size
    return size


def test_pages_in_both_languages_are_small(client, corpus, two_customers):
    article = corpus["환불은 언제 받을 수 있나요?"]
    pages = ["/help/ko/", "/help/en/", "/help/ko/search?q=환불", "/help/en/search?q=refund",
             f"/help/ko/articles/{article.id}-{article.slug}", "/help/ko/contact", "/help/ko/portal/sign-in",
             "/help/ko/categories/1-orders"]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        html = _text(response)
        assert len(response.data) + _assets(html) < 100 * 1024, path
        assert '<meta name="viewport"' in html and "<title>" in html
    assert "무엇을 도와드릴까요?" in _text(client.get("/help/ko/"))
    assert "How can we help?" in _text(client.get("/help/en/"))


def test_article_urls_are_canonical_and_described(client, corpus):
    article = corpus["배송비는 얼마인가요?"]
    redirect = client.get(f"/help/ko/articles/{article.id}")
    assert redirect.status_code == 301
    assert redirect.headers["Location"].endswith(f"/help/ko/articles/{article.id}-%EB%B0%B0%EC%86%A1%EB%B9%84%EB%8A%94-%EC%96%BC%EB%A7%88%EC%9D%B8%EA%B0%80%EC%9A%94")
    assert client.get(f"/help/en/articles/{article.id}-wrong").status_code == 301
    html = _text(client.get(redirect.headers["Location"]))
    assert '<link rel="canonical" href="http://desk.test/help/ko/articles/' in html
    assert re.search(r'<meta name="description" content="주문 금액이 5만원 이상이면 무료배송', html)
    assert "<strong>5만원 이상이면 무료배송</strong>" in html


def test_unpublished_articles_are_not_public(client, corpus, staff):
    draft = articles.create({"title": "비공개 초안", "body": "아직", "locale": "ko", "status": "draft"},
                            actor=staff["admin"])
    assert client.get(f"/help/ko/articles/{draft.id}-x").status_code == 404
    assert client.get("/help/ko/articles/99999999999-x").status_code == 404
    assert client.get("/help/xx/articles/1-x").status_code == 404


def test_search_page_highlights_and_suggests(client, corpus):
    html = _text(client.get("/help/ko/search?q=배송비를"))
    assert "<mark>배송비</mark>" in html and "배송비는 얼마인가요?" in html
    html = _text(client.get("/help/en/search?q=pasword"))
    assert "data-did-you-mean" in html and ">password<" in html
    assert client.get("/help/ko/search?q=" + "%22" * 3000).status_code == 200


def test_was_this_helpful_counts_once_per_visitor(client, corpus):
    article = corpus["비밀번호를 잊어버렸어요"]
    url = f"/help/ko/articles/{article.id}-{article.slug}"
    token = csrf_token(_text(client.get(url)))
    client.post(f"/help/ko/articles/{article.id}/feedback", data={"helpful": "no", "comment": "메일이 안 와요",
                                                                  "csrf_token": token})
    client.post(f"/help/ko/articles/{article.id}/feedback", data={"helpful": "no", "csrf_token": token})
    assert client.post(f"/help/ko/articles/{article.id}/feedback", data={"helpful": "no"}).status_code == 400
    db.session.rollback()
    assert db.session.get(KbArticle, article.id).helpful_no == 1
    assert [f.comment for f in db.session.scalars(select(KbFeedback))] == ["메일이 안 와요"]
    assert "의견을 보내 주셔서 감사합니다" in _text(client.get(url))


def _contact(client, **fields):
    page = client.get("/help/ko/contact")
    html = _text(page)
    nonce = re.search(r'name="nonce"[^>]*value="([^"]+)"', html).group(1)
    data = {"email": "new.customer@example.kr", "name": "김하늘", "subject": "배송비 문의",
            "message": "배송비가 두 번 나왔어요", "nonce": nonce, "csrf_token": csrf_token(html), **fields}
    return client.post("/help/ko/contact", data=data, content_type="multipart/form-data")


def test_contact_form_creates_a_web_ticket_with_attachments(client, corpus):
    response = _contact(client, attachments=[(io.BytesIO(b"%PDF-1.4 receipt"), "영수증.pdf")])
    assert response.status_code == 302
    done = _text(client.get(response.headers["Location"]))
    db.session.rollback()
    ticket = db.session.scalar(select(Ticket))
    assert f"#{ticket.number}" in done
    assert (ticket.channel, ticket.subject, ticket.customer.email) == ("web", "배송비 문의", "new.customer@example.kr")
    entry = db.session.scalar(select(Interaction).where(Interaction.ticket_id == ticket.id))
    assert entry.text == "배송비가 두 번 나왔어요" and [a.filename for a in entry.attachments] == ["영수증.pdf"]


def test_contact_form_errors_are_shown_not_500(client, corpus):
    response = _contact(client, email="not-an-address", subject="")
    assert response.status_code == 422
    html = _text(response)
    assert "이메일 주소 형식이 아닙니다" in html or "어떤 내용인지" in html
    assert _contact(client, csrf_token="forged").status_code in (400, 422)
    db.session.rollback()
    assert db.session.scalar(select(Ticket)) is None


def test_contact_form_is_rate_limited(client, app, corpus):
    app.config["PORTAL_CONTACT_RATE_LIMIT"] = "2 per minute"
    assert [_contact(client, subject=f"문의 {n}").status_code for n in range(3)] == [302, 302, 429]


def test_opening_a_suggested_article_and_leaving_counts_as_deflected(app, corpus):
    article = corpus["배송비는 얼마인가요?"]
    leaver, sender = app.test_client(), app.test_client()
    for visitor in (leaver, sender):
        visitor.get("/help/ko/contact")
        assert visitor.get(f"/help/ko/articles/{article.id}-{article.slug}?from=contact&q=배송비").status_code == 200
    assert _contact(sender).status_code == 302
    db.session.rollback()
    rows = list(db.session.scalars(select(KbDeflection)))
    assert len(rows) == 2 and sorted(r.contacted_at is None for r in rows) == [False, True]
    from desk.models import utcnow

    assert articles.deflection_stats(db.session, utcnow().replace(year=2000)) == {"visits": 2, "deflected": 1}


def test_callback_option_posts_to_the_callback_api(client, app, corpus):
    page = _text(client.get("/help/ko/contact"))
    assert 'data-url="/api/v1/callbacks"' in page and 'name="preferred_time" type="datetime-local"' in page
    # What help.js sends for a filled-in form (a datetime-local value); the answer carries what it shows.
    when = (datetime.now() + timedelta(days=3)).strftime("%Y-%m-%dT10:30")
    answer = client.post("/api/v1/callbacks", json={"source": "web", "name": "김민지", "phone": "010-2345-6789",
                                                   "preferred_time": when})
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["ticket_number"] > 0 and answer.get_json()["position"] == 1
