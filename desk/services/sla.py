"""Service-level agreements measured in business hours.

Each ticket gets a stored clock (``TicketSla``): the policy that matched it, its deadlines for
first response, next response and resolution, time paused while pending on the customer, and
which targets were breached. Deadlines are stored (also on the ticket's own
``first_response_due_at`` / ``resolution_due_at``), so they survive restarts.

``sync`` brings one ticket's clock up to date with the ticket as committed; ``check_due``
sends warnings before deadlines and escalates breaches. Both run from the console worker loop
(``desk/services/console_loop.py``), which notices changed tickets by their ``updated_at``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from desk.events import publish
from desk.models import (PRIORITIES, AuditLog, BusinessCalendar, Interaction, QueueSettings, SlaPolicy, Ticket,
                         TicketSla, utcnow)
from desk.schemas import iso, ticket_dict
from desk.services import business_hours, notifications

OPEN = ("new", "open", "pending")
TARGET_FIELDS = {"first_response": "first_response_due_at", "next_response": "next_response_due_at",
                 "resolution": "resolution_due_at"}


# -- policy and calendar ----------------------------------------------------------------------

class Rules:
    """The SLA policies and business calendars, read once and used for many tickets.

    There are a handful of each, so one read per console pass replaces four queries per ticket
    (policy, queue calendar, default calendar, holidays). ``last_reply`` may be filled with the
    last agent reply per ticket for a whole batch (``preload``); tickets not in it are asked for.
    """

    def __init__(self, session: Session) -> None:
        self.policies = sorted(session.scalars(select(SlaPolicy).where(SlaPolicy.active.is_(True))),
                               key=lambda p: (-sum(x is not None for x in (p.queue_id, p.priority, p.segment)),
                                              p.position, p.id))
        self.calendars = {c.id: c for c in session.scalars(
            select(BusinessCalendar).order_by(*business_hours.DEFAULT_FIRST)
            .options(selectinload(BusinessCalendar.holidays)))}
        self.default = next(iter(self.calendars.values()), None)
        self.queue_calendar = dict(session.execute(
            select(QueueSettings.queue_id, QueueSettings.calendar_id).where(QueueSettings.calendar_id.is_not(None))
        ).all())
        self.timezone = current_app.config.get("TIMEZONE")
        self.last_reply: dict[int, datetime | None] = {}
        self.clocks: dict[int, TicketSla | None] = {}
        self._hours: dict[int | None, business_hours.Hours] = {}

    def policy(self, ticket: Ticket) -> SlaPolicy | None:
        """The most specific active policy (queue, priority, segment), then by position."""
        segment = ((ticket.customer.attributes or {}).get("segment") if ticket.customer else None) or None
        for p in self.policies:
            if ((p.queue_id is None or p.queue_id == ticket.queue_id)
                    and (p.priority is None or p.priority == ticket.priority)
                    and (p.segment is None or p.segment == segment)):
                return p
        return None

    def calendar(self, queue_id: int | None) -> BusinessCalendar | None:
        return self.calendars.get(self.queue_calendar.get(queue_id)) or self.default

    def hours(self, queue_id: int | None) -> business_hours.Hours:
        calendar = self.calendar(queue_id)
        key = calendar.id if calendar else None
        if key not in self._hours:
            self._hours[key] = business_hours.hours_of(calendar, self.timezone)
        return self._hours[key]

    def preload(self, session: Session, ticket_ids: list[int]) -> None:
        """Read the clocks and last agent replies of a batch of tickets in two queries."""
        if not ticket_ids:
            return
        self.clocks.update(dict.fromkeys(ticket_ids))
        self.clocks.update((c.ticket_id, c) for c in session.scalars(
            select(TicketSla).where(TicketSla.ticket_id.in_(ticket_ids))))
        self.last_reply.update(dict.fromkeys(ticket_ids))
        self.last_reply.update(session.execute(
            select(Interaction.ticket_id, func.max(Interaction.occurred_at)).where(
                Interaction.ticket_id.in_(ticket_ids), Interaction.direction == "outbound",
                Interaction.author_agent_id.is_not(None)).group_by(Interaction.ticket_id)).all())

    def clock(self, session: Session, ticket_id: int) -> TicketSla | None:
        if ticket_id in self.clocks:
            return self.clocks[ticket_id]
        return session.get(TicketSla, ticket_id)

    def last_reply_at(self, session: Session, ticket_id: int) -> datetime | None:
        if ticket_id in self.last_reply:
            return self.last_reply.pop(ticket_id)
        return session.scalar(select(func.max(Interaction.occurred_at)).where(
            Interaction.ticket_id == ticket_id, Interaction.direction == "outbound",
            Interaction.author_agent_id.is_not(None)))


# -- keeping one ticket's clock ---------------------------------------------------------------

def sync(session: Session, ticket: Ticket, now: datetime | None = None, rules: Rules | None = None) -> TicketSla:
    """Bring the ticket's stored clock up to date (idempotent; cheap when nothing changed).

    Pass ``rules`` when syncing many tickets: policies and calendars are read once, and the
    changes are flushed by the caller's next query or commit instead of once per ticket."""
    now = now or utcnow()
    batched = rules is not None  # the caller flushes once for the whole batch
    clock = rules.clock(session, ticket.id) if rules else session.get(TicketSla, ticket.id)
    if clock is not None and clock.seen_version == ticket.version:
        return clock
    rules = rules or Rules(session)
    hours = rules.hours(ticket.queue_id)
    if clock is None:
        clock = TicketSla(ticket_id=ticket.id, seen_status="new", seen_priority=ticket.priority, breached=[],
                          paused_seconds=0)
        session.add(clock)
        rules.clocks[ticket.id] = clock
    changed_at = ticket.updated_at or now
    # Pending pauses the clock; leaving pending adds the business time spent there.
    if ticket.status == "pending" and clock.seen_status != "pending":
        clock.paused_at = changed_at
    elif ticket.status != "pending" and clock.paused_at is not None:
        clock.paused_seconds += int(business_hours.between(hours, clock.paused_at, changed_at))
        clock.paused_at = None
    policy = rules.policy(ticket)
    clock.policy_id = policy.id if policy else None
    calendar = rules.calendar(ticket.queue_id)
    clock.calendar_id = calendar.id if calendar else None

    def due(start: datetime | None, minutes: int | None, paused: bool = True) -> datetime | None:
        if start is None or minutes is None:
            return None
        return business_hours.add(hours, start, minutes * 60 + (clock.paused_seconds if paused else 0))

    clock.first_response_due_at = due(ticket.created_at, policy and policy.first_response_minutes)
    clock.resolution_due_at = due(ticket.created_at, policy and policy.resolution_minutes)
    clock.last_reply_at = rules.last_reply_at(session, ticket.id)
    waiting = (ticket.first_response_at is not None and ticket.last_inbound_at is not None
               and (clock.last_reply_at is None or ticket.last_inbound_at > clock.last_reply_at))
    clock.next_response_due_at = due(ticket.last_inbound_at, policy and policy.next_response_minutes,
                                     paused=False) if waiting else None
    breached = list(clock.breached or [])
    # Targets met late count as breached too.
    if clock.first_response_due_at and ticket.first_response_at and ticket.first_response_at > clock.first_response_due_at:
        breached = _add(breached, "first_response")
    if clock.resolution_due_at and ticket.solved_at and ticket.solved_at > clock.resolution_due_at:
        breached = _add(breached, "resolution")
    if breached != list(clock.breached or []):
        clock.breached = breached
        clock.breached_at = clock.breached_at or changed_at
    clock.is_open = ticket.status in OPEN
    clock.queue_id, clock.channel = ticket.queue_id, ticket.channel
    _set_due(clock, ticket, policy)
    clock.seen_version = ticket.version
    clock.seen_status = ticket.status
    clock.seen_priority = ticket.priority
    clock.updated_at = now
    # The deadlines on the ticket row itself, for the API and lists (no version bump: not an edit).
    if ticket.first_response_due_at != clock.first_response_due_at:
        ticket.first_response_due_at = clock.first_response_due_at
    if ticket.resolution_due_at != clock.resolution_due_at:
        ticket.resolution_due_at = clock.resolution_due_at
    if not batched:
        session.flush()
    return clock


