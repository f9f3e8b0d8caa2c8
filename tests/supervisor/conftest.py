"""Fixtures for the supervisor, routing and SLA tests: signing in, and running the console loop."""
from __future__ import annotations

import pytest

from tests.console.conftest import _translations, sign_in  # noqa: F401  (shared fixtures)


@pytest.fixture
def loop(app):
    """One pass of the console's background loop (SLA clocks, routing, warnings), as the worker runs it."""
    from desk.services.console_loop import ConsoleLoop

    runner = ConsoleLoop(app)

    def run() -> int:
        done = runner.run_once()
        from desk.extensions import db

        db.session.remove()
        return done

    return run
