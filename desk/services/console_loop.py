"""The console's background loop (runs in the worker process beside the outbox): keeps every
changed ticket's SLA clock current, hands new work to agents in automatically routed queues,
and sends SLA warnings and escalations when deadlines come near or pass.

Changed tickets are found by ``ticket.updated_at`` (indexed) from a stored cursor, re-reading a
short overlap each pass so a transaction that committed late is not missed; ``sync`` is
idempotent per ticket version. Nothing is kept in memory between passes: a restart resumes
from the cursor.
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from desk.extensions import db
from desk.models import Ticket, TicketSla, WorkerCursor, utcnow
from desk.models import AuditLog, Interaction
from desk.services import assignment, notifications, sla, tally

log = logging.getLogger(__name__)

CURSOR = "console.tickets"
OVERLAP = timedelta(seconds=30)
BATCH = 200  # tickets per write transaction: short, so intake is never held up for long
# An agent whose console has been gone this long gives back unanswered work (a page reload or a
# short network drop must not); checked every OFFLINE_SWEEP.
OFFLINE_GRACE = timedelta(minutes=2)
OFFLINE_SWEEP = 30.0


class ConsoleLoop:
    def __init__(self, app, poll_seconds: float = 1.0) -> None:
        self.app = app
        self.poll_seconds = poll_seconds
        self.stopping = threading.Event()
        self._next_sweep = 0.0

    def run_once(self) -> int:
        """One pass; returns how much it did (tickets synced + assigned + warned + breached)."""
        with self.app.app_context():
            try:
                done = db.retrying(_pass)
                if time.monotonic() >= self._next_sweep:
                    self._next_sweep = time.monotonic() + OFFLINE_SWEEP
                    done += sweep_offline()
                return done
            finally:
                db.session.remove()

    def run_forever(self) -> None:
        log.info("console loop started")
        while not self.stopping.is_set():
            try:
                busy = self.run_once()
            except Exception:
                log.exception("console pass failed; trying again shortly")
                busy = 0
            if not busy:
                self.stopping.wait(self.poll_seconds)


def _pass() -> int:
    now = utcnow()
    done = 0
    with db.write() as session:
        cursor = session.get(WorkerCursor, CURSOR)
        if cursor is None:
            cursor = WorkerCursor(name=CURSOR, at=None, value=0)
            session.add(cursor)
        stmt = select(Ticket).order_by(Ticket.updated_at, Ticket.id).limit(BATCH)
        if cursor.at is not None:
            stmt = stmt.where(Ticket.updated_at >= cursor.at - OVERLAP)
        changed = list(session.scalars(stmt.outerjoin(TicketSla, TicketSla.ticket_id == Ticket.id).where(
            (TicketSla.ticket_id.is_(None)) | (TicketSla.seen_version != Ticket.version))))
        newest = cursor.at
        rules = sla.Rules(session)
        rules.preload(session, [ticket.id for ticket in changed])
        for ticket in changed:
            before = rules.clock(session, ticket.id)
            seen_assignee = before.seen_assignee_id if before else None
            seen_inbound = before.seen_inbound_at if before else None
            routed = ticket.assignee_id is None and assignment.auto_assign(session, ticket) is not None
            done += routed
            clock = sla.sync(session, ticket, now, rules)
            if ticket.assignee_id and ticket.assignee_id != seen_assignee and not routed:
                _assigned_by_someone(session, ticket)
            elif (ticket.assignee_id and ticket.assignee_id == seen_assignee and ticket.last_inbound_at
                  and seen_inbound and ticket.last_inbound_at > seen_inbound):
                notifications.notify(session, [ticket.assignee_id], "reply", ticket=ticket,
                                     text=f"#{ticket.number} {ticket.subject}"[:200])
            clock.seen_assignee_id = ticket.assignee_id
            clock.seen_inbound_at = ticket.last_inbound_at
            newest = max(newest, ticket.updated_at) if newest else ticket.updated_at
            done += 1
        if len(changed) < BATCH and (newest is None or newest < now - OVERLAP):
            newest = now - OVERLAP  # nothing new: move the window along
        cursor.at = newest
        tally.compact(session)
        done += assignment.assign_waiting(session)
        warned, breached = sla.check_due(session, now)
        done += warned + breached
    return done


def sweep_offline() -> int:
    """Move unanswered tickets away from agents who went offline (when presence is installed)."""
    presence = current_app.extensions.get("desk_presence")
    if presence is None or not hasattr(presence, "gone_offline"):
        return 0
    moved = 0
    for agent_id in presence.gone_offline(OFFLINE_GRACE):
        db.session.rollback()  # end the read before the write unit
        moved += assignment.agent_went_offline(agent_id)
    return moved


def _assigned_by_someone(session, ticket: Ticket) -> None:
    """Tell an agent a ticket was given to them, unless they took it themselves."""
    actor = session.scalar(select(AuditLog.actor_agent_id).where(
        AuditLog.target_type == "ticket", AuditLog.target_id == ticket.id).order_by(AuditLog.id.desc()).limit(1))
    last_author = session.scalar(select(Interaction.author_agent_id).where(
        Interaction.ticket_id == ticket.id, Interaction.author_agent_id.is_not(None))
        .order_by(Interaction.id.desc()).limit(1))
    if ticket.assignee_id in (actor, last_author):
        return  # they took it themselves (by the form, or by answering an unassigned ticket)
    notifications.notify(session, [ticket.assignee_id], "assigned", ticket=ticket, actor_id=actor,
                         text=f"#{ticket.number} {ticket.subject}"[:200])


def init_app(app) -> None:
    app.extensions.setdefault("desk_workers", {})["console"] = ConsoleLoop
