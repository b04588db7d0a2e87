"""Expense claims end to end on both databases: approval by someone else books the expense
(by category and department kind) and input VAT against 2241, payment clears it and offsets an
employee advance on 1221; refusals, closed periods, traceability and `yecai check`."""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import make_company, make_user
from yecai.checks.service import run_checks
from yecai.core.errors import PermissionDenied
from yecai.expenses import domain
from yecai.expenses import service as expenses
from yecai.ledger import closing
from yecai.ledger import service as ledger
from yecai.ledger.service import PeriodClosed
from yecai.posting import service as posting
from yecai.posting.domain import DocumentWrongState
from yecai.store.db import Database
from yecai.store.uow import Actor, UnitOfWork

D = date.fromisoformat


def _setup(db: Database, admin: Actor, start: str = "2025-01") -> tuple[str, Actor, Actor]:
    c = make_company(db, admin, start=start)
    ledger.add_dimension_values(
        UnitOfWork(db, admin),
        c,
        [
            ("employee", "E1", "张三"),
            ("employee", "E2", "李四"),
            ("department", "ADM", "行政部"),
            ("department", "SAL", "销售部"),
        ],
    )
    expenses.set_department_kind(UnitOfWork(db, admin), c, "SAL", "sales")
    return c, make_user(db, "finance_manager", c), make_user(db, "finance_manager", c)


def _lines(view: dict, n: int = 0) -> list[tuple[str, str, str, str]]:
    return [
        (
            ln["account_code"],
            ln["debit"],
            ln["credit"],
            ln["dims"].get("department") or ln["dims"].get("employee", ""),
        )
        for ln in view["vouchers"][n]["lines"]
    ]


def test_claim_approve_pay_with_advance(db: Database, admin: Actor) -> None:
    c, claimant, approver = _setup(db, admin)
    adv = expenses.create_advance(
        UnitOfWork(db, claimant), c, employee="E1", day=D("2025-03-01"), amount="2000"
    )
    assert _lines(adv) == [("1221", "2000.00", "", "E1"), ("100201", "", "2000.00", "")]
    claim = expenses.create_claim(
        UnitOfWork(db, claimant),
        c,
        employee="E1",
        department="SAL",
        day=D("2025-03-10"),
        attachments=3,
        lines=[
            {"category": "差旅费", "amount": "1090.00", "tax": "90.00", "invoice_type": "special"},
            {"category": "业务招待费", "amount": "500.00", "invoice_type": "ordinary"},
            {"category": "办公费", "amount": "339.00", "tax": "39.00", "invoice_type": "special"},
        ],
    )
    assert (claim["status"], claim["net"], claim["tax"], claim["total"]) == (
        "draft",
        "1800.00",
        "129.00",
        "1929.00",
    )
    assert claim["vouchers"] == []
    preview = expenses.preview_claim(UnitOfWork(db, claimant), c, claim["id"])
    assert preview["errors"] == [] and preview["lines"][0]["account_code"] == "660104"

    with pytest.raises(domain.SelfApproval) as own:
        expenses.approve_claim(UnitOfWork(db, claimant), c, claim["id"])
    assert own.value.code == "expenses.self_approval"
    accountant = make_user(db, "accountant", c)
    with pytest.raises(PermissionDenied):
        expenses.approve_claim(UnitOfWork(db, accountant), c, claim["id"])
    with pytest.raises(DocumentWrongState):
        expenses.pay_claim(UnitOfWork(db, approver), c, claim["id"], day=D("2025-03-12"))

    ok = expenses.approve_claim(UnitOfWork(db, approver), c, claim["id"])
    # sales department: travel 660104, entertainment 660106, office 660107; 专票 VAT deductible
    assert _lines(ok) == [
        ("660104", "1000.00", "", "SAL"),
        ("660106", "500.00", "", "SAL"),
        ("660107", "300.00", "", "SAL"),
        ("22210101", "90.00", "", ""),
        ("22210101", "39.00", "", ""),
        ("2241", "", "1929.00", ""),
    ]
    assert (ok["status"], ok["approved_by"], ok["submitted_by"]) == (
        "approved",
        approver.username,
        claimant.username,
    )

    with pytest.raises(domain.OffsetExceedsClaim):
        expenses.pay_claim(UnitOfWork(db, approver), c, claim["id"], day=D("2025-03-12"), offset="1929.01")
    paid = expenses.pay_claim(UnitOfWork(db, approver), c, claim["id"], day=D("2025-03-12"), offset="1500")
    assert _lines(paid, 1) == [
        ("2241", "1929.00", "", ""),
        ("1221", "", "1500.00", "E1"),
        ("100201", "", "429.00", ""),
    ]
    assert paid["vouchers"][1]["voucher_no"].startswith("付-")
    assert expenses.get_advance(UnitOfWork(db, admin), c, adv["id"])["open"] == "500.00"

    # an administrative department books to 6602xx; cash payment from 1001
    other = expenses.create_claim(
        UnitOfWork(db, claimant),
        c,
        employee="E2",
        department="ADM",
        day=D("2025-03-15"),
        lines=[{"category": "差旅费", "amount": "200"}],
    )
    other = expenses.approve_claim(UnitOfWork(db, approver), c, other["id"])
    assert _lines(other) == [("660203", "200.00", "", "ADM"), ("2241", "", "200.00", "")]
    with pytest.raises(domain.OffsetExceedsAdvance):  # E2 has no advance
        expenses.pay_claim(UnitOfWork(db, approver), c, other["id"], day=D("2025-03-16"), offset="1")
    other = expenses.pay_claim(UnitOfWork(db, approver), c, other["id"], day=D("2025-03-16"), method="cash")
    assert _lines(other, 1) == [("2241", "200.00", "", ""), ("1001", "", "200.00", "")]

    # traceability both ways
    vid = paid["vouchers"][0]["voucher_id"]
    trace = posting.trace_voucher(UnitOfWork(db, admin), c, vid)
    assert trace["document"] == {"type": "expense_claim", "id": claim["id"], "no": claim["no"]}
    assert trace["event"] == "expense_claim.approved"
    assert [
        x["no"] for x in expenses.list_claims(UnitOfWork(db, admin), c, status="paid", employee="E1")
    ] == [claim["no"]]
    assert run_checks(UnitOfWork(db, admin), c) == []

    # a lost posting (the approval link no longer names its event) is caught
    found = _tampered(db, admin, c, vid)
    assert [f.check for f in found] == ["document_vouchers", "document_vouchers"]
    assert (
        f"expense_claim {claim['no']} is paid but has no expense_claim.approved posting" == found[0].message
    )
    assert "expense_claim.lost was posted" in found[1].message

    # a claim whose total no longer matches its vouchers is caught, per event
    from sqlalchemy import update

    from yecai.expenses.models import ExpenseClaim

    with UnitOfWork(db, admin) as u:
        u.session.execute(
            update(ExpenseClaim).where(ExpenseClaim.id == other["id"]).values(total_minor=20100)
        )
        u.commit()
    amounts = [f.message for f in run_checks(UnitOfWork(db, admin), c) if f.check == "expense_claims"]
    assert sorted(amounts) == [
        f"expense_claim {other['no']}: total 201.00 ≠ its expense_claim.approved voucher 200.00",
        f"expense_claim {other['no']}: total 201.00 ≠ its expense_claim.paid voucher 200.00",
    ]


