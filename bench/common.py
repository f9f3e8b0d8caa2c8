"""Shared helpers for the benchmarks: paths, app creation, timing statistics, SQL capture,
tables, PostgreSQL scratch databases and believable Korean/English text.

Benchmarks print figures; they never assert on timings.
"""
from __future__ import annotations

import math
import os
import random
import shutil
import socket
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator, Sequence

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

OUT_DIR = ROOT / "bench" / "out"  # git-ignored
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SECRET = "bench-secret-key-not-for-production"


# -- places and apps --------------------------------------------------------------------------

def workdir(name: str, *, tmp: bool = False) -> Path:
    """A fresh, empty directory for one benchmark run (bench/out/<name>, or a temp dir)."""
    if tmp:
        return Path(tempfile.mkdtemp(prefix=f"desk-bench-{name}-"))
    path = OUT_DIR / name
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def environ(database_url: str, instance: Path, **extra: str) -> dict[str, str]:
    return {
        "DESK_INSTANCE_DIR": str(instance),
        "DESK_DATABASE_URL": database_url,
        "DESK_SECRET_KEY": SECRET,
        "DESK_MAIL_DOMAIN": "desk.bench",
        "DESK_PUBLIC_URL": "http://127.0.0.1",
        **extra,
    }


def make_app(database_url: str, instance: Path, *, role: str = "web"):
    """The real application on the given database (quiet logging, rate limits off)."""
    import logging

    from config import TestConfig
    from desk import create_app

    app = create_app(TestConfig(environ(database_url, instance), RATELIMIT_ENABLED=False), role=role)
    logging.getLogger().setLevel(logging.WARNING)
    return app


def create_staff(queue_slugs: Sequence[str], agent_queues: Sequence[str]) -> dict:
    """A supervisor and an agent working ``agent_queues``, each with a bearer token."""
    from desk.services import auth

    supervisor = auth.create_agent("supervisor@desk.bench", role="supervisor", name="이서연")
    agent = auth.create_agent("agent@desk.bench", role="agent", name="김민지", queues=list(agent_queues))
    return {
        "supervisor": (supervisor, auth.create_token(supervisor.id, "bench")),
        "agent": (agent, auth.create_token(agent.id, "bench")),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- statistics -------------------------------------------------------------------------------

def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted sequence."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def summarize(seconds: Iterable[float]) -> dict:
    values = sorted(seconds)
    n = len(values)
    if not n:
        return {"n": 0, "mean": float("nan"), "p50": float("nan"), "p99": float("nan"), "max": float("nan")}
    return {"n": n, "mean": 1000 * sum(values) / n, "p50": 1000 * percentile(values, 50),
            "p99": 1000 * percentile(values, 99), "max": 1000 * values[-1]}


def timed(fn, n: int, *, warmup: int = 10, budget: float = 60.0, warmup_budget: float = 2.0) -> list[float]:
    """Call ``fn`` up to ``warmup`` times untimed (at most ``warmup_budget`` s), then up to ``n``
    times timed (stopping once ``budget`` s have passed)."""
    deadline = time.perf_counter() + warmup_budget
    for _ in range(warmup):
        fn()
        if time.perf_counter() > deadline:
            break
    samples: list[float] = []
    deadline = time.perf_counter() + budget
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
        if time.perf_counter() > deadline:
            break
    return samples


def fmt(value, digits: int = 2) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table(rows: Sequence[dict], columns: Sequence[str], title: str | None = None) -> str:
    cells = [[fmt(r.get(c, "")) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) if cells else len(c) for i, c in enumerate(columns)]
    out = [title] if title else []
    out.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(columns, widths))))
    out.append("  ".join("-" * w for w in widths))
    for row in cells:
        out.append("  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(row, widths))))
    return "\n".join(out)


# -- SQL capture ------------------------------------------------------------------------------

class SqlCapture:
    """Counts and times every statement the engine runs while active; keeps the last ones."""

    def __init__(self, engine, keep: int = 50) -> None:
        self.engine = engine
        self.keep = keep
        self.reset()

    def reset(self) -> None:
        self.count = 0
        self.seconds = 0.0
        self.kinds: dict[str, int] = {}
        self.statements: list[tuple[str, object, float]] = []

    def _before(self, conn, cursor, statement, parameters, context, executemany):  # noqa: ARG002
        conn.info["bench_t0"] = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):  # noqa: ARG002
        elapsed = time.perf_counter() - conn.info.pop("bench_t0", time.perf_counter())
        self.count += 1
        self.seconds += elapsed
        kind = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "?"
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        self.statements.append((statement, parameters, elapsed))
        if len(self.statements) > self.keep:
            del self.statements[0]

    def __enter__(self) -> "SqlCapture":
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc) -> None:
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)


