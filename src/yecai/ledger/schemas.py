"""API schemas for the ledger, one per use; separate from the tables."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from yecai.ledger.domain import LineDraft, VoucherDraft


class CompanyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(max_length=20)
    name: str = Field(min_length=1, max_length=200)
    template: str = "cas-general"
    currency: str = Field("CNY", min_length=3, max_length=3)
    start: str | None = Field(None, description="First period, YYYY-MM", examples=["2025-01"])


class AccountCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str
    name: str = Field(min_length=1, max_length=100)
    parent_code: str
    dimensions: list[str] | None = None
    allow_fx: bool | None = None
    name_en: str = ""


class AccountEnable(BaseModel):
    enabled: bool


class DimensionValueIn(BaseModel):
    type: str
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)


class LineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    summary: str = Field(max_length=200)
    account_code: str
    debit: Decimal = Decimal(0)
    credit: Decimal = Decimal(0)
    currency: str | None = None
    original_amount: Decimal | None = None
    rate: Decimal | None = None
    customer: str | None = None
    supplier: str | None = None
    department: str | None = None
    project: str | None = None
    employee: str | None = None


class VoucherIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: dt.date
    word: str = "记"
    attachments: int = Field(0, ge=0, le=9999)
    lines: list[LineIn] = Field(min_length=1, max_length=500)

    def to_draft(self) -> VoucherDraft:
        return VoucherDraft(
            date=self.date,
            word=self.word,
            attachments=self.attachments,
            lines=tuple(
                LineDraft(
                    summary=ln.summary,
                    account_code=ln.account_code,
                    debit=ln.debit,
                    credit=ln.credit,
                    currency=ln.currency,
                    original_amount=ln.original_amount,
                    rate=ln.rate,
                    dims={
                        d: v
                        for d in ("customer", "supplier", "department", "project", "employee")
                        if (v := getattr(ln, d))
                    },
                )
                for ln in self.lines
            ),
        )


class ReverseIn(BaseModel):
    date: dt.date | None = None
