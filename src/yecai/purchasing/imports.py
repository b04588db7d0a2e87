"""`yecai purchase order import`: purchase orders from CSV/XLSX, the same shape as the sales order
import with ``supplier_code`` (header ``order_no,date,supplier_code,item_code,quantity,
unit_price,tax_code`` [``,price_includes_tax,warehouse_code,remark``]); with ``confirm`` each order
is also received in full into its ``warehouse_code`` (暂估入库)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from yecai.masterdata.imports import ImportSummary, read_rows, run_import
from yecai.sales.imports import ORDER_OPTIONAL, build_order_units, order_required
from yecai.store.uow import UnitOfWork


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
    from yecai.purchasing import service as purchasing

    name = file_name or path.name
    rows, _lines = read_rows(path, required=order_required("supplier"), optional=ORDER_OPTIONAL, file=name)

    def create(u: UnitOfWork, kw: dict[str, Any]) -> dict[str, Any]:
        return purchasing.create_order(u, company_code, **kw)

    def receive(u: UnitOfWork, doc: dict[str, Any], day: date, warehouse: str) -> Any:
        return purchasing.create_receipt(u, company_code, order_id=doc["id"], day=day, warehouse=warehouse)

    units, pre, rejected = build_order_units(
        rows, file=name, party="supplier", create=create, confirm=receive if confirm else None
    )
    summary = ImportSummary(
        file=name, kind="purchase_order", rows=len(rows), dry_run=dry_run, all_or_nothing=all_or_nothing
    )
    return run_import(uow, summary, units, pre, rejected_before=rejected, progress=progress)
