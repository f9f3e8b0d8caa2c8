"""Call campaigns: calling hours, the do-not-call list, pacing between agents, CSV import with a
clear report, outcomes, retries and progress figures."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from desk.errors import Conflict
from desk.extensions import db
from desk.models import CallLog, CampaignContact, Customer, Interaction
from desk.services import calls, dialer, identity
from tests.twilio.conftest import next_monday, run_outbox

# Seoul times on the next Monday (and that week's Saturday), always after the rows a test creates.
MON_0859 = next_monday(8, 59)
MON_0900 = next_monday(9, 0)
MON_1959 = next_monday(19, 59)
MON_2000 = next_monday(20, 0)
SAT_1100 = next_monday(11, 0, days_after=5)

CSV = """이름,전화번호,상품
김민수,010-3000-0001,적금
박지영,+82 10 3000 0002,보험
,,
이상한,12345,카드
중복,010 3000 0001,적금
최수신거부,010-3000-0009,대출
Lee,010-3000-0003,카드,extra
Park,010-3000-0004,카드
"""


@pytest.fixture
def campaign(staff):
    calls.set_agent_phone(staff["agent"], "010-2222-3333")
    created = dialer.create(staff["supervisor"], name="적금 가입 안내",
                            script="안녕하세요 {name} 고객님, {agent}입니다. {상품} 상품 안내드립니다. {unknown}")
    dialer.set_status(staff["supervisor"], created.id, "active")
    return created


def add(campaign, *phones):
    data = "name,phone\n" + "\n".join(f"고객{i},{p}" for i, p in enumerate(phones))
    return dialer.import_csv(db.session.merge(_sup()), campaign.id, data.encode())


def _sup():
    from desk.models import Agent

    return db.session.scalar(select(Agent).where(Agent.role == "supervisor"))


def test_calling_hours_are_never_crossed(staff, campaign):
    add(campaign, "010-3000-0001")
    agent = staff["agent"]
    for moment in (MON_0859, MON_2000, SAT_1100):
        with pytest.raises(Conflict) as info:
            dialer.next_contact(agent, campaign.id, now=moment)
        assert info.value.code == "outside_hours"
    contact = dialer.next_contact(agent, campaign.id, now=MON_0900)
    assert contact is not None
    with pytest.raises(Conflict):
        dialer.call(agent, contact.id, now=MON_2000)  # the clock moved on while the agent read the script
    assert dialer.call(agent, contact.id, now=MON_1959).channel == "voice"


def test_custom_hours_and_days(staff):
    weekend = dialer.create(staff["supervisor"], name="주말", hours_start="10:00", hours_end="12:00", weekdays=[5, 6])
    assert dialer.in_hours(weekend, SAT_1100)
    assert not dialer.in_hours(weekend, MON_0900)


def test_bad_settings_are_refused(staff):
    from desk.errors import Invalid

    for kwargs in ({"hours_start": "20:00", "hours_end": "09:00"}, {"weekdays": []}, {"hours_start": "9am"},
                   {"timezone": "Mars/Olympus"}, {"max_attempts": 0}):
        with pytest.raises(Invalid):
            dialer.create(staff["supervisor"], name="x", **kwargs)


def test_csv_report_names_every_rejected_row(staff, campaign):
    with db.write() as session:
        customer, _ = identity.resolve(session, "phone", "+821030000009")
        customer.opt_outs = ["sms_marketing"]  # replied STOP earlier
    report = dialer.import_csv(staff["supervisor"], campaign.id, CSV.encode("utf-8"))
    assert report.added == 3
    assert report.rejected == [(4, "", "missing_phone"), (5, "12345", "invalid_phone"),
                               (6, "010 3000 0001", "duplicate"), (7, "010-3000-0009", "dnc"),
                               (8, "010-3000-0003", "extra_columns")]
    contacts = list(db.session.scalars(select(CampaignContact).order_by(CampaignContact.id)))
    assert [c.phone for c in contacts] == ["+821030000001", "+821030000002", "+821030000004"]
    assert contacts[0].fields == {"상품": "적금"} and contacts[0].customer.name == "김민수"
    again = dialer.import_csv(staff["supervisor"], campaign.id, CSV.encode("utf-8"))
    assert again.added == 0 and ("already_listed" in {r[2] for r in again.rejected})


def test_csv_from_korean_excel_cp949(staff, campaign):
    report = dialer.import_csv(staff["supervisor"], campaign.id, "이름,휴대폰\n홍길동,010-3100-0001\n".encode("cp949"))
    assert report.added == 1 and report.rejected == []


def test_csv_without_a_phone_column_is_refused(staff, campaign):
    from desk.errors import Invalid

    with pytest.raises(Invalid) as info:
        dialer.import_csv(staff["supervisor"], campaign.id, b"name,email\nA,a@example.com\n")
    assert info.value.field == "file"


def test_script_is_filled_in(staff, campaign):
    dialer.import_csv(staff["supervisor"], campaign.id, CSV.encode())
    contact = dialer.next_contact(staff["agent"], campaign.id, now=MON_0900)
    text = dialer.render_script(campaign, contact, staff["agent"])
    assert text.startswith("안녕하세요 김민수 고객님, ") and "적금 상품" in text and "{unknown}" in text


def test_do_not_call_is_always_respected(staff, campaign):
    add(campaign, "010-3000-0001", "010-3000-0002")
    agent = staff["agent"]
    # The first customer replies STOP by SMS after the list was loaded.
    with db.write() as session:
        stopped = session.get(Customer, identity.find(session, "phone", "+821030000001").id)
        stopped.opt_outs = ["sms_marketing", "calls"]
    contact = dialer.next_contact(agent, campaign.id, now=MON_0900)
    assert contact.phone == "+821030000002"
    dialer.call(agent, contact.id, now=MON_0900)
    dialer.record_outcome(agent, contact.id, "do_not_call", notes="다시 전화하지 말라고 함")
    assert dialer.next_contact(agent, campaign.id, now=MON_0900) is None
    customer = db.session.get(Customer, contact.customer_id)
    db.session.refresh(customer)
    assert "calls" in customer.opt_outs
    statuses = dict(db.session.execute(select(CampaignContact.phone, CampaignContact.status)).all())
    assert statuses == {"+821030000001": "dnc", "+821030000002": "dnc"}
    # A new campaign never lists them.
    second = dialer.create(staff["supervisor"], name="두 번째")
    report = dialer.add_customers(staff["supervisor"], second.id, q="010-3000")
    assert report.added == 0 and {r[2] for r in report.rejected} == {"dnc"}


def _customers(*rows):
    """Customers with a phone: (phone, name, locale)."""
    with db.write() as session:
        for phone, name, locale in rows:
            customer, _ = identity.resolve(session, "phone", phone, name=name)
            customer.locale = locale


@pytest.mark.parametrize("q", ["---", "( )", "+ - ()", "...", "%", "", "   "])
def test_a_filter_with_nothing_to_match_on_adds_nobody(staff, campaign, q):
    from desk.errors import Invalid

    _customers(("+821030000031", "김하나", "ko"), ("+821030000032", "Lee", "en"))
    with pytest.raises(Invalid) as info:
        dialer.add_customers(staff["supervisor"], campaign.id, q=q)
    assert info.value.field == "q"
    assert db.session.scalar(select(CampaignContact.id)) is None


def test_a_phone_fragment_of_zeros_alone_does_not_match_every_number(staff, campaign):
    _customers(("+821030000031", "김하나", "ko"), ("+821030000032", "Lee", "en"))
    # "0--" is a phone fragment whose digits, once the leading 0 is dropped, are nothing at all.
    assert dialer.add_customers(staff["supervisor"], campaign.id, q="0--").added == 0
    assert dialer.add_customers(staff["supervisor"], campaign.id, q="010-3000-0032").added == 1
    assert dialer.add_customers(staff["supervisor"], campaign.id, q="김하").added == 1


def test_a_language_alone_is_a_filter(staff, campaign):
    _customers(("+821030000031", "김하나", "ko"), ("+821030000032", "Lee", "en"))
    report = dialer.add_customers(staff["supervisor"], campaign.id, q="  ", locale="en")
    assert report.added == 1
    assert db.session.scalar(select(CampaignContact.phone)) == "+821030000032"


def test_dnc_set_while_the_agent_holds_the_contact(staff, campaign):
    add(campaign, "010-3000-0005")
    contact = dialer.next_contact(staff["agent"], campaign.id, now=MON_0900)
    with db.write() as session:
        session.get(Customer, contact.customer_id).opt_outs = ["calls"]
    with pytest.raises(Conflict) as info:
        dialer.call(staff["agent"], contact.id, now=MON_0900)
    assert info.value.code == "do_not_call"
    assert db.session.scalars(select(Interaction).where(Interaction.channel == "voice")).first() is None


def test_skip_hands_over_the_next_customer_not_the_same_one(staff, campaign):
    add(campaign, "010-3000-0021", "010-3000-0022")
    agent = staff["agent"]
    first = dialer.next_contact(agent, campaign.id, now=MON_0900)
    dialer.skip(agent, first.id, now=MON_0900)
    second = dialer.next_contact(agent, campaign.id, now=MON_0900)
    assert second.id != first.id
    dialer.record_outcome(agent, second.id, "interested")
    again = dialer.next_contact(agent, campaign.id, now=MON_0900)  # the skipped one is still on the list
    assert again.id == first.id and again.attempts == 0


def test_claim_and_skip_update_the_live_figures(staff, campaign, campaign_progress):
    add(campaign, "010-3000-0051", "010-3000-0052")
    campaign_progress.clear()
    agent = staff["agent"]
    first = dialer.next_contact(agent, campaign.id, now=MON_0900)
    assert [(rooms, p["campaign_id"], p["stats"]["in_progress"], p["stats"]["pending"])
            for rooms, p in campaign_progress] == [(["staff"], campaign.id, 1, 1)]
    assert dialer.next_contact(agent, campaign.id, now=MON_0900).id == first.id  # nothing changed: no event
    assert len(campaign_progress) == 1
    dialer.skip(agent, first.id, now=MON_0900)
    assert [(p["stats"]["in_progress"], p["stats"]["pending"]) for _, p in campaign_progress[1:]] == [(0, 2)]
    second = dialer.next_contact(agent, campaign.id, now=MON_0900)
    dialer.record_outcome(agent, second.id, "interested")
    assert [(p["stats"]["in_progress"], p["stats"]["done"]) for _, p in campaign_progress[2:]] == [(1, 0), (0, 1)]


def test_no_answer_retries_then_stops(staff, campaign, app):
    from datetime import timedelta

    add(campaign, "010-3000-0006")
    agent = staff["agent"]
    for attempt in range(1, 4):
        contact = dialer.next_contact(agent, campaign.id, now=MON_0900 + timedelta(hours=3 * attempt))
        assert contact is not None, attempt
        dialer.call(agent, contact.id, now=MON_0900 + timedelta(hours=3 * attempt))
        run_outbox(app)
        after = dialer.record_outcome(agent, contact.id, "no_answer")
        with db.write() as session:  # skip the retry interval
            session.get(CampaignContact, contact.id).next_attempt_at = MON_0900
    assert after.status == "done" and after.attempts == 3


def test_progress_by_agent_and_conversion(staff, make, campaign, app):
    add(campaign, "010-3000-0011", "010-3000-0012", "010-3000-0013")
    other = make.agent("agent", ["general"])
    calls.set_agent_phone(other, "010-2222-4444")
    plan = [(staff["agent"], "interested"), (other, "not_interested"), (staff["agent"], "no_answer")]
    for agent, outcome in plan:
        contact = dialer.next_contact(agent, campaign.id, now=MON_0900)
        dialer.call(agent, contact.id, now=MON_0900)
        run_outbox(app)
        dialer.record_outcome(agent, contact.id, outcome)
    figures = dialer.stats(db.session, campaign)
    assert figures["attempts"] == 3 and figures["contacts"] == 2 and figures["interested"] == 1
    assert figures["conversion"] == 50.0
    by_agent = {row["agent_id"]: row for row in figures["agents"]}
    assert by_agent[staff["agent"].id]["attempts"] == 2 and by_agent[staff["agent"].id]["interested"] == 1
    assert by_agent[other.id]["contacts"] == 1
    assert db.session.scalar(select(CallLog).where(CallLog.outcome == "interested")).interaction_id is not None


def test_two_agents_never_get_the_same_customer(staff, make, campaign, app):
    """Real threads with their own sessions ask for the next customer at the same moment."""
    add(campaign, *[f"010-3200-{1000 + n}" for n in range(8)])
    agents = [staff["agent"]] + [make.agent("agent", ["general"]) for _ in range(7)]
    got: list[tuple[int, int]] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(agents))

    def work(agent):
        with app.app_context():
            try:
                barrier.wait()
                for _ in range(2):  # asking twice returns the same customer, never a second one
                    contact = dialer.next_contact(agent, campaign.id, now=MON_0900)
                    got.append((agent.id, contact.id))
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
    per_agent: dict[int, set[int]] = {}
    for agent_id, contact_id in got:
        per_agent.setdefault(agent_id, set()).add(contact_id)
    assert all(len(ids) == 1 for ids in per_agent.values())
    owners = [next(iter(ids)) for ids in per_agent.values()]
    assert len(owners) == 8 and len(set(owners)) == 8
