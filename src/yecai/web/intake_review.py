"""The invoice inbox and review screen (发票审核): upload invoices, see the queue, and for one
invoice the page image beside the fields read from it, each with its confidence; correct,
accept (→ draft vendor bill) or reject. Every change is one call of ``intake.review``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from yecai.core.errors import NotFound, YecaiError
from yecai.core.i18n import N_
from yecai.intake import review
from yecai.intake.domain import LINE_KEYS
from yecai.security.domain import Perm
from yecai.web.context import Ctx, web_ctx
from yecai.web.errors import error_message
from yecai.web.pages import page

router = APIRouter(include_in_schema=False)
WebCtx = Annotated[Ctx, Depends(web_ctx)]
ACTIVE = "intake"
BASE = "/intake/invoices"
STATUSES = ("queued", "drafted", "rejected")
STATUS_LABELS = {
    "queued": N_("Waiting for review"),
    "drafted": N_("Drafted as vendor bill"),
    "rejected": N_("Rejected"),
}
FIELD_LABELS = review.FIELD_LABELS
LINE_LABELS = review.LINE_LABELS
FLASHES = {
    "correct": N_("Corrections saved"),
    "accept": N_("Accepted: the draft vendor bill is made"),
    "reject": N_("Rejected"),
}
UPLOAD_FILES_MAX = 20


def _list(
    ctx: Ctx, status: str, *, flash: str = "", error: YecaiError | None = None, code: int = 200
) -> Response:
    status = status if status in (*STATUSES, "all") else "queued"
    rows = review.queue(ctx.read(), ctx.code, status=None if status == "all" else status, limit=200)
    return page(
        ctx,
        "intake_review.html",
        ACTIVE,
        ctx._("Invoice inbox"),
        status_code=code,
        rows=rows,
        status=status,
        statuses=STATUSES,
        status_labels=STATUS_LABELS,
        counts=review.counts(ctx.read(), ctx.code),
        flash=flash,
        error=error,
        error_message=error_message(error, ctx.locale) if error else "",
        can_decide=ctx.can(Perm.VOUCHER_CREATE),
    )


@router.get(BASE)
def inbox(ctx: WebCtx, status: str = "queued", done: str = "") -> Response:
    return _list(ctx, status, flash=ctx._(FLASHES[done]) if done in FLASHES else "")


@router.post(BASE + "/upload")
async def upload(ctx: WebCtx, request: Request) -> Response:
    from yecai.intake.api import UPLOAD_BYTES_MAX

    form = await request.form(max_files=UPLOAD_FILES_MAX)
    files = [f for f in form.getlist("files") if isinstance(f, UploadFile) or hasattr(f, "read")]
    last: dict[str, Any] | None = None
    for f in files:
        data = await f.read(UPLOAD_BYTES_MAX + 1)  # type: ignore[union-attr]
        try:
            if len(data) > UPLOAD_BYTES_MAX:
                from yecai.intake.api import UploadTooLarge

                raise UploadTooLarge(limit_mb=UPLOAD_BYTES_MAX // (1024 * 1024), field="file")
            last = review.submit(ctx.uow(), ctx.code, data, getattr(f, "filename", "") or "")
        except YecaiError as exc:
            exc.located(file=getattr(f, "filename", "") or None)
            return _list(ctx, "queued", error=exc, code=exc.http_status)
    if last is not None and len(files) == 1:
        return RedirectResponse(f"{BASE}/{last['id']}", status_code=303)
    return RedirectResponse(BASE, status_code=303)


def _detail(
    ctx: Ctx, invoice_id: int, *, flash: str = "", error: YecaiError | None = None, code: int = 200
) -> Response:
    got = review.show(ctx.read(), ctx.code, invoice_id)
    return page(
        ctx,
        "intake_review_detail.html",
        ACTIVE,
        ctx._("Invoice #{id}", id=invoice_id),
        status_code=code,
        inv=got,
        # the notes in the page's language (they are stored as codes)
        note=review.notes_text(got["notes"], ctx.locale) if got.get("notes") else got["note"],
        field_labels=FIELD_LABELS,
        line_labels=LINE_LABELS,
        line_keys=LINE_KEYS,
        check_labels=review.CHECK_LABELS,
        status_labels=STATUS_LABELS,
        has_image=got["media_type"].startswith("image/") or got["media_type"] == "application/pdf",
        flash=flash,
        error=error,
        error_message=error_message(error, ctx.locale) if error else "",
        can_decide=ctx.can(Perm.VOUCHER_CREATE) and got["status"] == "queued",
    )


@router.get(BASE + "/{invoice_id}")
def detail(ctx: WebCtx, invoice_id: int, done: str = "") -> Response:
    return _detail(ctx, invoice_id, flash=ctx._(FLASHES[done]) if done in FLASHES else "")


@router.get(BASE + "/{invoice_id}/image")
def image(ctx: WebCtx, invoice_id: int) -> Response:
    png = review.preview_png(ctx.read(), ctx.code, invoice_id)
    if png is None:
        raise NotFound(what="invoice image", key=invoice_id, field="id")
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=300"})


def _done(invoice_id: int, done: str) -> RedirectResponse:
    return RedirectResponse(f"{BASE}/{invoice_id}?done={done}", status_code=303)


@router.post(BASE + "/{invoice_id}/correct")
async def correct(ctx: WebCtx, invoice_id: int, request: Request) -> Response:
    """The form posts every field; only those that differ from the stored value are changes."""
    form = await request.form()
    current = review.show(ctx.read(), ctx.code, invoice_id)
    fields = current["fields"]
    changes: dict[str, Any] = {}
    for key in FIELD_LABELS:
        name = f"f_{key}"
        if name in form and str(form[name]).strip() != str(fields.get(key) or ""):
            changes[key] = str(form[name]).strip()
    n_lines = max(len(fields.get("lines") or ()), 0)
    for i in range(1, n_lines + 2):  # the existing lines and one empty row to add a line
        if form.get(f"l{i}_drop"):
            changes[f"lines[{i}]"] = None
            continue
        old = (fields.get("lines") or [])[i - 1] if i <= n_lines else {}
        for key in LINE_KEYS:
            name = f"l{i}_{key}"
            value = str(form.get(name) or "").strip()
            if name in form and value != str(old.get(key) or "") and (i <= n_lines or value):
                changes[f"lines[{i}].{key}"] = value
    supplier = str(form.get("supplier") or "").strip()
    pinned = current["proposal"].get("supplier") or {}
    order = str(form.get("order") or "").strip()
    current_order = (current["proposal"].get("order") or {}).get("no") or ""
    items: dict[int, dict[str, str]] = {}
    for i, prop in enumerate(current["proposal"].get("lines") or (), start=1):
        item = str(form.get(f"item_{i}") or "").strip()
        category = str(form.get(f"category_{i}") or "").strip()
        if item != (prop.get("item") or "") or category != (prop.get("category") or ""):
            items[i] = {"item": item, "category": category}
    try:
        review.correct(
            ctx.uow(),
            ctx.code,
            invoice_id,
            changes,
            supplier=supplier if supplier and supplier != (pinned.get("code") or "") else None,
            order=order if order != current_order else None,
            line_items=items or None,
        )
    except YecaiError as exc:
        return _detail(ctx, invoice_id, error=exc, code=exc.http_status)
    return _done(invoice_id, "correct")


@router.post(BASE + "/{invoice_id}/accept")
def accept(ctx: WebCtx, invoice_id: int) -> Response:
    try:
        review.accept(ctx.uow(), ctx.code, invoice_id)
    except YecaiError as exc:
        return _detail(ctx, invoice_id, error=exc, code=exc.http_status)
    return _done(invoice_id, "accept")


@router.post(BASE + "/{invoice_id}/reject")
def reject(ctx: WebCtx, invoice_id: int, reason: Annotated[str, Form()] = "") -> Response:
    try:
        review.reject(ctx.uow(), ctx.code, invoice_id, reason)
    except YecaiError as exc:
        return _detail(ctx, invoice_id, error=exc, code=exc.http_status)
    return _done(invoice_id, "reject")


def register(app: FastAPI) -> None:
    app.include_router(router)
