"""REST endpoints for analytics: late-payment risk of open invoices, the cash-flow forecast and
the model's chronological evaluation. Reads only."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request

from yecai.analytics import service
from yecai.analytics.domain.forecast import SIMULATIONS_MAX, WEEKS_MAX
from yecai.analytics.domain.history import GRACE_DAYS
from yecai.api.deps import UoW, request_locale

router = APIRouter(prefix="/api/companies/{company}/analytics", tags=["analytics"])

Grace = Annotated[int, Query(ge=0, le=365, description="Days after the due date still counted on time")]


@router.get("/risk")
def risk(
    company: str,
    uow: UoW,
    request: Request,
    as_of: dt.date | None = None,
    grace_days: Grace = GRACE_DAYS,
    customer: str | None = None,
) -> dict[str, Any]:
    """Open sales invoices, riskiest first: probability of late payment (beyond due + grace),
    expected payment date and the top factors (in the caller's language); per customer the open
    amount and the part of it expected late."""
    return service.risk(
        uow, company, as_of=as_of, grace_days=grace_days, locale=request_locale(request), customer=customer
    )


@router.get("/forecast")
def forecast(
    company: str,
    uow: UoW,
    weeks: Annotated[int, Query(ge=1, le=WEEKS_MAX)] = 13,
    as_of: dt.date | None = None,
    simulations: Annotated[int, Query(ge=1, le=SIMULATIONS_MAX)] = service.SIMULATIONS_DEFAULT,
    seed: int = 0,
) -> dict[str, Any]:
    """Weekly cash forecast: expected receipts, payables, recurring items, net, closing cash and
    its P10/P50/P90 band."""
    return service.forecast(uow, company, weeks=weeks, as_of=as_of, simulations=simulations, seed=seed)


@router.get("/evaluation")
def evaluation(
    company: str,
    uow: UoW,
    cutoff: dt.date | None = None,
    end: dt.date | None = None,
    rules: bool = False,
    grace_days: Grace = GRACE_DAYS,
    refit_days: Annotated[int | None, Query(ge=1, le=366)] = None,
) -> dict[str, Any]:
    """AUC, Brier score and reliability by decile on a chronological split of the history."""
    ev = service.evaluation(
        uow, company, cutoff=cutoff, end=end, grace_days=grace_days, rules_only=rules, refit_days=refit_days
    )
    return service.evaluation_view(ev)


def register(app: FastAPI) -> None:
    app.include_router(router)
