"""The ticket page's "Linked tickets" card and the "Split into new ticket" action: real forms with
their CSRF tokens, flash messages in Korean and English, permissions."""
from __future__ import annotations

import re

from sqlalchemy import select

from channels.base import ThreadHints
from desk.extensions import db
from desk.models import Interaction, Ticket, TicketLink
from tests.console.conftest import page_token, text_of


def _fresh(model, key):
    db.session.rollback()
    return db.session.get(model, key)


def test_merge_form_moves_the_messages_and_lands_on_the_target(client, make, staff, sign_in):
    target, first = make.inbound("email", "kim@example.kr", "환불해 주세요", subject="환불 문의")
    source, second = make.inbound("sms", "kim@example.kr", "아직 환불이 안 됐어요", sender_kind="email")
    assert source.id != target.id
    sign_in()
    page = text_of(client.get(f"/tickets/{source.number}"))
    assert "연결된 티켓" in page and "티켓 번호로 병합" in page
    token = page_token(client, f"/tickets/{source.number}")
    response = client.post(f"/tickets/{source.number}/merge", data={"csrf_token": token, "into": f"#{target.number}"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/tickets/{target.number}")
    html = text_of(client.get(response.headers["Location"]))
    assert f"티켓 #{source.number}이(가) #{target.number}(으)로 병합되었습니다." in html
    assert re.search(rf'class="entry [^"]*is-this"\s+id="i-{second.id}"', html), "the moved message is on the target"
    assert "병합된 원본" in html and f"#{source.number}" in html
    assert _fresh(Ticket, source.id).status == "closed"
    assert _fresh(Interaction, second.id).ticket_id == target.id
    # The closed source shows where it went and no merge form any more.
    closed = text_of(client.get(f"/tickets/{source.number}"))
    assert "병합 대상" in closed and f"#{target.number}" in closed and 'name="into"' not in closed


def test_merge_refusals_are_explained(client, make, staff, sign_in):
    mine, _ = make.inbound("email", "kim@example.kr", "첫 문의", subject="첫 문의")
    theirs, _ = make.inbound("email", "lee@example.kr", "다른 고객", subject="다른 고객")
    sign_in()
    client.get("/lang/en")
    token = page_token(client, f"/tickets/{mine.number}")
    client.post(f"/tickets/{mine.number}/merge", data={"csrf_token": token, "into": str(mine.number)})
    assert "A ticket cannot be merged into itself." in text_of(client.get(f"/tickets/{mine.number}"))
    client.post(f"/tickets/{mine.number}/merge", data={"csrf_token": token, "into": "99999"})
    assert "There is no ticket #99999 you can see." in text_of(client.get(f"/tickets/{mine.number}"))
    client.post(f"/tickets/{mine.number}/merge", data={"csrf_token": token, "into": str(theirs.number)})
    assert "The tickets belong to different customers." in text_of(client.get(f"/tickets/{mine.number}"))
    assert _fresh(Ticket, mine.id).status != "closed"
    response = client.post(f"/tickets/{mine.number}/merge",
                           data={"csrf_token": token, "into": str(theirs.number), "confirm": "1"})
    assert response.headers["Location"].endswith(f"/tickets/{theirs.number}")
    assert _fresh(Ticket, mine.id).status == "closed"


def test_forms_without_csrf_change_nothing(client, make, staff, sign_in):
    first, _ = make.inbound("email", "kim@example.kr", "첫 문의", subject="첫 문의")
    second, _ = make.inbound("sms", "kim@example.kr", "둘째 문의", sender_kind="email")
    sign_in()
    client.post(f"/tickets/{second.number}/merge", data={"into": str(first.number)})
    client.post(f"/tickets/{second.number}/links", data={"ticket": str(first.number)})
    assert _fresh(Ticket, second.id).status != "closed"
    assert db.session.scalar(select(TicketLink.id)) is None


def test_link_and_unlink_from_the_card(client, make, staff, sign_in):
    first, _ = make.inbound("email", "kim@example.kr", "배송 문의", subject="배송 문의")
    second, _ = make.inbound("email", "park@example.kr", "같은 배송 건", subject="같은 배송 건")
    sign_in()
    token = page_token(client, f"/tickets/{first.number}")
    client.post(f"/tickets/{first.number}/links", data={"csrf_token": token, "ticket": str(second.number)})
    html = text_of(client.get(f"/tickets/{first.number}"))
    assert f"티켓 #{second.number}과(와) 연결했습니다." in html and "같은 배송 건" in html
    client.post(f"/tickets/{first.number}/links", data={"csrf_token": token, "ticket": str(second.number)})
    assert "이미 연결되어 있습니다" in text_of(client.get(f"/tickets/{first.number}"))
    assert "배송 문의" in text_of(client.get(f"/tickets/{second.number}")), "shown on both tickets"
    assert db.session.query(TicketLink).count() == 2
    client.post(f"/tickets/{first.number}/links/{second.number}/delete", data={"csrf_token": token})
    html = text_of(client.get(f"/tickets/{first.number}"))
    assert "연결을 해제했습니다" in html and "연결된 티켓이 없습니다." in html
    db.session.rollback()
    assert db.session.query(TicketLink).count() == 0


def test_split_action_on_a_customer_message(client, make, staff, sign_in):
    ticket, first = make.inbound("email", "kim@example.kr", "환불해 주세요", subject="환불 문의")
    _, later = make.inbound("email", "kim@example.kr", "주소 변경도 부탁드려요", subject="주소 변경",
                            thread_hints=ThreadHints(ticket_id=ticket.id))
    sign_in()
    html = text_of(client.get(f"/tickets/{ticket.number}"))
    assert f'action="/tickets/{ticket.number}/interactions/{later.id}/split"' in html
    assert "새 티켓으로 분리" in html
    token = page_token(client, f"/tickets/{ticket.number}")
    response = client.post(f"/tickets/{ticket.number}/interactions/{later.id}/split", data={"csrf_token": token})
    new = db.session.scalar(select(Ticket).where(Ticket.subject == "주소 변경"))
    assert new is not None and response.headers["Location"].endswith(f"/tickets/{new.number}")
    html = text_of(client.get(response.headers["Location"]))
    assert f"메시지가 티켓 #{new.number}(으)로 분리되었습니다." in html
    assert "분리 원본" in html and f"#{ticket.number}" in html
    assert _fresh(Interaction, later.id).ticket_id == new.id
    # The last message of a ticket cannot be split off.
    client.post(f"/tickets/{new.number}/interactions/{later.id}/split", data={"csrf_token": token})
    assert "나눌 다른 메시지가 없습니다" in text_of(client.get(f"/tickets/{new.number}"))


def test_an_agent_cannot_reach_tickets_of_other_queues(client, make, staff, sign_in):
    mine, _ = make.inbound("email", "kim@example.kr", "내 큐", subject="내 큐")
    billing, entry = make.inbound("email", "kim@example.kr", "결제 큐", subject="결제 큐", queue="billing")
    assert billing.queue.slug == "billing"
    sign_in("agent")
    token = page_token(client, f"/tickets/{mine.number}")
    assert client.post(f"/tickets/{billing.number}/merge", data={"csrf_token": token, "into": str(mine.number)}).status_code == 404
    assert client.post(f"/tickets/{billing.number}/interactions/{entry.id}/split", data={"csrf_token": token}).status_code == 404
    client.post(f"/tickets/{mine.number}/merge", data={"csrf_token": token, "into": str(billing.number)})
    assert f"#{billing.number}" in text_of(client.get(f"/tickets/{mine.number}"))  # "no ticket #… you can see"
    assert _fresh(Ticket, mine.id).status != "closed" and _fresh(Ticket, billing.id).status != "closed"
