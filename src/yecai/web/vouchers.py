"""Vouchers: keyboard-first entry, the filtered list, the voucher page with its actions, PDF."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from yecai.core.errors import YecaiError
from yecai.core.i18n import N_
from yecai.core.money import parse_decimal
from yecai.core.periods import Period
from yecai.ledger import service as ledger
from yecai.ledger.domain import DIMENSIONS, LINES_MAX, WORDS, LineDraft, VoucherDraft
from yecai.security.domain import Perm
from yecai.web import pages
from yecai.web.context import Ctx, web_ctx

router = APIRouter(include_in_schema=False)
WebCtx = Annotated[Ctx, Depends(web_ctx)]

LINES_INITIAL = 4
LIST_PAGE_SIZE = 50
DIM_CHOICES_MAX = 1000  # datalist entries per dimension; beyond that people type the code
STATUSES = ("draft", "reviewed", "posted", "void")
STATUS_LABELS = {"draft": N_("Draft"), "reviewed": N_("Reviewed"), "posted": N_("Posted"), "void": N_("Void")}
DIM_LABELS = {
    "customer": N_("Customer"),
    "supplier": N_("Supplier"),
    "department": N_("Department"),
    "project": N_("Project"),
    "employee": N_("Employee"),
}
# Service error fields → the form's input names.
FIELD_NAMES = {"account_code": "account", "voucher_type": "word"}
HEADER_FIELDS = ("date", "word", "attachments")


@dataclass
class FormLine:
    summary: str = ""
    account: str = ""
    account_name: str = ""
    debit: str = ""
    credit: str = ""
    dims: dict[str, str] = field(default_factory=dict)
    dim_types: tuple[str, ...] = ()
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def blank(self) -> bool:
        return not (
            self.summary.strip()
            or self.account.strip()
            or self.debit.strip()
            or self.credit.strip()
            or any(v.strip() for v in self.dims.values())
        )


@dataclass
class VoucherForm:
    date: str
    word: str = "记"
    attachments: str = "0"
    idempotency_key: str = field(default_factory=lambda: uuid.uuid4().hex)
    lines: list[FormLine] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    error: str = ""
    error_code: str = ""


def _accounts(ctx: Ctx) -> dict[str, ledger.AccountView]:
    return {a.code: a for a in ledger.list_accounts(ctx.read(), ctx.code)}


def _dim_choices(ctx: Ctx) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {d: [] for d in DIMENSIONS}
    for v in ledger.list_dimension_values(ctx.read(), ctx.code):
        if len(out[v["type"]]) < DIM_CHOICES_MAX:
            out[v["type"]].append(v)
    return out


def _entry_page(ctx: Ctx, form: VoucherForm, *, status_code: int = 200, flash: str = "") -> Response:
    accounts = _accounts(ctx)
    for ln in form.lines:
        acc = accounts.get(ln.account.strip())
        if acc is not None:
            ln.account_name = acc.name_en if ctx.locale == "en" and acc.name_en else acc.name
            ln.dim_types = acc.dimensions
    return pages.page(
        ctx,
        "voucher_entry.html",
        "voucher_new",
        ctx._("New voucher"),
        status_code=status_code,
        form=form,
        words=WORDS,
        dimensions=DIMENSIONS,
        dim_labels=DIM_LABELS,
        dim_choices=_dim_choices(ctx),
        blank_line=FormLine(),
        flash=flash,
        main_class="wide",
    )


@router.get("/vouchers/new")
def voucher_new(ctx: WebCtx, saved: int | None = None, date: str | None = None, word: str = "记") -> Response:
    flash = ""
    if saved:
        v = ledger.get_voucher(ctx.read(), ctx.code, saved)
        flash = ctx._("Voucher {no} saved", no=f"{ctx.period_label(v.period)} {v.voucher_no}")
    day = date or pages.default_voucher_date(ctx).isoformat()
    form = VoucherForm(date=day, word=word if word in WORDS else "记")
    form.lines = [FormLine() for _ in range(LINES_INITIAL)]
    return _entry_page(ctx, form, flash=flash)


def _form_from_request(values: Any) -> VoucherForm:
    form = VoucherForm(
        date=str(values.get("date", "")).strip(),
        word=str(values.get("word", "记")).strip(),
        attachments=str(values.get("attachments", "0")).strip() or "0",
        idempotency_key=str(values.get("idempotency_key", ""))[:200] or uuid.uuid4().hex,
    )
    cols = {
        name: [str(v) for v in values.getlist(name)] for name in ("summary", "account", "debit", "credit")
    }
    dims = {d: [str(v) for v in values.getlist(d)] for d in DIMENSIONS}
    n = min(max((len(c) for c in cols.values()), default=0), LINES_MAX + 50)
    for i in range(n):
        form.lines.append(
            FormLine(
                summary=cols["summary"][i] if i < len(cols["summary"]) else "",
                account=(cols["account"][i] if i < len(cols["account"]) else "").strip(),
                debit=cols["debit"][i] if i < len(cols["debit"]) else "",
                credit=cols["credit"][i] if i < len(cols["credit"]) else "",
                dims={d: (dims[d][i] if i < len(dims[d]) else "").strip() for d in DIMENSIONS},
            )
        )
    return form


def _amount(text: str) -> Decimal:
    if not text.strip():
        return Decimal(0)
    return parse_decimal(text)


def _draft(form: VoucherForm, locale: str) -> tuple[VoucherDraft | None, list[int]]:
    """The draft for the service, and for each draft line the form row it came from."""
    rows: list[int] = []
    lines: list[LineDraft] = []
    failed = False
    for i, ln in enumerate(form.lines):
        if ln.blank:
            continue
        amounts: dict[str, Decimal] = {}
        for name in ("debit", "credit"):
            try:
                amounts[name] = _amount(getattr(ln, name))
            except YecaiError as exc:
                ln.errors[name] = exc.message(locale)
                failed = True
        if failed:
            continue
        rows.append(i)
        lines.append(
            LineDraft(
                summary=ln.summary,
                account_code=ln.account,
                debit=amounts["debit"],
                credit=amounts["credit"],
                dims={d: v for d, v in ln.dims.items() if v},
            )
        )
    try:
        day = date.fromisoformat(form.date)
    except ValueError:
        form.errors["date"] = "?"
        return None, rows
    try:
        attachments = int(form.attachments)
    except ValueError:
        form.errors["attachments"] = "?"
        return None, rows
    if failed:
        return None, rows
    return VoucherDraft(date=day, lines=tuple(lines), word=form.word, attachments=attachments), rows


def _place_error(form: VoucherForm, exc: YecaiError, rows: list[int], locale: str) -> None:
    """Put a service refusal next to the field it names; the form keeps everything typed."""
    message = exc.message(locale)
    form.error, form.error_code = message, exc.code
    name = FIELD_NAMES.get(exc.field or "", exc.field or "")
    line = exc.params.get("line")
    if isinstance(line, int) and 1 <= line <= len(rows):
        form.lines[rows[line - 1]].errors[name or "summary"] = message
    elif name in HEADER_FIELDS:
        form.errors[name] = message


@router.post("/vouchers/new")
async def voucher_create(ctx: WebCtx, request: Request) -> Response:
    values = await request.form()
    form = _form_from_request(values)
    action = str(values.get("action", "save_new"))
    _ = ctx._
    draft, rows = _draft(form, ctx.locale)
    if form.errors.get("date") == "?":
        form.errors["date"] = _("Enter a date such as 2025-03-31")
    if form.errors.get("attachments") == "?":
        form.errors["attachments"] = _("Enter a whole number")
    if draft is None:
        form.error = form.error or _("Please correct the marked fields")
        return _entry_page(ctx, form, status_code=422)
    try:
        v = ledger.create_voucher(ctx.uow(), ctx.code, draft, idempotency_key=form.idempotency_key)
    except YecaiError as exc:
        _place_error(form, exc, rows, ctx.locale)
        while len(form.lines) < LINES_INITIAL:
            form.lines.append(FormLine())
        return _entry_page(ctx, form, status_code=exc.http_status)
    if action == "save":
        return RedirectResponse(f"/vouchers/{v.id}?done=saved", status_code=303)
    query = urlencode({"saved": v.id, "date": v.date, "word": v.word})
    return RedirectResponse(f"/vouchers/new?{query}", status_code=303)


# --- list ------------------------------------------------------------------------------------------


@router.get("/vouchers")
def voucher_list(
    ctx: WebCtx,
    period: str = "",
    status: str = "",
    account: str = "",
    text: str = "",
    page: int = 1,
) -> Response:
    page_no = max(1, page)
    status = status if status in STATUSES else ""
    result = ledger.list_vouchers(
        ctx.read(),
        ctx.code,
        period=str(Period.parse(period)) if period else None,
        status=status or None,
        account=account.strip() or None,
        text=text.strip() or None,
        page=page_no,
        page_size=LIST_PAGE_SIZE,
    )
    pages_n = max(1, -(-result["total"] // LIST_PAGE_SIZE))
    filters = {"period": period, "status": status, "account": account, "text": text}
    base = urlencode({k: v for k, v in filters.items() if v})
    return pages.page(
        ctx,
        "voucher_list.html",
        "vouchers",
        ctx._("Vouchers"),
        result=result,
        pages=pages_n,
        filters=filters,
        base_query=base,
        statuses=STATUSES,
        status_labels=STATUS_LABELS,
    )


# --- one voucher -----------------------------------------------------------------------------------

ACTIONS = {
    "review": (Perm.VOUCHER_REVIEW, ledger.review_voucher, N_("Voucher reviewed")),
    "unreview": (Perm.VOUCHER_REVIEW, ledger.unreview_voucher, N_("Review cancelled")),
    "post": (Perm.VOUCHER_POST, ledger.post_voucher, N_("Voucher posted")),
    "void": (Perm.VOUCHER_CREATE, ledger.void_voucher, N_("Voucher voided")),
    "reverse": (Perm.VOUCHER_REVERSE, ledger.reverse_voucher, N_("Reversal voucher created")),
}
DONE_MESSAGES = {k: v[2] for k, v in ACTIONS.items()} | {"saved": N_("Voucher saved")}


def available_actions(ctx: Ctx, status: str) -> list[str]:
    by_status = {
        "draft": ["review", "void"],
        "reviewed": ["post", "unreview"],
        "posted": ["reverse"],
        "void": [],
    }
    return [a for a in by_status.get(status, []) if ctx.can(ACTIONS[a][0])]


def _voucher_page(
    ctx: Ctx, voucher_id: int, *, flash: str = "", error: YecaiError | None = None, status_code: int = 200
) -> Response:
    v = ledger.get_voucher(ctx.read(), ctx.code, voucher_id)
    debit_total = sum((Decimal(ln.debit) for ln in v.lines if ln.debit), Decimal(0))
    credit_total = sum((Decimal(ln.credit) for ln in v.lines if ln.credit), Decimal(0))
    return pages.page(
        ctx,
        "voucher_view.html",
        "vouchers",
        f"{ctx.period_label(v.period)} {v.voucher_no}",
        status_code=status_code,
        v=v,
        debit_total=str(debit_total),
        credit_total=str(credit_total),
        actions=available_actions(ctx, v.status),
        status_labels=STATUS_LABELS,
        dim_labels=DIM_LABELS,
        flash=flash,
        error=error,
        error_message=error.message(ctx.locale) if error else "",
    )


@router.get("/vouchers/{voucher_id}.pdf")
def voucher_pdf(ctx: WebCtx, voucher_id: int) -> Response:
    from yecai.web.pdf import voucher_pdf_bytes

    v = ledger.get_voucher(ctx.read(), ctx.code, voucher_id)
    data = voucher_pdf_bytes(v, company_name=str(ctx.company["name"]) if ctx.company else "")
    filename = f"voucher-{v.period}-{v.id}.pdf"
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


@router.get("/vouchers/{voucher_id}")
def voucher_view(ctx: WebCtx, voucher_id: int, done: str = "") -> Response:
    flash = ctx._(DONE_MESSAGES[done]) if done in DONE_MESSAGES else ""
    return _voucher_page(ctx, voucher_id, flash=flash)


@router.post("/vouchers/{voucher_id}/{action}")
def voucher_action(ctx: WebCtx, voucher_id: int, action: str) -> Response:
    if action not in ACTIONS:
        return Response(status_code=404)
    _perm, fn, _msg = ACTIONS[action]
    try:
        result = fn(ctx.uow(), ctx.code, voucher_id)
    except YecaiError as exc:
        return _voucher_page(ctx, voucher_id, error=exc, status_code=exc.http_status)
    target = result.id if action == "reverse" else voucher_id
    return RedirectResponse(f"/vouchers/{target}?done={action}", status_code=303)
