"""Purchase order import: the sales order import's shape with supplier_code."""

from __future__ import annotations

from pathlib import Path

from tests.sales.books import setup_books
from yecai.purchasing import service as purchasing
from yecai.purchasing.imports import import_orders
from yecai.store.db import Database
from yecai.store.uow import Actor

HEADER = "order_no,date,supplier_code,item_code,quantity,unit_price,tax_code\n"


def test_purchase_orders_import(db: Database, admin: Actor, tmp_path: Path) -> None:
    b = setup_books(db, admin, receipts=False)
    f = tmp_path / "po.csv"
    f.write_text(HEADER + "P1,2025-03-01,S1,A,10,113,\nP1,2025-03-01,S1,A,5,113,\nP2,2025-03-01,C1,A,1,1,\n")
    s = import_orders(b.uow(), b.company, f)
    assert s.imported == 1 and [(i.row, i.column, i.code) for i in s.issues] == [
        (4, "supplier_code", "not_found")
    ]
    (o,) = purchasing.list_orders(b.uow(), b.company)
    assert (o["supplier"], o["total"], len(o["lines"])) == ("S1", "1695.00", 2)
