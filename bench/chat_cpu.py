"""Live chat: CPU milliseconds per message in the web process's code, without sockets.

On a fresh, migrated SQLite database: one queue, one agent (capacity 1) and one accepted chat per
pair. Then, in this process, messages in turn over the pairs:

- agent -> visitor: the ``/console`` ``chat.send`` handler as the socket calls it (the agent and
  the chat read, the reply committed, the events after the commit), then the live delivery the
  handler starts in the background (claim of the outbox item, push to the visitor's room), run
  as its greenlet would;
- visitor -> agent (``--visitor``): the ``/chat`` ``message`` handler as the socket calls it (the
  visitor's chat read, the message committed through intake, the events after the commit).

Prints CPU time (user + system of this process) and wall time per message, and the load average:
CPU per message hardly depends on what else runs, wall time does.

    .venv/bin/python bench/chat_cpu.py [--pairs 20] [--messages 1000] [--visitor] [--profile FILE]
                                        [--visitor-profile FILE]

``--profile FILE`` writes a cProfile (CPU-time clock) of the agent messages to FILE;
``--visitor-profile FILE`` of the visitors' messages.
"""
from __future__ import annotations

import argparse
import cProfile
import logging
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import environ, workdir  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--pairs", type=int, default=20, help="agent/visitor pairs, one chat each (default 20)")
    p.add_argument("--messages", type=int, default=1000, help="messages per side (default 1,000)")
    p.add_argument("--visitor", action="store_true", help="also time the visitors' messages")
    p.add_argument("--profile", type=Path, help="write a cProfile of the agent messages here")
    p.add_argument("--visitor-profile", type=Path, help="write a cProfile of the visitors' messages here")
    return p.parse_args(argv)


def make_app(instance: Path):
    from config import TestConfig
    from desk import create_app, migrate

    url = f"sqlite:///{instance / 'desk.db'}"
    migrate.upgrade(url)
    app = create_app(TestConfig(environ(url, instance, DESK_CHAT_HOURS="always"), RATELIMIT_ENABLED=False),
                     role="web")
    logging.getLogger().setLevel(logging.WARNING)
    return app


def seed(pairs: int) -> list[tuple[int, int, str]]:
    """(agent id, chat id, visitor id) per pair: each agent online and in its chat."""
    from channels.chat import service
    from desk.extensions import db
    from desk.models import Agent, Counter, Queue
    from desk.services import presence

    with db.write() as session:
        if session.get(Counter, "ticket") is None:
            session.add(Counter(name="ticket", value=1000))
        queues = [Queue(slug=f"q{i}", name=f"큐 {i}", is_default=(i == 0)) for i in range(pairs)]
        session.add_all(queues)
        session.flush()
        agents = [Agent(email=f"agent{i}@desk.bench", name=f"상담원 {i}", chat_capacity=1, queues=[queues[i]])
                  for i in range(pairs)]
        session.add_all(agents)
        session.flush()
        agent_ids = [a.id for a in agents]
    chats = []
    for i, agent_id in enumerate(agent_ids):
        presence.connected(agent_id)
        cs, _ = service.start(f"visitor-{i}", name=f"고객 {i}", topic=f"q{i}", body="안녕하세요", client_id="c0")
        service.accept(db.session.get(Agent, agent_id), cs.id)
        chats.append((agent_id, cs.id, f"visitor-{i}"))
        db.session.remove()
    return chats


def measure(send, n: int, profile: Path | None = None) -> tuple[float, float]:
    """(CPU ms, wall ms) per call of ``send(k)`` for k in 0..n-1."""
    profiler = cProfile.Profile(time.process_time) if profile else None
    if profiler:
        profiler.enable()
    t0, c0 = time.perf_counter(), time.process_time()
    for k in range(n):
        send(k)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    if profiler:
        profiler.disable()
        profiler.dump_stats(str(profile))
    return 1000 * cpu / n, 1000 * wall / n


def main(argv=None) -> None:
    args = parse_args(argv)
    app = make_app(workdir("chat_cpu"))
    from flask import session as socket_session

    from channels.chat import console, service
    from channels.chat.namespace import ChatNamespace
    from desk.extensions import db, socketio

    background: list = []  # the live deliveries the handler starts, run after it returns as a greenlet would
    socketio.start_background_task = lambda fn, *a, **kw: background.append((fn, a, kw))
    with app.app_context():
        chats = seed(args.pairs)

        def agent_message(k: int) -> None:
            agent_id, chat_id, _ = chats[k % len(chats)]
            with app.test_request_context("/"):
                socket_session["console_agent_id"] = agent_id
                answer = console.chat_send({"chat": chat_id, "client_id": f"a{k}", "body": f"확인해 드릴게요 ({k})"})
            assert "id" in answer, answer
            while background:
                fn, a, kw = background.pop(0)
                fn(*a, **kw)

        chat_namespace = ChatNamespace("/chat")

        def visitor_message(k: int) -> None:
            _, _, visitor = chats[k % len(chats)]
            with app.test_request_context("/"):
                socket_session["chat_visitor"] = visitor
                answer = chat_namespace.on_message({"client_id": f"v{k}", "body": f"주문번호는 A-{k} 입니다"})
            assert "id" in answer, answer

        for k in range(50):
            agent_message(-1 - k)  # warm-up: statements compiled, pool filled
        load = os.getloadavg()
        cpu, wall = measure(agent_message, args.messages, args.profile)
        print(f"agent message:   {cpu:.2f} ms CPU, {wall:.2f} ms wall (n={args.messages:,}, {args.pairs} chats)")
        if args.visitor:
            for k in range(50):
                visitor_message(-1 - k)
            cpu, wall = measure(visitor_message, args.messages, args.visitor_profile)
            print(f"visitor message: {cpu:.2f} ms CPU, {wall:.2f} ms wall (n={args.messages:,})")
        print("load average before / after: " + " ".join(f"{v:.2f}" for v in load) + " / "
              + " ".join(f"{v:.2f}" for v in os.getloadavg()))


if __name__ == "__main__":
    main()
