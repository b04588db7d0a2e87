"""Expense claims (报销单) with their lines, and employee advances (备用金借款). Money in fen;
employees and departments are ledger dimension values, referred to by code."""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from yecai.store.base import Base, Minor, UTCDateTime, utcnow


class ExpenseClaim(Base):
    __tablename__ = "expense_claim"
    __table_args__ = (
        UniqueConstraint("company_id", "no"),
        Index("ix_expense_claim_employee", "company_id", "employee"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    no: Mapped[str] = mapped_column(String(40))
    date: Mapped[date] = mapped_column(Date)
    employee: Mapped[str] = mapped_column(String(40))
    department: Mapped[str] = mapped_column(String(40))
    # draft → approved (Dr expenses, input VAT / Cr 2241) → paid (Dr 2241 / Cr bank, 1221); or cancelled
    status: Mapped[str] = mapped_column(String(10), default="draft")
    net_minor: Mapped[int] = mapped_column(Minor, default=0)
    tax_minor: Mapped[int] = mapped_column(Minor, default=0)
    total_minor: Mapped[int] = mapped_column(Minor, default=0)
    attachments: Mapped[int] = mapped_column(Integer, default=0)  # 附件张数
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[str] = mapped_column(String(60), default="")  # the claimant who submitted it
    approved_by: Mapped[str] = mapped_column(String(60), default="")
    approved_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    paid_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    method: Mapped[str] = mapped_column(String(10), default="")
    offset_minor: Mapped[int] = mapped_column(Minor, default=0)  # advances cleared by this claim
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lines: Mapped[list[ExpenseClaimLine]] = relationship(order_by="ExpenseClaimLine.line_no", cascade="all")


class ExpenseClaimLine(Base):
    __tablename__ = "expense_claim_line"
    __table_args__ = (UniqueConstraint("claim_id", "line_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("expense_claim.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(20))
    invoice_type: Mapped[str] = mapped_column(String(10), default="none")
    net_minor: Mapped[int] = mapped_column(Minor)
    tax_minor: Mapped[int] = mapped_column(Minor, default=0)
    total_minor: Mapped[int] = mapped_column(Minor)
    note: Mapped[str] = mapped_column(String(200), default="")


class EmployeeAdvance(Base):
    __tablename__ = "employee_advance"
    __table_args__ = (
        UniqueConstraint("company_id", "no"),
        Index("ix_employee_advance_employee", "company_id", "employee"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    no: Mapped[str] = mapped_column(String(40))
    date: Mapped[date] = mapped_column(Date)
    employee: Mapped[str] = mapped_column(String(40))
    method: Mapped[str] = mapped_column(String(10), default="bank")
    amount_minor: Mapped[int] = mapped_column(Minor)
    offset_minor: Mapped[int] = mapped_column(Minor, default=0)  # cleared by claims so far
    status: Mapped[str] = mapped_column(String(10), default="posted")
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
