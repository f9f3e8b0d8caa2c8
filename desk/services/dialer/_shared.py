"""What every part of the dialer checks first: the actor may manage campaigns, the campaign exists."""
from __future__ import annotations

from sqlalchemy.orm import Session

from desk.errors import Forbidden, NotFound
from desk.models import Agent, Campaign


def _supervisor(agent: Agent) -> None:
    if not agent.has_role("supervisor"):
        raise Forbidden("campaigns are managed by supervisors")


def _campaign(session: Session, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound("campaign not found")
    return campaign
