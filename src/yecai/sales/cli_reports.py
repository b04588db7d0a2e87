"""`yecai report ar-balances` and `yecai report document-vouchers`, added to the ledger's report
group (see yecai.sales.reports for the CSV headers)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from yecai.cli.common import _, err_console, run, uow, write_rows
from yecai.core.money import format_minor
from yecai.sales import reports
from yecai.store.uow import UnitOfWork

Company = Annotated[str, typer.Option("--company", "-c", help="Company code (账套)")]
Fmt = Annotated[str, typer.Option("--format", "-f", help="table | csv | json | xlsx")]
Out = Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout")]
ToOpt = Annotated[str | None, typer.Option("--to", help="Last period of a range, YYYY-MM")]


def _reader() -> UnitOfWork:
    u = uow()
    u.readonly = True  # a report only reads: no write lock while it runs
    return u


def _check_out(fmt: str, out: Path | None) -> None:
    if fmt == "xlsx" and out is None:
        err_console.print(_("XLSX output needs --out FILE"))
        raise typer.Exit(2)


def _money(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> list[dict[str, Any]]:
    return [{**r, **{c: format_minor(r[c]) for c in columns if r.get(c) is not None}} for r in rows]


def ar_balances(
    company: Company,
    period: Annotated[str, typer.Option("--period", "-p", help="Period YYYY-MM (the first of a range)")],
    to: ToOpt = None,
    fmt: Fmt = "table",
    out: Out = None,
) -> None:
    """往来余额表 Receivables per customer (1122): opening, period debit and credit, closing."""
    _check_out(fmt, out)
    rows = run(lambda: reports.ar_balances(_reader(), company, period, to))
    headers = [
        _("Code"),
        _("Name"),
        _("Period"),
        _("To"),
        _("Opening balance"),
        _("Period debit"),
        _("Period credit"),
        _("Closing balance"),
    ]
    write_rows(
        _money(rows, reports.AR_MONEY),
        reports.AR_COLUMNS,
        fmt,
        out=out,
        title=_("Receivables"),
        headers=headers if fmt in ("table", "xlsx") else None,
    )


def document_vouchers(
    company: Company,
    doc_type: Annotated[
        str | None, typer.Option("--type", "-t", help="Document type, e.g. sales_invoice")
    ] = None,
    period: Annotated[str | None, typer.Option("--period", "-p", help="Voucher period YYYY-MM")] = None,
    to: ToOpt = None,
    fmt: Fmt = "table",
    out: Out = None,
) -> None:
    """Which documents produced which vouchers (单据 → 凭证)."""
    _check_out(fmt, out)
    rows = run(lambda: reports.document_vouchers(_reader(), company, doc_type=doc_type, period=period, to=to))
    headers = [
        _("Document type"),
        _("Document no."),
        _("Date"),
        _("Event"),
        _("Voucher id"),
        _("Voucher no."),
        _("Amount"),
        _("Rule set version"),
    ]
    write_rows(
        _money(rows, ("amount",)),
        reports.DV_COLUMNS,
        fmt,
        out=out,
        title=_("Document vouchers"),
        headers=headers if fmt in ("table", "xlsx") else None,
    )


def register(app: typer.Typer, voucher_app: typer.Typer) -> None:
    from yecai.ledger.cli_reports import report_app

    report_app.command("ar-balances")(ar_balances)
    report_app.command("document-vouchers")(document_vouchers)
