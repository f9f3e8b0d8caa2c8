"""Reports: volume, response and resolution times (median and p90), SLA compliance, agents,
backlog; filters; CSV and XLSX exports; bad input answers 422, never 500."""
from __future__ import annotations

import csv
import io
import math
import random
import re
import zipfile
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import update

from desk.extensions import db
from desk.models import Ticket
from desk.services import reports
from tests.console.conftest import text_of

SEOUL = ZoneInfo("Asia/Seoul")


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=SEOUL).astimezone(timezone.utc)


def history(make, staff):
    """Five tickets over three days in November: response and resolution times known."""
    plan = [  # (channel, sender, created, first response after, solved after)
        ("email", "a@example.kr", at(10, 9), timedelta(minutes=30), timedelta(hours=4)),
        ("email", "b@example.kr", at(10, 14), timedelta(hours=2), None),
        ("sms", "010-1111-2222", at(11, 23), timedelta(minutes=10), timedelta(hours=1)),
        ("chat", "visitor-9", at(12, 0), None, None),  # 00:00 Seoul on the 12th is the 11th in UTC
        ("email", "c@example.kr", at(12, 10), timedelta(hours=1), timedelta(hours=8)),
    ]
    made = []
    for n, (channel, sender, created, responded, solved) in enumerate(plan):
        kw = {"sender_kind": "chat_visitor"} if channel == "chat" else {}
        t, _ = make.inbound(channel, sender, f"문의 {n}", **kw)
        with db.write() as session:
            session.execute(update(Ticket).where(Ticket.id == t.id).values(
                created_at=created, first_response_at=created + responded if responded else None,
                solved_at=created + solved if solved else None, status="solved" if solved else "open",
                assignee_id=staff["agent"].id if n < 3 else None))
        made.append(t)
    return made


def test_report_figures(app, make, staff):
    history(make, staff)
    report = reports.build(reports.Filters(datetime(2026, 11, 10).date(), datetime(2026, 11, 12).date()), "Asia/Seoul")
    assert report.total == 5
    days = {d.day: dict(c) for d, c in report.by_day.items()}
    assert days == {10: {"email": 2}, 11: {"sms": 1}, 12: {"chat": 1, "email": 1}}  # local days
    assert report.by_hour[0] == 1 and report.by_hour[9] == 1
    assert report.first_response["count"] == 4
    assert report.first_response["median"] == 30 * 60  # nearest rank of 10 min, 30 min, 1 h, 2 h
    assert report.first_response["p90"] == 2 * 3600
    assert report.resolution["median"] == 4 * 3600 and report.resolution["p90"] == 8 * 3600
    [agent] = report.agents
    assert (agent.assigned, agent.solved) == (3, 2)
    # Its three: responses after 30 min, 2 h, 10 min; solved after 4 h and 1 h (nearest-rank medians).
    assert (agent.first_response_median, agent.resolution_median) == (30 * 60, 3600)
    # Unsolved at the end of each day: the 10th one (the other was solved that afternoon); the 11th
    # two (the SMS is solved at midnight); the 12th two (the chat is new, the SMS and the 10 am mail solved).
    assert [n for _, n in report.backlog] == [1, 2, 2]


