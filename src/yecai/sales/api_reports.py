"""GET /api/companies/{company}/reports/ar-balances and …/reports/document-vouchers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query

from yecai.api.deps import UoW
from yecai.core.money import format_minor
from yecai.sales import reports

router = APIRouter(prefix="/api/companies/{company}/reports", tags=["reports"])


def _fmt(rows: list[dict[str, Any]], money: tuple[str, ...]) -> list[dict[str, Any]]:
    return [{k: format_minor(v) if k in money and v is not None else v for k, v in r.items()} for r in rows]


@router.get("/ar-balances")
def ar_balances(
    company: str,
    uow: UoW,
    period: Annotated[str, Query(description="Period YYYY-MM")],
    to: Annotated[str | None, Query(description="Last period of a range, YYYY-MM")] = None,
) -> dict[str, Any]:
    """往来余额表 of customers on 1122 (debit balances positive)."""
    rows = reports.ar_balances(uow, company, period, to)
    return {"company": company, "period": period, "to": to or period, "rows": _fmt(rows, reports.AR_MONEY)}


@router.get("/document-vouchers")
def document_vouchers(
    company: str,
    uow: UoW,
    type: Annotated[str | None, Query(description="Document type, e.g. sales_invoice")] = None,
    period: Annotated[str | None, Query(description="Voucher period YYYY-MM")] = None,
    to: Annotated[str | None, Query(description="Last period of a range, YYYY-MM")] = None,
    limit: Annotated[int, Query(ge=1, le=reports.DV_ROWS_MAX)] = 10_000,
) -> dict[str, Any]:
    """Which documents produced which vouchers."""
    rows = reports.document_vouchers(uow, company, doc_type=type, period=period, to=to, limit=limit)
    return {"company": company, "rows": _fmt(rows, ("amount",))}


def register(app: FastAPI) -> None:
    app.include_router(router)
