"""The agent's workspace: macros with placeholders that also change the ticket, @mentions that
notify, notifications for assignments, saved views, live counts."""
from __future__ import annotations

import json

from sqlalchemy import func, select

from desk.extensions import db
from desk.models import Macro, Notification, Queue, SavedView
from desk.services import tickets
from tests.console.conftest import page_token, text_of
from tests.supervisor.helpers import ticket


def make_macro(**kw) -> Macro:
    with db.write() as session:
        macro = Macro(**{"name": "환불 안내", "body": "{{customer.name}}님, 티켓 #{{ticket.number}} 환불이 접수되었습니다.",
                         "add_tags": ["환불"], **kw})
        session.add(macro)
    return macro


def test_macro_fills_placeholders_and_sets_status_tags_and_queue(client, make, staff, sign_in):
    billing = db.session.scalar(select(Queue).where(Queue.slug == "billing"))
    with db.write() as session:
        session.get(type(staff["agent"]), staff["agent"].id).queues.append(session.get(Queue, billing.id))
    macro = make_macro(set_status="pending", set_queue_id=billing.id)
    t, _ = make.inbound("email", "kim@example.kr", "환불 요청", subject="환불", sender_name="김하늘")
    sign_in()
    html = text_of(client.get(f"/tickets/{t.number}"))
    assert "매크로 넣기" in html and "환불 안내" in html
    preview = client.get(f"/tickets/{t.number}/macros/{macro.id}").get_json()
    assert preview["text"] == f"김하늘님, 티켓 #{t.number} 환불이 접수되었습니다."
    assert preview["changes"] == {"status": "pending", "queue": billing.id, "tags": ["환불"]}
    response = client.post(f"/tickets/{t.number}/reply", data={
        "csrf_token": page_token(client, f"/tickets/{t.number}"), "kind": "reply", "channel": "email",
        "body": preview["text"], "status": "", "macro_id": str(macro.id)})
    assert response.status_code == 302
    fresh = ticket(t.id)
    assert fresh.status == "pending" and fresh.queue_id == billing.id and fresh.tags == ["환불"]


def test_macro_preview_needs_access_to_the_ticket(client, make, staff, sign_in):
    macro = make_macro()
    t, _ = make.inbound("email", "kim@example.kr", "결제 문의", queue="billing")
    sign_in()  # the agent works "general" only
    assert client.get(f"/tickets/{t.number}/macros/{macro.id}").status_code == 404
    t2, _ = make.inbound("email", "lee@example.kr", "일반 문의")
    assert client.get(f"/tickets/{t2.number}/macros/999999").status_code == 404


def test_mention_in_a_note_notifies_the_colleague(client, make, staff, sign_in):
    colleague = make.agent("agent", ["general"], email="minji@desk.test")
    outsider = make.agent("agent", [], email="james@desk.test")
    t, _ = make.inbound("email", "kim@example.kr", "배송 문의")
    sign_in()
    client.post(f"/tickets/{t.number}/reply", data={
        "csrf_token": page_token(client, f"/tickets/{t.number}"), "kind": "note",
        "body": "@minji 이 고객 지난주에도 문의했어요. @james 참고", "status": ""})
    rows = list(db.session.scalars(select(Notification).where(Notification.kind == "mention")))
    # The colleague is told; someone who cannot see the ticket is not.
    assert [(n.agent_id, n.ticket_id) for n in rows] == [(colleague.id, t.id)]
    assert outsider.id not in {n.agent_id for n in rows}


