"""Who is this? Resolve senders to customers through normalised identities; merge customers."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from flask import current_app
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from desk.errors import Conflict, Invalid, NotFound
from desk.events import publish
from desk.extensions import db
from desk.models import AuditLog, Customer, Identity, Interaction, Ticket
from desk.services.prepared import Prepared, Raw

_EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")


def normalize_email(value: str) -> str:
    # The same senders write again and again: remember (only strings can be remembered).
    return _email(value) if isinstance(value, str) else _email.__wrapped__(value)


@lru_cache(maxsize=8192)
def _email(value: str) -> str:
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
    return _e164(value, region) if isinstance(value, str) else _e164.__wrapped__(value, region)


@lru_cache(maxsize=8192)  # parsing is slow (~0.3 ms) and the same numbers write again and again
def _e164(value: str, region: str) -> str:
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


# -- the intake hot path: plain Core statements on the write transaction's connection ------------

_C, _I = Customer.__table__, Identity.__table__


def _first(kind, label: str | None = None):
    """The customer's first identity of ``kind`` (a constant or a parameter), as ``label``."""
    label = label or kind
    other = _I.alias(f"first_{label}")
    return (select(other.c.value).where(other.c.customer_id == _C.c.id, other.c.kind == kind)
            .order_by(other.c.id).limit(1).scalar_subquery().label(label))


# What a customer reference in an event shows (Customer.email / .phone: the first such identity).
_REF = (_C.c.id, _C.c.name, _C.c.merged_into_id, _first("email"), _first("phone"))
_REF_BY_IDENTITY = Prepared(select(*_REF).select_from(_I.join(_C, _C.c.id == _I.c.customer_id))
                            .where(_I.c.kind == bindparam("kind"), _I.c.value == bindparam("value")))
_REF_BY_ID = Prepared(select(*_REF).where(_C.c.id == bindparam("id")))
# A reply's customer: the reference, and the address the reply goes to (Customer.identity(kind)).
_REF_AND_ADDRESS = Prepared(select(*_REF, _first(bindparam("kind"), "address")).where(_C.c.id == bindparam("id")))
_SET_NAME = Prepared(update(_C).where(_C.c.id == bindparam("cid"))
                     .values(name=bindparam("new_name"), updated_at=bindparam("now")))
_NEW_CUSTOMER = Prepared(insert(_C).returning(_C.c.id),
                         columns=("name", "attributes", "opt_outs", "created_at", "updated_at"))
_NEW_IDENTITY = Prepared(insert(_I), columns=("customer_id", "kind", "value", "verified", "created_at"))


@dataclass(slots=True)
class CustomerRef:
    """The few customer fields the inbound path needs, without loading the ORM object."""

    id: int
    name: str
    email: str | None
    phone: str | None
    created: bool = False  # by this message, just now

    @property
    def display_name(self) -> str:
        return self.name or self.email or self.phone or f"#{self.id}"

    def as_ref(self) -> dict:  # == schemas.customer_ref(customer)
        return {"id": self.id, "name": self.display_name, "email": self.email, "phone": self.phone}


def _follow_merges(conn: Raw, row: tuple | None) -> tuple | None:
    seen = set()
    while row is not None and row[2] and row[0] not in seen:  # (id, name, merged_into_id, email, phone)
        seen.add(row[0])
        row = _REF_BY_ID.first(conn, {"id": row[2]}) or row
    return row


def _ref_of(row: tuple) -> CustomerRef:  # a row starting with the columns of _REF
    return CustomerRef(row[0], row[1], row[3], row[4])


def customer_ref(conn: Raw, customer_id: int) -> CustomerRef | None:
    row = _REF_BY_ID.first(conn, {"id": customer_id})
    return _ref_of(row) if row is not None else None


def customer_ref_and_address(conn: Raw, customer_id: int, kind: str | None) -> tuple[CustomerRef, str | None]:
    """The customer's reference and their first identity of ``kind`` (None: no such identity,
    or no ``kind``)."""
    row = _REF_AND_ADDRESS.first(conn, {"id": customer_id, "kind": kind})
    return _ref_of(row), row[5]


def resolve_ref(conn: Raw, kind: str, value: str, *, name: str | None, now) -> CustomerRef:
    """``resolve`` for the inbound path: the customer behind a normalised identity (following
    merges), created with that identity if unknown; a missing name is filled in."""
    row = _follow_merges(conn, _REF_BY_IDENTITY.first(conn, {"kind": kind, "value": value}))
    if row is not None:
        ref = _ref_of(row)
        if name and not ref.name:
            ref.name = name[:200]
            _SET_NAME.execute(conn, {"cid": ref.id, "new_name": ref.name, "now": now})
        return ref
    customer_id = _NEW_CUSTOMER.scalar(conn, {"name": (name or "")[:200], "attributes": {}, "opt_outs": [],
                                              "created_at": now, "updated_at": now})
    _NEW_IDENTITY.execute(conn, {"customer_id": customer_id, "kind": kind, "value": value, "verified": False,
                                 "created_at": now})
    return CustomerRef(customer_id, (name or "")[:200], value if kind == "email" else None,
                       value if kind == "phone" else None, created=True)


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
