"""Payment matching on imported bank statements, on a real database (SQLite and PostgreSQL): a sure
match books a purchase payment against the right bill, a doubtful one waits, a person confirms,
corrects or rejects, what they teach is used by the next statement, re-running never pays a line
twice, bank fees are not payments, and only those who do bank work or make vouchers decide."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from tests.payables.books import S3_ACCOUNT, Bank, bill, payables_books, user_with_role
from tests.sales.books import Books
from yecai.core.errors import PermissionDenied
from yecai.ledger import closing
from yecai.ledger.models import Company
from yecai.payables import service as ap
from yecai.purchasing import service as purchasing
from yecai.purchasing.models import PurchasePayment, VendorBill
from yecai.store.db import Database
from yecai.store.uow import Actor, UnitOfWork


@pytest.fixture
def books(db: Database, admin: Actor) -> Books:
    return payables_books(db, admin)


def queue(b: Books, status: str | None = "proposed") -> list[dict[str, Any]]:
    return ap.list_proposals(b.uow(), b.company, status=status)["proposals"]


def payments(b: Books) -> list[tuple[int | None, int, str]]:
    """(bill id, amount, date) of the company's purchase payments."""
    with b.uow() as u:
        rows = u.session.execute(
            select(PurchasePayment.bill_id, PurchasePayment.amount_minor, PurchasePayment.date)
            .join(Company, Company.id == PurchasePayment.company_id)
            .where(Company.code == b.company)
            .order_by(PurchasePayment.id)
        ).all()
        return [(bid, amt, d.isoformat()) for bid, amt, d in rows]


def paid(b: Books, bill_id: int) -> int:
    with b.uow() as u:
        row = u.session.get(VendorBill, bill_id)
        assert row is not None
        return row.paid_minor


def test_sure_match_pays_the_bill_weak_one_waits_fee_is_left_alone(books: Books) -> None:
    b = books
    b1 = bill(b, "S1", "1130.00", invoice_no="04412345")
    b2 = bill(b, "S2", "565.00")
    bank = Bank(b)
    assert (
        bank.statement(
            ("2025-04-01", "1130.00", "江南制造有限公司", "6222 1000 0000 0001", "付发票04412345货款"),
            ("2025-04-01", "15.00", "", "", "跨行汇划手续费"),
            ("2025-04-02", "565.00", "华北新材料贸易部", "6217 0000 9999 0002", "货款"),
        )
        == 3
    )
    counts = ap.run(b.uow(), b.company)
    assert counts == {"lines": 3, "fees": 1, "auto_applied": 1, "proposed": 1, "unmatched": 0, "refused": 0}

    (applied,) = queue(b, "auto_applied")
    assert applied["supplier"] == "S1" and applied["line"]["amount"] == "1130.00"
    assert [(x["bill"], x["amount"]) for x in applied["items"]] == [(b1["no"], "1130.00")]
    assert {r["code"] for r in applied["reasons"]} >= {"reference_match", "amount_exact"}
    assert len(applied["payments"]) == 1
    assert payments(b) == [(b1["id"], 113000, "2025-04-01")]
    assert paid(b, b1["id"]) == 113000

    (waiting,) = queue(b)
    assert waiting["line"]["payee_name"] == "华北新材料贸易部" and waiting["supplier"] == "S2"
    assert [x["bill"] for x in waiting["items"]] == [b2["no"]] and float(waiting["confidence"]) < 0.95
    assert waiting["payments"] == [] and paid(b, b2["id"]) == 0
    # The fee line got no proposal at all.
    assert all(p["line"]["remark"] != "跨行汇划手续费" for p in queue(b, None))

    # Re-running changes nothing that was settled and pays nothing twice.
    again = ap.run(b.uow(), b.company)
    assert again["auto_applied"] == 0 and again["lines"] == 2 and again["fees"] == 1
    assert len(payments(b)) == 1

    # Confirming the waiting one pays it; a second decision is refused.
    done = ap.confirm(b.uow(), b.company, waiting["id"], note="对过合同")
    assert done["status"] == "confirmed" and len(done["payments"]) == 1 and done["note"] == "对过合同"
    assert paid(b, b2["id"]) == 56500
    with pytest.raises(ap.ProposalNotOpen):
        ap.confirm(b.uow(), b.company, waiting["id"])
    assert ap.run(b.uow(), b.company)["lines"] == 1  # only the fee line is left unsettled


