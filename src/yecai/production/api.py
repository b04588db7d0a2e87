"""REST endpoints for production: bills of materials, work orders (create, release, close, preview
of the close), material issues, cost collections and overhead allocation, finished-goods receipts
(with a preview); lists with filters and views with their vouchers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, FastAPI

from yecai.api.deps import UoW
from yecai.production import service
from yecai.production.schemas import (
    AllocationCreate,
    BomCreate,
    CloseIn,
    CostCreate,
    IssueCreate,
    ReceiptCreate,
    WorkOrderCreate,
)

router = APIRouter(prefix="/api/companies/{company}/production", tags=["production"])


def _filters(
    status: str | None, work_order: str | None, date_from: dt.date | None, date_to: dt.date | None
) -> dict[str, Any]:
    return {"status": status, "work_order": work_order, "date_from": date_from, "date_to": date_to}


@router.post("/boms", status_code=201)
def bom_create(company: str, body: BomCreate, uow: UoW) -> dict[str, Any]:
    return service.create_bom(
        uow, company, item=body.item, note=body.note, lines=[ln.model_dump() for ln in body.lines]
    )


@router.get("/boms")
def boms(company: str, uow: UoW, item: str | None = None, active_only: bool = False) -> list[dict[str, Any]]:
    return service.list_boms(uow, company, item=item, active_only=active_only)


@router.get("/boms/{bom_id}")
def bom_get(company: str, bom_id: int, uow: UoW) -> dict[str, Any]:
    return service.get_bom(uow, company, bom_id)


@router.post("/work-orders", status_code=201)
def order_create(company: str, body: WorkOrderCreate, uow: UoW) -> dict[str, Any]:
    return service.create_work_order(
        uow,
        company,
        item=body.item,
        qty=body.qty,
        day=body.date,
        project=body.project,
        bom_id=body.bom_id,
        note=body.note,
        release=body.release,
    )


@router.get("/work-orders")
def orders(
    company: str,
    uow: UoW,
    status: str | None = None,
    item: str | None = None,
    project: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> list[dict[str, Any]]:
    return service.list_work_orders(
        uow, company, status=status, item=item, project=project, date_from=date_from, date_to=date_to
    )


@router.get("/work-orders/{doc_id}")
def order_get(company: str, doc_id: int, uow: UoW) -> dict[str, Any]:
    return service.get_work_order(uow, company, doc_id)


@router.post("/work-orders/{doc_id}/release")
def order_release(company: str, doc_id: int, uow: UoW) -> dict[str, Any]:
    return service.release_work_order(uow, company, doc_id)


@router.post("/work-orders/{doc_id}/close")
def order_close(company: str, doc_id: int, body: CloseIn, uow: UoW) -> dict[str, Any]:
    return service.close_work_order(uow, company, doc_id, day=body.date)


@router.get("/work-orders/{doc_id}/close-preview")
def order_close_preview(company: str, doc_id: int, date: dt.date, uow: UoW) -> dict[str, Any]:
    return service.preview_close(uow, company, doc_id, day=date)


@router.post("/issues", status_code=201)
def issue_create(company: str, body: IssueCreate, uow: UoW) -> dict[str, Any]:
    lines = [(ln.item, ln.qty) for ln in body.lines] if body.lines is not None else None
    return service.issue_materials(
        uow, company, order_id=body.order_id, day=body.date, warehouse=body.warehouse, lines=lines
    )


@router.get("/issues")
def issues(
    company: str,
    uow: UoW,
    status: str | None = None,
    work_order: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> list[dict[str, Any]]:
    return service.list_issues(uow, company, **_filters(status, work_order, date_from, date_to))


@router.get("/issues/{doc_id}")
def issue_get(company: str, doc_id: int, uow: UoW) -> dict[str, Any]:
    return service.get_issue(uow, company, doc_id)


@router.post("/costs", status_code=201)
def cost_create(company: str, body: CostCreate, uow: UoW) -> dict[str, Any]:
    return service.collect_cost(
        uow,
        company,
        order_id=body.order_id,
        day=body.date,
        kind=body.kind,
        amount=body.amount,
        source_account=body.source_account,
        hours=body.hours,
        note=body.note,
    )


@router.post("/costs/allocate-overhead", status_code=201)
def overhead_allocate(company: str, body: AllocationCreate, uow: UoW) -> list[dict[str, Any]]:
    return service.allocate_overhead(
        uow,
        company,
        day=body.date,
        amount=body.amount,
        hours=[(h.order_id, h.hours) for h in body.hours],
        source_account=body.source_account,
    )


@router.get("/costs")
def costs(
    company: str,
    uow: UoW,
    status: str | None = None,
    work_order: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> list[dict[str, Any]]:
    return service.list_costs(uow, company, **_filters(status, work_order, date_from, date_to))


@router.get("/costs/{doc_id}")
def cost_get(company: str, doc_id: int, uow: UoW) -> dict[str, Any]:
    return service.get_cost(uow, company, doc_id)


@router.post("/receipts", status_code=201)
def receipt_create(company: str, body: ReceiptCreate, uow: UoW) -> dict[str, Any]:
    return service.receive_finished(
        uow, company, order_id=body.order_id, day=body.date, warehouse=body.warehouse, qty=body.qty
    )


@router.post("/receipts/preview")
def receipt_preview(company: str, body: ReceiptCreate, uow: UoW) -> dict[str, Any]:
    return service.preview_receipt(
        uow, company, body.order_id, day=body.date, warehouse=body.warehouse, qty=body.qty
    )


@router.get("/receipts")
def receipts(
    company: str,
    uow: UoW,
    status: str | None = None,
    work_order: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> list[dict[str, Any]]:
    return service.list_receipts(uow, company, **_filters(status, work_order, date_from, date_to))


@router.get("/receipts/{doc_id}")
def receipt_get(company: str, doc_id: int, uow: UoW) -> dict[str, Any]:
    return service.get_receipt(uow, company, doc_id)


def register(app: FastAPI) -> None:
    app.include_router(router)
