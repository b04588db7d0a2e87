"""CLI of the payment-matching review queue: `yecai payables review run|list|show|confirm|correct|
reject|threshold` (the commands are written once in ``yecai.bankmatch.cli``)."""

from __future__ import annotations

import typer

from yecai.bankmatch.cli import Side, add_review_commands
from yecai.cli.common import _
from yecai.payables import service

payables_app = typer.Typer(help="应付 Payables: payments on bank statements (付款核销)", no_args_is_help=True)
review_app = typer.Typer(
    help="付款核销复核 Review queue of outgoing bank lines matched to vendor bills: run, confirm, correct, reject",
    no_args_is_help=True,
)

SIDE = Side(
    service=service,
    who="payee",
    party="supplier",
    doc="bill",
    booked=("payments", lambda p: " ".join(p["payments"])),
    party_help="Supplier code",
    doc_help="BILL_NO=AMOUNT, repeatable; together exactly the line's amount",
    helps={
        "run": "Match the company's unsettled outgoing bank lines; pay the sure ones, queue the rest.",
        "list": "The queue, oldest bank line first.",
        "show": "One proposal with its bills and reasons.",
        "confirm": "Pay the bills as proposed (and remember the payee).",
        "correct": "Pay the line to another supplier and/or other bills and amounts.",
        "reject": "Take the line out of the queue: it is not proposed again.",
        "threshold": "Set the confidence at or above which bills are paid without review.",
    },
    ran=lambda counts: _(
        "{lines} outgoing lines: {auto} paid automatically, {proposed} waiting for review ({unmatched} without a supplier), {fees} bank fees left alone, {refused} refused by the books",
        lines=counts["lines"],
        auto=counts["auto_applied"],
        proposed=counts["proposed"] + counts["unmatched"],
        unmatched=counts["unmatched"],
        fees=counts["fees"],
        refused=counts["refused"],
    ),
    threshold_set=lambda value: _("Automatic payment threshold: {value}", value=value),
)
add_review_commands(review_app, SIDE)


def register(app: typer.Typer, voucher_app: typer.Typer) -> None:
    payables_app.add_typer(review_app, name="review")
    app.add_typer(payables_app, name="payables")
