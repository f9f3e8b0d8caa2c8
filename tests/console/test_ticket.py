"""The ticket page: cross-channel timeline, threading reasons, replies and notes, stale forms,
permissions, hostile HTML, and the live fragments."""
from __future__ import annotations

import re

from sqlalchemy import select

from channels.base import InboundAttachment, ThreadHints
from desk.extensions import db
from desk.models import Interaction, OutboxItem, Ticket
from desk.services import tickets
from tests.console.conftest import active_content, add_phone, hidden_value, page_token, text_of


def cross_channel_customer(make):
    """Kim writes an email, later texts twice from a phone we know is hers."""
    email_ticket, first = make.inbound("email", "kim@example.kr", "주문 취소하고 싶어요", subject="주문 취소",
                                       sender_name="김하늘")
    add_phone(email_ticket.customer, "010-1234-5678")
    sms_ticket, second = make.inbound("sms", "010-1234-5678", "문자로도 문의드려요")
    same, third = make.inbound("sms", "+82 10 1234 5678", "답장 기다릴게요")
    assert same.id == sms_ticket.id and sms_ticket.id != email_ticket.id
    return email_ticket, sms_ticket, (first, second, third)


def test_ticket_page_shows_the_whole_cross_channel_timeline(client, make, staff, sign_in):
    email_ticket, sms_ticket, (first, second, third) = cross_channel_customer(make)
    sign_in()
    html = text_of(client.get(f"/tickets/{email_ticket.number}"))
    for entry in (first, second, third):
        assert f'id="i-{entry.id}"' in html
    assert "주문 취소하고 싶어요" in html and "문자로도 문의드려요" in html and "답장 기다릴게요" in html
    # This ticket's entries are highlighted; the others link to their ticket.
    assert re.search(rf'class="entry [^"]*is-this"\s+id="i-{first.id}"', html)
    assert re.search(rf'class="entry [^"]*is-other"\s+id="i-{second.id}"', html)
    assert f'href="/tickets/{sms_ticket.number}"' in html
    # Oldest first: the email, then both texts.
    assert html.index(f'id="i-{first.id}"') < html.index(f'id="i-{second.id}"') < html.index(f'id="i-{third.id}"')
    # Why each inbound message landed where it did, in Korean.
    assert "새 티켓" in html and "같은 채널의 진행 중인 티켓" in html
    # The customer card: name, identities (the phone in national format), counts, profile link.
    assert "김하늘" in html and "kim@example.kr" in html and "010-1234-5678" in html
    assert f'href="/customers/{email_ticket.customer_id}"' in html


def test_threading_reasons_are_translated(client, make, staff, sign_in):
    ticket, _ = make.inbound("email", "lee@example.kr", "첫 메일", subject="문의")
    make.inbound("email", "lee@example.kr", "제목 토큰", subject=f"Re: [#{ticket.number}] 문의",
                 thread_hints=ThreadHints(ticket_number=ticket.number))
    make.inbound("email", "lee@example.kr", "회신 주소", subject="Re: 문의",
                 thread_hints=ThreadHints(ticket_id=ticket.id, reason="reply_token"))
    make.inbound("email", "lee@example.kr", "참조", subject="Re: 문의",
                 thread_hints=ThreadHints(ticket_id=ticket.id))
    sign_in()
    html = text_of(client.get(f"/tickets/{ticket.number}"))
    for phrase in ("새 티켓", "제목의 티켓 번호", "회신 전용 주소로 온 답장", "보낸 메시지에 대한 답장"):
        assert phrase in html, phrase
    client.get("/lang/en")
    html = text_of(client.get(f"/tickets/{ticket.number}"))
    for phrase in ("New ticket", "Ticket number in the subject", "Reply to our reply address",
                   "Reply to one of our messages"):
        assert phrase in html, phrase


