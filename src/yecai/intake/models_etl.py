"""Imports from other systems: the column mapping saved per source, and the code map.

A *source* is a name the user gives another system ("用友U8", "old-excel"). Its profile per kind
remembers which file column is which field and the defaults for empty cells, so the next file
from the same source needs no mapping step. The code map translates the source's codes
(customers, suppliers, items, accounts) to yecai's, so repeated imports land on the same records.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yecai.store.base import Base, UTCDateTime, utcnow


class ImportProfile(Base):
    __tablename__ = "etl_profile"
    __table_args__ = (UniqueConstraint("company_id", "source", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    source: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(20))
    mapping_json: Mapped[str] = mapped_column(Text)  # {"file column": "field"}
    defaults_json: Mapped[str] = mapped_column(Text, default="{}")  # {"field": "value"}
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CodeMapEntry(Base):
    __tablename__ = "etl_code_map"
    __table_args__ = (UniqueConstraint("company_id", "source", "kind", "external_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    source: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(20))  # customer | supplier | item | account
    external_code: Mapped[str] = mapped_column(String(60))
    code: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
