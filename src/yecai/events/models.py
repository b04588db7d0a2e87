"""The outbox (written in the same transaction as the document change) and, per subscriber,
the events it has processed, so that an at-least-once delivery is applied exactly once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, PrimaryKeyConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from yecai.store.base import Base, UTCDateTime, utcnow


class OutboxEvent(Base):
    __tablename__ = "outbox_event"
    __table_args__ = (Index("ix_outbox_pending", "delivered_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    type: Mapped[str] = mapped_column(String(60))
    payload_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ProcessedEvent(Base):
    __tablename__ = "processed_event"
    __table_args__ = (PrimaryKeyConstraint("subscriber", "event_id"),)

    subscriber: Mapped[str] = mapped_column(String(60))
    event_id: Mapped[str] = mapped_column(String(36))
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
