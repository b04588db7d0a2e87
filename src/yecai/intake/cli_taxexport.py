"""`yecai tax export-invoices --company C --from 2025-03-01 --to 2025-03-31 --format kp-xml|sdp-xlsx
--out FILE [--invoice NO …]`: posted sales invoices in the import format of the tax authority's
invoicing software (see ``intake.taxexport``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from yecai.cli.common import _, console, run, uow
from yecai.intake import taxexport

tax_app = typer.Typer(no_args_is_help=True, help=_("Invoices for the tax authority's invoicing software"))


@tax_app.command("export-invoices")
def export_invoices(
    company: Annotated[str, typer.Option("--company", "-c", help="Company code (账套)")],
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write")],
    start: Annotated[str, typer.Option("--from", help="First invoice date (YYYY-MM-DD)")] = "",
    end: Annotated[str, typer.Option("--to", help="Last invoice date (YYYY-MM-DD)")] = "",
    fmt: Annotated[str, typer.Option("--format", "-f", help="kp-xml | sdp-xlsx")] = "kp-xml",
    invoice: Annotated[list[str] | None, typer.Option("--invoice", help="Only these invoice numbers")] = None,
) -> None:
    """Write posted sales invoices for import into the invoicing software (开票软件 / 数电票)."""
    try:
        first = date.fromisoformat(start) if start else date(1900, 1, 1)
        last = date.fromisoformat(end) if end else date(9999, 12, 31)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--from/--to") from None
    data, n, _suffix = run(lambda: taxexport.export(uow(), company, fmt, first, last, numbers=invoice or ()))
    out.write_bytes(data)
    console.print(_("{n} invoice(s) written to {file}", n=n, file=str(out)))


def register(app: typer.Typer, voucher_app: typer.Typer) -> None:
    app.add_typer(tax_app, name="tax")
