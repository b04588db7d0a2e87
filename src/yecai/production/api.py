"""REST endpoints for production: bills of materials, work orders (create, release, close, preview
of the close), material issues, cost collections and overhead allocation, finished-goods receipts
(with a preview); lists with filters and views with their vouchers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, FastAPI

from yecai.api.deps import UoW
from yecai.api.documents import document_route, list_route
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


list_route(router, "/work-orders", service.list_work_orders, ["status", "item", "project"], name="orders")
document_route(router.get, "/work-orders/{doc_id}", service.get_work_order, name="order_get")
document_route(router.post, "/work-orders/{doc_id}/release", service.release_work_order, name="order_release")


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


list_route(router, "/issues", service.list_issues, ["status", "work_order"], name="issues")
document_route(router.get, "/issues/{doc_id}", service.get_issue, name="issue_get")


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


list_route(router, "/costs", service.list_costs, ["status", "work_order"], name="costs")
document_route(router.get, "/costs/{doc_id}", service.get_cost, name="cost_get")


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


list_route(router, "/receipts", service.list_receipts, ["status", "work_order"], name="receipts")
document_route(router.get, "/receipts/{doc_id}", service.get_receipt, name="receipt_get")


def register(app: FastAPI) -> None:
    app.include_router(router)
