"""API schemas for production documents."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class BomLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    item: str
    qty_per: Decimal = Field(description="Quantity per unit of the finished item")
    scrap_pct: Decimal = Decimal(0)


class BomCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    item: str
    note: str = Field("", max_length=200)
    lines: list[BomLineIn] = Field(min_length=1, max_length=500)


class WorkOrderCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    item: str
    qty: Decimal
    date: dt.date
    project: str | None = Field(None, description="Default: a project of its own, code = the order number")
    bom_id: int | None = Field(None, description="Default: the item's active bill of materials")
    note: str = Field("", max_length=200)
    release: bool = True


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: dt.date


class IssueLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    item: str
    qty: Decimal


class IssueCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    order_id: int
    date: dt.date
    warehouse: str
    lines: list[IssueLineIn] | None = Field(None, max_length=500, description="Default: all still required")


class CostCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    order_id: int
    date: dt.date
    kind: str = Field(description="labour | overhead")
    amount: Decimal
    source_account: str | None = Field(None, description="Default: the rules' (221101 / 5101)")
    hours: Decimal | None = None
    note: str = Field("", max_length=200)


class AllocationHours(BaseModel):
    model_config = ConfigDict(extra="forbid")
    order_id: int
    hours: Decimal


class AllocationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: dt.date
    amount: Decimal
    hours: list[AllocationHours] = Field(min_length=1, max_length=500)
    source_account: str | None = None


class ReceiptCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    order_id: int
    date: dt.date
    warehouse: str
    qty: Decimal
