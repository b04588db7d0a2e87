"""REST API of the payment-matching review queue (behind the usual bearer token / session); the
routes are written once in ``yecai.bankmatch.api``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

from yecai.bankmatch.api import review_router
from yecai.bankmatch.queue import ITEMS_MAX, NOTE_MAX
from yecai.payables import service


class RunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    threshold: Decimal | None = Field(None, ge=0, le=1, description="This run only; default: the company's")


class CorrectionItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    bill: str = Field(min_length=1, max_length=40, description="Vendor bill number or id")
    amount: Decimal = Field(gt=0)


class CorrectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    supplier: str = Field(min_length=1, max_length=40)
    items: list[CorrectionItemIn] = Field(min_length=1, max_length=ITEMS_MAX)
    note: str = Field("", max_length=NOTE_MAX)


def _correction(body: CorrectionIn) -> dict[str, Any]:
    return {"supplier": body.supplier, "items": [(x.bill, x.amount) for x in body.items], "note": body.note}


router = review_router(
    prefix="/api/companies/{company}/payables/payment-matching",
    tag="payables",
    service=service,
    run_in=RunIn,
    run_doc="Match the unsettled outgoing lines of the imported bank statements; pay the sure ones.",
    correction_in=CorrectionIn,
    correction=_correction,
)


def register(app: FastAPI) -> None:
    app.include_router(router)
