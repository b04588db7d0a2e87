"""REST endpoints for purchasing documents: create, list with filters, view with vouchers, state
changes, previews, three-way-match tolerances, and the AP balances report (往来余额表)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, FastAPI

from yecai.api.deps import UoW
from yecai.core.money import format_minor
from yecai.purchasing import service
from yecai.purchasing.schemas import (
    BillCreate,
    OrderCreate,
    PaymentCreate,
    ReceiptCreate,
    ReturnCreate,
    SettingsUpdate,
)

router = APIRouter(prefix="/api/companies/{company}/purchasing", tags=["purchasing"])
reports_router = APIRouter(prefix="/api/companies/{company}/reports", tags=["reports"])

Filters = dict[str, Any]


def _filters(
    status: str | None, supplier: str | None, date_from: dt.date | None, date_to: dt.date | None
) -> Filters:
    return {"status": status, "supplier": supplier, "date_from": date_from, "date_to": date_to}


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


@router.get("/orders")
def orders(
    company: str,
    uow: UoW,
    status: str | None = None,
    supplier: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> list[dict[str, Any]]:
    return service.list_orders(uow, company, **_filters(status, supplier, date_from, date_to))


@router.get("/orders/{doc_id}")
def order_get(company: str, doc_id: int, uow: UoW) -> dict[str, Any]:
    return service.get_order(uow, company, doc_id)


@router.post("/orders/{doc_id}/cancel")
def order_cancel(company: str, doc_id: int, uow: UoW) -> dict[str, Any]:
    return service.cancel_order(uow, company, doc_id)


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


@router.get("/receipts")
def receipts(
    company: str,
    uow: UoW,
    status: str | None = None,
    supplier: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> list[dict[str, Any]]:
    return service.list_receipts(uow, company, **_filters(status, supplier, date_from, date_to))


@router.get("/receipts/{doc_id}")
def receipt_get(company: str, doc_id: int, uow: UoW) -> dict[str, Any]:
    return service.get_receipt(uow, company, doc_id)


@router.post("/receipts/{doc_id}/post")
def receipt_post(company: str, doc_id: int, uow: UoW) -> dict[str, Any]:
    return service.post_receipt(uow, company, doc_id)


@router.get("/receipts/{doc_id}/preview")
def receipt_preview(company: str, doc_id: int, uow: UoW) -> dict[str, Any]:
    return service.preview_receipt(uow, company, doc_id)


@router.post("/bills", status_code=201)
def bill_create(company: str, body: BillCreate, uow: UoW) -> dict[str, Any]:
    lines = [ln.model_dump() for ln in body.lines] if body.lines is not None else None
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


@router.get("/bills")
def bills(
    company: str,
    uow: UoW,
    status: str | None = None,
    supplier: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> list[dict[str, Any]]:
    return service.list_bills(uow, company, **_filters(status, supplier, date_from, date_to))


@router.get("/bills/{doc_id}")
def bill_get(company: str, doc_id: int, uow: UoW) -> dict[str, Any]:
    return service.get_bill(uow, company, doc_id)


@router.post("/bills/{doc_id}/post")
def bill_post(company: str, doc_id: int, uow: UoW) -> dict[str, Any]:
    return service.post_bill(uow, company, doc_id)


@router.get("/bills/{doc_id}/preview")
def bill_preview(company: str, doc_id: int, uow: UoW) -> dict[str, Any]:
    return service.preview_bill(uow, company, doc_id)


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


@router.get("/payments")
def payments(
    company: str,
    uow: UoW,
    status: str | None = None,
    supplier: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> list[dict[str, Any]]:
    return service.list_payments(uow, company, **_filters(status, supplier, date_from, date_to))


@router.get("/payments/{doc_id}")
def payment_get(company: str, doc_id: int, uow: UoW) -> dict[str, Any]:
    return service.get_payment(uow, company, doc_id)


@router.post("/returns", status_code=201)
def return_create(company: str, body: ReturnCreate, uow: UoW) -> dict[str, Any]:
    lines = [(ln.line_no, ln.qty) for ln in body.lines] if body.lines is not None else None
    return service.create_return(uow, company, receipt_id=body.receipt_id, day=body.date, lines=lines)


@router.get("/returns")
def returns(
    company: str,
    uow: UoW,
    status: str | None = None,
    supplier: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> list[dict[str, Any]]:
    return service.list_returns(uow, company, **_filters(status, supplier, date_from, date_to))


@router.get("/returns/{doc_id}")
def return_get(company: str, doc_id: int, uow: UoW) -> dict[str, Any]:
    return service.get_return(uow, company, doc_id)


@reports_router.get("/ap-balances")
def ap_balances(company: str, uow: UoW, period: str | None = None) -> dict[str, Any]:
    """往来余额表 of suppliers (2202): opening, period debit/credit, closing; payable positive."""
    rows = service.ap_balances(uow, company, period=period)
    money = ("opening", "period_debit", "period_credit", "closing")
    return {"company": company, "rows": [{**r, **{k: format_minor(r[k]) for k in money}} for r in rows]}


def register(app: FastAPI) -> None:
    app.include_router(router)
    app.include_router(reports_router)
