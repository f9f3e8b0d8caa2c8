"""Staff accounts: argon2 passwords, tokens stored hashed, logins audited."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from desk.errors import Conflict, Invalid
from desk.extensions import db
from desk.models import Agent, ApiToken, AuditLog, utcnow
from desk.services import auth


def test_passwords_are_argon2_and_logins_audited(app):
    agent = auth.create_agent("Lee@Desk.Test", role="supervisor", password="long enough pass")
    stored = db.session.get(Agent, agent.id)
    assert stored.email == "lee@desk.test" and stored.password_hash.startswith("$argon2id$")
    assert auth.authenticate("LEE@desk.test", "long enough pass", ip="127.0.0.1").id == agent.id
    assert auth.authenticate("lee@desk.test", "wrong password") is None
    assert auth.authenticate("nobody@desk.test", "whatever") is None
    actions = [row.action for row in db.session.scalars(select(AuditLog).order_by(AuditLog.id))]
    assert actions == ["agent.created", "login.succeeded", "login.failed", "login.failed"]


def test_weak_password_duplicate_email_and_bad_role_are_refused(app):
    with pytest.raises(Invalid):
        auth.create_agent("a@desk.test", password="short")
    auth.create_agent("a@desk.test", password="long enough pass")
    with pytest.raises(Conflict):
        auth.create_agent("A@desk.test", password="long enough pass")
    with pytest.raises(Invalid):
        auth.create_agent("b@desk.test", role="root")


def test_tokens_are_stored_hashed_and_can_be_revoked(app):
    agent = auth.create_agent("t@desk.test")
    token = auth.create_token(agent.id)
    assert token.startswith("desk_") and len(token) > 40
    row = db.session.scalar(select(ApiToken))
    assert token not in row.token_hash
    assert auth.agent_for_token(token).id == agent.id
    with db.write() as session:
        session.get(ApiToken, row.id).revoked_at = utcnow()
    assert auth.agent_for_token(token) is None
    assert auth.agent_for_token("x" * 10_000) is None


def test_deactivated_agent_cannot_log_in_or_use_tokens(app):
    agent = auth.create_agent("gone@desk.test", password="long enough pass")
    token = auth.create_token(agent.id)
    with db.write() as session:
        session.get(Agent, agent.id).active = False
    assert auth.authenticate("gone@desk.test", "long enough pass") is None
    assert auth.agent_for_token(token) is None


def test_role_changes_are_audited(app):
    admin = auth.create_agent("admin@desk.test", role="admin")
    agent = auth.create_agent("x@desk.test")
    auth.set_role(agent.id, "supervisor", actor_id=admin.id)
    audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "agent.role_changed"))
    assert audit.data == {"from": "agent", "to": "supervisor"} and audit.actor_agent_id == admin.id
