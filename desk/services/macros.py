"""Macros: a canned text with placeholders, plus changes to status, priority, queue and tags.

Placeholders: ``{{customer.name}}``, ``{{customer.email}}``, ``{{customer.phone}}``,
``{{ticket.number}}``, ``{{ticket.subject}}``, ``{{ticket.status}}``, ``{{agent.name}}``,
``{{queue.name}}``. Unknown placeholders stay as written, so a typo is visible, not silent.
"""
from __future__ import annotations

import re

from sqlalchemy import select

from desk.extensions import db
from desk.models import Agent, Macro, Ticket

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\.([a-z_]+)\s*\}\}")


def render(text: str, ticket: Ticket, agent: Agent) -> str:
    customer = ticket.customer
    values = {
        ("customer", "name"): customer.name or customer.display_name,
        ("customer", "email"): customer.email or "",
        ("customer", "phone"): customer.phone or "",
        ("ticket", "number"): str(ticket.number),
        ("ticket", "subject"): ticket.subject or "",
        ("ticket", "status"): ticket.status,
        ("agent", "name"): agent.display_name,
        ("queue", "name"): ticket.queue.name if ticket.queue else "",
    }

    def swap(match: re.Match) -> str:
        return values.get((match.group(1), match.group(2)), match.group(0))

    return PLACEHOLDER.sub(swap, text or "")


def available() -> list[Macro]:
    return list(db.session.scalars(select(Macro).where(Macro.active.is_(True)).order_by(Macro.name)))


def changes_for(macro: Macro, ticket: Ticket) -> dict:
    """The ticket changes a macro makes (in ``tickets.update`` terms), only what differs."""
    changes: dict = {}
    if macro.set_status and macro.set_status != ticket.status:
        changes["status"] = macro.set_status
    if macro.set_priority and macro.set_priority != ticket.priority:
        changes["priority"] = macro.set_priority
    if macro.set_queue_id and macro.set_queue_id != ticket.queue_id:
        changes["queue"] = macro.set_queue_id
    tags = sorted(set(ticket.tags or []) | set(macro.add_tags or []))
    if tags != sorted(ticket.tags or []):
        changes["tags"] = tags
    return changes