def test_the_same_composer_sent_twice_makes_one_note_and_one_notification(client, make, staff, sign_in):
    """A double click or a resend after a dropped connection posts the same form again: the second
    post finds the note the first one made, and nobody is notified twice."""
    import re

    from desk.models import Interaction

    colleague = make.agent("agent", ["general"], email="minji@desk.test")
    t, _ = make.inbound("email", "kim@example.kr", "배송 문의")
    sign_in()
    page = client.get(f"/tickets/{t.number}").get_data(as_text=True)
    draft = re.search(r'name="draft" value="([0-9a-f]{32})"', page).group(1)
    form = {"csrf_token": page_token(client, f"/tickets/{t.number}"), "kind": "note", "draft": draft,
            "body": "@minji 확인 부탁해요", "status": ""}
    first, again = client.post(f"/tickets/{t.number}/reply", data=form), client.post(f"/tickets/{t.number}/reply", data=form)
    notes = list(db.session.scalars(select(Interaction).where(Interaction.channel == "note")))
    assert len(notes) == 1 and first.headers["Location"] == again.headers["Location"] == f"/tickets/{t.number}#i-{notes[0].id}"
    assert "내부 메모를 추가했습니다." in text_of(client.get(again.headers["Location"]))
    mentions = list(db.session.scalars(select(Notification).where(Notification.kind == "mention")))
    assert [n.agent_id for n in mentions] == [colleague.id]

    reply = {**form, "kind": "reply", "channel": "email", "body": "확인했습니다.", "seen_version": ""}
    fresh = re.search(r'name="draft" value="([0-9a-f]{32})"', client.get(f"/tickets/{t.number}").get_data(as_text=True))
    assert fresh.group(1) != draft  # every composer shown is a new one
    reply["draft"] = fresh.group(1)
    client.post(f"/tickets/{t.number}/reply", data=reply)
    again = client.post(f"/tickets/{t.number}/reply", data=reply)  # the ticket changed since: still no second reply
    assert again.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Interaction).where(Interaction.channel == "email",
                                                                                  Interaction.direction == "outbound")) == 1
    client.post(f"/tickets/{t.number}/reply", data={**form, "body": "다시 보니 해결됐네요"})  # back button, new words
    assert db.session.scalar(select(func.count()).select_from(Interaction).where(Interaction.channel == "note")) == 2
    form["draft"] = "not-a-draft-id"  # an odd value only loses the protection
    assert client.post(f"/tickets/{t.number}/reply", data=form).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Interaction).where(Interaction.channel == "note")) == 3


def test_notifications_panel_lists_and_marks_read(client, make, staff, sign_in, loop):
    t, _ = make.inbound("email", "kim@example.kr", "문의", subject="배송 지연")
    tickets.update(t.id, {"assignee": staff["agent"].id}, actor=staff["supervisor"])
    loop()
    sign_in()
    page = text_of(client.get("/"))
    assert 'data-notif-count>1<' in page
    listing = text_of(client.get("/notifications"))
    assert "나에게 배정됨" in listing and "배송 지연" in listing and f"/tickets/{t.number}" in listing
    token = page_token(client, "/")
    assert client.post("/notifications/read", data={"csrf_token": token}).get_json() == {"unread": 0}
    assert client.post("/notifications/read", data={}).status_code == 400  # no CSRF token
    assert client.get("/nav-counts").get_json()["notifications"] == 0


def test_taking_a_ticket_yourself_does_not_notify_you(client, make, staff, loop):
    t, _ = make.inbound("email", "kim@example.kr", "문의")
    tickets.update(t.id, {"assignee": staff["agent"].id}, actor=staff["agent"])
    loop()
    assert db.session.scalar(select(Notification.id).where(Notification.agent_id == staff["agent"].id)) is None


def test_saved_views_and_live_counts(client, make, staff, sign_in):
    make.inbound("email", "kim@example.kr", "메일")
    make.inbound("sms", "010-1234-5678", "문자")
    sign_in()
    token = page_token(client, "/?channel=sms")
    response = client.post("/views", data={"csrf_token": token, "name": "문자 문의", "channel": "sms"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/?channel=sms")
    html = text_of(client.get("/"))
    assert "문자 문의" in html and 'href="/?channel=sms"' in html
    view = db.session.scalar(select(SavedView))
    # Someone else cannot delete it.
    other = make.agent("agent", ["general"])
    client.post("/logout", data={"csrf_token": page_token(client, "/")})
    from tests.conftest import login

    login(client, other.email)
    assert client.post(f"/views/{view.id}/delete", data={"csrf_token": page_token(client, "/")}).status_code == 404
    counts = client.get("/nav-counts").get_json()["counts"]
    assert counts["/?assignee=none"] == 2 and counts["/"] == 2


def test_keyboard_hints_and_scripts_are_on_the_pages(client, make, staff, sign_in):
    t, _ = make.inbound("email", "kim@example.kr", "문의")
    sign_in()
    html = text_of(client.get(f"/tickets/{t.number}"))
    assert "/static/js/workspace.js" in html and 'id="kind-reply"' in html and 'id="kind-note"' in html
    kinds = json.loads(html.split("data-kinds='")[1].split("'")[0])
    assert kinds["mention"] == "나를 언급함"
