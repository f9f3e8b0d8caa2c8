"""Demo phone work: agents' phones, a few callback requests (one scheduled, one already handled)
and a small call campaign with some outcomes, all through the real services (recorded mode)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from desk.extensions import db
from desk.models import Agent, Customer, Identity, utcnow
from desk.services import callbacks, calls, dialer

CALLBACK_NOTES = ["카드 결제 취소 건으로 통화 원합니다", "배송 주소 변경 문의", "Please call me about my refund",
                  "앱 로그인 오류, 전화로 설명 부탁드려요", "VIP 혜택 문의"]
SCRIPT = ("안녕하세요 {name} 고객님, desk 고객센터 {agent}입니다. 지난달 문의해 주셔서 감사합니다.\n"
          "이번 달 VIP 고객님께 적금 우대금리 안내를 드리고 있는데, 잠시 설명 들으실 수 있으실까요?")


def _working_hour() -> datetime:
    """The next weekday 10:00 in Seoul still ahead: inside the calling hours, after every contact is due."""
    now = utcnow().astimezone(ZoneInfo("Asia/Seoul"))
    day = now.replace(hour=10, minute=0, second=0, microsecond=0)
    while day <= now or day.weekday() >= 5:
        day += timedelta(days=1)
    return day.astimezone(timezone.utc)


def seed() -> None:
    agents = {a.email: a for a in db.session.scalars(select(Agent))}
    minji, james = agents["minji@desk.localhost"], agents["james@desk.localhost"]
    supervisor = agents["supervisor@desk.localhost"]
    calls.set_agent_phone(minji, "010-5550-0101")
    calls.set_agent_phone(james, "010-5550-0102")
    phones = list(db.session.scalars(select(Identity.value).where(Identity.kind == "phone")
                                     .order_by(Identity.id).limit(40)))
    if len(phones) < 10:
        return
    names = {i.value: c.name for c, i in db.session.execute(
        select(Customer, Identity).join(Identity).where(Identity.value.in_(phones[:6])))}
    for index, phone in enumerate(phones[:5]):
        preferred = (utcnow() + timedelta(days=1)).replace(minute=0, second=0, microsecond=0) if index == 3 else None
        callbacks.request_callback(name=names.get(phone), phone=phone, note=CALLBACK_NOTES[index],
                                   preferred_time=preferred.isoformat() if preferred else None,
                                   source=["web", "api", "chat", "web", "api"][index], request_id=f"demo-{index}")
    handled, _, _ = callbacks.request_callback(name=names.get(phones[5]), phone=phones[5], source="web",
                                               note="주문 취소 확인 부탁드립니다", request_id="demo-handled")
    callbacks.take(minji, handled.id)
    callbacks.call(minji, handled.id)
    callbacks.record_outcome(minji, handled.id, "reached", notes="주문 취소 처리 완료, 환불 3일 내 안내")

    campaign = dialer.create(supervisor, name="VIP 적금 우대금리 안내", script=SCRIPT)
    dialer.add_customers(supervisor, campaign.id, q="010", limit=30)  # Korean mobiles
    dialer.set_status(supervisor, campaign.id, "active")
    moment = _working_hour()
    for agent, outcome, note in [(minji, "interested", "상품 설명서 문자로 요청"), (james, "no_answer", ""),
                                 (minji, "not_interested", "이미 타사 상품 가입"),
                                 (james, "call_back_later", "다음 주 오후에 통화 원함")]:
        contact = dialer.next_contact(agent, campaign.id, now=moment)
        if contact is None:
            break
        dialer.call(agent, contact.id, now=moment)
        dialer.record_outcome(agent, contact.id, outcome, notes=note)
