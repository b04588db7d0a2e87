"""REST endpoints for the books: trial balance, ledgers, statements, balances, Beancount export.

Amounts are decimal strings in the company's base currency ('1234.50'). Every row carries the
account code (→ subledger) and subledger lines carry voucher ids (→ voucher), so any figure can
be drilled down.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query
from fastapi.responses import Response

from yecai.api.deps import UoW
from yecai.core.money import format_minor
from yecai.ledger import reports
from yecai.ledger.beancount_export import beancount_text

router = APIRouter(prefix="/api/companies/{company}", tags=["reports"])

PeriodQ = Annotated[str, Query(description="Period YYYY-MM", examples=["2025-03"])]
ToQ = Annotated[str | None, Query(description="Last period of a range, YYYY-MM")]
DimensionQ = Annotated[str | None, Query(description="customer | supplier | department | project | employee")]

TB_MONEY = reports.TOTAL_COLUMNS
GL_MONEY = (
    "opening",
    "opening_balance",
    "period_debit",
    "period_credit",
    "ytd_debit",
    "ytd_credit",
    "closing",
    "closing_balance",
)


def _fmt(row: dict[str, Any], columns: tuple[str, ...], currency: str) -> dict[str, Any]:
    return {k: format_minor(v, currency) if k in columns and v is not None else v for k, v in row.items()}


@router.get("/reports/trial-balance")
def trial_balance(
    company: str,
    uow: UoW,
    period: PeriodQ,
    to: ToQ = None,
    level: Annotated[int | None, Query(ge=1, le=4)] = None,
    include_zero: bool = False,
) -> dict[str, Any]:
    rows = reports.trial_balance(uow, company, period, to, level_max=level, include_zero=include_zero)
    cur = reports.report_currency(uow, company)
    return {
        "company": company,
        "currency": cur,
        "period": period,
        "to": to or period,
        "rows": [_fmt(asdict(r), TB_MONEY, cur) for r in rows],
        "totals": _fmt(reports.trial_balance_totals(rows), TB_MONEY, cur),
    }


@router.get("/reports/general-ledger")
def general_ledger(
    company: str, uow: UoW, period: PeriodQ, to: ToQ = None, account: str | None = None
) -> dict[str, Any]:
    rows = reports.general_ledger(uow, company, period, to, account_code=account)
    cur = reports.report_currency(uow, company)
    return {"company": company, "currency": cur, "rows": [_fmt(r, GL_MONEY, cur) for r in rows]}


@router.get("/reports/subledger")
def subledger(
    company: str,
    uow: UoW,
    period: PeriodQ,
    account: str,
    to: ToQ = None,
    dimension: DimensionQ = None,
    value: str | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=reports.PAGE_SIZE_MAX)] = 500,
) -> dict[str, Any]:
    result = reports.subledger(
        uow, company, account, period, to, dimension=dimension, value=value, page=page, page_size=page_size
    )
    cur = reports.report_currency(uow, company)
    result = _fmt(result, ("opening", "closing"), cur)
    result["rows"] = [_fmt(r, ("debit", "credit", "net", "balance"), cur) for r in result["rows"]]
    result["currency"] = cur
    return result


@router.get("/reports/dimension-balances")
def dimension_balances(
    company: str, uow: UoW, period: PeriodQ, account: str, dimension: str, to: ToQ = None
) -> dict[str, Any]:
    rows = reports.dimension_balances(uow, company, account, dimension, period, to)
    cur = reports.report_currency(uow, company)
    return {"company": company, "currency": cur, "rows": [_fmt(r, TB_MONEY, cur) for r in rows]}


def _statement(rows: list[reports.StatementRow], currency: str) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        d = asdict(r)
        d["accounts"] = list(r.accounts)
        d["amount"] = None if r.is_header else format_minor(r.amount, currency)
        d["comparative"] = None if r.is_header else format_minor(r.comparative, currency)
        out.append(d)
    return out


@router.get("/reports/balance-sheet")
def balance_sheet(company: str, uow: UoW, period: PeriodQ) -> dict[str, Any]:
    rows = reports.balance_sheet(uow, company, period)
    cur = reports.report_currency(uow, company)
    return {"company": company, "currency": cur, "period": period, "rows": _statement(rows, cur)}


@router.get("/reports/income-statement")
def income_statement(company: str, uow: UoW, period: PeriodQ, to: ToQ = None) -> dict[str, Any]:
    rows = reports.income_statement(uow, company, period, to)
    cur = reports.report_currency(uow, company)
    return {
        "company": company,
        "currency": cur,
        "period": period,
        "to": to or period,
        "rows": _statement(rows, cur),
    }


@router.get("/reports/account-balance")
def account_balance(company: str, uow: UoW, account: str, on: date) -> dict[str, Any]:
    net = reports.account_balance_at(uow, company, account, on)
    cur = reports.report_currency(uow, company)
    return {
        "company": company,
        "account": account,
        "on": on.isoformat(),
        "currency": cur,
        "net": format_minor(net, cur),
        "balance": format_minor(abs(net), cur),
        "direction": reports.direction_of(net),
    }


@router.get("/export/beancount", response_class=Response)
def export_beancount(company: str, uow: UoW) -> Response:
    text = beancount_text(uow, company)
    return Response(
        text,
        media_type="text/plain; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{company}.beancount"'},
    )


def register(app: FastAPI) -> None:
    app.include_router(router)