def nearest_rank(values: list[float], p: int) -> float | None:
    """The textbook nearest-rank percentile, to check the database's ranking against."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1] if ordered else None


def test_medians_and_p90_picked_by_the_database_match_nearest_rank(app, make, staff):
    """Durations of several agents, with ties and an unassigned share: the figures the database
    picks (overall and per agent) are the nearest-rank ones over the same durations."""
    rng = random.Random(7)
    agents = [staff["agent"], make.agent("agent", ["general"]), make.agent("agent", ["general"])]
    responses: dict = {a.id: [] for a in agents} | {None: []}
    solutions: dict = {a.id: [] for a in agents} | {None: []}
    owners: Counter = Counter()
    for n in range(37):
        t, _ = make.inbound("email", f"r{n}@example.kr", f"문의 {n}")
        owner = rng.choice([*agents, None])
        key = owner.id if owner else None
        owners[key] += 1
        created = at(10, 9) + timedelta(minutes=17 * n)
        responded = timedelta(minutes=rng.choice([5, 10, 10, 45, 90, 240])) if rng.random() < 0.9 else None
        solved = responded + timedelta(minutes=rng.randint(1, 600)) if responded and rng.random() < 0.7 else None
        with db.write() as session:
            session.execute(update(Ticket).where(Ticket.id == t.id).values(
                created_at=created, first_response_at=created + responded if responded else None,
                solved_at=created + solved if solved else None, assignee_id=key))
        if responded:
            responses[key].append(responded.total_seconds())
        if solved:
            solutions[key].append(solved.total_seconds())
    report = reports.build(reports.Filters(datetime(2026, 11, 10).date(), datetime(2026, 11, 12).date()), "Asia/Seoul")
    everyone = [v for values in responses.values() for v in values]
    solved_all = [v for values in solutions.values() for v in values]
    assert report.first_response == {"count": len(everyone), "median": nearest_rank(everyone, 50),
                                      "p90": nearest_rank(everyone, 90)}
    assert report.resolution == {"count": len(solved_all), "median": nearest_rank(solved_all, 50),
                                 "p90": nearest_rank(solved_all, 90)}
    by_agent = {a.agent_id: a for a in report.agents}
    for agent in agents:
        stats = by_agent[agent.id]
        assert stats.first_response_median == nearest_rank(responses[agent.id], 50)
        assert stats.resolution_median == nearest_rank(solutions[agent.id], 50)
        assert stats.solved == len(solutions[agent.id])
        assert stats.assigned == owners[agent.id]
    assert report.total == 37 and None not in by_agent  # the unassigned count in the totals only


def test_hours_and_days_are_local_in_zones_with_daylight_saving_or_half_hours(app, make, staff):
    """New York leaves daylight saving at 02:00 on 1 November 2026 (01:00-01:59 happens twice);
    Kolkata is 5 h 30 min ahead of UTC. Each ticket lands in its local day and hour."""
    def made_at(*utc):
        t, _ = make.inbound("email", f"tz{utc[3]}{utc[4]}@example.com", "hello")
        with db.write() as session:
            session.execute(update(Ticket).where(Ticket.id == t.id).values(
                created_at=datetime(*utc, tzinfo=timezone.utc)))

    made_at(2026, 10, 31, 3, 30)  # 23:30 EDT on 30 October
    made_at(2026, 11, 1, 5, 30)  # 01:30 EDT
    made_at(2026, 11, 1, 6, 30)  # 01:30 EST, an hour later
    made_at(2026, 11, 10, 18, 45)  # 00:15 IST on 11 November
    new_york = reports.build(reports.Filters(date(2026, 10, 30), date(2026, 11, 1)), "America/New_York")
    assert {d.day: sum(c.values()) for d, c in new_york.by_day.items()} == {30: 1, 1: 2}
    assert (new_york.by_hour[23], new_york.by_hour[1]) == (1, 2)
    kolkata = reports.build(reports.Filters(date(2026, 11, 10), date(2026, 11, 11)), "Asia/Kolkata")
    assert {d.day: sum(c.values()) for d, c in kolkata.by_day.items()} == {11: 1}
    assert kolkata.by_hour[0] == 1 and kolkata.total == 1


def test_filters_narrow_the_report(app, make, staff):
    history(make, staff)
    days = (datetime(2026, 11, 10).date(), datetime(2026, 11, 12).date())
    assert reports.build(reports.Filters(*days, channel="email"), "Asia/Seoul").total == 3
    assert reports.build(reports.Filters(*days, agent_id=staff["agent"].id), "Asia/Seoul").total == 3
    assert reports.build(reports.Filters(days[0], days[0]), "Asia/Seoul").total == 2


def test_backlog_counts_tickets_from_before_and_after_the_period(app, make, staff):
    """The backlog at the end of each day is every ticket created by then less those solved by
    then, whichever side of the period they were created or solved on, with and without filters."""
    rng = random.Random(5)
    tickets = []  # (channel, assignee, created, solved)
    for n in range(24):
        channel = rng.choice(["email", "sms"])
        created = at(1, 9) + timedelta(hours=rng.randint(0, 24 * 25))  # 1 to 26 November
        solved = created + timedelta(hours=rng.randint(1, 24 * 6)) if rng.random() < 0.6 else None
        assignee = staff["agent"].id if n % 3 else None
        sender = f"b{n}@example.kr" if channel == "email" else f"010-3333-{1000 + n}"
        t, _ = make.inbound(channel, sender, f"backlog {n}")
        with db.write() as session:
            session.execute(update(Ticket).where(Ticket.id == t.id).values(
                created_at=created, solved_at=solved, status="solved" if solved else "open", assignee_id=assignee))
        tickets.append((channel, assignee, created, solved))

    def expected(days, keep):
        out = []
        for day in days:
            end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=SEOUL)
            out.append(sum(1 for t in tickets if keep(t) and t[2] < end)
                       - sum(1 for t in tickets if keep(t) and t[3] is not None and t[3] < end))
        return out

    start, end = date(2026, 11, 10), date(2026, 11, 16)
    for filters, keep in ((reports.Filters(start, end), lambda t: True),
                          (reports.Filters(start, end, channel="sms"), lambda t: t[0] == "sms"),
                          (reports.Filters(start, end, agent_id=staff["agent"].id), lambda t: t[1] is not None)):
        report = reports.build(filters, "Asia/Seoul")
        assert [n for _, n in report.backlog] == expected(filters.days, keep)


def test_report_page_with_charts(client, make, staff, sign_in):
    history(make, staff)
    sign_in("supervisor")
    html = text_of(client.get("/supervisor/reports?from=2026-11-10&to=2026-11-12"))
    assert html.count("<svg class=\"chart\"") == 3
    assert 'data-report="total">5<' in html
    assert "일별 채널별 처리량" in html and "상담원 성과" in html and "30분" in html


def test_exports(client, make, staff, sign_in):
    history(make, staff)
    sign_in("supervisor")
    response = client.get("/supervisor/reports/export.csv?from=2026-11-10&to=2026-11-12")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert ["2026-11-10", "2", "0", "0", "2"] in rows  # day, email, chat, sms, total (channels by volume)
    assert rows[1][0] == "날짜" and "이메일" in rows[1]
    response = client.get("/supervisor/reports/export.xlsx?from=2026-11-10&to=2026-11-12")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    book = zipfile.ZipFile(io.BytesIO(response.get_data()))
    sheets = [n for n in book.namelist() if n.startswith("xl/worksheets/sheet")]
    assert len(sheets) == 5
    strings = book.read("xl/sharedStrings.xml").decode()
    assert "2026-11-10" in strings and "처리량" in book.read("xl/workbook.xml").decode()


def test_spreadsheet_formulas_in_names_are_neutralised():
    tables = {"x": [["name"], ["=HYPERLINK(\"http://evil\")"], ["+1"], ["plain"]]}
    text = reports.to_csv(tables).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'+1" in text and "\nplain" in text


def test_bad_report_input_is_a_clear_422(client, staff, sign_in):
    sign_in("supervisor")
    for query in ("from=yesterday", "from=2026-12-01&to=2026-11-01", "from=2020-01-01&to=2026-01-01",
                  "queue=abc", "channel=fax", "agent=99999999999"):
        response = client.get(f"/supervisor/reports?{query}")
        assert response.status_code == 422, query
        assert re.search(r'class="flash flash-error"', text_of(response))
        assert client.get(f"/supervisor/reports/export.csv?{query}").status_code == 422
    assert client.get("/supervisor/reports/export.pdf").status_code == 404


def test_customer_satisfaction_from_the_surveys(client, app, make, staff, sign_in):
    from desk.portal import csat

    made = history(make, staff)
    csat.answer(made[0].id, made[0].customer_id, 5, "빨리 해결됐어요")  # solved, the agent's
    csat.answer(made[2].id, made[2].customer_id, 2)  # solved, the agent's
    report = reports.build(reports.Filters(datetime(2026, 11, 10).date(), datetime(2026, 11, 12).date()), "Asia/Seoul")
    assert report.csat == {"answered": 2, "average": 3.5, "satisfied": 0.5}
    assert report.agents[0].csat == {"answered": 2, "average": 3.5, "satisfied": 0.5}
    sign_in("supervisor")
    html = text_of(client.get("/supervisor/reports?from=2026-11-10&to=2026-11-12"))
    assert 'data-report="csat">3.5' in html and "만족 50%, 응답 2건" in html
    rows = list(csv.reader(io.StringIO(client.get(
        "/supervisor/reports/export.csv?from=2026-11-10&to=2026-11-12").get_data().decode("utf-8-sig"))))
    assert ["CSAT (1~5점 평균)", "2", "3.5", ""] in rows
