"""The chat pages through the Flask test client: who may see what."""
from __future__ import annotations

from channels.chat import service
from tests.conftest import login


def test_desk_needs_a_signed_in_agent(client, staff):
    answer = client.get("/chat/desk")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_desk_and_timeline_for_the_queues_agent_only(app, client, make, staff):
    app.config["CHAT_HOURS"] = "always"
    make.inbound("email", sender="yuna@example.kr", text="지난번 주문 문의", sender_name="한유나")
    cs, _ = service.start("v_pages", name="한유나", body="채팅으로 다시 문의해요", client_id="c1")
    login(client, staff["agent"].email)
    page = client.get("/chat/desk")
    assert page.status_code == 200 and "data-chat-desk" in page.get_data(as_text=True)
    timeline = client.get(f"/chat/desk/{cs.id}/timeline")
    assert timeline.status_code == 200 and "채팅으로 다시 문의해요" in timeline.get_data(as_text=True)

    other = client.application.test_client()
    login(other, make.agent("agent", ["billing"]).email)
    assert other.get(f"/chat/desk/{cs.id}/timeline").status_code == 404
    assert other.get("/chat/desk/999999/timeline").status_code == 404


def test_public_pages_render_in_both_languages(client):
    assert "예시 쇼핑몰" in client.get("/chat/example").get_data(as_text=True)
    page = client.get("/chat")
    assert page.status_code == 200 and "widget.js" in page.get_data(as_text=True)
    client.get("/lang/en")
    assert "Example shop" in client.get("/chat/example").get_data(as_text=True)
