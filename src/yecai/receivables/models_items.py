"""Open-item tables: applications (核销) of receipts and credit notes to invoices, and who owns a
customer's receivables (salesperson, department) for aging.

Applications are append-only (database triggers refuse UPDATE and DELETE, see migration
0002_aritems): an un-apply is a new row with the negative amount that names the row it reverses.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yecai.store.base import Base, Minor, UTCDateTime, utcnow


class ARApplication(Base):
    """``amount_minor`` of a receipt or credit note (the source) settles an invoice from ``date``.

    kind 'apply' has a positive amount; kind 'unapply' the negative amount of the application it
    ``reverses`` (each application is reversed at most once: a unique constraint).
    """

    __tablename__ = "ar_application"
    __table_args__ = (
        UniqueConstraint("reverses_id"),
        UniqueConstraint("company_id", "idempotency_key"),
        Index("ix_ar_application_invoice", "company_id", "invoice_id"),
        Index("ix_ar_application_source", "company_id", "source_type", "source_id"),
        Index("ix_ar_application_customer", "company_id", "customer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("md_customer.id"))
    kind: Mapped[str] = mapped_column(String(10))  # apply | unapply
    source_type: Mapped[str] = mapped_column(String(20))  # sales_receipt | sales_credit_note
    source_id: Mapped[int] = mapped_column(Integer)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("sales_invoice.id"))
    amount_minor: Mapped[int] = mapped_column(Minor)
    date: Mapped[date] = mapped_column(Date)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("ar_application.id"), nullable=True)
    origin: Mapped[str] = mapped_column(String(20))  # receipt | credit_note | manual | cash_application
    note: Mapped[str] = mapped_column(String(200), default="")
    idempotency_key: Mapped[str | None] = mapped_column(String(80), nullable=True)
    created_by: Mapped[str] = mapped_column(String(60), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ARCustomerOwner(Base):
    """Who looks after a customer's receivables: the salesperson and the department (aging
    groups by them). The sales documents carry neither, so they are kept per customer here."""

    __tablename__ = "ar_customer_owner"
    __table_args__ = (UniqueConstraint("company_id", "customer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("md_customer.id"))
    salesperson: Mapped[str] = mapped_column(String(60), default="")
    department: Mapped[str] = mapped_column(String(40), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
