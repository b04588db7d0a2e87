"""Payables tables: the payment-matching review queue and what people taught it (payee → supplier).

One proposal per outgoing statement line (unique), so a line is never applied twice: once it is
auto-applied, confirmed or corrected, each of its items carries the purchase payment made for it
and a re-run skips the line. A rejected line is not proposed again. Only ``proposed`` rows are
recomputed by the next run.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yecai.store.base import Base, Minor, UTCDateTime, utcnow

STATUSES = ("proposed", "auto_applied", "confirmed", "corrected", "rejected")
DONE_STATUSES = ("auto_applied", "confirmed", "corrected", "rejected")


class PaymentProposal(Base):
    """``confidence_bp`` in basis points (0..10000); ``reasons_json`` is ``[[code, detail], …]``."""

    __tablename__ = "ap_match_proposal"
    __table_args__ = (
        UniqueConstraint("company_id", "bank_line_id"),
        Index("ix_ap_match_proposal_status", "company_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    bank_line_id: Mapped[int] = mapped_column(ForeignKey("bank_line.id"))
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("md_supplier.id"), nullable=True)
    confidence_bp: Mapped[int] = mapped_column(Integer, default=0)
    reasons_json: Mapped[str] = mapped_column(Text, default="[]")
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    note: Mapped[str] = mapped_column(String(200), default="")
    decided_by: Mapped[str] = mapped_column(String(60), default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class PaymentProposalItem(Base):
    """One bill of a proposal, the amount of the line paid to it and, once applied, the payment."""

    __tablename__ = "ap_match_proposal_item"
    __table_args__ = (Index("ix_ap_match_proposal_item_proposal", "proposal_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("ap_match_proposal.id"))
    seq: Mapped[int] = mapped_column(Integer)
    bill_id: Mapped[int] = mapped_column(ForeignKey("vendor_bill.id"))
    amount_minor: Mapped[int] = mapped_column(Minor)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_payment.id"), nullable=True)


class PayeeMemory(Base):
    """A payee account or name that a person confirmed belongs to a supplier (keys normalized as
    in receivables' payer memory). A correction deactivates the key's other suppliers."""

    __tablename__ = "ap_payee_memory"
    __table_args__ = (
        UniqueConstraint("company_id", "kind", "key", "supplier_id"),
        Index("ix_ap_payee_memory_lookup", "company_id", "active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    kind: Mapped[str] = mapped_column(String(10))  # account | name
    key: Mapped[str] = mapped_column(String(200))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("md_supplier.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    confirmations: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
