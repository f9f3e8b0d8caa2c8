"""Identities are normalised; merging customers moves everything, is audited and safe to repeat."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from desk.errors import Conflict, Invalid, NotFound
from desk.extensions import db
from desk.models import AuditLog, Customer, Identity, Interaction, Ticket
from desk.services import identity


@pytest.mark.parametrize("raw, e164", [
    ("010-1234-5678", "+821012345678"),
    ("010 1234 5678", "+821012345678"),
    ("+82 10-1234-5678", "+821012345678"),
    ("02-312-3456", "+8223123456"),
    ("+1 (415) 555-2671", "+14155552671"),
])
def test_phone_numbers_normalise_to_e164(app, raw, e164):
    assert identity.normalize_phone(raw) == e164


@pytest.mark.parametrize("raw", ["", "12", "010-1234", "hello", "+82 10 1234 5678 9999 00"])
def test_bad_phone_numbers_are_refused(app, raw):
    with pytest.raises(Invalid):
        identity.normalize_phone(raw)


def test_emails_are_lower_cased_and_idna_encoded(app):
    assert identity.normalize_email(" <Kim@Example.KR> ") == "kim@example.kr"
    assert identity.normalize_email("user@한국.kr") == "user@xn--3e0b707e.kr"
    with pytest.raises(Invalid):
        identity.normalize_email("a@b")


def test_merge_moves_identities_tickets_and_interactions(staff, make):
    t1, _ = make.inbound("email", "same.person@example.com", "by mail", sender_name="이영희")
    t2, _ = make.inbound("sms", "010-9876-5432", "by sms")
    target, other = t1.customer_id, t2.customer_id
    merged = identity.merge(target, other, actor_id=staff["agent"].id)
    assert merged.id == target
    db.session.expire_all()
    assert {i.value for i in db.session.get(Customer, target).identities} == {"same.person@example.com",
                                                                               "+821098765432"}
    assert db.session.get(Customer, other).merged_into_id == target
    assert db.session.get(Ticket, t2.id).customer_id == target
    assert db.session.scalar(select(func.count()).select_from(Interaction)
                             .where(Interaction.customer_id == other)) == 0
    audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "customer.merged"))
    assert audit.data["merged"] == other and audit.data["tickets"] == 1 and audit.actor_agent_id == staff["agent"].id

    # The next SMS from that phone lands on the merged customer.
    t3, _ = make.inbound("sms", "01098765432", "again")
    assert t3.customer_id == target


def test_merge_is_safe_to_repeat_and_refuses_nonsense(staff, make):
    a, b, c = (make.inbound("email", f"{x}@example.com", x)[0].customer_id for x in "abc")
    identity.merge(a, b)
    identity.merge(a, b)  # twice: no error, nothing changes
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "customer.merged")) == 1
    with pytest.raises(Invalid):
        identity.merge(a, a)
    with pytest.raises(Conflict):
        identity.merge(c, b)  # b already lives in a
    with pytest.raises(Conflict):
        identity.merge(b, c)  # b is no longer a customer of its own
    with pytest.raises(NotFound):
        identity.merge(a, 999_999)


def test_identity_cannot_be_taken_from_another_customer(staff, make):
    a, _ = make.inbound("email", "first@example.com", "a")
    b, _ = make.inbound("email", "second@example.com", "b")
    with db.write() as session:
        identity.add_identity(session, a.customer, "phone", "010-1111-2222")
    with pytest.raises(Conflict):
        with db.write() as session:
            identity.add_identity(session, b.customer, "phone", "+821011112222")
    assert db.session.scalar(select(func.count()).select_from(Identity).where(Identity.kind == "phone")) == 1
