"""Rule sets (versioned, effective-dated), document → voucher links and document numbers."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, PrimaryKeyConstraint, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yecai.store.base import Base, UTCDateTime, utcnow


class PostingRuleSet(Base):
    """One saved version of a company's posting rules. Rows are never changed: a new version
    effective from a date replaces an old one for documents dated from then on."""

    __tablename__ = "posting_rule_set"
    __table_args__ = (UniqueConstraint("company_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    version: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(200), default="")
    content_json: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(60), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DocumentVoucher(Base):
    """A posted document event and the voucher it made (voucher_id None when every amount was
    zero), with the rule-set version and which rule made each voucher line."""

    __tablename__ = "document_voucher"
    __table_args__ = (
        UniqueConstraint("company_id", "source_type", "source_id", "event"),
        Index("ix_document_voucher_voucher", "voucher_id"),
        Index("ix_document_voucher_company_date", "company_id", "doc_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    source_type: Mapped[str] = mapped_column(String(40))
    source_id: Mapped[int] = mapped_column(Integer)
    source_ref: Mapped[str] = mapped_column(String(100), default="")
    event: Mapped[str] = mapped_column(String(60))
    voucher_id: Mapped[int | None] = mapped_column(ForeignKey("voucher.id"), nullable=True)
    rule_version: Mapped[int] = mapped_column(Integer)  # 0: the shipped default
    explanations_json: Mapped[str] = mapped_column(Text, default="[]")
    # What the rules were evaluated on (for dry-running a changed rule set over past periods);
    # None on postings made before it was kept.
    doc_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    snapshot_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DocumentCounter(Base):
    """Gapless document numbers per company, document type and year (SO-2025-0001)."""

    __tablename__ = "document_counter"
    __table_args__ = (PrimaryKeyConstraint("company_id", "doc_type", "year"),)

    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    doc_type: Mapped[str] = mapped_column(String(40))
    year: Mapped[int] = mapped_column(Integer)
    last_number: Mapped[int] = mapped_column(Integer, default=0)
