"""REST API of the payment-matching review queue (behind the usual bearer token / session)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, ConfigDict, Field

from yecai.api.deps import UoW
from yecai.payables import service

router = APIRouter(prefix="/api/companies/{company}/payables/payment-matching", tags=["payables"])


class RunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    threshold: Decimal | None = Field(None, ge=0, le=1, description="This run only; default: the company's")


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field("", max_length=service.NOTE_MAX)


class CorrectionItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    bill: str = Field(min_length=1, max_length=40, description="Vendor bill number or id")
    amount: Decimal = Field(gt=0)


class CorrectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    supplier: str = Field(min_length=1, max_length=40)
    items: list[CorrectionItemIn] = Field(min_length=1, max_length=service.ITEMS_MAX)
    note: str = Field("", max_length=service.NOTE_MAX)


class ThresholdIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    threshold: Decimal = Field(ge=0, le=1)


@router.post("/run")
def run(company: str, uow: UoW, body: RunIn | None = None) -> dict[str, int]:
    """Match the unsettled outgoing lines of the imported bank statements; pay the sure ones."""
    return service.run(uow, company, threshold=body.threshold if body else None)


@router.get("/proposals")
def proposals(
    company: str, uow: UoW, status: str = "proposed", limit: int = 100, offset: int = 0
) -> dict[str, Any]:
    """The queue (``status=all`` for every proposal), oldest line first, with counts per status."""
    return service.list_proposals(
        uow, company, status=None if status == "all" else status, limit=limit, offset=offset
    )


@router.get("/proposals/{proposal_id}")
def proposal(company: str, proposal_id: int, uow: UoW) -> dict[str, Any]:
    return service.get_proposal(uow, company, proposal_id)


@router.post("/proposals/{proposal_id}/confirm")
def confirm(company: str, proposal_id: int, uow: UoW, body: DecisionIn | None = None) -> dict[str, Any]:
    return service.confirm(uow, company, proposal_id, note=body.note if body else "")


@router.post("/proposals/{proposal_id}/correct")
def correct(company: str, proposal_id: int, body: CorrectionIn, uow: UoW) -> dict[str, Any]:
    return service.correct(
        uow,
        company,
        proposal_id,
        supplier=body.supplier,
        items=[(x.bill, x.amount) for x in body.items],
        note=body.note,
    )


@router.post("/proposals/{proposal_id}/reject")
def reject(company: str, proposal_id: int, uow: UoW, body: DecisionIn | None = None) -> dict[str, Any]:
    return service.reject(uow, company, proposal_id, note=body.note if body else "")


@router.put("/threshold")
def threshold(company: str, body: ThresholdIn, uow: UoW) -> dict[str, str]:
    return service.set_threshold(uow, company, body.threshold)


def register(app: FastAPI) -> None:
    app.include_router(router)
