"""A small company with real documents for the analytics service and shell tests: customers who
pay on time (C1) and late (C2), sales invoices with receipts, a vendor bill, cash in the bank."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from tests.conftest import draft
from tests.sales.books import Books, setup_books
from yecai.ledger import service as ledger
from yecai.masterdata import service as md
from yecai.purchasing import service as purchasing
from yecai.sales import service as sales
from yecai.store.db import Database
from yecai.store.uow import Actor

AS_OF = date(2025, 8, 29)


@dataclass(frozen=True)
class AnalyticsBooks:
    books: Books
    company: str
    late_invoice: str  # C2's open invoice (not yet due on AS_OF)
    punctual_invoice: str  # C1's open invoice
    bill: str


def sell(b: Books, customer: str, day: date, amount: str) -> dict:
    order = sales.create_order(
        b.uow(),
        b.company,
        customer=customer,
        day=day,
        lines=[{"item": "SV", "qty": "1", "unit_price": amount}],
    )
    sales.create_delivery(b.uow(), b.company, order_id=order["id"], day=day, warehouse="W1")
    return sales.create_invoice(b.uow(), b.company, customer=customer, day=day, orders=[order["id"]])


def build(db: Database, actor: Actor) -> AnalyticsBooks:
    b = setup_books(db, actor, receipts=False)
    md.update_party(b.uow(), b.company, "customer", "C1", credit_days=30)
    md.update_party(b.uow(), b.company, "customer", "C2", credit_days=30)
    md.update_party(b.uow(), b.company, "supplier", "S1", credit_days=30)
    ledger.create_voucher(
        b.uow(),
        b.company,
        draft(
            "2025-01-02",
            ("股东投入", "100201", "200000", ""),
            ("股东投入", "1001", "5000", ""),
            ("实收资本", "4001", "", "205000"),
        ),
        post=True,
    )
    day = date(2025, 1, 6)
    for _ in range(6):  # C1 pays on the due date, C2 forty days after it
        for code, late in (("C1", 0), ("C2", 40)):
            inv = sell(b, code, day, "1000.00")
            paid = day + timedelta(days=30 + late)
            if paid <= AS_OF:
                sales.create_receipt(
                    b.uow(), b.company, customer=code, day=paid, amount=inv["total"], invoice_id=inv["id"]
                )
        day += timedelta(days=28)
    late_inv = sell(b, "C2", AS_OF - timedelta(days=5), "2000.00")
    punctual_inv = sell(b, "C1", AS_OF - timedelta(days=5), "2000.00")
    po = purchasing.create_order(
        b.uow(),
        b.company,
        supplier="S1",
        day=date(2025, 8, 1),
        lines=[{"item": "A", "qty": "10", "unit_price": "100"}],
    )
    purchasing.create_receipt(b.uow(), b.company, order_id=po["id"], day=date(2025, 8, 2), warehouse="W1")
    bill = purchasing.create_bill(b.uow(), b.company, supplier="S1", day=date(2025, 8, 5), orders=[po["id"]])
    return AnalyticsBooks(b, b.company, late_inv["no"], punctual_inv["no"], bill["no"])
