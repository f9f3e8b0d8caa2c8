from __future__ import annotations

import pytest

from tests.conftest import make_config
from tests.live import LiveProcess, desk_env, free_port


@pytest.fixture
def web_server(app, database_url, tmp_path):
    """A real `python -m desk web` (gevent) on the test database."""
    processes = []

    def start(**extra) -> LiveProcess:
        port = free_port()
        proc = LiveProcess("web", desk_env(database_url, tmp_path / f"web{port}", port, **extra),
                           tmp_path / "logs").start().wait_http()
        processes.append(proc)
        return proc

    yield start
    for proc in processes:
        proc.stop()


@pytest.fixture
def worker_app_for(database_url, tmp_path):
    """An app in this process acting like a worker: its events reach the web process over the relay."""
    from desk import create_app

    def build(server: LiveProcess, **environ):
        overrides = {"HTTP_PORT": server.port, "INTERNAL_RELAY_URL": f"{server.url}/internal/fanout", **environ}
        config = make_config(database_url, tmp_path / "worker-instance", **overrides)
        return create_app(config, role="worker")

    return build
