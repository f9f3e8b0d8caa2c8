"""Console benchmark: the agent's HTML pages, the supervisors' floor and the reports on
1,000,000 tickets and 5,000,000 interactions (SQLite; PostgreSQL at a smaller size when one
answers on 127.0.0.1:5432).

Seeds with ``seeding.seed_bulk`` (five messages per ticket, response and resolution times), adds
an SLA clock to every unsolved ticket (a fifth of them breached, some due within 30 minutes),
then times, through a real ``python -m desk web`` server (gevent) on one keep-alive connection:
the queue views (HTML), ticket pages (HTML, a different ticket each request), the floor page,
and the reports page; and in-process (no cache) the floor summary and the report queries.
Prints p50/p99; asserts nothing.
"""
from __future__ import annotations

import argparse
import itertools
import os
import random
import sqlite3
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

import common
import seeding
from queue_list import Client, Server

OUT = common.OUT_DIR / "console"


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="50,000 tickets / 250,000 interactions, fewer requests")
    p.add_argument("--tickets", type=int, help="tickets to seed (default 1,000,000)")
    p.add_argument("--requests", type=int, help="timed HTTP requests per case (default 300; 60 with --quick)")
    p.add_argument("--reuse", action="store_true", help="measure again on the database seeded last time")
    p.add_argument("--no-http", action="store_true", help="in-process figures only")
    p.add_argument("--no-postgresql", action="store_true", help="skip the PostgreSQL run")
    p.add_argument("--pg-tickets", type=int, default=200_000,
                   help="tickets for the PostgreSQL run (1000000: a copy of the SQLite database, ~10 min more)")
    p.add_argument("--pg-keep", action="store_true",
                   help="keep the PostgreSQL copy afterwards, and with --reuse measure on the kept copy again")
    args = p.parse_args(argv)
    args.tickets = args.tickets or (50_000 if args.quick else 1_000_000)
    args.requests = args.requests or (60 if args.quick else 300)
    args.dir = OUT.with_name("console_quick") if args.quick else OUT
    return args


# -- seeding ----------------------------------------------------------------------------------