def _add(items: list, value: str) -> list:
    return items if value in items else [*items, value]


def open_targets(clock: TicketSla, ticket: Ticket) -> dict[str, datetime]:
    """Deadlines still running: not met, not yet breached."""
    found = {}
    if clock.first_response_due_at and ticket.first_response_at is None:
        found["first_response"] = clock.first_response_due_at
    if clock.next_response_due_at:
        found["next_response"] = clock.next_response_due_at
    if clock.resolution_due_at and ticket.solved_at is None:
        found["resolution"] = clock.resolution_due_at
    return {k: v for k, v in found.items() if k not in (clock.breached or [])}


def _set_due(clock: TicketSla, ticket: Ticket, policy: SlaPolicy | None) -> None:
    running = open_targets(clock, ticket) if ticket.status in ("new", "open") else {}
    if not running:
        clock.due_at = clock.due_target = clock.warn_at = None
        return
    target, when = min(running.items(), key=lambda kv: kv[1])
    warn = timedelta(minutes=policy.warn_minutes if policy else 30)
    if (clock.due_at, clock.due_target) != (when, target):
        clock.warn_at = when - warn  # a new deadline deserves its own warning
    clock.due_at, clock.due_target = when, target


# -- warnings and breaches --------------------------------------------------------------------

def check_due(session: Session, now: datetime | None = None, batch: int = 200) -> tuple[int, int]:
    """Warn about deadlines coming up and escalate those that passed. Returns (warned, breached)."""
    now = now or utcnow()
    warned = 0
    for clock in session.scalars(select(TicketSla).where(TicketSla.warn_at <= now).order_by(TicketSla.warn_at)
                                 .limit(batch)):
        ticket = session.get(Ticket, clock.ticket_id)
        clock.warn_at = None
        if ticket is None or clock.due_at is None or clock.due_at <= now:
            continue
        warned += 1
        payload = {"ticket": ticket_dict(ticket), "target": clock.due_target, "due_at": iso(clock.due_at),
                   "level": "warning"}
        publish(session, "sla.warning", payload)
        notifications.notify(session, [ticket.assignee_id] if ticket.assignee_id else [], "sla_warning",
                             ticket=ticket, text=f"#{ticket.number} {ticket.subject}"[:200])
    breached = 0
    for clock in session.scalars(select(TicketSla).where(TicketSla.due_at <= now).order_by(TicketSla.due_at)
                                 .limit(batch)):
        ticket = session.get(Ticket, clock.ticket_id)
        if ticket is None:
            continue
        target = clock.due_target
        clock.breached = _add(list(clock.breached or []), target)
        clock.breached_at = clock.breached_at or now
        policy = session.get(SlaPolicy, clock.policy_id) if clock.policy_id else None
        _escalate(session, ticket, clock, policy, target)
        _set_due(clock, ticket, policy)
        breached += 1
    session.flush()
    return warned, breached


