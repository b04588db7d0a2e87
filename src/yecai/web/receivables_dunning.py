"""Dunning (催收) screens: the policies, the run with its preview (a dry run as of any date), the
customers being dunned, open tasks, and each customer's timeline with its promise to pay,
disputes and reminder address. Every change is one call of ``receivables.dunning``."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, FastAPI, Form
from fastapi.responses import RedirectResponse, Response

from yecai.core.errors import YecaiError
from yecai.core.i18n import N_
from yecai.receivables import dunning
from yecai.security.domain import Perm
from yecai.web.context import Ctx, web_ctx
from yecai.web.pages import page

router = APIRouter(include_in_schema=False)
WebCtx = Annotated[Ctx, Depends(web_ctx)]
ACTIVE = "dunning"

ACTION_LABELS = {
    "email": N_("E-mail"),
    "webhook": N_("Webhook"),
    "task": N_("Task"),
    "late_fee": N_("Late fee / interest"),
    "credit_limit": N_("Lower credit limit"),
    "credit_hold": N_("Credit hold"),
}
OUTCOME_LABELS = {
    "escalate": N_("Escalate"),
    "stay": N_("No change"),
    "paused": N_("Paused"),
    "stop": N_("Paid: stop"),
}
EVENT_LABELS = {
    **ACTION_LABELS,
    "level_reached": N_("Level reached"),
    "stopped": N_("Stopped (paid)"),
    "cancelled": N_("Cancelled"),
    "contact_set": N_("Contact changed"),
    "promise_set": N_("Promise to pay"),
    "promise_cleared": N_("Promise withdrawn"),
    "promise_kept": N_("Promise kept"),
    "promise_broken": N_("Promise broken"),
    "dispute_set": N_("Dispute opened"),
    "dispute_cleared": N_("Dispute closed"),
    "charge_waived": N_("Charge waived"),
    "task_done": N_("Task done"),
    "task_reopened": N_("Task reopened"),
}
DETAIL_LABELS = {
    "attempt": N_("Attempt"),
    "to": N_("Recipients"),
    "cc": N_("Cc"),
    "subject": N_("Subject"),
    "url": N_("Address"),
    "error": N_("Error"),
    "gave_up": N_("Given up"),
    "level_name": N_("Level name"),
    "previous": N_("Previous level"),
    "skipped": N_("Levels skipped"),
    "overdue": N_("Overdue"),
    "oldest_days": N_("Oldest (days)"),
    "items": N_("Invoices"),
    "task": N_("Task"),
    "title": N_("Title"),
    "assignee": N_("Assignee"),
    "due_date": N_("Due"),
    "charge": N_("Charge"),
    "voucher": N_("Voucher"),
    "interest": N_("Interest"),
    "fee": N_("Fee"),
    "total": N_("Total"),
    "before": N_("Limit before"),
    "after": N_("Limit after"),
    "reason": N_("Reason"),
    "note": N_("Note"),
    "doc_no": N_("Invoice"),
    "date": N_("Date"),
    "amount": N_("Amount"),
    "promise": N_("Promise to pay"),
    "email": N_("E-mail"),
    "language": N_("Language"),
    "policy": N_("Policy"),
    "excluded": N_("Excluded"),
    "still_on_credit_hold": N_("Still on credit hold"),
    "charged": N_("Charged"),
    "annual_rate": N_("Annual rate"),
    "fixed_fee": N_("Fixed fee"),
}
HIDDEN_DETAILS = frozenset({"voucher_id", "code", "kind_of", "from", "customer", "status", "by", "task"})
STATUS_LABELS = {"done": N_("Done"), "failed": N_("Failed"), "info": N_("Noted")}
PAUSE_LABELS = {"dispute": N_("Disputed"), "promise": N_("Promise to pay")}


def _as_of(value: str) -> tuple[date, YecaiError | None]:
    try:
        return (date.fromisoformat(value) if value else date.today()), None
    except ValueError:
        return date.today(), dunning.PromiseInvalid(
            reason=N_("{value!r} is not a date"), value=value, field="as_of"
        )


def _labels() -> dict[str, Any]:
    return {
        "action_labels": ACTION_LABELS,
        "outcome_labels": OUTCOME_LABELS,
        "event_labels": EVENT_LABELS,
        "status_labels": STATUS_LABELS,
        "pause_labels": PAUSE_LABELS,
        "detail_labels": DETAIL_LABELS,
        "hidden_details": HIDDEN_DETAILS,
    }


@router.get("/receivables/dunning")
def dunning_page(ctx: WebCtx, as_of: str = "", done: str = "", sent: int = 0, failed: int = 0) -> Response:
    day, error = _as_of(as_of)
    policies = dunning.list_policies(ctx.read(), ctx.code)
    preview: dict[str, Any] | None = None
    if policies and error is None:
        try:
            preview = dunning.run(ctx.read(), ctx.code, as_of=day, dry_run=True).to_dict()
        except YecaiError as exc:
            error = exc
    flash = ctx._("Dunning run done: {sent} sent, {failed} failed", sent=sent, failed=failed) if done else ""
    return page(
        ctx,
        "ar_dunning.html",
        ACTIVE,
        ctx._("Dunning"),
        policies=policies,
        preview=preview,
        as_of=day.isoformat(),
        customers=dunning.list_customers(ctx.read(), ctx.code),
        tasks=dunning.list_tasks(ctx.read(), ctx.code),
        smtp=dunning.get_smtp(ctx.read(), ctx.code),
        can_manage=ctx.can(Perm.COMPANY_MANAGE),
        error=error.render(ctx.locale) if error else "",
        flash=flash,
        **_labels(),
    )


@router.post("/receivables/dunning/run")
def dunning_run(ctx: WebCtx, as_of: Annotated[str, Form()] = "") -> Response:
    day, error = _as_of(as_of)
    if error is not None:
        raise error
    result = dunning.run(ctx.uow(), ctx.code, as_of=day)
    query = urlencode({"as_of": day.isoformat(), "done": 1, "sent": result.sent, "failed": result.failed})
    return RedirectResponse(f"/receivables/dunning?{query}", status_code=303)


@router.post("/receivables/dunning/tasks/{task_id}/done")
def dunning_task_done(ctx: WebCtx, task_id: int, back: Annotated[str, Form()] = "") -> Response:
    dunning.complete_task(ctx.uow(), ctx.code, task_id)
    target = back if back.startswith("/receivables/dunning") else "/receivables/dunning"
    return RedirectResponse(target, status_code=303)


def _customer_page(
    ctx: Ctx, customer: str, *, error: YecaiError | None = None, flash: str = "", letter_lang: str = ""
) -> Response:
    state = dunning.customer_state(ctx.read(), ctx.code, customer)
    try:
        letter: dict[str, Any] | None = dunning.letter_preview(
            ctx.read(), ctx.code, customer, language=letter_lang if letter_lang in ("zh_CN", "en") else None
        )
    except YecaiError:  # no policy yet: nothing to preview
        letter = None
    return page(
        ctx,
        "ar_dunning_customer.html",
        ACTIVE,
        ctx._("Dunning: {customer}", customer=state["name"]),
        status_code=error.http_status if error else 200,
        state=state,
        events=dunning.timeline(ctx.read(), ctx.code, customer),
        tasks=[
            t
            for t in dunning.list_tasks(ctx.read(), ctx.code, include_done=True)
            if t["customer"] == customer
        ],
        charges=dunning.charges(ctx.read(), ctx.code, customer=customer),
        letter=letter,
        policies=dunning.list_policies(ctx.read(), ctx.code),
        can_manage=ctx.can(Perm.COMPANY_MANAGE),
        error=error.render(ctx.locale) if error else "",
        error_field=error.field if error else "",
        flash=flash,
        **_labels(),
    )


@router.get("/receivables/dunning/customers/{customer}")
def dunning_customer(ctx: WebCtx, customer: str, done: str = "", letter: str = "") -> Response:
    return _customer_page(ctx, customer, flash=ctx._("Saved") if done else "", letter_lang=letter)


def _change(ctx: Ctx, customer: str, fn: Any) -> Response:
    try:
        fn()
    except YecaiError as exc:
        return _customer_page(ctx, customer, error=exc)
    return RedirectResponse(f"/receivables/dunning/customers/{quote(customer)}?done=1", status_code=303)


@router.post("/receivables/dunning/customers/{customer}/promise")
def dunning_promise(
    ctx: WebCtx,
    customer: str,
    promise_date: Annotated[str, Form()] = "",
    amount: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    def do() -> None:
        try:
            day = date.fromisoformat(promise_date)
        except ValueError:
            raise dunning.PromiseInvalid(
                reason=N_("{value!r} is not a date"), value=promise_date, field="promise_date"
            ) from None
        dunning.set_promise(ctx.uow(), ctx.code, customer, promise_date=day, amount=amount, note=note)

    return _change(ctx, customer, do)


@router.post("/receivables/dunning/customers/{customer}/promise/clear")
def dunning_promise_clear(ctx: WebCtx, customer: str) -> Response:
    return _change(ctx, customer, lambda: dunning.clear_promise(ctx.uow(), ctx.code, customer))


@router.post("/receivables/dunning/customers/{customer}/dispute")
def dunning_dispute(
    ctx: WebCtx, customer: str, reason: Annotated[str, Form()] = "", doc_no: Annotated[str, Form()] = ""
) -> Response:
    return _change(
        ctx,
        customer,
        lambda: dunning.set_dispute(ctx.uow(), ctx.code, customer, reason=reason, doc_no=doc_no),
    )


@router.post("/receivables/dunning/customers/{customer}/dispute/clear")
def dunning_dispute_clear(ctx: WebCtx, customer: str, doc_no: Annotated[str, Form()] = "") -> Response:
    return _change(ctx, customer, lambda: dunning.clear_dispute(ctx.uow(), ctx.code, customer, doc_no=doc_no))


@router.post("/receivables/dunning/customers/{customer}/charges/{no}/waive")
def dunning_charge_waive(
    ctx: WebCtx, customer: str, no: str, reason: Annotated[str, Form()] = ""
) -> Response:
    return _change(ctx, customer, lambda: dunning.waive_charge(ctx.uow(), ctx.code, no, reason=reason))


@router.post("/receivables/dunning/customers/{customer}/contact")
def dunning_contact(
    ctx: WebCtx,
    customer: str,
    email: Annotated[str, Form()] = "",
    language: Annotated[str, Form()] = "",
    policy: Annotated[str, Form()] = "",
) -> Response:
    return _change(
        ctx,
        customer,
        lambda: dunning.set_contact(
            ctx.uow(), ctx.code, customer, email=email, language=language, policy=policy
        ),
    )


def register(app: FastAPI) -> None:
    app.include_router(router)
