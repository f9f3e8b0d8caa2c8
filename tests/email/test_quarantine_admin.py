"""Admins see quarantined mail in the console and the API, and can reprocess or discard it."""
from __future__ import annotations

from sqlalchemy import select

from channels.email.processor import process
from desk.extensions import db
from desk.models import Interaction, MailQuarantine
from tests.conftest import Api, csrf_token, login
from tests.email.conftest import build_mail


def quarantine_two(app):
    app.config["MAIL_SENDER_HOURLY_LIMIT"] = 1
    process(build_mail(message_id="<ok@x>"))
    process(build_mail(message_id="<held@x>", subject="두 번째 메일"))
    process(b"\x00\xff garbage that is still kept", envelope_from="", rcpt_to=["support@desk.test"])


def test_admin_console_lists_and_reprocesses_quarantined_mail(app, client, staff):
    quarantine_two(app)
    login(client, staff["admin"].email)
    page = client.get("/admin/mail/quarantine")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "두 번째 메일" in html
    assert "이 발신자의 메일이 너무 많음" in html and "메일 격리함" in html  # Korean by default
    held = db.session.scalar(select(MailQuarantine).where(MailQuarantine.message_id == "held@x"))
    raw = client.get(f"/admin/mail/quarantine/{held.id}.eml")
    assert raw.data == held.raw and raw.headers["X-Content-Type-Options"] == "nosniff"
    token = csrf_token(html)
    assert client.post(f"/admin/mail/quarantine/{held.id}", data={"action": "trust"}).status_code == 400  # no CSRF
    done = client.post(f"/admin/mail/quarantine/{held.id}", data={"action": "trust", "csrf_token": token})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(MailQuarantine, held.id).status == "reprocessed"
    assert db.session.scalar(select(Interaction).where(Interaction.external_id == "held@x")) is not None


def test_agents_and_supervisors_cannot_see_the_quarantine(app, client, staff, make):
    quarantine_two(app)
    for who in ("agent", "supervisor"):
        login(client, staff[who].email)
        assert client.get("/admin/mail/quarantine").status_code == 404
        client.post("/logout", data={"csrf_token": csrf_token(client.get("/").get_data(as_text=True))})
    api = Api(client, make.token(staff["supervisor"]))
    assert api.get("/api/v1/mail/quarantine").status_code == 403


def test_api_lists_reprocesses_and_reports_missing_entries(app, client, staff, make):
    quarantine_two(app)
    api = Api(client, make.token(staff["admin"]))
    listing = api.get("/api/v1/mail/quarantine").get_json()
    reasons = sorted(item["reason"] for item in listing["items"])
    assert reasons == ["no_sender", "rate_limited"]  # the garbage bytes had no sender; nothing was dropped
    held = next(i for i in listing["items"] if i["reason"] == "rate_limited")
    again = api.post(f"/api/v1/mail/quarantine/{held['id']}/reprocess")  # no body needed
    assert again.status_code == 200 and again.get_json()["outcome"] == "quarantined"  # still over the limit
    forced = api.post(f"/api/v1/mail/quarantine/{held['id']}/reprocess", json={"force": True}).get_json()
    assert forced["outcome"] == "processed" and forced["item"]["status"] == "reprocessed"
    assert api.post("/api/v1/mail/quarantine/999999/reprocess", json={}).status_code == 404

