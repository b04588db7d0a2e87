"""`yecai sales order import`: sales orders from CSV/XLSX with the voucher import's validation
report (see yecai.masterdata.imports for the engine: one order is written or rejected as a whole).

Header (a contract): ``order_no,date,customer_code,item_code,quantity,unit_price,tax_code``
[``,price_includes_tax,warehouse_code,remark``]. Rows with the same ``order_no`` form one order
(its number in the books is yecai's own, SO-…; the file's ``order_no`` goes into the note);
date, customer, price_includes_tax (default yes) and remark are read from the order's first row
and must not differ on its other rows. An empty tax_code takes the item's rate. With
``confirm`` each order is also delivered in full from its ``warehouse_code`` (stock out, cost of
sales posted) in the same transaction. Credit control applies as for an order typed in.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from yecai.core.errors import FieldRequired, YecaiError
from yecai.inventory.domain import to_qty_e4
from yecai.ledger.bulk import ImportIssue
from yecai.ledger.importer import parse_date
from yecai.masterdata.imports import (
    ImportSummary,
    Row,
    Unit,
    decimal_cell,
    issue,
    locate_by_field,
    read_rows,
    run_import,
)
from yecai.store.uow import UnitOfWork

ORDER_OPTIONAL = ("price_includes_tax", "warehouse_code", "remark")
_TRUE = {"", "1", "true", "yes", "y", "是", "含税"}
_FALSE = {"0", "false", "no", "n", "否", "不含税"}
_LINE_COLUMNS = {"item": "item_code", "qty": "quantity", "unit_price": "unit_price", "tax_code": "tax_code"}


class InconsistentOrderRows(YecaiError):
    code = "import.order_rows_differ"
    template = "Order {order_no}: {column} is {found!r} here but {expected!r} on its first row"


class InvalidFlag(YecaiError):
    code = "import.invalid_flag"
    template = "{text!r} is not yes/no (1/0, true/false, 是/否)"


def order_required(party: str) -> tuple[str, ...]:
    return ("order_no", "date", f"{party}_code", "item_code", "quantity", "unit_price", "tax_code")


def _flag(text: str, column: str) -> bool:
    t = text.strip().lower()
    if t in _TRUE:
        return True
    if t in _FALSE:
        return False
    raise InvalidFlag(text=text, field=column)


def build_order_units(
    rows: list[Row],
    *,
    file: str,
    party: str,
    create: Callable[[UnitOfWork, dict[str, Any]], dict[str, Any]],
    confirm: Callable[[UnitOfWork, dict[str, Any], date, str], Any] | None,
) -> tuple[list[Unit], list[ImportIssue], int]:
    """Group rows by order_no; parse them; (units to write, row errors, orders left out)."""
    party_col = f"{party}_code"
    groups: dict[str, list[Row]] = {}
    pre: list[ImportIssue] = []
    for r in rows:
        key = r.cells["order_no"]
        if not key:
            pre.append(issue(file, r.no, "order_no", FieldRequired(field_name="order_no")))
            continue
        groups.setdefault(key, []).append(r)
    units: list[Unit] = []
    rejected = 0
    for key, group in groups.items():
        errors: list[ImportIssue] = []
        first = group[0].cells
        day: date | None = None
        try:
            day = parse_date(first["date"])
        except YecaiError as exc:
            errors.append(issue(file, group[0].no, "date", exc))
        include = True
        try:
            include = _flag(first.get("price_includes_tax", ""), "price_includes_tax")
        except YecaiError as exc:
            errors.append(issue(file, group[0].no, "price_includes_tax", exc))
        for r in group[1:]:
            for col in ("date", party_col, "price_includes_tax", "warehouse_code", "remark"):
                if col in r.cells and r.cells[col] and r.cells[col] != first.get(col, ""):
                    exc = InconsistentOrderRows(
                        order_no=key, column=col, found=r.cells[col], expected=first.get(col, "")
                    )
                    errors.append(issue(file, r.no, col, exc))
        lines = []
        for r in group:
            c = r.cells
            for col in ("item_code", party_col):
                if not c[col] and not (col == party_col and r is not group[0]):
                    errors.append(issue(file, r.no, col, FieldRequired(field_name=col)))
            try:
                to_qty_e4(c["quantity"], "quantity")
            except YecaiError as exc:
                errors.append(issue(file, r.no, "quantity", exc))
            try:
                price: Decimal | str = decimal_cell(c["unit_price"], "unit_price")
            except YecaiError as exc:
                errors.append(issue(file, r.no, "unit_price", exc))
                price = c["unit_price"]
            lines.append(
                {
                    "item": c["item_code"],
                    "qty": c["quantity"],
                    "unit_price": price,
                    "tax_code": c["tax_code"] or None,
                }
            )
        warehouse = first.get("warehouse_code", "")
        if confirm is not None and not warehouse:
            errors.append(
                issue(file, group[0].no, "warehouse_code", FieldRequired(field_name="warehouse_code"))
            )
        if errors or day is None:
            pre += errors
            rejected += 1
            continue
        remark = first.get("remark", "")
        note = f"{key} {remark}".strip()

        def write(
            u: UnitOfWork,
            day: date = day,
            lines: list[dict[str, Any]] = lines,
            include: bool = include,
            note: str = note,
            party_code: str = first[party_col],
            warehouse: str = warehouse,
        ) -> str:
            doc = create(
                u,
                {party: party_code, "day": day, "lines": lines, "prices_include_tax": include, "note": note},
            )
            if confirm is not None:
                confirm(u, doc, day, warehouse)
            return str(doc["no"])

        columns = {**_LINE_COLUMNS, party: party_col, "warehouse": "warehouse_code", "order": "order_no"}
        units.append(Unit(key, tuple(group), write, locate_by_field(columns)))
    return units, pre, rejected


def import_orders(
    uow: UnitOfWork,
    company_code: str,
    path: Path,
    *,
    confirm: bool = False,
    all_or_nothing: bool = False,
    dry_run: bool = False,
    file_name: str | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> ImportSummary:
    from yecai.sales import service as sales

    name = file_name or path.name
    rows, _lines = read_rows(path, required=order_required("customer"), optional=ORDER_OPTIONAL, file=name)

    def create(u: UnitOfWork, kw: dict[str, Any]) -> dict[str, Any]:
        return sales.create_order(u, company_code, **kw)

    def deliver(u: UnitOfWork, doc: dict[str, Any], day: date, warehouse: str) -> Any:
        return sales.create_delivery(u, company_code, order_id=doc["id"], day=day, warehouse=warehouse)

    units, pre, rejected = build_order_units(
        rows, file=name, party="customer", create=create, confirm=deliver if confirm else None
    )
    summary = ImportSummary(
        file=name, kind="sales_order", rows=len(rows), dry_run=dry_run, all_or_nothing=all_or_nothing
    )
    return run_import(uow, summary, units, pre, rejected_before=rejected, progress=progress)
