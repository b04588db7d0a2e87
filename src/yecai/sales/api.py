"""REST endpoints for sales documents: create, list with filters, view with vouchers, state
changes and previews."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, FastAPI

from yecai.api.deps import UoW
from yecai.sales import service
from yecai.sales.schemas import DeliveryCreate, InvoiceCreate, OrderCreate, ReceiptCreate

router = APIRouter(prefix="/api/companies/{company}/sales", tags=["sales"])


@router.post("/orders", status_code=201)
def order_create(company: str, body: OrderCreate, uow: UoW) -> dict[str, Any]:
    return service.create_order(
        uow,
        company,
        customer=body.customer,
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
    customer: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> list[dict[str, Any]]:
    return service.list_orders(
        uow, company, status=status, customer=customer, date_from=date_from, date_to=date_to
    )


@router.get("/orders/{doc_id}")
def order_get(company: str, doc_id: int, uow: UoW) -> dict[str, Any]:
    return service.get_order(uow, company, doc_id)


@router.post("/orders/{doc_id}/cancel")
def order_cancel(company: str, doc_id: int, uow: UoW) -> dict[str, Any]:
    return service.cancel_order(uow, company, doc_id)


@router.post("/deliveries", status_code=201)
def delivery_create(company: str, body: DeliveryCreate, uow: UoW) -> dict[str, Any]:
    lines = [(ln.line_no, ln.qty) for ln in body.lines] if body.lines is not None else None
    return service.create_delivery(
        uow,
        company,
        order_id=body.order_id,
        day=body.date,
        warehouse=body.warehouse,
        lines=lines,
        confirm=body.confirm,
    )


@router.get("/deliveries")
def deliveries(
    company: str,
    uow: UoW,
    status: str | None = None,
    customer: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> list[dict[str, Any]]:
    return service.list_deliveries(
        uow, company, status=status, customer=customer, date_from=date_from, date_to=date_to
    )


@router.get("/deliveries/{doc_id}")
def delivery_get(company: str, doc_id: int, uow: UoW) -> dict[str, Any]:
    return service.get_delivery(uow, company, doc_id)


@router.post("/deliveries/{doc_id}/confirm")
def delivery_confirm(company: str, doc_id: int, uow: UoW) -> dict[str, Any]:
    return service.confirm_delivery(uow, company, doc_id)


@router.get("/deliveries/{doc_id}/preview")
def delivery_preview(company: str, doc_id: int, uow: UoW) -> dict[str, Any]:
    return service.preview_delivery(uow, company, doc_id)


@router.post("/invoices", status_code=201)
def invoice_create(company: str, body: InvoiceCreate, uow: UoW) -> dict[str, Any]:
    lines = [(ln.order_id, ln.line_no, ln.qty) for ln in body.lines] if body.lines is not None else None
    return service.create_invoice(
        uow, company, customer=body.customer, day=body.date, orders=body.orders, lines=lines, post=body.post
    )


@router.get("/invoices")
def invoices(
    company: str,
    uow: UoW,
    status: str | None = None,
    customer: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> list[dict[str, Any]]:
    return service.list_invoices(
        uow, company, status=status, customer=customer, date_from=date_from, date_to=date_to
    )


@router.get("/invoices/{doc_id}")
def invoice_get(company: str, doc_id: int, uow: UoW) -> dict[str, Any]:
    return service.get_invoice(uow, company, doc_id)


@router.post("/invoices/{doc_id}/post")
def invoice_post(company: str, doc_id: int, uow: UoW) -> dict[str, Any]:
    return service.post_invoice(uow, company, doc_id)


@router.get("/invoices/{doc_id}/preview")
def invoice_preview(company: str, doc_id: int, uow: UoW) -> dict[str, Any]:
    return service.preview_invoice(uow, company, doc_id)


@router.post("/receipts", status_code=201)
def receipt_create(company: str, body: ReceiptCreate, uow: UoW) -> dict[str, Any]:
    return service.create_receipt(
        uow,
        company,
        customer=body.customer,
        day=body.date,
        amount=body.amount,
        invoice_id=body.invoice_id,
        method=body.method,
    )


@router.get("/receipts")
def receipts(
    company: str,
    uow: UoW,
    status: str | None = None,
    customer: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> list[dict[str, Any]]:
    return service.list_receipts(
        uow, company, status=status, customer=customer, date_from=date_from, date_to=date_to
    )


@router.get("/receipts/{doc_id}")
def receipt_get(company: str, doc_id: int, uow: UoW) -> dict[str, Any]:
    return service.get_receipt(uow, company, doc_id)


def register(app: FastAPI) -> None:
    from yecai.sales import api_returns  # returns, credit notes, credit control

    app.include_router(router)
    app.include_router(api_returns.router)
