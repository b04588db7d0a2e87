"""API schemas for sales documents and stock receipts."""

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
    customer: str
    date: dt.date
    prices_include_tax: bool = True
    note: str = Field("", max_length=200)
    lines: list[OrderLineIn] = Field(min_length=1, max_length=500)


class DeliveryLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    line_no: int
    qty: Decimal


class DeliveryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    order_id: int
    date: dt.date
    warehouse: str
    lines: list[DeliveryLineIn] | None = Field(
        None, max_length=500, description="Default: everything still to deliver"
    )
    confirm: bool = True


class InvoiceLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    order_id: int
    line_no: int
    qty: Decimal


class InvoiceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer: str
    date: dt.date
    orders: list[int] = Field(default_factory=list, max_length=100)
    lines: list[InvoiceLineIn] | None = Field(None, max_length=500)
    post: bool = True


class ReceiptCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer: str
    date: dt.date
    amount: Decimal
    invoice_id: int | None = None
    method: str = "bank"


class DocLineQty(BaseModel):
    model_config = ConfigDict(extra="forbid")
    line_no: int
    qty: Decimal


class ReturnCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    delivery_id: int
    date: dt.date
    warehouse: str | None = Field(None, description="Default: the delivery's warehouse")
    reason: str = Field("", max_length=200)
    lines: list[DocLineQty] | None = Field(
        None, max_length=500, description="Delivery line numbers; default: everything not yet returned"
    )


class CreditNoteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    invoice_id: int
    date: dt.date
    reason: str = Field("", max_length=200)
    lines: list[DocLineQty] | None = Field(
        None, max_length=500, description="Invoice line numbers; default: everything not yet credited"
    )


class CreditDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field("", max_length=200)


class CreditHoldIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    on_hold: bool
    reason: str = Field("", max_length=200)


class CreditControlIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mode: str = Field(description="refuse | approve | off")
