"""Staff accounts: argon2 passwords, API tokens (stored as SHA-256), login auditing."""
from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from desk.errors import Conflict, Invalid
from desk.extensions import db
from desk.models import ROLES, Agent, ApiToken, AuditLog, Queue, utcnow
from desk.services.identity import normalize_email

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a real password")
TOKEN_PREFIX = "desk_"
MIN_PASSWORD = 10


def hash_password(password: str) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise Invalid(f"a password needs at least {MIN_PASSWORD} characters", field="password")
    return _hasher.hash(password)


def create_agent(email: str, *, role: str = "agent", name: str = "", password: str | None = None,
                 queues: list[str] | None = None, actor_id: int | None = None) -> Agent:
    if role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}", field="role")
    email = normalize_email(email)
    password_hash = hash_password(password) if password else None
    with db.write() as session:
        if session.scalar(select(Agent).where(Agent.email == email)):
            raise Conflict(f"an agent with {email} exists already", field="email")
        agent = Agent(email=email, role=role, name=name or email.split("@")[0], password_hash=password_hash)
        if queues:
            agent.queues = list(session.scalars(select(Queue).where(Queue.slug.in_(queues))))
        session.add(agent)
        session.flush()
        session.add(AuditLog(actor_agent_id=actor_id, action="agent.created", target_type="agent",
                             target_id=agent.id, data={"email": email, "role": role}))
    return agent


def set_role(agent_id: int, role: str, *, actor_id: int | None) -> Agent:
    if role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}", field="role")
    with db.write() as session:
        agent = session.get(Agent, agent_id)
        old = agent.role
        agent.role = role
        session.add(AuditLog(actor_agent_id=actor_id, action="agent.role_changed", target_type="agent",
                             target_id=agent.id, data={"from": old, "to": role}))
    return agent


def set_password(agent_id: int, password: str, *, actor_id: int | None = None) -> None:
    password_hash = hash_password(password)
    with db.write() as session:
        agent = session.get(Agent, agent_id)
        agent.password_hash = password_hash
        session.add(AuditLog(actor_agent_id=actor_id, action="agent.password_set", target_type="agent",
                             target_id=agent_id))


def authenticate(email: str, password: str, *, ip: str | None = None) -> Agent | None:
    """The agent for these credentials, or None. Takes the same time whether the email exists."""
    try:
        email = normalize_email(email)
    except Invalid:
        email = ""
    agent = db.session.scalar(select(Agent).where(Agent.email == email)) if email else None
    ok = False
    try:
        ok = _hasher.verify(agent.password_hash if agent and agent.password_hash else _DUMMY_HASH,
                            password or "")
        ok = ok and agent is not None and agent.password_hash is not None and agent.active
    except (VerificationError, InvalidHashError):
        ok = False
    with db.write() as session:
        session.add(AuditLog(actor_agent_id=agent.id if agent else None,
                             action="login.succeeded" if ok else "login.failed",
                             target_type="agent", target_id=agent.id if agent else None,
                             data={"email": email[:320]}, ip=ip))
        if ok:
            agent = session.get(Agent, agent.id)
            agent.last_login_at = utcnow()
            if _hasher.check_needs_rehash(agent.password_hash):
                agent.password_hash = _hasher.hash(password)
    return agent if ok else None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(agent_id: int, name: str = "api") -> str:
    """A new API token for the agent; the plain token is returned once and never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with db.write() as session:
        session.add(ApiToken(agent_id=agent_id, name=name[:100], token_hash=_digest(token)))
        session.add(AuditLog(actor_agent_id=agent_id, action="token.created", target_type="agent",
                             target_id=agent_id, data={"name": name[:100]}))
    return token


def agent_for_token(token: str | None) -> Agent | None:
    if not token or not isinstance(token, str) or len(token) > 200:
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is None or row.revoked_at is not None or not row.agent.active:
        return None
    return row.agent
