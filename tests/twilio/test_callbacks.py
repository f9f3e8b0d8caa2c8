"""The callback queue: the public API, the queue order, taking, outcomes, retries and the
message after the last unanswered try."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from desk.extensions import db
from desk.models import Callback, Interaction, OutboxItem, Ticket, utcnow
from desk.services import callbacks
from tests.twilio.conftest import run_outbox


@pytest.fixture(autouse=True)
def _agent_phones(request):
    if "staff" in request.fixturenames:
        from desk.services import calls

        calls.set_agent_phone(request.getfixturevalue("staff")["agent"], "010-2222-3333")


def ask(client, **body):
    body.setdefault("name", "김하늘")
    body.setdefault("phone", "010-1234-5678")
    return client.post("/api/v1/callbacks", json=body)


def test_api_answers_ticket_number_and_position(staff, client):
    first = ask(client, note="환불 건으로 통화 원해요")
    assert first.status_code == 201, first.get_json()
    data = first.get_json()
    assert data["position"] == 1 and data["status"] == "waiting" and data["preferred_at"] is None
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == data["ticket_number"]))
    assert ticket.channel == "callback" and ticket.customer.phone == "+821012345678"
    second = ask(client, name="Mia Lee", phone="+82 10-9999-8888").get_json()
    assert second["position"] == 2 and second["ticket_number"] != data["ticket_number"]


def test_api_validates_the_phone(staff, client):
    response = ask(client, phone="12")
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "phone"
    assert ask(client, phone="   ").status_code == 422
    assert client.post("/api/v1/callbacks", json={"phone": "010-1234-5678"}).get_json()["error"]["field"] == "name"
    assert client.post("/api/v1/callbacks", data="nope", content_type="text/plain").status_code == 415


def test_api_preferred_time(staff, client, app):
    later = (utcnow() + timedelta(days=1)).astimezone().replace(microsecond=0)
    data = ask(client, preferred_time=later.isoformat()).get_json()
    assert data["preferred_at"] is not None
    assert ask(client, preferred_time="yesterday").status_code == 422
    past = (utcnow() - timedelta(days=1)).isoformat()
    assert ask(client, preferred_time=past).get_json()["error"]["field"] == "preferred_time"


def test_api_is_rate_limited(staff, client):
    codes = [ask(client, phone=f"010-1234-{5600 + i}").status_code for i in range(7)]
    assert codes[:5] == [201] * 5 and codes[5] == 429
    assert ask(client, phone="010-1234-5699").get_json()["error"]["code"] == "too_many_requests"


def test_api_idempotency_key_returns_the_same_request(staff, client):
    a = client.post("/api/v1/callbacks", json={"name": "A", "phone": "010-1234-5678"},
                    headers={"Idempotency-Key": "widget-42"}).get_json()
    b = client.post("/api/v1/callbacks", json={"name": "A", "phone": "010-1234-5678"},
                    headers={"Idempotency-Key": "widget-42"}).get_json()
    assert a == b
    assert len(list(db.session.scalars(select(Callback)))) == 1


def test_openapi_documents_the_callbacks_route(staff, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    op = doc["paths"]["/api/v1/callbacks"]["post"]
    assert op["security"] == [] and "429" in op["responses"]
    assert op["requestBody"]["content"]["application/json"]["schema"]["required"] == ["name", "phone"]


def _request(phone, **kw):
    return callbacks.request_callback(name="고객", phone=phone, **kw)[0]


def test_queue_order_is_requested_window_then_waiting_time(staff):
    early = _request("010-1000-0001")
    scheduled = _request("010-1000-0002", preferred_time=(utcnow() + timedelta(hours=2)).isoformat())
    later = _request("010-1000-0003")
    lists = callbacks.queue(db.session, staff["agent"])
    assert [c.id for c in lists["due"]] == [early.id, later.id]
    assert [c.id for c in lists["later"]] == [scheduled.id]
    assert callbacks.take_next(staff["agent"]).id == early.id


def test_no_answer_retries_then_tells_the_customer(staff, app):
    app.config["CALLBACK_MAX_ATTEMPTS"] = 2
    callback = _request("010-1000-0004")
    agent = staff["agent"]
    assert callbacks.take_next(agent).id == callback.id
    callbacks.call(agent, callback.id)
    after_first = callbacks.record_outcome(agent, callback.id, "no_answer")
    assert after_first.status == "waiting" and after_first.attempts == 1
    assert after_first.next_attempt_at > utcnow() + timedelta(minutes=25)
    assert callbacks.take_next(agent) is None  # not due again yet
    with db.write() as session:
        session.get(Callback, callback.id).next_attempt_at = utcnow()
    callbacks.take_next(agent)
    final = callbacks.record_outcome(agent, callback.id, "no_answer", notes="두 번째도 안 받음")
    assert final.status == "unreached"
    message = db.session.scalar(select(Interaction).where(Interaction.ticket_id == callback.ticket_id,
                                                          Interaction.channel == "sms",
                                                          Interaction.direction == "outbound"))
    assert "2번" in message.text and message.meta["to"] == "+821010000004"
    assert db.session.scalar(select(OutboxItem).where(OutboxItem.interaction_id == message.id)) is not None


def test_reached_finishes_and_records_the_outcome_on_the_call(staff, app):
    callback_id = _request("010-1000-0005").id
    agent = staff["agent"]
    callbacks.take(agent, callback_id)
    call_id = callbacks.call(agent, callback_id).id
    run_outbox(app)
    done = callbacks.record_outcome(agent, callback_id, "reached", notes="환불 안내 완료")
    assert done.status == "done" and done.outcome == "reached"
    db.session.expire_all()
    entry = db.session.get(Interaction, call_id)
    assert entry.meta["outcome"] == "reached" and entry.meta["notes"] == "환불 안내 완료"


def test_rescheduled_moves_the_callback(staff):
    callback = _request("010-1000-0006")
    agent = staff["agent"]
    callbacks.take(agent, callback.id)
    when = (utcnow() + timedelta(days=2)).isoformat()
    moved = callbacks.record_outcome(agent, callback.id, "rescheduled", reschedule_at=when)
    assert moved.status == "waiting" and moved.next_attempt_at > utcnow() + timedelta(days=1)


def test_only_the_holder_records_an_outcome(staff, make):
    from desk.errors import Forbidden

    other = make.agent("agent", ["general"])
    callback = _request("010-1000-0007")
    callbacks.take(staff["agent"], callback.id)
    with pytest.raises(Forbidden):
        callbacks.record_outcome(other, callback.id, "reached")


def test_two_agents_never_take_the_same_callback(staff, make, app):
    """Real threads, each with its own session, race for the queue."""
    for n in range(6):
        _request(f"010-2000-{1000 + n}")
    agents = [staff["agent"]] + [make.agent("agent", ["general"]) for _ in range(5)]
    taken: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(agents))

    def work(agent):
        with app.app_context():
            try:
                barrier.wait()
                got = callbacks.take_next(agent)
                if got is not None:
                    taken.append(got.id)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(a,)) for a in agents]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(taken) == 6 and len(set(taken)) == 6
