"""Admin changes to routing, agents, SLA policies, business hours and macros; each audited."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from desk.errors import Invalid, NotFound
from desk.extensions import db
from desk.models import (PRIORITIES, ROLES, STATUSES, Agent, AgentSettings, AuditLog, BusinessCalendar, Holiday,
                         Macro, Queue, QueueSettings, SlaPolicy)
from desk.models.routing import ROUTING_MODES
from desk.services import business_hours

MAX_MINUTES = 60 * 24 * 365
MAX_CHATS = 20  # live chats one agent takes at once (0: none)


def _audit(session, actor_id: int, action: str, target_type: str, target_id: int | None, data: dict) -> None:
    session.add(AuditLog(actor_agent_id=actor_id, action=action, target_type=target_type, target_id=target_id,
                         data=data))


def _text(value, field: str, *, max_len: int, required: bool = True) -> str:
    value = (value or "").strip() if isinstance(value, str) or value is None else None
    if value is None:
        raise Invalid(f"{field} must be text", field=field)
    if required and not value:
        raise Invalid(f"{field} is required", field=field)
    if len(value) > max_len:
        raise Invalid(f"{field} is longer than {max_len} characters", field=field)
    return value


def _minutes(value, field: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise Invalid(f"{field} must be a whole number of minutes", field=field) from None
    if not 0 < n <= MAX_MINUTES:
        raise Invalid(f"{field} must be between 1 and {MAX_MINUTES} minutes", field=field)
    return n


# -- queues -----------------------------------------------------------------------------------

def save_queue(queue_id: int, *, routing: str, skill: str | None, calendar_id: int | None,
               reassign_offline: bool, actor_id: int) -> QueueSettings:
    if routing not in ROUTING_MODES:
        raise Invalid(f"routing must be one of {', '.join(ROUTING_MODES)}", field="routing")
    skill = _text(skill, "skill", max_len=64, required=False) or None
    with db.write() as session:
        if session.get(Queue, queue_id) is None:
            raise NotFound("no such queue")
        if calendar_id is not None and session.get(BusinessCalendar, calendar_id) is None:
            raise Invalid("no such business calendar", field="calendar")
        settings = session.get(QueueSettings, queue_id) or QueueSettings(queue_id=queue_id)
        settings.routing, settings.skill, settings.calendar_id = routing, skill, calendar_id
        settings.reassign_offline = bool(reassign_offline)
        session.add(settings)
        _audit(session, actor_id, "queue.routing_changed", "queue", queue_id,
               {"routing": routing, "skill": skill, "calendar": calendar_id, "reassign_offline": bool(reassign_offline)})
    return settings


def create_queue(slug: str, name: str, *, actor_id: int) -> Queue:
    slug = _text(slug, "slug", max_len=64).lower()
    if not all(c.isascii() and (c.isalnum() or c in "-_") for c in slug):
        raise Invalid("a queue's short name uses letters, digits, - and _", field="slug")
    name = _text(name, "name", max_len=120)
    with db.write() as session:
        if session.scalar(select(Queue).where(Queue.slug == slug)):
            raise Invalid("a queue with that short name exists", field="slug")
        queue = Queue(slug=slug, name=name)
        session.add(queue)
        session.flush()
        _audit(session, actor_id, "queue.created", "queue", queue.id, {"slug": slug, "name": name})
    return queue


# -- agents -----------------------------------------------------------------------------------

def save_agent(agent_id: int, *, role: str, skills: list[str], capacity: int, queue_ids: list[int],
               active: bool, actor_id: int, chat_capacity: int | None = None) -> Agent:
    """``capacity`` in load units across channels; ``chat_capacity`` live chats at once (None: unchanged)."""
    if role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}", field="role")
    skills = sorted({s.strip().lower() for s in skills if s and s.strip()})
    if len(skills) > 30 or any(len(s) > 64 for s in skills):
        raise Invalid("at most 30 skills of up to 64 characters", field="skills")
    if not isinstance(capacity, int) or not 1 <= capacity <= 100:
        raise Invalid("capacity must be between 1 and 100", field="capacity")
    if chat_capacity is not None and (not isinstance(chat_capacity, int) or not 0 <= chat_capacity <= MAX_CHATS):
        raise Invalid(f"chats at once must be between 0 and {MAX_CHATS}", field="chat_capacity")
    with db.write() as session:
        agent = session.get(Agent, agent_id)
        if agent is None:
            raise NotFound("no such agent")
        if agent.id == actor_id and (role != agent.role or not active):
            raise Invalid("you cannot change your own role or deactivate yourself", field="role")
        before = {"role": agent.role, "skills": list(agent.skills or []), "active": agent.active,
                  "queues": sorted(q.id for q in agent.queues), "chat_capacity": agent.chat_capacity}
        agent.role, agent.skills, agent.active = role, skills, bool(active)
        if chat_capacity is not None:
            agent.chat_capacity = chat_capacity
        agent.queues = list(session.scalars(select(Queue).where(Queue.id.in_(queue_ids or [-1]))))
        settings = session.get(AgentSettings, agent_id) or AgentSettings(agent_id=agent_id)
        before["capacity"] = settings.capacity
        settings.capacity = capacity
        session.add(settings)
        after = {"role": role, "skills": skills, "active": bool(active), "capacity": capacity,
                 "queues": sorted(q.id for q in agent.queues), "chat_capacity": agent.chat_capacity}
        _audit(session, actor_id, "agent.updated", "agent", agent_id,
               {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v})
    return agent


# -- SLA policies -----------------------------------------------------------------------------

def save_policy(policy_id: int | None, *, name: str, queue_id: int | None, priority: str | None,
                segment: str | None, first_response: str | int | None, next_response: str | int | None,
                resolution: str | int | None, warn_minutes: str | int | None, escalate_priority: bool,
                notify_supervisors: bool, active: bool, actor_id: int) -> SlaPolicy:
    name = _text(name, "name", max_len=120)
    if priority not in (None, "") and priority not in PRIORITIES:
        raise Invalid("unknown priority", field="priority")
    segment = _text(segment, "segment", max_len=64, required=False) or None
    targets = {"first_response_minutes": _minutes(first_response, "first_response"),
               "next_response_minutes": _minutes(next_response, "next_response"),
               "resolution_minutes": _minutes(resolution, "resolution")}
    if not any(targets.values()):
        raise Invalid("set at least one target", field="first_response")
    warn = _minutes(warn_minutes, "warn_minutes") or 30
    with db.write() as session:
        if queue_id is not None and session.get(Queue, queue_id) is None:
            raise Invalid("no such queue", field="queue")
        policy = session.get(SlaPolicy, policy_id) if policy_id else SlaPolicy()
        if policy is None:
            raise NotFound("no such policy")
        policy.name, policy.queue_id, policy.priority, policy.segment = name, queue_id, priority or None, segment
        for key, value in targets.items():
            setattr(policy, key, value)
        policy.warn_minutes = warn
        policy.escalate_priority, policy.notify_supervisors = bool(escalate_priority), bool(notify_supervisors)
        policy.active = bool(active)
        session.add(policy)
        session.flush()
        _audit(session, actor_id, "sla_policy.saved", "sla_policy", policy.id,
               {"name": name, "queue": queue_id, "priority": priority or None, "segment": segment, **targets})
    return policy


def delete_policy(policy_id: int, *, actor_id: int) -> None:
    with db.write() as session:
        policy = session.get(SlaPolicy, policy_id)
        if policy is None:
            raise NotFound("no such policy")
        session.delete(policy)
        _audit(session, actor_id, "sla_policy.deleted", "sla_policy", policy_id, {"name": policy.name})


# -- business hours ---------------------------------------------------------------------------

def save_calendar(calendar_id: int | None, *, name: str, timezone: str, hours: dict, is_default: bool,
                  actor_id: int) -> BusinessCalendar:
    name = _text(name, "name", max_len=120)
    business_hours.zone(timezone)
    business_hours.parse_week(hours)  # validates
    with db.write() as session:
        calendar = session.get(BusinessCalendar, calendar_id) if calendar_id else BusinessCalendar()
        if calendar is None:
            raise NotFound("no such calendar")
        if is_default:
            for other in session.scalars(select(BusinessCalendar).where(BusinessCalendar.is_default.is_(True))):
                other.is_default = False
        calendar.name, calendar.timezone, calendar.hours = name, timezone, hours
        calendar.is_default = bool(is_default) or not session.scalar(
            select(BusinessCalendar.id).where(BusinessCalendar.id != (calendar.id or -1)).limit(1))
        session.add(calendar)
        session.flush()
        _audit(session, actor_id, "calendar.saved", "business_calendar", calendar.id,
               {"name": name, "timezone": timezone, "hours": hours})
    return calendar


def add_holidays(calendar_id: int, days: list[tuple[date, str]], *, actor_id: int) -> int:
    with db.write() as session:
        calendar = session.get(BusinessCalendar, calendar_id)
        if calendar is None:
            raise NotFound("no such calendar")
        known = {h.day for h in calendar.holidays}
        added = 0
        for day, name in days:
            if day in known:
                continue
            calendar.holidays.append(Holiday(day=day, name=(name or "")[:120]))
            known.add(day)
            added += 1
        _audit(session, actor_id, "calendar.holidays_added", "business_calendar", calendar_id,
               {"days": [d.isoformat() for d, _ in days]})
    return added


def delete_holiday(holiday_id: int, *, actor_id: int) -> None:
    with db.write() as session:
        holiday = session.get(Holiday, holiday_id)
        if holiday is None:
            raise NotFound("no such holiday")
        _audit(session, actor_id, "calendar.holiday_deleted", "business_calendar", holiday.calendar_id,
               {"day": holiday.day.isoformat()})
        session.delete(holiday)


# -- macros -----------------------------------------------------------------------------------

def save_macro(macro_id: int | None, *, name: str, body: str, set_status: str | None, set_priority: str | None,
               set_queue_id: int | None, add_tags: list[str], active: bool, actor_id: int) -> Macro:
    name = _text(name, "name", max_len=120)
    body = _text(body, "body", max_len=20_000, required=False)
    if set_status not in (None, "") and set_status not in STATUSES:
        raise Invalid("unknown status", field="set_status")
    if set_priority not in (None, "") and set_priority not in PRIORITIES:
        raise Invalid("unknown priority", field="set_priority")
    tags = sorted({t.strip().lower() for t in add_tags if t and t.strip()})
    if len(tags) > 20 or any(len(t) > 50 for t in tags):
        raise Invalid("at most 20 tags of up to 50 characters", field="add_tags")
    if not body and not (set_status or set_priority or set_queue_id or tags):
        raise Invalid("a macro needs a text or something to change", field="body")
    with db.write() as session:
        if set_queue_id is not None and session.get(Queue, set_queue_id) is None:
            raise Invalid("no such queue", field="set_queue")
        macro = session.get(Macro, macro_id) if macro_id else Macro(created_by_id=actor_id)
        if macro is None:
            raise NotFound("no such macro")
        macro.name, macro.body = name, body
        macro.set_status, macro.set_priority = set_status or None, set_priority or None
        macro.set_queue_id, macro.add_tags, macro.active = set_queue_id, tags, bool(active)
        session.add(macro)
        session.flush()
        _audit(session, actor_id, "macro.saved", "macro", macro.id, {"name": name})
    return macro


def delete_macro(macro_id: int, *, actor_id: int) -> None:
    with db.write() as session:
        macro = session.get(Macro, macro_id)
        if macro is None:
            raise NotFound("no such macro")
        session.delete(macro)
        _audit(session, actor_id, "macro.deleted", "macro", macro_id, {"name": macro.name})
