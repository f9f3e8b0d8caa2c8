"""Queue list and customer timeline latency on a 1,000,000-ticket SQLite database.

Seeds a fresh, migrated database fast (bulk executemany), then measures the real API through
the Flask test client and through a real HTTP server (``python -m desk web`` as a subprocess,
hit over loopback with keep-alive): first pages, deep keyset pages, the heavy customer's
timeline and ``q=`` searches, for a supervisor and for an agent working two queues. Prints
p50/p99/mean/max per case, the SQL time inside each request, and EXPLAIN QUERY PLAN of the
main queries.

    .venv/bin/python bench/queue_list.py            # 1,000,000 tickets
    .venv/bin/python bench/queue_list.py --quick    # 50,000 tickets
    .venv/bin/python bench/queue_list.py --reuse    # measure again on the last seeded database
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import seeding  # noqa: E402

COLUMNS = ["case", "viewer", "via", "n", "mean", "p50", "p99", "max", "items", "cpu ms", "query ms", "stmts"]


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="50,000 tickets, fewer requests")
    p.add_argument("--tickets", type=int, help="tickets to seed (default 1,000,000; 50,000 with --quick)")
    p.add_argument("--requests", type=int, help="timed HTTP requests per case (default 500; 100 with --quick)")
    p.add_argument("--app-requests", type=int, help="timed test-client requests per case (default 100; 30 with --quick)")
    p.add_argument("--search-requests", type=int, default=None, help="timed requests per q= case")
    p.add_argument("--reuse", action="store_true", help="reuse bench/out/queue_list if seeded with the same size")
    p.add_argument("--analyze", action="store_true", help="run ANALYZE after seeding (the app never does)")
    p.add_argument("--no-http", action="store_true", help="skip the HTTP server measurements")
    p.add_argument("--dir", type=Path, help="where the database goes (default bench/out/queue_list[_quick])")
    args = p.parse_args(argv)
    args.tickets = args.tickets or (50_000 if args.quick else 1_000_000)
    args.dir = args.dir or common.OUT_DIR / ("queue_list_quick" if args.quick else "queue_list")
    args.requests = args.requests or (100 if args.quick else 500)
    args.app_requests = args.app_requests or (30 if args.quick else 100)
    args.search_requests = args.search_requests or (5 if args.quick else 20)
    args.budget = 3.0 if args.quick else 10.0  # seconds per case at most
    args.search_budget = 2.0 if args.quick else 3.0
    return args


# -- seeding ----------------------------------------------------------------------------------

def prepare(args) -> tuple[str, dict]:
    path = args.dir / "desk.db"
    meta_path = args.dir / "meta.json"
    meta = seeding.load_meta(meta_path) if args.reuse else None
    if meta and meta.get("tickets") == args.tickets and path.exists() and meta.get("analyzed") == args.analyze:
        print(f"reusing {path.relative_to(common.ROOT) if path.is_relative_to(common.ROOT) else path} "
              f"({meta['tickets']:,} tickets, {meta['size_mb']:.0f} MiB)")
        return f"sqlite:///{path}", meta
    if args.dir.exists():
        for child in args.dir.iterdir():
            if child.is_file():
                child.unlink()
    args.dir.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{path}"
    from desk import migrate
    from desk.extensions import db

    t0 = time.perf_counter()
    migrate.upgrade(url)
    migrated = time.perf_counter() - t0
    app = common.make_app(url, args.dir / "instance")
    with app.app_context():
        ids = seeding.seed_staff()
    db.session.remove()
    db.engine.dispose()
    customers = 20_000 if args.tickets >= 200_000 else 5_000
    result = seeding.seed_bulk(path, tickets=args.tickets, customers=customers, heavy_interactions=10_000, ids=ids)
    figures = [{"table": "migrations", "rows": 0, "seconds": migrated, "rows/s": 0.0}] + result.pop("figures")
    if args.analyze:
        figures.append({"table": "ANALYZE", "rows": 0, "seconds": seeding.analyze(path), "rows/s": 0.0})
    print(common.table(figures, ["table", "rows", "seconds", "rows/s"], title="\n== seeding"))
    meta = {"tickets": args.tickets, "customers": customers, "analyzed": args.analyze, **ids, **result,
            "size_mb": path.stat().st_size / 2**20}
    print(f"database: {meta['size_mb']:.0f} MiB, heavy customer #{meta['heavy_customer']} "
          f"with {meta['heavy_interactions']:,} interactions")
    seeding.save_meta(meta_path, meta)
    return url, meta


# -- cases ------------------------------------------------------------------------------------

def cases(meta: dict) -> list[dict]:
    heavy = meta["heavy_customer"]
    deep = min(10_000, meta["tickets"] // 20)
    timeline = f"/api/v1/customers/{heavy}/timeline"
    return [
        {"case": "open, page 1", "path": "/api/v1/tickets", "params": {"status": "open"}, "deep": 0},
        {"case": f"open, {deep:,} deep", "path": "/api/v1/tickets", "params": {"status": "open"}, "deep": deep},
        {"case": "new+open+pending, page 1", "path": "/api/v1/tickets",
         "params": {"status": "new,open,pending"}, "deep": 0},
        {"case": f"new+open+pending, {deep:,} deep", "path": "/api/v1/tickets",
         "params": {"status": "new,open,pending"}, "deep": deep},
        {"case": "timeline, page 1", "path": timeline, "params": {}, "deep": 0},
        {"case": "timeline, 3,000 deep", "path": timeline, "params": {}, "deep": 3_000},
        {"case": "q=환불 (common)", "path": "/api/v1/tickets", "params": {"status": "open", "q": "환불"},
         "deep": 0, "search": True},
        {"case": "q=ORD-… (one ticket)", "path": "/api/v1/tickets",
         "params": {"status": "open", "q": meta["rare_order"]}, "deep": 0, "search": True},
        {"case": "q=email (one customer)", "path": "/api/v1/tickets",
         "params": {"status": "open", "q": meta["customer_email"]}, "deep": 0, "search": True},
    ]


def resolve(case: dict, get_json) -> str | None:
    """The request path of a case; deep cases follow cursors (200 a page) down ``deep`` rows first."""
    params = dict(case["params"])
    skipped, guard = 0, 0
    while skipped < case["deep"] and guard < 1000:
        guard += 1
        data = get_json(case["path"] + "?" + urlencode({**params, "limit": min(200, case["deep"] - skipped)}))
        skipped += len(data["items"])
        if not data.get("next_cursor"):
            return None  # not that many rows for this viewer
        params["cursor"] = data["next_cursor"]
    return case["path"] + "?" + urlencode({**params, "limit": 50})


# -- in-process (Flask test client) -----------------------------------------------------------

def measure_app(app, meta: dict, all_cases: list[dict], args, plans: dict) -> list[dict]:
    from desk.extensions import db

    client = app.test_client()
    rows = []
    for viewer, token in meta["tokens"].items():
        headers = {"Authorization": f"Bearer {token}"}

        def get_json(path, headers=headers):
            response = client.get(path, headers=headers)
            if response.status_code != 200:
                raise SystemExit(f"{path}: HTTP {response.status_code} {response.get_data(as_text=True)[:300]}")
            return response.get_json()

        for case in all_cases:
            path = resolve(case, get_json)
            if path is None:
                rows.append({"case": case["case"], "viewer": viewer, "via": "app", "n": 0})
                continue
            case.setdefault("paths", {})[viewer] = path
            items = len(get_json(path)["items"])
            n = args.search_requests if case.get("search") else args.app_requests
            cpu0 = time.process_time()
            samples = common.timed(lambda: client.get(path, headers=headers), n, warmup=1 if case.get("search")
                                   else 20, budget=args.search_budget if case.get("search") else args.budget,
                                   warmup_budget=1.0)
            cpu = (time.process_time() - cpu0) / max(len(samples), 1)
            with common.SqlCapture(db.engine, keep=20) as sql:
                probes = min(20 if sum(samples) / len(samples) < 0.1 else 2, len(samples))
                for _ in range(probes):
                    client.get(path, headers=headers)
            main = [s for s in sql.statements if "LIMIT" in s[0] and ("FROM ticket" in s[0] or "FROM interaction"
                                                                      in s[0])]
            if main:
                plans[(case["case"], viewer)] = main[-1]
            rows.append({"case": case["case"], "viewer": viewer, "via": "app", **common.summarize(samples),
                         "items": items, "cpu ms": 1000 * cpu,
                         "stmts": sql.count / max(probes, 1)})
            print(f"  {case['case']:<30} {viewer:<10} app   p50 {rows[-1]['p50']:8.2f} ms  "
                  f"p99 {rows[-1]['p99']:8.2f} ms", flush=True)
    return rows


# -- real HTTP server -------------------------------------------------------------------------

class Server:
    """``python -m desk web`` in a subprocess on a free loopback port; restarted if it dies."""

    def __init__(self, url: str, instance: Path, log_path: Path) -> None:
        self.url, self.instance, self.log_path = url, instance, log_path
        self.proc: subprocess.Popen | None = None
        self.restarts = -1
        self.start()

    def start(self) -> None:
        self.port = common.free_port()
        env = {**common.env_without_desk(), **common.environ(self.url, self.instance, DESK_HTTP_HOST="127.0.0.1",
                                                              DESK_HTTP_PORT=str(self.port))}
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "desk", "web"], cwd=common.ROOT, env=env,
                                     stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.restarts += 1
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"the web server exited with {self.proc.returncode}; see {self.log_path}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                conn.getresponse().read()
                conn.close()
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit("the web server did not answer within 60 s")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def cpu_seconds(self) -> float | None:
        """User + system CPU the server process used so far (Linux), to compare with wall time."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return None

    def stop(self) -> None:
        if self.alive():
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


