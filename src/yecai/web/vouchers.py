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

from yecai.core.errors import PermissionDenied, YecaiError
from yecai.core.i18n import N_
from yecai.core.money import parse_decimal
from yecai.core.periods import Period
from yecai.ledger import service as ledger
from yecai.ledger.domain import DIMENSIONS, LINES_MAX, WORDS, LineDraft, VoucherDraft
from yecai.security.domain import Perm
from yecai.web import pages
from yecai.web.context import Ctx, web_ctx
from yecai.web.errors import error_message

router = APIRouter(include_in_schema=False)
WebCtx = Annotated[Ctx, Depends(web_ctx)]

LINES_INITIAL = 4
LIST_PAGE_SIZE = 50
DIM_CHOICES_MAX = 1000  # datalist entries per dimension; beyond that people type the code
STATUSES = ("draft", "reviewed", "posted", "void")
STATUS_LABELS = {
    "draft": N_("Draft"),
    "reviewed": N_("Reviewed"),
    "posted": N_("voucher|Posted"),
    "void": N_("Void"),
}
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
FX_FIELDS = ("currency", "original_amount", "rate")


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
    # A foreign-currency line of a draft being edited keeps its currency, original amount and
    # rate (hidden fields); the grid enters base-currency lines only.
    currency: str = ""
    original_amount: str = ""
    rate: str = ""

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
    # Set when an existing draft is edited: the voucher, and its number (word and period are fixed).
    voucher_id: int | None = None
    voucher_no: str = ""
    period: str = ""


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
    editing = form.voucher_id is not None
    title = (
        ctx._("Edit voucher {no}", no=f"{ctx.period_label(form.period)} {form.voucher_no}")
        if editing
        else ctx._("New voucher")
    )
    return pages.page(
        ctx,
        "voucher_entry.html",
        "vouchers" if editing else "voucher_new",
        title,
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
    fx = {name: [str(v) for v in values.getlist(name)] for name in FX_FIELDS}
    n = min(max((len(c) for c in cols.values()), default=0), LINES_MAX + 50)

    def at(column: list[str], i: int) -> str:
        return column[i] if i < len(column) else ""

    for i in range(n):
        form.lines.append(
            FormLine(
                summary=at(cols["summary"], i),
                account=at(cols["account"], i).strip(),
                debit=at(cols["debit"], i),
                credit=at(cols["credit"], i),
                dims={d: at(dims[d], i).strip() for d in DIMENSIONS},
                currency=at(fx["currency"], i).strip()[:3],
                original_amount=at(fx["original_amount"], i).strip(),
                rate=at(fx["rate"], i).strip(),
            )
        )
    return form


def _form_from_voucher(v: ledger.VoucherView) -> VoucherForm:
    """The entry grid filled with a saved voucher, for editing it."""
    form = VoucherForm(
        date=v.date,
        word=v.word,
        attachments=str(v.attachments),
        idempotency_key="",
        voucher_id=v.id,
        voucher_no=v.voucher_no,
        period=v.period,
    )
    form.lines = [
        FormLine(
            summary=ln.summary,
            account=ln.account_code,
            debit=ln.debit,
            credit=ln.credit,
            dims=dict(ln.dims),
            currency=ln.currency or "",
            original_amount=ln.original_amount or "",
            rate=ln.rate or "",
        )
        for ln in v.lines
    ]
    form.lines += [FormLine() for _ in range(max(1, LINES_INITIAL - len(form.lines)))]
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
                ln.errors[name] = error_message(exc, locale)
                failed = True
        if failed:
            continue
        fx: dict[str, Any] = {}
        if ln.currency:
            try:
                fx = {
                    "currency": ln.currency,
                    "original_amount": parse_decimal(ln.original_amount),
                    "rate": parse_decimal(ln.rate),
                }
            except YecaiError as exc:
                ln.errors["account"] = error_message(exc, locale)
                failed = True
                continue
        rows.append(i)
        lines.append(
            LineDraft(
                summary=ln.summary,
                account_code=ln.account,
                debit=amounts["debit"],
                credit=amounts["credit"],
                dims={d: v for d, v in ln.dims.items() if v},
                **fx,
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
    message = error_message(exc, locale)
    form.error, form.error_code = message, exc.code
    name = FIELD_NAMES.get(exc.field or "", exc.field or "")
    line = exc.params.get("line")
    if form.voucher_id is not None and exc.code == ledger.VoucherWrongState.code and not name:
        name = "date"  # an edited draft moved out of its period
    if isinstance(line, int) and 1 <= line <= len(rows):
        form.lines[rows[line - 1]].errors[name or "summary"] = message
    elif name in HEADER_FIELDS:
        form.errors[name] = message


def _read_draft(ctx: Ctx, form: VoucherForm) -> tuple[VoucherDraft | None, list[int]]:
    _ = ctx._
    draft, rows = _draft(form, ctx.locale)
    if form.errors.get("date") == "?":
        form.errors["date"] = _("Enter a date such as 2025-03-31")
    if form.errors.get("attachments") == "?":
        form.errors["attachments"] = _("Enter a whole number")
    if draft is None:
        form.error = form.error or _("Please correct the marked fields")
    return draft, rows


def _refused(ctx: Ctx, form: VoucherForm, exc: YecaiError, rows: list[int]) -> Response:
    _place_error(form, exc, rows, ctx.locale)
    while len(form.lines) < LINES_INITIAL:
        form.lines.append(FormLine())
    return _entry_page(ctx, form, status_code=exc.http_status)


@router.post("/vouchers/new")
async def voucher_create(ctx: WebCtx, request: Request) -> Response:
    values = await request.form()
    form = _form_from_request(values)
    action = str(values.get("action", "save_new"))
    draft, rows = _read_draft(ctx, form)
    if draft is None:
        return _entry_page(ctx, form, status_code=422)
    try:
        v = ledger.create_voucher(ctx.uow(), ctx.code, draft, idempotency_key=form.idempotency_key)
    except YecaiError as exc:
        return _refused(ctx, form, exc, rows)
    if action == "save":
        return RedirectResponse(f"/vouchers/{v.id}?done=saved", status_code=303)
    query = urlencode({"saved": v.id, "date": v.date, "word": v.word})
    return RedirectResponse(f"/vouchers/new?{query}", status_code=303)


# --- editing a draft ---------------------------------------------------------------------------------


def _editable(ctx: Ctx, v: ledger.VoucherView) -> None:
    """Only a draft is edited, and only by a role that makes vouchers; a reviewed or posted
    voucher is read-only (a posted one is corrected by a reversal)."""
    if not ctx.can(Perm.VOUCHER_CREATE):
        raise PermissionDenied(user=ctx.actor.username, permission=Perm.VOUCHER_CREATE, company=ctx.code)
    if v.status != "draft":
        raise ledger.VoucherWrongState(voucher=v.voucher_no, status=v.status, action="edit")


@router.get("/vouchers/{voucher_id}/edit")
def voucher_edit(ctx: WebCtx, voucher_id: int) -> Response:
    v = ledger.get_voucher(ctx.read(), ctx.code, voucher_id)
    _editable(ctx, v)
    return _entry_page(ctx, _form_from_voucher(v))


@router.post("/vouchers/{voucher_id}/edit")
async def voucher_update(ctx: WebCtx, voucher_id: int, request: Request) -> Response:
    v = ledger.get_voucher(ctx.read(), ctx.code, voucher_id)
    _editable(ctx, v)
    form = _form_from_request(await request.form())
    # The number is the voucher's: its word and period stay (the service refuses a move).
    form.word, form.voucher_id, form.voucher_no, form.period = v.word, v.id, v.voucher_no, v.period
    draft, rows = _read_draft(ctx, form)
    if draft is None:
        return _entry_page(ctx, form, status_code=422)
    try:
        ledger.update_voucher(ctx.uow(), ctx.code, voucher_id, draft)
    except YecaiError as exc:
        return _refused(ctx, form, exc, rows)
    return RedirectResponse(f"/vouchers/{voucher_id}?done=updated", status_code=303)


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
DONE_MESSAGES = {k: v[2] for k, v in ACTIONS.items()} | {
    "saved": N_("Voucher saved"),
    "updated": N_("Voucher changes saved"),
}


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
        can_edit=v.status == "draft" and ctx.can(Perm.VOUCHER_CREATE),
        status_labels=STATUS_LABELS,
        dim_labels=DIM_LABELS,
        flash=flash,
        error=error,
        error_message=error_message(error, ctx.locale) if error else "",
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
