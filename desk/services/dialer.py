"""Outbound call campaigns: the list (a customer filter or a CSV upload, validated row by row),
the script, calling hours, the do-not-call list, pacing, outcomes and live progress.

Rules that always hold: nobody is called outside the campaign's calling hours (default 09:00-20:00
Asia/Seoul, weekdays), nobody on the do-not-call list is called (a customer's "calls" or
"sms_marketing" opt-out, a STOP reply, the "do not call" outcome), and two agents never get the
same customer (the next contact is claimed with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL and
inside ``BEGIN IMMEDIATE`` on SQLite).
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from desk.errors import Conflict, Forbidden, Invalid, NotFound
from desk.events import publish
from desk.extensions import db
from desk.models import Agent, CallLog, Campaign, CampaignContact, Customer, Identity, Interaction, Ticket, utcnow
from desk.models.phone import CAMPAIGN_OUTCOMES, CAMPAIGN_STATUSES, REACHED_OUTCOMES
from desk.schemas import ticket_dict
from desk.services import calls, identity, routing, numbering
from desk.services.callbacks import parse_preferred

MAX_CSV_BYTES = 5 * 1024 * 1024
MAX_CSV_ROWS = 20_000
PHONE_COLUMNS = ("phone", "phone_number", "mobile", "tel", "전화", "전화번호", "휴대폰", "휴대전화", "연락처")
NAME_COLUMNS = ("name", "full_name", "이름", "성명", "고객명")
STALE_CLAIM = timedelta(minutes=30)
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_FIELD = re.compile(r"\{(\w+)\}")


def _supervisor(agent: Agent) -> None:
    if not agent.has_role("supervisor"):
        raise Forbidden("campaigns are managed by supervisors")


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


def _campaign(session: Session, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound("campaign not found")
    return campaign


# -- the list ------------------------------------------------------------------------------------

@dataclass
class ImportReport:
    added: int = 0
    rejected: list[tuple[int, str, str]] = field(default_factory=list)  # (line, phone as written, reason)

    @property
    def rejected_count(self) -> int:
        return len(self.rejected)


def _has(session: Session, campaign_id: int, customer_id: int) -> bool:
    return session.scalar(select(CampaignContact.id).where(CampaignContact.campaign_id == campaign_id,
                                                           CampaignContact.customer_id == customer_id)) is not None


def add_customers(actor: Agent, campaign_id: int, *, q: str = "", locale: str = "", limit: int = 5000) -> ImportReport:
    """Everyone matching a customer filter (name, email or phone contains ``q``; language) who has a
    phone and is not on the do-not-call list."""
    _supervisor(actor)
    report = ImportReport()
    with db.write() as session:
        campaign = _campaign(session, campaign_id)
        stmt = (select(Customer, Identity.value).join(Identity, Identity.customer_id == Customer.id)
                .where(Identity.kind == "phone", Customer.merged_into_id.is_(None)).order_by(Customer.id))
        q = (q or "").strip()[:200]
        if q:
            pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            patterns = [pattern]
            if re.fullmatch(r"[0-9+\- ()]{3,}", q):  # a phone fragment as people type it: 010-1234
                digits = re.sub(r"\D", "", q)
                patterns.append("%" + (digits[1:] if digits.startswith("0") else digits) + "%")
            matching = select(Identity.customer_id).where(
                or_(*[Identity.value.ilike(p, escape="\\") for p in patterns]))
            stmt = stmt.where(Customer.name.ilike(pattern, escape="\\") | Customer.id.in_(matching))
        if locale:
            stmt = stmt.where(Customer.locale == locale)
        seen: set[int] = set()
        for customer, phone in session.execute(stmt.limit(limit)).all():
            if customer.id in seen:
                continue
            seen.add(customer.id)
            if calls.is_dnc(customer):
                report.rejected.append((0, phone, "dnc"))
            elif _has(session, campaign.id, customer.id):
                report.rejected.append((0, phone, "already_listed"))
            else:
                session.add(CampaignContact(campaign_id=campaign.id, customer_id=customer.id, phone=phone))
                report.added += 1
    return report


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp949"):  # Excel in Korea saves CSV as CP949
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Invalid("the file is neither UTF-8 nor CP949 (EUC-KR) text", field="file")


def _column(header: list[str], names: tuple[str, ...]) -> str | None:
    for column in header:
        if column.strip().lower() in names:
            return column
    return None


def import_csv(actor: Agent, campaign_id: int, data: bytes) -> ImportReport:
    """Rows with a valid phone join the list; every other row is reported with its line and why."""
    _supervisor(actor)
    if len(data) > MAX_CSV_BYTES:
        raise Invalid(f"the file is larger than {MAX_CSV_BYTES // (1024 * 1024)} MB", field="file")
    text = _decode(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = [h or "" for h in (reader.fieldnames or [])]
    phone_col = _column(header, PHONE_COLUMNS)
    if phone_col is None:
        raise Invalid("the first line must name the columns, with one called phone (or 전화번호)", field="file")
    name_col = _column(header, NAME_COLUMNS)
    report = ImportReport()
    with db.write() as session:
        campaign = _campaign(session, campaign_id)
        seen: set[str] = set()
        for row in reader:
            line = reader.line_num
            if len(seen) + report.rejected_count >= MAX_CSV_ROWS:
                report.rejected.append((line, "", "too_many_rows"))
                break
            raw = (row.get(phone_col) or "").strip()
            if None in row:  # more cells than columns
                report.rejected.append((line, raw, "extra_columns"))
                continue
            if not raw:
                report.rejected.append((line, raw, "missing_phone"))
                continue
            try:
                phone = identity.normalize_phone(raw)
            except Invalid:
                report.rejected.append((line, raw, "invalid_phone"))
                continue
            if phone in seen:
                report.rejected.append((line, raw, "duplicate"))
                continue
            seen.add(phone)
            name = (row.get(name_col) or "").strip()[:200] if name_col else ""
            customer, _ = identity.resolve(session, "phone", phone, name=name or None)
            if calls.is_dnc(customer):
                report.rejected.append((line, raw, "dnc"))
                continue
            if _has(session, campaign.id, customer.id):
                report.rejected.append((line, raw, "already_listed"))
                continue
            extra = {k.strip()[:50]: (v or "").strip()[:500] for k, v in row.items()
                     if k and k not in (phone_col, name_col)}
            session.add(CampaignContact(campaign_id=campaign.id, customer_id=customer.id, phone=phone,
                                        fields=extra))
            session.flush()
            report.added += 1
    return report


# -- calling -------------------------------------------------------------------------------------

def in_hours(campaign: Campaign, now: datetime | None = None) -> bool:
    from channels.twilio.phone import within_hours  # pure helper, no channel state

    return within_hours(now or utcnow(), campaign.timezone, campaign.hours_start, campaign.hours_end,
                        campaign.weekdays)


def _can_dial(campaign: Campaign, now: datetime | None = None) -> None:
    if campaign.status != "active":
        raise Conflict("this campaign is not active", code="campaign_inactive")
    if not in_hours(campaign, now):
        raise Conflict(f"outside the calling hours ({campaign.hours_start}-{campaign.hours_end}, "
                       f"{campaign.timezone})", code="outside_hours")


def next_contact(agent: Agent, campaign_id: int, *, now: datetime | None = None) -> CampaignContact | None:
    """The contact this agent is working on, else the next due one, claimed for them alone."""

    def _next() -> CampaignContact | None:
        with db.write() as session:
            campaign = _campaign(session, campaign_id)
            _can_dial(campaign, now)
            mine = session.scalar(select(CampaignContact).where(
                CampaignContact.campaign_id == campaign.id, CampaignContact.status == "in_progress",
                CampaignContact.claimed_by_id == agent.id).limit(1))
            if mine is not None:
                return mine
            moment = now or utcnow()
            while True:
                stmt = (select(CampaignContact)
                        .where(CampaignContact.campaign_id == campaign.id,
                               ((CampaignContact.status == "pending") & (CampaignContact.next_attempt_at <= moment))
                               | ((CampaignContact.status == "in_progress")
                                  & (CampaignContact.claimed_at < moment - STALE_CLAIM)))
                        .order_by(CampaignContact.next_attempt_at, CampaignContact.id))
                if session.bind.dialect.name == "postgresql":
                    # Lock one row at a time: a batch locked here would be skipped by every other
                    # agent until this transaction ends, though only one of its rows is taken.
                    stmt = stmt.limit(1).with_for_update(skip_locked=True, of=CampaignContact)
                else:
                    stmt = stmt.limit(20)  # SQLite: the write lock already serializes the claim
                batch = list(session.scalars(stmt))
                if not batch:
                    return None
                for contact in batch:
                    if calls.is_dnc(contact.customer):
                        contact.status, contact.outcome = "dnc", contact.outcome or "do_not_call"
                        continue
                    contact.status = "in_progress"
                    contact.claimed_by_id = agent.id
                    contact.claimed_at = moment
                    contact.updated_at = moment
                    session.flush()
                    return contact
                session.flush()

    return db.retrying(_next)


def _held(session: Session, agent: Agent, contact_id: int) -> tuple[Campaign, CampaignContact]:
    contact = session.get(CampaignContact, contact_id)
    if contact is None:
        raise NotFound("contact not found")
    if contact.status != "in_progress" or contact.claimed_by_id != agent.id:
        raise Forbidden("this customer is not assigned to you; take the next one from the dialer")
    return session.get(Campaign, contact.campaign_id), contact


def call(agent: Agent, contact_id: int, *, now: datetime | None = None) -> Interaction:
    """Click-to-call for the contact the dialer gave this agent; never outside hours, never on the DNC list."""
    with db.write() as session:
        campaign, contact = _held(session, agent, contact_id)
        _can_dial(campaign, now)
        customer = contact.customer
        if calls.is_dnc(customer):
            contact.status, contact.outcome, contact.claimed_by_id = "dnc", "do_not_call", None
            session.commit()  # keep the customer off the list even though this call is refused
            raise Conflict("this customer is on the do-not-call list", code="do_not_call")
        ticket = session.get(Ticket, contact.ticket_id) if contact.ticket_id else None
        if ticket is None or ticket.status == "closed":
            stamp = utcnow()
            ticket = Ticket(number=numbering.next_ticket_number(session), subject=campaign.name[:500],
                            customer=customer, queue=routing.pick_queue(session, None, "campaign"),
                            status="open", channel="campaign", assignee_id=agent.id, created_at=stamp,
                            updated_at=stamp)
            session.add(ticket)
            session.flush()
            publish(session, "ticket.created", {"ticket": ticket_dict(ticket)})
            contact.ticket_id = ticket.id
        interaction = calls.start_call(session, agent, customer, ticket, purpose="campaign",
                                       refs={"campaign_id": campaign.id, "contact_id": contact.id,
                                             "to": contact.phone})
        return interaction


def record_outcome(agent: Agent, contact_id: int, outcome: str, *, notes: str = "", callback_at=None) -> CampaignContact:
    if outcome not in CAMPAIGN_OUTCOMES:
        raise Invalid(f"outcome must be one of {', '.join(CAMPAIGN_OUTCOMES)}", field="outcome")

    def _record() -> CampaignContact:
        with db.write() as session:
            campaign, contact = _held(session, agent, contact_id)
            when = None
            if outcome == "call_back_later":
                when = parse_preferred(callback_at, campaign.timezone) or utcnow() + timedelta(days=1)
            now = utcnow()
            interaction = None
            if contact.ticket_id:
                interaction = session.scalar(select(Interaction).where(
                    Interaction.ticket_id == contact.ticket_id, Interaction.channel == "voice",
                    Interaction.direction == "outbound", Interaction.author_agent_id == agent.id)
                    .order_by(Interaction.id.desc()).limit(1))
            if interaction is not None and not (interaction.meta or {}).get("outcome"):
                calls.set_outcome(session, interaction, outcome, notes)
            session.add(CallLog(kind="campaign", agent_id=agent.id, customer_id=contact.customer_id,
                                campaign_id=campaign.id, contact_id=contact.id,
                                interaction_id=interaction.id if interaction else None,
                                outcome=outcome, notes=calls._notes(notes)))
            contact.attempts += 1
            contact.outcome = outcome
            contact.notes = calls._notes(notes) or contact.notes
            contact.claimed_by_id = None
            contact.updated_at = now
            if outcome == "do_not_call":
                contact.status = "dnc"
                customer = contact.customer
                if "calls" not in (customer.opt_outs or []):
                    customer.opt_outs = [*(customer.opt_outs or []), "calls"]
            elif outcome == "call_back_later":
                contact.status, contact.next_attempt_at = "pending", when
            elif outcome == "no_answer" and contact.attempts < campaign.max_attempts:
                contact.status = "pending"
                contact.next_attempt_at = now + timedelta(minutes=campaign.retry_minutes)
            else:
                contact.status = "done"
            session.flush()
            return contact

    contact = db.retrying(_record)
    announce(contact.campaign_id)
    return contact


def announce(campaign_id: int) -> None:
    """Campaign figures to supervisors, counted after the write lock is released (the counting
    grows with the campaign; holding the lock for it would slow every other agent's claim)."""
    session = db.session
    campaign = session.get(Campaign, campaign_id, populate_existing=True)
    if campaign is not None:
        publish(session, "campaign.progress", {"campaign_id": campaign.id, "stats": stats(session, campaign)})
    session.commit()  # ends the read; the event goes out now


def skip(agent: Agent, contact_id: int) -> None:
    """Give the contact back to the list unchanged."""
    with db.write() as session:
        _, contact = _held(session, agent, contact_id)
        contact.status = "pending"
        contact.claimed_by_id = None


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
