"""The console's knowledge-base pages: list, editor with preview and revisions, permissions, and
the ticket page's article panel (suggestions, insert link, create article from the ticket)."""
from __future__ import annotations

from sqlalchemy import select

from desk.extensions import db
from desk.models import KbArticle, KbRevision
from tests.conftest import csrf_token
from tests.console.conftest import compile_translations


def _as(client, agent):
    compile_translations()
    with client.session_transaction() as session:
        session["_user_id"] = str(agent.id)
        session["_fresh"] = True
        session["locale"] = "ko"
    return client


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_signed_out_visitors_are_sent_to_login(client, staff):
    assert client.get("/kb/").status_code == 302
    assert client.post("/kb/preview", data={"body": "x"}).status_code in (302, 400)


def test_agent_writes_a_draft_and_a_supervisor_publishes_it(client, app, staff):
    _as(client, staff["agent"])
    page = client.get("/kb/new")
    html = _text(page)
    assert page.status_code == 200 and 'value="published"' not in html  # agents write drafts
    response = client.post("/kb/new", data={"title": "쿠폰 중복 사용", "body": "쿠폰은 **한 장만**", "locale": "ko",
                                            "status": "draft", "category": "", "tags": "쿠폰, 할인",
                                            "csrf_token": csrf_token(html)})
    assert response.status_code == 302
    article = db.session.scalar(select(KbArticle))
    assert (article.status, article.tags, article.author_id) == ("draft", ["쿠폰", "할인"], staff["agent"].id)

    reviewer = app.test_client()
    _as(reviewer, staff["supervisor"])
    html = _text(reviewer.get(f"/kb/{article.id}/edit"))
    assert 'value="published"' in html
    response = reviewer.post(f"/kb/{article.id}/edit", data={
        "title": "쿠폰 중복 사용 안내", "body": "쿠폰은 **한 장만** 쓸 수 있습니다.", "locale": "ko", "status": "published",
        "category": "", "tags": "쿠폰", "version": "1", "csrf_token": csrf_token(html)})
    assert response.status_code == 302
    db.session.rollback()
    assert db.session.get(KbArticle, article.id).status == "published"
    assert [r.version for r in db.session.scalars(select(KbRevision).order_by(KbRevision.version))] == [1, 2]
    listing = _text(reviewer.get("/kb/"))
    assert "쿠폰 중복 사용 안내" in listing and "게시됨" in listing
    stale = reviewer.post(f"/kb/{article.id}/edit", data={
        "title": "다른 제목", "body": "", "locale": "ko", "status": "published", "category": "", "tags": "",
        "version": "1", "csrf_token": csrf_token(html)})
    assert stale.status_code == 409


def test_preview_is_rendered_and_sanitised_like_the_public_page(client, staff):
    _as(client, staff["agent"])
    token = csrf_token(_text(client.get("/kb/new")))
    response = client.post("/kb/preview", data={"body": "# 제목\n<script>alert(1)</script>\n\n*기울임*"},
                           headers={"X-CSRFToken": token})
    html = response.get_json()["html"]
    assert "<h1>제목</h1>" in html and "<p><em>기울임</em></p>" in html and "script" not in html
    assert client.post("/kb/preview", data={"body": "x"}).status_code == 400  # no CSRF token


def test_ticket_page_suggests_articles_and_creates_one_from_the_ticket(client, make, staff):
    from knowledge import articles

    articles.create({"title": "환불은 언제 받을 수 있나요?", "body": "환불은 3일 안에", "locale": "ko",
                     "status": "published"}, actor=staff["supervisor"])
    ticket, _ = make.inbound(sender="kim@example.kr", subject="환불 문의", text="환불은 언제 되나요?")
    _as(client, staff["agent"])
    html = _text(client.get(f"/tickets/{ticket.number}"))
    assert "data-kb-panel" in html and "환불은 언제 받을 수 있나요?" in html and "data-kb-insert=" in html
    assert f"/kb/new?ticket={ticket.number}" in html
    suggest = client.get("/kb/suggest?q=환불").get_json()["items"]
    assert suggest[0]["title"] == "환불은 언제 받을 수 있나요?"
    form = _text(client.get(f"/kb/new?ticket={ticket.number}"))
    assert 'value="환불 문의"' in form and "환불은 언제 되나요?" in form
    assert f'name="source_ticket" type="hidden" value="{ticket.id}"' in form


def test_an_agent_cannot_prefill_from_a_ticket_outside_their_queues(client, make, staff):
    make.queue("vip", "VIP")
    ticket, _ = make.inbound(sender="vip@example.kr", subject="비밀 VIP 문의", text="비밀", queue="vip")
    _as(client, staff["agent"])
    assert "비밀 VIP 문의" not in _text(client.get(f"/kb/new?ticket={ticket.number}"))


def test_supervisors_manage_help_center_topics(client, app, staff):
    _as(client, staff["supervisor"])
    html = _text(client.get("/kb/categories"))
    response = client.post("/kb/categories", data={"slug": "gift-cards", "name_ko": "기프트카드", "name_en": "Gift cards",
                                                    "description_ko": "잔액 조회", "icon": "tag", "position": "3",
                                                    "csrf_token": csrf_token(html)})
    assert response.status_code == 302
    bad = client.post("/kb/categories", data={"slug": "Gift Cards!", "name_ko": "x", "name_en": "x", "icon": "tag",
                                              "csrf_token": csrf_token(html)})
    assert bad.status_code == 422
    from desk.models import KbCategory

    db.session.rollback()
    assert [(c.slug, c.name_ko, c.position) for c in db.session.scalars(select(KbCategory))] == [
        ("gift-cards", "기프트카드", 3)]
    assert "기프트카드" in _text(client.get("/help/ko/"))
    agent = app.test_client()
    _as(agent, staff["agent"])
    assert agent.get("/kb/categories").status_code == 403
