"""Bills of materials: the list (every version, the active one marked), one BOM with its
components, and the form that makes a new version (the service makes it the item's active BOM
and keeps the previous one for the orders made from it).

Work orders are documents like the others (``doclist.KINDS['work_order']``): their list, page,
actions and follow-up forms live in ``documents``, ``docforms`` and ``docpanels``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from yecai.core.errors import FieldRequired, NotFound, PermissionDenied, YecaiError
from yecai.core.money import parse_decimal
from yecai.masterdata import service as md
from yecai.production import service as production
from yecai.security.domain import Perm
from yecai.web import doclist, pages
from yecai.web.context import Ctx, web_ctx
from yecai.web.documents import LINE_FIELD_RE, parse_day, section_page
from yecai.web.errors import error_message

router = APIRouter(include_in_schema=False)
WebCtx = Annotated[Ctx, Depends(web_ctx)]
BOM_WRITE = Perm.DIMENSION_MANAGE  # what production.create_bom requires
BOM_LINES_MIN = 4
BOM_LINES_MAX = 200
PAGE_SIZE = 50


def _require_read(ctx: Ctx) -> None:
    if not any(ctx.can(p) for p in doclist.DOCS_READ):
        raise PermissionDenied(user=ctx.actor.username, permission=Perm.REPORT_VIEW, company=ctx.code)


def _names(ctx: Ctx) -> dict[str, dict[str, Any]]:
    return {i["code"]: i for i in md.list_items(ctx.read(), ctx.code)}


def _page(ctx: Ctx, template: str, title: str, status_code: int = 200, **context: Any) -> Response:
    return section_page(ctx, template, "production", "bom", title, status_code=status_code, **context)


@router.get("/production/boms")
def bom_list(ctx: WebCtx, item: str = "", page: int = 1) -> Response:
    _require_read(ctx)
    item = item.strip()[:40]
    try:
        boms = production.list_boms(ctx.read(), ctx.code, item=item or None)
    except NotFound:
        boms = []
    boms.sort(key=lambda b: (b["item"], -b["version"]))
    pages_n = max(1, -(-len(boms) // PAGE_SIZE))
    page = min(max(1, page), pages_n)
    return _page(
        ctx,
        "docs/bom_list.html",
        ctx._("Bills of materials"),
        boms=boms[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        total=len(boms),
        page=page,
        pages=pages_n,
        item=item,
        names=_names(ctx),
        can_create=ctx.can(BOM_WRITE),
        can_order=ctx.can(doclist.WRITE),
    )


@router.get("/production/boms/{bom_id:int}")
def bom_view(ctx: WebCtx, bom_id: int, done: str = "") -> Response:
    _require_read(ctx)
    bom = production.get_bom(ctx.read(), ctx.code, bom_id)
    return _page(
        ctx,
        "docs/bom_view.html",
        f"{ctx._('Bill of materials')} {bom['item']} v{bom['version']}",
        bom=bom,
        names=_names(ctx),
        flash=ctx._("Saved") if done == "created" else "",
        can_order=ctx.can(doclist.WRITE) and bom["active"],
    )


@dataclass
class BomForm:
    item: str = ""
    note: str = ""
    lines: list[dict[str, str]] = field(default_factory=list)  # item, qty_per, scrap_pct, error
    errors: dict[str, str] = field(default_factory=dict)
    error: str = ""
    error_code: str = ""


def _require_write(ctx: Ctx) -> None:
    if not ctx.can(BOM_WRITE):
        raise PermissionDenied(user=ctx.actor.username, permission=BOM_WRITE, company=ctx.code)


def _form_page(ctx: Ctx, form: BomForm, status_code: int = 200) -> Response:
    while len(form.lines) < BOM_LINES_MIN:
        form.lines.append({"item": "", "qty_per": "", "scrap_pct": "", "error": ""})
    items = [i for i in md.list_items(ctx.read(), ctx.code) if i["enabled"] and i["kind"] == "stock"]
    return _page(
        ctx, "docs/bom_form.html", ctx._("New bill of materials"), status_code, form=form, items=items
    )


@router.get("/production/boms/new")
def bom_new(ctx: WebCtx, item: str = "", copy: int | None = None) -> Response:
    """A new version; ``copy`` starts from an existing BOM's components."""
    _require_write(ctx)
    form = BomForm(item=item.strip()[:40])
    if copy:
        old = production.get_bom(ctx.read(), ctx.code, copy)
        form.item = old["item"]
        form.lines = [
            {"item": ln["item"], "qty_per": ln["qty_per"], "scrap_pct": ln["scrap_pct"], "error": ""}
            for ln in old["lines"]
        ]
    return _form_page(ctx, form)


