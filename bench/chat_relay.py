"""Live chat relay: customer <-> agent pairs over real sockets, every message persisted before it
is relayed.

Starts the web server as its own process on a fresh SQLite database, seeds one queue and one agent per pair, then, from this process (the load
generator, asyncio + python-socketio AsyncClient over WebSocket):

1. connects every agent to ``/console`` (token) and every customer to ``/chat``;
2. each customer starts a chat in its agent's queue; the agent accepts the offer;
3. for ``--seconds`` each pair sends one message every 2 s (random phase), alternating customer
   -> agent (``/chat`` ``message``, acknowledged after commit, received by the agent as
   ``interaction.created``) and agent -> customer (``/console`` ``chat.send`` through
   ``replies.record``, received by the customer as ``message``); ``--both-sides`` makes each side
   send every 2 s (twice the load);
4. waits for stragglers, then prints messages relayed per second, one-way latency (send call to
   receipt on the other socket, both ends in this process so one clock) p50/p99/max, the
   send-to-acknowledgement time, lost and duplicated messages.

    .venv/bin/python bench/chat_relay.py [--pairs 50,200,500] [--seconds 20] [--modes gevent,threading]
                                         [--databases sqlite,postgresql] [--processes 2] [--both-sides]

Modes: ``gevent`` is ``python -m desk web`` (the production entry point); ``threading`` runs the same
app with Flask-SocketIO's threading mode on Werkzeug (simple-websocket), for comparison.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import OUT_DIR, SECRET, free_port, pg_database, pg_reachable  # noqa: E402

SEND_EVERY = 2.0
REDIS_URL = "redis://127.0.0.1:6379/13"


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered) + 0.5)) - 1))]


# -- the server process ---------------------------------------------------------------------------

def serve_threading() -> None:
    """Flask-SocketIO threading mode (Werkzeug + simple-websocket), same app and settings."""
    from config import Config
    from desk import create_app
    from desk.extensions import socketio

    config = Config()
    config.SOCKETIO_ASYNC_MODE = "threading"
    app = create_app(config, role="web")
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    socketio.run(app, host="127.0.0.1", port=config.HTTP_PORT, allow_unsafe_werkzeug=True, log_output=False)


def server_env(database_url: str, instance: Path, port: int) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DESK_")}
    env.update({
        "DESK_INSTANCE_DIR": str(instance), "DESK_DATABASE_URL": database_url, "DESK_HTTP_PORT": str(port),
        "DESK_SECRET_KEY": SECRET, "DESK_PUBLIC_URL": f"http://127.0.0.1:{port}", "DESK_CHAT_HOURS": "always",
        "DESK_CHAT_STARTS_PER_MINUTE": "100000", "DESK_CHAT_MESSAGES_PER_MINUTE": "100000",
        "PYTHONPATH": str(ROOT),
    })
    return env


def start_server(mode: str, env: dict, log: Path, profile: Path | None = None) -> subprocess.Popen:
    argv = [sys.executable, "-m", "desk", "web"] if mode == "gevent" else [sys.executable, __file__, "--serve-threading"]
    if profile is not None:  # cProfile of the whole server process, written when it is interrupted
        # CPU time, not wall time: under gevent every greenlet switch would count as time spent.
        code = ("import cProfile, runpy, sys, time\n"
                "sys.argv = sys.argv[1:]\n"
                "p = cProfile.Profile(time.process_time)\n"
                "p.enable()\n"
                "try:\n"
                "    runpy.run_path(sys.argv[0], run_name='__main__')\n"
                "except (KeyboardInterrupt, SystemExit):\n"
                "    pass\n"
                "finally:\n"
                f"    p.disable(); p.dump_stats({str(profile)!r})\n")
        target = str(ROOT / "desk" / "__main__.py") if mode == "gevent" else __file__
        argv = [sys.executable, "-c", code, target] + argv[-1:]
    proc = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=open(log, "wb"), stderr=subprocess.STDOUT)
    import urllib.request

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{env['DESK_HTTP_PORT']}/healthz", timeout=1):
                return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(log.read_text()[-3000:])
            time.sleep(0.2)
    raise RuntimeError("server did not start")


def seed(database_url: str, instance: Path, pairs: int) -> list[str]:
    """One queue and one agent (capacity 1) per pair; returns the agents' API tokens."""
    from bench.common import make_app
    from desk.extensions import db
    from desk.models import Agent, Queue
    from desk.services import auth

    app = make_app(database_url, instance)
    with app.app_context():
        with db.write() as session:
            queues = [Queue(slug=f"q{i}", name=f"큐 {i}", is_default=(i == 0)) for i in range(pairs)]
            session.add_all(queues)
            session.flush()
            agents = [Agent(email=f"agent{i}@desk.bench", name=f"상담원 {i}", role="agent", chat_capacity=1,
                            queues=[queues[i]]) for i in range(pairs)]
            session.add_all(agents)
        tokens = [auth.create_token(agent.id, "bench") for agent in agents]
        db.session.remove()
    return tokens


