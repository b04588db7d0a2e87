"""API schemas for expense claims and employee advances."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class ClaimLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    category: str = Field(
        description="差旅费, 办公费, 业务招待费, 运输费, 广告宣传费, 租赁费, 水电费, 中介服务费, 研发费用, 其他"
    )
    amount: Decimal = Field(description="What was paid, VAT included")
    tax: Decimal = Field(Decimal(0), description="Deductible VAT (special VAT invoices only)")
    invoice_type: str = Field("none", description="special | ordinary | none")
    note: str = Field("", max_length=200)


class ClaimCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    employee: str
    department: str
    date: dt.date
    attachments: int = Field(0, ge=0, le=999)
    note: str = Field("", max_length=200)
    lines: list[ClaimLineIn] = Field(min_length=1, max_length=200)


class ApproveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: dt.date | None = Field(None, description="Default: the claim's date")


class PayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: dt.date
    method: str = "bank"
    offset: Decimal = Field(Decimal(0), description="Employee advances (备用金) to offset")


class AdvanceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    employee: str
    date: dt.date
    amount: Decimal
    method: str = "bank"
    note: str = Field("", max_length=200)


class DepartmentKindIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(description="admin (管理费用 6602) | sales (销售费用 6601)")