def _escalate(session: Session, ticket: Ticket, clock: TicketSla, policy: SlaPolicy | None, target: str) -> None:
    changes = {}
    if policy is None or policy.escalate_priority:
        step = PRIORITIES.index(ticket.priority) if ticket.priority in PRIORITIES else 1
        if step < len(PRIORITIES) - 1:
            changes["priority"] = [ticket.priority, PRIORITIES[step + 1]]
            ticket.priority = PRIORITIES[step + 1]
            ticket.version += 1
            ticket.updated_at = utcnow()
    session.add(AuditLog(action="sla.breached", target_type="ticket", target_id=ticket.id,
                         data={"target": target, "due_at": iso(clock.due_at), **changes}))
    session.flush()
    clock.seen_version = ticket.version  # our own change: nothing for sync to redo
    clock.seen_priority = ticket.priority
    payload = ticket_dict(ticket)
    publish(session, "sla.breached", {"ticket": payload, "target": target, "due_at": iso(clock.due_at),
                                      "level": "breached"})
    if changes:
        publish(session, "ticket.updated", {"ticket": payload, "changes": changes})
    recipients = [ticket.assignee_id] if ticket.assignee_id else []
    if policy is None or policy.notify_supervisors:
        recipients += notifications.supervisors(session)
    notifications.notify(session, recipients, "sla_breach", ticket=ticket, text=f"#{ticket.number} {ticket.subject}"[:200])


# -- reading ----------------------------------------------------------------------------------

@dataclass
class TargetState:
    target: str
    due_at: datetime | None
    met_at: datetime | None
    state: str  # met | breached | at_risk | running | paused


def describe(clock: TicketSla | None, ticket: Ticket, now: datetime | None = None,
             warn_minutes: int = 30) -> list[TargetState]:
    """The ticket's targets as an agent reads them, for the ticket page."""
    if clock is None:
        return []
    now = now or utcnow()
    met = {"first_response": ticket.first_response_at, "next_response": None, "resolution": ticket.solved_at}
    out = []
    for target, field in TARGET_FIELDS.items():
        due = getattr(clock, field)
        if due is None:
            continue
        met_at = met[target]
        if target in (clock.breached or []) or (met_at is None and due <= now and ticket.status in OPEN):
            state = "breached"
        elif met_at is not None:
            state = "met"
        elif ticket.status == "pending":
            state = "paused"
        elif due - now <= timedelta(minutes=warn_minutes):
            state = "at_risk"
        else:
            state = "running"
        out.append(TargetState(target, due, met_at, state))
    return out
