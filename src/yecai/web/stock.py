"""Stock counts and month-end costing.

The count sheet (盘点表) lists what the books hold in a warehouse with an empty "counted" cell per
item; people fill in what they found (blank: not counted) and may add items the books do not
hold. Saving makes a draft count; confirming it on its page fixes the book quantities and posts the
differences to 1901, and processing them (after approval) posts 1901 onwards — both through
``inventory.documents``.

Month-end costing (月末一次加权平均) runs the service for a period and shows what it costed: the
months, the revaluation documents and their vouchers, and the stock valuation afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from yecai.core.errors import PermissionDenied, YecaiError
from yecai.core.periods import Period
from yecai.inventory import documents as inventory_docs
from yecai.inventory import service as inventory
from yecai.inventory.service import SOURCE_REVALUATION
from yecai.masterdata import service as md
from yecai.security.domain import Perm
from yecai.web import doclist, pages
from yecai.web.context import Ctx, web_ctx
from yecai.web.doclist import KINDS
from yecai.web.documents import LINE_FIELD_RE, parse_day, section_page
from yecai.web.errors import error_message
from yecai.web.links import doc_url

router = APIRouter(include_in_schema=False)
WebCtx = Annotated[Ctx, Depends(web_ctx)]
SHEET_LINES_MAX = 2000
EXTRA_LINES = 3
VALUATION_ROWS_SHOWN = 200


@dataclass
class CountSheet:
    warehouse: str
    date: str
    note: str = ""
    lines: list[dict[str, str]] = field(default_factory=list)  # item, name, unit, book, counted, error
    errors: dict[str, str] = field(default_factory=dict)
    error: str = ""
    error_code: str = ""


def _require_write(ctx: Ctx) -> None:
    if not ctx.can(doclist.WRITE):
        raise PermissionDenied(user=ctx.actor.username, permission=doclist.WRITE, company=ctx.code)


def _sheet_lines(ctx: Ctx, warehouse: str) -> list[dict[str, str]]:
    """The books' quantities in the warehouse, one line per item, and a few empty lines."""
    rows = inventory.on_hand(ctx.read(), ctx.code, warehouse=warehouse) if warehouse else []
    lines = [
        {
            "item": r["item"],
            "name": r["name"],
            "unit": r["unit"],
            "book": r["qty"],
            "counted": "",
            "error": "",
        }
        for r in rows[:SHEET_LINES_MAX]
    ]
    return lines + [_blank() for _ in range(EXTRA_LINES)]


def _blank() -> dict[str, str]:
    return {"item": "", "name": "", "unit": "", "book": "", "counted": "", "error": ""}


def _sheet_page(ctx: Ctx, sheet: CountSheet, status_code: int = 200) -> Response:
    kind = KINDS["stock_count"]
    return section_page(
        ctx,
        "docs/count_sheet.html",
        kind.section,
        kind.key,
        ctx._("Count sheet"),
        status_code=status_code,
        kind=kind,
        sheet=sheet,
        warehouses=md.list_warehouses(ctx.read(), ctx.code),
        main_class="wide",
    )


@router.get("/inventory/counts/new")
def count_sheet(ctx: WebCtx, warehouse: str = "") -> Response:
    _require_write(ctx)
    sheet = CountSheet(warehouse=warehouse.strip()[:40], date=pages.default_voucher_date(ctx).isoformat())
    sheet.lines = _sheet_lines(ctx, sheet.warehouse)
    return _sheet_page(ctx, sheet)


