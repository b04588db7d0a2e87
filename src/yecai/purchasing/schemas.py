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
    """An order line (order_id, line_no, qty) or a line without an order (category, department,
    net or total): rent, utilities, services …; a bill may mix both."""

    model_config = ConfigDict(extra="forbid")
    order_id: int | None = Field(None, description="Order line: the order's id")
    line_no: int | None = Field(None, description="Order line: its line number on the order")
    qty: Decimal | None = Field(None, description="Order lines: required; lines without an order: default 1")
    unit_price: Decimal | None = Field(
        None, description="Order lines, in the order's tax basis; default: the order's price"
    )
    tax_code: str | None = Field(
        None, description="IN13 / IN9 / IN6 / IN3 / IN0; default: the order's or item's"
    )
    category: str | None = Field(
        None,
        max_length=20,
        description="Line without an order: expense category (费用类别) — 差旅费, 办公费, 业务招待费, "
        "运输费, 广告宣传费, 租赁费, 水电费, 中介服务费, 研发费用, 其他",
    )
    department: str | None = Field(None, max_length=40, description="Line without an order: department code")
    project: str | None = Field(None, max_length=40, description="Line without an order: project code")
    item: str | None = Field(None, max_length=40, description="Line without an order: a service item")
    net: Decimal | None = Field(
        None, gt=0, description="Line without an order: amount without VAT (不含税金额)"
    )
    tax: Decimal | None = Field(None, ge=0, description="Line without an order: VAT; default net × rate")
    total: Decimal | None = Field(None, gt=0, description="Line without an order: amount with VAT (价税合计)")
    description: str | None = Field(None, max_length=200)


class BillCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    supplier: str
    date: dt.date
    invoice_no: str = Field("", max_length=40, description="The supplier's invoice number (发票号码)")
    orders: list[int] = Field(default_factory=list, max_length=100)
    lines: list[BillLineIn] | None = Field(None, max_length=500)
    post: bool = True


class BillUpdate(BaseModel):
    """A draft bill corrected before it posts: its lines replaced, its date and invoice number."""

    model_config = ConfigDict(extra="forbid")
    date: dt.date | None = None
    invoice_no: str | None = Field(None, max_length=40)
    lines: list[BillLineIn] = Field(min_length=1, max_length=500)


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
