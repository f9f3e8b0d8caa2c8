"""Calling: the next due contact claimed for one agent alone, click-to-call within the calling hours
and off the do-not-call list, the outcome with its retry pacing, skipping, and the progress event."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk.errors import Conflict, Forbidden, Invalid, NotFound
from desk.events import publish
from desk.extensions import db
from desk.models import Agent, CallLog, Campaign, CampaignContact, Interaction, Ticket, utcnow
from desk.models.phone import CAMPAIGN_OUTCOMES
from desk.schemas import ticket_dict
from desk.services import calls, numbering, routing
from desk.services.callbacks import parse_preferred
from desk.services.dialer._shared import _campaign
from desk.services.dialer.campaigns import stats

STALE_CLAIM = timedelta(minutes=30)


def _can_dial(campaign: Campaign, now: datetime | None = None) -> None:
    # in_hours as callers see it, on the package: replacing dialer.in_hours (tests stop the clock
    # that way) must reach the claim and the call as well as the pages.
    from desk.services import dialer

    if campaign.status != "active":
        raise Conflict("this campaign is not active", code="campaign_inactive")
    if not dialer.in_hours(campaign, now):
        raise Conflict(f"outside the calling hours ({campaign.hours_start}-{campaign.hours_end}, "
                       f"{campaign.timezone})", code="outside_hours")


def held_contact(session: Session, agent: Agent, campaign_id: int) -> CampaignContact | None:
    """The customer this agent is working on in this campaign, if any."""
    return session.scalar(select(CampaignContact).where(
        CampaignContact.campaign_id == campaign_id, CampaignContact.status == "in_progress",
        CampaignContact.claimed_by_id == agent.id).limit(1))


def workable(session: Session, agent: Agent, campaign: Campaign) -> bool:
    """Whether the dialer shows this campaign to this agent: supervisors see every campaign; an
    agent an active one, or one where they still hold a customer (paused mid-call, they can
    still save the outcome or skip). Campaigns are not tied to queues or agents."""
    return (agent.has_role("supervisor") or campaign.status == "active"
            or held_contact(session, agent, campaign.id) is not None)


def dialer_campaign(session: Session, agent: Agent, campaign_id: int) -> Campaign:
    """The campaign for the agent's dialer; NotFound when it does not exist or is not theirs to
    work, so an agent cannot tell a draft or paused campaign from a missing one."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or not workable(session, agent, campaign):
        raise NotFound("campaign not found")
    return campaign


def next_contact(agent: Agent, campaign_id: int, *, now: datetime | None = None) -> CampaignContact | None:
    """The contact this agent is working on, else the next due one, claimed for them alone.
    A claim (or a contact found on the do-not-call list on the way) moves the campaign's figures,
    so supervisors hear of it as they do of an outcome."""
    changed: list[bool] = []

    def _next() -> CampaignContact | None:
        changed.clear()  # a retried attempt starts again
        with db.write() as session:
            campaign = _campaign(session, campaign_id)
            _can_dial(campaign, now)
            mine = held_contact(session, agent, campaign.id)
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
                    changed.append(True)
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

    contact = db.retrying(_next)
    if changed:
        announce(campaign_id)
    return contact


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


def last_call(session: Session, agent: Agent, contact: CampaignContact) -> Interaction | None:
    """The agent's latest outbound call on the contact's ticket: the one the dialer page shows and
    the one an outcome is written to (an inbound call on the same ticket is neither)."""
    if not contact.ticket_id:
        return None
    return session.scalar(select(Interaction).where(
        Interaction.ticket_id == contact.ticket_id, Interaction.channel == "voice",
        Interaction.direction == "outbound", Interaction.author_agent_id == agent.id)
        .order_by(Interaction.id.desc()).limit(1))


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
            interaction = last_call(session, agent, contact)
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
    """Campaign figures to supervisors after a claim, a skip or an outcome, counted after the write
    lock is released (the counting grows with the campaign; holding the lock for it would slow
    every other agent's claim)."""
    session = db.session
    campaign = session.get(Campaign, campaign_id, populate_existing=True)
    if campaign is not None:
        publish(session, "campaign.progress", {"campaign_id": campaign.id, "stats": stats(session, campaign)})
    session.commit()  # ends the read; the event goes out now


def skip(agent: Agent, contact_id: int, *, now: datetime | None = None) -> None:
    """Give the contact back to the list, behind those already due, with no attempt counted."""
    with db.write() as session:
        campaign, contact = _held(session, agent, contact_id)
        campaign_id = campaign.id
        contact.status = "pending"
        contact.claimed_by_id = None
        contact.next_attempt_at = now or utcnow()  # else the earliest due, handed straight back
    announce(campaign_id)
