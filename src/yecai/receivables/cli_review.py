"""CLI for the cash-application review queue: `yecai receivables review run|list|confirm|correct|
reject|threshold` (the commands are written once in ``yecai.bankmatch.cli``)."""

from __future__ import annotations

import typer

from yecai.bankmatch.cli import Side, add_review_commands
from yecai.cli.common import _
from yecai.receivables import review

review_app = typer.Typer(
    help="核销复核 Review queue of cash application: run on imported statements, confirm, correct, reject",
    no_args_is_help=True,
)

SIDE = Side(
    service=review,
    who="payer",
    party="customer",
    doc="invoice",
    booked=("receipt", lambda p: p["receipt"]),
    party_help="Customer code",
    doc_help="INVOICE_NO=AMOUNT, repeatable; none: an advance of the customer",
    helps={
        "run": "Match the company's unsettled statement lines; apply the sure ones, queue the rest.",
        "list": "The queue, oldest bank line first.",
        "confirm": "Apply a waiting proposal as proposed (and remember the payer).",
        "correct": "Apply the line to another customer and/or other invoices and amounts.",
        "reject": "Take the line out of the queue: it is not proposed again.",
        "threshold": "Set the confidence at or above which proposals are applied without review.",
    },
    ran=lambda counts: _(
        "{lines} lines: {auto} applied automatically, {proposed} waiting for review ({unmatched} without a customer), {refused} refused by the books",
        lines=counts["lines"],
        auto=counts["auto_applied"],
        proposed=counts["proposed"] + counts["unmatched"],
        unmatched=counts["unmatched"],
        refused=counts["refused"],
    ),
    threshold_set=lambda value: _("Automatic application threshold: {value}", value=value),
    show=False,  # not (yet) a command of this queue
)
add_review_commands(review_app, SIDE)
