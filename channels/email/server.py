"""The inbound SMTP server (aiosmtpd, asyncio, its own process).

It accepts mail for ``@DESK_MAIL_DOMAIN`` only (550 otherwise), refuses oversize mail (552, by
aiosmtpd's ``data_size_limit``), and answers 250 only after the raw bytes are committed to the
spool; a storage failure answers 451 so the sender retries. Parsing happens later, in the worker.
"""
from __future__ import annotations

import asyncio
import logging
import signal
from pathlib import Path

from aiosmtpd.smtp import SMTP, Envelope, Session

from channels.email.spool import SpoolWriter

log = logging.getLogger("desk.smtp")


class DeskHandler:
    def __init__(self, writer: SpoolWriter, domain: str) -> None:
        self.writer = writer
        self.domain = domain.lower()

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:  # noqa: ARG002
        domain = address.rsplit("@", 1)[-1].lower() if "@" in address else ""
        if domain != self.domain:
            return f"550 5.1.1 <{address[:200]}>: we only accept mail for @{self.domain}"
        if len(envelope.rcpt_tos) >= 100:
            return "452 4.5.3 too many recipients"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: ARG002
        data = envelope.original_content or b""
        peer = session.peer[0] if isinstance(session.peer, tuple) else str(session.peer)
        try:
            spool_id = await asyncio.wrap_future(
                self.writer.submit(data, envelope.mail_from or "", list(envelope.rcpt_tos), peer))
        except Exception:
            log.exception("could not store a message from %s", envelope.mail_from)
            return "451 4.3.0 could not store the message; please try again later"
        return f"250 2.0.0 OK: stored as {spool_id}"


def spool_path(config) -> Path:
    return Path(config["MAIL_STORE_DIR"]) / "spool.db"


async def serve(config, *, ready: asyncio.Event | None = None) -> None:
    writer = SpoolWriter(spool_path(config))
    handler = DeskHandler(writer, config["MAIL_DOMAIN"])
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, data_size_limit=config["SMTP_MAX_MESSAGE_BYTES"], enable_SMTPUTF8=True,
                     hostname=config["MAIL_DOMAIN"], ident="desk ESMTP", timeout=120),
        host=config["SMTP_HOST"], port=config["SMTP_PORT"],
    )
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # not the main thread (tests)
            pass
    log.info("SMTP listening on %s:%s for @%s", config["SMTP_HOST"], config["SMTP_PORT"], config["MAIL_DOMAIN"])
    if ready is not None:
        ready.set()
    try:
        await stop.wait()
    finally:
        server.close()
        await server.wait_closed()
        writer.close()
