"""The SMTP server with real smtplib clients: what it accepts, refuses, and never loses."""
from __future__ import annotations

import asyncio
import signal
import smtplib
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from channels.email.processor import MailProcessor
from channels.email.server import DeskHandler, spool_path
from channels.email.spool import SpoolReader, SpoolWriter
from desk.extensions import db
from desk.models import Interaction
from tests.email.conftest import build_mail
from tests.live import LiveProcess, desk_env, free_port


@pytest.fixture
def smtp_server(app, database_url, tmp_path):
    """`python -m desk smtp` on a free port, sharing the app's instance folder (and so its spool)."""
    started = []

    def start() -> LiveProcess:
        port = free_port()
        env = desk_env(database_url, Path(app.config["INSTANCE_DIR"]), free_port(), DESK_SMTP_PORT=str(port),
                       DESK_SMTP_MAX_MESSAGE_BYTES=str(200_000))
        proc = LiveProcess("smtp", env, tmp_path / "logs").start().wait_port(port)
        proc.smtp_port = port
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.stop()


def drain(app) -> int:
    reader = SpoolReader(spool_path(app.config))
    try:
        total = 0
        while True:
            done = MailProcessor(app, reader).run_once()
            total += done
            if not done:
                return total
    finally:
        reader.close()


def test_accepts_our_domain_refuses_others_and_oversize(app, staff, smtp_server):
    server = smtp_server()
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as client:
        refused = client.sendmail("a@example.com", ["support@desk.test", "x@elsewhere.com"], build_mail())
        assert refused == {"x@elsewhere.com": (550, b"5.1.1 <x@elsewhere.com>: we only accept mail for @desk.test")}
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            client.sendmail("a@example.com", ["x@elsewhere.com"], build_mail(message_id="<no@x>"))
        big = build_mail(message_id="<big@x>", body="가나다라마바사 아자차카타파하\n" * 12_000)
        with pytest.raises(smtplib.SMTPSenderRefused) as declared:  # smtplib declares SIZE= up front
            client.sendmail("a@example.com", ["support@desk.test"], big)
        assert declared.value.smtp_code == 552
        # A client that does not declare the size is stopped in DATA.
        assert client.mail("a@example.com")[0] == 250
        assert client.rcpt("support@desk.test")[0] == 250
        code, _ = client.data(big)
        assert code == 552
    assert drain(app) == 1
    assert db.session.scalar(select(Interaction.text)) == "환불 부탁드립니다."


def test_storage_failure_answers_451_so_the_sender_retries(tmp_path):
    class BrokenDisk(SpoolWriter):
        def _commit(self, rows):
            raise OSError(28, "No space left on device")

    writer = BrokenDisk(tmp_path / "spool.db")
    port = free_port()
    loop = asyncio.new_event_loop()
    ready = threading.Event()

    def run():
        from aiosmtpd.smtp import SMTP

        asyncio.set_event_loop(loop)
        server = loop.run_until_complete(loop.create_server(lambda: SMTP(DeskHandler(writer, "desk.test")),
                                                            "127.0.0.1", port))
        ready.set()
        loop.run_forever()
        server.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait(5)
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            with pytest.raises(smtplib.SMTPDataError) as failed:
                client.sendmail("a@example.com", ["support@desk.test"], build_mail())
        assert failed.value.smtp_code == 451
    finally:
        loop.call_soon_threadsafe(loop.stop)
        writer.close()


def test_every_message_acknowledged_before_a_sigkill_is_processed_after_restart(app, staff, smtp_server):
    server = smtp_server()
    accepted: list[str] = []
    stop = threading.Event()

    def send_forever(worker: int):
        n = 0
        while not stop.is_set():
            try:
                with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=5) as client:
                    while not stop.is_set():
                        message_id = f"<kill-{worker}-{n}@example.com>"
                        client.sendmail(f"sender{worker}@example.com", ["support@desk.test"],
                                        build_mail(sender=f"sender{worker}@example.com", message_id=message_id,
                                                   subject=f"message {n}", body=f"body {worker}/{n}"))
                        accepted.append(message_id.strip("<>"))  # only after the 250
                        n += 1
            except (OSError, smtplib.SMTPException):
                return  # the server died under us: whatever was not acknowledged may be lost

    senders = [threading.Thread(target=send_forever, args=(w,)) for w in range(4)]
    for t in senders:
        t.start()
    deadline = time.monotonic() + 10
    while len(accepted) < 150 and time.monotonic() < deadline:
        time.sleep(0.01)
    server.stop(signal.SIGKILL)
    stop.set()
    for t in senders:
        t.join(10)
    assert len(accepted) >= 100, server.output()

    smtp_server()  # restart on the same spool; it comes up with the stored mail intact
    app.config["MAIL_SENDER_HOURLY_LIMIT"] = 10_000
    drain(app)
    stored = set(db.session.scalars(select(Interaction.external_id)))
    missing = [m for m in accepted if m not in stored]
    assert not missing, f"{len(missing)} acknowledged messages lost, e.g. {missing[:3]}"
    assert db.session.scalar(select(func.count()).select_from(Interaction)) >= len(accepted)
