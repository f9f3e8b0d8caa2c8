"""Long-running processes: the web server (gevent), the outbox worker, and ``serve``, which
supervises them as separate processes (aiosmtpd is asyncio and the web side is gevent, and
separate processes put the second core to work)."""
from __future__ import annotations

import gc
import logging
import os
import signal
import subprocess
import sys
import threading
import time

log = logging.getLogger("desk.runner")

HEARTBEAT_SECONDS = 5


def freeze_startup_heap() -> None:
    """Everything built at start-up (modules, routes, mappers, templates) lives as long as the
    process: move it out of the collector's reach, or every full collection walks it again
    (70-100 ms pauses every few dozen requests, measured in bench/queue_list.py). Every
    long-running process calls this once it is set up."""
    gc.collect()
    gc.freeze()


def run_web() -> None:
    """Serve HTTP and Socket.IO with gevent. Must run before anything imports socket or ssl."""
    from gevent import monkey

    monkey.patch_all()
    import socket

    from gevent import pywsgi

    from desk import create_app

    app = create_app(role="web")
    freeze_startup_heap()
    host, port = app.config["HTTP_HOST"], app.config["HTTP_PORT"]
    # Our own listener so that accepted connections inherit TCP_NODELAY: pywsgi writes headers and
    # body separately, and with Nagle on, a keep-alive client waits for a delayed ACK (~40 ms).
    listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    listener.bind((host, port))
    listener.listen(1024)
    log.info("web listening on http://%s:%s", host, port)
    # WebSocket upgrades are handled by simple-websocket inside the Socket.IO middleware.
    pywsgi.WSGIServer(listener, app, log=None).serve_forever()


def run_worker(*, once: bool = False, only: set[str] = frozenset(), skip: set[str] = frozenset()) -> None:
    """The outbox worker plus every background loop a channel registered (mail processing, the
    console's SLA and routing loop ...); ``only`` / ``skip`` pick loops by name, so a busy loop can
    run in a process of its own."""
    from desk import create_app
    from desk.heartbeat import beat
    from desk.outbox import OutboxWorker

    app = create_app(role="worker")
    factories = {"outbox": OutboxWorker, **app.extensions.get("desk_workers", {})}
    unknown = (set(only) | set(skip)) - set(factories)
    if unknown:
        raise ValueError(f"no such worker loop: {', '.join(sorted(unknown))} (there are {', '.join(factories)})")
    names = [name for name in factories if (not only or name in only) and name not in skip]
    loops = [factories[name](app) for name in names]
    if not once:
        freeze_startup_heap()
    if not once and app.config["WORKER_NICE"]:
        # Background work yields the CPU to what people wait on: the web process and the SMTP
        # listener answering 250. A policy, not a measured gain: the mail benchmark's accept rate
        # was the same at nice 5 and 19 (bench/README.md), and 19 slowed the drain.
        os.nice(app.config["WORKER_NICE"])
    if once:
        for loop in loops:
            while loop.run_once():
                pass
        return
    stopping = threading.Event()

    def _stop(*_):
        stopping.set()
        for loop in loops:
            loop.stopping.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    threads = [threading.Thread(target=loop.run_forever, name=type(loop).__name__) for loop in loops]
    for thread in threads:
        thread.start()
    while not stopping.is_set():
        try:
            with app.app_context():
                beat("worker", info={"loops": names})
        except Exception:
            log.exception("heartbeat failed")
        stopping.wait(HEARTBEAT_SECONDS)
    for thread in threads:
        thread.join(timeout=30)


# -- serve: one command, several processes ---------------------------------------------------

def _children(app=None) -> dict[str, list[str]]:
    """web and the workers, plus the processes channels ask for (the SMTP server)."""
    from desk import create_app

    python = sys.executable
    app = app or create_app(role="cli")
    # Loops a channel wants in a process of their own (the mail drain, so a flood of mail or a
    # pathological message never holds up the outbox and the SLA clocks), and the rest together.
    own = app.extensions.get("desk_worker_processes", {})
    skip = [arg for loops in own.values() for loop in loops for arg in ("--skip", loop)]
    children = {"web": [python, "-m", "desk", "web"], "worker": [python, "-m", "desk", "worker", *skip]}
    for name, loops in own.items():
        children[name] = [python, "-m", "desk", "worker", *(arg for loop in loops for arg in ("--only", loop))]
    for name, args in app.extensions.get("desk_processes", {}).items():
        children[name] = [python, "-m", "desk", *args]
    return children


def serve() -> int:
    """Start web, worker (and SMTP when available); restart any that dies; stop all on a signal."""
    from config import Config

    config = Config()
    procs: dict[str, subprocess.Popen] = {}
    restarts: dict[str, list[float]] = {}
    stopping = False

    def start(name: str, argv: list[str]) -> None:
        procs[name] = subprocess.Popen(argv, env=os.environ.copy())
        log.info("started %s (pid %s)", name, procs[name].pid)

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    children = _children()
    for name, argv in children.items():
        start(name, argv)
    print(f"desk is running: http://{config.HTTP_HOST}:{config.HTTP_PORT}/  (Ctrl-C stops)", flush=True)
    if "smtp" in children:
        print(f"SMTP for @{config.MAIL_DOMAIN} on {config.SMTP_HOST}:{config.SMTP_PORT}", flush=True)
    try:
        while not stopping:
            time.sleep(0.5)
            for name, proc in list(procs.items()):
                if proc.poll() is None or stopping:
                    continue
                recent = [t for t in restarts.get(name, []) if time.time() - t < 60] + [time.time()]
                restarts[name] = recent
                if len(recent) > 5:
                    log.error("%s keeps dying (exit %s); giving up", name, proc.returncode)
                    stopping = True
                    break
                log.warning("%s exited with %s; restarting", name, proc.returncode)
                time.sleep(min(2 ** len(recent) / 4, 5))
                start(name, children[name])
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.time() + 10
        for proc in procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                proc.kill()
    return 0 if not any(p.returncode not in (0, -signal.SIGTERM) for p in procs.values()) else 1
