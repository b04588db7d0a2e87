"""`yecai receivables match`: cash application in batch, files in, matches.csv out.

Its own module so that the command, run at scale from scripts, starts with nothing but what it
needs: ``yecai`` registers this module's lean group for ``receivables match`` (see
``yecai.cli.main._LEAN_COMMANDS``); otherwise ``receivables.cli`` adds the same command to the
full group.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from yecai.cli.common import _, err_console, progress_bar, run, uow
from yecai.receivables import batch


def match_cmd(
    bank: Annotated[
        Path, typer.Option("--bank", help="Bank receipts CSV/XLSX: " + ",".join(batch.BANK_COLUMNS))
    ],
    out: Annotated[Path, typer.Option("--out", help="Write matches here: " + ",".join(batch.MATCH_COLUMNS))],
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
        if company is None and open_items is not None:
            # Files only: no database, so the ORM is never imported (a script's run starts fast).
            items_file = open_items
            proposals = run(
                lambda: batch.match_files(
                    bank=bank,
                    open_items_file=items_file,
                    memory_file=memory,
                    threshold=threshold,
                    progress=update,
                )
            )
        else:
            from yecai.receivables import service

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
    rows = run(lambda: batch.write_matches(proposals, out))
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


def register(app: typer.Typer, voucher_app: typer.Typer) -> None:
    """The lean start: a receivables group holding only ``match``."""
    group = typer.Typer(help="应收 Receivables: cash application (核销匹配)", no_args_is_help=True)
    group.command("match")(match_cmd)
    app.add_typer(group, name="receivables")
