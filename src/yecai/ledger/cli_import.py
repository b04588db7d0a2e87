"""`yecai voucher import FILE --company CODE [--post] [--all-or-nothing] [--report FILE.csv]`.

Exit code 0 when every voucher of the file was imported (or had been already), 2 otherwise.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from yecai.cli.common import EXIT_ERROR, _, console, err_console, progress_bar, run, uow
from yecai.ledger.bulk import CHUNK_VOUCHERS, REPORT_COLUMNS, ImportSummary, import_vouchers

ERRORS_SHOWN_MAX = 50
CHUNK_VOUCHERS_MAX = 200_000


def register(app: typer.Typer, voucher_app: typer.Typer) -> None:
    voucher_app.command("import")(voucher_import)


def voucher_import(
    file: Annotated[Path, typer.Argument(help="CSV (UTF-8 or GBK) or XLSX, one row per voucher line")],
    company: Annotated[str, typer.Option("--company", "-c", help="Company code (账套)")],
    post: Annotated[bool, typer.Option("--post", help="Mark the vouchers reviewed and post them")] = False,
    all_or_nothing: Annotated[
        bool, typer.Option("--all-or-nothing", help="Any error rejects the whole file (nothing is written)")
    ] = False,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write the errors as CSV: file,row,column,code,message")
    ] = None,
    chunk_vouchers: Annotated[
        int,
        typer.Option(
            "--chunk-vouchers", min=1, max=CHUNK_VOUCHERS_MAX, hidden=True, help="Vouchers per transaction"
        ),
    ] = CHUNK_VOUCHERS,
) -> None:
    """导入凭证: import vouchers (header voucher_no,date,summary,account_code,debit,credit, optional
    voucher_type,currency,original_amount,rate,customer,supplier,department,project,employee).

    Rows with the same voucher_no and date form one voucher. Re-running the same file skips the
    vouchers already imported from it, so an interrupted import can simply be run again.
    """
    # polars' allocator (jemalloc) otherwise hands freed pages back to the kernel and faults them
    # in again for the next chunk (1M vouchers: 1.7M page faults, ~2.5 s of system time); one
    # arena keeps what it retains small (peak RSS 681 MB instead of 711). Read when polars is
    # first imported, i.e. below; this command is the whole process.
    os.environ.setdefault("_RJEM_MALLOC_CONF", "narenas:1,dirty_decay_ms:-1,muzzy_decay_ms:-1")
    with progress_bar(_("Importing vouchers"), None) as update:
        summary = run(
            lambda: import_vouchers(
                uow(),
                company,
                file,
                post=post,
                all_or_nothing=all_or_nothing,
                progress=update,
                chunk_vouchers=chunk_vouchers,
            )
        )
    _print_summary(summary)
    if report is not None:
        write_report(report, summary)
    if not summary.ok:
        raise typer.Exit(EXIT_ERROR)


def _print_summary(s: ImportSummary) -> None:
    console.print(
        _(
            "Vouchers imported: {imported} ({lines} lines, {status}); rejected: {rejected}; "
            "skipped (already imported): {skipped}; rows read: {rows}",
            imported=s.vouchers_imported,
            lines=s.lines_imported,
            status=_("posted") if s.posted else _("draft"),
            rejected=s.vouchers_rejected,
            skipped=s.vouchers_skipped,
            rows=s.rows,
        )
    )
    if s.all_or_nothing and not s.ok:
        err_console.print(f"[red]{_('The file was rejected as a whole; nothing was written.')}[/red]")
    if s.issues_total:
        err_console.print(f"[red]{_('{n} error(s):', n=s.issues_total)}[/red]")
        for issue in s.issues[:ERRORS_SHOWN_MAX]:
            where = _("row {row}", row=issue.row)
            if issue.column:
                where += ", " + _("column {field}", field=issue.column)
            err_console.print(
                f"  {escape(issue.file)} {escape(where)}: {escape(issue.message)} [dim]({issue.code})[/dim]"
            )
        if s.issues_total > ERRORS_SHOWN_MAX:
            err_console.print(_("… and {n} more", n=s.issues_total - ERRORS_SHOWN_MAX))


def write_report(path: Path, s: ImportSummary) -> None:
    """The errors as CSV (UTF-8 with BOM so that Excel opens the Chinese text correctly)."""
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(REPORT_COLUMNS)
        for issue in s.issues:
            d: dict[str, Any] = issue.to_dict()
            w.writerow(["" if d[c] is None else d[c] for c in REPORT_COLUMNS])
