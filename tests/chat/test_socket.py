"""The /chat and /console chat events through a real gevent server and python-socketio clients."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from desk.extensions import db
from desk.models import ChatSession, Interaction, OutboxItem, Queue
from desk.services import console_admin
from tests.chat.conftest import Agent, Visitor


def test_customer_and_agent_chat_both_ways(staff, make, chat_server, clients):
    server = chat_server()
    agent = clients(Agent(server.url, make.token(staff["agent"])))
    visitor = clients(Visitor(server.url))

    started = visitor.call("start", {"name": "김하늘", "body": "환불 문의드립니다", "client_id": "c1"})
    assert started["visitor"] and started["ticket"] >= 1000 and started["status"] == "waiting"
    offered = agent.wait_for("chat.offered")["chat"]
    assert offered["name"] == "김하늘" and offered["ticket_number"] == started["ticket"]

    accepted = agent.call("chat.accept", {"chat": offered["id"]})
    assert accepted["chat"]["status"] == "active"
    assert visitor.wait_for("agent_joined")["agent"]["name"] == staff["agent"].display_name

    sent = agent.call("chat.send", {"chat": offered["id"], "client_id": "a1", "body": "안녕하세요, 확인해 드릴게요"})
    got = visitor.wait_for("message", where=lambda m: m["author"]["kind"] == "agent")
    assert got["id"] == sent["id"] and got["body"] == "안녕하세요, 확인해 드릴게요"
    assert got["id"] > started["id"]

    ack = visitor.say("주문번호는 A-1234 입니다", "c2")
    event = agent.wait_for("interaction.created", where=lambda d: d["interaction"]["direction"] == "inbound"
                           and d["interaction"]["text"] == "주문번호는 A-1234 입니다")
    assert event["interaction"]["id"] == ack["id"]

    # Everything is one ticket on the customer's timeline; the reply went through the outbox once.
    db.session.expire_all()
    texts = [i.text for i in db.session.scalars(select(Interaction).where(
        Interaction.ticket_id == event["ticket"]["id"]).order_by(Interaction.id))]
    assert texts == ["환불 문의드립니다", "안녕하세요, 확인해 드릴게요", "주문번호는 A-1234 입니다"]
    item = db.session.scalar(select(OutboxItem).where(OutboxItem.interaction_id == sent["id"]))
    assert item.status == "sent"


def test_same_client_id_twice_is_one_message(staff, make, chat_server, clients):
    server = chat_server()
    clients(Agent(server.url, make.token(staff["agent"])))
    visitor = clients(Visitor(server.url))
    visitor.call("start", {"name": "Retry"})
    first = visitor.say("only once", "same-id")
    second = visitor.say("only once", "same-id")
    assert first == second and "id" in first
    db.session.expire_all()
    count = db.session.scalar(select(func.count()).select_from(Interaction).where(Interaction.text == "only once"))
    assert count == 1


def test_reconnect_replays_what_was_missed_in_order_once(staff, make, chat_server, clients):
    server = chat_server()
    agent = clients(Agent(server.url, make.token(staff["agent"])))
    visitor = Visitor(server.url)
    started = visitor.call("start", {"name": "Reconnect", "body": "hello", "client_id": "h1"})
    chat = agent.wait_for("chat.offered")["chat"]["id"]
    agent.call("chat.accept", {"chat": chat})
    first = agent.call("chat.send", {"chat": chat, "client_id": "r0", "body": "seen live"})
    assert visitor.wait_for("message", where=lambda m: m["id"] == first["id"])
    visitor.client.disconnect()

    missed = [agent.call("chat.send", {"chat": chat, "client_id": f"r{n}", "body": f"missed {n}"})["id"]
              for n in range(1, 6)]
    back = clients(Visitor(server.url, visitor=started["visitor"], last_id=first["id"]))
    replayed = back.drain("message", settle=1.0)
    assert [m["id"] for m in replayed] == missed
    assert [m["body"] for m in replayed] == [f"missed {n}" for n in range(1, 6)]

    later = agent.call("chat.send", {"chat": chat, "client_id": "r6", "body": "live again"})
    assert back.wait_for("message")["id"] == later["id"]


def test_visitor_typing_reaches_agent_and_agent_typing_reaches_visitor(staff, make, chat_server, clients):
    server = chat_server()
    agent = clients(Agent(server.url, make.token(staff["agent"])))
    visitor = clients(Visitor(server.url))
    visitor.call("start", {"name": "Typist", "body": "hi", "client_id": "t1"})
    chat = agent.wait_for("chat.offered")["chat"]
    agent.call("chat.accept", {"chat": chat["id"]})
    visitor.call("typing", {"typing": True})
    assert agent.wait_for("chat.typing")["typing"] is True
    agent.call("chat.typing", {"chat": chat["id"], "typing": True})
    assert visitor.wait_for("typing")["typing"] is True
    # read receipts both ways
    reply = agent.call("chat.send", {"chat": chat["id"], "client_id": "x", "body": "ok"})
    visitor.call("read", {"id": reply["id"]})
    assert agent.wait_for("chat.read")["id"] == reply["id"]
    agent.call("chat.read", {"chat": chat["id"], "id": reply["id"] - 1})
    assert visitor.wait_for("read")["id"] == reply["id"] - 1


def test_agent_ends_the_chat_and_the_visitor_hears_it(staff, make, chat_server, clients):
    server = chat_server()
    agent = clients(Agent(server.url, make.token(staff["agent"])))
    visitor = clients(Visitor(server.url))
    visitor.call("start", {"name": "Bye", "body": "thanks", "client_id": "b1"})
    chat = agent.wait_for("chat.offered")["chat"]["id"]
    agent.call("chat.accept", {"chat": chat})
    assert agent.call("chat.end", {"chat": chat})["chat"]["status"] == "ended"
    assert visitor.wait_for("closed")["by"] == "agent"
    assert visitor.say("are you there?")["error"]["code"] == "no_chat"
    db.session.expire_all()
    assert db.session.get(ChatSession, chat).ended_by == "agent"


def test_without_an_online_agent_the_chat_becomes_an_email_ticket(staff, make, chat_server, clients):
    server = chat_server()
    visitor = clients(Visitor(server.url))
    started = visitor.call("start", {"name": "Night owl", "email": "owl@example.com", "body": "환불 가능한가요?",
                                     "client_id": "o1"})
    assert started["status"] == "offline" and started["offline_reason"] == "no_agent"
    db.session.expire_all()
    cs = db.session.scalar(select(ChatSession))
    assert cs.status == "offline" and cs.email == "owl@example.com"
    from desk.models import Customer
    assert db.session.get(Customer, cs.customer_id).email == "owl@example.com"  # nobody had it: attached


def test_outside_business_hours_the_widget_is_told(staff, make, chat_server, clients):
    server = chat_server(DESK_CHAT_HOURS="sat 03:00-03:01")
    clients(Agent(server.url, make.token(staff["agent"])))
    visitor = clients(Visitor(server.url))
    config = visitor.call("config", {"locale": "en"})
    assert config["open"] is False and config["offline_reason"] == "closed_hours"
    assert "outside our chat hours" in config["strings"]["offline_closed_hours"]
    started = visitor.call("start", {"name": "Late", "body": "hello?", "client_id": uuid.uuid4().hex})
    assert started["status"] == "offline" and started["offline_reason"] == "closed_hours"


def test_on_a_holiday_of_the_queues_calendar_the_widget_is_told(staff, make, chat_server, clients):
    """Chat hours say open and an agent is online, but today is a holiday in the calendar of the
    queue the chat lands in: visitors leave a message instead of waiting for nobody."""
    admin = staff["admin"].id
    every_day = {str(d): [["00:00", "24:00"]] for d in range(7)}  # open all day, but holidays are days off
    office = console_admin.save_calendar(None, name="Office", timezone="Asia/Seoul", hours=every_day,
                                         is_default=True, actor_id=admin)
    closed = console_admin.save_calendar(None, name="General desk", timezone="Asia/Seoul", hours=every_day,
                                         is_default=False, actor_id=admin)
    today = datetime.now(ZoneInfo("Asia/Seoul")).date()
    days = [(today, "창립기념일"), (today + timedelta(days=1), "창립기념일")]  # a run across midnight
    console_admin.add_holidays(closed.id, days, actor_id=admin)
    server = chat_server()
    clients(Agent(server.url, make.token(staff["agent"])))
    visitor = clients(Visitor(server.url))
    assert visitor.call("config", {"locale": "en"})["open"] is True  # the default calendar has no holiday

    general = db.session.scalar(select(Queue).where(Queue.slug == "general"))
    console_admin.save_queue(general.id, routing="manual", skill=None, calendar_id=closed.id, reassign_offline=True,
                             actor_id=admin)
    config = visitor.call("config", {"locale": "en"})
    assert config["open"] is False and config["offline_reason"] == "closed_holiday"
    assert "closed today for a holiday" in config["strings"]["offline_closed_holiday"]
    ko = visitor.call("config", {"locale": "ko"})["strings"]["offline_closed_holiday"]
    assert "휴무" in ko
    started = visitor.call("start", {"name": "Holiday", "email": "h@example.com", "body": "영업하나요?",
                                     "client_id": uuid.uuid4().hex})
    assert started["status"] == "offline" and started["offline_reason"] == "closed_holiday"
    assert office.is_default and not closed.is_default


def test_supervisors_see_presence_change_live(staff, make, chat_server, clients):
    server = chat_server()
    supervisor = clients(Agent(server.url, make.token(staff["supervisor"])))
    agent = clients(Agent(server.url, make.token(staff["agent"])))
    online = supervisor.wait_for("presence", where=lambda d: d["agent"]["id"] == staff["agent"].id)
    assert online["status"] == "online"
    assert agent.call("presence.set", {"status": "away"})["status"] == "away"
    away = supervisor.wait_for("presence", where=lambda d: d["agent"]["id"] == staff["agent"].id)
    assert away["status"] == "away"
    board = {row["agent"]["id"]: row["status"] for row in supervisor.call("presence.board")["board"]}
    assert board[staff["agent"].id] == "away" and board[staff["supervisor"].id] == "online"
    assert agent.call("presence.board")["error"]["code"] == "forbidden"  # agents do not see the board
    assert agent.call("presence.set", {"status": "asleep"})["error"]["field"] == "status"
    agent.client.disconnect()
    gone = supervisor.wait_for("presence", where=lambda d: d["agent"]["id"] == staff["agent"].id)
    assert gone["status"] == "offline"


def test_transfer_to_a_colleague_and_invite_a_supervisor(staff, make, chat_server, clients):
    server = chat_server()
    first = clients(Agent(server.url, make.token(staff["agent"])))
    colleague_model = make.agent("agent", ["general"], name="박상담")
    colleague = clients(Agent(server.url, make.token(colleague_model)))
    supervisor = clients(Agent(server.url, make.token(staff["supervisor"])))
    visitor = clients(Visitor(server.url))
    visitor.call("start", {"name": "Transfer", "body": "help", "client_id": "t1"})
    chat = first.wait_for("chat.offered")["chat"]["id"]
    first.call("chat.accept", {"chat": chat})
    visitor.wait_for("agent_joined")

    moved = first.call("chat.transfer", {"chat": chat, "agent": colleague_model.id})
    assert moved["chat"]["agent"]["id"] == colleague_model.id
    assert visitor.wait_for("agent_joined")["agent"]["name"] == "박상담"
    assert first.call("chat.send", {"chat": chat, "client_id": "x", "body": "still me?"})["error"]["code"] == "forbidden"
    reply = colleague.call("chat.send", {"chat": chat, "client_id": "y", "body": "제가 이어서 도와드릴게요"})
    assert visitor.wait_for("message", where=lambda m: m["author"]["kind"] == "agent")["id"] == reply["id"]

    colleague.call("chat.invite", {"chat": chat, "agent": staff["supervisor"].id})
    invited = supervisor.wait_for("chat.invited")
    assert invited["chat"]["id"] == chat and invited["by"]["name"] == "박상담"
    assert colleague.call("chat.invite", {"chat": chat, "agent": staff["agent"].id})["error"]["field"] == "agent"
    note = supervisor.call("chat.send", {"chat": chat, "client_id": "s", "body": "관리자입니다"})
    assert visitor.wait_for("message", where=lambda m: m["id"] == note["id"])["body"] == "관리자입니다"


def test_transfer_to_a_queue_offers_the_chat_again(staff, make, chat_server, clients):
    server = chat_server()
    billing_agent_model = make.agent("agent", ["billing"])
    agent = clients(Agent(server.url, make.token(staff["agent"])))
    billing = clients(Agent(server.url, make.token(billing_agent_model)))
    visitor = clients(Visitor(server.url))
    visitor.call("start", {"name": "Q", "body": "결제 문의", "client_id": "q1"})
    chat = agent.wait_for("chat.offered")["chat"]["id"]
    agent.call("chat.accept", {"chat": chat})
    from desk.models import Queue
    billing_queue = db.session.scalar(select(Queue).where(Queue.slug == "billing"))
    assert agent.call("chat.transfer", {"chat": chat, "queue": billing_queue.id})["chat"]["status"] == "waiting"
    offered = billing.wait_for("chat.offered")["chat"]
    assert offered["id"] == chat and offered["queue"]["id"] == billing_queue.id
    assert billing.call("chat.accept", {"chat": chat})["chat"]["agent"]["id"] == billing_agent_model.id


def test_a_reply_from_the_api_reaches_the_visitor_once(staff, make, chat_server, clients):
    """Any agent reply on channel chat (ticket page, API) is pushed to the visitor, once."""
    import json
    import urllib.request

    server = chat_server()
    agent = clients(Agent(server.url, make.token(staff["agent"])))
    visitor = clients(Visitor(server.url))
    visitor.call("start", {"name": "Api", "body": "hello", "client_id": "p1"})
    ticket_id = agent.wait_for("chat.offered")["chat"]["ticket_id"]
    request = urllib.request.Request(f"{server.url}/api/v1/tickets/{ticket_id}/replies", method="POST",
                                     data=json.dumps({"channel": "chat", "body": "API로 답변"}).encode(),
                                     headers={"Authorization": f"Bearer {make.token(staff['agent'])}",
                                              "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        reply_id = json.loads(response.read())["id"]
    got = visitor.drain("message", settle=1.5)
    assert [m["id"] for m in got if m["author"]["kind"] == "agent"] == [reply_id]