def seed_sla(path: Path) -> dict:
    """An SLA clock for every unsolved ticket: due between 2 hours ago and 8 hours ahead."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    t0 = time.perf_counter()
    conn.execute("BEGIN")
    conn.execute("""
        INSERT INTO ticket_sla (ticket_id, first_response_due_at, resolution_due_at, paused_seconds, due_at,
                                due_target, warn_at, breached, breached_at, is_open, seen_version, seen_status,
                                seen_priority, updated_at, queue_id, channel)
        SELECT id, due, due, 0, CASE WHEN late THEN NULL ELSE due END, 'first_response', NULL,
               CASE WHEN late THEN '["first_response"]' ELSE '[]' END, CASE WHEN late THEN due END, 1, version,
               status, priority, due, queue_id, channel
        FROM (SELECT id, version, status, priority, queue_id, channel, (id % 600) < 120 AS late,
                     strftime('%Y-%m-%d %H:%M:%f', 'now', ((id % 600) - 120) || ' minutes') AS due
              FROM ticket WHERE status IN ('new', 'open', 'pending'))""")
    n = conn.execute("SELECT count(*) FROM ticket_sla").fetchone()[0]
    conn.execute("COMMIT")
    conn.close()
    return {"table": "ticket_sla", "rows": n, "seconds": time.perf_counter() - t0,
            "rows/s": n / (time.perf_counter() - t0)}


def prepare(args) -> tuple[str, dict]:
    path = args.dir / "desk.db"
    meta_path = args.dir / "meta.json"
    meta = seeding.load_meta(meta_path) if args.reuse else None
    if meta and meta.get("tickets") == args.tickets and path.exists():
        print(f"reusing {path} ({meta['tickets']:,} tickets, {meta['size_mb']:.0f} MiB)")
        return f"sqlite:///{path}", meta
    if args.dir.exists():
        for child in args.dir.iterdir():
            if child.is_file():
                child.unlink()
    args.dir.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{path}"
    from desk import migrate
    from desk.extensions import db

    migrate.upgrade(url)
    app = common.make_app(url, args.dir / "instance")
    with app.app_context():
        ids = seeding.seed_staff()
    db.session.remove()
    db.engine.dispose()
    customers = 20_000 if args.tickets >= 200_000 else 5_000
    result = seeding.seed_bulk(path, tickets=args.tickets, customers=customers, heavy_interactions=10_000, ids=ids,
                               interactions_per_ticket=5, response_times=True)
    figures = result.pop("figures") + [seed_sla(path), fold_tally(url, args.dir / "instance")]
    print(common.table(figures, ["table", "rows", "seconds", "rows/s"], title="\n== seeding"))
    conn = sqlite3.connect(path)
    interactions = conn.execute("SELECT max(id) FROM interaction").fetchone()[0]
    conn.close()
    meta = {"tickets": args.tickets, "interactions": interactions, **ids, **result,
            "size_mb": path.stat().st_size / 2**20}
    print(f"database: {meta['size_mb']:.0f} MiB, {args.tickets:,} tickets, {interactions:,} interactions")
    seeding.save_meta(meta_path, meta)
    return url, meta


def fold_tally(url: str, instance: Path) -> dict:
    """The triggers wrote one tally row per seeded ticket; fold them as the console loop would."""
    from desk.extensions import db
    from desk.services import tally

    app = common.make_app(url, instance)
    t0 = time.perf_counter()
    with app.app_context():
        with db.write() as session:
            folded = tally.compact(session)
        db.session.remove()
    return {"table": "ticket_tally (fold)", "rows": folded, "seconds": time.perf_counter() - t0,
            "rows/s": folded / max(time.perf_counter() - t0, 1e-9)}


# -- what is measured -------------------------------------------------------------------------

def report_window(days: int) -> dict:
    end = (seeding.START + timedelta(days=729)).date()  # the seeded history ends here
    return {"from": (end - timedelta(days=days - 1)).isoformat(), "to": end.isoformat()}


def ticket_numbers(url: str, agent_queues: list[int], n: int = 200) -> dict[str, list[int]]:
    conn = sqlite3.connect(url.removeprefix("sqlite:///")) if url.startswith("sqlite") else None
    rng = random.Random(7)
    if conn is not None:
        top = conn.execute("SELECT max(id) FROM ticket").fetchone()[0]
        marks = ",".join("?" * len(agent_queues))
        agent = [r[0] for r in conn.execute(
            f"SELECT number FROM ticket WHERE queue_id IN ({marks}) AND id IN ({','.join(str(rng.randint(1, top)) for _ in range(n * 4))})",
            agent_queues)][:n]
        anyone = [r[0] for r in conn.execute(
            f"SELECT number FROM ticket WHERE id IN ({','.join(str(rng.randint(1, top)) for _ in range(n))})")]
        conn.close()
        return {"agent": agent, "supervisor": anyone}
    from sqlalchemy import select

    from desk.extensions import db
    from desk.models import Ticket

    top = db.session.scalar(select(Ticket.id).order_by(Ticket.id.desc()).limit(1))
    picks = [rng.randint(1, top) for _ in range(n * 4)]
    agent = list(db.session.scalars(select(Ticket.number).where(Ticket.id.in_(picks),
                                                                 Ticket.queue_id.in_(agent_queues))))[:n]
    anyone = list(db.session.scalars(select(Ticket.number).where(Ticket.id.in_(picks[:n]))))
    return {"agent": agent, "supervisor": anyone}


def html_cases(meta: dict, numbers: dict) -> list[dict]:
    queue_id = meta["queue_ids"]["billing"]
    ninety, thirty = report_window(90), report_window(30)
    cases = []
    for viewer in ("agent", "supervisor"):
        cases += [
            {"case": "queue: unsolved (default)", "viewer": viewer, "paths": ["/"]},
            {"case": "queue: my open tickets", "viewer": viewer, "paths": ["/?assignee=me"]},
            {"case": "queue: unassigned", "viewer": viewer, "paths": ["/?assignee=none"]},
            {"case": "queue: one queue", "viewer": viewer, "paths": [f"/?queue={queue_id}"]},
            {"case": "queue: pending", "viewer": viewer, "paths": ["/?status=pending"]},
            # Each ticket once (its customer's timeline read for the first time: from disk when
            # the ticket is old), then the same tickets again.
            {"case": "ticket page, first visit", "viewer": viewer, "paths": [f"/tickets/{n}" for n in numbers[viewer]],
             "once": True},
            {"case": "ticket page, again", "viewer": viewer, "paths": [f"/tickets/{n}" for n in numbers[viewer]],
             "once": True},
        ]
    cases += [
        {"case": "floor page (1 s cache)", "viewer": "supervisor", "paths": ["/supervisor/floor"]},
        {"case": "floor fragment (1 s cache)", "viewer": "supervisor", "paths": ["/supervisor/floor/live"]},
        {"case": "report page, 30 days", "viewer": "supervisor", "paths": ["/supervisor/reports?" + urlencode(thirty)],
         "slow": True},
        {"case": "report page, 90 days", "viewer": "supervisor", "paths": ["/supervisor/reports?" + urlencode(ninety)],
         "slow": True},
        {"case": "report XLSX, 90 days", "viewer": "supervisor",
         "paths": ["/supervisor/reports/export.xlsx?" + urlencode(ninety)], "slow": True},
    ]
    return cases


def cookies(app, agent_ids: dict) -> dict[str, dict]:
    serializer = app.session_interface.get_signing_serializer(app)
    name = app.config.get("SESSION_COOKIE_NAME", "session")
    return {viewer: {"Cookie": f"{name}={serializer.dumps({'_user_id': str(agent_id), '_fresh': True, 'locale': 'ko'})}"}
            for viewer, agent_id in agent_ids.items()}


def measure_http(server: Server, cases: list[dict], headers: dict, args, label: str) -> list[dict]:
    rows = []
    client = Client(server)
    for case in cases:
        paths = itertools.cycle(case["paths"])
        h = headers[case["viewer"]]
        body = client.get(case["paths"][-1], h) if case.get("once") else client.get(case["paths"][0], h)
        n = max(20, args.requests // 10) if case.get("slow") else len(case["paths"]) if case.get("once") else args.requests
        cpu0 = server.cpu_seconds()
        samples = common.timed(lambda: client.get(next(paths), h), n, warmup=0, budget=60.0, warmup_budget=0)
        cpu1 = server.cpu_seconds()
        rows.append({"case": case["case"], "viewer": case["viewer"], "db": label, **common.summarize(samples),
                     "KiB": len(body) / 1024})
        if cpu0 is not None and cpu1 is not None:
            rows[-1]["cpu ms"] = 1000 * (cpu1 - cpu0) / len(samples)  # the server's own CPU per request
        print(f"  {case['case']:<28} {case['viewer']:<10} p50 {rows[-1]['p50']:8.2f} ms  p99 {rows[-1]['p99']:8.2f} ms",
              flush=True)
    client.conn.close()
    return rows


def measure_inprocess(app, args, label: str) -> list[dict]:
    from desk.extensions import db
    from desk.services import floor, reports

    rows = []
    with app.app_context():
        def run(name, fn, n):
            fn()  # warm the cache once
            cpu0 = time.process_time()
            samples = common.timed(fn, n, warmup=0, budget=60.0, warmup_budget=0)
            cpu = (time.process_time() - cpu0) / len(samples)
            db.session.remove()
            rows.append({"case": name, "viewer": "-", "db": label, **common.summarize(samples), "cpu ms": 1000 * cpu})
            print(f"  {name:<28} in-process p50 {rows[-1]['p50']:8.2f} ms  p99 {rows[-1]['p99']:8.2f} ms", flush=True)

        run("floor summary (no cache)", floor.compute, max(20, args.requests // 5))
        for days in (30, 90):
            window = report_window(days)
            filters = reports.Filters(date.fromisoformat(window["from"]), date.fromisoformat(window["to"]))
            run(f"report queries, {days} days", lambda f=filters: reports.build(f, "Asia/Seoul"), 10 if days == 90 else 20)
        window = report_window(90)
        filters = reports.Filters(date.fromisoformat(window["from"]), date.fromisoformat(window["to"]), channel="chat")
        run("report, 90 days, chat only", lambda: reports.build(filters, "Asia/Seoul"), 10)
        report = reports.build(reports.Filters(date.fromisoformat(window["from"]), date.fromisoformat(window["to"])),
                               "Asia/Seoul")
        print(f"  (90-day report covers {report.total:,} tickets)")
    return rows


COLUMNS = ["case", "viewer", "db", "n", "mean", "p50", "p99", "max", "cpu ms", "KiB"]


def main(argv=None) -> int:
    args = parse_args(argv)
    url, meta = prepare(args)
    app = common.make_app(url, args.dir / "instance")
    numbers = ticket_numbers(url, [meta["queue_ids"][q] for q in seeding.AGENT_QUEUES])
    rows = []
    print("\n== in-process (SQLite)")
    rows += measure_inprocess(app, args, "sqlite")
    if not args.no_http:
        print("\n== HTTP, python -m desk web (SQLite)")
        server = Server(url, args.dir / "instance", args.dir / "web.log")
        try:
            rows += measure_http(server, html_cases(meta, numbers), cookies(app, meta["agent_ids"]), args, "sqlite")
        finally:
            server.stop()
    if not args.no_postgresql:
        rows += run_postgresql(args)
    print(common.table(rows, COLUMNS, title="\n== console (ms)"))
    print(f"load average while measuring: {' '.join(f'{x:.1f}' for x in os.getloadavg())} (2 cores)")
    return 0


# -- PostgreSQL -------------------------------------------------------------------------------

def run_postgresql(args) -> list[dict]:
    """The same cases on PostgreSQL, the SQLite data copied over with COPY (``--pg-tickets``)."""
    reason = common.pg_reachable()
    if reason:
        print(f"\nSKIPPED PostgreSQL: {reason}")
        return []
    same = args.pg_tickets == args.tickets  # copy the database measured above instead of seeding another
    small = argparse.Namespace(**{**vars(args), "tickets": args.pg_tickets, "reuse": True,
                                  "dir": args.dir if same else args.dir.with_name(args.dir.name + f"_{args.pg_tickets}")})
    sqlite_url, meta = prepare(small)
    rows = []
    name = f"desk_bench_console_{small.tickets}"
    ready = small.dir / f"{name}.ready"  # written once the copy is complete
    kept = args.pg_keep and args.reuse and ready.exists() and common.pg_database_exists(name)
    with common.pg_database(name, keep=args.pg_keep, reuse=kept) as pg_url:
        if kept:
            print(f"\nreusing the kept PostgreSQL copy {name}")
        else:
            from desk import migrate

            ready.unlink(missing_ok=True)
            migrate.upgrade(pg_url)
            t0 = time.perf_counter()
            copied = copy_to_postgresql(Path(sqlite_url.removeprefix("sqlite:///")), pg_url)
            print(f"\ncopied {copied:,} rows to PostgreSQL in {time.perf_counter() - t0:.0f} s")
            fold_tally(pg_url, small.dir / "pg-instance")
            settle_postgresql(pg_url)
            if args.pg_keep:
                ready.write_text(pg_url + "\n")
        app = common.make_app(pg_url, small.dir / "pg-instance")
        with app.app_context():
            numbers = ticket_numbers(pg_url, [meta["queue_ids"][q] for q in seeding.AGENT_QUEUES])
        print(f"\n== in-process (PostgreSQL, {small.tickets:,} tickets)")
        rows += measure_inprocess(app, small, f"pg {small.tickets // 1000}k")
        if not args.no_http:
            print(f"\n== HTTP (PostgreSQL, {small.tickets:,} tickets)")
            server = Server(pg_url, small.dir / "pg-instance", small.dir / "pg-web.log")
            try:
                rows += measure_http(server, html_cases(meta, numbers), cookies(app, meta["agent_ids"]), small,
                                     f"pg {small.tickets // 1000}k")
            finally:
                server.stop()
    return rows


TABLES = ["queue", "agent", "agent_queue", "api_token", "customer", "identity", "ticket", "interaction",
          "ticket_sla", "counter"]


def copy_to_postgresql(sqlite_path: Path, pg_url: str) -> int:
    import psycopg

    src = sqlite3.connect(sqlite_path)
    total = 0
    with psycopg.connect(pg_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        with conn.cursor() as cur:
            cur.execute("DELETE FROM counter")
            for table in TABLES:
                columns = [r[1] for r in src.execute(f'PRAGMA table_info("{table}")')]
                types = {r[1]: r[2].upper() for r in src.execute(f'PRAGMA table_info("{table}")')}
                bools = {c for c, t in types.items() if t == "BOOLEAN"}
                names = ", ".join(f'"{c}"' for c in columns)
                with cur.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                    for row in src.execute(f'SELECT {names} FROM "{table}"'):
                        copy.write_row([bool(v) if c in bools and v is not None else v for c, v in zip(columns, row)])
                        total += 1
                if "id" in columns:
                    cur.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                                f"(SELECT coalesce(max(id), 1) FROM \"{table}\"))")
    src.close()
    return total


def settle_postgresql(pg_url: str) -> None:
    """What a database in use looks like after autovacuum: statistics, and the visibility map,
    without which every index-only scan (the reports' counts) reads the table pages too. The
    tally table is rewritten: the copy's triggers added a million rows that the fold deleted, a
    bloat a desk never sees (its loop folds every few seconds), and the sidebar counts scan that
    table (25 ms on the bloated heap, 2 ms on the folded one)."""
    import psycopg

    with psycopg.connect(pg_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute("VACUUM FULL ticket_tally")
        conn.execute("VACUUM (ANALYZE)")


if __name__ == "__main__":
    sys.exit(main())
