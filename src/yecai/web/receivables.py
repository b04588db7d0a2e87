"""The AR workbench (应收工作台): customers with their aging and overdue amounts, a customer's
open items, applications (apply / un-apply) and timeline, the aging report with drill-down to
the items, and statement downloads. Every figure and change is a call of
``receivables.items`` / ``aging`` / ``statements``."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, FastAPI, Form
from fastapi.responses import RedirectResponse, Response

from yecai.core.errors import YecaiError
from yecai.core.i18n import N_
from yecai.masterdata import service as md
from yecai.receivables import aging, items, statements
from yecai.receivables.service import InvalidDate
from yecai.security.domain import Perm
from yecai.web.context import Ctx, web_ctx
from yecai.web.export import Money, xlsx_response
from yecai.web.pages import page

router = APIRouter(include_in_schema=False)
WebCtx = Annotated[Ctx, Depends(web_ctx)]
ACTIVE = "receivables"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WORKBENCH_ROWS_MAX = 500  # customers listed at once (largest balances first); search finds the rest

KIND_LABELS = {
    "invoice": N_("Sales invoice"),
    "receipt": N_("Receipt"),
    "credit_note": N_("Credit note"),
    "charge": N_("Late fee / interest"),
    "apply": N_("Applied"),
    "unapply": N_("Un-applied"),
    "receivables.owner": N_("Owner changed"),
    "customer.update": N_("Customer changed"),
    "customer.create": N_("Customer created"),
}
STATUS_LABELS = {"open": N_("Open"), "partial": N_("Partly settled"), "closed": N_("Settled")}
BY_LABELS = {
    "customer": N_("Customer"),
    "salesperson": N_("Salesperson"),
    "department": N_("Department"),
    "group": N_("Customer group"),
}
BASIS_LABELS = {"due": N_("By due date"), "invoice": N_("By invoice date")}
TABS = (
    ("workbench", N_("Customers"), "/receivables"),
    ("aging", N_("Aging"), "/receivables/aging"),
)


def _day(value: str, field: str) -> date:
    if not value:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidDate(value=value, field=field) from None


def _labels() -> dict[str, Any]:
    return {
        "kind_labels": KIND_LABELS,
        "status_labels": STATUS_LABELS,
        "by_labels": BY_LABELS,
        "basis_labels": BASIS_LABELS,
        "tabs": TABS,
    }


@router.get("/receivables")
def workbench(ctx: WebCtx, as_of: str = "", basis: str = "due", buckets: str = "", q: str = "") -> Response:
    """Customers with a balance: aging buckets, overdue, overdue ratio and DSO."""
    day = _day(as_of, "as_of")
    result = aging.aging(ctx.read(), ctx.code, as_of=day, basis=basis, buckets=buckets or None)
    rows = result["rows"]
    if q.strip():
        needle = q.strip().lower()
        rows = [r for r in rows if needle in r["key"].lower() or needle in r["name"].lower()]
    shown = rows[:WORKBENCH_ROWS_MAX]
    return page(
        ctx,
        "ar_workbench.html",
        ACTIVE,
        ctx._("Receivables"),
        tab="workbench",
        result=result,
        rows=shown,
        hidden=len(rows) - len(shown),
        as_of=day.isoformat(),
        basis=basis,
        buckets=buckets,
        q=q,
        main_class="wide",
        **_labels(),
    )


def _customer_page(
    ctx: Ctx, code: str, *, as_of: str = "", error: YecaiError | None = None, flash: str = ""
) -> Response:
    day = _day(as_of, "as_of")
    open_list = items.open_items(ctx.read(), ctx.code, customer=code, as_of=day)
    summary = aging.aging(ctx.read(), ctx.code, as_of=day, customer=code)
    row = next((r for r in summary["rows"] if r["key"] == code), None)
    apps = items.list_applications(ctx.read(), ctx.code, customer=code)
    reversed_ids = {a["reverses"] for a in apps if a["reverses"]}
    timeline = items.customer_timeline(ctx.read(), ctx.code, code, limit=100)
    name = md.get_party(ctx.read(), ctx.code, "customer", code).name
    with ctx.read() as uow:
        company = uow.company(ctx.code, Perm.COMPANY_VIEW)
        cust = items._customer(uow.session, company, code)
        sp, dept = items.owners(uow.session, company.id).get(cust.id, ("", ""))
    month_start = day.replace(day=1).isoformat()
    return page(
        ctx,
        "ar_customer.html",
        ACTIVE,
        ctx._("Receivables: {customer}", customer=code),
        status_code=error.http_status if error else 200,
        code=code,
        name=name,
        as_of=day.isoformat(),
        as_of_given=bool(as_of),
        month_start=month_start,
        open_items=open_list,
        invoices=[it for it in open_list if it["kind"] == "invoice"],
        credits=[it for it in open_list if it["kind"] != "invoice"],
        row=row,
        buckets=summary["buckets"],
        applications=apps,
        reversed_ids=reversed_ids,
        timeline=timeline,
        can_apply=ctx.can(Perm.VOUCHER_CREATE),
        can_manage=ctx.can(Perm.DIMENSION_MANAGE),
        salesperson=sp,
        department=dept,
        error=error.render(ctx.locale) if error else "",
        flash=flash,
        main_class="wide",
        **_labels(),
    )


@router.get("/receivables/customers/{code}")
def customer(ctx: WebCtx, code: str, as_of: str = "", done: str = "") -> Response:
    flash = ""
    if done == "apply":
        flash = ctx._("Applied.")
    elif done == "unapply":
        flash = ctx._("Un-applied: a reversing record was added.")
    elif done == "owner":
        flash = ctx._("Saved.")
    return _customer_page(ctx, code, as_of=as_of, flash=flash)


@router.post("/receivables/customers/{code}/apply")
def customer_apply(
    ctx: WebCtx,
    code: str,
    source: Annotated[str, Form()] = "",
    invoice: Annotated[str, Form()] = "",
    amount: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    as_of: Annotated[str, Form()] = "",
) -> Response:
    """``source`` is 'sales_receipt:ID' or 'sales_credit_note:ID' from the form's list."""
    kind, _sep, ref = source.partition(":")
    try:
        items.apply(
            ctx.uow(),
            ctx.code,
            receipt_id=ref if kind == "sales_receipt" else None,
            credit_note_id=ref if kind == "sales_credit_note" else None,
            invoice_id=invoice,
            amount=amount,
            note=note,
        )
    except YecaiError as exc:
        return _customer_page(ctx, code, as_of=as_of, error=exc)
    query = urlencode({"as_of": as_of, "done": "apply"} if as_of else {"done": "apply"})
    return RedirectResponse(f"/receivables/customers/{quote(code)}?{query}", status_code=303)


