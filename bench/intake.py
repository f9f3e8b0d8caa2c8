"""Inbound throughput: interactions per second through ``desk.services.intake.receive``.

A deterministic mix of channels goes through the one inbound path on a fresh, migrated
database: new email tickets (plain and HTML), email replies threaded by a verified reference
or a ``[#number]`` subject token, SMS conversations (Korean numbers written every which way),
chat sessions, and a few provider retries (idempotent duplicates). Each call is timed,
including the session clean-up a request or SMTP delivery does after it. Runs on SQLite, then
on PostgreSQL when a server answers, then profiles a smaller run.

    .venv/bin/python bench/intake.py             # 5,000 messages
    .venv/bin/python bench/intake.py --quick     # 1,000 messages
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

TARGET = 1_500  # interactions/s on SQLite
MIX = [("email_new", 0.30), ("email_reply", 0.08), ("email_token", 0.02), ("sms", 0.30), ("chat", 0.28),
       ("duplicate", 0.02)]
QUEUES = [("general", "일반 문의", True), ("shipping", "배송", False), ("billing", "결제·환불", False),
          ("tech", "기술 지원", False)]


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="1,000 messages")
    p.add_argument("--messages", type=int, help="messages per run (default 5,000; 1,000 with --quick)")
    p.add_argument("--profile-messages", type=int, help="messages in the profiled run (default 500)")
    p.add_argument("--no-postgresql", action="store_true", help="skip the PostgreSQL run")
    p.add_argument("--no-profile", action="store_true", help="skip the profiled run")
    p.add_argument("--batch", type=int, default=50, help="messages per receive_many call in the batched runs "
                                                         "(default 50, as the mail worker; 0 skips them)")
    args = p.parse_args(argv)
    args.messages = args.messages or (1_000 if args.quick else 5_000)
    args.profile_messages = args.profile_messages or min(args.messages, 500)
    return args


# -- the message mix --------------------------------------------------------------------------

def build(n: int, seed: int = 7) -> list[tuple[str, object]]:
    """``n`` (kind, make) pairs; ``make(results)`` returns the InboundMessage, where ``results``
    holds (ticket_id, ticket_number) of the messages already received (replies need them)."""
    from channels.base import InboundMessage, ThreadHints

    rng = random.Random(seed)
    kinds, weights = zip(*MIX)
    emails = [common.email_for(i, rng) for i in range(1, 1501)]
    names = {e: common.ko_or_en_name(rng) for e in emails}
    phones = list(range(1, 601))
    sent_emails: list[tuple[int, str, str]] = []  # (index, sender, subject) of new email tickets
    sent: list[InboundMessage] = []
    chats: list[dict] = []
    specs: list[tuple[str, object]] = []
    n_chat_sessions = 0

    def fixed(msg):
        sent.append(msg)
        return lambda results, msg=msg: msg

    for i in range(n):
        kind = rng.choices(kinds, weights)[0]
        if kind in ("email_reply", "email_token") and not sent_emails:
            kind = "email_new"
        if kind == "duplicate" and not sent:
            kind = "sms"
        if kind == "email_new":
            sender = rng.choice(emails)
            subject = rng.choice(common.SUBJECTS)
            html = common.html_body(rng) if rng.random() < 0.4 else None
            text = "" if html and rng.random() < 0.5 else common.body(rng)
            msg = InboundMessage(channel="email", external_id=f"<{seed}.{i}.{rng.getrandbits(40):x}@mail.example.kr>",
                                 sender=sender, sender_name=names[sender], recipient="help@desk.bench",
                                 subject=subject, text=text, html=html,
                                 meta={"message_id": f"<{i}@mail.example.kr>", "to": ["help@desk.bench"]})
            sent_emails.append((i, sender, subject))
            specs.append((kind, fixed(msg)))
        elif kind in ("email_reply", "email_token"):
            index, sender, subject = rng.choice(sent_emails)
            text = "답장드립니다. " + common.body(rng, 2)
            ext = f"<{seed}.{i}.reply@mail.example.kr>"

            def make(results, index=index, sender=sender, subject=subject, text=text, ext=ext, kind=kind):
                ticket_id, number = results[index]
                hints = ThreadHints(ticket_id=ticket_id, reason="message_id") if kind == "email_reply" \
                    else ThreadHints(ticket_number=number)
                msg = InboundMessage(channel="email", external_id=ext, sender=sender,
                                     subject=f"Re: [#{number}] {subject}", text=text, thread_hints=hints)
                sent.append(msg)
                return msg

            specs.append((kind, make))
        elif kind == "sms":
            number = rng.choice(phones)
            msg = InboundMessage(channel="sms", external_id=f"SM{seed:02d}{i:08d}{rng.getrandbits(64):016x}",
                                 sender=common.phone_local(number, rng), recipient="+82215880000",
                                 text=rng.choice(common.CHAT_LINES + common.SENTENCES))
            specs.append((kind, fixed(msg)))
        elif kind == "chat":
            if not chats or (len(chats) < 40 and rng.random() < 0.25):
                n_chat_sessions += 1
                chats.append({"session": f"s{seed}-{n_chat_sessions}", "visitor": f"v-{rng.getrandbits(48):012x}",
                              "left": rng.randint(3, 9), "k": 0})
            chat = rng.choice(chats)
            chat["k"] += 1
            msg = InboundMessage(channel="chat", external_id=f"chat:{chat['session']}:{chat['k']}",
                                 sender=chat["visitor"], text=rng.choice(common.CHAT_LINES),
                                 thread_hints=ThreadHints(session=chat["session"]))
            chat["left"] -= 1
            if chat["left"] <= 0:
                chats.remove(chat)
            specs.append((kind, fixed(msg)))
        else:  # a provider retrying a message we already have
            specs.append((kind, (lambda results, i=len(sent) - 1 - rng.randrange(min(len(sent), 50)):
                                 sent[i])))
    return specs


# -- one run ----------------------------------------------------------------------------------

def fresh_database(url: str, instance: Path):
    """Migrate, create the app, add the queues and the ticket counter; returns the app."""
    from desk import migrate
    from desk.extensions import db
    from desk.models import Counter, Queue

    migrate.upgrade(url)
    app = common.make_app(url, instance)
    with app.app_context():
        with db.write() as session:
            for slug, name, default in QUEUES:
                session.add(Queue(slug=slug, name=name, is_default=default))
            if session.get(Counter, "ticket") is None:  # the migrations may create it
                session.add(Counter(name="ticket", value=1000))
        db.session.remove()
    return app


def run(app, specs, *, label: str, sql=None) -> dict:
    from sqlalchemy import func, select

    from desk.extensions import db
    from desk.models import Customer, Interaction, Ticket
    from desk.services import intake

    results: list[tuple[int, int]] = []
    per_kind: dict[str, list[float]] = {}
    samples: list[float] = []
    with app.app_context():
        t_start, cpu_start = time.perf_counter(), time.process_time()
        for kind, make in specs:
            msg = make(results)
            t0 = time.perf_counter()
            ticket, _ = intake.receive(msg)
            results.append((ticket.id, ticket.number))
            db.session.remove()  # what the end of a request or an SMTP delivery does
            elapsed = time.perf_counter() - t0
            samples.append(elapsed)
            per_kind.setdefault(kind, []).append(elapsed)
        wall, cpu = time.perf_counter() - t_start, time.process_time() - cpu_start
        counts = {name: db.session.scalar(select(func.count()).select_from(model))
                  for name, model in (("tickets", Ticket), ("customers", Customer), ("interactions", Interaction))}
        db.session.remove()
    summary = {"label": label, "messages": len(specs), "seconds": wall, "per_s": len(specs) / wall,
               "cpu ms": 1000 * cpu / len(specs),
               **common.summarize(samples), **counts}
    summary["kinds"] = [{"kind": k, **common.summarize(v)} for k, v in per_kind.items()]
    return summary


def run_batched(app, specs, *, label: str, batch: int) -> dict:
    """``intake.receive_many`` in batches of ``batch`` messages (one write transaction each), as the
    mail worker drains its spool. A reply whose ticket is still in the pending batch sends that
    batch first. ``p50``/``p99`` here are per batch."""
    from sqlalchemy import func, select

    from desk.extensions import db
    from desk.models import Customer, Interaction, Ticket
    from desk.services import intake

    results: list[tuple[int, int]] = []  # of the messages received so far: the pending batch is not in it
    samples: list[float] = []
    pending: list = []

    def flush():
        t0 = time.perf_counter()
        for received in intake.receive_many(pending):
            results.append((received.ticket_id, received.ticket["number"]))
        db.session.remove()
        samples.append(time.perf_counter() - t0)
        pending.clear()

    with app.app_context():
        t_start, cpu_start = time.perf_counter(), time.process_time()
        for _, make in specs:
            try:
                msg = make(results)
            except IndexError:  # a reply to a message of the pending batch
                flush()
                msg = make(results)
            pending.append(msg)
            if len(pending) >= batch:
                flush()
        if pending:
            flush()
        wall, cpu = time.perf_counter() - t_start, time.process_time() - cpu_start
        counts = {name: db.session.scalar(select(func.count()).select_from(model))
                  for name, model in (("tickets", Ticket), ("customers", Customer), ("interactions", Interaction))}
        db.session.remove()
    return {"label": label, "messages": len(specs), "seconds": wall, "per_s": len(specs) / wall,
            "cpu ms": 1000 * cpu / len(specs), **common.summarize(samples), **counts, "kinds": []}


def report(summary: dict) -> None:
    print(f"\n-- {summary['label']}: {summary['messages']:,} messages in {summary['seconds']:.2f} s = "
          f"{summary['per_s']:,.0f} interactions/s  (p50 {summary['p50']:.2f} ms, p99 {summary['p99']:.2f} ms, "
          f"{summary['cpu ms']:.2f} ms CPU per message in this process); "
          f"stored {summary['interactions']:,} interactions, {summary['tickets']:,} tickets, "
          f"{summary['customers']:,} customers")
    if summary["kinds"]:
        print(common.table(summary["kinds"], ["kind", "n", "mean", "p50", "p99", "max"]))


class DriverTrace:
    """Counts every statement the SQLite driver runs (``sqlite3`` trace callback), BEGIN and COMMIT
    included: intake runs most of its statements straight on the driver's cursor, where the
    engine's execute events do not see them."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.count = 0
        self.kinds: dict[str, int] = {}

    def _trace(self, statement: str) -> None:
        self.count += 1
        kind = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "?"
        self.kinds[kind] = self.kinds.get(kind, 0) + 1

    def _checkout(self, dbapi_conn, record, proxy):  # noqa: ARG002
        dbapi_conn.set_trace_callback(self._trace)

    def _checkin(self, dbapi_conn, record):  # noqa: ARG002
        if dbapi_conn is not None:
            dbapi_conn.set_trace_callback(None)

    def __enter__(self) -> "DriverTrace":
        from sqlalchemy import event

        event.listen(self.engine, "checkout", self._checkout)
        event.listen(self.engine, "checkin", self._checkin)
        return self

    def __exit__(self, *exc) -> None:
        from sqlalchemy import event

        event.remove(self.engine, "checkout", self._checkout)
        event.remove(self.engine, "checkin", self._checkin)


