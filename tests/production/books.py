"""A small manufacturer for the production tests: product P (电机, 产成品) made from steel R1
(2 kg per unit, 5 % scrap) and a housing R2 (1 per unit), raw-material store W1 and finished-goods
store W2. Opening stock: 100 kg R1 for 200.00 (2.00) and 20 R2 for 100.00 (5.00)."""

from __future__ import annotations

from datetime import date

from tests.conftest import make_company
from tests.sales.books import Books
from yecai.inventory import service as inventory
from yecai.masterdata import service as md
from yecai.production import service as production
from yecai.store.db import Database
from yecai.store.uow import Actor

D = date.fromisoformat


def setup_books(db: Database, actor: Actor, *, start: str = "2025-01", opening: str = "2025-03-01") -> Books:
    company = make_company(db, actor, start=start)
    b = Books(db, actor, company)
    md.create_party(b.uow(), company, "supplier", code="S1", name="江南钢铁")
    md.create_item(b.uow(), company, code="P", name="电机", unit="台", category="产成品", tax_rate="0.13")
    md.create_item(b.uow(), company, code="R1", name="钢材", unit="kg", category="原材料", tax_rate="0.13")
    md.create_item(b.uow(), company, code="R2", name="外壳", unit="个", category="原材料", tax_rate="0.13")
    md.create_warehouse(b.uow(), company, code="W1", name="原料库")
    md.create_warehouse(b.uow(), company, code="W2", name="成品库")
    inventory.create_stock_receipt(
        b.uow(),
        company,
        supplier="S1",
        warehouse="W1",
        day=D(opening),
        lines=[("R1", "100", "200.00"), ("R2", "20", "100.00")],
    )
    production.create_bom(
        b.uow(),
        company,
        item="P",
        lines=[{"item": "R1", "qty_per": "2", "scrap_pct": "5"}, {"item": "R2", "qty_per": "1"}],
    )
    return b


def vlines(view: dict) -> list[tuple[str, str, str, str]]:
    """(account, debit, credit, project) of a document's first posting."""
    return [
        (ln["account_code"], ln["debit"], ln["credit"], ln["dims"].get("project", ""))
        for ln in view["vouchers"][0]["lines"]
    ]
