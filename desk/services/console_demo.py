"""Demo settings for the console: Seoul business hours with Korean public holidays, SLA policies,
round-robin routing on the tech queue, and a few macros (called by ``desk.demo.load``)."""
from __future__ import annotations

from sqlalchemy import select

from desk.extensions import db
from desk.models import BusinessCalendar, Holiday, Macro, Queue, QueueSettings, SlaPolicy
from desk.services import business_hours


def load() -> None:
    with db.write() as session:
        calendar = BusinessCalendar(name="서울 본사", timezone="Asia/Seoul", is_default=True,
                                    hours={str(d): ([["09:00", "18:00"]] if d < 5 else []) for d in range(7)})
        for year in sorted(business_hours.KOREAN_HOLIDAYS):
            for day, name in business_hours.korean_holidays(year):
                calendar.holidays.append(Holiday(day=day, name=name))
        session.add(calendar)
        queues = {q.slug: q for q in session.scalars(select(Queue))}
        session.add(SlaPolicy(name="기본 응대", first_response_minutes=240, next_response_minutes=480,
                              resolution_minutes=3 * 540, warn_minutes=60, position=10))
        session.add(SlaPolicy(name="긴급 문의", priority="urgent", first_response_minutes=30,
                              next_response_minutes=60, resolution_minutes=480, warn_minutes=15))
        session.add(SlaPolicy(name="VIP 고객", segment="vip", first_response_minutes=60, resolution_minutes=540,
                              warn_minutes=20))
        if "tech" in queues:
            session.add(QueueSettings(queue_id=queues["tech"].id, routing="round_robin", reassign_offline=True))
        billing = queues.get("billing")
        session.add(Macro(name="환불 접수 안내", body="{{customer.name}}님, 안녕하세요.\n\n티켓 #{{ticket.number}} 환불 요청을 "
                          "접수했습니다. 카드사에 따라 3–5영업일 안에 환불됩니다.\n\n{{agent.name}} 드림",
                          set_status="pending", add_tags=["환불"], set_queue_id=billing.id if billing else None))
        session.add(Macro(name="Shipping update", body="Hello {{customer.name}},\n\nYour order for ticket "
                          "#{{ticket.number}} has left our warehouse today.\n\n{{agent.name}}",
                          set_status="solved", add_tags=["shipping"]))
