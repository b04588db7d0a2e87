"""Imported bank statements and their lines.

A line is stored once per company and bank account (unique line_key: the bank's transaction
id, else a content hash), so re-importing a statement or an overlapping one skips what is
already there. Amounts are signed integer minor units: receipts positive.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yecai.store.base import Base, Minor, UTCDateTime, utcnow


class BankStatement(Base):
    __tablename__ = "bank_statement"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    bank_account: Mapped[str] = mapped_column(String(64))  # the bank's account id as in the file
    account_code: Mapped[str] = mapped_column(String(40), default="")  # ledger account, e.g. 100201
    currency: Mapped[str] = mapped_column(String(3))
    format: Mapped[str] = mapped_column(String(20))
    statement_ref: Mapped[str] = mapped_column(String(64), default="")
    start_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    opening_minor: Mapped[int] = mapped_column(Minor)  # of the part stored (after skipped lines)
    closing_minor: Mapped[int] = mapped_column(Minor)
    opening_derived: Mapped[bool] = mapped_column(Boolean, default=False)
    line_count: Mapped[int] = mapped_column(Integer)
    lines_skipped: Mapped[int] = mapped_column(Integer, default=0)
    file_name: Mapped[str] = mapped_column(String(255), default="")
    file_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)


class BankLine(Base):
    __tablename__ = "bank_line"
    __table_args__ = (
        UniqueConstraint("company_id", "bank_account", "line_key"),
        Index("ix_bank_line_company_date", "company_id", "txn_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    statement_id: Mapped[int] = mapped_column(ForeignKey("bank_statement.id"), index=True)
    bank_account: Mapped[str] = mapped_column(String(64))
    line_key: Mapped[str] = mapped_column(String(100))
    seq: Mapped[int] = mapped_column(Integer)  # position within its statement
    txn_date: Mapped[date] = mapped_column(Date)
    amount_minor: Mapped[int] = mapped_column(Minor)
    currency: Mapped[str] = mapped_column(String(3))
    counterparty_name: Mapped[str] = mapped_column(String(200), default="")
    counterparty_account: Mapped[str] = mapped_column(String(64), default="")
    remark: Mapped[str] = mapped_column(String(500), default="")
