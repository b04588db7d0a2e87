"""The cash-application review queue: what the matching engine proposed for each bank statement line.

One proposal per statement line (unique), so a line is never applied twice: once a proposal is
auto-applied, confirmed or corrected it carries the sales receipt that was created for it, and a
re-run skips the line. A rejected line is not proposed again. Only ``proposed`` rows are
recomputed by the next run (the payer memory may have learnt something meanwhile).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yecai.store.base import Base, Minor, UTCDateTime, utcnow

STATUSES = ("proposed", "auto_applied", "confirmed", "corrected", "rejected")
DONE_STATUSES = ("auto_applied", "confirmed", "corrected", "rejected")


class MatchProposal(Base):
    """``confidence_bp`` is the engine's confidence in basis points (0..10000); ``reasons_json``
    its named reasons as ``[[code, detail], …]``; ``customer_id`` the customer the line is
    believed to come from (also for an advance without items)."""

    __tablename__ = "ar_match_proposal"
    __table_args__ = (
        UniqueConstraint("company_id", "bank_line_id"),
        Index("ix_ar_match_proposal_status", "company_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    bank_line_id: Mapped[int] = mapped_column(ForeignKey("bank_line.id"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("md_customer.id"), nullable=True)
    confidence_bp: Mapped[int] = mapped_column(Integer, default=0)
    reasons_json: Mapped[str] = mapped_column(Text, default="[]")
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("sales_receipt.id"), nullable=True)
    note: Mapped[str] = mapped_column(String(200), default="")
    decided_by: Mapped[str] = mapped_column(String(60), default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class MatchProposalItem(Base):
    """One invoice of a proposal and the amount of the line applied to it; ``writeoff_minor`` is
    a shortfall within tolerance (a bank fee, a cash discount) the engine saw, shown to the
    reviewer; it is not posted by the queue."""

    __tablename__ = "ar_match_proposal_item"
    __table_args__ = (Index("ix_ar_match_proposal_item_proposal", "proposal_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("ar_match_proposal.id"))
    seq: Mapped[int] = mapped_column(Integer)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("sales_invoice.id"))
    amount_minor: Mapped[int] = mapped_column(Minor)
    writeoff_minor: Mapped[int] = mapped_column(Minor, default=0)
