"""A small company for the inventory tests: supplier S1, customer C1, items A (产成品, on 1405)
and R (原材料, on 1403), warehouses W1 and W2, department D1; helpers to move stock and to read
the inventory accounts back from the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from tests.conftest import make_company
from yecai.inventory import service as inventory
from yecai.inventory.models import StockMove
from yecai.ledger import service as ledger
from yecai.ledger.models import Account, AccountBalance, Company
from yecai.masterdata import service as md
from yecai.sales import service as sales
from yecai.store.db import Database
from yecai.store.uow import Actor, UnitOfWork

D = date.fromisoformat


@dataclass(frozen=True)
class Books:
    db: Database
    actor: Actor
    company: str

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.db, self.actor)

    def receive(self, day: str, item: str, qty: str, cost: str, wh: str = "W1") -> dict:
        return inventory.create_stock_receipt(
            self.uow(), self.company, supplier="S1", warehouse=wh, day=D(day), lines=[(item, qty, cost)]
        )

    def deliver(self, day: str, item: str, qty: str, wh: str = "W1") -> dict:
        o = sales.create_order(
            self.uow(),
            self.company,
            customer="C1",
            day=D(day),
            prices_include_tax=True,
            lines=[{"item": item, "qty": qty, "unit_price": "500.00"}],
        )
        return sales.create_delivery(self.uow(), self.company, order_id=o["id"], day=D(day), warehouse=wh)

    def inventory_accounts(self) -> int:
        """1403 + 1405 (and their sub-accounts) in the ledger: debit − credit, in fen."""
        with self.uow() as u:
            company = u.session.execute(select(Company).where(Company.code == self.company)).scalar_one()
            ids = select(Account.id).where(
                Account.company_id == company.id, func.substr(Account.code, 1, 4).in_(("1403", "1405"))
            )
            return int(
                u.session.execute(
                    select(func.sum(AccountBalance.debit_minor - AccountBalance.credit_minor)).where(
                        AccountBalance.company_id == company.id, AccountBalance.account_id.in_(ids)
                    )
                ).scalar_one()
                or 0
            )

    def account(self, code: str) -> int:
        with self.uow() as u:
            company = u.session.execute(select(Company).where(Company.code == self.company)).scalar_one()
            return int(
                u.session.execute(
                    select(func.sum(AccountBalance.debit_minor - AccountBalance.credit_minor))
                    .join(Account, Account.id == AccountBalance.account_id)
                    .where(AccountBalance.company_id == company.id, Account.code == code)
                ).scalar_one()
                or 0
            )

    def moves(self) -> list[tuple]:
        """Every stock move of the company as a tuple of all its stored fields."""
        with self.uow() as u:
            company = u.session.execute(select(Company).where(Company.code == self.company)).scalar_one()
            rows = u.session.execute(
                select(StockMove).where(StockMove.company_id == company.id).order_by(StockMove.id)
            ).scalars()
            return [
                (
                    m.id,
                    m.item_id,
                    m.warehouse_id,
                    m.date,
                    m.qty_e4,
                    m.value_minor,
                    m.bal_qty_e4,
                    m.bal_value_minor,
                    m.bal_unit_cost,
                    m.cost_pending,
                )
                for m in rows
            ]


def setup_books(
    db: Database, actor: Actor, *, costing: str | None = None, allow_negative: bool = False
) -> Books:
    company = make_company(db, actor, start="2025-01")
    b = Books(db, actor, company)
    md.create_party(b.uow(), company, "customer", code="C1", name="华东商贸")
    md.create_party(b.uow(), company, "supplier", code="S1", name="江南制造")
    md.create_item(b.uow(), company, code="A", name="电机", unit="台", category="产成品", tax_rate="0.13")
    md.create_item(b.uow(), company, code="R", name="钢材", unit="吨", category="原材料", tax_rate="0.13")
    md.create_warehouse(b.uow(), company, code="W1", name="成品库")
    md.create_warehouse(b.uow(), company, code="W2", name="门店")
    ledger.add_dimension_values(b.uow(), company, [("department", "D1", "仓储部")])
    if costing or allow_negative:
        inventory.set_settings(b.uow(), company, costing=costing, allow_negative=allow_negative)
    return b