def test_reply_form_creates_an_outbound_interaction_and_a_delivery(client, make, staff, sign_in):
    ticket, _ = make.inbound("email", "kim@example.kr", "환불해 주세요", subject="환불")
    sign_in()
    token = page_token(client, f"/tickets/{ticket.number}")
    response = client.post(f"/tickets/{ticket.number}/reply", data={
        "csrf_token": token, "kind": "reply", "channel": "email", "body": "확인 후 환불해 드리겠습니다.",
        "status": "pending"})
    assert response.status_code == 302
    reply = db.session.scalar(select(Interaction).where(Interaction.direction == "outbound"))
    assert reply.channel == "email" and reply.text == "확인 후 환불해 드리겠습니다."
    assert reply.author_agent_id == staff["agent"].id
    assert response.headers["Location"] == f"/tickets/{ticket.number}#i-{reply.id}"
    assert db.session.scalar(select(OutboxItem).where(OutboxItem.interaction_id == reply.id)) is not None
    assert db.session.get(Ticket, ticket.id).status == "pending"
    page = text_of(client.get(f"/tickets/{ticket.number}"))
    assert "답장을 이메일(으)로 발송 대기열에 넣었습니다." in page
    assert re.search(rf'class="entry dir-outbound ch-email is-this"\s+id="i-{reply.id}"', page)
    assert "발송 대기" in page  # delivery status of the outbound message


def test_note_form_creates_an_internal_note(client, make, staff, sign_in):
    ticket, _ = make.inbound("sms", "010-9876-5432", "배송 문의")
    sign_in()
    token = page_token(client, f"/tickets/{ticket.number}")
    response = client.post(f"/tickets/{ticket.number}/reply", data={
        "csrf_token": token, "kind": "note", "body": "VIP 고객, 우선 처리", "status": ""})
    assert response.status_code == 302
    note = db.session.scalar(select(Interaction).where(Interaction.direction == "internal"))
    assert note.channel == "note" and note.text == "VIP 고객, 우선 처리"
    assert db.session.scalar(select(OutboxItem)) is None  # notes are never delivered
    page = text_of(client.get(f"/tickets/{ticket.number}"))
    assert re.search(rf'class="entry dir-internal ch-note is-this"\s+id="i-{note.id}"', page)
    assert "내부 메모를 추가했습니다." in page


def test_composer_offers_only_channels_the_customer_has(client, make, staff, sign_in):
    ticket, _ = make.inbound("sms", "010-9876-5432", "문자 문의")
    sign_in()
    html = text_of(client.get(f"/tickets/{ticket.number}"))
    select_html = re.search(r'<select name="channel".*?</select>', html, re.S).group(0)
    assert re.findall(r'<option value="(\w+)"', select_html) == ["sms"]
    assert re.search(r'<option value="sms" selected', select_html)


def test_reply_on_a_channel_the_customer_lacks_is_a_message_not_a_500(client, make, staff, sign_in):
    ticket, _ = make.inbound("sms", "010-9876-5432", "문자 문의")
    sign_in()
    token = page_token(client, f"/tickets/{ticket.number}")
    response = client.post(f"/tickets/{ticket.number}/reply", data={
        "csrf_token": token, "kind": "reply", "channel": "email", "body": "메일로 답장", "status": ""})
    assert response.status_code == 422
    html = text_of(response)
    assert "이 채널로는 고객에게 연락할 수 없습니다." in html
    assert "메일로 답장</textarea>" in html  # the draft is kept
    assert db.session.scalar(select(Interaction).where(Interaction.direction == "outbound")) is None


def test_empty_reply_and_closed_ticket_are_flashed(client, make, staff, sign_in):
    ticket, _ = make.inbound("email", "kim@example.kr", "문의", subject="문의")
    sign_in()
    token = page_token(client, f"/tickets/{ticket.number}")
    empty = client.post(f"/tickets/{ticket.number}/reply", data={"csrf_token": token, "kind": "reply",
                                                                  "channel": "email", "body": "  "})
    assert empty.status_code == 422 and "먼저 메시지를 입력하세요." in text_of(empty)
    tickets.update(ticket.id, {"status": "closed"}, actor=staff["agent"])
    closed = client.post(f"/tickets/{ticket.number}/reply", data={"csrf_token": token, "kind": "note",
                                                                   "body": "메모"})
    assert closed.status_code == 409 and "종료된 티켓이라 답장할 수 없습니다." in text_of(closed)
    assert "composer-closed" in text_of(closed)


