"""The payment-matching review queue (付款核销复核): outgoing bank lines with the proposed supplier,
bills, confidence and reasons; run the matching, confirm, correct or reject. Every change is one
call of ``payables.service``."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, FastAPI, Form
from fastapi.responses import RedirectResponse, Response

from yecai.core.errors import YecaiError
from yecai.core.i18n import N_
from yecai.payables import service
from yecai.payables.models import STATUSES
from yecai.security.domain import Perm
from yecai.web.context import Ctx, web_ctx
from yecai.web.documents import section_page
from yecai.web.errors import error_message

router = APIRouter(include_in_schema=False)
WebCtx = Annotated[Ctx, Depends(web_ctx)]
ACTIVE = "ap_review"
PAGE_SIZE = 50
BASE = "/payables/review"

STATUS_LABELS = {
    "proposed": N_("Waiting for review"),
    "auto_applied": N_("Paid automatically"),
    "confirmed": N_("Confirmed"),
    "corrected": N_("Corrected"),
    "rejected": N_("Rejected"),
}
FLASHES = {
    "confirm": N_("Confirmed: the payment is booked against the bills"),
    "correct": N_("Corrected: the payment is booked against the bills"),
    "reject": N_("Rejected: the line leaves the queue"),
    "threshold": N_("Threshold saved"),
}


def _page(
    ctx: Ctx,
    status: str,
    offset: int,
    *,
    flash: str = "",
    error: YecaiError | None = None,
    status_code: int = 200,
    run: dict[str, int] | None = None,
) -> Response:
    status = status if status in (*STATUSES, "all") else "proposed"
    got = service.list_proposals(
        ctx.read(), ctx.code, status=None if status == "all" else status, limit=PAGE_SIZE, offset=offset
    )
    return section_page(
        ctx,
        "ap_review.html",
        "purchasing",
        ACTIVE,
        ctx._("Payment matching review"),
        status_code=status_code,
        queue=got,
        status=status,
        offset=max(0, offset),
        page_size=PAGE_SIZE,
        statuses=STATUSES,
        status_labels=STATUS_LABELS,
        reason_texts=service.REASON_TEXTS,
        flash=flash,
        run=run,
        error=error,
        error_message=error_message(error, ctx.locale) if error else "",
        can_decide=any(ctx.can(p) for p in service.DECIDE_PERMS),
        can_manage=ctx.can(Perm.COMPANY_MANAGE),
    )


def _back(status: str, offset: int, done: str) -> RedirectResponse:
    query = urlencode({"status": status, "offset": offset, "done": done})
    return RedirectResponse(f"{BASE}?{query}", status_code=303)


@router.get(BASE)
def review_page(ctx: WebCtx, status: str = "proposed", offset: int = 0, done: str = "") -> Response:
    flash = ctx._(FLASHES[done]) if done in FLASHES else ""
    return _page(ctx, status, offset, flash=flash)


@router.post(BASE + "/run")
def review_run(ctx: WebCtx) -> Response:
    try:
        counts = service.run(ctx.uow(), ctx.code)
    except YecaiError as exc:
        return _page(ctx, "proposed", 0, error=exc, status_code=exc.http_status)
    return _page(ctx, "proposed", 0, run=counts)


def _decide(ctx: Ctx, status: str, offset: int, done: str, fn: Any) -> Response:
    try:
        fn()
    except YecaiError as exc:
        return _page(ctx, status, offset, error=exc, status_code=exc.http_status)
    return _back(status, offset, done)


@router.post(BASE + "/{proposal_id}/confirm")
def review_confirm(
    ctx: WebCtx,
    proposal_id: int,
    note: Annotated[str, Form()] = "",
    status: Annotated[str, Form()] = "proposed",
    offset: Annotated[int, Form()] = 0,
) -> Response:
    return _decide(
        ctx, status, offset, "confirm", lambda: service.confirm(ctx.uow(), ctx.code, proposal_id, note=note)
    )


@router.post(BASE + "/{proposal_id}/reject")
def review_reject(
    ctx: WebCtx,
    proposal_id: int,
    note: Annotated[str, Form()] = "",
    status: Annotated[str, Form()] = "proposed",
    offset: Annotated[int, Form()] = 0,
) -> Response:
    return _decide(
        ctx, status, offset, "reject", lambda: service.reject(ctx.uow(), ctx.code, proposal_id, note=note)
    )


def _parse_items(text: str) -> list[tuple[str, str]]:
    """``PB-2025-0001=100.00`` per line (or separated by commas / semicolons)."""
    out = []
    for part in text.replace(";", "\n").replace(",", "\n").replace("，", "\n").splitlines():
        part = part.strip()
        if part:
            no, _sep, amount = part.partition("=")
            out.append((no.strip(), amount.strip()))
    return out


@router.post(BASE + "/{proposal_id}/correct")
def review_correct(
    ctx: WebCtx,
    proposal_id: int,
    supplier: Annotated[str, Form()] = "",
    items: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    status: Annotated[str, Form()] = "proposed",
    offset: Annotated[int, Form()] = 0,
) -> Response:
    return _decide(
        ctx,
        status,
        offset,
        "correct",
        lambda: service.correct(
            ctx.uow(), ctx.code, proposal_id, supplier=supplier, items=_parse_items(items), note=note
        ),
    )


@router.post(BASE + "/threshold")
def review_threshold(ctx: WebCtx, threshold: Annotated[str, Form()] = "") -> Response:
    return _decide(
        ctx, "proposed", 0, "threshold", lambda: service.set_threshold(ctx.uow(), ctx.code, threshold)
    )


def register(app: FastAPI) -> None:
    app.include_router(router)
