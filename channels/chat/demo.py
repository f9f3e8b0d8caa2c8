"""Demo chat conversations, through the real chat services: two finished chats (Korean and
English) and one waiting for an agent, so the chat desk has something to show. The visitors are
demo customers whose browsers desk already knows (their chat-visitor identity is on file), so the
chats join their existing timelines."""
from __future__ import annotations

import re

from sqlalchemy import select, update

from channels.chat import service
from desk.extensions import db
from desk.models import ChatSession, Customer
from desk.services import identity

CONVERSATIONS = [
    ("ko", "shipping", "minji@desk.localhost", [
        ("c", "주문한 러닝화가 아직 배송 준비 중이에요. 주문번호 A-20731 입니다."),
        ("a", "안녕하세요 고객님, 확인해 드릴게요. 잠시만 기다려 주세요."),
        ("a", "물류센터에서 오늘 오후 출고 예정입니다. 내일 도착할 거예요."),
        ("c", "빠른 확인 감사합니다!"),
        ("a", "더 도와드릴 일이 있으면 언제든 말씀해 주세요. 좋은 하루 보내세요!"),
    ], True),
    ("en", "tech", "james@desk.localhost", [
        ("c", "The password reset email never arrives. I tried three times."),
        ("a", "Sorry about that. Could you check whether mail from desk.localhost lands in spam?"),
        ("c", "Found it in spam, thanks! It works now."),
        ("a", "Great! I've noted it so we can fix our sender settings."),
    ], True),
    ("ko", "billing", None, [
        ("c", "카드 결제가 두 번 승인됐어요. 취소 가능할까요?"),
    ], False),
]


def _known_customers() -> dict[str, list[Customer]]:
    out: dict[str, list[Customer]] = {"ko": [], "en": []}
    for customer in db.session.scalars(select(Customer).where(Customer.merged_into_id.is_(None))
                                       .order_by(Customer.id).limit(20)):
        out["ko" if re.search("[가-힣]", customer.name or "") else "en"].append(customer)
    return out


def seed(staff: dict) -> None:
    known = _known_customers()
    for locale, topic, agent_email, lines, ended in CONVERSATIONS:
        customer = known[locale].pop(0)
        visitor = f"v_demo{customer.id}"
        with db.write() as session:
            identity.add_identity(session, session.get(Customer, customer.id), "chat_visitor", visitor)
        cs, _ = service.start(visitor, name=customer.name, email=customer.email, topic=topic, locale=locale,
                              body=lines[0][1], client_id="demo-0")
        with db.write() as session:  # nobody is online while the demo loads: offer it as if they were
            session.execute(update(ChatSession).where(ChatSession.id == cs.id).values(status="waiting"))
        if agent_email is None:
            continue
        agent = staff[agent_email]
        service.accept(agent, cs.id)
        for n, (side, text) in enumerate(lines[1:], start=1):
            if side == "c":
                service.post(service.chat_row(cs.id), f"demo-{n}", text)
            else:
                service.agent_send(agent, cs.id, f"demo-{n}", text)
        if ended:
            service.end_by_agent(agent, cs.id)
