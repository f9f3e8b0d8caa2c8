"""Phone figures: signed Twilio webhooks per second, and how fast agents get their next customer
from the dialer when several ask at once (never the same customer twice).

1. ``POST /twilio/sms``: signed inbound SMS (RequestValidator check + intake + TwiML) through the
   Flask test client, new messages then replays of the same MessageSid; ``POST /twilio/status``
   message-status reports (applied once, never backwards).
2. Dialer pacing: N agent threads, each with its own session, take the next customer, record an
   outcome, and ask again until the list is empty; counts claims per second, per-claim latency and
   duplicates (must be 0). SQLite (BEGIN IMMEDIATE), then PostgreSQL (SKIP LOCKED) when reachable.

    .venv/bin/python bench/phone.py            # 1,000 SMS, 1,000 contacts
    .venv/bin/python bench/phone.py --quick    # 200 SMS, 200 contacts
"""
from __future__ import annotations

import argparse
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

TOKEN = "bench-auth-token"


def next_monday_10() -> datetime:
    """10:00 in Seoul on the next Monday: inside the calling hours, after every contact's due time."""
    seoul = ZoneInfo("Asia/Seoul")
    today = datetime.now(seoul).date()
    day = today + timedelta(days=(7 - today.weekday()) % 7 or 7)
    return datetime(day.year, day.month, day.day, 10, tzinfo=seoul).astimezone(timezone.utc)


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--no-postgresql", action="store_true")
    args = p.parse_args(argv)
    args.messages = 200 if args.quick else 1_000
    args.contacts = 200 if args.quick else 1_000
    return args


def app_for(url: str, instance: Path):
    from config import TestConfig
    from desk import create_app

    env = common.environ(url, instance, DESK_TWILIO_AUTH_TOKEN=TOKEN, DESK_PUBLIC_URL="http://desk.bench")
    import logging

    app = create_app(TestConfig(env, RATELIMIT_ENABLED=False, WTF_CSRF_ENABLED=False), role="cli")
    logging.getLogger().setLevel(logging.WARNING)
    return app


def reset(url: str) -> None:
    from desk import migrate

    migrate.upgrade(url)


def webhooks(url: str, instance: Path, n: int) -> list[dict]:
    from twilio.request_validator import RequestValidator

    from desk.extensions import db
    from desk.models import Queue

    app = app_for(url, instance)
    validator = RequestValidator(TOKEN)
    rows = []
    with app.app_context():
        with db.write() as session:
            session.add(Queue(slug="general", name="일반 문의", is_default=True))
    client = app.test_client()

    def post(path: str, params: dict):
        response = client.post(path, data=params, headers={
            "X-Twilio-Signature": validator.compute_signature("http://desk.bench" + path, params)})
        assert response.status_code in (200, 204), response.status_code

    messages = [{"MessageSid": f"SM{i:032d}", "From": common.phone_e164(i % 300), "To": "+8215880000",
                 "Body": f"배송 문의드립니다 {i}", "NumMedia": "0"} for i in range(n)]
    for label, batch in (("sms new", messages), ("sms replay", messages[: n // 2])):
        samples = []
        t0 = time.perf_counter()
        for params in batch:
            s = time.perf_counter()
            post("/twilio/sms", params)
            samples.append(time.perf_counter() - s)
        rows.append({"case": label, **common.summarize(samples), "per s": len(batch) / (time.perf_counter() - t0)})
    statuses = [{"MessageSid": f"SX{i:032d}", "MessageStatus": "delivered"} for i in range(n // 2)]
    samples = []
    t0 = time.perf_counter()
    for params in statuses:  # unknown messages: signature check, lookup, answered 204
        s = time.perf_counter()
        post("/twilio/status", params)
        samples.append(time.perf_counter() - s)
    rows.append({"case": "status (no match)", **common.summarize(samples),
                 "per s": len(statuses) / (time.perf_counter() - t0)})
    return rows


def pacing(url: str, instance: Path, contacts: int, agents: int) -> dict:
    from desk.extensions import db
    from desk.models import Queue
    from desk.services import auth, dialer

    app = app_for(url, instance)
    with app.app_context():
        from tests.conftest import _empty_tables

        _empty_tables()
        with db.write() as session:
            session.add(Queue(slug="general", name="일반 문의", is_default=True))
        supervisor = auth.create_agent("lead@desk.bench", role="supervisor")
        people = [auth.create_agent(f"a{i}@desk.bench", role="agent", queues=["general"]) for i in range(agents)]
        campaign = dialer.create(supervisor, name="bench")
        dialer.set_status(supervisor, campaign.id, "active")
        data = "name,phone\n" + "\n".join(f"고객{i},{common.phone_e164(i)}" for i in range(contacts))
        report = dialer.import_csv(supervisor, campaign.id, data.encode())
        assert report.added == contacts, report.rejected[:3]
        db.session.remove()
    claims: list[tuple[int, int]] = []
    samples: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(agents)
    monday = next_monday_10()

    def work(agent):
        with app.app_context():
            barrier.wait()
            while True:
                s = time.perf_counter()
                contact = dialer.next_contact(agent, campaign.id, now=monday)
                took = time.perf_counter() - s
                if contact is None:
                    break
                dialer.record_outcome(agent, contact.id, "interested")
                with lock:
                    claims.append((agent.id, contact.id))
                    samples.append(took)
            db.session.remove()

    threads = [threading.Thread(target=work, args=(a,)) for a in people]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    ids = [c for _, c in claims]
    return {"case": f"{agents} agents", **common.summarize(samples), "claims": len(ids),
            "dupes": len(ids) - len(set(ids)), "per s": len(ids) / elapsed}


def run(label: str, url: str, args) -> None:
    instance = common.workdir(f"twilio-{label}", tmp=True)
    reset(url)
    print(common.table(webhooks(url, instance, args.messages), ["case", "n", "mean", "p50", "p99", "max", "per s"],
                       f"\n== {label}: signed webhooks (ms per request)"))
    rows = [pacing(url, instance, args.contacts, agents) for agents in (1, 4, 8)]
    print(common.table(rows, ["case", "n", "mean", "p50", "p99", "max", "claims", "dupes", "per s"],
                       f"\n== {label}: dialer pacing, {args.contacts} contacts (next customer + outcome; "
                       "ms for the claim)"))


def main(argv=None) -> None:
    args = parse_args(argv)
    sqlite_dir = common.workdir("twilio", tmp=True)
    run("SQLite", f"sqlite:///{sqlite_dir / 'desk.db'}", args)
    if args.no_postgresql:
        return
    reason = common.pg_reachable()
    if reason:
        print(f"\nPostgreSQL skipped: {reason}")
        return
    with common.pg_database("desk_bench_twilio") as url:
        run("PostgreSQL", url, args)


if __name__ == "__main__":
    main()
