"""REST endpoints for sales documents: create, list with filters, view with vouchers, state
changes and previews."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI

from yecai.api.deps import UoW
from yecai.api.documents import document_route, list_route
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


list_route(router, "/orders", service.list_orders, ["status", "customer"], name="orders")
document_route(router.get, "/orders/{doc_id}", service.get_order, name="order_get")
document_route(router.post, "/orders/{doc_id}/cancel", service.cancel_order, name="order_cancel")


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


list_route(router, "/deliveries", service.list_deliveries, ["status", "customer"], name="deliveries")
document_route(router.get, "/deliveries/{doc_id}", service.get_delivery, name="delivery_get")
document_route(router.post, "/deliveries/{doc_id}/confirm", service.confirm_delivery, name="delivery_confirm")
document_route(router.get, "/deliveries/{doc_id}/preview", service.preview_delivery, name="delivery_preview")


@router.post("/invoices", status_code=201)
def invoice_create(company: str, body: InvoiceCreate, uow: UoW) -> dict[str, Any]:
    lines = [(ln.order_id, ln.line_no, ln.qty) for ln in body.lines] if body.lines is not None else None
    return service.create_invoice(
        uow, company, customer=body.customer, day=body.date, orders=body.orders, lines=lines, post=body.post
    )


list_route(router, "/invoices", service.list_invoices, ["status", "customer"], name="invoices")
document_route(router.get, "/invoices/{doc_id}", service.get_invoice, name="invoice_get")
document_route(router.post, "/invoices/{doc_id}/post", service.post_invoice, name="invoice_post")
document_route(router.get, "/invoices/{doc_id}/preview", service.preview_invoice, name="invoice_preview")


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


list_route(router, "/receipts", service.list_receipts, ["status", "customer"], name="receipts")
document_route(router.get, "/receipts/{doc_id}", service.get_receipt, name="receipt_get")


def register(app: FastAPI) -> None:
    from yecai.sales import api_returns  # returns, credit notes, credit control

    app.include_router(router)
    app.include_router(api_returns.router)
