"""Import of master data and documents from CSV/XLSX with the voucher import's validation report.

The file is read with the voucher import's helpers (``yecai.ledger.importer``: UTF-8 or GBK
CSV, or XLSX; the header checked for missing, unknown and repeated columns; dates as Chinese
spreadsheets write them) and every error is an ``ImportIssue`` (file, row, column, code,
message), written by the same report writer.

A *unit* is what is written or rejected as a whole: one master-data row, or the rows of one
document (same ``order_no``). Each unit is created through the ordinary service, so it meets
exactly the rules a user typing it would meet; its errors are mapped back to the file's rows and
columns. Nothing of a rejected unit is written. By default each unit is its own transaction;
``all_or_nothing`` first checks every unit in a transaction that is rolled back, then — only if
there was no error at all — writes them all in one transaction. ``dry_run`` only checks.

Master data headers (CSV headers are a contract):

* customers / suppliers: ``code,name`` [``,tax_id,bank_name,bank_account,group,credit_days,
  credit_limit``] — a duplicate code (in the file or the books) or a malformed 统一社会信用代码
  is reported on its row;
* items: ``code,name`` [``,spec,unit,category,tax_rate,kind``] — tax_rate 0.13 or 13%, kind
  stock | service.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from yecai.core.errors import ValidationFailed, YecaiError
from yecai.ledger.bulk import REPORT_COLUMNS, ImportIssue
from yecai.ledger.importer import check_header, file_facts, stream_rows
from yecai.masterdata import service as md
from yecai.store.uow import UnitOfWork

ROWS_MAX = 100_000  # rows of one import file; larger files are refused (split them)
ISSUES_KEPT_MAX = 10_000
UPLOAD_BYTES_MAX = 20 * 1024 * 1024  # API uploads of master data and documents

PARTY_REQUIRED = ("code", "name")
PARTY_OPTIONAL = ("tax_id", "bank_name", "bank_account", "group", "credit_days", "credit_limit")
ITEM_REQUIRED = ("code", "name")
ITEM_OPTIONAL = ("spec", "unit", "category", "tax_rate", "kind")
__all__ = ["REPORT_COLUMNS", "ImportSummary", "import_parties", "import_items", "run_import"]


class TooManyRows(YecaiError):
    code = "import.too_many_rows"
    template = "The file has more than {max} rows; split it"


class InvalidNumber(YecaiError):
    code = "import.invalid_number"
    template = "Not a number: {text!r}"


@dataclass
class ImportSummary:
    file: str
    kind: str
    rows: int = 0
    imported: int = 0
    rejected: int = 0
    dry_run: bool = False
    all_or_nothing: bool = False
    created: list[str] = field(default_factory=list)
    issues: list[ImportIssue] = field(default_factory=list)
    issues_total: int = 0

    @property
    def ok(self) -> bool:
        return self.rejected == 0 and self.issues_total == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "kind": self.kind,
            "rows": self.rows,
            "imported": self.imported,
            "rejected": self.rejected,
            "dry_run": self.dry_run,
            "all_or_nothing": self.all_or_nothing,
            "ok": self.ok,
            "created": self.created,
            "errors_total": self.issues_total,
            "errors": [i.to_dict() for i in self.issues],
        }


@dataclass(frozen=True)
class Row:
    no: int  # the file's line (header = 1)
    cells: dict[str, str]


@dataclass(frozen=True)
class Unit:
    """Rows written or rejected together, and how to write them (inside the caller's uow)."""

    key: str
    rows: tuple[Row, ...]
    write: Callable[[UnitOfWork], str]  # returns what was created (a code or a document no)
    # a service error's field → (index of the row in ``rows``, file column)
    locate: Callable[[YecaiError], tuple[int, str]]


def issue(file: str, row: int | None, column: str, exc: YecaiError) -> ImportIssue:
    return ImportIssue(file=file, row=row, column=column, code=exc.code, message=exc.message())


def read_rows(
    path: Path, *, required: Sequence[str], optional: Sequence[str], file: str
) -> tuple[list[Row], int]:
    """Non-blank rows (keyed by column) and the physical line count, for the progress bar."""
    facts = file_facts(path)
    out: list[Row] = []
    with stream_rows(path, facts.encoding) as (header, reader):
        cols = check_header(header, required=required, optional=optional, file=file)
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            if len(out) >= ROWS_MAX:
                raise TooManyRows(max=ROWS_MAX, file=file)
            out.append(
                Row(
                    reader.line_num,
                    {c: (cells[i].strip() if i < len(cells) else "") for c, i in cols.items()},
                )
            )
    return out, facts.lines


def _errors_of(exc: YecaiError) -> list[YecaiError]:
    return list(exc.errors) if isinstance(exc, ValidationFailed) else [exc]


def run_import(
    uow: UnitOfWork,
    summary: ImportSummary,
    units: Sequence[Unit],
    pre_issues: Sequence[ImportIssue] = (),
    *,
    rejected_before: int = 0,
    progress: Callable[[int, int | None], None] | None = None,
) -> ImportSummary:
    """Check and write ``units``; ``pre_issues`` are the errors found while parsing the rows (their
    units, ``rejected_before`` of them, are already left out)."""
    for i in pre_issues:
        _keep(summary, i)
    summary.rejected += rejected_before

    def rejected(unit: Unit, exc: YecaiError) -> None:
        summary.rejected += 1
        for e in _errors_of(exc):
            idx, column = unit.locate(e)
            _keep(summary, issue(summary.file, unit.rows[idx].no, column, e))

    if not (summary.dry_run or summary.all_or_nothing):
        for n, unit in enumerate(units, start=1):
            try:
                with uow:  # one transaction per unit
                    key = unit.write(uow)
                    uow.commit()
                summary.created.append(key)
                summary.imported += 1
            except YecaiError as exc:
                rejected(unit, exc)
            if progress is not None:
                progress(n, len(units))
        return summary
    # One transaction, a savepoint per unit: later units see earlier ones (a code twice in the
    # file is a duplicate), a refused unit leaves nothing behind, and the whole is committed only
    # when nothing at all was refused (and this is not a dry run).
    created: list[str] = []
    with uow:
        s = uow.session
        for n, unit in enumerate(units, start=1):
            savepoint = s.begin_nested()
            try:
                key = unit.write(uow)
                savepoint.commit()
                created.append(key)
            except YecaiError as exc:
                savepoint.rollback()
                rejected(unit, exc)
            if progress is not None:
                progress(n, len(units))
        if summary.ok and not summary.dry_run:
            uow.commit()
            summary.created = created
            summary.imported = len(created)
    return summary


def _keep(summary: ImportSummary, i: ImportIssue) -> None:
    summary.issues_total += 1
    if len(summary.issues) < ISSUES_KEPT_MAX:
        summary.issues.append(i)


def locate_by_field(columns: dict[str, str]) -> Callable[[YecaiError], tuple[int, str]]:
    """A service error's ``field`` → (row index, file column): ``lines[3].qty`` is the 3rd row's
    quantity column; a plain field is on the first row."""

    def locate(exc: YecaiError) -> tuple[int, str]:
        f = exc.field or ""
        m = re.fullmatch(r"lines\[(\d+)\]\.(\w+)", f)
        if m:
            return int(m.group(1)) - 1, columns.get(m.group(2), m.group(2))
        return 0, columns.get(f, f)

    return locate


def decimal_cell(text: str, column: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", "").strip())
    except InvalidOperation:
        raise InvalidNumber(text=text, field=column) from None
    if not value.is_finite():
        raise InvalidNumber(text=text, field=column)
    return value


# --- master data -----------------------------------------------------------------------------------


def import_parties(
    uow: UnitOfWork,
    company_code: str,
    kind: str,
    path: Path,
    *,
    all_or_nothing: bool = False,
    dry_run: bool = False,
    file_name: str | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> ImportSummary:
    """Customers or suppliers, one per row."""
    name = file_name or path.name
    rows, _lines = read_rows(path, required=PARTY_REQUIRED, optional=PARTY_OPTIONAL, file=name)
    summary = ImportSummary(
        file=name, kind=kind, rows=len(rows), dry_run=dry_run, all_or_nothing=all_or_nothing
    )
    pre: list[ImportIssue] = []
    units: list[Unit] = []
    for r in rows:
        c = r.cells
        try:
            days = int(c["credit_days"]) if c.get("credit_days") else 0
        except ValueError:
            pre.append(issue(name, r.no, "credit_days", InvalidNumber(text=c["credit_days"])))
            continue

        def write(u: UnitOfWork, c: dict[str, str] = c, days: int = days) -> str:
            return md.create_party(
                u,
                company_code,
                kind,
                code=c["code"],
                name=c["name"],
                tax_id=c.get("tax_id", ""),
                bank_name=c.get("bank_name", ""),
                bank_account=c.get("bank_account", ""),
                group=c.get("group", ""),
                credit_days=days,
                credit_limit=c.get("credit_limit") or "0",
            ).code

        units.append(Unit(c["code"], (r,), write, locate_by_field({})))
    return run_import(uow, summary, units, pre, rejected_before=len(pre), progress=progress)


def import_items(
    uow: UnitOfWork,
    company_code: str,
    path: Path,
    *,
    all_or_nothing: bool = False,
    dry_run: bool = False,
    file_name: str | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> ImportSummary:
    """Items (物料), one per row."""
    name = file_name or path.name
    rows, _lines = read_rows(path, required=ITEM_REQUIRED, optional=ITEM_OPTIONAL, file=name)
    summary = ImportSummary(
        file=name, kind="item", rows=len(rows), dry_run=dry_run, all_or_nothing=all_or_nothing
    )
    pre: list[ImportIssue] = []
    units: list[Unit] = []
    for r in rows:
        c = r.cells
        rate_text = c.get("tax_rate") or "0.13"
        try:
            rate = (
                decimal_cell(rate_text[:-1], "tax_rate") / 100
                if rate_text.endswith("%")
                else decimal_cell(rate_text, "tax_rate")
            )
        except YecaiError as exc:
            pre.append(issue(name, r.no, "tax_rate", exc))
            continue

        def write(u: UnitOfWork, c: dict[str, str] = c, rate: Decimal = rate) -> str:
            return str(
                md.create_item(
                    u,
                    company_code,
                    code=c["code"],
                    name=c["name"],
                    spec=c.get("spec", ""),
                    unit=c.get("unit", ""),
                    category=c.get("category", ""),
                    tax_rate=rate.normalize() if rate else Decimal(0),
                    kind=c.get("kind") or "stock",
                )["code"]
            )

        units.append(Unit(c["code"], (r,), write, locate_by_field({})))
    return run_import(uow, summary, units, pre, rejected_before=len(pre), progress=progress)
