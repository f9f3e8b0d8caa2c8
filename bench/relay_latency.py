"""How long does a change made in another process take to reach an agent's browser?

Starts `python -m desk web` (gevent) on a fresh SQLite database, connects a python-socketio client
to /console, and from this process (acting as the worker) records inbound messages through
intake.receive. Prints p50/p99 of commit-to-socket latency for the embedded loopback relay and,
when Redis answers, for the Redis message queue.

    .venv/bin/python bench/relay_latency.py [--n 300]
"""
from __future__ import annotations

import argparse
import queue
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REDIS_URL = "redis://127.0.0.1:6379/14"


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def measure(mode: str, n: int, workdir: Path) -> list[float] | None:
    import socketio

    from channels.base import InboundMessage
    from desk import create_app, migrate
    from desk.events import subscribe
    from desk.extensions import db
    from desk.services import auth, intake
    from tests.conftest import make_config
    from tests.live import LiveProcess, desk_env, free_port

    url = f"sqlite:///{workdir / f'{mode}.db'}"
    migrate.upgrade(url)
    port = free_port()
    extra = {"DESK_REDIS_URL": REDIS_URL} if mode == "redis" else {}
    server = LiveProcess("web", desk_env(url, workdir / f"{mode}-web", port, **extra), workdir).start()
    server.wait_http()
    overrides = {"HTTP_PORT": port, "INTERNAL_RELAY_URL": f"{server.url}/internal/fanout"}
    if mode == "redis":
        overrides["REDIS_URL"] = REDIS_URL
    app = create_app(make_config(url, workdir / f"{mode}-worker", **overrides), role="worker")
    committed: dict[int, float] = {}

    @subscribe("interaction.created")
    def _mark(name, payload):  # runs right after the commit, before the emit
        committed[payload["interaction"]["id"]] = time.perf_counter()

    arrivals: queue.Queue = queue.Queue()
    client = socketio.Client(reconnection=False)
    client.on("interaction.created", lambda data: arrivals.put((data["interaction"]["id"], time.perf_counter())),
              namespace="/console")
    try:
        with app.app_context():
            from desk.models import Queue

            with db.write() as session:
                session.add(Queue(slug="general", name="General", is_default=True))
            agent = auth.create_agent("bench@desk.test", role="supervisor")
            token = auth.create_token(agent.id)
            client.connect(server.url, namespaces=["/console"], auth={"token": token}, transports=["websocket"])
            latencies = []
            for i in range(n):
                intake.receive(InboundMessage(channel="sms", external_id=f"{mode}-{i}",
                                              sender=f"+8210{20000000 + i}", text=f"message {i}"))
                interaction_id, arrived = arrivals.get(timeout=10)
                latencies.append((arrived - committed[interaction_id]) * 1000)
            return latencies
    finally:
        from desk.events import _subscribers

        _subscribers["interaction.created"].remove(_mark)
        client.disconnect()
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    args = parser.parse_args()
    print(f"commit -> browser latency over {args.n} inbound messages (worker process -> web process -> client)")
    print(f"{'path':<16}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        for mode in ("relay", "redis"):
            if mode == "redis":
                try:
                    import redis

                    redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
                except Exception as exc:
                    print(f"{mode:<16}skipped: Redis not reachable ({exc})")
                    continue
            values = measure(mode, args.n, Path(tmp))
            print(f"{mode:<16}{statistics.median(values):>10.2f}{percentile(values, 99):>10.2f}{max(values):>10.2f}")


if __name__ == "__main__":
    main()
