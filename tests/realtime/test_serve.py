"""`python -m desk serve`: web, worker and SMTP server as one command, events relayed without Redis."""
from __future__ import annotations

import json
import smtplib
import signal
import time
import urllib.request

from tests.email.conftest import build_mail
from tests.live import LiveProcess, desk_env, free_port
from tests.realtime.test_console_socket import Listener


def _json(url: str, token: str | None = None, body: dict | None = None) -> dict:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=json.dumps(body).encode() if body is not None else None,
                                     headers=headers, method="POST" if body is not None else "GET")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_serve_runs_web_worker_and_smtp_and_relays_live_updates(staff, make, database_url, tmp_path):
    port = free_port()
    serve = LiveProcess("serve", desk_env(database_url, tmp_path / "instance", port), tmp_path / "logs")
    serve.start()
    try:
        serve.wait_http(timeout=90)  # four processes start at once; slow on a busy machine
        deadline = time.monotonic() + 20
        while _json(f"{serve.url}/healthz")["worker"] != "ok":
            assert time.monotonic() < deadline, serve.output()
            time.sleep(0.2)

        token = make.token(staff["agent"])
        listener = Listener(serve.url, token)
        try:
            ticket = _json(f"{serve.url}/api/v1/tickets", token, {
                "customer": {"email": "serve@example.com"}, "subject": "배송 문의", "body": "언제 오나요?"})
            joined = listener.client.call("join_ticket", {"ticket_id": ticket["id"]}, namespace="/console")
            assert joined["ok"] is True
            reply = _json(f"{serve.url}/api/v1/tickets/{ticket['number']}/replies", token,
                          {"body": "내일 도착합니다.", "channel": "email"})
            assert reply["delivery_status"] == "queued"
            # The worker process delivers (no relay configured: recorded) and the web process hears of it.
            update = listener.wait_for("interaction.updated", timeout=15,
                                       where=lambda d: d["interaction"]["id"] == reply["id"])
            assert update["interaction"]["delivery_status"] == "recorded"

            # Mail: SMTP process -> spool -> worker process -> intake -> relay -> web -> browser.
            with smtplib.SMTP("127.0.0.1", int(serve.env["DESK_SMTP_PORT"]), timeout=10) as smtp:
                smtp.sendmail("mail@example.kr", ["support@desk.test"], build_mail(
                    sender="고객 <mail@example.kr>", message_id="<serve@example.kr>", subject="메일 문의"))
            created = listener.wait_for("ticket.created", timeout=15,
                                        where=lambda d: d["ticket"]["subject"] == "메일 문의")
            assert created["ticket"]["channel"] == "email"
            assert _json(f"{serve.url}/healthz")["smtp"] == "ok"
        finally:
            listener.close()
    finally:
        serve.stop(signal.SIGTERM)
    assert serve.proc.returncode == 0, serve.output()


def test_serve_runs_the_mail_drain_in_a_worker_process_of_its_own(app):
    from desk.runner import _children

    children = _children(app)
    assert children["mail-worker"][-3:] == ["worker", "--only", "mail"]
    assert children["worker"][-3:] == ["worker", "--skip", "mail"]
    assert children["smtp"][-1] == "smtp"


def test_worker_refuses_a_loop_that_does_not_exist(database_url, tmp_path):
    import subprocess
    import sys

    from tests.live import ROOT

    env = desk_env(database_url, tmp_path / "instance", free_port())
    done = subprocess.run([sys.executable, "-m", "desk", "worker", "--only", "mial"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "no such worker loop: mial" in done.stderr and "mail" in done.stderr
