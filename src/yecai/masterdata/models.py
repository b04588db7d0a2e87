"""Master data tables. Codes are unique per company; money in minor units; rates as exact text."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from yecai.store.base import Base, DecimalText, Minor, UTCDateTime, utcnow


class _Party:
    """What customers and suppliers share (往来单位)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    tax_id: Mapped[str] = mapped_column(String(18), default="")
    bank_name: Mapped[str] = mapped_column(String(100), default="")
    bank_account: Mapped[str] = mapped_column(String(40), default="")
    group: Mapped[str] = mapped_column("party_group", String(40), default="")
    credit_days: Mapped[int] = mapped_column(Integer, default=0)
    credit_limit_minor: Mapped[int] = mapped_column(Minor, default=0)  # 0: no limit
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @declared_attr.directive
    def __table_args__(cls) -> tuple[UniqueConstraint]:
        return (UniqueConstraint("company_id", "code"),)


class Customer(_Party, Base):
    __tablename__ = "md_customer"


class Supplier(_Party, Base):
    __tablename__ = "md_supplier"


class Item(Base):
    __tablename__ = "md_item"
    __table_args__ = (UniqueConstraint("company_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    spec: Mapped[str] = mapped_column(String(100), default="")  # 规格型号
    unit: Mapped[str] = mapped_column(String(20), default="")
    category: Mapped[str] = mapped_column(String(40), default="")
    tax_rate: Mapped[Decimal] = mapped_column(DecimalText, default=Decimal("0.13"))
    kind: Mapped[str] = mapped_column(String(10), default="stock")  # stock | service
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class Warehouse(Base):
    __tablename__ = "md_warehouse"
    __table_args__ = (UniqueConstraint("company_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class TaxCode(Base):
    """VAT codes (OUT13 销项 13% …); seeded per company from masterdata.domain.default_tax_codes."""

    __tablename__ = "md_tax_code"
    __table_args__ = (UniqueConstraint("company_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))
    rate: Mapped[Decimal] = mapped_column(DecimalText)
    direction: Mapped[str] = mapped_column(String(6))  # output | input
    account_code: Mapped[str] = mapped_column(String(20))
