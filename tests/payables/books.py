"""A small company with suppliers, posted vendor bills and a bank account whose statements carry
outgoing payments, for the payment-matching tests."""

from __future__ import annotations

from datetime import date
from typing import Any

from tests.conftest import new_code
from tests.purchasing.books import setup_books
from tests.sales.books import Books
from yecai.intake import service as intake
from yecai.masterdata import service as md
from yecai.purchasing import service as purchasing
from yecai.security import service as security
from yecai.store.db import Database
from yecai.store.uow import Actor, UnitOfWork

BANK_ACCOUNT = "6222 0200 3333 4444"
S3_ACCOUNT = "6228 4800 1234 5678"
PASSWORD = "Secret-pass-2025!"


def payables_books(db: Database, admin: Actor) -> Books:
    """S1 江南制造, S2 华北材料 (no bank account known), S3 上海远航电子科技有限公司 (account S3_ACCOUNT)."""
    b = setup_books(db, admin)
    md.create_party(
        b.uow(), b.company, "supplier", code="S3", name="上海远航电子科技有限公司", bank_account=S3_ACCOUNT
    )
    return b


def bill(
    b: Books, supplier: str, total: str, day: str = "2025-03-05", invoice_no: str = ""
) -> dict[str, Any]:
    """One posted vendor bill of ``total`` (VAT included) for 1 kg R."""
    d = date.fromisoformat(day)
    o = purchasing.create_order(
        b.uow(),
        b.company,
        supplier=supplier,
        day=d,
        prices_include_tax=True,
        lines=[{"item": "R", "qty": "1", "unit_price": total}],
    )
    purchasing.create_receipt(b.uow(), b.company, order_id=o["id"], day=d, warehouse="W1")
    return purchasing.create_bill(
        b.uow(), b.company, supplier=supplier, day=d, orders=[o["id"]], invoice_no=invoice_no
    )


class Bank:
    """ICBC-style statements of one account, each following the last one's closing."""

    def __init__(self, b: Books) -> None:
        self.b = b
        self.balance = 1_000_000_00
        self.next_id = 1

    def statement(self, *lines: tuple[str, str, str, str, str]) -> int:
        """Lines (date, amount paid out, payee name, payee account, remark); returns lines stored."""
        out = [
            f"账号：{BANK_ACCOUNT}",
            "币种：人民币",
            "交易日期,摘要,借方发生额,贷方发生额,余额,对方户名,对方账号,交易流水号",
        ]
        for day, amount, name, account, remark in lines:
            self.balance -= int(amount.replace(".", ""))
            bal = f"{self.balance // 100}.{self.balance % 100:02d}"
            out.append(f"{day},{remark},{amount},,{bal},{name},{account},ICBC{self.next_id:05d}")
            self.next_id += 1
        out.append("合计,,,,,,,")
        data = ("\r\n".join(out) + "\r\n").encode("gbk")
        r = intake.import_bank_statement(self.b.uow(), self.b.company, data, file_name=f"p{self.next_id}.csv")
        return r.lines_imported


def user_with_role(db: Database, admin: Actor, company: str, role: str) -> Actor:
    name = new_code(role[:3].upper()).lower()
    security.create_user(UnitOfWork(db, admin), username=name, password=PASSWORD)
    security.grant(UnitOfWork(db, admin), username=name, company_code=company, role=role)
    return security.actor_for(db, name, source="test")
