"""Signed values the chat hands out: the visitor id kept in the browser, the email-confirmation
link, and the check of a site's HMAC that vouches for a visitor's email."""
from __future__ import annotations

import hashlib
import hmac
import secrets

from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

VISITOR_SALT = "desk-chat-visitor"
CONFIRM_SALT = "desk-chat-confirm-email"
CONFIRM_MAX_AGE = 3 * 24 * 3600


def new_visitor_id() -> str:
    return "v_" + secrets.token_urlsafe(18)


def sign_visitor(secret: str, visitor_id: str) -> str:
    return URLSafeSerializer(secret, salt=VISITOR_SALT).dumps(visitor_id)


def visitor_from(secret: str, token) -> str | None:
    """The visitor id inside a signed token, or None when it is not one we signed."""
    if not isinstance(token, str) or not 0 < len(token) <= 300:
        return None
    try:
        value = URLSafeSerializer(secret, salt=VISITOR_SALT).loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, str) and value.startswith("v_") and len(value) <= 64 else None


def identity_hmac(site_secret: str, email: str) -> str:
    """What a site computes server-side to vouch for its signed-in user: hex HMAC-SHA256 of the
    lower-cased, trimmed email address."""
    return hmac.new(site_secret.encode(), email.strip().lower().encode(), hashlib.sha256).hexdigest()


def email_vouched(site_secret: str | None, email: str, given) -> bool:
    if not site_secret or not isinstance(given, str) or not email:
        return False
    return hmac.compare_digest(identity_hmac(site_secret, email), given.strip().lower())


def confirm_token(secret: str, session_id: int, visitor_id: str, email: str) -> str:
    return URLSafeTimedSerializer(secret, salt=CONFIRM_SALT).dumps([session_id, visitor_id, email])


def confirm_from(secret: str, token: str) -> tuple[int, str, str] | None:
    try:
        value = URLSafeTimedSerializer(secret, salt=CONFIRM_SALT).loads(token, max_age=CONFIRM_MAX_AGE)
    except (BadSignature, SignatureExpired):
        return None
    if not (isinstance(value, list) and len(value) == 3 and isinstance(value[0], int)):
        return None
    return value[0], str(value[1]), str(value[2])
