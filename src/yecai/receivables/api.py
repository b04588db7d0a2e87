"""REST endpoints for the open-items ledger: open items, applications (apply / un-apply), aging
with drill-down, customer statements (PDF / XLSX / JSON), timelines and customer owners."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from yecai.api.deps import UoW, request_locale
from yecai.receivables import aging, items, statements

router = APIRouter(prefix="/api/companies/{company}/receivables", tags=["receivables"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ApplyIn(BaseModel):
    """Exactly one of receipt / credit_note (an id or a document number)."""

    model_config = ConfigDict(extra="forbid")
    receipt: str | None = Field(None, max_length=40)
    credit_note: str | None = Field(None, max_length=40)
    invoice: str = Field(max_length=40)
    amount: str = Field(max_length=30, description="Decimal text, e.g. 113.00")
    date: dt.date | None = None
    note: str = Field("", max_length=200)
    idempotency_key: str | None = Field(None, max_length=80)


class UnapplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=200)
    date: dt.date | None = None


class OwnerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    salesperson: str = Field("", max_length=60)
    department: str = Field("", max_length=40)


@router.get("/open-items")
def open_items(
    company: str,
    uow: UoW,
    customer: str | None = None,
    as_of: dt.date | None = None,
    include_closed: bool = False,
    kind: Literal["invoice", "receipt", "credit_note"] | None = None,
) -> list[dict[str, Any]]:
    return items.open_items(
        uow, company, customer=customer, as_of=as_of, include_closed=include_closed, kind=kind
    )


@router.get("/applications")
def applications(
    company: str, uow: UoW, customer: str | None = None, doc: str | None = None
) -> list[dict[str, Any]]:
    return items.list_applications(uow, company, customer=customer, doc=doc)


@router.post("/applications", status_code=201)
def apply(company: str, body: ApplyIn, uow: UoW) -> dict[str, Any]:
    return items.apply(
        uow,
        company,
        receipt_id=body.receipt,
        credit_note_id=body.credit_note,
        invoice_id=body.invoice,
        amount=body.amount,
        note=body.note,
        day=body.date,
        idempotency_key=body.idempotency_key,
    )


@router.post("/applications/{application_id}/unapply", status_code=201)
def unapply(company: str, application_id: int, body: UnapplyIn, uow: UoW) -> dict[str, Any]:
    return items.unapply(uow, company, application_id, reason=body.reason, day=body.date)


@router.get("/aging")
def aging_report(
    company: str,
    uow: UoW,
    as_of: dt.date | None = None,
    basis: Literal["due", "invoice"] = "due",
    buckets: str | None = None,
    by: Literal["customer", "salesperson", "department", "group"] = "customer",
    customer: str | None = None,
    dso_days: int = 90,
) -> dict[str, Any]:
    return aging.aging(
        uow,
        company,
        as_of=as_of,
        basis=basis,
        buckets=buckets,
        by=by,
        customer=customer,
        dso_days=dso_days,
    )


@router.get("/aging/items")
def aging_items(
    company: str,
    uow: UoW,
    as_of: dt.date | None = None,
    basis: Literal["due", "invoice"] = "due",
    buckets: str | None = None,
    by: Literal["customer", "salesperson", "department", "group"] = "customer",
    key: str | None = None,
    bucket: str | None = None,
) -> list[dict[str, Any]]:
    """Drill-down: the items behind one aging cell."""
    return aging.aging_items(
        uow, company, as_of=as_of, basis=basis, buckets=buckets, by=by, key=key, bucket=bucket
    )


@router.get("/customers/{customer}/statement", response_model=None)
def statement(
    company: str,
    customer: str,
    uow: UoW,
    request: Request,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    format: Literal["json", "pdf", "xlsx"] = "json",
    lang: Literal["zh_CN", "en"] | None = None,
) -> dict[str, Any] | Response:
    """对账单: JSON, or a PDF / XLSX download in Chinese (English for English users or lang=en)."""
    data = statements.statement(uow, company, customer, date_from=date_from, date_to=date_to)
    if format == "json":
        return data
    locale = lang or request_locale(request)
    name = f"statement-{customer}-{data['date_from']}-{data['date_to']}.{format}"
    body = (
        statements.statement_pdf(data, locale) if format == "pdf" else statements.statement_xlsx(data, locale)
    )
    return Response(
        body,
        media_type="application/pdf" if format == "pdf" else XLSX,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )


@router.get("/customers/{customer}/timeline")
def timeline(company: str, customer: str, uow: UoW, limit: int = 200) -> list[dict[str, Any]]:
    return items.customer_timeline(uow, company, customer, limit=limit)


@router.put("/customers/{customer}/owner")
def owner(company: str, customer: str, body: OwnerIn, uow: UoW) -> dict[str, str]:
    return items.set_owner(uow, company, customer, salesperson=body.salesperson, department=body.department)


def register(app: FastAPI) -> None:
    app.include_router(router)
