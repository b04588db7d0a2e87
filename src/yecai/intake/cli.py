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
        "Give --company to take the invoices into the review queue, or --extract-only to print what was read"
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
    """读取发票: e-invoices (OFD/XML), PDF invoices and scans/photos (OCR), with cross-checks.

    With --company (and without --extract-only) each file is taken into the review queue: an
    invoice that passes every check becomes a draft vendor bill, the others wait for a person."""
    if not extract_only:
        if not company:
            fail(ExtractOnlyRequired())
            return
        _submit(files, company, fmt)
        return
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


# --- the review queue ----------------------------------------------------------------------------

CompanyRequired = Annotated[str, typer.Option("--company", "-c", help="Company code (账套)")]
ListFmt = Annotated[str, typer.Option("--format", "-f", help="table | csv | json | xlsx")]


def _submit(files: list[Path], company: str, fmt: str) -> None:
    from yecai.cli.common import progress_bar
    from yecai.intake import review

    failed = False
    results: list[dict[str, Any]] = []
    with progress_bar(_("Reading invoices"), len(files)) as update:
        for n, path in enumerate(files, start=1):
            try:
                got = review.submit(uow(), company, _read(path), path.name)
            except YecaiError as exc:
                failed = True
                _refused(path, exc, fmt)
                update(n, len(files))
                continue
            results.append({"file": str(path), **_summary(got)})
            if fmt == "json":
                _line(results[-1])
            update(n, len(files))
    if fmt != "json" and results:
        table = Table(show_header=True)
        for col in ("file", "id", "status", "invoice_number", "total_with_tax", "vendor_bill", "reasons"):
            table.add_column(_(col))
        for r in results:
            table.add_row(
                escape(r["file"]), str(r["id"]), _(r["status"]), r["invoice_number"] or "",
                r["total_with_tax"] or "", r["vendor_bill"] or "", escape("; ".join(r["reasons"])),
            )  # fmt: skip
        console.print(table)
    if failed:
        raise typer.Exit(EXIT_ERROR)


def _summary(got: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": got["id"],
        "status": got["status"],
        "invoice_number": got["invoice_number"],
        "seller_name": got["seller_name"],
        "total_with_tax": got["total_with_tax"],
        "supplier": (got["proposal"].get("supplier") or {}).get("code"),
        "order": (got["proposal"].get("order") or {}).get("no"),
        "vendor_bill": got["vendor_bill"],
        "reasons": [r["text"] for r in got["reasons"]],
    }


@intake_app.command("queue")
def queue_cmd(
    company: CompanyRequired,
    status: Annotated[str, typer.Option(help="queued | drafted | rejected | all")] = "queued",
    fmt: ListFmt = "table",
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file (needed for xlsx)")] = None,
    limit: int = 100,
) -> None:
    """待审发票: invoices waiting for a person (or all taken in)."""
    from yecai.cli.common import write_rows
    from yecai.intake import review

    rows = run(lambda: review.queue(uow(), company, status=None if status == "all" else status, limit=limit))
    cols = ["id", "status", "invoice_number", "issue_date", "seller_name", "total_with_tax", "confidence_min",
            "reasons", "vendor_bill_id", "file_name", "created_at"]  # fmt: skip
    write_rows(rows, cols, fmt, out=out, title=_("Invoice review queue"))


@intake_app.command("show")
def show_cmd(invoice_id: int, company: CompanyRequired, fmt: Fmt = "table") -> None:
    """查看发票: the fields with their confidence, the checks, the proposal and the corrections."""
    from yecai.intake import review

    got = run(lambda: review.show(uow(), company, invoice_id))
    if fmt == "json":
        _line(got)
        return
    _print_review(got)