def test_one_payment_for_several_bills_and_partial_payment(books: Books) -> None:
    b = books
    x1 = bill(b, "S3", "300.00", "2025-03-01")
    x2 = bill(b, "S3", "450.00", "2025-03-02")
    x3 = bill(b, "S3", "1000.00", "2025-03-03")
    Bank(b).statement(
        ("2025-04-01", "750.00", "上海远航电子科技有限公司", S3_ACCOUNT, "3月货款"),
        ("2025-04-02", "400.00", "上海远航电子科技有限公司", S3_ACCOUNT, f"{x3['no']}部分付款"),
    )
    counts = ap.run(b.uow(), b.company)
    assert counts["auto_applied"] == 2, queue(b)
    p1, p2 = queue(b, "auto_applied")
    assert [(x["bill"], x["amount"]) for x in p1["items"]] == [(x1["no"], "300.00"), (x2["no"], "450.00")]
    assert {r["code"] for r in p1["reasons"]} >= {"payee_account_master", "amount_sum"}
    assert [(x["bill"], x["amount"]) for x in p2["items"]] == [(x3["no"], "400.00")]
    assert {r["code"] for r in p2["reasons"]} >= {"reference_match", "partial_payment"}
    assert (paid(b, x1["id"]), paid(b, x2["id"]), paid(b, x3["id"])) == (30000, 45000, 40000)
    assert len(payments(b)) == 3


def test_correct_and_reject_and_memory_on_the_next_statement(books: Books) -> None:
    b = books
    s1a = bill(b, "S1", "800.00", "2025-03-01")
    s1b = bill(b, "S1", "200.00", "2025-03-02")
    s2 = bill(b, "S2", "333.00", "2025-03-03")
    bank = Bank(b)
    bank.statement(
        ("2025-04-01", "1000.00", "张三", "6217 1111 2222 3333", "材料款"),
        ("2025-04-02", "88.00", "北京某餐饮", "6217 5555 0000 1111", "招待"),
    )
    ap.run(b.uow(), b.company)
    by_amount = {p["line"]["amount"]: p for p in queue(b)}
    person, meal = by_amount["1000.00"], by_amount["88.00"]
    assert person["supplier"] == "" and person["items"] == []  # nothing tells who 张三 pays for

    # A correction must take exactly the line's amount and only the supplier's bills.
    with pytest.raises(ap.AllocationNotLine):
        ap.correct(b.uow(), b.company, person["id"], supplier="S1", items=[(s1a["no"], "800.00")])
    with pytest.raises(ap.BillOfAnotherSupplier):
        ap.correct(
            b.uow(),
            b.company,
            person["id"],
            supplier="S1",
            items=[(s1a["no"], "667.00"), (s2["no"], "333.00")],
        )
    assert payments(b) == []  # nothing half-written
    fixed = ap.correct(
        b.uow(),
        b.company,
        person["id"],
        supplier="S1",
        items=[(s1a["no"], "800.00"), (str(s1b["id"]), "200.00")],
        note="张三是江南制造的业务员",
    )
    assert fixed["status"] == "corrected" and fixed["supplier"] == "S1" and len(fixed["payments"]) == 2
    assert (paid(b, s1a["id"]), paid(b, s1b["id"])) == (80000, 20000)

    rejected = ap.reject(b.uow(), b.company, meal["id"], note="费用报销")
    assert rejected["status"] == "rejected"
    assert ap.run(b.uow(), b.company)["lines"] == 0  # decided lines are never matched again

    # Next month 张三's account pays S1 again: the memory names the supplier, the amount the bill.
    s1c = bill(b, "S1", "640.00", "2025-04-10")
    bank.statement(("2025-05-06", "640.00", "张三", "6217-1111-2222-3333", "货款"))
    counts = ap.run(b.uow(), b.company)
    assert counts["auto_applied"] == 1
    latest = [p for p in queue(b, "auto_applied") if p["line"]["date"] == "2025-05-06"][0]
    assert latest["supplier"] == "S1" and [x["bill"] for x in latest["items"]] == [s1c["no"]]
    assert "payee_account_known" in {r["code"] for r in latest["reasons"]}


