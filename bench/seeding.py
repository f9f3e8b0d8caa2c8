"""Fast bulk seeding of a migrated SQLite database for the queue-list benchmark.

The schema comes from the Alembic migrations and the staff (queues, agents, tokens) from the
real services; the bulk rows (customers, identities, tickets, interactions) go in with
``executemany`` of plain tuples in large batches inside one transaction, with
``synchronous=OFF`` and an in-memory journal for the seeding only. The database is put back
into WAL mode afterwards, as the application expects it.
"""
from __future__ import annotations

import json
import random
import sqlite3
import time
from datetime import datetime, timedelta
from pathlib import Path

from common import SUBJECTS, body, email_for, ko_or_en_name, phone_e164

BATCH = 50_000
QUEUES = [("general", "일반 문의", True, 0.40), ("shipping", "배송", False, 0.25),
          ("billing", "결제·환불", False, 0.20), ("tech", "기술 지원", False, 0.15)]
AGENT_QUEUES = ("billing", "tech")  # the bench agent's two queues
STATUSES = [("new", 0.05), ("open", 0.30), ("pending", 0.10), ("solved", 0.35), ("closed", 0.20)]
CHANNELS = [("email", 0.40), ("chat", 0.20), ("sms", 0.15), ("voice", 0.10), ("web", 0.10), ("callback", 0.05)]
PRIORITIES = [("normal", 0.70), ("low", 0.10), ("high", 0.15), ("urgent", 0.05)]
ASSIGNEES = 20
HEAVY_TICKETS = 400  # the heavy customer's tickets, spread over the whole id range
START = datetime(2024, 1, 1)


def _draws(rng: random.Random, weighted, k: int) -> list:
    """``k`` weighted draws at once (one call is much faster than ``k``)."""
    values, weights = zip(*weighted)
    return rng.choices(values, weights, k=k)


def _ts(dt: datetime) -> str:
    return f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d} {dt.hour:02d}:{dt.minute:02d}:{dt.second:02d}.000000"


def seed_staff() -> dict:
    """Queues, 20 assignable agents, the supervisor and the 2-queue agent (inside an app context)."""
    from common import create_staff
    from desk.extensions import db
    from desk.models import Queue
    from desk.services import auth

    with db.write() as session:
        for slug, name, default, _ in QUEUES:
            session.add(Queue(slug=slug, name=name, is_default=default))
    staff = create_staff([q[0] for q in QUEUES], AGENT_QUEUES)
    assignees = [auth.create_agent(f"agent{i}@desk.bench", name=f"상담원 {i}",
                                   queues=[QUEUES[i % len(QUEUES)][0]]).id for i in range(ASSIGNEES)]
    queue_ids = {q.slug: q.id for q in db.session.query(Queue)}
    db.session.remove()
    return {"tokens": {role: token for role, (_, token) in staff.items()},
            "agent_ids": {role: agent.id for role, (agent, _) in staff.items()},
            "assignees": assignees, "queue_ids": queue_ids}


