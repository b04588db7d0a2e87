"""Invoices taken in (进项发票 intake) and what their corrections taught.

An ``IntakeInvoice`` keeps the file (for the image beside the fields), what was read, the
fields as a person corrected them, and what became of it: ``queued`` for review, ``drafted``
(a draft vendor bill was made — over the purchase order whose received-not-billed total fits, or,
when no order fits, of lines without an order with a proposed expense category and department;
when even that cannot be made, e.g. the company has no department, no bill is made and the note
says why), or ``rejected``. ``note`` holds what drafting said, as a JSON list of message codes
and parameters translated when shown (``review.note_text``), or the reason a person typed when
rejecting; notes written as English text before they had codes are still read. ``number_key`` (code/number) is unique per company while the invoice is not
rejected, so the same invoice cannot be taken in twice even by two requests at once.

``IntakeMemory`` maps what invoices print (a seller's tax id or name, an item's name) to the
company's own codes (supplier, item, expense category); accepted corrections write it, and the
next invoice from the same seller is matched from it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yecai.store.base import Base, Minor, UTCDateTime, utcnow


class IntakeInvoice(Base):
    __tablename__ = "intake_invoice"
    __table_args__ = (
        UniqueConstraint("company_id", "number_key"),
        Index("ix_intake_invoice_company_status", "company_id", "status"),
        Index("ix_intake_invoice_seller_amount", "company_id", "seller_tax_id", "total_minor", "issue_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    status: Mapped[str] = mapped_column(String(10), default="queued")  # queued | drafted | rejected
    source: Mapped[str] = mapped_column(String(20), default="")  # ocr | xml | ofd_tags | pdf_cn …
    file_name: Mapped[str] = mapped_column(String(255), default="")
    media_type: Mapped[str] = mapped_column(String(40), default="")
    file_sha256: Mapped[str] = mapped_column(String(64))
    file_bytes: Mapped[bytes] = mapped_column(LargeBinary)
    extracted_json: Mapped[str] = mapped_column(Text)  # the contract as read, never changed
    fields_json: Mapped[str] = mapped_column(Text)  # the contract with corrections applied
    corrections_json: Mapped[str] = mapped_column(Text, default="[]")
    reasons_json: Mapped[str] = mapped_column(Text, default="[]")  # why it waits for a person
    proposal_json: Mapped[str] = mapped_column(Text, default="{}")  # supplier, lines, order
    note: Mapped[str] = mapped_column(String(500), default="")  # notes as codes (JSON) or a reason
    confidence_pm: Mapped[int] = mapped_column(Integer, default=0)  # lowest field confidence, ‰
    invoice_code: Mapped[str] = mapped_column(String(20), default="")
    invoice_number: Mapped[str] = mapped_column(String(20), default="")
    number_key: Mapped[str | None] = mapped_column(String(41), nullable=True)
    seller_tax_id: Mapped[str] = mapped_column(String(20), default="")
    seller_name: Mapped[str] = mapped_column(String(200), default="")
    issue_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    total_minor: Mapped[int | None] = mapped_column(Minor, nullable=True)
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("md_supplier.id"), nullable=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_order.id"), nullable=True)
    vendor_bill_id: Mapped[int | None] = mapped_column(ForeignKey("vendor_bill.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(60), default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decided_by: Mapped[str] = mapped_column(String(60), default="")


class IntakeMemory(Base):
    __tablename__ = "intake_memory"
    __table_args__ = (UniqueConstraint("company_id", "kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    kind: Mapped[str] = mapped_column(String(20))  # supplier | item | category
    key: Mapped[str] = mapped_column(String(200))  # 'tax:9131…', 'name:上海华东电子科技', an item name
    target: Mapped[str] = mapped_column(String(60))  # the supplier / item code or expense category
    hits: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