def explain_sqlite(engine, statement: str, parameters) -> list[str]:
    """EXPLAIN QUERY PLAN of a captured statement, as an indented tree."""
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("EXPLAIN QUERY PLAN " + statement, parameters or ())
        rows = cur.fetchall()
    finally:
        raw.close()
    depth: dict[int, int] = {0: -1}
    lines = []
    for node_id, parent, _unused, detail in rows:
        depth[node_id] = depth.get(parent, -1) + 1
        lines.append("  " * depth[node_id] + detail)
    return lines


def time_sqlite(engine, statement: str, parameters, repeat: int = 3) -> float:
    """Median milliseconds to run a captured statement and fetch every row, on a raw connection."""
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            cur.execute(statement, parameters or ())
            cur.fetchall()
            times.append(time.perf_counter() - t0)
            if times[-1] > 0.2:  # slow enough that once tells
                break
    finally:
        raw.close()
    return 1000 * sorted(times)[len(times) // 2]


def one_line(sql: str, width: int = 200) -> str:
    text = " ".join(sql.split())
    return text if len(text) <= width else text[: width - 1] + "…"


# -- PostgreSQL -------------------------------------------------------------------------------

def pg_reachable(url: str = PG_ADMIN_URL) -> str | None:
    """None when a server answers, else the reason it does not."""
    try:
        import psycopg

        psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=3).close()
        return None
    except Exception as exc:  # any failure means: skip
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0][:120] if str(exc).strip() else ''}"


def pg_database_exists(name: str, admin_url: str = PG_ADMIN_URL) -> bool:
    from sqlalchemy import create_engine, text

    admin = create_engine(admin_url)
    try:
        with admin.connect() as conn:
            return conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}) is not None
    finally:
        admin.dispose()


@contextmanager
def pg_database(name: str, admin_url: str = PG_ADMIN_URL, *, keep: bool = False,
                reuse: bool = False) -> Iterator[str]:
    """Create a scratch database (``reuse``: take the existing one as it is), yield its URL, and
    drop it afterwards unless ``keep``."""
    from sqlalchemy import create_engine, text

    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        if not reuse:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        from desk.extensions import db

        db.session.remove()
        if db.engine is not None and db.engine.url.database == name:
            db.engine.dispose()
        if not keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# -- believable text --------------------------------------------------------------------------

KO_SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍"
KO_GIVEN = ["민준", "서연", "도윤", "하은", "시우", "지유", "주원", "서윤", "예준", "지민", "현우", "수아",
            "지호", "채원", "건우", "다은", "우진", "소율", "선우", "윤서"]
EN_FIRST = ["James", "Emma", "Daniel", "Olivia", "Michael", "Sophia", "David", "Grace", "Ryan", "Chloe"]
EN_LAST = ["Kim", "Lee", "Park", "Smith", "Brown", "Choi", "Wilson", "Jung", "Taylor", "Han"]
ROMAN = ["kim", "lee", "park", "choi", "jung", "kang", "cho", "yoon", "jang", "lim", "han", "oh"]
DOMAINS = ["naver.com", "gmail.com", "daum.net", "kakao.com", "hanmail.net", "example.kr", "example.com"]

