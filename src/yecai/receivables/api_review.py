"""REST API of the cash-application review queue (behind the usual bearer token / session); the
routes are written once in ``yecai.bankmatch.api``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

from yecai.bankmatch.api import review_router
from yecai.bankmatch.queue import ITEMS_MAX, NOTE_MAX
from yecai.receivables import review


class RunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    threshold: Decimal | None = Field(None, ge=0, le=1, description="This run only; default: the company's")


class CorrectionItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    invoice: str = Field(min_length=1, max_length=40, description="Invoice number or id")
    amount: Decimal = Field(gt=0)


class CorrectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer: str = Field(min_length=1, max_length=40)
    items: list[CorrectionItemIn] = Field(default_factory=list, max_length=ITEMS_MAX)
    note: str = Field("", max_length=NOTE_MAX)


def _correction(body: CorrectionIn) -> dict[str, Any]:
    return {
        "customer": body.customer,
        "items": [(x.invoice, x.amount) for x in body.items],
        "note": body.note,
    }


router = review_router(
    prefix="/api/companies/{company}/receivables/cash-application",
    tag="receivables",
    service=review,
    run_in=RunIn,
    run_doc="Match the unsettled lines of the imported bank statements; apply the sure ones.",
    correction_in=CorrectionIn,
    correction=_correction,
)


def register(app: FastAPI) -> None:
    app.include_router(router)