def _tampered(db: Database, admin: Actor, c: str, voucher_id: int) -> list:
    """Point the claim's approval link at nothing, as a lost posting would look."""
    from sqlalchemy import update

    from yecai.posting.models import DocumentVoucher

    with UnitOfWork(db, admin) as u:
        u.session.execute(
            update(DocumentVoucher)
            .where(DocumentVoucher.voucher_id == voucher_id)
            .values(event="expense_claim.lost")
        )
        u.commit()
    return run_checks(UnitOfWork(db, admin), c)


def test_refusals_and_closed_period(db: Database, admin: Actor) -> None:
    c, claimant, approver = _setup(db, admin, start="2025-03")
    u = UnitOfWork(db, claimant)
    with pytest.raises(domain.InvalidCategory):
        expenses.create_claim(
            u,
            c,
            employee="E1",
            department="ADM",
            day=D("2025-03-02"),
            lines=[{"category": "x", "amount": "1"}],
        )
    with pytest.raises(domain.TaxNotDeductible):
        expenses.create_claim(
            u,
            c,
            employee="E1",
            department="ADM",
            day=D("2025-03-02"),
            lines=[{"category": "办公费", "amount": "113", "tax": "13", "invoice_type": "ordinary"}],
        )
    with pytest.raises(domain.InvalidTax):
        expenses.create_claim(
            u,
            c,
            employee="E1",
            department="ADM",
            day=D("2025-03-02"),
            lines=[{"category": "办公费", "amount": "13", "tax": "13", "invoice_type": "special"}],
        )
    claim = expenses.create_claim(
        u,
        c,
        employee="E1",
        department="ADM",
        day=D("2025-03-02"),
        lines=[{"category": "办公费", "amount": "50"}],
    )
    closing.close_period(UnitOfWork(db, admin), c, "2025-03")
    with pytest.raises(PeriodClosed):
        expenses.approve_claim(UnitOfWork(db, approver), c, claim["id"])
    view = expenses.get_claim(UnitOfWork(db, admin), c, claim["id"])
    assert view["status"] == "draft" and view["vouchers"] == [] and view["approved_by"] == ""
    with pytest.raises(PeriodClosed):
        expenses.create_advance(UnitOfWork(db, approver), c, employee="E1", day=D("2025-03-05"), amount="10")
    assert expenses.list_advances(UnitOfWork(db, admin), c) == []
    ok = expenses.approve_claim(UnitOfWork(db, approver), c, claim["id"], day=D("2025-04-01"))
    assert ok["approved_on"] == "2025-04-01" and ok["vouchers"][0]["period"] == "2025-04"
    assert run_checks(UnitOfWork(db, admin), c) == []
