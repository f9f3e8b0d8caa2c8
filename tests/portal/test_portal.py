"""The customer portal: magic links (signed, expiring, single use), "my requests" across
channels, the thread without internal notes, reply and close, and no customer ever reaching
another customer's ticket."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from desk.extensions import db
from desk.models import Interaction, PortalLogin, PortalMail, Ticket, utcnow
from desk.services import replies
from tests.conftest import csrf_token
from tests.portal.conftest import follow_link, link_from_mail, request_link, sign_in


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_unknown_addresses_get_the_same_answer_and_no_mail(client, two_customers):
    known = request_link(client, "alice@example.kr")
    unknown = request_link(client, "nobody@example.kr")
    assert known.status_code == unknown.status_code == 200
    assert "로그인 링크를 보냈습니다" in _text(unknown)
    db.session.rollback()
    assert [m.to for m in db.session.scalars(select(PortalMail))] == ["alice@example.kr"]


def test_a_link_signs_in_once(client, app, two_customers):
    request_link(client, "ALICE@example.kr")
    path = link_from_mail("alice@example.kr")
    assert client.get("/help/ko/portal/requests").status_code == 302  # not signed in yet
    assert client.get(path).status_code == 200  # opening the link (a mail scanner) does not spend it
    assert follow_link(client, path).status_code == 302
    assert client.get("/help/ko/portal/requests").status_code == 200

    other = app.test_client()
    reused = follow_link(other, path)
    assert reused.status_code == 400 and 'data-link-problem="used"' in _text(reused)
    assert other.get("/help/ko/portal/requests").status_code == 302


def test_expired_and_forged_links_do_not_sign_in(client, app, two_customers):
    request_link(client, "alice@example.kr")
    path = link_from_mail("alice@example.kr")
    with db.write() as session:
        session.execute(update(PortalLogin).values(expires_at=utcnow() - timedelta(minutes=1)))
    assert 'data-link-problem="expired"' in _text(follow_link(client, path))
    forged = follow_link(app.test_client(), path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb"))
    assert forged.status_code == 400 and 'data-link-problem="bad_link"' in _text(forged)


def test_my_requests_lists_every_channel_of_mine_and_nothing_else(client, two_customers):
    sign_in(client, "alice@example.kr")
    html = _text(client.get("/help/ko/portal/requests"))
    assert f"#{two_customers['alice'].number}" in html and f"#{two_customers['alice_sms'].number}" in html
    assert f"#{two_customers['bob'].number}" not in html and "Bob" not in html


def test_no_portal_route_reaches_another_customers_ticket(client, app, two_customers):
    bob = two_customers["bob"]
    for who, ticket in (("alice@example.kr", bob), ("bob@example.com", two_customers["alice"])):
        c = app.test_client()
        sign_in(c, who)
        mine = c.get("/help/ko/portal/requests")
        token = csrf_token(_text(mine))
        n = ticket.number
        assert c.get(f"/help/ko/portal/requests/{n}").status_code == 404
        assert c.get(f"/help/en/portal/requests/{n}").status_code == 404
        assert c.post(f"/help/ko/portal/requests/{n}/reply", data={"body": "hi", "csrf_token": token,
                                                                  "nonce": ""}).status_code == 404
        assert c.post(f"/help/ko/portal/requests/{n}/close", data={"csrf_token": token}).status_code == 404
        assert c.post(f"/help/ko/portal/requests/{n}/csat", data={"score": "1", "csrf_token": token}).status_code == 404
        assert c.get(f"/help/ko/portal/requests/{ticket.id}").status_code == 404  # ids are not numbers either
    db.session.rollback()
    for ticket in (bob, two_customers["alice"]):
        fresh = db.session.get(Ticket, ticket.id)
        assert fresh.status == "new"
        assert db.session.scalar(select(Interaction.id).where(Interaction.ticket_id == ticket.id,
                                                              Interaction.channel == "web")) is None


def test_signed_out_visitors_reach_no_request(client, two_customers):
    n = two_customers["alice"].number
    for path in (f"/help/ko/portal/requests/{n}", "/help/ko/portal/requests"):
        response = client.get(path)
        assert response.status_code == 302 and "/portal/sign-in" in response.headers["Location"]
    assert client.post(f"/help/ko/portal/requests/{n}/reply", data={"body": "x"}).status_code in (302, 400)


def test_the_thread_shows_replies_but_never_internal_notes(client, two_customers, staff):
    ticket = two_customers["alice"]
    replies.send(ticket.id, actor=staff["supervisor"], body="고객 등급 확인 필요 (내부 메모)", internal=True)
    replies.send(ticket.id, actor=staff["supervisor"], body="환불은 3일 안에 처리됩니다.", channel="email")
    sign_in(client, "alice@example.kr")
    html = _text(client.get(f"/help/ko/portal/requests/{ticket.number}"))
    assert "환불 언제 되나요?" in html and "환불은 3일 안에 처리됩니다." in html
    assert "내부 메모" not in html


def test_reply_goes_through_intake_onto_the_same_ticket_once(client, two_customers):
    ticket = two_customers["alice"]
    sign_in(client, "alice@example.kr")
    page = client.get(f"/help/ko/portal/requests/{ticket.number}")
    token, nonce = csrf_token(_text(page)), re.search(r'name="nonce"[^>]*value="([^"]+)"', _text(page)).group(1)
    for _ in range(2):  # a double submit
        response = client.post(f"/help/ko/portal/requests/{ticket.number}/reply",
                               data={"body": "사진 첨부합니다", "nonce": nonce, "csrf_token": token})
        assert response.status_code == 302
    db.session.rollback()
    rows = list(db.session.scalars(select(Interaction).where(Interaction.ticket_id == ticket.id,
                                                             Interaction.channel == "web")))
    assert [r.text for r in rows] == ["사진 첨부합니다"]
    assert rows[0].meta["threading"]["reason"] == "portal"


def test_close_ends_the_request_and_opens_the_rating(client, two_customers):
    ticket = two_customers["alice"]
    sign_in(client, "alice@example.kr")
    token = csrf_token(_text(client.get(f"/help/ko/portal/requests/{ticket.number}")))
    assert client.post(f"/help/ko/portal/requests/{ticket.number}/close", data={"csrf_token": token}).status_code == 302
    db.session.rollback()
    assert db.session.get(Ticket, ticket.id).status == "closed"
    html = _text(client.get(f"/help/ko/portal/requests/{ticket.number}"))
    assert 'name="score"' in html and "/reply" not in html
    response = client.post(f"/help/ko/portal/requests/{ticket.number}/csat",
                           data={"score": "5", "comment": "빨라요", "csrf_token": token})
    assert response.status_code == 302
    assert "data-csat-done" in _text(client.get(f"/help/ko/portal/requests/{ticket.number}"))


def test_sign_out(client, two_customers):
    sign_in(client, "alice@example.kr")
    token = csrf_token(_text(client.get("/help/ko/portal/requests")))
    client.post("/help/ko/portal/sign-out", data={"csrf_token": token})
    assert client.get("/help/ko/portal/requests").status_code == 302


def test_link_requests_are_rate_limited(client, app, two_customers):
    app.config["PORTAL_LOGIN_RATE_LIMIT"] = "3 per minute"
    codes = [request_link(client, "alice@example.kr").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
