"""REST endpoints for posting rules, voucher → document tracing, stock and `check`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, FastAPI

from yecai.api.deps import UoW
from yecai.posting import dryrun, service
from yecai.posting.schemas import RuleSetCheck, RuleSetDryRun, RuleSetIn, StockReceiptCreate

router = APIRouter(prefix="/api/companies/{company}", tags=["posting"])


@router.get("/posting-rules")
def rule_sets(company: str, uow: UoW) -> list[dict[str, Any]]:
    return service.list_rule_sets(uow, company)


@router.get("/posting-rules/current")
def rule_set_current(company: str, uow: UoW, on: dt.date | None = None) -> dict[str, Any]:
    return service.get_rule_set(uow, company, on=on)


@router.get("/posting-rules/{version}")
def rule_set(company: str, version: int, uow: UoW) -> dict[str, Any]:
    return service.get_rule_set(uow, company, version=version)


@router.post("/posting-rules", status_code=201)
def rule_set_save(company: str, body: RuleSetIn, uow: UoW) -> dict[str, Any]:
    return service.save_rule_set(
        uow, company, body.content, effective_from=body.effective_from, note=body.note
    )


@router.post("/posting-rules/check")
def rule_set_check(company: str, body: RuleSetCheck, uow: UoW) -> dict[str, Any]:
    errors = service.check_rule_set(uow, company, body.content)
    return {"ok": not errors, "errors": [e.to_dict("en") for e in errors]}


@router.post("/posting-rules/dry-run")
def rule_set_dry_run(company: str, body: RuleSetDryRun, uow: UoW) -> dict[str, Any]:
    """What a candidate rule set (not saved) would post differently for the documents of past
    periods: per document the voucher lines that differ (old vs new) and totals per account."""
    return dryrun.dry_run(
        uow, company, body.content, period_from=body.period_from, period_to=body.period_to, locale="en"
    )


@router.get("/vouchers/{voucher_id}/source")
def voucher_source(company: str, voucher_id: int, uow: UoW) -> dict[str, Any]:
    return service.trace_voucher(uow, company, voucher_id)


@router.post("/stock/receipts", status_code=201)
def stock_receipt_create(company: str, body: StockReceiptCreate, uow: UoW) -> dict[str, Any]:
    from yecai.inventory import service as inventory

    return inventory.create_stock_receipt(
        uow,
        company,
        supplier=body.supplier,
        warehouse=body.warehouse,
        day=body.date,
        lines=[(ln.item, ln.qty, ln.cost) for ln in body.lines],
        post=body.post,
    )


@router.get("/stock/receipts")
def stock_receipts(
    company: str, uow: UoW, status: str | None = None, supplier: str | None = None
) -> list[dict[str, Any]]:
    from yecai.inventory import service as inventory

    return inventory.list_stock_receipts(uow, company, status=status, supplier=supplier)


@router.get("/stock/receipts/{doc_id}")
def stock_receipt(company: str, doc_id: int, uow: UoW) -> dict[str, Any]:
    from yecai.inventory import service as inventory

    return inventory.get_stock_receipt(uow, company, doc_id)


@router.post("/stock/receipts/{doc_id}/post")
def stock_receipt_post(company: str, doc_id: int, uow: UoW) -> dict[str, Any]:
    from yecai.inventory import service as inventory

    return inventory.post_stock_receipt(uow, company, doc_id)


@router.get("/stock/on-hand")
def stock_on_hand(
    company: str, uow: UoW, item: str | None = None, warehouse: str | None = None
) -> list[dict[str, Any]]:
    from yecai.inventory import service as inventory

    return inventory.on_hand(uow, company, item=item, warehouse=warehouse)


@router.get("/check")
def check(company: str, uow: UoW) -> dict[str, Any]:
    from yecai.checks.service import run_checks

    found = run_checks(uow, company)
    return {"ok": not found, "discrepancies": [d.to_dict() for d in found]}


def register(app: FastAPI) -> None:
    app.include_router(router)
