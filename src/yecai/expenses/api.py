"""REST endpoints for expense claims (create, list with filters, view with vouchers, preview,
approve, pay, cancel), employee advances, and department kinds."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, FastAPI

from yecai.api.deps import UoW
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


@router.get("/claims")
def claims(
    company: str,
    uow: UoW,
    status: str | None = None,
    employee: str | None = None,
    department: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> list[dict[str, Any]]:
    return service.list_claims(
        uow,
        company,
        status=status,
        employee=employee,
        department=department,
        date_from=date_from,
        date_to=date_to,
    )


@router.get("/claims/{doc_id}")
def claim_get(company: str, doc_id: int, uow: UoW) -> dict[str, Any]:
    return service.get_claim(uow, company, doc_id)


@router.get("/claims/{doc_id}/preview")
def claim_preview(company: str, doc_id: int, uow: UoW) -> dict[str, Any]:
    return service.preview_claim(uow, company, doc_id)


@router.post("/claims/{doc_id}/approve")
def claim_approve(company: str, doc_id: int, body: ApproveIn, uow: UoW) -> dict[str, Any]:
    return service.approve_claim(uow, company, doc_id, day=body.date)


@router.post("/claims/{doc_id}/pay")
def claim_pay(company: str, doc_id: int, body: PayIn, uow: UoW) -> dict[str, Any]:
    return service.pay_claim(uow, company, doc_id, day=body.date, method=body.method, offset=body.offset)


@router.post("/claims/{doc_id}/cancel")
def claim_cancel(company: str, doc_id: int, uow: UoW) -> dict[str, Any]:
    return service.cancel_claim(uow, company, doc_id)


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


@router.get("/advances")
def advances(
    company: str,
    uow: UoW,
    status: str | None = None,
    employee: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> list[dict[str, Any]]:
    return service.list_advances(
        uow, company, status=status, employee=employee, date_from=date_from, date_to=date_to
    )


@router.get("/advances/{doc_id}")
def advance_get(company: str, doc_id: int, uow: UoW) -> dict[str, Any]:
    return service.get_advance(uow, company, doc_id)


def register(app: FastAPI) -> None:
    app.include_router(router)
