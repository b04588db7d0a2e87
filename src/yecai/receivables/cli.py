"""CLI for receivables: cash application in batch (`yecai receivables match`), and teaching it
which customer a payer is (`confirm`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from yecai.cli.common import _, console, err_console, progress_bar, run, uow
from yecai.receivables import service

receivables_app = typer.Typer(help="应收 Receivables: cash application (核销匹配)", no_args_is_help=True)


def _add_open_items() -> None:
    from yecai.receivables import cli_items  # open-items, aging, statement, apply, unapply …

    cli_items.register(receivables_app)


_add_open_items()


@receivables_app.command("match")
def match_cmd(
    bank: Annotated[
        Path, typer.Option("--bank", help="Bank receipts CSV/XLSX: " + ",".join(service.BANK_COLUMNS))
    ],
    out: Annotated[
        Path, typer.Option("--out", help="Write matches here: " + ",".join(service.MATCH_COLUMNS))
    ],
    open_items: Annotated[
        Path | None,
        typer.Option("--open-items", help="Open items CSV/XLSX (default: the company's open items)"),
    ] = None,
    company: Annotated[
        str | None,
        typer.Option("--company", "-c", help="Company code (账套): its open items and payer memory"),
    ] = None,
    threshold: Annotated[
        float, typer.Option("--threshold", help="Apply automatically at this confidence or above")
    ] = 0.95,
    memory: Annotated[
        Path | None, typer.Option("--memory", help="Extra payer memory CSV: kind,key,customer_code")
    ] = None,
) -> None:
    """Propose which open items each bank receipt pays; one output row per application."""
    with progress_bar(_("Matching receipts"), None) as update:
        proposals = run(
            lambda: service.match_files(
                uow() if company else None,
                bank=bank,
                open_items_file=open_items,
                company=company,
                memory_file=memory,
                threshold=threshold,
                progress=update,
            )
        )
    rows = run(lambda: service.write_matches(proposals, out))
    matched = sum(1 for p in proposals if p.applications)
    auto = sum(1 for p in proposals if p.auto)
    err_console.print(
        _(
            "{n} receipts: {matched} with a proposal ({auto} automatic, {review} for review); {rows} rows written to {out}",
            n=len(proposals),
            matched=matched,
            auto=auto,
            review=matched - auto,
            rows=rows,
            out=out,
        )
    )


@receivables_app.command("confirm")
def confirm_cmd(
    company: Annotated[str, typer.Option("--company", "-c", help="Company code (账套)")],
    customer: Annotated[str, typer.Option("--customer", help="Customer code")],
    payer_account: Annotated[str, typer.Option("--payer-account")] = "",
    payer_name: Annotated[str, typer.Option("--payer-name")] = "",
    correct: Annotated[
        bool, typer.Option("--correct", help="This payer is no longer any other customer")
    ] = False,
) -> None:
    """Remember that a payer account and/or name pays for a customer (used by the next match)."""
    fn = service.correct_match if correct else service.confirm_match
    run(lambda: fn(uow(), company, customer=customer, payer_account=payer_account, payer_name=payer_name))
    console.print(_("Remembered: payer → {customer}", customer=customer))


def _add_dunning() -> None:
    from yecai.receivables.cli_dunning import dunning_app

    receivables_app.add_typer(dunning_app, name="dunning")


_add_dunning()


def register(app: typer.Typer, voucher_app: typer.Typer) -> None:
    from yecai.receivables.cli_review import review_app

    receivables_app.add_typer(review_app, name="review")
    app.add_typer(receivables_app, name="receivables")
