"""Ledger tables: companies (账套), periods, accounts, dimension values, vouchers and balances.

Money columns are integer minor units (``*_minor``); rates are exact decimal text.
Posted vouchers and their lines are protected by triggers (see store/immutability.py).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from yecai.store.base import Base, DecimalText, Minor, UTCDateTime, utcnow


class Company(Base):
    __tablename__ = "company"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    base_currency: Mapped[str] = mapped_column(String(3), default="CNY")
    template: Mapped[str] = mapped_column(String(40), default="cas-general")
    start_period: Mapped[int] = mapped_column(Integer)  # YYYYMM of the first period kept in yecai
    # Hash chain head over this company's posted vouchers; locked (FOR UPDATE) while posting.
    chain_seq: Mapped[int] = mapped_column(Integer, default=0)
    chain_head: Mapped[str] = mapped_column(String(64), default="0" * 64)
    settings_json: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The company's own 统一社会信用代码: invoices addressed to another buyer are caught.
    tax_id: Mapped[str] = mapped_column(String(20), default="", server_default="")


class Period(Base):
    __tablename__ = "period"
    __table_args__ = (UniqueConstraint("company_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    period: Mapped[int] = mapped_column(Integer)  # YYYYMM
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | closed
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)


class Account(Base):
    __tablename__ = "account"
    __table_args__ = (UniqueConstraint("company_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), nullable=True)
    level: Mapped[int] = mapped_column(Integer)
    direction: Mapped[str] = mapped_column(String(6))  # debit | credit
    category: Mapped[str] = mapped_column(String(12))  # asset liability common equity cost profit_loss
    is_leaf: Mapped[bool] = mapped_column(Boolean, default=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    dimensions: Mapped[str] = mapped_column(String(100), default="")  # ';'-joined required dimensions
    allow_fx: Mapped[bool] = mapped_column(Boolean, default=False)
    pinyin: Mapped[str] = mapped_column(String(100), default="")  # initials, e.g. yszk for 应收账款

    @property
    def dimension_list(self) -> tuple[str, ...]:
        return tuple(d for d in self.dimensions.split(";") if d)


class DimensionValue(Base):
    """Values of auxiliary dimensions (辅助核算): customers, suppliers, departments, projects, employees."""

    __tablename__ = "dimension_value"
    __table_args__ = (UniqueConstraint("company_id", "dim_type", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    dim_type: Mapped[str] = mapped_column(String(12))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class Voucher(Base):
    __tablename__ = "voucher"
    __table_args__ = (
        UniqueConstraint("company_id", "period", "word", "number"),
        UniqueConstraint("company_id", "chain_seq"),
        # Only the vouchers not posted (drafts, reviewed, void): the few that lists and the
        # period close look up by status. Posted vouchers, nearly all of them, are reached by
        # company, period and number instead, so an import does not pay for this index. A query
        # for an unposted status adds ``NOT_POSTED`` (``status <> 'posted'``), which is how
        # SQLite knows this index holds what it asks for.
        Index(
            "ix_voucher_company_unposted",
            "company_id",
            "status",
            "period",
            sqlite_where=text("status <> 'posted'"),
            postgresql_where=text("status <> 'posted'"),
        ),
        # No (company_id, date) index: no query looks vouchers up by date (reports reach them
        # through their lines, by account and period), and each index is paid on every insert.
        Index("ix_voucher_source", "company_id", "source_type", "source_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    period: Mapped[int] = mapped_column(Integer)
    word: Mapped[str] = mapped_column(String(2))  # 记 收 付 转
    number: Mapped[int] = mapped_column(Integer)
    date: Mapped[date] = mapped_column(Date)
    attachments: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(10), default="draft")  # draft reviewed posted void
    summary: Mapped[str] = mapped_column(String(200), default="")
    # Where the voucher came from: manual, import, closing, reversal, fx_revaluation, or a document type.
    source_type: Mapped[str] = mapped_column(String(40), default="manual")
    source_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    source_ref: Mapped[str] = mapped_column(String(100), default="")
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("voucher.id"), nullable=True)
    total_minor: Mapped[int] = mapped_column(Minor, default=0)
    maker_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)
    poster_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    chain_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    hash: Mapped[str | None] = mapped_column(String(64), nullable=True)

    lines: Mapped[list[VoucherLine]] = relationship(
        back_populates="voucher", order_by="VoucherLine.line_no", cascade="all, delete-orphan"
    )

    @property
    def display_no(self) -> str:
        return f"{self.word}-{self.number:04d}"


# The term a query for unposted vouchers adds so that the partial index above can serve it.
NOT_POSTED = Voucher.status != "posted"


class VoucherLine(Base):
    __tablename__ = "voucher_line"
    __table_args__ = (
        UniqueConstraint("voucher_id", "line_no"),
        Index("ix_voucher_line_account_period", "company_id", "account_id", "period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    voucher_id: Mapped[int] = mapped_column(ForeignKey("voucher.id"))
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    period: Mapped[int] = mapped_column(Integer)  # copied from the voucher for indexed reports
    line_no: Mapped[int] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(String(200))
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    debit_minor: Mapped[int] = mapped_column(Minor, default=0)
    credit_minor: Mapped[int] = mapped_column(Minor, default=0)
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)  # set only for foreign currency
    original_minor: Mapped[int | None] = mapped_column(Minor, nullable=True)
    rate: Mapped[Decimal | None] = mapped_column(DecimalText, nullable=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("dimension_value.id"), nullable=True)
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("dimension_value.id"), nullable=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("dimension_value.id"), nullable=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("dimension_value.id"), nullable=True)
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("dimension_value.id"), nullable=True)

    voucher: Mapped[Voucher] = relationship(back_populates="lines")


class VoucherCounter(Base):
    """Gapless voucher numbers per company, period and voucher word."""

    __tablename__ = "voucher_counter"
    __table_args__ = (PrimaryKeyConstraint("company_id", "period", "word"),)

    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    period: Mapped[int] = mapped_column(Integer)
    word: Mapped[str] = mapped_column(String(2))
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class AccountBalance(Base):
    """Posted movements per leaf account and period: what makes reports fast at any size."""

    __tablename__ = "account_balance"
    __table_args__ = (PrimaryKeyConstraint("company_id", "account_id", "period"),)

    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    period: Mapped[int] = mapped_column(Integer)
    debit_minor: Mapped[int] = mapped_column(Minor, default=0)
    credit_minor: Mapped[int] = mapped_column(Minor, default=0)


class IdempotencyRecord(Base):
    """First result of a write made with a client key; a replay returns it."""

    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("company_id", "scope", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    scope: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    result_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ExchangeRate(Base):
    __tablename__ = "exchange_rate"
    __table_args__ = (UniqueConstraint("company_id", "currency", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    currency: Mapped[str] = mapped_column(String(3))
    period: Mapped[int] = mapped_column(Integer)
    rate: Mapped[Decimal] = mapped_column(DecimalText)  # base currency per unit, month-end rate


class ImportBatch(Base):
    """One voucher import run; its file hash lets a re-run skip what was already imported."""

    __tablename__ = "import_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(12), default="running")  # running done failed
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    vouchers_written: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
