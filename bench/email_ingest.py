"""Inbound mail throughput: accept rate (250s per second, durable spool included) and drained
rate (from the 250 to a visible interaction on a ticket), side by side with a do-nothing
aiosmtpd server in the same run.

2,000 messages of ~5-15 KB (10% with a 50 KB attachment) over 4 parallel SMTP connections, each
from its own client process. The desk side is `python -m desk smtp` plus the two worker processes
(`worker --only mail`, `worker --skip mail`), exactly what `serve` runs.

    .venv/bin/python bench/email_ingest.py [--messages 2000] [--connections 4]
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import smtplib
import sqlite3
import subprocess
import sys
import tempfile
import time
from email import policy
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.live import LiveProcess, desk_env, free_port  # noqa: E402

WORDS_KO = "안녕하세요 주문 배송 환불 요청 확인 부탁드립니다 고객센터 상품 결제 카드 취소 교환 문의 감사합니다".split()
WORDS_EN = "hello order delivery refund request please check customer product payment card cancel thanks".split()

NULL_SERVER = """
import asyncio, sys
from aiosmtpd.smtp import SMTP
class Null:
    async def handle_DATA(self, server, session, envelope):
        return "250 OK"
async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(Null(), data_size_limit=None), "127.0.0.1", int(sys.argv[1]))
    await asyncio.Event().wait()
asyncio.run(main())
"""


def make_messages(n: int, seed: int = 5) -> list[tuple[str, bytes]]:
    rng = random.Random(seed)
    out = []
    attachment = bytes(rng.getrandbits(8) for _ in range(50_000))
    for i in range(n):
        korean = i % 3 != 0
        words = WORDS_KO if korean else WORDS_EN
        size = rng.randint(3_600, 11_000)  # bytes of text; base64 makes 5-15 KB on the wire
        lines, length = [], 0
        while length < size:
            line = " ".join(rng.choice(words) for _ in range(10))
            lines.append(line)
            length += len(line.encode())
        msg = EmailMessage()
        sender = f"customer{i % 400}@example.{'kr' if korean else 'com'}"
        msg["From"] = sender
        msg["To"] = "support@desk.bench"
        msg["Subject"] = ("배송 문의 " if korean else "Order question ") + str(i)
        msg["Message-ID"] = f"<bench-{i}@example.com>"
        msg.set_content("\n".join(lines))
        if i % 10 == 0:
            msg.add_attachment(attachment, maintype="application", subtype="pdf", filename=f"receipt-{i}.pdf")
        out.append((sender, msg.as_bytes(policy=policy.SMTP)))
    return out


def _client(port: int, messages: list[tuple[str, bytes]], results) -> None:
    ok = 0
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as smtp:
        for sender, raw in messages:
            smtp.sendmail(sender, ["support@desk.bench"], raw)
            ok += 1
    results.put(ok)


def blast(port: int, messages, connections: int) -> tuple[float, int]:
    chunks = [messages[i::connections] for i in range(connections)]
    results = mp.Queue()
    procs = [mp.Process(target=_client, args=(port, chunk, results)) for chunk in chunks]
    start = time.perf_counter()
    for p in procs:
        p.start()
    accepted = sum(results.get(timeout=600) for _ in procs)
    elapsed = time.perf_counter() - start
    for p in procs:
        p.join()
    return elapsed, accepted


def wait_port(port: int, timeout: float = 20) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def wait_workers(db_path: Path, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sqlite3.connect(db_path, timeout=30) as conn:
            if conn.execute("SELECT count(*) FROM heartbeat WHERE role = 'worker'").fetchone()[0] >= count:
                return
        time.sleep(0.1)
    raise RuntimeError("the worker processes did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args()
    messages = make_messages(args.messages)
    total_kb = sum(len(raw) for _, raw in messages) / 1024
    print(f"{len(messages)} messages, {total_kb / len(messages):.1f} KB on average, {args.connections} connections")

    port = free_port()
    null = subprocess.Popen([sys.executable, "-c", NULL_SERVER, str(port)])
    try:
        wait_port(port)
        null_time, null_ok = blast(port, messages, args.connections)
    finally:
        null.terminate()
        null.wait()
    null_rate = null_ok / null_time

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        db_path = tmp / "desk.db"
        env = desk_env(f"sqlite:///{db_path}", tmp / "instance", free_port(), DESK_MAIL_DOMAIN="desk.bench",
                       DESK_MAIL_SENDER_HOURLY_LIMIT="100000")
        subprocess.run([sys.executable, "-m", "desk", "init-db"], env=env, cwd=ROOT, check=True,
                       capture_output=True)
        smtp_port = free_port()
        smtp = LiveProcess("smtp", {**env, "DESK_SMTP_PORT": str(smtp_port)}, tmp).start().wait_port(smtp_port)
        # As `serve` runs them: the mail drain in its own worker process, the other loops in another.
        workers = [LiveProcess("worker", env, tmp, ["--only", "mail"]).start(),
                   LiveProcess("worker", env, tmp, ["--skip", "mail"]).start()]
        try:
            wait_workers(db_path, len(workers))  # long-running in real life: their start-up is not measured
            start = time.perf_counter()
            accept_time, accepted = blast(smtp_port, messages, args.connections)
            conn = sqlite3.connect(db_path, timeout=30)
            drained_at = None
            while time.perf_counter() - start < 600:
                visible = conn.execute("SELECT count(*) FROM interaction WHERE direction = 'inbound'").fetchone()[0]
                if visible >= accepted:
                    drained_at = time.perf_counter() - start
                    break
                time.sleep(0.05)
            conn.close()
        finally:
            smtp.stop()
            for worker in workers:
                worker.stop()
    accept_rate = accepted / accept_time
    print(f"{'':<28}{'messages/s':>12}{'seconds':>10}")
    print(f"{'do-nothing aiosmtpd':<28}{null_rate:>12.0f}{null_time:>10.2f}")
    print(f"{'desk accept (250, durable)':<28}{accept_rate:>12.0f}{accept_time:>10.2f}"
          f"   = {accept_rate / null_rate:.0%} of do-nothing")
    if drained_at is None:
        print("desk drained: did not finish within 600 s")
    else:
        print(f"{'desk drained (250 -> ticket)':<28}{accepted / drained_at:>12.0f}{drained_at:>10.2f}")
    print(f"lost: {args.messages - accepted} refused by the server; every accepted message visible: "
          f"{drained_at is not None}")


if __name__ == "__main__":
    main()