def seed_bulk(path: Path, *, tickets: int, customers: int, heavy_interactions: int, ids: dict,
              seed: int = 20261129, interactions_per_ticket: int = 1, response_times: bool = False) -> dict:
    """Customers (email + phone), tickets and their interactions; returns figures and ids.

    ``interactions_per_ticket`` messages per ticket (alternating customer and agent);
    ``response_times`` gives answered tickets a first response 5 minutes to 10 hours after they
    were opened and solved ones a resolution 1 to 72 hours after (for the console's reports)."""
    rng = random.Random(seed)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=MEMORY")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-524288")  # 512 MiB while seeding
    conn.execute("PRAGMA temp_store=MEMORY")
    figures: list[dict] = []
    t_all = time.perf_counter()
    conn.execute("BEGIN")

    def timed_insert(label: str, sql: str, rows_iter) -> int:
        t0 = time.perf_counter()
        n = 0
        batch: list[tuple] = []
        for row in rows_iter:
            batch.append(row)
            if len(batch) >= BATCH:
                conn.executemany(sql, batch)
                n += len(batch)
                batch.clear()
        if batch:
            conn.executemany(sql, batch)
            n += len(batch)
        elapsed = time.perf_counter() - t0
        figures.append({"table": label, "rows": n, "seconds": elapsed, "rows/s": n / elapsed if elapsed else 0.0})
        return n

    now = _ts(START)

    # Customer 1 is the heavy one (10,000 interactions across many tickets).
    def customer_rows():
        for cid in range(1, customers + 1):
            name = "박지훈" if cid == 1 else ko_or_en_name(rng)
            yield (cid, name, "ko", "Asia/Seoul", "{}", "[]", None, now, now)

    timed_insert("customer", "INSERT INTO customer (id, name, locale, timezone, attributes, opt_outs, "
                 "merged_into_id, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)", customer_rows())

    emails = {}

    def identity_rows():
        iid = 0
        for cid in range(1, customers + 1):
            emails[cid] = email_for(cid, rng)
            iid += 1
            yield (iid, cid, "email", emails[cid], 1, now)
            iid += 1
            yield (iid, cid, "phone", phone_e164(cid), 0, now)

    timed_insert("identity", "INSERT INTO identity (id, customer_id, kind, value, verified, created_at) "
                 "VALUES (?,?,?,?,?,?)", identity_rows())

    queue_ids = [ids["queue_ids"][q[0]] for q in QUEUES]
    n1 = tickets + 1
    t_queue = _draws(rng, list(zip(queue_ids, [q[3] for q in QUEUES])), n1)
    t_status = _draws(rng, STATUSES, n1)
    t_channel = _draws(rng, CHANNELS, n1)
    t_priority = _draws(rng, PRIORITIES, n1)
    t_subject = _draws(rng, [(s, 1) for s in SUBJECTS], n1)
    t_rand = [rng.random() for _ in range(n1)]
    bench_agent = ids["agent_ids"]["agent"]
    assignees = ids["assignees"]
    heavy_every = max(1, tickets // HEAVY_TICKETS)
    per_heavy = max(1, heavy_interactions // HEAVY_TICKETS)
    span = timedelta(days=730) / max(tickets, 1)
    bodies = [body(rng) for _ in range(4000)]
    # Ticket attributes needed again for the interactions.
    t_customer = [0] * n1
    t_created = [""] * n1
    # Secondary indexes are dropped for the bulk load and rebuilt after it (a sort is much
    # faster than millions of random B-tree inserts); their SQL comes from the migrated schema.
    saved_indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        "AND tbl_name IN ('ticket', 'interaction')").fetchall()
    for name, _ in saved_indexes:
        conn.execute(f'DROP INDEX "{name}"')

    def ticket_rows():
        for tid in range(1, tickets + 1):
            created = START + span * tid
            ts = _ts(created)
            heavy = tid % heavy_every == 0 and tid // heavy_every <= HEAVY_TICKETS
            cid = 1 if heavy else rng.randint(2, customers)
            status = t_status[tid]
            r = t_rand[tid]
            assignee = bench_agent if r < 0.01 else (assignees[int(r * 1000) % len(assignees)] if r < 0.70 else None)
            solved = ts if status in ("solved", "closed") else None
            responded = None
            if response_times:
                responded = _ts(created + timedelta(minutes=5 + 595 * r)) if status != "new" else None
                solved = _ts(created + timedelta(hours=1 + 71 * (1 - r))) if solved else None
            t_customer[tid], t_created[tid] = cid, ts
            yield (tid, 1000 + tid, t_subject[tid], cid, t_queue[tid], assignee, status, t_priority[tid],
                   t_channel[tid], "[]", ts, ts, ts, responded, None, None, solved,
                   ts if status == "closed" else None, 1)

    timed_insert("ticket", "INSERT INTO ticket (id, number, subject, customer_id, queue_id, assignee_id, status, "
                 "priority, channel, tags, created_at, updated_at, last_inbound_at, first_response_at, "
                 "first_response_due_at, resolution_due_at, solved_at, closed_at, version) "
                 "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", ticket_rows())

    heavy_ids: list[int] = []

    def interaction_rows():
        iid = 0
        for tid in range(1, tickets + 1):
            cid, channel, ts = t_customer[tid], t_channel[tid], t_created[tid]
            count = per_heavy if cid == 1 else interactions_per_ticket
            for k in range(count):
                iid += 1
                if cid == 1:
                    heavy_ids.append(iid)
                inbound = k % 2 == 0
                text = bodies[(tid * 7 + k) % len(bodies)]
                if tid % 2 == 0:
                    text += f" 주문번호 ORD-{tid:07d}"
                meta = '{"threading":{"reason":"new_ticket"},"sender":"%s"}' % emails[cid] if k == 0 else "{}"
                yield (iid, tid, cid, channel, "inbound" if inbound else "outbound",
                       None if inbound else assignees[tid % len(assignees)], "", text, None,
                       f"{channel}-{tid}-{k}", None, meta, None if inbound else "sent", ts, ts)

    timed_insert("interaction", "INSERT INTO interaction (id, ticket_id, customer_id, channel, direction, "
                 "author_agent_id, subject, text, html, external_id, thread_key, meta, delivery_status, "
                 "occurred_at, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", interaction_rows())

    t0 = time.perf_counter()
    for _, sql in saved_indexes:
        conn.execute(sql)
    figures.append({"table": f"{len(saved_indexes)} indexes", "rows": 0, "seconds": time.perf_counter() - t0,
                    "rows/s": 0.0})
    conn.execute("INSERT OR REPLACE INTO counter (name, value) VALUES ('ticket', ?)", (1000 + tickets,))
    t0 = time.perf_counter()
    conn.execute("COMMIT")
    figures.append({"table": "commit", "rows": 0, "seconds": time.perf_counter() - t0, "rows/s": 0.0})
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    total = time.perf_counter() - t_all
    figures.append({"table": "total", "rows": sum(f["rows"] for f in figures), "seconds": total,
                    "rows/s": sum(f["rows"] for f in figures) / total})
    return {"figures": figures, "heavy_customer": 1, "heavy_interactions": len(heavy_ids),
            "size_mb": path.stat().st_size / 2**20,
            "rare_order": f"ORD-{(tickets // 2) & ~1:07d}", "customer_email": emails[customers // 2]}


def analyze(path: Path) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    t0 = time.perf_counter()
    conn.execute("ANALYZE")
    conn.close()
    return time.perf_counter() - t0


def save_meta(path: Path, meta: dict) -> None:
    path.write_text(json.dumps(meta, ensure_ascii=False, default=str, indent=1))


def load_meta(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return None
