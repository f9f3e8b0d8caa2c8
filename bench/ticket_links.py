"""Ticket merge, split and link figures on SQLite: milliseconds per call of
``desk.services.ticket_links`` (each call is one write unit: lock both tickets, move the rows,
audit, event), for tickets of a few interactions each.

    .venv/bin/python bench/ticket_links.py            # 300 merges, splits and links
    .venv/bin/python bench/ticket_links.py --quick    # 50 of each
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--pairs", type=int, default=300)
    p.add_argument("--interactions", type=int, default=5, help="messages per ticket")
    args = p.parse_args(argv)
    n = 50 if args.quick else args.pairs

    from channels.base import InboundMessage, ThreadHints
    from desk import migrate
    from desk.extensions import db
    from desk.models import Queue
    from desk.services import intake, ticket_links

    work = common.workdir("ticket_links")
    url = f"sqlite:///{work / 'desk.db'}"
    migrate.upgrade(url)
    app = common.make_app(url, work / "instance", role="cli")
    with app.app_context():
        with db.write() as session:
            session.add(Queue(slug="general", name="일반 문의", is_default=True))
        staff = common.create_staff(["general"], ["general"])
        actor = staff["agent"][0]

        def ticket(i: int, side: str) -> tuple[int, list[int]]:
            sender = common.email_for(i, random.Random(i))
            first, entry = intake.receive(InboundMessage(channel="email", external_id=f"{side}-{i}-0", sender=sender,
                                                         subject=f"문의 {i}", text="안녕하세요"))
            ids = [entry.id]
            for k in range(1, args.interactions):
                _, more = intake.receive(InboundMessage(channel="email", external_id=f"{side}-{i}-{k}", sender=sender,
                                                        text=f"추가 문의 {k}",
                                                        thread_hints=ThreadHints(ticket_id=first.id)))
                ids.append(more.id)
            return first.id, ids

        t0 = time.perf_counter()
        pairs = [(ticket(i, "a"), ticket(i, "b")) for i in range(n)]
        seeded = time.perf_counter() - t0

        def measure(fn, items) -> list[float]:
            samples = []
            for item in items:
                start = time.perf_counter()
                fn(item)
                samples.append(time.perf_counter() - start)
            return samples

        rows = [
            {"operation": "link (both ways)", **common.summarize(measure(
                lambda pair: ticket_links.link(pair[0][0], pair[1][0], actor), pairs))},
            {"operation": "split one message off", **common.summarize(measure(
                lambda pair: ticket_links.split(pair[0][1][-1], actor), pairs))},
            {"operation": f"merge ({args.interactions} interactions)", **common.summarize(measure(
                lambda pair: ticket_links.merge(pair[1][0], pair[0][0], actor), pairs))},
            {"operation": "merge again (no-op)", **common.summarize(measure(
                lambda pair: ticket_links.merge(pair[1][0], pair[0][0], actor), pairs))},
        ]
    print(f"SQLite, {n} ticket pairs of {args.interactions} messages each (seeded in {seeded:.1f} s)")
    print(common.table(rows, ["operation", "n", "mean", "p50", "p99", "max"], title="milliseconds per call"))


if __name__ == "__main__":
    main()
