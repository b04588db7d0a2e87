"""Receivables tables. For now: what people taught the cash application (payer → customer)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yecai.store.base import Base, UTCDateTime, utcnow


class PayerMemory(Base):
    """A payer account or payer name that a person confirmed belongs to a customer.

    ``key`` is normalized (account: letters and digits; name: cleaned, see
    ``receivables.domain.names.name_key``). A correction deactivates the key's other customers
    instead of deleting them, so what was believed before stays visible.
    """

    __tablename__ = "ar_payer_memory"
    __table_args__ = (
        UniqueConstraint("company_id", "kind", "key", "customer_id"),
        Index("ix_ar_payer_memory_lookup", "company_id", "active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    kind: Mapped[str] = mapped_column(String(10))  # account | name
    key: Mapped[str] = mapped_column(String(200))
    customer_id: Mapped[int] = mapped_column(ForeignKey("md_customer.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    confirmations: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