def test_threshold_one_queues_everything(books: Books) -> None:
    b = books
    b1 = bill(b, "S3", "500.00")
    Bank(b).statement(("2025-04-01", "500.00", "上海远航电子科技有限公司", S3_ACCOUNT, b1["no"]))
    with pytest.raises(ap.InvalidThreshold):
        ap.set_threshold(b.uow(), b.company, "1.5")
    ap.set_threshold(b.uow(), b.company, "1")
    counts = ap.run(b.uow(), b.company)
    assert counts["auto_applied"] == 0 and counts["proposed"] == 1
    assert ap.list_proposals(b.uow(), b.company)["threshold"] == "1"
    # For this run only, a lower threshold applies it.
    assert ap.run(b.uow(), b.company, threshold="0.9")["auto_applied"] == 1
    assert paid(b, b1["id"]) == 50000


def test_a_cashier_may_decide_an_auditor_may_not(books: Books, db: Database, admin: Actor) -> None:
    b = books
    b1 = bill(b, "S2", "700.00")
    Bank(b).statement(("2025-04-01", "700.00", "华北材料贸易", "6217 0000 9999 0002", "货款"))
    auditor = user_with_role(db, admin, b.company, "auditor")
    cashier = user_with_role(db, admin, b.company, "cashier")
    with pytest.raises(PermissionDenied):
        ap.run(UnitOfWork(db, auditor), b.company)
    ap.run(UnitOfWork(db, cashier), b.company)
    (waiting,) = ap.list_proposals(UnitOfWork(db, auditor), b.company)["proposals"]  # may look
    with pytest.raises(PermissionDenied):
        ap.confirm(UnitOfWork(db, auditor), b.company, waiting["id"])
    with pytest.raises(PermissionDenied):
        ap.reject(UnitOfWork(db, auditor), b.company, waiting["id"])
    done = ap.confirm(UnitOfWork(db, cashier), b.company, waiting["id"])
    assert done["status"] == "confirmed" and done["decided_by"] == cashier.username
    assert paid(b, b1["id"]) == 70000
    # The cashier did not become anything more than a cashier.
    with pytest.raises(PermissionDenied):
        ap.set_threshold(UnitOfWork(db, cashier), b.company, "0.9")


def test_a_payment_entered_by_hand_is_not_booked_again(books: Books) -> None:
    b = books
    b1 = bill(b, "S3", "880.00", "2025-03-01")
    b2 = bill(b, "S3", "880.00", "2025-03-02")
    purchasing.create_payment(
        b.uow(), b.company, supplier="S3", day=date(2025, 4, 1), amount="880.00", bill_id=b1["id"]
    )
    Bank(b).statement(("2025-04-02", "880.00", "上海远航电子科技有限公司", S3_ACCOUNT, "货款"))
    counts = ap.run(b.uow(), b.company)
    assert counts["auto_applied"] == 0 and counts["proposed"] == 1
    (p,) = queue(b)
    assert p["supplier"] == "S3" and p["items"] == [] and p["reasons"][0]["code"] == "already_recorded"
    assert paid(b, b2["id"]) == 0 and len(payments(b)) == 1
    with pytest.raises(ap.ProposalEmpty):
        ap.confirm(b.uow(), b.company, p["id"])
    assert ap.reject(b.uow(), b.company, p["id"], note="已手工登记")["status"] == "rejected"


def test_a_closed_period_refuses_the_payment_and_the_line_waits(books: Books) -> None:
    b = books
    b1 = bill(b, "S3", "500.00", "2025-03-01")
    b2 = bill(b, "S3", "260.00", "2025-03-02")
    Bank(b).statement(
        ("2025-03-20", "500.00", "上海远航电子科技有限公司", S3_ACCOUNT, b1["no"]),
        ("2025-04-02", "260.00", "上海远航电子科技有限公司", S3_ACCOUNT, b2["no"]),
    )
    for month in ("2025-01", "2025-02", "2025-03"):
        closing.close_period(b.uow(), b.company, month)
    counts = ap.run(b.uow(), b.company)
    assert (counts["auto_applied"], counts["refused"], counts["proposed"]) == (1, 1, 1)
    (p,) = queue(b)
    assert p["reasons"][-1]["code"] == "auto_apply_failed" and p["payments"] == []
    assert (paid(b, b1["id"]), paid(b, b2["id"])) == (0, 26000)  # the rest of the run went on
    assert payments(b) == [(b2["id"], 26000, "2025-04-02")]
