"""CLI of the payment-matching review queue: `yecai payables review run|list|show|confirm|correct|
reject|threshold`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from yecai.cli.common import _, console, run, uow, write_rows
from yecai.payables import service

payables_app = typer.Typer(help="应付 Payables: payments on bank statements (付款核销)", no_args_is_help=True)
review_app = typer.Typer(
    help="付款核销复核 Review queue of outgoing bank lines matched to vendor bills: run, confirm, correct, reject",
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
    "payee_name",
    "payee_account",
    "remark",
    "supplier",
    "bills",
    "confidence",
    "reasons",
    "payments",
)


def _flat(p: dict[str, Any]) -> dict[str, Any]:
    line = p["line"]
    return {
        "id": p["id"],
        "status": p["status"],
        "date": line["date"],
        "amount": line["amount"],
        "payee_name": line["payee_name"],
        "payee_account": line["payee_account"],
        "remark": line["remark"],
        "supplier": p["supplier"],
        "bills": " ".join(f"{x['bill']}:{x['amount']}" for x in p["items"]),
        "confidence": p["confidence"],
        "reasons": "; ".join(f"{r['code']} {r['detail']}".strip() for r in p["reasons"]),
        "payments": " ".join(p["payments"]),
    }


def _show(p: dict[str, Any], fmt: str = "table") -> None:
    write_rows([_flat(p)], LIST_COLUMNS, fmt)


@review_app.command("run")
def run_cmd(
    company: Company,
    threshold: Annotated[
        str | None, typer.Option("--threshold", help="This run only (default: the company's setting)")
    ] = None,
) -> None:
    """Match the company's unsettled outgoing bank lines; pay the sure ones, queue the rest."""
    counts = run(lambda: service.run(uow(), company, threshold=threshold))
    console.print(
        _(
            "{lines} outgoing lines: {auto} paid automatically, {proposed} waiting for review ({unmatched} without a supplier), {fees} bank fees left alone, {refused} refused by the books",
            lines=counts["lines"],
            auto=counts["auto_applied"],
            proposed=counts["proposed"] + counts["unmatched"],
            unmatched=counts["unmatched"],
            fees=counts["fees"],
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
        lambda: service.list_proposals(
            uow(), company, status=None if status == "all" else status, limit=limit, offset=offset
        )
    )
    write_rows([_flat(p) for p in got["proposals"]], LIST_COLUMNS, fmt, out=out)


@review_app.command("show")
def show_cmd(company: Company, proposal: Annotated[int, typer.Argument()], fmt: Fmt = "table") -> None:
    """One proposal with its bills and reasons."""
    _show(run(lambda: service.get_proposal(uow(), company, proposal)), fmt)


@review_app.command("confirm")
def confirm_cmd(company: Company, proposal: Annotated[int, typer.Argument()], note: Note = "") -> None:
    """Pay the bills as proposed (and remember the payee)."""
    _show(run(lambda: service.confirm(uow(), company, proposal, note=note)))


@review_app.command("correct")
def correct_cmd(
    company: Company,
    proposal: Annotated[int, typer.Argument()],
    supplier: Annotated[str, typer.Option("--supplier", help="Supplier code")],
    bill: Annotated[
        list[str] | None,
        typer.Option("--bill", help="BILL_NO=AMOUNT, repeatable; together exactly the line's amount"),
    ] = None,
    note: Note = "",
) -> None:
    """Pay the line to another supplier and/or other bills and amounts."""
    items = [
        (no.strip(), amount.strip()) for no, _sep, amount in (spec.partition("=") for spec in bill or [])
    ]
    _show(run(lambda: service.correct(uow(), company, proposal, supplier=supplier, items=items, note=note)))


@review_app.command("reject")
def reject_cmd(company: Company, proposal: Annotated[int, typer.Argument()], note: Note = "") -> None:
    """Take the line out of the queue: it is not proposed again."""
    _show(run(lambda: service.reject(uow(), company, proposal, note=note)))


@review_app.command("threshold")
def threshold_cmd(
    company: Company, value: Annotated[str, typer.Argument(help="0..1; 1 = never automatically")]
) -> None:
    """Set the confidence at or above which bills are paid without review."""
    got = run(lambda: service.set_threshold(uow(), company, value))
    console.print(_("Automatic payment threshold: {value}", value=got["auto_apply_threshold"]))


def register(app: typer.Typer, voucher_app: typer.Typer) -> None:
    payables_app.add_typer(review_app, name="review")
    app.add_typer(payables_app, name="payables")
