"""REST endpoints for expense claims (create, list with filters, view with vouchers, preview,
approve, pay, cancel), employee advances, and department kinds."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI

from yecai.api.deps import UoW
from yecai.api.documents import document_route, list_route
from yecai.expenses import service
from yecai.expenses.schemas import AdvanceCreate, ApproveIn, ClaimCreate, DepartmentKindIn, PayIn

router = APIRouter(prefix="/api/companies/{company}/expenses", tags=["expenses"])


@router.put("/departments/{department}")
def department_kind(company: str, department: str, body: DepartmentKindIn, uow: UoW) -> dict[str, str]:
    return service.set_department_kind(uow, company, department, body.kind)


@router.post("/claims", status_code=201)
def claim_create(company: str, body: ClaimCreate, uow: UoW) -> dict[str, Any]:
    return service.create_claim(
        uow,
        company,
        employee=body.employee,
        department=body.department,
        day=body.date,
        attachments=body.attachments,
        note=body.note,
        lines=[ln.model_dump() for ln in body.lines],
    )


list_route(router, "/claims", service.list_claims, ["status", "employee", "department"], name="claims")
document_route(router.get, "/claims/{doc_id}", service.get_claim, name="claim_get")
document_route(router.get, "/claims/{doc_id}/preview", service.preview_claim, name="claim_preview")


@router.post("/claims/{doc_id}/approve")
def claim_approve(company: str, doc_id: int, body: ApproveIn, uow: UoW) -> dict[str, Any]:
    return service.approve_claim(uow, company, doc_id, day=body.date)


@router.post("/claims/{doc_id}/pay")
def claim_pay(company: str, doc_id: int, body: PayIn, uow: UoW) -> dict[str, Any]:
    return service.pay_claim(uow, company, doc_id, day=body.date, method=body.method, offset=body.offset)


document_route(router.post, "/claims/{doc_id}/cancel", service.cancel_claim, name="claim_cancel")


@router.post("/advances", status_code=201)
def advance_create(company: str, body: AdvanceCreate, uow: UoW) -> dict[str, Any]:
    return service.create_advance(
        uow,
        company,
        employee=body.employee,
        day=body.date,
        amount=body.amount,
        method=body.method,
        note=body.note,
    )


list_route(router, "/advances", service.list_advances, ["status", "employee"], name="advances")
document_route(router.get, "/advances/{doc_id}", service.get_advance, name="advance_get")


def register(app: FastAPI) -> None:
    app.include_router(router)
