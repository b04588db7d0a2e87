"""Import commands: `yecai customer|supplier|item import FILE`, `yecai sales order import FILE` and
`yecai purchase order import FILE` (each --company C [--all-or-nothing] [--dry-run]
[--report FILE.csv]; orders also [--confirm]). Exit code 0 when every row was imported, 2
otherwise; the report has the voucher import's columns file,row,column,code,message."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from yecai.cli.common import EXIT_ERROR, _, console, err_console, progress_bar, run, uow
from yecai.ledger.cli_import import write_report
from yecai.masterdata.imports import ImportSummary

ERRORS_SHOWN_MAX = 50
File = Annotated[Path, typer.Argument(help="CSV (UTF-8 or GBK) or XLSX")]
Company = Annotated[str, typer.Option("--company", "-c", help="Company code (账套)")]
AllOrNothing = Annotated[
    bool, typer.Option("--all-or-nothing", help="Any error rejects the whole file (nothing is written)")
]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Only check; write nothing")]
Report = Annotated[
    Path | None, typer.Option("--report", help="Write the errors as CSV: file,row,column,code,message")
]
Confirm = Annotated[
    bool,
    typer.Option(
        "--confirm", help="Also deliver (sales) / receive (purchases) each order from warehouse_code"
    ),
]


def _finish(summary: ImportSummary, report: Path | None) -> None:
    console.print(
        _(
            "Imported: {imported}; rejected: {rejected}; rows read: {rows}",
            imported=summary.imported,
            rejected=summary.rejected,
            rows=summary.rows,
        )
    )
    if summary.dry_run:
        console.print(_("Dry run: nothing was written."))
    elif summary.all_or_nothing and not summary.ok:
        err_console.print(f"[red]{_('The file was rejected as a whole; nothing was written.')}[/red]")
    if summary.issues_total:
        err_console.print(f"[red]{_('{n} error(s):', n=summary.issues_total)}[/red]")
        for i in summary.issues[:ERRORS_SHOWN_MAX]:
            where = _("row {row}", row=i.row)
            if i.column:
                where += ", " + _("column {field}", field=i.column)
            err_console.print(
                f"  {escape(i.file)} {escape(where)}: {escape(i.message)} [dim]({i.code})[/dim]"
            )
        if summary.issues_total > ERRORS_SHOWN_MAX:
            err_console.print(_("… and {n} more", n=summary.issues_total - ERRORS_SHOWN_MAX))
    if report is not None:
        write_report(report, summary)  # type: ignore[arg-type]  # same issues shape
    if not summary.ok:
        raise typer.Exit(EXIT_ERROR)


def _run(label: str, fn: Callable[..., ImportSummary], report: Path | None, **kw: Any) -> None:
    with progress_bar(label, None) as update:
        summary = run(lambda: fn(uow(), progress=update, **kw))
    _finish(summary, report)


def _party_command(kind: str) -> Callable[..., None]:
    def command(
        file: File,
        company: Company,
        all_or_nothing: AllOrNothing = False,
        dry_run: DryRun = False,
        report: Report = None,
    ) -> None:
        """Import rows of code,name[,tax_id,bank_name,bank_account,group,credit_days,credit_limit]."""
        from yecai.masterdata.imports import import_parties

        _run(
            _("Importing"),
            lambda u, progress: import_parties(
                u, company, kind, file, all_or_nothing=all_or_nothing, dry_run=dry_run, progress=progress
            ),
            report,
        )

    return command


def item_import(
    file: File,
    company: Company,
    all_or_nothing: AllOrNothing = False,
    dry_run: DryRun = False,
    report: Report = None,
) -> None:
    """Import rows of code,name[,spec,unit,category,tax_rate,kind]."""
    from yecai.masterdata.imports import import_items

    _run(
        _("Importing"),
        lambda u, progress: import_items(
            u, company, file, all_or_nothing=all_or_nothing, dry_run=dry_run, progress=progress
        ),
        report,
    )


def _order_command(module: str) -> Callable[..., None]:
    def command(
        file: File,
        company: Company,
        confirm: Confirm = False,
        all_or_nothing: AllOrNothing = False,
        dry_run: DryRun = False,
        report: Report = None,
    ) -> None:
        """Import orders: order_no,date,<party>_code,item_code,quantity,unit_price,tax_code
        [,price_includes_tax,warehouse_code,remark]; rows with the same order_no form one order."""
        import importlib

        fn = importlib.import_module(module).import_orders
        _run(
            _("Importing orders"),
            lambda u, progress: fn(
                u,
                company,
                file,
                confirm=confirm,
                all_or_nothing=all_or_nothing,
                dry_run=dry_run,
                progress=progress,
            ),
            report,
        )

    return command


def register(app: typer.Typer, voucher_app: typer.Typer) -> None:
    from yecai.masterdata.cli import customer_app, item_app, supplier_app
    from yecai.purchasing.cli import order_app as purchase_order_app
    from yecai.sales.cli import order_app as sales_order_app

    customer_app.command("import")(_party_command("customer"))
    supplier_app.command("import")(_party_command("supplier"))
    item_app.command("import")(item_import)
    sales_order_app.command("import")(_order_command("yecai.sales.imports"))
    purchase_order_app.command("import")(_order_command("yecai.purchasing.imports"))