def profile(specs, base: Path, top: int = 15) -> None:
    from desk.extensions import db

    url = f"sqlite:///{base / 'desk.db'}"
    app = fresh_database(url, base / "instance")
    with DriverTrace(db.engine) as sql:
        profiler = cProfile.Profile()
        profiler.enable()
        summary = run(app, specs, label="profiled (SQLite, cProfile on)")
        profiler.disable()
    n = len(specs)
    stats = pstats.Stats(profiler)
    print(f"\n== profile of {n:,} messages on SQLite (cProfile slows it down: {summary['per_s']:,.0f}/s); "
          f"{stats.total_calls / n:,.0f} Python calls per message")
    kinds = ", ".join(f"{k} {v / n:.2f}" for k, v in sorted(sql.kinds.items(), key=lambda kv: -kv[1]))
    print(f"SQL statements per message, as the driver ran them: "
          f"{sql.count / n:.2f} ({kinds})")
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats(order).print_stats(top)
        lines = [line for line in out.getvalue().splitlines() if line.strip()]
        start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
        print(f"\ntop {top} by {order}:")
        root = str(common.ROOT) + os.sep
        for line in lines[start:]:
            print("  " + line.replace(root, "").replace(sys.prefix + os.sep, ""))


def main(argv=None) -> int:
    args = parse_args(argv)
    load_start = os.getloadavg()[0]
    specs = build(args.messages)
    print(f"{args.messages:,} messages: " + ", ".join(
        f"{k} {sum(1 for kind, _ in specs if kind == k):,}" for k, _ in MIX))

    summaries = []
    base = common.workdir("intake")
    app = fresh_database(f"sqlite:///{base / 'desk.db'}", base / "instance")
    summaries.append(run(app, specs, label="SQLite (WAL, synchronous=NORMAL)"))
    report(summaries[-1])
    if args.batch:
        app = fresh_database(f"sqlite:///{base / 'desk-batched.db'}", base / "instance")
        summaries.append(run_batched(app, specs, label=f"SQLite, receive_many x{args.batch}", batch=args.batch))
        report(summaries[-1])

    reason = "--no-postgresql" if args.no_postgresql else common.pg_reachable()
    if reason is None:
        with common.pg_database("desk_bench") as url:
            app = fresh_database(url, base / "instance-pg")
            summaries.append(run(app, specs, label="PostgreSQL (desk_bench on 127.0.0.1)"))
            report(summaries[-1])
        if args.batch:
            with common.pg_database("desk_bench") as url:
                app = fresh_database(url, base / "instance-pg")
                summaries.append(run_batched(app, specs, label=f"PostgreSQL, receive_many x{args.batch}",
                                             batch=args.batch))
                report(summaries[-1])
    else:
        print(f"\n-- PostgreSQL: SKIPPED ({reason})")

    if not args.no_profile:
        profile(build(args.profile_messages, seed=11), common.workdir("intake-profile"))

    print()
    columns = ["label", "messages", "seconds", "per_s", "mean", "p50", "p99", "max", "cpu ms"]
    print(common.table([{k: s[k] for k in columns} for s in summaries], columns,
                       title="== intake.receive: throughput (interactions/s) and per-call latency (ms)"))
    sqlite_rate = summaries[0]["per_s"]
    print(f"\ntarget ≥ {TARGET:,}/s on SQLite: {'met' if sqlite_rate >= TARGET else 'missed'} "
          f"({sqlite_rate:,.0f}/s); load average {load_start:.2f} at start, {os.getloadavg()[0]:.2f} at end "
          f"on {os.cpu_count()} cores")
    # What one core would do if nothing else ran: the figure that does not move with the load.
    print(f"CPU per message on SQLite: {summaries[0]['cpu ms']:.2f} ms = "
          f"{1000 / summaries[0]['cpu ms']:,.0f}/s on a core of its own")
    return 0


if __name__ == "__main__":
    sys.exit(main())