@router.post("/receivables/applications/{application_id}/unapply")
def application_unapply(
    ctx: WebCtx,
    application_id: int,
    customer: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    as_of: Annotated[str, Form()] = "",
) -> Response:
    try:
        items.unapply(ctx.uow(), ctx.code, application_id, reason=reason)
    except YecaiError as exc:
        if customer:
            return _customer_page(ctx, customer, as_of=as_of, error=exc)
        raise
    query = urlencode({"as_of": as_of, "done": "unapply"} if as_of else {"done": "unapply"})
    target = f"/receivables/customers/{quote(customer)}?{query}" if customer else "/receivables"
    return RedirectResponse(target, status_code=303)


@router.post("/receivables/customers/{code}/owner")
def customer_owner(
    ctx: WebCtx,
    code: str,
    salesperson: Annotated[str, Form()] = "",
    department: Annotated[str, Form()] = "",
) -> Response:
    """Who looks after the customer's receivables (aging by salesperson and department)."""
    try:
        items.set_owner(ctx.uow(), ctx.code, code, salesperson=salesperson, department=department)
    except YecaiError as exc:
        return _customer_page(ctx, code, error=exc)
    return RedirectResponse(f"/receivables/customers/{quote(code)}?done=owner", status_code=303)


@router.get("/receivables/customers/{code}/statement")
def customer_statement(
    ctx: WebCtx, code: str, date_from: str = "", date_to: str = "", format: str = "pdf"
) -> Response:
    last = _day(date_to, "date_to")
    first = _day(date_from, "date_from") if date_from else last.replace(day=1)
    data = statements.statement(ctx.read(), ctx.code, code, date_from=first, date_to=last)
    name = f"statement-{code}-{data['date_from']}-{data['date_to']}"
    if format == "xlsx":
        body, media, name = statements.statement_xlsx(data, ctx.locale), XLSX, name + ".xlsx"
    else:
        body, media, name = statements.statement_pdf(data, ctx.locale), "application/pdf", name + ".pdf"
    return Response(
        body, media_type=media, headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"}
    )


