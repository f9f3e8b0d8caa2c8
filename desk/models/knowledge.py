"""Knowledge base and self-service: articles, categories, revisions, votes, deflections; the
customer portal's sign-in links and mail; satisfaction surveys."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .agent import Agent
from .base import Base, utcnow

ARTICLE_STATUSES = ("draft", "published", "archived")
KB_LOCALES = ("ko", "en")


class KbCategory(Base):
    __tablename__ = "kb_category"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name_ko: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    description_ko: Mapped[str] = mapped_column(String(300), default="")
    description_en: Mapped[str] = mapped_column(String(300), default="")
    icon: Mapped[str] = mapped_column(String(32), default="layers")
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_ko

    def description(self, locale: str) -> str:
        return self.description_en if locale == "en" else self.description_ko


class KbArticle(Base):
    __tablename__ = "kb_article"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("kb_category.id", ondelete="SET NULL"))
    locale: Mapped[str] = mapped_column(String(5), default="ko")
    # Translations share a group id (the id of the first article of the group).
    translation_group: Mapped[int | None] = mapped_column()
    title: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(120), default="")
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown
    body_html: Mapped[str] = mapped_column(Text, default="")  # rendered and sanitised
    tags: Mapped[list] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id", ondelete="SET NULL"))
    source_ticket_id: Mapped[int | None] = mapped_column()
    helpful_yes: Mapped[int] = mapped_column(default=0)
    helpful_no: Mapped[int] = mapped_column(default=0)
    views: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column()

    category: Mapped[KbCategory | None] = relationship(lazy="joined")
    author: Mapped[Agent | None] = relationship(lazy="joined")

    __table_args__ = (
        Index("ix_kb_article_status_locale", "status", "locale", "category_id"),
        Index("ix_kb_article_group", "translation_group"),
    )


class KbRevision(Base):
    """The article as it was saved each time (newest last)."""

    __tablename__ = "kb_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_article.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[Agent | None] = relationship(lazy="joined")


class KbFeedback(Base):
    """A "was this helpful?" answer, with an optional comment."""

    __tablename__ = "kb_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_article.id", ondelete="CASCADE"), index=True)
    helpful: Mapped[bool] = mapped_column()
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class KbDeflection(Base):
    """An article a visitor opened from the contact form's suggestions. ``contacted_at`` is set
    when the same visitor sends the form after all; rows without it are deflected requests."""

    __tablename__ = "kb_deflection"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit: Mapped[str] = mapped_column(String(64), index=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_article.id", ondelete="CASCADE"))
    query: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    contacted_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (UniqueConstraint("visit", "article_id"),)


class PortalLogin(Base):
    """A magic sign-in link: only the SHA-256 of its nonce is kept; used once, then dead."""

    __tablename__ = "portal_login"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    nonce_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PortalMail(Base):
    """A mail to a customer that belongs to no ticket (a sign-in link), delivered by the worker
    with retries like the outbox. The body is dropped once it is sent."""

    __tablename__ = "portal_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    to: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending, sending, sent, recorded, dead
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_portal_mail_due", "status", "next_attempt_at"),)


class Csat(Base):
    """A satisfaction survey for a solved ticket: asked once (by mail and in the portal),
    answered 1-5 with a comment."""

    __tablename__ = "csat"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    interaction_id: Mapped[int | None] = mapped_column()  # the survey mail
    score: Mapped[int | None] = mapped_column()
    comment: Mapped[str] = mapped_column(Text, default="")
    asked_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column()
