"""A small trading company for the document tests: one customer, one supplier, one stock item
(产成品, 13%), one service item, one warehouse, and two stock receipts at different costs:
10 × 100.00 on 03-01 and 10 × 130.00 on 03-02 → 20 on hand at a moving average of 115.00."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tests.conftest import make_company
from yecai.inventory import service as inventory
from yecai.masterdata import service as md
from yecai.store.db import Database
from yecai.store.uow import Actor, UnitOfWork

TAX_ID = "91110000600037341L"  # a valid 统一社会信用代码


@dataclass(frozen=True)
class Books:
    db: Database
    actor: Actor
    company: str

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.db, self.actor)


def setup_books(db: Database, actor: Actor, *, start: str = "2025-01", receipts: bool = True) -> Books:
    company = make_company(db, actor, start=start)
    b = Books(db, actor, company)
    md.create_party(b.uow(), company, "customer", code="C1", name="华东商贸", tax_id=TAX_ID, group="直销")
    md.create_party(b.uow(), company, "customer", code="C2", name="西南百货")
    md.create_party(b.uow(), company, "supplier", code="S1", name="江南制造")
    md.create_item(b.uow(), company, code="A", name="电机", unit="台", category="产成品", tax_rate="0.13")
    md.create_item(
        b.uow(),
        company,
        code="SV",
        name="安装服务",
        unit="次",
        category="服务",
        tax_rate="0.06",
        kind="service",
    )
    md.create_warehouse(b.uow(), company, code="W1", name="成品库")
    if receipts:
        inventory.create_stock_receipt(
            b.uow(),
            company,
            supplier="S1",
            warehouse="W1",
            day=date(2025, 3, 1),
            lines=[("A", "10", "1000.00")],
        )
        inventory.create_stock_receipt(
            b.uow(),
            company,
            supplier="S1",
            warehouse="W1",
            day=date(2025, 3, 2),
            lines=[("A", "10", "1300.00")],
        )
    return b


def voucher_lines(view: dict) -> list[tuple[str, str, str, str]]:
    """(account, debit, credit, customer) of a document's first posting."""
    return [
        (ln["account_code"], ln["debit"], ln["credit"], ln["dims"].get("customer", ""))
        for ln in view["vouchers"][0]["lines"]
    ]
