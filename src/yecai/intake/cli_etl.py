"""`yecai import …`: imports from other systems with cleaning.

* ``yecai import preview KIND FILE --company C [--source S] [--map 列=field …] [--default field=value …]
  [--undo ROW:COLUMN …] [--keep-duplicates] [--format table|json] [--report FILE.csv]`` shows the
  mapping, every cleaning change and every row that would be rejected; nothing is written.
* ``yecai import run KIND FILE …`` (same options, plus ``--all-or-nothing`` and ``--date`` for
  opening balances) imports; exit code 0 when every row was imported, 2 otherwise.
* ``yecai import profiles`` / ``yecai import codes [--source S]`` list saved mappings and the code
  map; ``yecai import map-code --source S --kind customer EXTERNAL CODE`` adds to it.

KIND: customer, supplier, item, account, opening, sales_order, purchase_order, sales_receipt,
purchase_payment, expense_claim, vendor_bill (drafts; ``--post`` posts them). The cleaning
report CSV has the header ``row,column,type,rule,before,after,message``.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from yecai.cli.common import EXIT_ERROR, _, console, err_console, progress_bar, run, uow, write_rows
from yecai.intake import etl
from yecai.intake.cleaning import RULE_LABELS

KINDS = (
    "customer",
    "supplier",
    "item",
    "account",
    "opening",
    "sales_order",
    "purchase_order",
    "sales_receipt",
    "purchase_payment",
    "expense_claim",
    "vendor_bill",
)
SHOWN_MAX = 50

import_app = typer.Typer(
    no_args_is_help=True, help=_("Import from other systems, with cleaning and a preview")
)
Kind = Annotated[
    str,
    typer.Argument(
        help="customer | supplier | item | account | opening | sales_order | purchase_order | sales_receipt | purchase_payment | expense_claim | vendor_bill"
    ),
]
File = Annotated[Path, typer.Argument(help="CSV (UTF-8 or GBK) or XLSX")]
Company = Annotated[str, typer.Option("--company", "-c", help="Company code (账套)")]
Source = Annotated[
    str, typer.Option("--source", "-s", help="Name of the other system; remembers the mapping and codes")
]
MapOpt = Annotated[
    list[str] | None, typer.Option("--map", "-m", help="COLUMN=field (repeatable); default: saved or guessed")
]
DefaultOpt = Annotated[
    list[str] | None, typer.Option("--default", help="field=value for empty cells (repeatable)")
]
Undo = Annotated[
    list[str] | None, typer.Option("--undo", help="ROW:COLUMN of a cleaning change to undo (repeatable)")
]
Keep = Annotated[bool, typer.Option("--keep-duplicates", help="Import rows that look like duplicates too")]
Report = Annotated[Path | None, typer.Option("--report", help="Write the cleaning report as CSV")]


def _pairs(items: list[str] | None, option: str) -> dict[str, str] | None:
    if not items:
        return None
    out: dict[str, str] = {}
    for item in items:
        col, sep, target = item.partition("=")
        if not sep or not col.strip():
            raise typer.BadParameter(_("expected COLUMN=field, got {value!r}", value=item), param_hint=option)
        out[col.strip()] = target.strip()
    return out


def _options(
    source: str, mapping: list[str] | None, defaults: list[str] | None, undo: list[str] | None, keep: bool
) -> dict[str, Any]:
    return {
        "source": source,
        "mapping": _pairs(mapping, "--map"),
        "defaults": _pairs(defaults, "--default"),
        "undo": [u.strip() for u in undo or []],
        "keep_duplicates": keep,
    }


def _show(report: etl.EtlReport, fmt: str, out: Path | None) -> None:
    if fmt == "json":
        console.print_json(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        console.print(
            _("Columns: {mapping}", mapping=", ".join(f"{c} → {t}" for c, t in report.mapping.items()))
        )
        if report.unmapped:
            console.print(_("Not imported: {columns}", columns=", ".join(report.unmapped)))
        if report.changes:
            console.print(_("{n} cell(s) cleaned:", n=report.changes_total))
            for ch in report.changes[:SHOWN_MAX]:
                console.print(
                    f"  {escape(ch.key)}  {escape(ch.before)!r} → {escape(ch.after)!r}  "
                    f"[dim]{escape(_(RULE_LABELS[ch.rule]))}[/dim]"
                )
            if report.changes_total > SHOWN_MAX:
                console.print(_("… and {n} more", n=report.changes_total - SHOWN_MAX))
        if report.problems:
            err_console.print(f"[red]{_('{n} error(s):', n=report.problems_total)}[/red]")
            for p in report.problems[:SHOWN_MAX]:
                where = _("row {row}", row=p.row)
                if p.column:
                    where += ", " + _("column {field}", field=p.column)
                err_console.print(f"  {escape(where)}: {escape(p.message)} [dim]({p.code})[/dim]")
            if report.problems_total > SHOWN_MAX:
                err_console.print(_("… and {n} more", n=report.problems_total - SHOWN_MAX))
        console.print(
            _(
                "Rows: {rows}; to import or imported: {ok}; rejected: {rejected}",
                rows=report.rows,
                ok=report.rows - report.rejected if report.dry_run else report.imported,
                rejected=report.rejected,
            )
        )
        if report.dry_run:
            console.print(_("Preview: nothing was written."))
    if out is not None:
        columns = list(etl.REPORT_COLUMNS)
        write_rows(report.report_rows(), columns, "csv", out=out)


@import_app.command("preview")
def preview(
    kind: Kind,
    file: File,
    company: Company,
    source: Source = "",
    mapping: MapOpt = None,
    default: DefaultOpt = None,
    undo: Undo = None,
    keep_duplicates: Keep = False,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table | json")] = "table",
    report: Report = None,
) -> None:
    """Show what an import would do: mapping, cleaning, rejected rows. Writes nothing."""
    opts = _options(source, mapping, default, undo, keep_duplicates)
    result = run(lambda: etl.preview(uow(), company, kind, file, **opts))
    _show(result, fmt, report)


@import_app.command("run")
def run_import(
    kind: Kind,
    file: File,
    company: Company,
    source: Source = "",
    mapping: MapOpt = None,
    default: DefaultOpt = None,
    undo: Undo = None,
    keep_duplicates: Keep = False,
    all_or_nothing: Annotated[
        bool, typer.Option("--all-or-nothing", help="Any error rejects the whole file")
    ] = False,
    on: Annotated[
        str | None, typer.Option("--date", help="Opening balances: voucher date (YYYY-MM-DD)")
    ] = None,
    post: Annotated[
        bool, typer.Option("--post", help="Vendor bills: post them (default: drafts to review)")
    ] = False,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table | json")] = "table",
    report: Report = None,
) -> None:
    """Import the file: clean rows are written, the others are listed with their reason."""
    opts = _options(source, mapping, default, undo, keep_duplicates)
    day = date.fromisoformat(on) if on else None
    with progress_bar(_("Importing"), None) as update:
        result = run(
            lambda: etl.run(
                uow(),
                company,
                kind,
                file,
                all_or_nothing=all_or_nothing,
                opening_date=day,
                post=post,
                progress=update,
                **opts,
            )
        )
    _show(result, fmt, report)
    if not result.ok:
        raise typer.Exit(EXIT_ERROR)


@import_app.command("profiles")
def profiles(
    company: Company, fmt: Annotated[str, typer.Option("--format", "-f", help="table | csv | json")] = "table"
) -> None:
    """Saved column mappings per source and kind."""
    rows = [
        {
            "source": p["source"],
            "kind": p["kind"],
            "mapping": "; ".join(f"{c}={t}" for c, t in p["mapping"].items()),
            "defaults": "; ".join(f"{f}={v}" for f, v in p["defaults"].items()),
        }
        for p in run(lambda: etl.list_profiles(uow(), company))
    ]
    write_rows(rows, ["source", "kind", "mapping", "defaults"], fmt)


@import_app.command("codes")
def codes(
    company: Company,
    source: Annotated[str | None, typer.Option("--source", "-s")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table | csv | json")] = "table",
) -> None:
    """The code map: another system's codes → yecai's."""
    rows = run(lambda: etl.list_codes(uow(), company, source=source))
    write_rows(rows, ["source", "kind", "external_code", "code"], fmt)


@import_app.command("map-code")
def map_code(
    external_code: Annotated[str, typer.Argument(help="The other system's code")],
    code: Annotated[str, typer.Argument(help="yecai's code")],
    company: Company,
    source: Annotated[str, typer.Option("--source", "-s")],
    kind: Annotated[str, typer.Option("--kind", "-k", help="customer | supplier | item | account")],
) -> None:
    """Send another system's code to an existing record on every later import from that source."""
    out = run(
        lambda: etl.set_code(uow(), company, source=source, kind=kind, external_code=external_code, code=code)
    )
    console.print(
        _(
            "{source}: {kind} {external} → {code}",
            source=source,
            kind=kind,
            external=out["external_code"],
            code=code,
        )
    )


def register(app: typer.Typer, voucher_app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")
