"""REST endpoints for inventory: transfers, stock counts, the month-end cost run and the stock
valuation report (库存余额表). Stock receipts are served by posting.api."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, FastAPI

from yecai.api.deps import UoW
from yecai.inventory import documents, service
from yecai.inventory.schemas import CostRun, CountCreate, CountProcess, TransferCreate

router = APIRouter(prefix="/api/companies/{company}", tags=["inventory"])


@router.post("/stock/transfers", status_code=201)
def transfer_create(company: str, body: TransferCreate, uow: UoW) -> dict[str, Any]:
    return documents.create_transfer(
        uow,
        company,
        from_warehouse=body.from_warehouse,
        to_warehouse=body.to_warehouse,
        day=body.date,
        lines=[(ln.item, ln.qty) for ln in body.lines],
        note=body.note,
    )


@router.get("/stock/transfers")
def transfers(company: str, uow: UoW) -> list[dict[str, Any]]:
    return documents.list_transfers(uow, company)


@router.get("/stock/transfers/{doc_id}")
def transfer_get(company: str, doc_id: int, uow: UoW) -> dict[str, Any]:
    return documents.get_transfer(uow, company, doc_id)


@router.post("/stock/counts", status_code=201)
def count_create(company: str, body: CountCreate, uow: UoW) -> dict[str, Any]:
    return documents.create_count(
        uow,
        company,
        warehouse=body.warehouse,
        day=body.date,
        lines=[(ln.item, ln.counted) for ln in body.lines],
        note=body.note,
        confirm=body.confirm,
    )


@router.get("/stock/counts")
def counts(company: str, uow: UoW) -> list[dict[str, Any]]:
    return documents.list_counts(uow, company)


@router.get("/stock/counts/{doc_id}")
def count_get(company: str, doc_id: int, uow: UoW) -> dict[str, Any]:
    return documents.get_count(uow, company, doc_id)


@router.post("/stock/counts/{doc_id}/confirm")
def count_confirm(company: str, doc_id: int, uow: UoW) -> dict[str, Any]:
    return documents.confirm_count(uow, company, doc_id)


@router.post("/stock/counts/{doc_id}/process")
def count_process(company: str, doc_id: int, body: CountProcess, uow: UoW) -> dict[str, Any]:
    return documents.process_count(
        uow, company, doc_id, day=body.date, cause=body.cause, department=body.department
    )


@router.post("/stock/cost-runs")
def cost_run(company: str, body: CostRun, uow: UoW) -> dict[str, Any]:
    return service.run_month_end_costing(uow, company, body.period)


@router.get("/reports/stock-valuation")
def stock_valuation(
    company: str,
    uow: UoW,
    period: str | None = None,
    date: dt.date | None = None,
    warehouse: str | None = None,
) -> dict[str, Any]:
    """库存余额表: rows (item_code, item_name, warehouse_code, unit, quantity, amount, unit_cost)
    and the total, now or at the end of a period / a date."""
    return service.stock_valuation(uow, company, period=period, day=date, warehouse=warehouse)


def register(app: FastAPI) -> None:
    app.include_router(router)
