"""/api/v1/kb: public search (shape, bad input, rate limit) and staff article writes."""
from __future__ import annotations

from tests.api.conftest import assert_error
from tests.conftest import Api

BASE = "/api/v1/kb"


def test_search_is_public_and_answers_the_contract_shape(client, corpus):
    response = client.get(f"{BASE}/search", query_string={"q": "환불", "locale": "ko", "limit": 3})
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert 1 <= len(items) <= 3
    assert {"id", "title", "url", "snippet", "score"} <= set(items[0])
    assert items[0]["id"] == corpus["refund-ko"]
    assert "<mark>환불</mark>" in items[0]["snippet"]
    assert items[0]["url"].startswith("http://desk.test/help/ko/articles/")
    page = client.get(items[0]["url"].removeprefix("http://desk.test"))
    assert page.status_code == 200 and "환불은 언제 받을 수 있나요?" in page.get_data(as_text=True)


def test_search_handles_empty_long_and_syntax_queries(client, corpus):
    for q in ["", " ", '"', "title:(refund OR", "*" * 300, "환불" * 2000, "AND", "%00"]:
        response = client.get(f"{BASE}/search", query_string={"q": q})
        assert response.status_code == 200, (q, response.get_data(as_text=True)[:200])
        assert isinstance(response.get_json()["items"], list)
    assert client.get(f"{BASE}/search").get_json()["items"] == []


def test_search_rejects_bad_parameters_with_json_errors(client, corpus):
    assert_error(client.get(f"{BASE}/search?q=x&locale=fr"), 422, "invalid")
    assert_error(client.get(f"{BASE}/search?q=x&limit=0"), 422, "invalid")
    assert_error(client.get(f"{BASE}/search?q=x&limit=abc"), 422, "invalid")
    assert_error(client.get(f"{BASE}/search?q=x&category=nope"), 422, "invalid")
    assert_error(client.get(f"{BASE}/search?q=%00"), 400)


def test_search_is_rate_limited(app, client, corpus):
    app.config["KB_SEARCH_RATE_LIMIT"] = "5 per minute"
    statuses = [client.get(f"{BASE}/search?q=refund").status_code for _ in range(7)]
    assert statuses[:5] == [200] * 5 and statuses[5:] == [429, 429]
    error = client.get(f"{BASE}/search?q=refund").get_json()["error"]
    assert error["code"] == "too_many_requests"


def test_staff_create_update_delete_and_search_follows(client, make, staff):
    supervisor = Api(client, make.token(staff["supervisor"]))
    response = supervisor.post(f"{BASE}/articles", json={
        "title": "택배 보관함 이용 방법", "body": "무인 **택배보관함**에 맡겨 드립니다.", "locale": "ko",
        "status": "published", "category": None, "tags": ["보관함"]})
    assert response.status_code == 201, response.get_json()
    article = response.get_json()
    assert article["html"] == "<p>무인 <strong>택배보관함</strong>에 맡겨 드립니다.</p>"
    found = client.get(f"{BASE}/search?q=보관함").get_json()["items"]
    assert [i["id"] for i in found] == [article["id"]]

    response = supervisor.patch(f"{BASE}/articles/{article['id']}", json={"title": "무인 보관함 안내",
                                                                          "version": article["version"]})
    assert response.status_code == 200 and response.get_json()["version"] == 2
    assert client.get(f"{BASE}/search?q=무인").get_json()["items"][0]["title"] == "무인 보관함 안내"
    assert_error(supervisor.patch(f"{BASE}/articles/{article['id']}", json={"title": "x", "version": 1}), 409, "stale")

    supervisor.patch(f"{BASE}/articles/{article['id']}", json={"status": "archived"})
    assert client.get(f"{BASE}/search?q=보관함").get_json()["items"] == []

    assert supervisor.delete(f"{BASE}/articles/{article['id']}").status_code == 204
    assert_error(supervisor.get(f"{BASE}/articles/{article['id']}"), 404, "not_found")


def test_agents_write_drafts_and_only_supervisors_publish(client, make, staff):
    agent = Api(client, make.token(staff["agent"]))
    draft = agent.post(f"{BASE}/articles", json={"title": "초안", "body": "내용", "locale": "ko", "status": "draft"})
    assert draft.status_code == 201
    assert_error(agent.patch(f"{BASE}/articles/{draft.get_json()['id']}", json={"status": "published"}), 403,
                 "forbidden")
    assert_error(agent.post(f"{BASE}/articles", json={"title": "t", "body": "b", "locale": "ko",
                                                      "status": "published"}), 403)
    assert_error(agent.delete(f"{BASE}/articles/{draft.get_json()['id']}"), 403)
    assert_error(client.post(f"{BASE}/articles", json={"title": "t", "body": "b", "locale": "ko",
                                                       "status": "draft"}), 401, "unauthorized")


def test_article_bodies_are_validated_and_sanitised(client, make, staff):
    supervisor = Api(client, make.token(staff["supervisor"]))
    assert_error(supervisor.post(f"{BASE}/articles", json={"title": " ", "body": "", "locale": "ko",
                                                           "status": "draft"}), 422, "invalid")
    assert_error(supervisor.post(f"{BASE}/articles", json={"title": "t", "body": "", "locale": "jp",
                                                           "status": "draft"}), 422)
    assert_error(supervisor.post(f"{BASE}/articles", json={"title": "t", "body": "", "locale": "ko",
                                                           "status": "live"}), 422)
    assert_error(supervisor.post(f"{BASE}/articles", json={"title": "t", "body": "", "locale": "ko",
                                                           "status": "draft", "author": 1}), 422)
    evil = supervisor.post(f"{BASE}/articles", json={
        "title": "xss", "locale": "en", "status": "published",
        "body": "<script>alert(1)</script><img src=x onerror=alert(1)> [link](javascript:alert(1)) <b>ok</b>"})
    html = evil.get_json()["html"]
    assert "<script" not in html and "onerror" not in html and "javascript:" not in html and "<b>ok</b>" in html


def test_translations_are_linked_and_offered_on_the_article_page(client, corpus):
    page = client.get(f"/help/ko/articles/{corpus['refund-ko']}").headers["Location"]
    html = client.get(page).get_data(as_text=True)
    assert f'hreflang="en" href="http://desk.test/help/en/articles/{corpus["refund-en"]}-' in html


def test_the_kb_routes_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert paths["/api/v1/kb/search"]["get"]["security"] == []
    assert {"post"} <= set(paths["/api/v1/kb/articles"])
    assert {"get", "patch", "delete"} <= set(paths["/api/v1/kb/articles/{article_id}"])
