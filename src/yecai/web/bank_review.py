"""The page of a bank-line review queue, written once for both sides: the list with its status tabs
and pager, running the matching, confirm, correct, reject and the threshold. Each side
(``receivables_review``, ``payables_review``) gives a ``Side``: its service module, its URL, its
words and who may decide; the page is ``bank_review.html`` (each side's template extends it for
what an item and a booked decision look like). Every change is one call of the side's service."""

# No ``from __future__ import annotations``: FastAPI reads the routes' annotations, which take
# the side's form field from the factory's arguments.

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form
from fastapi.responses import RedirectResponse, Response

from yecai.core.errors import YecaiError
from yecai.core.i18n import N_
from yecai.security.domain import Perm
from yecai.web.context import Ctx, web_ctx
from yecai.web.errors import error_message

WebCtx = Annotated[Ctx, Depends(web_ctx)]
PAGE_SIZE = 50
# Flashes both sides say alike; each side adds its own for confirm and correct.
REJECTED = N_("Rejected: the line leaves the queue")
THRESHOLD_SAVED = N_("Threshold saved")


@dataclass(frozen=True)
class Side:
    """One queue's page. ``texts`` are the msgids the template shows (title, intro, run button,
    column heads, correction labels); ``ran`` says what a run did, translated; ``page`` renders
    (with or without a section's tabs); ``who``/``party``/``doc`` are the keys of a proposal
    (payer/customer/invoice or payee/supplier/bill), ``party`` also the correction's form field."""

    service: Any
    base: str
    template: str
    active: str
    statuses: tuple[str, ...]
    status_labels: Mapping[str, str]
    flashes: Mapping[str, str]
    texts: Mapping[str, str]
    who: str
    party: str
    doc: str
    confirm_needs_items: bool
    section_tabs: bool
    page: Callable[..., Response]
    ran: Callable[[Callable[..., str], dict[str, int]], str]
    can_decide: Callable[[Ctx], bool]


def review_router(side: Side) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    svc = side.service
    flashes = {**side.flashes, "reject": REJECTED, "threshold": THRESHOLD_SAVED}

    def render(
        ctx: Ctx,
        status: str,
        offset: int,
        *,
        flash: str = "",
        error: YecaiError | None = None,
        status_code: int = 200,
        run: dict[str, int] | None = None,
    ) -> Response:
        status = status if status in (*side.statuses, "all") else "proposed"
        got = svc.list_proposals(
            ctx.read(), ctx.code, status=None if status == "all" else status, limit=PAGE_SIZE, offset=offset
        )
        return side.page(
            ctx,
            side.template,
            side.active,
            ctx._(side.texts["title"]),
            status_code=status_code,
            side=side,
            queue=got,
            status=status,
            offset=max(0, offset),
            page_size=PAGE_SIZE,
            statuses=side.statuses,
            status_labels=side.status_labels,
            reason_texts=svc.REASON_TEXTS,
            flash=flash,
            run=run,
            run_text=side.ran(ctx._, run) if run else "",
            error=error,
            error_message=error_message(error, ctx.locale) if error else "",
            can_decide=side.can_decide(ctx),
            can_manage=ctx.can(Perm.COMPANY_MANAGE),
        )

    def back(status: str, offset: int, done: str) -> RedirectResponse:
        query = urlencode({"status": status, "offset": offset, "done": done})
        return RedirectResponse(f"{side.base}?{query}", status_code=303)

    def decide(ctx: Ctx, status: str, offset: int, done: str, fn: Callable[[], Any]) -> Response:
        try:
            fn()
        except YecaiError as exc:
            return render(ctx, status, offset, error=exc, status_code=exc.http_status)
        return back(status, offset, done)

    @router.get(side.base)
    def review_page(ctx: WebCtx, status: str = "proposed", offset: int = 0, done: str = "") -> Response:
        flash = ctx._(flashes[done]) if done in flashes else ""
        return render(ctx, status, offset, flash=flash)

    @router.post(side.base + "/run")
    def review_run(ctx: WebCtx) -> Response:
        try:
            counts = svc.run(ctx.uow(), ctx.code)
        except YecaiError as exc:
            return render(ctx, "proposed", 0, error=exc, status_code=exc.http_status)
        return render(ctx, "proposed", 0, run=counts)

    def decision(action: str) -> None:
        """``confirm`` or ``reject``: the proposal and a note, back to the same tab and page."""
        decide_fn = getattr(svc, action)

        @router.post(side.base + "/{proposal_id}/" + action)
        def review_decision(
            ctx: WebCtx,
            proposal_id: int,
            note: Annotated[str, Form()] = "",
            status: Annotated[str, Form()] = "proposed",
            offset: Annotated[int, Form()] = 0,
        ) -> Response:
            return decide(
                ctx, status, offset, action, lambda: decide_fn(ctx.uow(), ctx.code, proposal_id, note=note)
            )

    decision("confirm")
    decision("reject")

    @router.post(side.base + "/{proposal_id}/correct")
    def review_correct(
        ctx: WebCtx,
        proposal_id: int,
        party: Annotated[str, Form(alias=side.party)] = "",
        items: Annotated[str, Form()] = "",
        note: Annotated[str, Form()] = "",
        status: Annotated[str, Form()] = "proposed",
        offset: Annotated[int, Form()] = 0,
    ) -> Response:
        kw = {side.party: party, "items": parse_items(items), "note": note}
        return decide(
            ctx, status, offset, "correct", lambda: svc.correct(ctx.uow(), ctx.code, proposal_id, **kw)
        )

    @router.post(side.base + "/threshold")
    def review_threshold(ctx: WebCtx, threshold: Annotated[str, Form()] = "") -> Response:
        return decide(
            ctx, "proposed", 0, "threshold", lambda: svc.set_threshold(ctx.uow(), ctx.code, threshold)
        )

    return router


def parse_items(text: str) -> list[tuple[str, str]]:
    """``INV-1=100.00`` or ``PB-2025-0001=100.00`` per line (or separated by commas /
    semicolons); without ``=`` the amount is empty, which the service refuses with the field named."""
    out = []
    for part in text.replace(";", "\n").replace(",", "\n").replace("，", "\n").splitlines():
        part = part.strip()
        if part:
            no, _sep, amount = part.partition("=")
            out.append((no.strip(), amount.strip()))
    return out