@router.get("/receivables/aging")
def aging_page(
    ctx: WebCtx,
    as_of: str = "",
    basis: str = "due",
    buckets: str = "",
    by: str = "customer",
    format: str = "",
) -> Response:
    day = _day(as_of, "as_of")
    result = aging.aging(ctx.read(), ctx.code, as_of=day, basis=basis, buckets=buckets or None, by=by)
    _ = ctx._
    if format == "xlsx":
        headers = [
            _(BY_LABELS.get(by, by)),
            _("Name"),
            _("Not due"),
            *result["buckets"],
            _("Unapplied credits"),
            _("Balance"),
            _("Overdue"),
            _("Overdue ratio"),
            _("DSO (days)"),
        ]
        data = []
        for r in [*result["rows"], dict(result["total"], key=_("Total"), name="")]:
            m = r["minor"]
            data.append(
                [
                    r["key"],
                    r["name"],
                    Money(m["not_due"]),
                    *[Money(m["buckets"][b]) for b in result["buckets"]],
                    Money(m["credits"]),
                    Money(m["balance"]),
                    Money(m["overdue"]),
                    r["overdue_ratio"] or "",
                    r["dso"] or "",
                ]
            )
        return xlsx_response(
            f"aging-{day.isoformat()}.xlsx",
            _("Aging"),
            headers,
            data,
            heading=f"{ctx.company['name'] if ctx.company else ''} {_('Aging')} {day.isoformat()}",
        )
    query = {"as_of": day.isoformat(), "basis": basis, "buckets": buckets, "by": by}
    return page(
        ctx,
        "ar_aging.html",
        ACTIVE,
        _("Aging"),
        tab="aging",
        result=result,
        as_of=day.isoformat(),
        basis=basis,
        buckets=buckets,
        by=by,
        query=query,
        export_url="/receivables/aging?" + urlencode({**query, "format": "xlsx"}),
        main_class="wide",
        **_labels(),
    )


@router.get("/receivables/aging/items")
def aging_items_page(
    ctx: WebCtx,
    as_of: str = "",
    basis: str = "due",
    buckets: str = "",
    by: str = "customer",
    key: str | None = None,
    bucket: str = "",
) -> Response:
    day = _day(as_of, "as_of")
    rows = aging.aging_items(
        ctx.read(),
        ctx.code,
        as_of=day,
        basis=basis,
        buckets=buckets or None,
        by=by,
        key=key,
        bucket=bucket or None,
    )
    total = sum(int(r["open_minor"]) for r in rows)
    return page(
        ctx,
        "ar_aging_items.html",
        ACTIVE,
        ctx._("Aging"),
        tab="aging",
        rows=rows,
        total=total,
        as_of=day.isoformat(),
        basis=basis,
        by=by,
        key=key,
        bucket=bucket,
        back="/receivables/aging?"
        + urlencode({"as_of": day.isoformat(), "basis": basis, "buckets": buckets, "by": by}),
        main_class="wide",
        **_labels(),
    )


def register(app: FastAPI) -> None:
    app.include_router(router)
