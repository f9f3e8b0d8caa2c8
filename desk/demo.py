"""Believable demo data: queues, staff, 200 Korean and English customers with tickets on every channel.

Everything goes through the real services (intake, replies, updates), so the demo shows what
the product really does. Deterministic (seeded) so screenshots and tests can rely on it.
"""
from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import func, select

from channels.base import InboundMessage, ThreadHints
from desk import demo_phone
from desk.extensions import db
from desk.models import Agent, Customer, Interaction, Queue, Ticket, utcnow
from desk.services import auth, identity, intake, replies, tickets
from knowledge import demo as knowledge_demo

DEMO_PASSWORD = "desk-demo-2026"
LOGINS = [
    ("admin@desk.localhost", DEMO_PASSWORD, "admin"),
    ("supervisor@desk.localhost", DEMO_PASSWORD, "supervisor"),
    ("minji@desk.localhost", DEMO_PASSWORD, "agent"),
    ("james@desk.localhost", DEMO_PASSWORD, "agent"),
]
QUEUES = [
    ("general", "일반 문의", "General questions", True),
    ("shipping", "배송", "Orders and delivery", False),
    ("billing", "결제·환불", "Payments and refunds", False),
    ("tech", "기술 지원", "Technical support", False),
]
AGENT_QUEUES = {
    "minji@desk.localhost": (["general", "shipping", "billing"], "김민지"),
    "james@desk.localhost": (["general", "tech"], "James Park"),
    "supervisor@desk.localhost": (["general", "shipping", "billing", "tech"], "이서연"),
    "admin@desk.localhost": ([], "관리자"),
}

KO_SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍"
KO_GIVEN = ["민준", "서연", "도윤", "하은", "시우", "지유", "주원", "서윤", "예준", "지민", "현우", "수아",
            "지호", "채원", "건우", "다은", "우진", "소율", "선우", "윤서"]
EN_FIRST = ["Olivia", "Liam", "Emma", "Noah", "Ava", "Ethan", "Mia", "Lucas", "Sophia", "Mason",
            "Chloe", "Daniel", "Grace", "Ryan", "Hannah", "David"]
EN_LAST = ["Smith", "Johnson", "Lee", "Brown", "Garcia", "Miller", "Wilson", "Taylor", "Anderson", "Clark"]

KO_TOPICS = [
    ("shipping", "주문한 상품이 아직 도착하지 않았어요", "지난주 월요일에 주문했는데 아직 배송 준비 중으로 나옵니다. 언제 받을 수 있을까요?"),
    ("billing", "환불을 요청합니다", "상품이 파손되어 도착했습니다. 환불을 받고 싶어요. 사진 첨부가 필요할까요?"),
    ("billing", "카드 결제가 두 번 되었어요", "결제 버튼을 한 번 눌렀는데 카드 승인 문자가 두 번 왔습니다. 확인 부탁드립니다."),
    ("tech", "앱 로그인이 안 됩니다", "비밀번호를 재설정했는데도 앱에서 로그인 오류가 계속 납니다."),
    ("general", "영업시간 문의", "주말에도 고객센터 상담이 가능한가요?"),
    ("shipping", "배송지 변경 가능할까요?", "이사를 해서 배송지를 바꾸고 싶습니다. 아직 출고 전이면 변경 부탁드려요."),
    ("billing", "배송비가 왜 부과됐나요?", "5만원 이상 무료배송이라고 들었는데 배송비를 결제했네요."),
    ("general", "회원 등급 혜택이 궁금합니다", "VIP 등급이 되면 어떤 혜택이 있나요?"),
]
EN_TOPICS = [
    ("shipping", "Where is my order?", "I ordered a jacket ten days ago and the tracking page has not changed since."),
    ("billing", "Refund for a returned item", "I sent the shoes back last week. When will the refund reach my card?"),
    ("tech", "Password reset email never arrives", "I asked for a reset link three times, nothing in inbox or spam."),
    ("general", "Do you ship to Busan on weekends?", "Need a delivery by Saturday for a gift. Is that possible?"),
    ("billing", "Charged twice", "My statement shows two charges of 39,000 won for the same order."),
    ("tech", "App crashes on startup", "Since the last update the Android app closes right after the splash screen."),
]
KO_REPLIES = ["안녕하세요, 고객님. 확인 후 바로 안내드리겠습니다.", "불편을 드려 죄송합니다. 처리 완료되었습니다.",
              "요청하신 내용 접수되었습니다. 1~2일 내로 연락드리겠습니다."]
EN_REPLIES = ["Thanks for reaching out, we are looking into it now.", "Sorry for the trouble, this is fixed now.",
              "Got it. We will get back to you within one business day."]
CHANNELS = ["email", "email", "email", "chat", "sms", "voice", "callback", "web"]


