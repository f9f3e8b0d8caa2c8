"""Command line: ``flask --app desk <command>`` or ``python -m desk <command>``."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


def register(app) -> None:
    for command in (init_db, create_user, worker_command, seed_demo):
        app.cli.add_command(command)


@click.command("init-db")
@click.option("--demo", is_flag=True, help="Also load the demo data when the database is empty.")
@with_appcontext
def init_db(demo: bool) -> None:
    """Create or upgrade the database schema (Alembic migrations)."""
    from desk import migrate
    from desk.extensions import db

    migrate.upgrade(current_app.config["DATABASE_URL"])
    db.session.remove()
    click.echo("database is at the latest schema")
    if demo:
        from desk import demo as demo_data

        if demo_data.load_if_empty():
            click.echo("demo data loaded")
        else:
            click.echo("demo data skipped: the database already has agents")
        for email, password, role in demo_data.LOGINS:
            click.echo(f"  {role:<10} {email} / {password}")


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Load the demo data (queues, agents, 200 customers with tickets) into an empty database."""
    from desk import demo as demo_data

    if not demo_data.load_if_empty():
        raise click.ClickException("the database already has agents; demo data is only for empty databases")
    click.echo("demo data loaded")


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(["agent", "supervisor", "admin"]), default="agent", show_default=True)
@click.option("--name", default="")
@click.option("--password", default=None, help="At least 10 characters; omit to create a token-only account.")
@click.option("--queue", "queues", multiple=True, help="Queue slug the agent works (repeatable).")
@click.option("--print-token", is_flag=True, help="Create an API token and print it (shown only once).")
@with_appcontext
def create_user(email, role, name, password, queues, print_token) -> None:
    """Create a staff account."""
    from desk.errors import DeskError
    from desk.services import auth

    try:
        agent = auth.create_agent(email, role=role, name=name, password=password, queues=list(queues))
    except DeskError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"created {agent.role} {agent.email} (id {agent.id})")
    if print_token:
        click.echo(auth.create_token(agent.id, "cli"))


@click.command("worker")
@click.option("--once", is_flag=True, help="Do what is due now and exit.")
@click.option("--only", multiple=True, metavar="LOOP", help="Run only these loops (outbox, mail, console ...).")
@click.option("--skip", multiple=True, metavar="LOOP", help="Run every loop but these.")
def worker_command(once: bool, only: tuple[str, ...], skip: tuple[str, ...]) -> None:
    """Run the background loops: outbox delivery and those the channels add (mail, console ...)."""
    from desk.runner import run_worker

    try:
        run_worker(once=once, only=set(only), skip=set(skip))
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