# -- the load generator ------------------------------------------------------------------------------

class Stats:
    def __init__(self) -> None:
        self.sent: dict[tuple, float] = {}
        self.received: dict[tuple, int] = {}
        self.latency: list[float] = []
        self.ack: list[float] = []
        self.errors = 0


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of the server processes so far (Linux /proc)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


async def run_level(urls: list[str], tokens: list[str], seconds: float, both_sides: bool,
                    pids: list[int] | None = None) -> dict:
    import socketio

    pairs = len(tokens)
    stats = Stats()
    measuring = False
    gate = asyncio.Semaphore(50)

    def received(key: tuple, sent_at: float) -> None:
        if not measuring and key not in stats.sent:
            return
        count = stats.received.get(key, 0) + 1
        stats.received[key] = count
        if count == 1:
            stats.latency.append(time.perf_counter() - sent_at)

    def parse(body: str):
        parts = (body or "").split("|")
        if len(parts) != 5 or parts[0] != "b":
            return None
        return (int(parts[1]), parts[2], int(parts[3])), float(parts[4])

    agents, visitors = [], []
    offered: list[asyncio.Future] = []
    loop = asyncio.get_running_loop()

    async def connect(client, url, namespace, auth=None):
        async with gate:
            await client.connect(url, namespaces=[namespace], auth=auth, transports=["websocket"], wait_timeout=30)

    for i, token in enumerate(tokens):
        agent = socketio.AsyncClient(reconnection=False)
        future = loop.create_future()
        offered.append(future)

        def on_offer(data, future=future):
            if not future.done():
                future.set_result(data["chat"]["id"])

        def on_interaction(data):
            interaction = data.get("interaction") or {}
            if interaction.get("direction") == "inbound":
                found = parse(interaction.get("text"))
                if found:
                    received(*found)

        agent.on("chat.offered", on_offer, namespace="/console")
        agent.on("interaction.created", on_interaction, namespace="/console")
        agents.append(agent)
        visitor = socketio.AsyncClient(reconnection=False)

        def on_message(data):
            if (data.get("author") or {}).get("kind") == "agent":
                found = parse(data.get("body"))
                if found:
                    received(*found)

        visitor.on("message", on_message, namespace="/chat")
        visitors.append(visitor)

    t0 = time.perf_counter()
    # With several processes, a pair's customer and agent sit on different ones (through Redis).
    await asyncio.gather(*(connect(a, urls[(i + 1) % len(urls)], "/console", {"token": t})
                           for i, (a, t) in enumerate(zip(agents, tokens))))
    await asyncio.gather(*(a.call("presence.hello", {}, namespace="/console", timeout=60) for a in agents))
    await asyncio.gather(*(connect(v, urls[i % len(urls)], "/chat") for i, v in enumerate(visitors)))

    async def start(i):
        async with gate:
            ack = await visitors[i].call("start", {"name": f"고객 {i}", "topic": f"q{i}", "body": "안녕하세요",
                                                   "client_id": f"start-{i}"}, namespace="/chat", timeout=60)
        if "error" in ack:
            raise RuntimeError(f"start failed: {ack}")
        chat_id = await asyncio.wait_for(offered[i], 60)
        async with gate:
            accepted = await agents[i].call("chat.accept", {"chat": chat_id}, namespace="/console", timeout=60)
        if "error" in accepted:
            raise RuntimeError(f"accept failed: {accepted}")
        return chat_id

    chats = await asyncio.gather(*(start(i) for i in range(pairs)))
    setup = time.perf_counter() - t0

    async def pair(i: int, stop_at: float):
        rng = random.Random(i)
        await asyncio.sleep(rng.random() * SEND_EVERY)
        seq = 0
        turn = rng.random() < 0.5
        while time.perf_counter() < stop_at:
            sides = ("c", "a") if both_sides else (("c",) if turn else ("a",))
            turn = not turn
            for side in sides:
                seq += 1
                key = (i, side, seq)
                sent_at = time.perf_counter()
                stats.sent[key] = sent_at
                body = f"b|{i}|{side}|{seq}|{sent_at!r}"
                client_id = f"m{i}-{side}-{seq}"
                try:
                    if side == "c":
                        ack = await visitors[i].call("message", {"client_id": client_id, "body": body},
                                                     namespace="/chat", timeout=30)
                    else:
                        ack = await agents[i].call("chat.send", {"chat": chats[i], "client_id": client_id,
                                                                 "body": body}, namespace="/console", timeout=30)
                    if "id" not in ack:
                        stats.errors += 1
                        del stats.sent[key]
                    else:
                        stats.ack.append(time.perf_counter() - sent_at)
                except Exception:
                    stats.errors += 1
                    stats.sent.pop(key, None)
            await asyncio.sleep(max(0.0, SEND_EVERY - (time.perf_counter() - sent_at)))

    measuring = True
    started = time.perf_counter()
    cpu_before = cpu_seconds(pids or [])
    await asyncio.gather(*(pair(i, started + seconds) for i in range(pairs)))
    sending_time = time.perf_counter() - started
    # Stragglers: wait until everything sent has arrived, or 60 s (slow is not lost).
    deadline = time.perf_counter() + 60
    while time.perf_counter() < deadline and any(k not in stats.received for k in stats.sent):
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)  # a late duplicate would arrive now
    cpu_used = cpu_seconds(pids or []) - cpu_before  # before the disconnects, which cost CPU too
    for client in agents + visitors:
        try:
            await client.disconnect()
        except Exception:
            pass
    lost = sum(1 for k in stats.sent if k not in stats.received)
    dup = sum(c - 1 for k, c in stats.received.items() if c > 1)
    delivered = sum(1 for k in stats.sent if k in stats.received)
    return {
        "pairs": pairs, "setup_s": setup, "sent": len(stats.sent), "delivered": delivered,
        "rate": delivered / sending_time, "p50": pct(stats.latency, 50) * 1000, "p99": pct(stats.latency, 99) * 1000,
        "max": max(stats.latency, default=float("nan")) * 1000, "ack_p50": pct(stats.ack, 50) * 1000,
        "ack_p99": pct(stats.ack, 99) * 1000, "lost": lost, "dup": dup, "errors": stats.errors,
        "cpu_ms": cpu_used * 1000 / delivered if delivered else float("nan"),
    }


