"""REST endpoints for sales returns (销售退货), red credit notes (红字发票) and credit control
(信用控制): approvals of orders held over the limit, holds, the mode and a customer's exposure."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from yecai.api.deps import UoW
from yecai.api.documents import document_route, list_route
from yecai.sales import credit, returns
from yecai.sales import service as sales
from yecai.sales.schemas import CreditControlIn, CreditDecision, CreditHoldIn, CreditNoteCreate, ReturnCreate

router = APIRouter(prefix="/api/companies/{company}/sales", tags=["sales"])


@router.post("/returns", status_code=201)
def return_create(company: str, body: ReturnCreate, uow: UoW) -> dict[str, Any]:
    return returns.create_return(
        uow,
        company,
        delivery_id=body.delivery_id,
        day=body.date,
        warehouse=body.warehouse,
        reason=body.reason,
        lines=[(ln.line_no, ln.qty) for ln in body.lines] if body.lines is not None else None,
    )


list_route(router, "/returns", returns.list_returns, ["customer"], name="return_list")
document_route(router.get, "/returns/{doc_id}", returns.get_return, name="return_get")


@router.post("/credit-notes", status_code=201)
def credit_note_create(company: str, body: CreditNoteCreate, uow: UoW) -> dict[str, Any]:
    return returns.create_credit_note(
        uow,
        company,
        invoice_id=body.invoice_id,
        day=body.date,
        reason=body.reason,
        lines=[(ln.line_no, ln.qty) for ln in body.lines] if body.lines is not None else None,
    )


list_route(router, "/credit-notes", returns.list_credit_notes, ["customer"], name="credit_note_list")
document_route(router.get, "/credit-notes/{doc_id}", returns.get_credit_note, name="credit_note_get")


@router.get("/credit/pending")
def credit_pending(company: str, uow: UoW) -> list[dict[str, Any]]:
    """Orders held over the credit limit, waiting for a finance manager."""
    return sales.list_orders(uow, company, status="pending_approval")


@router.post("/orders/{doc_id}/credit-approval")
def credit_approve(company: str, doc_id: int, body: CreditDecision, uow: UoW) -> dict[str, Any]:
    return credit.approve_order(uow, company, doc_id, note=body.note)


@router.post("/orders/{doc_id}/credit-rejection")
def credit_reject(company: str, doc_id: int, body: CreditDecision, uow: UoW) -> dict[str, Any]:
    return credit.reject_order(uow, company, doc_id, note=body.note)


@router.get("/customers/{customer}/credit")
def customer_credit(company: str, customer: str, uow: UoW) -> dict[str, Any]:
    return credit.customer_credit(uow, company, customer)


@router.put("/customers/{customer}/credit-hold")
def customer_credit_hold(company: str, customer: str, body: CreditHoldIn, uow: UoW) -> dict[str, Any]:
    return credit.set_credit_hold(uow, company, customer, on_hold=body.on_hold, reason=body.reason)


@router.put("/settings/credit-control")
def credit_control(company: str, body: CreditControlIn, uow: UoW) -> dict[str, Any]:
    return credit.set_credit_control(uow, company, body.mode)
