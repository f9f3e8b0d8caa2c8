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
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from desk.events import publish
from desk.models import (PRIORITIES, AuditLog, BusinessCalendar, Interaction, QueueSettings, SlaPolicy, Ticket,
                         TicketSla, utcnow)
from desk.schemas import iso, ticket_dict
from desk.services import business_hours, notifications

OPEN = ("new", "open", "pending")
TARGET_FIELDS = {"first_response": "first_response_due_at", "next_response": "next_response_due_at",
                 "resolution": "resolution_due_at"}


# -- policy and calendar ----------------------------------------------------------------------

def choose_policy(session: Session, ticket: Ticket) -> SlaPolicy | None:
    segment = ((ticket.customer.attributes or {}).get("segment") if ticket.customer else None) or None
    candidates = session.scalars(select(SlaPolicy).where(
        SlaPolicy.active.is_(True),
        or_(SlaPolicy.queue_id.is_(None), SlaPolicy.queue_id == ticket.queue_id),
        or_(SlaPolicy.priority.is_(None), SlaPolicy.priority == ticket.priority),
        or_(SlaPolicy.segment.is_(None), SlaPolicy.segment == segment),
    ))
    ranked = sorted(candidates, key=lambda p: (-sum(x is not None for x in (p.queue_id, p.priority, p.segment)),
                                               p.position, p.id))
    return ranked[0] if ranked else None


def default_calendar(session: Session) -> BusinessCalendar | None:
    return session.scalar(select(BusinessCalendar).order_by(BusinessCalendar.is_default.desc(),
                                                            BusinessCalendar.id).limit(1))


def calendar_for_queue(session: Session, queue_id: int | None) -> BusinessCalendar | None:
    if queue_id is not None:
        calendar_id = session.scalar(select(QueueSettings.calendar_id).where(QueueSettings.queue_id == queue_id))
        if calendar_id is not None:
            found = session.get(BusinessCalendar, calendar_id)
            if found is not None:
                return found
    return default_calendar(session)


def hours_for(session: Session, queue_id: int | None) -> business_hours.Hours:
    return business_hours.hours_of(calendar_for_queue(session, queue_id), current_app.config.get("TIMEZONE"))


# -- keeping one ticket's clock ---------------------------------------------------------------

def _last_reply_at(session: Session, ticket_id: int) -> datetime | None:
    return session.scalar(select(func.max(Interaction.occurred_at)).where(
        Interaction.ticket_id == ticket_id, Interaction.direction == "outbound",
        Interaction.author_agent_id.is_not(None)))


def sync(session: Session, ticket: Ticket, now: datetime | None = None) -> TicketSla:
    """Bring the ticket's stored clock up to date (idempotent; cheap when nothing changed)."""
    now = now or utcnow()
    clock = session.get(TicketSla, ticket.id)
    if clock is not None and clock.seen_version == ticket.version:
        return clock
    hours = hours_for(session, ticket.queue_id)
    if clock is None:
        clock = TicketSla(ticket_id=ticket.id, seen_status="new", seen_priority=ticket.priority, breached=[],
                          paused_seconds=0)
        session.add(clock)
    changed_at = ticket.updated_at or now
    # Pending pauses the clock; leaving pending adds the business time spent there.
    if ticket.status == "pending" and clock.seen_status != "pending":
        clock.paused_at = changed_at
    elif ticket.status != "pending" and clock.paused_at is not None:
        clock.paused_seconds += int(business_hours.between(hours, clock.paused_at, changed_at))
        clock.paused_at = None
    policy = choose_policy(session, ticket)
    clock.policy_id = policy.id if policy else None
    calendar = calendar_for_queue(session, ticket.queue_id)
    clock.calendar_id = calendar.id if calendar else None

    def due(start: datetime | None, minutes: int | None, paused: bool = True) -> datetime | None:
        if start is None or minutes is None:
            return None
        return business_hours.add(hours, start, minutes * 60 + (clock.paused_seconds if paused else 0))

    clock.first_response_due_at = due(ticket.created_at, policy and policy.first_response_minutes)
    clock.resolution_due_at = due(ticket.created_at, policy and policy.resolution_minutes)
    clock.last_reply_at = _last_reply_at(session, ticket.id)
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
    if (ticket.first_response_due_at, ticket.resolution_due_at) != (clock.first_response_due_at,
                                                                    clock.resolution_due_at):
        session.execute(Ticket.__table__.update().where(Ticket.__table__.c.id == ticket.id).values(
            first_response_due_at=clock.first_response_due_at, resolution_due_at=clock.resolution_due_at))
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
