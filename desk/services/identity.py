"""Who is this? Resolve senders to customers through normalised identities; merge customers."""
from __future__ import annotations

import re

import phonenumbers
from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from desk.errors import Conflict, Invalid, NotFound
from desk.events import publish
from desk.extensions import db
from desk.models import AuditLog, Customer, Identity, Interaction, Ticket

_EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")


def normalize_email(value: str) -> str:
    value = (value or "").strip().strip("<>").strip()
    if not _EMAIL.match(value) or len(value) > 320:
        raise Invalid(f"not an email address: {value[:80]!r}", field="email")
    local, domain = value.rsplit("@", 1)
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise Invalid(f"not an email address: {value[:80]!r}", field="email") from None
    return f"{local}@{domain}".lower()


def normalize_phone(value: str, region: str | None = None) -> str:
    """Any way people write a phone number -> E.164 (010-1234-5678 -> +821012345678)."""
    region = region or current_app.config["DEFAULT_REGION"]
    try:
        number = phonenumbers.parse(value or "", region)
    except phonenumbers.NumberParseException:
        raise Invalid(f"not a phone number: {str(value)[:40]!r}", field="phone") from None
    if not phonenumbers.is_valid_number(number):
        raise Invalid(f"not a valid phone number: {str(value)[:40]!r}", field="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize(kind: str, value: str) -> str:
    if kind == "email":
        return normalize_email(value)
    if kind == "phone":
        return normalize_phone(value)
    if kind == "chat_visitor":
        value = (value or "").strip()
        if not value or len(value) > 200:
            raise Invalid("bad chat visitor id", field="visitor")
        return value
    raise Invalid(f"unknown identity kind {kind!r}")


def find(session: Session, kind: str, value: str) -> Customer | None:
    table = Identity.__table__
    customer_id = session.connection().execute(
        select(table.c.customer_id).where(table.c.kind == kind, table.c.value == value)).scalar()
    if customer_id is None:
        return None
    customer = session.get(Customer, customer_id)
    seen = set()
    while customer is not None and customer.merged_into_id and customer.id not in seen:
        seen.add(customer.id)
        customer = session.get(Customer, customer.merged_into_id)
    return customer


def resolve(session: Session, kind: str, value: str, *, name: str | None = None) -> tuple[Customer, bool]:
    """The customer behind a normalised identity, created if unknown. Returns (customer, created)."""
    customer = find(session, kind, value)
    if customer is not None:
        if name and not customer.name:
            customer.name = name[:200]
        return customer, False
    customer = Customer(name=(name or "")[:200], identities=[Identity(kind=kind, value=value)])
    session.add(customer)
    session.flush()
    return customer, True


def add_identity(session: Session, customer: Customer, kind: str, value: str) -> Identity:
    value = normalize(kind, value)
    owner = find(session, kind, value)
    if owner is not None and owner.id != customer.id:
        raise Conflict(f"{kind} {value} belongs to customer {owner.id}; merge them instead", field=kind)
    if owner is None:
        ident = Identity(customer_id=customer.id, kind=kind, value=value)
        session.add(ident)
        session.flush()
        session.refresh(customer, ["identities"])
        return ident
    return next(i for i in customer.identities if i.kind == kind and i.value == value)


def merge(target_id: int, other_id: int, *, actor_id: int | None = None) -> Customer:
    """Fold customer ``other`` into ``target``: identities, tickets and interactions move.

    Running it again for the same pair changes nothing and returns the target.
    """
    if target_id == other_id:
        raise Invalid("a customer cannot be merged into itself", field="other_id")
    with db.write() as session:
        # Lock both rows, in id order, and read them as committed: two merges of the same pair
        # (either way round) must run one after the other, or they could merge into each other.
        rows = {c.id: c for c in session.scalars(
            select(Customer).where(Customer.id.in_([target_id, other_id])).order_by(Customer.id)
            .with_for_update(of=Customer).execution_options(populate_existing=True))}
        target, other = rows.get(target_id), rows.get(other_id)
        if target is None:
            raise NotFound(f"customer {target_id} not found")
        if other is None:
            raise NotFound(f"customer {other_id} not found", field="other_id")
        if other.merged_into_id == target.id:
            return target  # already done
        if target.merged_into_id:
            raise Conflict(f"customer {target.id} was itself merged into {target.merged_into_id}")
        if other.merged_into_id:
            raise Conflict(f"customer {other.id} was already merged into {other.merged_into_id}")
        moved = {
            "identities": session.execute(
                update(Identity).where(Identity.customer_id == other.id).values(customer_id=target.id)
            ).rowcount,
            "tickets": session.execute(
                update(Ticket).where(Ticket.customer_id == other.id).values(customer_id=target.id)
            ).rowcount,
            "interactions": session.execute(
                update(Interaction).where(Interaction.customer_id == other.id).values(customer_id=target.id)
            ).rowcount,
        }
        other.merged_into_id = target.id
        if not target.name and other.name:
            target.name = other.name
        for key, value in (other.attributes or {}).items():
            target.attributes = {**(target.attributes or {}), key: target.attributes.get(key, value)}
        target.opt_outs = sorted(set(target.opt_outs or []) | set(other.opt_outs or []))
        session.add(AuditLog(actor_agent_id=actor_id, action="customer.merged", target_type="customer",
                             target_id=target.id, data={"merged": other.id, **moved}))
        session.flush()
        session.expire(target, ["identities"])
        publish(session, "customer.merged", {"customer_id": target.id, "merged_id": other.id})
    return target
