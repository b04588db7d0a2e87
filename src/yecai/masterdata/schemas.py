"""API schemas for master data, one per use."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class PartyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(max_length=40)
    name: str = Field(min_length=1, max_length=200)
    tax_id: str = ""
    bank_name: str = Field("", max_length=100)
    bank_account: str = Field("", max_length=40)
    group: str = Field("", max_length=40)
    credit_days: int = 0
    credit_limit: Decimal = Decimal(0)


class PartyUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, max_length=200)
    tax_id: str | None = None
    bank_name: str | None = Field(None, max_length=100)
    bank_account: str | None = Field(None, max_length=40)
    group: str | None = Field(None, max_length=40)
    credit_days: int | None = None
    credit_limit: Decimal | None = None
    enabled: bool | None = None


class ItemCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(max_length=40)
    name: str = Field(min_length=1, max_length=200)
    spec: str = Field("", max_length=100)
    unit: str = Field("", max_length=20)
    category: str = Field("", max_length=40)
    tax_rate: Decimal = Decimal("0.13")
    kind: str = "stock"


class WarehouseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(max_length=40)
    name: str = Field(min_length=1, max_length=200)
