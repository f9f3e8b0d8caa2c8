"""Admin settings through the real forms: queues and routing, agents, SLA policies, business hours
and holidays, macros, the audit log; bad input is refused with a message, never a 500."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from desk.extensions import db
from desk.models import (Agent, AgentSettings, AuditLog, BusinessCalendar, Holiday, Macro, Queue, QueueSettings,
                         SlaPolicy)
from tests.console.conftest import page_token, text_of


def seoul(*args) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo("Asia/Seoul")).astimezone(timezone.utc)


def post(client, path, **data):
    data["csrf_token"] = page_token(client, "/admin/queues")
    return client.post(path, data=data, follow_redirects=True)


def test_queue_routing_and_new_queue(client, staff, sign_in):
    sign_in("admin")
    general = db.session.scalar(select(Queue).where(Queue.slug == "general"))
    page = text_of(post(client, f"/admin/queues/{general.id}", routing="least_loaded", skill="korean",
                        reassign_offline="1", calendar=""))
    assert "큐 설정을 저장했습니다." in page
    settings = db.session.get(QueueSettings, general.id, populate_existing=True)
    assert (settings.routing, settings.skill, settings.reassign_offline) == ("least_loaded", "korean", True)
    page = text_of(post(client, "/admin/queues", slug="vip", name="VIP 고객"))
    assert "큐를 만들었습니다." in page and "VIP 고객" in page
    page = text_of(post(client, "/admin/queues", slug="vip", name="again"))
    assert "flash-error" in page
    assert post(client, f"/admin/queues/{general.id}", routing="random").status_code == 200  # refused, not 500
    assert db.session.get(QueueSettings, general.id, populate_existing=True).routing == "least_loaded"


def test_agents_invite_role_skills_capacity_chats_queues(client, staff, sign_in):
    sign_in("admin")
    billing = db.session.scalar(select(Queue).where(Queue.slug == "billing"))
    page = text_of(post(client, "/admin/agents", email="Sora@Desk.Test", name="박소라", role="agent",
                        password="a good long password", queues=str(billing.id)))
    assert "상담원을 추가했습니다." in page and "sora@desk.test" in page
    sora = db.session.scalar(select(Agent).where(Agent.email == "sora@desk.test"))
    assert [q.slug for q in sora.queues] == ["billing"]
    page = text_of(post(client, f"/admin/agents/{sora.id}", role="supervisor", skills="korean, English ,",
                        capacity="6", chat_capacity="5", queues=[str(billing.id)], active="1"))
    assert "상담원 설정을 저장했습니다." in page
    sora = db.session.get(Agent, sora.id, populate_existing=True)
    assert sora.role == "supervisor" and sora.skills == ["english", "korean"] and sora.chat_capacity == 5
    assert db.session.get(AgentSettings, sora.id).capacity == 6
    changed = db.session.scalars(select(AuditLog).where(AuditLog.action == "agent.updated")).all()[-1].data
    assert changed["chat_capacity"] == [3, 5]
    page = text_of(post(client, f"/admin/agents/{sora.id}", role="agent", capacity="0", active="1"))
    assert "flash-error" in page
    for chats in ("21", "-1", "many"):
        page = text_of(post(client, f"/admin/agents/{sora.id}", role="supervisor", capacity="6", chat_capacity=chats,
                            queues=[str(billing.id)], active="1"))
        assert "flash-error" in page
    assert db.session.get(Agent, sora.id, populate_existing=True).chat_capacity == 5
    # An admin cannot lock themselves out.
    page = text_of(post(client, f"/admin/agents/{staff['admin'].id}", role="agent", capacity="5", active="1"))
    assert "flash-error" in page and db.session.get(Agent, staff["admin"].id, populate_existing=True).role == "admin"


def test_sla_policy_lifecycle(client, staff, sign_in):
    sign_in("admin")
    general = db.session.scalar(select(Queue).where(Queue.slug == "general"))
    page = text_of(post(client, "/admin/sla", name="VIP 긴급", queue=str(general.id), priority="urgent", segment="vip",
                        first_response="15", next_response="30", resolution="240", warn_minutes="5",
                        escalate_priority="1", notify_supervisors="1", active="1", action="save"))
    assert "정책을 저장했습니다." in page and "VIP 긴급" in page
    policy = db.session.scalar(select(SlaPolicy))
    assert (policy.first_response_minutes, policy.segment, policy.queue_id) == (15, "vip", general.id)
    assert "flash-error" in text_of(post(client, "/admin/sla", name="빈 정책", action="save"))
    assert "flash-error" in text_of(post(client, "/admin/sla", name="음수", first_response="-5", action="save"))
    page = text_of(post(client, f"/admin/sla/{policy.id}", action="delete"))
    assert "정책을 삭제했습니다." in page and db.session.scalar(select(SlaPolicy)) is None


def test_business_hours_and_korean_holidays(client, staff, sign_in):
    sign_in("admin")
    form = {"name": "서울 본사", "timezone": "Asia/Seoul", "is_default": "1"}
    for day in range(5):
        form.update({f"open_{day}": "1", f"start_{day}": "09:00", f"end_{day}": "18:00"})
    form.update({"open_5": "1", "start_5": "10:00", "end_5": "14:00"})
    page = text_of(post(client, "/admin/hours", **form))
    assert "영업시간을 저장했습니다." in page
    calendar = db.session.scalar(select(BusinessCalendar))
    assert calendar.hours["5"] == [["10:00", "14:00"]] and calendar.hours["6"] == [] and calendar.is_default
    page = text_of(post(client, f"/admin/hours/{calendar.id}/holidays", year="2026"))
    assert "공휴일 20일을 추가했습니다." in page and "추석" in page
    page = text_of(post(client, f"/admin/hours/{calendar.id}/holidays", day="2026-12-31", name="종무식"))
    assert "종무식" in page
    holiday = db.session.scalar(select(Holiday).where(Holiday.day == date(2026, 12, 31)))
    assert "휴일을 삭제했습니다." in text_of(post(client, f"/admin/holidays/{holiday.id}/delete"))
    bad = dict(form, timezone="Mars/Base")
    assert "flash-error" in text_of(post(client, "/admin/hours", **bad))
    bad = dict(form, break_start_0="12:00", break_end_0="19:00")
    page = text_of(post(client, f"/admin/hours/{calendar.id}", **bad))
    assert "flash-error" in page and "월: 휴식 시간은 영업시간 안에서 시작하고 끝나야 합니다." in page
    bad = dict(form, break_start_2="12:00")
    assert "수: 휴식 시간은 시작과 끝을 모두 적거나 둘 다 비워 두세요." in text_of(post(client, "/admin/hours", **bad))
    db.session.expire_all()
    assert calendar.hours["0"] == [["09:00", "18:00"]]  # refused forms change nothing


def test_a_lunch_break_and_a_night_shift(client, staff, sign_in):
    """Weekdays 09:00-18:00 with lunch 12:00-13:00, Saturday night 22:00 to 06:00 on Sunday: saved,
    shown again as entered, and counted that way by the SLA arithmetic."""
    from desk.services import business_hours

    sign_in("admin")
    form = {"name": "콜센터", "timezone": "Asia/Seoul", "is_default": "1"}
    for day in range(5):
        form.update({f"open_{day}": "1", f"start_{day}": "09:00", f"end_{day}": "18:00",
                     f"break_start_{day}": "12:00", f"break_end_{day}": "13:00"})
    form.update({"open_5": "1", "start_5": "22:00", "end_5": "06:00", "break_start_5": "", "break_end_5": ""})
    assert "영업시간을 저장했습니다." in text_of(post(client, "/admin/hours", **form))
    calendar = db.session.scalar(select(BusinessCalendar))
    assert calendar.hours["0"] == [["09:00", "12:00"], ["13:00", "18:00"]]
    assert calendar.hours["5"] == [["22:00", "30:00"]] and calendar.hours["6"] == []

    page = client.get("/admin/hours").get_data(as_text=True)
    assert f'id="bstart-{calendar.id}-0" type="time" name="break_start_0" value="12:00"' in page
    assert f'id="end-{calendar.id}-5" type="time" name="end_5" value="06:00"> <span class="chip">다음 날</span>' in page

    hours = business_hours.hours_of(calendar)
    # Monday 11:30 + 1 business hour: the lunch hour does not count.
    assert business_hours.add(hours, seoul(2026, 11, 30, 11, 30), 3600) == seoul(2026, 11, 30, 13, 30)
    # Friday 17:30 + 2 hours: half an hour on Friday, then Saturday night from 22:00.
    assert business_hours.add(hours, seoul(2026, 12, 4, 17, 30), 7200) == seoul(2026, 12, 5, 23, 30)
    # Saturday 23:00 to Sunday 05:00 is all open, across midnight; Sunday 06:00 closes.
    assert business_hours.between(hours, seoul(2026, 12, 5, 23, 0), seoul(2026, 12, 6, 5, 0)) == 6 * 3600
    assert business_hours.is_open(hours, seoul(2026, 12, 6, 5, 59))
    assert not business_hours.is_open(hours, seoul(2026, 12, 6, 6, 0))


def test_macros_and_audit_log(client, staff, sign_in):
    sign_in("admin")
    page = text_of(post(client, "/admin/macros", name="배송 안내", body="{{customer.name}}님, 배송이 시작되었습니다.",
                        set_status="solved", set_priority="", set_queue="", add_tags="배송, 안내", action="save"))
    assert "매크로를 저장했습니다." in page
    macro = db.session.scalar(select(Macro))
    assert macro.set_status == "solved" and macro.add_tags == ["배송", "안내"]
    assert "flash-error" in text_of(post(client, "/admin/macros", name="빈 매크로", body="", action="save"))
    audit = text_of(client.get("/admin/audit"))
    assert "macro.saved" in audit and "감사 기록" in audit
    filtered = text_of(client.get("/admin/audit?action=macro.saved"))
    assert "macro.saved" in filtered and "login.succeeded" not in filtered
    assert client.get("/admin/audit?cursor=garbage").status_code == 200
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "macro.saved")).actor_agent_id == staff["admin"].id
