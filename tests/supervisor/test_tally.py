"""The ticket tally the floor and the sidebar read stays equal to counting the tickets, through
intake, updates, replies and compaction."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from desk.extensions import db
from desk.models import Ticket, TicketTally
from desk.services import replies, tally, tickets


def counted() -> Counter:
    rows = db.session.execute(select(Ticket.queue_id, Ticket.channel, Ticket.status, Ticket.assignee_id, func.count())
                              .group_by(Ticket.queue_id, Ticket.channel, Ticket.status, Ticket.assignee_id))
    return Counter({tuple(r[:4]): r[4] for r in rows})


def tallied() -> Counter:
    return Counter({tuple(g[:4]): g.n for g in tally.groups(db.session)})


def test_tally_follows_every_change(make, staff, monkeypatch):
    made = [make.inbound(ch, s, "문의", **kw)[0] for ch, s, kw in [
        ("email", "a@example.kr", {}), ("sms", "010-1234-5678", {}), ("chat", "v-1", {"sender_kind": "chat_visitor"}),
        ("email", "b@example.kr", {"queue": "billing"})]]
    tickets.update(made[0].id, {"assignee": staff["agent"].id, "priority": "high"}, actor=staff["supervisor"])
    tickets.update(made[1].id, {"status": "pending", "queue": "billing"}, actor=staff["supervisor"])
    replies.send(made[2].id, actor=staff["agent"], body="안녕하세요", channel="chat", status="solved")
    make.inbound("email", "a@example.kr", "추가 문의")  # threads into the first ticket
    assert tallied() == counted()
    monkeypatch.setattr(tally, "COMPACT_ABOVE", 0)
    with db.write() as session:
        folded = tally.compact(session)
    assert folded > 0
    assert db.session.scalar(select(func.count()).select_from(TicketTally)) == len(counted())
    assert tallied() == counted()
    tickets.update(made[3].id, {"status": "solved"}, actor=staff["supervisor"])
    assert tallied() == counted()
