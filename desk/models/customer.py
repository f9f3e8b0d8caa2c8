"""Customers and the identities (email, phone, chat visitor) that point at them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow

IDENTITY_KINDS = ("email", "phone", "chat_visitor")


class Customer(Base):
    __tablename__ = "customer"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    locale: Mapped[str | None] = mapped_column(String(10))
    timezone: Mapped[str | None] = mapped_column(String(64))
    attributes: Mapped[dict] = mapped_column(default=dict)
    # Channels the customer has opted out of, e.g. ["email_marketing", "sms_marketing", "calls"].
    opt_outs: Mapped[list] = mapped_column(default=list)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    identities: Mapped[list[Identity]] = relationship(
        back_populates="customer", order_by="Identity.id", lazy="selectin"
    )

    __table_args__ = (Index("ix_customer_name", "name"),)

    def identity(self, kind: str) -> str | None:
        for ident in self.identities:
            if ident.kind == kind:
                return ident.value
        return None

    @property
    def email(self) -> str | None:
        return self.identity("email")

    @property
    def phone(self) -> str | None:
        return self.identity("phone")

    @property
    def display_name(self) -> str:
        return self.name or self.email or self.phone or f"#{self.id}"


class Identity(Base):
    """One way to reach a customer. ``value`` is normalised: lower-cased email, E.164 phone."""

    __tablename__ = "identity"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(320))
    verified: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    customer: Mapped[Customer] = relationship(back_populates="identities")

    __table_args__ = (UniqueConstraint("kind", "value"), Index("ix_identity_value", "value"))