def _backdate(ticket_id: int, when, rng: random.Random) -> None:
    """Demo tickets happened over the last weeks, not at load time: spread each ticket's
    interactions from its first message on, a few minutes to hours apart."""
    now = utcnow()
    with db.write() as session:
        ticket = session.get(Ticket, ticket_id)
        moments = []
        at = when
        for interaction in session.scalars(select(Interaction).where(Interaction.ticket_id == ticket_id)
                                           .order_by(Interaction.id)):
            interaction.created_at = interaction.occurred_at = min(at, now)
            moments.append((interaction, interaction.created_at))
            at = at + timedelta(minutes=rng.randint(5, 240))
        ticket.created_at = when
        ticket.updated_at = moments[-1][1]
        ticket.last_inbound_at = max((t for i, t in moments if i.direction == "inbound"), default=when)
        outbound = [t for i, t in moments if i.direction == "outbound"]
        ticket.first_response_at = outbound[0] if outbound else None
        if ticket.solved_at is not None:
            ticket.solved_at = moments[-1][1]


def load_if_empty(customers: int = 200, seed: int = 7) -> bool:
    if db.session.scalar(select(func.count()).select_from(Agent)):
        return False
    load(customers=customers, seed=seed)
    return True


def load(customers: int = 200, seed: int = 7) -> None:
    rng = random.Random(seed)
    with db.write() as session:
        for slug, ko, en, default in QUEUES:
            session.add(Queue(slug=slug, name=ko, description=en, is_default=default))
    staff = {}
    for email, password, role in LOGINS:
        queues, name = AGENT_QUEUES[email]
        staff[email] = auth.create_agent(email, role=role, name=name, password=password, queues=queues)
    agents = [staff["minji@desk.localhost"], staff["james@desk.localhost"], staff["supervisor@desk.localhost"]]
    from desk.services import console_demo

    console_demo.load()  # business hours, SLA policies, routing, macros

    now = utcnow()
    for n in range(customers):
        korean = n % 5 != 4  # 80% Korean customers
        if korean:
            name = rng.choice(KO_SURNAMES) + rng.choice(KO_GIVEN)
            email = f"customer{n:03d}@example.kr"
            phone = f"010-{rng.randint(2000, 9999)}-{rng.randint(1000, 9999)}"
            topics, answers = KO_TOPICS, KO_REPLIES
        else:
            name = f"{rng.choice(EN_FIRST)} {rng.choice(EN_LAST)}"
            email = f"{name.split()[0].lower()}.{n:03d}@example.com"
            phone = f"+8210{rng.randint(20000000, 99999999)}"
            topics, answers = EN_TOPICS, EN_REPLIES
        for k in range(rng.choice([1, 1, 2, 3])):
            queue, subject, body = rng.choice(topics)
            channel = rng.choice(CHANNELS)
            sender = phone if channel in ("sms", "voice", "callback") else email
            kind = "phone" if sender == phone else "email"
            if channel == "chat":
                kind, sender = "email", email
            when = now - timedelta(days=rng.randint(0, 20), minutes=rng.randint(0, 1440))
            msg = InboundMessage(
                channel=channel, external_id=f"demo-{n}-{k}", sender=sender, sender_kind=kind,
                sender_name=name, subject=subject if channel in ("email", "web") else "", text=body,
                occurred_at=when, queue=queue,
                thread_hints=ThreadHints(session=f"demo-{n}-{k}" if channel == "chat" else None),
                meta={"demo": True, **({"duration_seconds": rng.randint(40, 600)} if channel == "voice" else {})},
            )
            ticket, _ = intake.receive(msg)
            if k == 0:  # the customer is known by both mail and phone: one person, one timeline
                with db.write() as session:
                    customer = session.get(Customer, ticket.customer_id)
                    identity.add_identity(session, customer, "email", email)
                    identity.add_identity(session, customer, "phone", phone)
            roll = rng.random()
            agent = rng.choice([a for a in agents if ticket.queue_id in {q.id for q in a.queues}])
            if roll < 0.25:
                _backdate(ticket.id, when, rng)
                continue  # still new, unanswered
            reply_channel = {"sms": "sms", "voice": "sms", "callback": "sms"}.get(channel, "email")
            replies.send(ticket.id, actor=staff["supervisor@desk.localhost"], body="고객 등급 확인 필요" if korean
                         else "Check order history first", internal=True) if roll < 0.4 else None
            replies.send(ticket.id, actor=agent, body=rng.choice(answers), channel=reply_channel,
                         status="pending" if roll < 0.6 else ("solved" if roll < 0.9 else "open"))
            if roll > 0.8:
                tickets.update(ticket.id, {"priority": rng.choice(["high", "urgent", "low"])},
                               actor=staff["supervisor@desk.localhost"])
            _backdate(ticket.id, when, rng)
    knowledge_demo.seed(staff["admin@desk.localhost"])  # help-center categories and articles
    demo_phone.seed()  # callbacks and a small call campaign
    from channels.chat.demo import seed as seed_chats  # a few live-chat conversations

    seed_chats(staff)
