"""`yecai intake invoice FILE… --extract-only` and `yecai intake bank-statement FILE`.

JSON output is JSON Lines: one compact object per invoice file (or per statement), in the
order of the arguments, so that one file prints exactly one JSON object. A refused file
prints ``{"file": …, "error": {…}}`` on its line and the command exits 2 at the end.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from yecai.cli.common import EXIT_ERROR, _, console, err_console, fail, run, uow
from yecai.core.errors import YecaiError
from yecai.core.i18n import current_locale
from yecai.intake import service
from yecai.intake.guard import FILE_BYTES_MAX, FileTooLarge

intake_app = typer.Typer(help="进项 Intake: e-invoices, PDF invoices, bank statements", no_args_is_help=True)

Company = Annotated[str | None, typer.Option("--company", "-c", help="Company code (账套)")]
Fmt = Annotated[str, typer.Option("--format", "-f", help="table | json (JSON Lines, one object per file)")]


class ExtractOnlyRequired(YecaiError):
    code = "intake.extract_only_required"
    template = (
        "Storing invoices (vendor bills, review queue) is not available yet; "
        "use --extract-only to read the file"
    )


class CompanyOrExtractOnly(YecaiError):
    code = "intake.company_required"
    template = "Give --company to import the statement, or --extract-only to print it"


def _read(path: Path) -> bytes:
    size = path.stat().st_size
    if size > FILE_BYTES_MAX:
        raise FileTooLarge(size=size, limit=FILE_BYTES_MAX, file=path.name)
    return path.read_bytes()


def _line(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")


def _refused(path: Path, exc: YecaiError, fmt: str) -> None:
    exc.located(file=path.name)
    if fmt == "json":
        _line({"file": str(path), "error": exc.to_dict(current_locale())})
    err_console.print(
        f"[red]{_('Error')}: {escape(exc.render(current_locale()))}[/red]  [dim]({exc.code})[/dim]"
    )


@intake_app.command("invoice")
def invoice(
    files: Annotated[list[Path], typer.Argument(help="OFD, XML or PDF invoice files")],
    company: Company = None,
    extract_only: Annotated[
        bool, typer.Option("--extract-only", help="Print what was read; store nothing")
    ] = False,
    fmt: Fmt = "table",
) -> None:
    """读取发票: read e-invoices (OFD/XML) and text-layer PDF invoices, with cross-checks."""
    if not extract_only:
        fail(ExtractOnlyRequired())
    failed = False
    for path in files:
        try:
            data = _read(path)
            result = service.extract_invoice(data, path.name, uow=uow() if company else None, company=company)
        except YecaiError as exc:
            failed = True
            _refused(path, exc, fmt)
            continue
        if fmt == "json":
            _line(result)
        else:
            _print_invoice(path, result)
    if failed:
        raise typer.Exit(EXIT_ERROR)


def _print_invoice(path: Path, d: dict[str, Any]) -> None:
    table = Table(title=str(path), show_header=True)
    table.add_column(_("Field"))
    table.add_column(_("Value"))
    table.add_column(_("Confidence"), justify="right")
    for key, value in d.items():
        if key in ("lines", "confidence", "checks"):
            continue
        table.add_row(key, "" if value is None else escape(str(value)), f"{d['confidence'].get(key, 0):.2f}")
    console.print(table)
    if d["lines"]:
        lines = Table(show_header=True)
        for key in d["lines"][0]:
            lines.add_column(key)
        for ln in d["lines"]:
            lines.add_row(*["" if v is None else escape(str(v)) for v in ln.values()])
        console.print(lines)
    for c in d["checks"]:
        mark = {True: "[green]✓[/green]", False: "[red]✗[/red]", None: "[dim]-[/dim]"}[c["passed"]]
        console.print(f" {mark} {c['name']}: {escape(c['detail'])}")


@intake_app.command("bank-statement")
def bank_statement(
    file: Annotated[Path, typer.Argument(help="OFX, camt.053 XML, MT940, or a bank's CSV/XLSX export")],
    company: Company = None,
    account: Annotated[str, typer.Option("--account", help="Ledger account of the bank, e.g. 100201")] = "",
    extract_only: Annotated[
        bool, typer.Option("--extract-only", help="Print what was read; store nothing")
    ] = False,
    fmt: Fmt = "table",
) -> None:
    """导入银行对账单: read a bank statement; with --company store it (lines already imported are skipped)."""
    if extract_only:
        try:
            statements = service.extract_statements(_read(file), file.name)
        except YecaiError as exc:
            _refused(file, exc, fmt)
            raise typer.Exit(EXIT_ERROR) from None
        for st in statements:
            if fmt == "json":
                _line(st)
            else:
                _print_statement(st)
        return
    if not company:
        fail(CompanyOrExtractOnly())
        return
    data = run(lambda: _read(file))
    result = run(
        lambda: service.import_bank_statement(uow(), company, data, file_name=file.name, account_code=account)
    )
    if fmt == "json":
        _line(result.to_dict())
        return
    console.print(
        _(
            "Statements imported: {n}; lines imported: {lines}; lines skipped (already imported): {skipped}",
            n=result.statements,
            lines=result.lines_imported,
            skipped=result.lines_skipped,
        )
    )


def _print_statement(st: dict[str, Any]) -> None:
    console.print(
        f"[bold]{escape(st['account'])}[/bold] {st['currency']} ({st['format']}): "
        f"{st['opening_balance']} → {st['closing_balance']}"
    )
    table = Table(show_header=True)
    for key in ("txn_id", "date", "amount", "counterparty_name", "counterparty_account", "remark"):
        table.add_column(key, justify="right" if key == "amount" else "left")
    for ln in st["lines"]:
        table.add_row(*[escape(str(ln[k])) for k in ln])
    console.print(table)


def register(app: typer.Typer, voucher_app: typer.Typer) -> None:
    app.add_typer(intake_app, name="intake")
