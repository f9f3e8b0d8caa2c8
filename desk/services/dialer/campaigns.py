"""Campaigns themselves: creating one (name, script, calling hours and days, time zone, attempts,
retry interval), starting and stopping it, its calling hours, its script and its live figures."""
from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desk.errors import Invalid
from desk.events import publish
from desk.extensions import db
from desk.models import Agent, CallLog, Campaign, CampaignContact, utcnow
from desk.models.phone import CAMPAIGN_OUTCOMES, CAMPAIGN_STATUSES, REACHED_OUTCOMES
from desk.services.dialer._shared import _campaign, _supervisor

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_FIELD = re.compile(r"\{(\w+)\}")


def _check_settings(hours_start: str, hours_end: str, weekdays, tz: str, max_attempts: int,
                    retry_minutes: int) -> None:
    if not (_HHMM.match(hours_start or "") and _HHMM.match(hours_end or "")) or hours_start >= hours_end:
        raise Invalid("calling hours must be HH:MM, the start before the end", field="hours")
    if not weekdays or any(not isinstance(d, int) or not 0 <= d <= 6 for d in weekdays):
        raise Invalid("choose at least one calling day", field="weekdays")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(f"unknown time zone {tz[:60]!r}", field="timezone") from None
    if not 1 <= max_attempts <= 10:
        raise Invalid("attempts must be between 1 and 10", field="max_attempts")
    if not 5 <= retry_minutes <= 7 * 24 * 60:
        raise Invalid("the retry interval must be between 5 minutes and 7 days", field="retry_minutes")


def create(actor: Agent, *, name: str, script: str = "", hours_start: str = "09:00", hours_end: str = "20:00",
           weekdays=(0, 1, 2, 3, 4), timezone: str = "Asia/Seoul", max_attempts: int = 3,
           retry_minutes: int = 120) -> Campaign:
    _supervisor(actor)
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise Invalid("the campaign needs a name (at most 200 characters)", field="name")
    if len(script or "") > 20_000:
        raise Invalid("the script is longer than 20,000 characters", field="script")
    weekdays = sorted(set(weekdays))
    _check_settings(hours_start, hours_end, weekdays, timezone, max_attempts, retry_minutes)
    with db.write() as session:
        campaign = Campaign(name=name, script=script or "", hours_start=hours_start, hours_end=hours_end,
                            weekdays=weekdays, timezone=timezone, max_attempts=max_attempts,
                            retry_minutes=retry_minutes, created_by_id=actor.id, status="draft")
        session.add(campaign)
    return campaign


def set_status(actor: Agent, campaign_id: int, status: str) -> Campaign:
    _supervisor(actor)
    if status not in CAMPAIGN_STATUSES:
        raise Invalid(f"status must be one of {', '.join(CAMPAIGN_STATUSES)}", field="status")
    with db.write() as session:
        campaign = _campaign(session, campaign_id)
        campaign.status = status
        campaign.updated_at = utcnow()
        publish(session, "campaign.progress", {"campaign_id": campaign.id, "stats": stats(session, campaign)})
    return campaign


def in_hours(campaign: Campaign, now: datetime | None = None) -> bool:
    from channels.twilio.phone import within_hours  # pure helper, no channel state

    return within_hours(now or utcnow(), campaign.timezone, campaign.hours_start, campaign.hours_end,
                        campaign.weekdays)


# -- script and progress ---------------------------------------------------------------------------

def render_script(campaign: Campaign, contact: CampaignContact, agent: Agent) -> str:
    """The script with {name}, {phone}, {email}, {agent} and any CSV column filled in; unknown
    placeholders are left as written so the agent sees what is missing."""
    customer = contact.customer
    values = {**{k: str(v) for k, v in (customer.attributes or {}).items() if isinstance(v, (str, int, float))},
              **(contact.fields or {}), "name": customer.name or "", "phone": contact.phone,
              "email": customer.email or "", "agent": agent.display_name}
    return _FIELD.sub(lambda m: values.get(m.group(1), m.group(0)) or m.group(0), campaign.script or "")


def stats(session: Session, campaign: Campaign) -> dict:
    by_status = dict(session.execute(select(CampaignContact.status, func.count()).where(
        CampaignContact.campaign_id == campaign.id).group_by(CampaignContact.status)).all())
    outcomes = dict(session.execute(select(CallLog.outcome, func.count()).where(
        CallLog.campaign_id == campaign.id).group_by(CallLog.outcome)).all())
    agents = []
    rows = session.execute(select(CallLog.agent_id, CallLog.outcome, func.count()).where(
        CallLog.campaign_id == campaign.id).group_by(CallLog.agent_id, CallLog.outcome)).all()
    per_agent: dict[int | None, dict[str, int]] = {}
    for agent_id, outcome, count in rows:
        per_agent.setdefault(agent_id, {})[outcome] = count
    names = {a.id: a.display_name for a in session.scalars(select(Agent).where(
        Agent.id.in_([k for k in per_agent if k is not None])))}
    for agent_id, counts in sorted(per_agent.items(), key=lambda kv: names.get(kv[0], "")):
        attempts = sum(counts.values())
        reached = sum(v for k, v in counts.items() if k in REACHED_OUTCOMES)
        agents.append({"agent_id": agent_id, "name": names.get(agent_id, "—"), "attempts": attempts,
                       "contacts": reached, "interested": counts.get("interested", 0), "outcomes": counts})
    attempts = sum(outcomes.values())
    contacts = sum(v for k, v in outcomes.items() if k in REACHED_OUTCOMES)
    interested = outcomes.get("interested", 0)
    total = sum(by_status.values())
    return {"total": total, "pending": by_status.get("pending", 0), "in_progress": by_status.get("in_progress", 0),
            "done": by_status.get("done", 0), "dnc": by_status.get("dnc", 0), "attempts": attempts,
            "contacts": contacts, "interested": interested,
            "conversion": round(100 * interested / contacts, 1) if contacts else 0.0,
            "outcomes": {o: outcomes.get(o, 0) for o in CAMPAIGN_OUTCOMES}, "agents": agents,
            "status": campaign.status}


def active_campaigns(session: Session) -> list[Campaign]:
    return list(session.scalars(select(Campaign).where(Campaign.status == "active").order_by(Campaign.id.desc())))
