"""The demo manufacturer: its books hold (`yecai check`), it is deterministic per seed, and it
exercises every document flow. Two months keep the test quick; `yecai demo load` runs twelve."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from tests.conftest import admin_actor, new_code
from yecai.checks.service import run_checks
from yecai.demo.manufacturer import load
from yecai.ledger import closing, reports
from yecai.ledger.models import Company, Voucher
from yecai.store.db import Database
from yecai.store.uow import Actor, UnitOfWork


def _load(db: Database, admin: Actor, seed: int = 3) -> tuple[str, dict]:
    code = new_code("DM")
    res = load(db, admin, company=code, seed=seed, months=2, close_through=1)
    return code, res


def _trial_balance(db: Database, admin: Actor, code: str) -> list[tuple[str, int, int]]:
    rows = reports.trial_balance(UnitOfWork(db, admin), code, "2025-01", "2025-02")
    return [(r.account_code, r.closing_debit, r.closing_credit) for r in rows]


def test_demo_books_hold_and_cover_every_flow(db: Database, admin: Actor) -> None:
    code, res = _load(db, admin)
    assert run_checks(UnitOfWork(db, admin), code) == []
    by_type = res["by_type"]
    for doc in (
        "sales_order",
        "sales_delivery",
        "sales_invoice",
        "sales_receipt",
        "purchase_order",
        "purchase_receipt",
        "vendor_bill",
        "purchase_payment",
        "work_order",
        "production_issue",
        "production_receipt",
        "expense_claim",
        "expense_claim_payment",
    ):
        assert by_type.get(doc, 0) > 0, doc
    assert res["closed"] == ["2025-01"]
    periods = {p["period"]: p["status"] for p in closing.list_periods(UnitOfWork(db, admin), code)}
    assert periods["2025-01"] == "closed" and periods["2025-02"] == "open"
    with UnitOfWork(db, admin) as u:
        company_id = u.session.execute(select(Company.id).where(Company.code == code)).scalar_one()
        manual = u.session.execute(
            select(func.count()).where(Voucher.company_id == company_id, Voucher.source_type == "manual")
        ).scalar_one()
    # opening capital, then per month depreciation, payroll, bank fees, VAT (and last month's payments)
    assert manual == res["manual_vouchers"] and 8 <= manual <= 14
    # the landlord bills rent and utilities without a purchase order, to the general office
    from yecai.purchasing import service as purchasing

    bills = sorted(
        (x for x in purchasing.list_bills(UnitOfWork(db, admin), code) if x["supplier"] == "S900"),
        key=lambda x: x["no"],
    )
    assert [x["status"] for x in bills] == ["posted", "posted"]  # January's rent; February's and utilities
    feb = purchasing.get_bill(UnitOfWork(db, admin), code, bills[-1]["id"])
    assert [(ln["category"], ln["department"], ln["tax_code"]) for ln in feb["lines"]] == [
        ("租赁费", "D01", "IN9"),
        ("水电费", "D01", "IN13"),
    ]


def test_demo_is_deterministic_and_plausible(sqlite_db: Database) -> None:
    """The same seed gives the same books; gross margin 25–40 %, customers owing at the end."""
    admin = admin_actor(sqlite_db)
    a, res_a = _load(sqlite_db, admin, seed=11)
    b, res_b = _load(sqlite_db, admin, seed=11)
    assert res_a == res_b
    assert _trial_balance(sqlite_db, admin, a) == _trial_balance(sqlite_db, admin, b)
    u = lambda: UnitOfWork(sqlite_db, admin)  # noqa: E731
    february = date(2025, 2, 28)  # January is closed (carried to 本年利润); February is open
    revenue = -reports.account_balance_at(u(), a, "6001", february)
    cost = reports.account_balance_at(u(), a, "6401", february)
    assert revenue > 0
    assert 0.25 <= (revenue - cost) / revenue <= 0.40
    assert reports.account_balance_at(u(), a, "1122", february) > 0