def _print_review(got: dict[str, Any]) -> None:
    console.print(
        f"[bold]#{got['id']}[/bold] {escape(got['file_name'])}  {_('Status')}: {_(got['status'])}"
        + (f"  {_('Vendor bill')}: {got['vendor_bill']}" if got["vendor_bill"] else "")
    )
    fields = {**got["fields"], "confidence": got["confidence"], "checks": got["checks"]}
    _print_invoice(Path(got["file_name"] or "-"), fields)
    prop = got["proposal"]
    sup = prop.get("supplier") or {}
    console.print(
        f"{_('Supplier')}: {escape(str(sup.get('code') or _('new')))} {escape(str(sup.get('name') or ''))} "
        f"[dim]({sup.get('how', '')})[/dim]"
    )
    if prop.get("order"):
        console.print(f"{_('Purchase order')}: {prop['order']['no']}")
    for i, ln in enumerate(prop.get("lines") or (), start=1):
        console.print(
            f"  {i}. {_('Item')}: {ln.get('item') or '-'}  {_('Category')}: {escape(ln.get('category') or '-')}"
        )
    for r in got["reasons"]:
        console.print(f" [yellow]![/yellow] {escape(r['text'])}")
    if got["note"]:
        from yecai.intake import review

        # notes are stored as codes: shown in the CLI's language, not the user's stored one
        note = review.notes_text(got["notes"], current_locale()) if got.get("notes") else got["note"]
        console.print(f"[dim]{escape(note)}[/dim]")


def _pairs(values: list[str], what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for v in values:
        key, sep, value = v.partition("=")
        if not sep or not key.strip():
            from yecai.intake.review import UnknownInvoiceField

            fail(UnknownInvoiceField(name=v, field=what))
        out[key.strip()] = value
    return out


@intake_app.command("correct")
def correct_cmd(
    invoice_id: int,
    company: CompanyRequired,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="FIELD=VALUE, e.g. total_with_tax=1130.00 or lines[2].amount=400.00"),
    ] = None,
    supplier: Annotated[str | None, typer.Option(help="The supplier's code")] = None,
    order: Annotated[str | None, typer.Option(help="The purchase order (number or id)")] = None,
    item: Annotated[list[str] | None, typer.Option(help="LINE=ITEM_CODE, e.g. 1=PAPER")] = None,
    category: Annotated[list[str] | None, typer.Option(help="LINE=CATEGORY, e.g. 2=办公用品")] = None,
    fmt: Fmt = "table",
) -> None:
    """更正发票: correct the fields read from a queued invoice; every change is kept."""
    from yecai.intake import review

    changes: dict[str, Any] = dict(_pairs(set_ or [], "set"))
    lines: dict[int, dict[str, str]] = {}
    for key, value in _pairs(item or [], "item").items():
        lines.setdefault(int(key) if key.isdigit() else 0, {})["item"] = value
    for key, value in _pairs(category or [], "category").items():
        lines.setdefault(int(key) if key.isdigit() else 0, {})["category"] = value
    got = run(
        lambda: review.correct(
            uow(), company, invoice_id, changes, supplier=supplier, order=order, line_items=lines or None
        )
    )
    if fmt == "json":
        _line(got)
    else:
        _print_review(got)


@intake_app.command("accept")
def accept_cmd(invoice_id: int, company: CompanyRequired, fmt: Fmt = "table") -> None:
    """确认发票: accept a queued invoice; it becomes a draft vendor bill."""
    from yecai.intake import review

    got = run(lambda: review.accept(uow(), company, invoice_id))
    if fmt == "json":
        _line(got)
    else:
        _print_review(got)


@intake_app.command("reject")
def reject_cmd(
    invoice_id: int,
    company: CompanyRequired,
    reason: Annotated[str, typer.Option(help="Why (kept in the audit log)")] = "",
    fmt: Fmt = "table",
) -> None:
    """退回发票: reject a queued invoice (it may be taken in again)."""
    from yecai.intake import review

    got = run(lambda: review.reject(uow(), company, invoice_id, reason))
    if fmt == "json":
        _line(got)
    else:
        console.print(_("Invoice #{id} rejected", id=got["id"]))


@intake_app.command("set-tax-id")
def set_tax_id_cmd(tax_id: str, company: CompanyRequired) -> None:
    """本公司税号: record the company's own 统一社会信用代码 (checked on every invoice's buyer)."""
    from yecai.intake import review

    got = run(lambda: review.set_company_tax_id(uow(), company, tax_id))
    console.print(_("Tax id of {company}: {tax_id}", company=got["company"], tax_id=got["tax_id"]))


def register(app: typer.Typer, voucher_app: typer.Typer) -> None:
    app.add_typer(intake_app, name="intake")
