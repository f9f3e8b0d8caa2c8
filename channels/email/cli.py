"""Mail commands: `smtp` (the server alone) and `mail reprocess`."""
from __future__ import annotations

import asyncio
import logging

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

mail_group = AppGroup("mail", help="Inbound mail: quarantine and reprocessing.")


def register(app) -> None:
    if "smtp" not in app.cli.commands:
        app.cli.add_command(smtp_command)
        app.cli.add_command(mail_group)


@click.command("smtp")
@with_appcontext
def smtp_command() -> None:
    """Run the inbound SMTP server alone (stores raw mail durably; the worker processes it)."""
    from channels.email.server import serve

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command at INFO
    from desk.runner import freeze_startup_heap

    config = dict(current_app.config)
    _heartbeats(current_app._get_current_object())
    freeze_startup_heap()
    asyncio.run(serve(config))


def _heartbeats(app) -> None:
    import threading

    from desk.heartbeat import beat

    def loop():
        while True:
            try:
                with app.app_context():
                    beat("smtp")
            except Exception:
                logging.getLogger("desk.smtp").exception("heartbeat failed")
            threading.Event().wait(5)

    threading.Thread(target=loop, name="heartbeat", daemon=True).start()


@mail_group.command("reprocess")
@click.argument("quarantine_id", required=False, type=int)
@click.option("--all", "everything", is_flag=True, help="Reprocess every quarantined message.")
@click.option("--force", is_flag=True, help="Skip the spoofing and rate-limit checks (you vouch for the sender).")
@with_appcontext
def reprocess_command(quarantine_id, everything, force) -> None:
    """Run quarantined mail through processing again (after a fix, or after you checked it)."""
    from channels.email import quarantine

    if not quarantine_id and not everything:
        raise click.UsageError("give a quarantine ID or --all")
    ids = quarantine.open_ids() if everything else [quarantine_id]
    if not ids:
        click.echo("the quarantine is empty")
    for qid in ids:
        try:
            outcome, detail = quarantine.reprocess(qid, force=force)
        except LookupError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"{qid}: {outcome}{' — ' + detail if detail else ''}")
