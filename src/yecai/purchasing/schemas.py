"""API schemas for purchasing documents."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class OrderLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    item: str
    qty: Decimal
    unit_price: Decimal
    tax_code: str | None = None


class OrderCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    supplier: str
    date: dt.date
    prices_include_tax: bool = True
    note: str = Field("", max_length=200)
    lines: list[OrderLineIn] = Field(min_length=1, max_length=500)


class ReceiptLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    line_no: int
    qty: Decimal


class ReceiptCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    order_id: int
    date: dt.date
    warehouse: str
    lines: list[ReceiptLineIn] | None = Field(
        None, max_length=500, description="Default: everything still to receive"
    )
    post: bool = True


class BillLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    order_id: int
    line_no: int
    qty: Decimal
    unit_price: Decimal | None = Field(
        None, description="In the order's tax basis; default: the order's price"
    )
    tax_code: str | None = None


class BillCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    supplier: str
    date: dt.date
    invoice_no: str = Field("", max_length=40, description="The supplier's invoice number (发票号码)")
    orders: list[int] = Field(default_factory=list, max_length=100)
    lines: list[BillLineIn] | None = Field(None, max_length=500)
    post: bool = True


class PaymentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    supplier: str
    date: dt.date
    amount: Decimal
    bill_id: int | None = None
    method: str = "bank"


class ReturnCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    receipt_id: int
    date: dt.date
    lines: list[ReceiptLineIn] | None = Field(None, max_length=500, description="Receipt line no and qty")


class SettingsUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    qty_tolerance_pct: Decimal | None = None
    price_tolerance_pct: Decimal | None = None
