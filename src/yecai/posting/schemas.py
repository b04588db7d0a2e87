"""API schemas for posting rules and stock receipts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class RuleSetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    effective_from: dt.date
    note: str = Field("", max_length=200)
    content: dict[str, Any]


class RuleSetCheck(BaseModel):
    model_config = ConfigDict(extra="forbid")
    content: dict[str, Any]


class RuleSetDryRun(BaseModel):
    model_config = ConfigDict(extra="forbid")
    content: dict[str, Any]
    period_from: str = Field(pattern=r"^\d{4}-\d{2}$", examples=["2025-03"])
    period_to: str | None = Field(None, pattern=r"^\d{4}-\d{2}$", examples=["2025-06"])


class StockLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    item: str
    qty: Decimal
    cost: Decimal


class StockReceiptCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    supplier: str
    warehouse: str
    date: dt.date
    lines: list[StockLineIn] = Field(min_length=1, max_length=500)
    post: bool = True
