"""Master data (accounts, dimension values with XLSX/CSV import) and period closing."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from yecai.core.errors import FieldRequired, ValidationFailed, YecaiError
from yecai.core.i18n import N_
from yecai.ledger import closing
from yecai.ledger import service as ledger
from yecai.ledger.domain import DIMENSIONS
from yecai.ledger.importer import FileUnreadable, read_text_table
from yecai.security.domain import Perm
from yecai.web import pages
from yecai.web.context import Ctx, web_ctx
from yecai.web.errors import error_message, error_render
from yecai.web.vouchers import DIM_LABELS

router = APIRouter(include_in_schema=False)
WebCtx = Annotated[Ctx, Depends(web_ctx)]
LIST_PAGE_SIZE = 100
UPLOAD_BYTES_MAX = 5 * 1024 * 1024
IMPORT_ERRORS_SHOWN = 50
DIRECTION_LABELS = {"debit": N_("Debit"), "credit": N_("Credit")}
CATEGORY_LABELS = {
    "asset": N_("Assets"),
    "liability": N_("Liabilities"),
    "common": N_("Common"),
    "equity": N_("Equity"),
    "cost": N_("Costs"),
    "profit_loss": N_("Profit and loss"),
}


def _paged(items: list[Any], page: int) -> tuple[list[Any], int, int]:
    pages_n = max(1, -(-len(items) // LIST_PAGE_SIZE))
    page = min(max(1, page), pages_n)
    return items[(page - 1) * LIST_PAGE_SIZE : page * LIST_PAGE_SIZE], page, pages_n


# --- accounts --------------------------------------------------------------------------------------


def _accounts_page(
    ctx: Ctx,
    *,
    q: str = "",
    page: int = 1,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    error: str = "",
    flash: str = "",
    status_code: int = 200,
) -> Response:
    views = ledger.list_accounts(ctx.read(), ctx.code, search=q.strip() or None)
    shown, page, pages_n = _paged(views, page)
    return pages.page(
        ctx,
        "accounts.html",
        "accounts",
        ctx._("Accounts"),
        status_code=status_code,
        accounts=shown,
        total=len(views),
        q=q,
        page_no=page,
        pages=pages_n,
        base_query=urlencode({"q": q} if q else {}),
        form=form or {"parent_code": "", "code": "", "name": "", "dimensions": []},
        errors=errors or {},
        error=error,
        flash=flash,
        dimensions=DIMENSIONS,
        dim_labels=DIM_LABELS,
        direction_labels=DIRECTION_LABELS,
        category_labels=CATEGORY_LABELS,
        can_manage=ctx.can(Perm.ACCOUNT_MANAGE),
    )


@router.get("/accounts")
def accounts(ctx: WebCtx, q: str = "", page: int = 1, parent: str = "", added: str = "") -> Response:
    form: dict[str, Any] = {"parent_code": parent, "code": "", "name": "", "dimensions": []}
    if parent:
        existing = {a.code for a in ledger.list_accounts(ctx.read(), ctx.code, search=parent)}
        form["code"] = next(
            (f"{parent}{n:02d}" for n in range(1, 100) if f"{parent}{n:02d}" not in existing), ""
        )
    flash = ctx._("Account {code} added", code=added) if added else ""
    return _accounts_page(ctx, q=q, page=page, form=form, flash=flash)


@router.post("/accounts")
async def account_add(ctx: WebCtx, request: Request) -> Response:
    values = await request.form()
    form = {
        "parent_code": str(values.get("parent_code", "")).strip(),
        "code": str(values.get("code", "")).strip(),
        "name": str(values.get("name", "")).strip(),
        "dimensions": [str(d) for d in values.getlist("dimensions") if str(d) in DIMENSIONS],
    }
    try:
        if not form["parent_code"]:
            raise FieldRequired(field_name=ctx._("Parent account"), field="parent_code")
        view = ledger.add_account(
            ctx.uow(),
            ctx.code,
            code=form["code"],
            name=form["name"],
            parent_code=form["parent_code"],
            dimensions=form["dimensions"] or None,
        )
    except YecaiError as exc:
        message = error_message(exc, ctx.locale)
        field = exc.field if exc.field in ("parent_code", "code", "name", "dimensions") else ""
        return _accounts_page(
            ctx,
            q=form["parent_code"],
            form=form,
            errors={field: message} if field else {},
            error=message,
            status_code=exc.http_status,
        )
    return RedirectResponse(
        "/accounts?" + urlencode({"q": view.parent_code or "", "added": view.code}), status_code=303
    )


# --- dimension values ------------------------------------------------------------------------------


def _dimensions_page(
    ctx: Ctx,
    *,
    type: str = "",
    page: int = 1,
    errors: list[str] | None = None,
    field_errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    flash: str = "",
    status_code: int = 200,
) -> Response:
    values = ledger.list_dimension_values(ctx.read(), ctx.code, type if type in DIMENSIONS else None)
    shown, page, pages_n = _paged(values, page)
    return pages.page(
        ctx,
        "dimensions.html",
        "dimensions",
        ctx._("Dimensions"),
        status_code=status_code,
        values=shown,
        total=len(values),
        type=type,
        page_no=page,
        pages=pages_n,
        base_query=urlencode({"type": type} if type else {}),
        dimensions=DIMENSIONS,
        dim_labels=DIM_LABELS,
        errors=errors or [],
        field_errors=field_errors or {},
        form=form or {"type": type or "customer", "code": "", "name": ""},
        flash=flash,
        can_manage=ctx.can(Perm.DIMENSION_MANAGE),
    )


@router.get("/dimensions")
def dimensions(ctx: WebCtx, type: str = "", page: int = 1, imported: int | None = None) -> Response:
    flash = ctx._("{n} dimension values imported", n=imported) if imported is not None else ""
    return _dimensions_page(ctx, type=type, page=page, flash=flash)


@router.post("/dimensions")
def dimension_add(
    ctx: WebCtx,
    type: Annotated[str, Form()] = "",
    code: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
) -> Response:
    form = {"type": type, "code": code, "name": name}
    try:
        ledger.add_dimension_values(ctx.uow(), ctx.code, [(type, code, name)])
    except YecaiError as exc:
        message = error_message(exc, ctx.locale)
        return _dimensions_page(
            ctx,
            type=type,
            form=form,
            field_errors={exc.field or "code": message},
            status_code=exc.http_status,
        )
    return RedirectResponse("/dimensions?" + urlencode({"type": type, "imported": 1}), status_code=303)


def _row_errors(exc: YecaiError, locale: str) -> list[str]:
    inner = exc.errors if isinstance(exc, ValidationFailed) else [exc]
    return [error_render(e, locale) for e in inner[:IMPORT_ERRORS_SHOWN]]


@router.post("/dimensions/import")
async def dimension_import(ctx: WebCtx, file: UploadFile) -> Response:
    """Import type,code,name rows from XLSX or CSV (UTF-8 or GBK); all or nothing."""
    name = Path(file.filename or "upload.csv").name
    suffix = Path(name).suffix.lower()
    if suffix not in (".csv", ".xlsx", ".xlsm", ".txt"):
        suffix = ".csv"
    data = await file.read(UPLOAD_BYTES_MAX + 1)
    try:
        if len(data) > UPLOAD_BYTES_MAX:
            raise FileUnreadable(name=name, reason=f"larger than {UPLOAD_BYTES_MAX // 1024 // 1024} MB")
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"upload{suffix}"
            path.write_bytes(data)
            try:
                rows = read_text_table(path, required=("type", "code", "name"))
            except YecaiError as exc:
                exc.file = name
                raise
        n = ledger.add_dimension_values(
            ctx.uow(), ctx.code, [(r["type"], r["code"], r["name"]) for r in rows]
        )
    except YecaiError as exc:
        return _dimensions_page(ctx, errors=_row_errors(exc, ctx.locale), status_code=exc.http_status)
    return RedirectResponse(f"/dimensions?imported={n}", status_code=303)


# --- period closing --------------------------------------------------------------------------------


def _closing_page(
    ctx: Ctx, period: str = "", *, error: YecaiError | None = None, flash: str = "", status_code: int = 200
) -> Response:
    periods = closing.list_periods(ctx.read(), ctx.code)
    if not period:
        period = next((p["period"] for p in periods if p["status"] == "open"), "")
    checklist = closing.close_checklist(ctx.read(), ctx.code, period) if period else None
    closed = [p["period"] for p in periods if p["status"] == "closed"]
    return pages.page(
        ctx,
        "closing.html",
        "closing",
        ctx._("Period closing"),
        status_code=status_code,
        periods=periods,
        period=period,
        checklist=checklist,
        latest_closed=max(closed) if closed else "",
        error=error,
        error_message=error_message(error, ctx.locale) if error else "",
        flash=flash,
        can_close=ctx.can(Perm.PERIOD_CLOSE),
        can_reopen=ctx.can(Perm.PERIOD_REOPEN),
    )


@router.get("/closing")
def closing_page(ctx: WebCtx, period: str = "", done: str = "") -> Response:
    flash = {"close": ctx._("Period closed"), "reopen": ctx._("Period reopened")}.get(done, "")
    return _closing_page(ctx, period, flash=flash)


@router.post("/closing/{period}/close")
def closing_close(ctx: WebCtx, period: str) -> Response:
    try:
        closing.close_period(ctx.uow(), ctx.code, period)
    except YecaiError as exc:
        return _closing_page(ctx, period, error=exc, status_code=exc.http_status)
    return RedirectResponse(f"/closing?period={period}&done=close", status_code=303)


@router.post("/closing/{period}/reopen")
def closing_reopen(ctx: WebCtx, period: str, reason: Annotated[str, Form()] = "") -> Response:
    try:
        closing.reopen_period(ctx.uow(), ctx.code, period, reason=reason)
    except YecaiError as exc:
        return _closing_page(ctx, period, error=exc, status_code=exc.http_status)
    return RedirectResponse(f"/closing?period={period}&done=reopen", status_code=303)