SUBJECTS = [
    "환불 요청드립니다", "배송이 아직 안 왔어요", "결제 오류 문의", "비밀번호 재설정이 안 됩니다",
    "주문 취소 부탁드립니다", "교환 가능한가요?", "영수증 재발행 요청", "앱 로그인 오류", "쿠폰 적용이 안 돼요",
    "배송지 변경 문의", "Refund request", "Order not delivered", "Cannot log in", "Wrong item received",
    "Invoice needed", "Subscription cancellation", "상품 불량 신고", "멤버십 등급 문의", "포인트 적립 누락",
    "Question about my bill",
]
SENTENCES = [
    "안녕하세요, 지난주에 주문한 상품이 아직 도착하지 않았습니다.", "확인 부탁드립니다.",
    "결제는 되었는데 주문 내역에 보이지 않아요.", "카드 결제가 두 번 승인된 것 같습니다.",
    "환불은 언제쯤 처리되나요?", "택배사에 문의했더니 판매자에게 물어보라고 하네요.",
    "상품 포장이 훼손된 상태로 왔습니다.", "사진 첨부합니다.", "빠른 답변 부탁드립니다. 감사합니다.",
    "앱에서 로그인하면 계속 오류 화면이 나옵니다.", "배송지를 회사 주소로 바꾸고 싶어요.",
    "Hello, my order still has not arrived.", "I was charged twice for the same order.",
    "Could you please check the tracking number?", "The item I received is not what I ordered.",
    "Please cancel my subscription before the next billing date.", "Thanks for your help.",
    "I have attached a photo of the damaged box.", "When will my refund be processed?",
]
CHAT_LINES = ["안녕하세요", "주문번호 알려드릴게요", "네 맞아요", "잠시만요", "감사합니다!", "혹시 오늘 출고되나요?",
              "Hi there", "Yes, that's right", "One moment please", "Thank you!", "언제 받을 수 있을까요?"]


def ko_or_en_name(rng: random.Random) -> str:
    if rng.random() < 0.75:
        return rng.choice(KO_SURNAMES) + rng.choice(KO_GIVEN)
    return f"{rng.choice(EN_FIRST)} {rng.choice(EN_LAST)}"


def email_for(i: int, rng: random.Random) -> str:
    return f"{rng.choice(ROMAN)}.{i}@{rng.choice(DOMAINS)}"


def phone_e164(i: int) -> str:
    """A valid Korean mobile number in E.164, unique per ``i`` (< 80,000,000)."""
    return f"+8210{20000000 + i:08d}"


def phone_local(i: int, rng: random.Random) -> str:
    """The same number as people type it: 010-1234-5678, 01012345678 or +82 10 1234 5678."""
    digits = f"{20000000 + i:08d}"
    style = rng.randrange(3)
    if style == 0:
        return f"010-{digits[:4]}-{digits[4:]}"
    if style == 1:
        return f"010{digits}"
    return f"+82 10 {digits[:4]} {digits[4:]}"


def body(rng: random.Random, sentences: int | None = None) -> str:
    return " ".join(rng.choice(SENTENCES) for _ in range(sentences or rng.randint(2, 5)))


def html_body(rng: random.Random) -> str:
    paras = "".join(f"<p>{rng.choice(SENTENCES)}</p>" for _ in range(rng.randint(2, 5)))
    return (f"<html><head><style>p{{margin:0}}</style></head><body><div dir=\"ltr\">{paras}"
            f"<p><a href=\"https://shop.example.kr/orders\" onclick=\"x()\">주문 내역</a></p>"
            f"<script>alert(1)</script></div></body></html>")


def env_without_desk() -> dict[str, str]:
    """The current environment minus DESK_* settings (a subprocess gets only ours)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("DESK_")}