def one(mode: str, kind: str, pairs: int, url: str, base: Path, args) -> None:
    from desk import migrate

    migrate.upgrade(url)
    tokens = seed(url, Path(f"{base}-seed"), pairs)
    procs, urls = [], []
    label = mode if args.processes == 1 else f"{mode}x{args.processes}"
    try:
        for n in range(args.processes):
            port = free_port()
            env = server_env(url, Path(f"{base}-web{n}"), port)
            if args.processes > 1:
                env["DESK_REDIS_URL"] = REDIS_URL
            profile = Path(f"{args.profile}-{pairs}-{n}.prof") if args.profile else None
            procs.append(start_server(mode, env, Path(f"{base}-{n}.log"), profile))
            urls.append(f"http://127.0.0.1:{port}")
        r = asyncio.run(run_level(urls, tokens, args.seconds, args.both_sides, [p.pid for p in procs]))
    except Exception as exc:
        print(f"{label:9} {kind:10} {pairs:>5} failed: {type(exc).__name__}: {exc}", flush=True)
        return
    finally:
        for proc in procs:
            if args.profile:
                proc.send_signal(signal.SIGINT)  # lets cProfile write its file
            else:
                proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    print(f"{label:9} {kind:10} {pairs:>5} {r['sent']:>6} {r['rate']:>9.1f} {r['p50']:>7.1f} {r['p99']:>7.1f} "
          f"{r['max']:>7.1f} {r['ack_p50']:>7.1f} {r['ack_p99']:>7.1f} {r['lost']:>5} {r['dup']:>4} "
          f"{r['errors']:>4} {r['setup_s']:>7.1f} {r['cpu_ms']:>6.1f}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", default="50,200,500")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--modes", default="gevent,threading")
    parser.add_argument("--databases", default="sqlite", help="sqlite,postgresql")
    parser.add_argument("--processes", type=int, default=1,
                        help="web processes sharing Redis (redis://127.0.0.1:6379/13); pairs split across them")
    parser.add_argument("--both-sides", action="store_true", help="each side sends every 2 s (twice the load)")
    parser.add_argument("--profile", metavar="PREFIX",
                        help="run each server under cProfile; writes PREFIX-<pairs>-<n>.prof (slows the server)")
    parser.add_argument("--serve-threading", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_threading:
        serve_threading()
        return 0

    work = OUT_DIR / "chat_relay"
    import shutil

    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    print(f"{'mode':9} {'db':10} {'pairs':>5} {'sent':>6} {'relayed/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} "
          f"{'ack p50':>7} {'ack p99':>7} {'lost':>5} {'dup':>4} {'err':>4} {'setup s':>7} {'cpu ms':>6}", flush=True)
    for kind in args.databases.split(","):
        if kind == "postgresql" and pg_reachable():
            print(f"postgresql skipped: {pg_reachable()}", flush=True)
            continue
        for mode in args.modes.split(","):
            for pairs in [int(p) for p in args.pairs.split(",")]:
                name = f"{mode}-{kind}-{pairs}"
                if kind == "postgresql":
                    with pg_database(f"desk_bench_chat_{mode}_{pairs}") as url:
                        one(mode, kind, pairs, url, work / name, args)
                else:
                    one(mode, kind, pairs, f"sqlite:///{work / (name + '.db')}", work / name, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