def test_reply_without_csrf_is_rejected(client, make, staff, sign_in):
    ticket, _ = make.inbound("email", "kim@example.kr", "문의", subject="문의")
    sign_in()
    response = client.post(f"/tickets/{ticket.number}/reply", data={"kind": "note", "body": "x"})
    assert response.status_code == 400
    assert db.session.scalar(select(Interaction).where(Interaction.direction == "internal")) is None


def test_properties_form_updates_the_ticket(client, make, staff, sign_in):
    ticket, _ = make.inbound("email", "kim@example.kr", "문의", subject="문의")
    agent = staff["agent"]
    sign_in()
    html = text_of(client.get(f"/tickets/{ticket.number}"))
    response = client.post(f"/tickets/{ticket.number}/update", data={
        "csrf_token": hidden_value(html, "csrf_token"), "version": hidden_value(html, "version"),
        "status": "open", "priority": "urgent", "queue": str(ticket.queue_id), "assignee": str(agent.id)})
    assert response.status_code == 302
    db.session.expire_all()
    changed = db.session.get(Ticket, ticket.id)
    assert (changed.status, changed.priority, changed.assignee_id) == ("open", "urgent", agent.id)
    assert "티켓을 변경했습니다." in text_of(client.get(f"/tickets/{ticket.number}"))


def test_stale_properties_form_warns_and_changes_nothing(client, make, staff, sign_in):
    ticket, _ = make.inbound("email", "kim@example.kr", "문의", subject="문의")
    sign_in()
    html = text_of(client.get(f"/tickets/{ticket.number}"))
    # Someone else changes the ticket while the page is open.
    tickets.update(ticket.id, {"status": "pending"}, actor=staff["supervisor"])
    response = client.post(f"/tickets/{ticket.number}/update", data={
        "csrf_token": hidden_value(html, "csrf_token"), "version": hidden_value(html, "version"),
        "status": "new", "priority": "high", "queue": str(ticket.queue_id), "assignee": ""})
    assert response.status_code == 302
    page = text_of(client.get(f"/tickets/{ticket.number}"))
    assert "이 티켓을 연 뒤에 다른 사람이 변경했습니다." in page
    db.session.expire_all()
    unchanged = db.session.get(Ticket, ticket.id)
    assert (unchanged.status, unchanged.priority) == ("pending", "normal")


def test_agent_cannot_open_another_queues_ticket(client, make, staff, sign_in):
    billing, entry = make.inbound("email", "pay@example.kr", "결제 문의", subject="결제", queue="billing")
    sign_in("agent")
    token = page_token(client, "/")
    assert client.get(f"/tickets/{billing.number}").status_code == 404
    assert client.get(f"/tickets/{billing.number}/interactions/{entry.id}").status_code == 404
    assert client.get(f"/tickets/{billing.number}/timeline").status_code == 404
    assert client.get(f"/customers/{billing.customer_id}").status_code == 404
    assert client.post(f"/tickets/{billing.number}/reply",
                       data={"csrf_token": token, "kind": "note", "body": "x"}).status_code == 404
    assert client.post(f"/tickets/{billing.number}/update",
                       data={"csrf_token": token, "version": "1", "status": "solved"}).status_code == 404
    assert "pay@example.kr" not in text_of(client.get("/customers"))
    assert db.session.get(Ticket, billing.id).status == "new"
    # Once it is assigned to them, they can.
    tickets.update(billing.id, {"assignee": staff["agent"].id}, actor=staff["supervisor"])
    assert client.get(f"/tickets/{billing.number}").status_code == 200


def test_hostile_html_is_not_executable(client, make, staff, sign_in):
    ticket, entry = make.inbound(
        "email", "evil@example.kr", "", subject="<script>alert('subject')</script>",
        html='<p>Hello</p><script>alert(1)</script><img src="x" onerror="alert(2)">'
             '<a href="javascript:alert(3)">click</a><iframe src="//evil"></iframe>',
        sender_name='<img src=x onerror="alert(4)">')
    text_only, _ = make.inbound("sms", "010-5555-6666", "<script>alert('sms')</script>\n둘째 줄")
    sign_in()
    for number in (ticket.number, text_only.number):
        html = text_of(client.get(f"/tickets/{number}"))
        assert "<script>alert" not in html
        assert active_content(html) == []
    html = text_of(client.get(f"/tickets/{ticket.number}"))
    assert "<p>Hello</p>" in html  # sanitised HTML is shown as HTML
    assert "&lt;script&gt;alert(&#39;subject&#39;)&lt;/script&gt;" in html
    html = text_of(client.get(f"/tickets/{text_only.number}"))
    assert "&lt;script&gt;alert(&#39;sms&#39;)&lt;/script&gt;\n둘째 줄" in html  # text, line breaks kept
    fragment = text_of(client.get(f"/tickets/{ticket.number}/interactions/{entry.id}"))
    assert "<script>alert" not in fragment and active_content(fragment) == []
    assert "&lt;img src=x onerror=" in fragment  # the hostile sender name is shown as text


