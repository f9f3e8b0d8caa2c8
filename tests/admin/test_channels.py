"""The admin Channels page: what each channel is configured with (read-only from the environment,
secrets never shown), the default queue and per-queue acknowledgement mail (stored, audited, and
really changing what a new mail gets), in Korean and in English, for admins only."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from channels.email.processor import process
from channels.twilio.settings import reachable_problem
from desk.extensions import db
from desk.heartbeat import beat
from desk.models import AuditLog, Interaction, OutboxItem, Queue
from tests.console.conftest import page_token, text_of
from tests.email.conftest import build_mail
from tests.portal.conftest import follow_link, link_from_mail, request_link

PAGE = "/admin/channels"


def queue(slug: str) -> Queue:
    return db.session.scalar(select(Queue).where(Queue.slug == slug).execution_options(populate_existing=True))


def post(client, path, **data):
    data["csrf_token"] = page_token(client, PAGE)
    return client.post(path, data=data, follow_redirects=True)


def audits(action: str) -> list[AuditLog]:
    return list(db.session.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)))


def acknowledgements() -> list[Interaction]:
    db.session.rollback()
    return list(db.session.scalars(select(Interaction).where(Interaction.direction == "outbound",
                                                             Interaction.channel == "email")))


def test_the_page_shows_every_channel_in_korean(client, staff, sign_in):
    sign_in("admin")
    html = text_of(client.get(PAGE))
    for section in ('id="routing"', 'id="email"', 'id="chat"', 'id="phone"'):
        assert section in html
    assert "채널" in html and "수신 주소와 접수 확인 메일" in html and "실시간 채팅" in html and "Twilio에 입력할 웹훅" in html
    # Email: the addresses the processor really routes, the default queue also takes support@.
    assert "support@desk.test" in html and "general@desk.test" in html and "billing@desk.test" in html
    assert "답변은 보관만 되고 발송되지 않음" in html  # no DESK_SMTP_RELAY in the tests
    # Chat: the embed line widget.js reads, built from DESK_PUBLIC_URL.
    assert ('&lt;script src=&#34;http://desk.test/static/chat/widget.js&#34; data-desk=&#34;http://desk.test&#34; '
            'defer&gt;&lt;/script&gt;') in html
    # Phone: the routes Twilio must call, from the webhook blueprint.
    for path in ("/twilio/sms", "/twilio/voice", "/twilio/status"):
        assert f"http://desk.test{path}" in html
    assert "Twilio는 desk.test에 접속할 수 없습니다" in html  # a .test host is not reachable from Twilio
    for variable in ("DESK_MAIL_DOMAIN", "DESK_SMTP_RELAY", "DESK_CHAT_ALLOWED_ORIGINS", "DESK_CHAT_HOURS",
                     "DESK_CHAT_IDENTITY_SECRET", "DESK_TWILIO_AUTH_TOKEN", "DESK_CALLBACK_MAX_ATTEMPTS"):
        assert f'data-env="{variable}"' in html


def test_the_page_in_english(client, staff, sign_in):
    sign_in("admin")
    client.get("/lang/en")
    html = text_of(client.get(PAGE))
    assert "Addresses and acknowledgement" in html and "Add the chat to your website" in html
    assert "Webhooks to enter in Twilio" in html and "Default queue" in html and "수신 주소" not in html


def test_the_settings_tabs_link_to_the_page(client, staff, sign_in):
    sign_in("admin")
    assert 'href="/admin/channels"' in text_of(client.get("/admin/queues"))


@pytest.mark.parametrize("who", ["agent", "supervisor"])
def test_staff_below_admin_are_refused(client, staff, sign_in, who):
    sign_in(who)
    assert client.get(PAGE).status_code == 403
    token = page_token(client, "/")
    billing = queue("billing")
    for path in (f"/admin/channels/queues/{billing.id}/acknowledgement", "/admin/channels/default-queue"):
        response = client.post(path, data={"csrf_token": token, "send_acknowledgement": "1", "queue": billing.id})
        assert response.status_code == 403
    assert not queue("billing").send_acknowledgement and not queue("billing").is_default


def test_nobody_signed_in_and_customers_go_to_the_staff_login(client, make, staff):
    assert client.get(PAGE).status_code == 302 and "/login" in client.get(PAGE).headers["Location"]
    make.inbound(sender="alice@example.kr", text="문의합니다")
    assert request_link(client, "alice@example.kr").status_code == 200
    assert follow_link(client, link_from_mail("alice@example.kr")).status_code == 302  # a customer, signed in
    response = client.get(PAGE)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_changes_need_the_csrf_token(client, staff, sign_in):
    sign_in("admin")
    billing = queue("billing")
    assert client.post(f"/admin/channels/queues/{billing.id}/acknowledgement",
                       data={"send_acknowledgement": "1"}).status_code == 400
    assert client.post("/admin/channels/default-queue", data={"queue": billing.id}).status_code == 400
    assert not queue("billing").send_acknowledgement and queue("general").is_default
    assert not audits("queue.acknowledgement_changed") and not audits("queue.default_changed")


def test_acknowledgement_toggle_is_stored_audited_and_changes_what_new_mail_gets(client, staff, sign_in):
    sign_in("admin")
    billing = queue("billing")
    page = text_of(post(client, f"/admin/channels/queues/{billing.id}/acknowledgement", send_acknowledgement="1"))
    assert "결제에서 새 메일에 접수 확인 메일을 보냅니다." in page
    assert queue("billing").send_acknowledgement
    [entry] = audits("queue.acknowledgement_changed")
    assert entry.actor_agent_id == staff["admin"].id and entry.target_id == billing.id
    assert entry.data == {"queue": "billing", "send_acknowledgement": [False, True]}

    process(build_mail(sender="kim@example.kr", to="billing@desk.test", message_id="<on@example.kr>"),
            rcpt_to=["billing@desk.test"])
    [ack] = acknowledgements()
    assert ack.meta["to"] == "kim@example.kr" and ack.meta["auto"] is True and "#" in ack.text
    assert db.session.scalar(select(func.count()).select_from(OutboxItem)
                             .where(OutboxItem.interaction_id == ack.id)) == 1

    page = text_of(post(client, f"/admin/channels/queues/{billing.id}/acknowledgement"))  # box unticked
    assert "더 이상 접수 확인 메일을 보내지 않습니다" in page and not queue("billing").send_acknowledgement
    assert [a.data["send_acknowledgement"] for a in audits("queue.acknowledgement_changed")] == [[False, True],
                                                                                                 [True, False]]
    process(build_mail(sender="lee@example.kr", to="billing@desk.test", message_id="<off@example.kr>"),
            rcpt_to=["billing@desk.test"])
    assert len(acknowledgements()) == 1  # the second customer got none

    post(client, f"/admin/channels/queues/{billing.id}/acknowledgement")  # unchanged: nothing to audit
    assert len(audits("queue.acknowledgement_changed")) == 2


def test_unknown_queues_are_refused_with_a_message(client, staff, sign_in):
    sign_in("admin")
    page = text_of(post(client, "/admin/channels/queues/999999/acknowledgement", send_acknowledgement="1"))
    assert "flash-error" in page
    assert "flash-error" in text_of(post(client, "/admin/channels/default-queue", queue="999999"))
    assert "flash-error" in text_of(post(client, "/admin/channels/default-queue", queue="abc"))


def test_default_queue_takes_mail_to_support_and_sms(client, make, staff, sign_in):
    sign_in("admin")
    billing = queue("billing")
    page = text_of(post(client, "/admin/channels/default-queue", queue=str(billing.id)))
    assert "큐를 지정하지 않은 새 문의는 이제 결제(으)로 갑니다." in page
    assert queue("billing").is_default and not queue("general").is_default
    [entry] = audits("queue.default_changed")
    assert entry.data == {"queue": "billing", "before": "general"} and entry.actor_agent_id == staff["admin"].id
    process(build_mail(message_id="<support@example.kr>"), rcpt_to=["support@desk.test"])
    mail = db.session.scalar(select(Interaction).where(Interaction.external_id == "support@example.kr"))
    assert mail.ticket.queue.slug == "billing"
    sms, _ = make.inbound("sms", "010-1234-5678", "문자 문의")
    assert sms.queue.slug == "billing"
    # The page now lists support@ with billing.
    html = text_of(client.get(PAGE))
    billing_row = html.split('data-queue="billing"', 1)[1].split("</tr>", 1)[0]
    assert "support@desk.test" in billing_row


def test_secrets_never_reach_the_page(app, client, staff, sign_in):
    secrets = {"TWILIO_ACCOUNT_SID": "AC0123456789abcdef0123456789abcdef", "TWILIO_AUTH_TOKEN": "tok-4f9c2e-secret",
               "CHAT_IDENTITY_SECRET": "chat-identity-7d1a-secret"}
    app.config.update(secrets, TWILIO_NUMBER="+8215881234", SMTP_RELAY="relay.example.kr:587",
                      PUBLIC_URL="https://desk.example.kr")
    sign_in("admin")
    html = text_of(client.get(PAGE))
    for value in [*secrets.values(), app.config["SECRET_KEY"]]:
        assert value not in html
    assert "Twilio 연결됨" in html and "인증 토큰 설정됨" in html and "본인 확인 비밀키 설정됨" in html
    assert "+8215881234" in html and "relay.example.kr:587" in html and "답변 발송 중" in html
    assert "https://desk.example.kr/twilio/voice" in html and "channel-warning" not in html  # reachable: no warning


def test_phone_hours_are_shown_as_callers_hear_them(app, client, staff, sign_in):
    app.config["BUSINESS_HOURS"] = "mon-sat 10:00-19:00"
    sign_in("admin")
    phone = text_of(client.get(PAGE)).split('id="phone"', 1)[1]
    assert "mon-sat 10:00-19:00" in phone and "월요일부터 토요일까지 오전 10시부터 오후 7시까지, Asia/Seoul" in phone
    client.get("/lang/en")
    phone = text_of(client.get(PAGE)).split('id="phone"', 1)[1]
    assert "Monday to Saturday, 10 AM to 7 PM, Asia/Seoul" in phone
    app.config["BUSINESS_HOURS"] = "always"
    assert "Always open, Asia/Seoul" in text_of(client.get(PAGE)).split('id="phone"', 1)[1]


def test_running_processes_and_waiting_mail_are_reported(client, staff, sign_in):
    beat("smtp")
    sign_in("admin")
    email = text_of(client.get(PAGE)).split('id="email"', 1)[1].split('id="chat"', 1)[0]
    assert "실행 중" in email and "발송 대기 0건" in email
    billing = queue("billing")
    post(client, f"/admin/channels/queues/{billing.id}/acknowledgement", send_acknowledgement="1")
    process(build_mail(to="billing@desk.test"), rcpt_to=["billing@desk.test"])
    email = text_of(client.get(PAGE)).split('id="email"', 1)[1].split('id="chat"', 1)[0]
    assert "발송 대기 1건" in email


def test_chats_at_once_are_summed_up_with_a_link_to_the_agents_page(client, staff, sign_in):
    sign_in("admin")
    agent = staff["agent"]
    post(client, f"/admin/agents/{agent.id}", role="agent", capacity="10", chat_capacity="5",
         queues=[str(queue("general").id)], active="1")
    chat = text_of(client.get(PAGE)).split('id="chat"', 1)[1].split('id="phone"', 1)[0]
    assert "동시 5건 · 상담원 1명" in chat and "동시 3건 · 상담원 2명" in chat and 'href="/admin/agents"' in chat


@pytest.mark.parametrize("url, reachable", [
    ("http://127.0.0.1:5000", False), ("http://localhost:5000", False), ("http://10.0.0.5", False),
    ("https://desk.localhost", False), ("http://desk.example.kr", False), ("https://desk.example.kr", True)])
def test_twilio_reachability_hint(app, url, reachable):
    with app.test_request_context():
        assert (reachable_problem(url) is None) == reachable
