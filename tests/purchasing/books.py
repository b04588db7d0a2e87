"""A small company for the purchasing tests: supplier S1 (and S2), customer C1, a finished good A
(产成品, 13%) and a raw material R (原材料, 13%), warehouse W1; no stock until purchased."""

from __future__ import annotations

from datetime import date
from typing import Any

from tests.conftest import make_company
from tests.sales.books import Books
from yecai.masterdata import service as md
from yecai.purchasing import service as purchasing
from yecai.store.db import Database
from yecai.store.uow import Actor

D = date.fromisoformat


def setup_books(
    db: Database,
    actor: Actor,
    *,
    start: str = "2025-01",
    qty_tolerance: str = "5",
    price_tolerance: str = "5",
) -> Books:
    company = make_company(db, actor, start=start)
    b = Books(db, actor, company)
    md.create_party(b.uow(), company, "supplier", code="S1", name="江南制造")
    md.create_party(b.uow(), company, "supplier", code="S2", name="华北材料")
    md.create_party(b.uow(), company, "customer", code="C1", name="华东商贸")
    md.create_item(b.uow(), company, code="A", name="电机", unit="台", category="产成品", tax_rate="0.13")
    md.create_item(b.uow(), company, code="R", name="钢材", unit="kg", category="原材料", tax_rate="0.13")
    md.create_warehouse(b.uow(), company, code="W1", name="总库")
    purchasing.set_settings(b.uow(), company, qty_tolerance=qty_tolerance, price_tolerance=price_tolerance)
    return b


def po(
    b: Books,
    *lines: tuple[str, str, str],
    supplier: str = "S1",
    day: str = "2025-03-01",
    include: bool = False,
) -> dict[str, Any]:
    return purchasing.create_order(
        b.uow(),
        b.company,
        supplier=supplier,
        day=D(day),
        prices_include_tax=include,
        lines=[{"item": i, "qty": q, "unit_price": p} for i, q, p in lines],
    )


def vlines(view: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(account, debit, credit, supplier) of a document's first posting."""
    return [
        (ln["account_code"], ln["debit"], ln["credit"], ln["dims"].get("supplier", ""))
        for ln in view["vouchers"][0]["lines"]
    ]
