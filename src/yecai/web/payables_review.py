"""The payment-matching review queue (付款核销复核): outgoing bank lines with the proposed supplier,
bills, confidence and reasons; run the matching, confirm, correct or reject. The page is written
once in ``yecai.web.bank_review``; every change is one call of ``payables.service``."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.responses import Response

from yecai.core.i18n import N_
from yecai.payables import service
from yecai.payables.models import STATUSES
from yecai.web.bank_review import Side, review_router
from yecai.web.context import Ctx
from yecai.web.documents import section_page

STATUS_LABELS = {
    "proposed": N_("Waiting for review"),
    "auto_applied": N_("Paid automatically"),
    "confirmed": N_("Confirmed"),
    "corrected": N_("Corrected"),
    "rejected": N_("Rejected"),
}


def _page(ctx: Ctx, template: str, active: str, title: str, **context: Any) -> Response:
    """A page of the purchasing section, under its tabs."""
    return section_page(ctx, template, "purchasing", active, title, **context)


def _ran(_: Any, run: dict[str, int]) -> str:
    return str(
        _(
            "{lines} outgoing lines: {auto} paid automatically, {proposed} waiting for review ({unmatched} without a supplier), {fees} bank fees left alone, {refused} refused by the books",
            lines=run["lines"],
            auto=run["auto_applied"],
            proposed=run["proposed"] + run["unmatched"],
            unmatched=run["unmatched"],
            fees=run["fees"],
            refused=run["refused"],
        )
    )


SIDE = Side(
    service=service,
    base="/payables/review",
    template="ap_review.html",
    active="ap_review",
    statuses=STATUSES,
    status_labels=STATUS_LABELS,
    flashes={
        "confirm": N_("Confirmed: the payment is booked against the bills"),
        "correct": N_("Corrected: the payment is booked against the bills"),
    },
    texts={
        "title": N_("Payment matching review"),
        "intro": N_(
            "Outgoing lines of the imported bank statements are matched with the open vendor bills. At or above the threshold the payment is booked against the bills automatically; the rest waits here. Bank fees are left alone. What you confirm or correct is remembered for the next run."
        ),
        "run": N_("Match the outgoing bank lines"),
        "amount": N_("Amount paid"),
        "who": N_("Payee"),
        "party": N_("Supplier"),
        "docs": N_("Bills"),
        "party_code": N_("Supplier code"),
        "items": N_("Bills and amounts, one per line: BILL-NO=AMOUNT (together the amount paid)"),
    },
    who="payee",
    party="supplier",
    doc="bill",
    confirm_needs_items=True,  # a payment pays bills
    section_tabs=True,
    page=_page,
    ran=_ran,
    can_decide=lambda ctx: any(ctx.can(p) for p in service.DECIDE_PERMS),
)
router = review_router(SIDE)


def register(app: FastAPI) -> None:
    app.include_router(router)