def test_attachments_are_download_links(client, make, staff, sign_in):
    ticket, entry = make.inbound("email", "kim@example.kr", "영수증 첨부합니다", subject="영수증",
                                 attachments=(InboundAttachment("영수증.pdf", "application/pdf", b"%PDF-1.4 test"),))
    sign_in()
    html = text_of(client.get(f"/tickets/{ticket.number}"))
    attachment = entry.attachments[0]
    link = re.search(rf'href="(/attachments/{attachment.id}/[^"]+)" download', html)
    assert link
    response = client.get(link.group(1))
    assert response.status_code == 200 and response.data == b"%PDF-1.4 test"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_fragments_render_entries_for_live_updates(client, make, staff, sign_in):
    email_ticket, sms_ticket, (first, second, third) = cross_channel_customer(make)
    stranger, foreign = make.inbound("email", "other@example.kr", "다른 고객", subject="다른")
    sign_in()
    one = client.get(f"/tickets/{email_ticket.number}/interactions/{third.id}")
    assert one.status_code == 200
    body = text_of(one)
    assert f'id="i-{third.id}"' in body and "is-other" in body and "<html" not in body
    # An interaction of another customer is not part of this ticket's timeline.
    assert client.get(f"/tickets/{email_ticket.number}/interactions/{foreign.id}").status_code == 404
    latest = text_of(client.get(f"/tickets/{email_ticket.number}/timeline"))
    assert all(f'id="i-{e.id}"' in latest for e in (first, second, third))
    assert client.get(f"/tickets/{email_ticket.number}/timeline?cursor=bogus").status_code == 400


def test_ticket_page_loads_older_entries_by_cursor(client, make, staff, sign_in):
    from desk.console.tickets import TICKET_TIMELINE

    ticket, first = make.inbound("email", "kim@example.kr", "맨 처음 메일", subject="문의")
    later = [make.inbound("email", "kim@example.kr", f"추가 메일 {n}", subject="Re: 문의",
                          thread_hints=ThreadHints(ticket_id=ticket.id))[1] for n in range(TICKET_TIMELINE + 2)]
    sign_in()
    html = text_of(client.get(f"/tickets/{ticket.number}"))
    assert f'id="i-{first.id}"' not in html and f'id="i-{later[-1].id}"' in html
    older_url = re.search(r'data-older-url="([^"]+)"', html).group(1).replace("&amp;", "&")
    older = text_of(client.get(older_url))
    assert f'id="i-{first.id}"' in older and f'id="i-{later[1].id}"' in older
    assert f'id="i-{later[2].id}"' not in older  # already on the page
    assert "data-older-url" not in older  # nothing older than that


def test_customer_page_lists_tickets_and_pages_the_timeline(client, make, staff, sign_in):
    email_ticket, sms_ticket, entries = cross_channel_customer(make)
    for n in range(55):
        make.inbound("sms", "010-1234-5678", f"추가 문자 {n}")
    sign_in()
    first = client.get(f"/customers/{email_ticket.customer_id}")
    html = text_of(first)
    assert first.status_code == 200
    assert f'href="/tickets/{email_ticket.number}"' in html and f'href="/tickets/{sms_ticket.number}"' in html
    assert "추가 문자 54" in html and "주문 취소하고 싶어요" not in html  # newest first, 50 a page
    older = re.search(r'rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    html = text_of(client.get(older))
    assert "주문 취소하고 싶어요" in html
    search = text_of(client.get("/customers?q=010-1234"))
    assert "김하늘" in search
