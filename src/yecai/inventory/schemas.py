"""API schemas for inventory documents: transfers, stock counts and the month-end cost run."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class TransferLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    item: str
    qty: Decimal


class TransferCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    from_warehouse: str
    to_warehouse: str
    date: dt.date
    lines: list[TransferLineIn] = Field(min_length=1, max_length=500)
    note: str = Field("", max_length=200)


class CountLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    item: str
    counted: Decimal


class CountCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    warehouse: str
    date: dt.date
    lines: list[CountLineIn] = Field(min_length=1, max_length=500)
    note: str = Field("", max_length=200)
    confirm: bool = True


class CountProcess(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cause: Literal["management", "abnormal"] = "management"
    department: str | None = None
    date: dt.date | None = None


class CostRun(BaseModel):
    model_config = ConfigDict(extra="forbid")
    period: str = Field(pattern=r"^\d{4}-\d{2}$")
