"""The ticket list: filters, keyset pages, scope, navigation counts, language and dates."""
from __future__ import annotations

import re

from desk.services import tickets
from tests.console.conftest import active_content, text_of


def numbers(response) -> set[int]:
    return {int(n) for n in re.findall(r'<td class="col-num">(\d+)</td>', text_of(response))}


def test_queue_list_shows_the_columns(client, make, staff, sign_in):
    ticket, _ = make.inbound("email", "kim@example.kr", "택배가 안 와요", subject="배송 문의",
                             sender_name="김철수")
    sign_in()
    html = text_of(client.get("/"))
    assert "미해결 티켓" in html  # Korean by default
    assert f'href="/tickets/{ticket.number}"' in html
    assert "배송 문의" in html and "김철수" in html
    assert 'class="badge status status-new"' in html and "신규" in html
    assert "chan chan-email" in html and "이메일" in html
    assert "일반 문의" in html  # the queue
    assert "미배정" in html  # no assignee yet
    assert "<time datetime=" in html


def test_filters_by_status_channel_queue_assignee_and_search(client, make, staff, sign_in):
    agent = staff["agent"]
    email, _ = make.inbound("email", "a@example.kr", "환불 요청드립니다", subject="환불")
    sms, _ = make.inbound("sms", "010-2222-3333", "배송지 변경")
    chat, _ = make.inbound("chat", "visitor-1", "hello", sender_kind="chat_visitor")
    solved, _ = make.inbound("email", "b@example.kr", "감사합니다", subject="감사")
    tickets.update(solved.id, {"status": "solved"}, actor=agent)
    tickets.update(sms.id, {"assignee": agent.id}, actor=agent)
    sign_in()

    assert numbers(client.get("/")) == {email.number, sms.number, chat.number}
    assert numbers(client.get("/?status=solved")) == {solved.number}
    assert numbers(client.get("/?status=all")) == {email.number, sms.number, chat.number, solved.number}
    assert numbers(client.get("/?channel=sms")) == {sms.number}
    assert numbers(client.get("/?assignee=me")) == {sms.number}
    assert numbers(client.get("/?assignee=none")) == {email.number, chat.number}
    assert numbers(client.get("/?q=환불")) == {email.number}
    assert numbers(client.get(f"/?q=%23{chat.number}")) == {chat.number}
    queue_id = email.queue_id
    assert numbers(client.get(f"/?queue={queue_id}&channel=email")) == {email.number}
    # Nonsense parameters fall back to the default view instead of failing.
    response = client.get("/?status=bogus&channel=<script>&assignee=42")
    assert response.status_code == 200
    assert numbers(response) == {email.number, sms.number, chat.number}


def test_older_link_pages_with_the_cursor(client, make, staff, sign_in):
    created = [make.inbound("email", f"c{n}@example.kr", f"문의 {n}", subject=f"문의 {n}")[0] for n in range(53)]
    sign_in()
    first = client.get("/")
    assert len(numbers(first)) == 50
    match = re.search(r'rel="next" href="([^"]+)"', text_of(first))
    assert match, "no older link"
    second = client.get(match.group(1).replace("&amp;", "&"))
    assert numbers(second) == {t.number for t in created[:3]}
    assert 'rel="next"' not in text_of(second)
    assert client.get("/?cursor=not-a-cursor").status_code == 200  # flashed, not a 500


def test_agents_see_only_their_queues_and_counts_follow(client, make, staff, sign_in):
    mine, _ = make.inbound("email", "a@example.kr", "general question", subject="일반")
    other, _ = make.inbound("email", "b@example.kr", "billing question", subject="결제", queue="billing")
    sign_in("agent")
    html = text_of(client.get("/?status=all"))
    assert f"/tickets/{mine.number}" in html and f"/tickets/{other.number}" not in html
    # The navigation counts only what the agent may see.
    assert re.search(r"미해결 전체</span>\s*<span class=\"nav-count\">1</span>", html)
    assert "결제" not in re.search(r'<nav class="sidebar".*?</nav>', html, re.S).group(0)


def test_supervisor_sees_every_queue_and_can_filter_by_agent(client, make, staff, sign_in):
    other, _ = make.inbound("email", "b@example.kr", "billing question", subject="결제", queue="billing")
    tickets.update(other.id, {"assignee": staff["agent"].id}, actor=staff["supervisor"])
    sign_in("supervisor")
    assert numbers(client.get("/")) == {other.number}
    assert numbers(client.get(f"/?assignee={staff['agent'].id}")) == {other.number}
    assert numbers(client.get(f"/?assignee={staff['supervisor'].id}")) == set()


def test_english_and_seoul_time(client, make, staff, sign_in):
    from datetime import datetime, timezone

    ticket, _ = make.inbound("email", "a@example.kr", "hello", subject="Hello",
                             occurred_at=datetime(2026, 1, 5, 3, 0, tzinfo=timezone.utc))
    sign_in()
    html = text_of(client.get(f"/tickets/{ticket.number}"))
    assert re.search(r"1월 5일 오후 12:00", html)  # 03:00 UTC is noon in Seoul
    client.get("/lang/en")
    html = text_of(client.get(f"/tickets/{ticket.number}"))
    assert 'lang="en"' in html and "Customer timeline" in html
    assert re.search(r"Jan 5(, 2026)?, 12:00\s?PM", html)
    assert "Unsolved tickets" in text_of(client.get("/"))


def test_pages_carry_no_inline_script_or_style(client, make, staff, sign_in):
    ticket, _ = make.inbound("email", "a@example.kr", "hello", subject="Hello")
    sign_in()
    for path in ("/", f"/tickets/{ticket.number}", f"/customers/{ticket.customer_id}", "/customers", "/login",
                 "/tickets/99999"):
        response = client.get(path)
        html = text_of(response)
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert active_content(html) == [], path
