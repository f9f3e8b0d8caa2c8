"""``flask --app desk kb reindex`` (or ``python -m desk kb reindex``): rebuild the search index
from the database."""
from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import AppGroup

kb = AppGroup("kb", help="Knowledge base.")


@kb.command("reindex")
def reindex_command() -> None:
    """Rebuild the search index of published articles from the database."""
    from knowledge import service

    started = time.perf_counter()
    count = service.reindex(current_app)
    click.echo(f"indexed {count} published articles in {time.perf_counter() - started:.1f} s")


def register(app) -> None:
    if "kb" not in app.cli.commands:
        app.cli.add_command(kb)
