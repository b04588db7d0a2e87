"""REST endpoints for dunning (催收): policies, SMTP, the run (with a dry-run preview), customers'
contacts, promises to pay, disputes, timelines, tasks and late-fee charges."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, ConfigDict, Field

from yecai.api.deps import UoW
from yecai.receivables import dunning

router = APIRouter(prefix="/api/companies/{company}/receivables/dunning", tags=["receivables", "dunning"])


class PolicyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field("", max_length=100)
    language: str = "zh_CN"
    default: bool = False
    active: bool = True
    # validated by dunning_domain.parse_levels, which names the level, action and parameter refused
    levels: list[dict[str, Any]] = Field(min_length=1, max_length=10)


class SmtpIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    host: str = Field(max_length=200)
    port: int = 25
    security: str = "none"
    username: str = Field("", max_length=200)
    password: str | None = Field(None, max_length=500, description="Omit to keep the stored password")
    sender: str = Field(max_length=200)
    timeout_ms: int = 10_000


class RunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    as_of: dt.date | None = None
    dry_run: bool = False


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str | None = Field(None, max_length=300)
    language: str | None = None
    policy: str | None = None
    excluded: bool | None = None


class PromiseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: dt.date
    amount: str = Field(max_length=30)
    note: str = Field("", max_length=200)


class DisputeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(max_length=200)
    doc_no: str = Field("", max_length=40)


@router.get("/policies")
def policies(company: str, uow: UoW) -> list[dict[str, Any]]:
    return dunning.list_policies(uow, company)


@router.get("/policies/{code}")
def policy_get(company: str, code: str, uow: UoW) -> dict[str, Any]:
    return dunning.get_policy(uow, company, code)


@router.put("/policies/{code}")
def policy_put(company: str, code: str, body: PolicyIn, uow: UoW) -> dict[str, Any]:
    return dunning.save_policy(
        uow,
        company,
        code=code,
        name=body.name,
        levels=body.levels,
        language=body.language,
        default=body.default,
        active=body.active,
    )


@router.get("/smtp")
def smtp_get(company: str, uow: UoW) -> dict[str, Any]:
    return dunning.get_smtp(uow, company)


@router.put("/smtp")
def smtp_put(company: str, body: SmtpIn, uow: UoW) -> dict[str, Any]:
    return dunning.set_smtp(uow, company, **body.model_dump())


@router.post("/run")
def run(company: str, body: RunIn, uow: UoW) -> dict[str, Any]:
    return dunning.run(uow, company, as_of=body.as_of, dry_run=body.dry_run).to_dict()


@router.get("/customers")
def customers(company: str, uow: UoW) -> list[dict[str, Any]]:
    return dunning.list_customers(uow, company)


@router.get("/customers/{customer}")
def customer_get(company: str, customer: str, uow: UoW) -> dict[str, Any]:
    return dunning.customer_state(uow, company, customer)


@router.put("/customers/{customer}/contact")
def contact_put(company: str, customer: str, body: ContactIn, uow: UoW) -> dict[str, Any]:
    return dunning.set_contact(uow, company, customer, **body.model_dump())


@router.post("/customers/{customer}/promise", status_code=201)
def promise_post(company: str, customer: str, body: PromiseIn, uow: UoW) -> dict[str, Any]:
    return dunning.set_promise(
        uow, company, customer, promise_date=body.date, amount=body.amount, note=body.note
    )


@router.delete("/customers/{customer}/promise")
def promise_delete(company: str, customer: str, uow: UoW) -> dict[str, Any]:
    return dunning.clear_promise(uow, company, customer)


@router.post("/customers/{customer}/disputes", status_code=201)
def dispute_post(company: str, customer: str, body: DisputeIn, uow: UoW) -> dict[str, Any]:
    return dunning.set_dispute(uow, company, customer, reason=body.reason, doc_no=body.doc_no)


@router.delete("/customers/{customer}/disputes")
def dispute_delete(company: str, customer: str, uow: UoW, doc_no: str = "") -> dict[str, Any]:
    return dunning.clear_dispute(uow, company, customer, doc_no=doc_no)


@router.get("/customers/{customer}/letter")
def customer_letter(
    company: str, customer: str, uow: UoW, as_of: dt.date | None = None, language: str | None = None
) -> dict[str, Any]:
    return dunning.letter_preview(uow, company, customer, as_of=as_of, language=language)


@router.get("/customers/{customer}/timeline")
def customer_timeline(company: str, customer: str, uow: UoW) -> list[dict[str, Any]]:
    return dunning.timeline(uow, company, customer)


@router.get("/tasks")
def tasks(
    company: str, uow: UoW, assignee: str | None = None, include_done: bool = False
) -> list[dict[str, Any]]:
    return dunning.list_tasks(uow, company, assignee=assignee, include_done=include_done)


@router.post("/tasks/{task_id}/done")
def task_done(company: str, task_id: int, uow: UoW) -> dict[str, Any]:
    return dunning.complete_task(uow, company, task_id)


@router.get("/charges")
def charges(company: str, uow: UoW, customer: str | None = None) -> list[dict[str, Any]]:
    return dunning.charges(uow, company, customer=customer)


class WaiveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(max_length=200)
    date: dt.date | None = None


@router.post("/charges/{no}/waive")
def charge_waive(company: str, no: str, body: WaiveIn, uow: UoW) -> dict[str, Any]:
    return dunning.waive_charge(uow, company, no, reason=body.reason, day=body.date)


def register(app: FastAPI) -> None:
    app.include_router(router)
