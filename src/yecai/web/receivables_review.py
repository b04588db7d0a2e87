"""The cash-application review queue (核销复核): bank lines with the proposed customer, invoices,
confidence and reasons; run the matching, confirm, correct or reject. The page is written once in
``yecai.web.bank_review``; every change is one call of ``receivables.review``."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from yecai.core.i18n import N_
from yecai.receivables import review
from yecai.receivables.models_review import STATUSES
from yecai.security.domain import Perm
from yecai.web.bank_review import Side, review_router
from yecai.web.pages import page

STATUS_LABELS = {
    "proposed": N_("Waiting for review"),
    "auto_applied": N_("Applied automatically"),
    "confirmed": N_("Confirmed"),
    "corrected": N_("Corrected"),
    "rejected": N_("Rejected"),
}


def _ran(_: Any, run: dict[str, int]) -> str:
    return str(
        _(
            "{lines} lines: {auto} applied automatically, {proposed} waiting for review ({unmatched} without a customer), {refused} refused by the books",
            lines=run["lines"],
            auto=run["auto_applied"],
            proposed=run["proposed"] + run["unmatched"],
            unmatched=run["unmatched"],
            refused=run["refused"],
        )
    )


SIDE = Side(
    service=review,
    base="/receivables/review",
    template="ar_review.html",
    active="ar_review",
    statuses=STATUSES,
    status_labels=STATUS_LABELS,
    flashes={
        "confirm": N_("Confirmed: the receipt is booked and applied"),
        "correct": N_("Corrected: the receipt is booked and applied"),
    },
    texts={
        "title": N_("Cash application review"),
        "intro": N_(
            "Bank lines of the imported statements are matched with the open invoices. At or above the threshold a receipt is booked and applied automatically; the rest waits here. What you confirm or correct is remembered for the next run."
        ),
        "run": N_("Match the bank lines"),
        "amount": N_("Amount"),
        "who": N_("Payer"),
        "party": N_("Customer"),
        "docs": N_("Invoices"),
        "party_code": N_("Customer code"),
        "items": N_("Invoices and amounts, one per line: INV-NO=AMOUNT (none: an advance)"),
    },
    who="payer",
    party="customer",
    doc="invoice",
    confirm_needs_items=False,  # no invoices: the receipt is the customer's advance
    section_tabs=False,
    page=page,
    ran=_ran,
    can_decide=lambda ctx: ctx.can(Perm.VOUCHER_CREATE),
)
router = review_router(SIDE)


def register(app: FastAPI) -> None:
    app.include_router(router)
