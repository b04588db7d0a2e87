"""REST endpoints for periods (list, checklist, close, reopen) and foreign currency (rates, revaluation)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, ConfigDict, Field

from yecai.api.deps import UoW
from yecai.ledger import closing, fx

router = APIRouter(prefix="/api", tags=["periods"])


class ReopenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # Checked by the service (required, bounded) so the refusal carries its own error code.
    reason: str = ""


class RateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rate: Decimal = Field(description="Month-end rate: base currency per unit", examples=["7.1234"])


@router.get("/companies/{company}/periods")
def periods(company: str, uow: UoW) -> list[dict[str, Any]]:
    return closing.list_periods(uow, company)


@router.get("/companies/{company}/periods/{period}/checklist")
def checklist(company: str, period: str, uow: UoW) -> dict[str, Any]:
    return closing.close_checklist(uow, company, period)


@router.post("/companies/{company}/periods/{period}/close")
def close(company: str, period: str, uow: UoW) -> dict[str, Any]:
    return closing.close_period(uow, company, period).to_dict()


@router.post("/companies/{company}/periods/{period}/reopen")
def reopen(company: str, period: str, body: ReopenIn, uow: UoW) -> dict[str, Any]:
    return closing.reopen_period(uow, company, period, reason=body.reason)


@router.put("/companies/{company}/fx-rates/{currency}/{period}")
def rate_set(company: str, currency: str, period: str, body: RateIn, uow: UoW) -> dict[str, str]:
    return fx.set_rate(uow, company, currency, period, body.rate)


@router.get("/companies/{company}/fx-rates")
def rates(
    company: str, uow: UoW, currency: str | None = None, period: str | None = None
) -> list[dict[str, str]]:
    return fx.list_rates(uow, company, currency=currency, period=period)


@router.post("/companies/{company}/periods/{period}/fx-revaluation")
def revaluation(company: str, period: str, uow: UoW) -> dict[str, Any]:
    v = fx.revalue(uow, company, period)
    return {"voucher": None if v is None else v.to_dict()}


def register(app: FastAPI) -> None:
    app.include_router(router)