class Client:
    """One keep-alive connection; reconnects (and restarts a dead server) once per failure."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)

    def get(self, path: str, headers: dict) -> bytes:
        for attempt in range(2):
            try:
                self.conn.request("GET", path, headers=headers)
                response = self.conn.getresponse()
                body = response.read()
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                if attempt:
                    raise
                if not self.server.alive():
                    print("  (the web server died; restarting it)", flush=True)
                    self.server.start()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=120)
        if response.status != 200:
            raise SystemExit(f"{path}: HTTP {response.status} {body[:300]!r}")
        return body


def measure_http(server: Server, meta: dict, all_cases: list[dict], args) -> list[dict]:
    rows = []
    client = Client(server)
    for viewer, token in meta["tokens"].items():
        headers = {"Authorization": f"Bearer {token}"}
        for case in all_cases:
            path = case.get("paths", {}).get(viewer) or resolve(case, lambda p: json.loads(client.get(p, headers)))
            if path is None:
                continue
            items = len(json.loads(client.get(path, headers))["items"])
            n = args.search_requests if case.get("search") else args.requests
            cpu0 = server.cpu_seconds()
            samples = common.timed(lambda: client.get(path, headers), n, warmup=1 if case.get("search") else 20,
                                   budget=args.search_budget if case.get("search") else args.budget,
                                   warmup_budget=1.0)
            cpu1 = server.cpu_seconds()
            rows.append({"case": case["case"], "viewer": viewer, "via": "http", **common.summarize(samples),
                         "items": items})
            if cpu0 is not None and cpu1 is not None and cpu1 >= cpu0:
                rows[-1]["cpu ms"] = 1000 * (cpu1 - cpu0) / len(samples)  # server side only; includes warm-up
            print(f"  {case['case']:<30} {viewer:<10} http  p50 {rows[-1]['p50']:8.2f} ms  "
                  f"p99 {rows[-1]['p99']:8.2f} ms", flush=True)
    client.conn.close()
    return rows


def print_plans(engine, plans: dict) -> dict:
    """Print EXPLAIN QUERY PLAN of each case's main query (grouped by plan) and return how long
    the query itself takes, all rows fetched, median of 3 (ms) per case."""
    print("\n== EXPLAIN QUERY PLAN of the main query of each case")
    seen: dict[str, list[str]] = {}
    sql_of: dict[str, str] = {}
    query_ms: dict = {}
    for key, (statement, params, _) in plans.items():
        plan = "\n".join("    " + line for line in common.explain_sqlite(engine, statement, params))
        query_ms[key] = common.time_sqlite(engine, statement, params)
        seen.setdefault(plan, []).append(f"{key[0]} [{key[1]}] {query_ms[key]:.2f} ms")
        sql_of.setdefault(plan, common.one_line(statement, 400))
    for plan, who in seen.items():
        print("\n  " + "; ".join(who))
        print("  SQL: " + sql_of[plan])
        print(plan)
    return query_ms


def main(argv=None) -> int:
    args = parse_args(argv)
    load_start = os.getloadavg()[0]
    if not (common.ROOT / "desk").is_dir():
        raise SystemExit("run from a desk checkout")
    url, meta = prepare(args)
    from desk.extensions import db

    app = common.make_app(url, args.dir / "instance")
    plans: dict = {}
    all_cases = cases(meta)
    print("\n== through the Flask test client (in process)")
    # No app context around the requests: each request gets its own, so its session (identity
    # map, transaction) ends with it, as in the server.
    rows = measure_app(app, meta, all_cases, args, plans)
    query_ms = print_plans(db.engine, plans)
    for row in rows:
        if (row["case"], row["viewer"]) in query_ms:
            row["query ms"] = query_ms[(row["case"], row["viewer"])]
    if not args.no_http:
        print("\n== through HTTP: `python -m desk web` (gevent) in a subprocess, keep-alive client")
        server = Server(url, args.dir / "instance", args.dir / "web.log")
        try:
            rows += measure_http(server, meta, all_cases, args)
        finally:
            server.stop()
        if server.restarts:
            print(f"  note: the web server had to be restarted {server.restarts} time(s)")
    rows.sort(key=lambda r: (r["via"], r["viewer"] != "supervisor"))
    print()
    print(common.table(rows, COLUMNS, title=f"== {meta['tickets']:,} tickets, limit=50, times in ms; cpu ms: CPU "
                                           "per request of the serving process (app: test client included)"))
    # Judged on the real server when it ran; in process, the p99 also carries this script's own
    # garbage collections (its heap holds the seeding bookkeeping).
    judged = [r for r in rows if r["via"] == "http"] or rows
    slow = [r for r in judged if r.get("n") and r["p99"] > 30 and "q=" not in r["case"]]
    print(f"load average {load_start:.2f} at start, {os.getloadavg()[0]:.2f} at end on {os.cpu_count()} cores")
    print(f"target p99 < 30 ms ({judged[0]['via']}, q= searches excluded): "
          f"{'met' if not slow else 'missed by ' + ', '.join(sorted({r['case'] for r in slow}))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
