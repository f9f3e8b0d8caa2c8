"""Signing in and out: the form, CSRF, the rate limit, safe redirects, a fresh session."""
from __future__ import annotations

from tests.conftest import Factory, csrf_token, login
from tests.console.conftest import page_token, text_of


def test_login_page_is_korean_by_default_and_has_csrf(client):
    response = client.get("/login")
    html = text_of(response)
    assert response.status_code == 200
    assert "로그인" in html and 'lang="ko"' in html
    assert csrf_token(html)


def test_pages_require_login(client, staff):
    for path in ("/", "/tickets/1001", "/customers", "/customers/1"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")


def test_login_success_redirects_to_the_queue(client, staff):
    response = login(client, staff["agent"].email)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200
    assert staff["agent"].display_name in text_of(page)


def test_login_failure_is_generic(client, staff):
    wrong_password = login(client, staff["agent"].email, "not the password")
    unknown_user = login(client, "nobody@desk.test", "not the password")
    assert wrong_password.status_code == unknown_user.status_code == 401
    message = "이메일 또는 비밀번호가 올바르지 않습니다."
    assert message in text_of(wrong_password) and message in text_of(unknown_user)
    assert client.get("/").status_code == 302  # still signed out


def test_login_follows_a_local_next_only(app, staff):
    for target, expected in (("/customers", "/customers"), ("/?status=new", "/?status=new"),
                             ("//evil.example/x", "/"), ("https://evil.example/", "/"), ("/\\evil.example", "/")):
        client = app.test_client()
        token = page_token(client, "/login")
        response = client.post("/login", data={"email": staff["agent"].email, "password": Factory.password,
                                               "next": target, "csrf_token": token})
        assert response.status_code == 302 and response.headers["Location"] == expected, target


def test_login_starts_a_fresh_session_but_keeps_the_language(client, staff):
    client.get("/lang/en")
    with client.session_transaction() as sess:
        sess["planted"] = "attacker-chosen"
    login(client, staff["agent"].email)
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["locale"] == "en"
        assert sess["_user_id"] == str(staff["agent"].id)


def test_login_post_without_csrf_is_rejected(client, staff):
    response = client.post("/login", data={"email": staff["agent"].email, "password": Factory.password})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_login_is_rate_limited_on_post_only(client, staff):
    token = page_token(client, "/login")
    for _ in range(10):
        response = client.post("/login", data={"email": staff["agent"].email, "password": "wrong password",
                                               "csrf_token": token})
        assert response.status_code == 401
    response = client.post("/login", data={"email": staff["agent"].email, "password": Factory.password,
                                           "csrf_token": token})
    assert response.status_code == 429
    assert "시도 횟수가 너무 많습니다" in text_of(response)
    assert client.get("/login").status_code == 200  # GET is not limited


def test_logout_needs_post_with_csrf(client, staff, sign_in):
    sign_in()
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200  # still signed in
    token = page_token(client, "/")
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/").status_code == 302


def test_inactive_agent_cannot_sign_in(client, make, staff):
    from desk.extensions import db
    from desk.models import Agent

    with db.write() as session:
        session.get(Agent, staff["agent"].id).active = False
    assert login(client, staff["agent"].email).status_code == 401
