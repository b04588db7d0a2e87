"""CLI for the cash-application review queue: `yecai receivables review run|list|show|confirm|
correct|reject|threshold`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from yecai.cli.common import _, console, run, uow, write_rows
from yecai.receivables import review

review_app = typer.Typer(
    help="核销复核 Review queue of cash application: run on imported statements, confirm, correct, reject",
    no_args_is_help=True,
)

Company = Annotated[str, typer.Option("--company", "-c", help="Company code (账套)")]
Fmt = Annotated[str, typer.Option("--format", "-f", help="table | csv | json | xlsx")]
Note = Annotated[str, typer.Option("--note", help="Why (kept with the decision)")]
LIST_COLUMNS = (
    "id",
    "status",
    "date",
    "amount",
    "payer_name",
    "payer_account",
    "remark",
    "customer",
    "invoices",
    "confidence",
    "reasons",
    "receipt",
)


def _flat(p: dict[str, Any]) -> dict[str, Any]:
    line = p["line"]
    return {
        "id": p["id"],
        "status": p["status"],
        "date": line["date"],
        "amount": line["amount"],
        "payer_name": line["payer_name"],
        "payer_account": line["payer_account"],
        "remark": line["remark"],
        "customer": p["customer"],
        "invoices": " ".join(f"{x['invoice']}:{x['amount']}" for x in p["items"]),
        "confidence": p["confidence"],
        "reasons": "; ".join(f"{r['code']} {r['detail']}".strip() for r in p["reasons"]),
        "receipt": p["receipt"],
    }


def _show(p: dict[str, Any]) -> None:
    write_rows([_flat(p)], LIST_COLUMNS, "table")


@review_app.command("run")
def run_cmd(
    company: Company,
    threshold: Annotated[
        str | None, typer.Option("--threshold", help="This run only (default: the company's setting)")
    ] = None,
) -> None:
    """Match the company's unsettled statement lines; apply the sure ones, queue the rest."""
    counts = run(lambda: review.run(uow(), company, threshold=threshold))
    console.print(
        _(
            "{lines} lines: {auto} applied automatically, {proposed} waiting for review ({unmatched} without a customer), {refused} refused by the books",
            lines=counts["lines"],
            auto=counts["auto_applied"],
            proposed=counts["proposed"] + counts["unmatched"],
            unmatched=counts["unmatched"],
            refused=counts["refused"],
        )
    )


@review_app.command("list")
def list_cmd(
    company: Company,
    status: Annotated[
        str, typer.Option("--status", help="proposed | auto_applied | confirmed | corrected | rejected | all")
    ] = "proposed",
    limit: Annotated[int, typer.Option("--limit")] = 100,
    offset: Annotated[int, typer.Option("--offset")] = 0,
    fmt: Fmt = "table",
    out: Annotated[Path | None, typer.Option("--out")] = None,
) -> None:
    """The queue, oldest bank line first."""
    got = run(
        lambda: review.list_proposals(
            uow(), company, status=None if status == "all" else status, limit=limit, offset=offset
        )
    )
    write_rows([_flat(p) for p in got["proposals"]], LIST_COLUMNS, fmt, out=out)


@review_app.command("confirm")
def confirm_cmd(company: Company, proposal: Annotated[int, typer.Argument()], note: Note = "") -> None:
    """Apply a waiting proposal as proposed (and remember the payer)."""
    p = run(lambda: review.confirm(uow(), company, proposal, note=note))
    _show(p)


@review_app.command("correct")
def correct_cmd(
    company: Company,
    proposal: Annotated[int, typer.Argument()],
    customer: Annotated[str, typer.Option("--customer", help="Customer code")],
    invoice: Annotated[
        list[str] | None,
        typer.Option("--invoice", help="INVOICE_NO=AMOUNT, repeatable; none: an advance of the customer"),
    ] = None,
    note: Note = "",
) -> None:
    """Apply the line to another customer and/or other invoices and amounts."""
    items: list[tuple[str, str]] = []
    for spec in invoice or []:
        no, sep, amount = spec.partition("=")
        if not sep:
            items.append((no.strip(), ""))  # refused below with the field named
        else:
            items.append((no.strip(), amount.strip()))
    p = run(lambda: review.correct(uow(), company, proposal, customer=customer, items=items, note=note))
    _show(p)


@review_app.command("reject")
def reject_cmd(company: Company, proposal: Annotated[int, typer.Argument()], note: Note = "") -> None:
    """Take the line out of the queue: it is not proposed again."""
    p = run(lambda: review.reject(uow(), company, proposal, note=note))
    _show(p)


@review_app.command("threshold")
def threshold_cmd(
    company: Company, value: Annotated[str, typer.Argument(help="0..1; 1 = never automatically")]
) -> None:
    """Set the confidence at or above which proposals are applied without review."""
    got = run(lambda: review.set_threshold(uow(), company, value))
    console.print(_("Automatic application threshold: {value}", value=got["auto_apply_threshold"]))