@router.post("/inventory/counts/new")
async def count_create(ctx: WebCtx, request: Request) -> Response:
    _require_write(ctx)
    data = await request.form()
    sheet = CountSheet(
        warehouse=str(data.get("warehouse", "")).strip(),
        date=str(data.get("date", "")).strip(),
        note=str(data.get("note", "")).strip(),
    )
    cols = {c: [str(v).strip() for v in data.getlist(c)] for c in ("item", "name", "unit", "book", "counted")}
    n = min(len(cols["item"]), SHEET_LINES_MAX + EXTRA_LINES)
    sheet.lines = [
        {c: (cols[c][i] if i < len(cols[c]) else "") for c in cols} | {"error": ""} for i in range(n)
    ]
    counted = [(i, ln) for i, ln in enumerate(sheet.lines) if ln["item"] and ln["counted"] != ""]
    day = parse_day(sheet.date)
    if day is None:
        sheet.errors["date"] = ctx._("Enter a date such as 2025-03-31")
    if not sheet.warehouse:
        sheet.errors["warehouse"] = ctx._("Choose a warehouse")
    if sheet.errors:
        sheet.error = ctx._("Please correct the marked fields")
        return _sheet_page(ctx, sheet, 422)
    if not counted:
        sheet.error = ctx._("Enter a counted quantity on at least one line")
        return _sheet_page(ctx, sheet, 422)
    assert day is not None
    try:
        c = inventory_docs.create_count(
            ctx.uow(),
            ctx.code,
            warehouse=sheet.warehouse,
            day=day,
            lines=[(ln["item"], ln["counted"]) for _i, ln in counted],
            note=sheet.note,
            confirm=False,
        )
    except YecaiError as exc:
        message = error_message(exc, ctx.locale)
        sheet.error, sheet.error_code = message, exc.code
        m = LINE_FIELD_RE.match(exc.field or "")
        if m and 1 <= int(m.group(1)) <= len(counted):
            counted[int(m.group(1)) - 1][1]["error"] = message
        elif exc.field in ("warehouse", "date"):
            sheet.errors[str(exc.field)] = message
        return _sheet_page(ctx, sheet, exc.http_status)
    return RedirectResponse(doc_url("stock_count", c["id"]) + "?done=created", status_code=303)


# --- month-end costing -------------------------------------------------------------------------------


COSTING_READ = (Perm.VOUCHER_CREATE, Perm.REPORT_VIEW)


def _costing_page(
    ctx: Ctx,
    period: Period,
    *,
    result: dict[str, Any] | None = None,
    error: YecaiError | None = None,
    status_code: int = 200,
) -> Response:
    if not any(ctx.can(p) for p in COSTING_READ):
        raise PermissionDenied(user=ctx.actor.username, permission=Perm.REPORT_VIEW, company=ctx.code)
    vouchers = (
        doclist.document_vouchers(
            ctx.read(), ctx.code, [(SOURCE_REVALUATION, int(r["id"])) for r in result["revaluations"]]
        )
        if result
        else []
    )
    valuation = (
        inventory.stock_valuation(ctx.read(), ctx.code, period=str(period))
        if ctx.can(Perm.REPORT_VIEW)
        else None
    )
    return section_page(
        ctx,
        "docs/costing.html",
        "inventory",
        "costing",
        ctx._("Month-end costing"),
        status_code=status_code,
        period=period,
        result=result,
        vouchers=vouchers,
        valuation=valuation,
        rows_shown=VALUATION_ROWS_SHOWN,
        can_run=ctx.can(Perm.VOUCHER_CREATE),
        error=error,
        error_message=error_message(error, ctx.locale) if error else "",
        main_class="wide",
    )


@router.get("/inventory/costing")
def costing(ctx: WebCtx, period: str = "") -> Response:
    p = Period.parse(period) if period else pages.working_period(ctx)
    return _costing_page(ctx, p)


@router.post("/inventory/costing")
async def costing_run(ctx: WebCtx, request: Request) -> Response:
    data = await request.form()
    text = str(data.get("period", "")).strip()
    try:
        p = Period.parse(text)
    except (YecaiError, ValueError):
        return _costing_page(
            ctx,
            pages.working_period(ctx),
            error=InvalidPeriodText(value=text, field="period"),
            status_code=422,
        )
    try:
        result = inventory.run_month_end_costing(ctx.uow(), ctx.code, str(p))
    except YecaiError as exc:
        return _costing_page(ctx, p, error=exc, status_code=exc.http_status)
    return _costing_page(ctx, p, result=result)


class InvalidPeriodText(YecaiError):
    code = "web.invalid_period"
    template = "Enter a period such as 2025-03 (got {value!r})"
