"""Settings for desk, read from DESK_* environment variables.

This is the only module that reads ``os.environ``. Everything else receives
settings through ``app.config`` (or a Config object handed to it).
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path


class _Env:
    """Typed reads from an environment mapping (``os.environ`` unless given)."""

    def __init__(self, environ: Mapping[str, str] | None) -> None:
        self.environ = os.environ if environ is None else environ

    def str(self, name: str, default: str | None = None) -> str | None:
        value = self.environ.get(name)
        return value if value not in (None, "") else default

    def int(self, name: str, default: int) -> int:
        raw = self.str(name, str(default))
        try:
            return int(raw)
        except ValueError:
            raise SystemExit(f"{name} must be an integer, not {raw!r}") from None


def _database_url(url: str) -> str:
    """Plain postgres URLs use psycopg 3, the driver we install."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _load_or_create_secret(instance_dir: Path) -> str:
    """A random secret kept in the instance folder, created on first use."""
    path = instance_dir / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    try:
        os.link(tmp, path)  # atomic: the first process to create it wins
    except FileExistsError:
        pass
    finally:
        os.unlink(tmp)
    return path.read_text().strip()


class Config:
    """Production-like defaults: the embedded single-machine setup."""

    TESTING = False
    DEBUG = False

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        env = _Env(environ)
        self.INSTANCE_DIR = Path(env.str("DESK_INSTANCE_DIR", "./instance")).resolve()
        self.INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        self.DATABASE_URL = _database_url(env.str("DESK_DATABASE_URL", f"sqlite:///{self.INSTANCE_DIR / 'desk.db'}"))
        self.REDIS_URL = env.str("DESK_REDIS_URL")
        self.SECRET_KEY = env.str("DESK_SECRET_KEY") or _load_or_create_secret(self.INSTANCE_DIR)
        self.HTTP_HOST = env.str("DESK_HTTP_HOST", "127.0.0.1")
        self.HTTP_PORT = env.int("DESK_HTTP_PORT", 5000)
        self.SMTP_HOST = env.str("DESK_SMTP_HOST", "127.0.0.1")
        self.SMTP_PORT = env.int("DESK_SMTP_PORT", 2525)
        self.MAIL_DOMAIN = env.str("DESK_MAIL_DOMAIN", "desk.localhost")
        self.SMTP_RELAY = env.str("DESK_SMTP_RELAY")
        self.TWILIO_ACCOUNT_SID = env.str("DESK_TWILIO_ACCOUNT_SID")
        self.TWILIO_AUTH_TOKEN = env.str("DESK_TWILIO_AUTH_TOKEN")
        self.TWILIO_NUMBER = env.str("DESK_TWILIO_NUMBER")
        self.TWILIO_API_BASE = env.str("DESK_TWILIO_API_BASE")
        self.PUBLIC_URL = env.str("DESK_PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/")
        self.DEFAULT_REGION = env.str("DESK_DEFAULT_REGION", "KR")
        self.TIMEZONE = env.str("DESK_TIMEZONE", "Asia/Seoul")
        self.LOCALE = env.str("DESK_LOCALE", "ko")

        # Derived / framework settings.
        self.ATTACHMENT_DIR = self.INSTANCE_DIR / "attachments"
        self.MAIL_STORE_DIR = self.INSTANCE_DIR / "mail"
        self.INDEX_DIR = self.INSTANCE_DIR / "index"
        self.MAX_CONTENT_LENGTH = env.int("DESK_MAX_REQUEST_BYTES", 25 * 1024 * 1024)
        self.API_MAX_JSON_BYTES = 1024 * 1024
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = self.PUBLIC_URL.startswith("https://")
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.WTF_CSRF_TIME_LIMIT = None  # tied to the session instead
        self.BABEL_DEFAULT_LOCALE = self.LOCALE
        self.BABEL_DEFAULT_TIMEZONE = self.TIMEZONE
        self.BABEL_TRANSLATION_DIRECTORIES = str(Path(__file__).resolve().parent / "translations")
        self.LANGUAGES = ("ko", "en")
        self.RATELIMIT_STORAGE_URI = self.REDIS_URL or "memory://"
        self.RATELIMIT_HEADERS_ENABLED = True
        self.LOGIN_RATE_LIMIT = env.str("DESK_LOGIN_RATE_LIMIT", "10 per minute")
        # Public self-service endpoints, per client address.
        self.KB_SEARCH_RATE_LIMIT = env.str("DESK_KB_SEARCH_RATE_LIMIT", "60 per minute")
        self.PORTAL_CONTACT_RATE_LIMIT = env.str("DESK_PORTAL_CONTACT_RATE_LIMIT", "5 per minute")
        self.PORTAL_LOGIN_RATE_LIMIT = env.str("DESK_PORTAL_LOGIN_RATE_LIMIT", "5 per minute")
        self.OUTBOX_MAX_ATTEMPTS = 8
        self.OUTBOX_BACKOFF_SECONDS = 30
        self.OUTBOX_POLL_SECONDS = 1.0
        # Worker processes run at this niceness (0: as the others), below web and SMTP.
        self.WORKER_NICE = env.int("DESK_WORKER_NICE", 5)
        # Mail: the SMTP server runs with `serve` when the email channel is loaded.
        self.SMTP_ENABLED = True
        self.SMTP_MAX_MESSAGE_BYTES = env.int("DESK_SMTP_MAX_MESSAGE_BYTES", 25 * 1024 * 1024)
        # authserv-id of the relay whose Authentication-Results we trust (e.g. "mx.example.com").
        self.MAIL_TRUSTED_AUTHSERV_ID = env.str("DESK_MAIL_TRUSTED_AUTHSERV_ID")
        self.MAIL_SENDER_HOURLY_LIMIT = env.int("DESK_MAIL_SENDER_HOURLY_LIMIT", 20)
        self.MAIL_PARSE_TIMEOUT = float(env.int("DESK_MAIL_PARSE_TIMEOUT", 20))
        # Channel packages loaded at start-up; each registers its adapter, routes and handlers.
        self.CHANNEL_MODULES: tuple[str, ...] = ("channels.email", "channels.chat", "channels.twilio")
        # Extra origins allowed to open Socket.IO connections (same origin is always allowed).
        self.ALLOWED_ORIGINS: list[str] = []
        self.INTERNAL_RELAY_URL = f"http://127.0.0.1:{self.HTTP_PORT}/internal/fanout"
        # Phone (channels/twilio): opening hours for the IVR greeting, callback retries, public limits.
        self.BUSINESS_HOURS = env.str("DESK_BUSINESS_HOURS", "09:00-18:00")  # Mon-Fri; or "mon-sat 10:00-19:00"
        self.CALLBACK_RATE_LIMIT = env.str("DESK_CALLBACK_RATE_LIMIT", "5 per minute;30 per day")
        self.CALLBACK_MAX_ATTEMPTS = env.int("DESK_CALLBACK_MAX_ATTEMPTS", 3)
        self.CALLBACK_RETRY_MINUTES = env.int("DESK_CALLBACK_RETRY_MINUTES", 30)
        # Live chat (channels/chat): who may embed the widget, business hours, identity, limits.
        public_origin = "/".join(self.PUBLIC_URL.split("/")[:3])
        self.CHAT_ALLOWED_ORIGINS = [o.strip().rstrip("/") for o in
                                     (env.str("DESK_CHAT_ALLOWED_ORIGINS") or public_origin).split(",") if o.strip()]
        self.CHAT_HOURS = env.str("DESK_CHAT_HOURS", "mon-fri 09:00-18:00")  # or "always"
        self.CHAT_IDENTITY_SECRET = env.str("DESK_CHAT_IDENTITY_SECRET")  # HMAC-SHA256(email) from your site
        self.CHAT_MAX_MESSAGE_CHARS = env.int("DESK_CHAT_MAX_MESSAGE_CHARS", 4000)
        self.CHAT_MESSAGES_PER_MINUTE = env.int("DESK_CHAT_MESSAGES_PER_MINUTE", 30)
        self.CHAT_STARTS_PER_MINUTE = env.int("DESK_CHAT_STARTS_PER_MINUTE", 20)  # new chats per IP address

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in dir(self) if k.isupper()}


class DevConfig(Config):
    DEBUG = True


class TestConfig(Config):
    """Used by the test suite; the instance folder and database come from the caller."""

    TESTING = True

    def __init__(self, environ: Mapping[str, str] | None = None, **overrides) -> None:
        super().__init__(environ)
        self.WTF_CSRF_ENABLED = True
        self.RATELIMIT_ENABLED = True
        self.OUTBOX_BACKOFF_SECONDS = 0
        for key, value in overrides.items():
            setattr(self, key, value)
