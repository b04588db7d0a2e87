"""REST endpoints for purchasing documents: create, list with filters, view with vouchers, state
changes, previews, three-way-match tolerances, and the AP balances report (往来余额表)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI

from yecai.api.deps import UoW
from yecai.api.documents import document_route, list_route
from yecai.core.money import format_minor
from yecai.purchasing import service
from yecai.purchasing.schemas import (
    BillCreate,
    BillUpdate,
    OrderCreate,
    PaymentCreate,
    ReceiptCreate,
    ReturnCreate,
    SettingsUpdate,
)

router = APIRouter(prefix="/api/companies/{company}/purchasing", tags=["purchasing"])
reports_router = APIRouter(prefix="/api/companies/{company}/reports", tags=["reports"])


@router.put("/settings")
def settings_update(company: str, body: SettingsUpdate, uow: UoW) -> dict[str, Any]:
    return service.set_settings(
        uow, company, qty_tolerance=body.qty_tolerance_pct, price_tolerance=body.price_tolerance_pct
    )


@router.post("/orders", status_code=201)
def order_create(company: str, body: OrderCreate, uow: UoW) -> dict[str, Any]:
    return service.create_order(
        uow,
        company,
        supplier=body.supplier,
        day=body.date,
        prices_include_tax=body.prices_include_tax,
        note=body.note,
        lines=[ln.model_dump() for ln in body.lines],
    )


list_route(router, "/orders", service.list_orders, ["status", "supplier"], name="orders")
document_route(router.get, "/orders/{doc_id}", service.get_order, name="order_get")
document_route(router.post, "/orders/{doc_id}/cancel", service.cancel_order, name="order_cancel")


@router.post("/receipts", status_code=201)
def receipt_create(company: str, body: ReceiptCreate, uow: UoW) -> dict[str, Any]:
    lines = [(ln.line_no, ln.qty) for ln in body.lines] if body.lines is not None else None
    return service.create_receipt(
        uow,
        company,
        order_id=body.order_id,
        day=body.date,
        warehouse=body.warehouse,
        lines=lines,
        post=body.post,
    )


list_route(router, "/receipts", service.list_receipts, ["status", "supplier"], name="receipts")
document_route(router.get, "/receipts/{doc_id}", service.get_receipt, name="receipt_get")
document_route(router.post, "/receipts/{doc_id}/post", service.post_receipt, name="receipt_post")
document_route(router.get, "/receipts/{doc_id}/preview", service.preview_receipt, name="receipt_preview")


@router.post("/bills", status_code=201)
def bill_create(company: str, body: BillCreate, uow: UoW) -> dict[str, Any]:
    lines = [ln.model_dump(exclude_none=True) for ln in body.lines] if body.lines is not None else None
    return service.create_bill(
        uow,
        company,
        supplier=body.supplier,
        day=body.date,
        orders=body.orders,
        lines=lines,
        invoice_no=body.invoice_no,
        post=body.post,
    )


@router.put("/bills/{doc_id}")
def bill_update(company: str, doc_id: int, body: BillUpdate, uow: UoW) -> dict[str, Any]:
    return service.update_bill(
        uow,
        company,
        doc_id,
        lines=[ln.model_dump(exclude_none=True) for ln in body.lines],
        day=body.date,
        invoice_no=body.invoice_no,
    )


list_route(router, "/bills", service.list_bills, ["status", "supplier"], name="bills")
document_route(router.get, "/bills/{doc_id}", service.get_bill, name="bill_get")
document_route(router.post, "/bills/{doc_id}/post", service.post_bill, name="bill_post")
document_route(router.get, "/bills/{doc_id}/preview", service.preview_bill, name="bill_preview")


@router.post("/payments", status_code=201)
def payment_create(company: str, body: PaymentCreate, uow: UoW) -> dict[str, Any]:
    return service.create_payment(
        uow,
        company,
        supplier=body.supplier,
        day=body.date,
        amount=body.amount,
        bill_id=body.bill_id,
        method=body.method,
    )


list_route(router, "/payments", service.list_payments, ["status", "supplier"], name="payments")
document_route(router.get, "/payments/{doc_id}", service.get_payment, name="payment_get")


@router.post("/returns", status_code=201)
def return_create(company: str, body: ReturnCreate, uow: UoW) -> dict[str, Any]:
    lines = [(ln.line_no, ln.qty) for ln in body.lines] if body.lines is not None else None
    return service.create_return(uow, company, receipt_id=body.receipt_id, day=body.date, lines=lines)


list_route(router, "/returns", service.list_returns, ["status", "supplier"], name="returns")
document_route(router.get, "/returns/{doc_id}", service.get_return, name="return_get")


@reports_router.get("/ap-balances")
def ap_balances(company: str, uow: UoW, period: str | None = None) -> dict[str, Any]:
    """往来余额表 of suppliers (2202): opening, period debit/credit, closing; payable positive."""
    rows = service.ap_balances(uow, company, period=period)
    money = ("opening", "period_debit", "period_credit", "closing")
    return {"company": company, "rows": [{**r, **{k: format_minor(r[k]) for k in money}} for r in rows]}


def register(app: FastAPI) -> None:
    app.include_router(router)
    app.include_router(reports_router)
