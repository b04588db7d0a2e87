"""Credit control: exposure (open receivables on 1122 + open orders not yet invoiced, incl. VAT)
against the customer's limit, credit hold, and the refuse / approve / off modes."""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import make_user
from tests.sales.books import setup_books
from yecai.core.errors import PermissionDenied
from yecai.masterdata import service as md
from yecai.posting.domain import DocumentWrongState
from yecai.sales import credit
from yecai.sales import service as sales
from yecai.sales.credit_domain import CreditLimitExceeded, CustomerOnCreditHold, InvalidCreditControl
from yecai.store.db import Database
from yecai.store.uow import Actor, UnitOfWork

D = date.fromisoformat


def _order(u: UnitOfWork, company: str, qty: str, day: str = "2025-03-03") -> dict:
    return sales.create_order(
        u, company, customer="C1", day=D(day), lines=[{"item": "A", "qty": qty, "unit_price": "226.00"}]
    )


def test_refuse_over_the_limit_and_on_hold(db: Database, admin: Actor) -> None:
    b = setup_books(db, admin)
    md.update_party(b.uow(), b.company, "customer", "C1", credit_limit="3000.00", credit_days=30)
    o1 = _order(b.uow(), b.company, "12")  # 2712.00 incl. VAT
    assert o1["status"] == "open"
    with pytest.raises(CreditLimitExceeded) as exc:
        _order(b.uow(), b.company, "2")  # + 452.00 → 3164.00
    p = exc.value.params
    assert exc.value.code == "sales.credit_limit_exceeded"
    assert (p["exposure"], p["limit"], p["excess"], p["receivables"], p["orders"]) == (
        "3164.00",
        "3000.00",
        "164.00",
        "0.00",
        "3164.00",
    )
    assert "exceed the credit limit 3000.00 by 164.00" in str(exc.value)
    assert len(sales.list_orders(b.uow(), b.company)) == 1  # nothing written

    sales.create_delivery(b.uow(), b.company, order_id=o1["id"], day=D("2025-03-05"), warehouse="W1")
    inv = sales.create_invoice(b.uow(), b.company, customer="C1", day=D("2025-03-06"), orders=[o1["id"]])
    sales.create_receipt(
        b.uow(), b.company, customer="C1", day=D("2025-03-07"), amount="1000.00", invoice_id=inv["id"]
    )
    pos = credit.customer_credit(b.uow(), b.company, "C1")
    assert (pos["receivables"], pos["open_orders"], pos["exposure"], pos["available"]) == (
        "1712.00",
        "0.00",
        "1712.00",
        "1288.00",
    )
    o2 = _order(b.uow(), b.company, "2", "2025-03-08")  # 1712.00 + 452.00 = 2164.00 ≤ 3000.00
    assert o2["status"] == "open"

    credit.set_credit_hold(b.uow(), b.company, "C1", on_hold=True, reason="逾期未付")
    with pytest.raises(CustomerOnCreditHold) as held:
        _order(b.uow(), b.company, "1", "2025-03-09")
    assert held.value.params["reason"] == "逾期未付"
    with pytest.raises(CustomerOnCreditHold):
        sales.create_delivery(b.uow(), b.company, order_id=o2["id"], day=D("2025-03-09"), warehouse="W1")
    credit.set_credit_hold(b.uow(), b.company, "C1", on_hold=False)

    # the limit lowered after the order: its delivery is checked again
    md.update_party(b.uow(), b.company, "customer", "C1", credit_limit="2000.00")
    with pytest.raises(CreditLimitExceeded) as exc2:
        sales.create_delivery(b.uow(), b.company, order_id=o2["id"], day=D("2025-03-09"), warehouse="W1")
    assert (exc2.value.params["exposure"], exc2.value.params["excess"]) == ("2164.00", "164.00")

    credit.set_credit_control(b.uow(), b.company, "off")
    sales.create_delivery(b.uow(), b.company, order_id=o2["id"], day=D("2025-03-09"), warehouse="W1")
    with pytest.raises(InvalidCreditControl):
        credit.set_credit_control(b.uow(), b.company, "warn")


def test_approve_mode_holds_the_order_for_a_finance_manager(db: Database, admin: Actor) -> None:
    b = setup_books(db, admin)
    clerk = make_user(db, "accountant", b.company)
    manager = make_user(db, "finance_manager", b.company)
    md.update_party(b.uow(), b.company, "customer", "C1", credit_limit="1000.00")
    credit.set_credit_control(b.uow(), b.company, "approve")
    o = _order(UnitOfWork(db, clerk), b.company, "5")  # 1130.00 > 1000.00
    assert o["status"] == "pending_approval"
    with pytest.raises(DocumentWrongState):
        sales.create_delivery(b.uow(), b.company, order_id=o["id"], day=D("2025-03-05"), warehouse="W1")
    with pytest.raises(PermissionDenied):
        credit.approve_order(UnitOfWork(db, clerk), b.company, o["id"])
    approved = credit.approve_order(UnitOfWork(db, manager), b.company, o["id"], note="老客户")
    assert approved["status"] == "open"
    # the approval covers the order's deliveries
    d = sales.create_delivery(b.uow(), b.company, order_id=o["id"], day=D("2025-03-05"), warehouse="W1")
    assert d["status"] == "confirmed"
    o2 = _order(UnitOfWork(db, clerk), b.company, "1", "2025-03-06")
    assert o2["status"] == "pending_approval"
    rejected = credit.reject_order(UnitOfWork(db, manager), b.company, o2["id"])
    assert rejected["status"] == "cancelled"
    with pytest.raises(DocumentWrongState):
        credit.approve_order(UnitOfWork(db, manager), b.company, o2["id"])