@router.post("/production/boms/new")
async def bom_create(ctx: WebCtx, request: Request) -> Response:
    _require_write(ctx)
    data = await request.form()
    form = BomForm(item=str(data.get("item", "")).strip(), note=str(data.get("note", "")).strip())
    cols = {c: [str(v).strip() for v in data.getlist(c)] for c in ("component", "qty_per", "scrap_pct")}
    n = min(max(len(v) for v in cols.values()), BOM_LINES_MAX)
    for i in range(n):
        form.lines.append(
            {
                "item": cols["component"][i] if i < len(cols["component"]) else "",
                "qty_per": cols["qty_per"][i] if i < len(cols["qty_per"]) else "",
                "scrap_pct": cols["scrap_pct"][i] if i < len(cols["scrap_pct"]) else "",
                "error": "",
            }
        )
    rows = [i for i, ln in enumerate(form.lines) if ln["item"] or ln["qty_per"] or ln["scrap_pct"]]
    try:
        if not rows:
            raise FieldRequired(field_name=ctx._("Components"), field="lines")
        bom = production.create_bom(
            ctx.uow(),
            ctx.code,
            item=form.item,
            note=form.note,
            lines=[
                {
                    "item": form.lines[i]["item"],
                    "qty_per": form.lines[i]["qty_per"],
                    "scrap_pct": form.lines[i]["scrap_pct"] or "0",
                }
                for i in rows
            ],
        )
    except YecaiError as exc:
        message = error_message(exc, ctx.locale)
        form.error, form.error_code = message, exc.code
        m = LINE_FIELD_RE.match(exc.field or "")
        if m and 1 <= int(m.group(1)) <= len(rows):
            form.lines[rows[int(m.group(1)) - 1]]["error"] = message
        elif exc.field == "item":
            form.errors["item"] = message
        return _form_page(ctx, form, exc.http_status)
    return RedirectResponse(f"/production/boms/{bom['id']}?done=created", status_code=303)


# --- overhead allocation (制造费用分配) ----------------------------------------------------------------

ALLOCATION_ORDERS_SHOWN = production.ALLOCATION_ORDERS_MAX
HOURS_FIELD_RE = re.compile(r"^hours\[(\d+)\]$")


@dataclass
class AllocationForm:
    date: str
    amount: str = ""
    orders: list[dict[str, Any]] = field(default_factory=list)  # id, no, item, item_name, hours, error
    errors: dict[str, str] = field(default_factory=dict)
    error: str = ""
    error_code: str = ""


def _released_orders(ctx: Ctx) -> list[dict[str, Any]]:
    kind = doclist.KINDS["work_order"]
    rows = doclist.list_page(
        ctx.read(), ctx.code, kind, doclist.Filters(status="released"), page_size=ALLOCATION_ORDERS_SHOWN
    )["items"]
    return [
        {
            "id": r["id"],
            "no": r["no"],
            "item": r["party"],
            "item_name": r["party_name"],
            "hours": "",
            "error": "",
        }
        for r in rows
    ]


def _allocation_page(
    ctx: Ctx, form: AllocationForm, *, result: list[dict[str, Any]] | None = None, status_code: int = 200
) -> Response:
    vouchers = (
        doclist.document_vouchers(ctx.read(), ctx.code, [("production_cost", int(d["id"])) for d in result])
        if result
        else []
    )
    return section_page(
        ctx,
        "docs/allocation.html",
        "production",
        "allocate",
        ctx._("Overhead allocation"),
        status_code=status_code,
        form=form,
        result=result,
        vouchers=vouchers,
    )


@router.get("/production/allocate")
def allocation(ctx: WebCtx) -> Response:
    if not ctx.can(doclist.WRITE):
        raise PermissionDenied(user=ctx.actor.username, permission=doclist.WRITE, company=ctx.code)
    form = AllocationForm(date=pages.default_voucher_date(ctx).isoformat(), orders=_released_orders(ctx))
    return _allocation_page(ctx, form)


@router.post("/production/allocate")
async def allocation_run(ctx: WebCtx, request: Request) -> Response:
    if not ctx.can(doclist.WRITE):
        raise PermissionDenied(user=ctx.actor.username, permission=doclist.WRITE, company=ctx.code)
    data = await request.form()
    form = AllocationForm(date=str(data.get("date", "")).strip(), amount=str(data.get("amount", "")).strip())
    ids = [str(v) for v in data.getlist("order")]
    hours = [str(v).strip() for v in data.getlist("hours")]
    known = {str(o["id"]): o for o in _released_orders(ctx)}
    form.orders = [
        {**known[oid], "hours": hours[i] if i < len(hours) else ""}
        for i, oid in enumerate(ids[:ALLOCATION_ORDERS_SHOWN])
        if oid in known
    ]
    day = parse_day(form.date)
    amount = None
    try:
        amount = parse_decimal(form.amount)
    except YecaiError as exc:
        form.errors["amount"] = error_message(exc, ctx.locale)
    if day is None:
        form.errors["date"] = ctx._("Enter a date such as 2025-03-31")
    if form.errors:
        form.error = ctx._("Please correct the marked fields")
        return _allocation_page(ctx, form, status_code=422)
    assert day is not None and amount is not None
    wanted = [o for o in form.orders if o["hours"]]
    try:
        result = production.allocate_overhead(
            ctx.uow(), ctx.code, day=day, amount=amount, hours=[(int(o["id"]), o["hours"]) for o in wanted]
        )
    except YecaiError as exc:
        message = error_message(exc, ctx.locale)
        form.error, form.error_code = message, exc.code
        m = HOURS_FIELD_RE.match(exc.field or "")
        if m and 1 <= int(m.group(1)) <= len(wanted):
            wanted[int(m.group(1)) - 1]["error"] = message
        elif exc.field in ("amount", "date"):
            form.errors[str(exc.field)] = message
        return _allocation_page(ctx, form, status_code=exc.http_status)
    return _allocation_page(ctx, form, result=result)
