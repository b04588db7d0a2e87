"""The cash-application review queue on imported bank statements, on a real database (SQLite and
PostgreSQL): automatic application posts a receipt and applies it, a doubtful match waits, a person
confirms, corrects or rejects, what they teach is used by the next run, and re-running never
applies a line twice."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.sales.books import Books, setup_books
from yecai.intake import service as intake
from yecai.ledger import closing
from yecai.ledger.models import Company
from yecai.receivables import review
from yecai.receivables import service as ar
from yecai.receivables.models_items import ARApplication
from yecai.sales import service as sales
from yecai.sales.models import SalesInvoice, SalesReceipt
from yecai.store.db import Database
from yecai.store.uow import Actor

BANK_ACCOUNT = "6222 0200 1111 2222"


class Bank:
    """ICBC-style statements of one bank account, each following the last one's closing."""

    def __init__(self, b: Books) -> None:
        self.b = b
        self.balance = 100_000_00  # fen
        self.next_id = 1

    def statement(self, *lines: tuple[str, str, str, str, str]) -> int:
        """Lines (date, amount received, payer name, payer account, remark); returns lines stored."""
        out = [
            f"账号：{BANK_ACCOUNT}",
            "币种：人民币",
            "交易日期,摘要,借方发生额,贷方发生额,余额,对方户名,对方账号,交易流水号",
        ]
        for day, amount, name, account, remark in lines:
            self.balance += int(amount.replace(".", ""))
            bal = f"{self.balance // 100}.{self.balance % 100:02d}"
            out.append(f"{day},{remark},,{amount},{bal},{name},{account},ICBC{self.next_id:05d}")
            self.next_id += 1
        out.append("合计,,,,,,,")
        data = ("\r\n".join(out) + "\r\n").encode("gbk")
        r = intake.import_bank_statement(self.b.uow(), self.b.company, data, file_name=f"s{self.next_id}.csv")
        return r.lines_imported


def invoice(b: Books, customer: str, price: str, day: str = "2025-03-05") -> dict[str, Any]:
    """Deliver and invoice one A at ``price`` (VAT included)."""
    o = sales.create_order(
        b.uow(),
        b.company,
        customer=customer,
        day=date.fromisoformat(day),
        lines=[{"item": "A", "qty": "1", "unit_price": price}],
    )
    sales.create_delivery(b.uow(), b.company, order_id=o["id"], day=date.fromisoformat(day), warehouse="W1")
    return sales.create_invoice(
        b.uow(), b.company, customer=customer, day=date.fromisoformat(day), orders=[o["id"]]
    )


def open_of(b: Books) -> dict[str, int]:
    return {it.item_id: it.open_minor for it in ar.open_items(b.uow(), b.company)}


def queue(b: Books, status: str | None = "proposed") -> list[dict[str, Any]]:
    return review.list_proposals(b.uow(), b.company, status=status)["proposals"]


def receipts(b: Books) -> list[tuple[int, str, int, date, str]]:
    """The company's sales receipts: (id, no, amount, date, status)."""
    with b.uow() as u:
        rows = u.session.execute(
            select(
                SalesReceipt.id,
                SalesReceipt.no,
                SalesReceipt.amount_minor,
                SalesReceipt.date,
                SalesReceipt.status,
            )
            .join(Company, Company.id == SalesReceipt.company_id)
            .where(Company.code == b.company)
            .order_by(SalesReceipt.id)
        ).all()
        return [tuple(r) for r in rows]


@pytest.fixture
def books(db: Database, admin: Actor) -> Books:
    b = setup_books(db, admin)
    return b


def test_sure_match_is_applied_and_doubtful_one_waits(books: Books) -> None:
    b = books
    i1 = invoice(b, "C1", "339.00")
    i2 = invoice(b, "C2", "226.00")
    bank = Bank(b)
    assert (
        bank.statement(
            ("2025-04-01", "339.00", "华东商贸有限公司", "6222 1000 0000 0001", f"付{i1['no']}货款"),
            ("2025-04-02", "226.00", "王老板", "6217 0000 9999 0002", "货款"),
            ("2025-04-03", "5000.00", "江南制造有限公司", "6222 3000 0000 0003", "退款"),
        )
        == 3
    )
    counts = review.run(b.uow(), b.company)
    assert counts == {"lines": 3, "auto_applied": 1, "proposed": 1, "unmatched": 1, "refused": 0}

    # The sure one: a posted receipt of the line's amount and date, applied to the invoice.
    (applied,) = queue(b, "auto_applied")
    assert applied["customer"] == "C1" and applied["receipt"]
    assert [(x["invoice"], x["amount"]) for x in applied["items"]] == [(i1["no"], "339.00")]
    assert {r["code"] for r in applied["reasons"]} >= {"reference_match", "amount_exact"}
    ((rid, *r),) = receipts(b)
    assert r == [applied["receipt"], 33900, date(2025, 4, 1), "posted"]
    with b.uow() as u:
        apps = u.session.execute(select(ARApplication).where(ARApplication.source_id == rid)).scalars().all()
        assert [(a.amount_minor, a.origin, a.source_type) for a in apps] == [
            (33900, "cash_application", "sales_receipt")
        ]
        assert u.session.get(SalesInvoice, i1["id"]).received_minor == 33900
    assert open_of(b) == {i2["no"]: 22600}

    # The doubtful one waits for a person: a customer and an invoice, below the threshold.
    (waiting,) = [p for p in queue(b) if p["items"]]
    assert waiting["line"]["payer_name"] == "王老板" and waiting["line"]["amount"] == "226.00"
    assert waiting["customer"] == "C2" and [x["invoice"] for x in waiting["items"]] == [i2["no"]]
    assert float(waiting["confidence"]) < 0.95 and waiting["receipt"] == ""
    listing = review.list_proposals(b.uow(), b.company, status=None)
    assert listing["counts"] == {
        "proposed": 2,
        "auto_applied": 1,
        "confirmed": 0,
        "corrected": 0,
        "rejected": 0,
    }
    # The refund matches nothing: in the queue without a customer, for a person to reject.
    (unmatched,) = [p for p in listing["proposals"] if p["line"]["payer_name"] == "江南制造有限公司"]
    assert unmatched["customer"] == "" and unmatched["items"] == []
    assert unmatched["reasons"][0]["code"] == "advance_or_refund"


def test_confirm_applies_and_remembers_the_payer(books: Books) -> None:
    b = books
    i2 = invoice(b, "C2", "226.00")
    bank = Bank(b)
    bank.statement(("2025-04-02", "226.00", "王老板", "6217 0000 9999 0002", "货款"))
    review.run(b.uow(), b.company)
    (p,) = queue(b)
    done = review.confirm(b.uow(), b.company, p["id"], note="老板个人账户")
    assert done["status"] == "confirmed" and done["receipt"] and done["decided_by"] == "admin"
    assert open_of(b) == {}
    memory = ar.load_memory(b.uow(), b.company)
    assert memory.accounts == {"6217000099990002": frozenset({"C2"})}
    assert memory.names == {"王老板": frozenset({"C2"})}
    # Decided once: confirming again, correcting or rejecting it is refused; nothing changes.
    for fn in (
        lambda: review.confirm(b.uow(), b.company, p["id"]),
        lambda: review.reject(b.uow(), b.company, p["id"]),
        lambda: review.correct(b.uow(), b.company, p["id"], customer="C1"),
    ):
        with pytest.raises(review.ProposalNotOpen) as exc:
            fn()
        assert exc.value.code == "receivables.proposal_not_open" and "confirmed" in str(exc.value)
    assert len(receipts(b)) == 1
    assert i2["no"] not in open_of(b)


def test_correction_is_applied_and_used_next_time(books: Books) -> None:
    b = books
    i1 = invoice(b, "C1", "339.00")
    i2 = invoice(b, "C2", "339.00")  # the same amount: only the payer could tell them apart
    bank = Bank(b)
    bank.statement(("2025-04-02", "339.00", "王老板", "6217 0000 9999 0002", "货款"))
    assert review.run(b.uow(), b.company)["auto_applied"] == 0
    (p,) = queue(b)
    assert p["items"] == []  # two customers' invoices fit: the engine does not guess
    done = review.correct(
        b.uow(), b.company, p["id"], customer="C2", items=[(i2["no"], "339.00")], note="C2 老板"
    )
    assert done["status"] == "corrected" and done["customer"] == "C2"
    assert [(x["invoice"], x["amount"]) for x in done["items"]] == [(i2["no"], "339.00")]
    assert open_of(b) == {i1["no"]: 33900}

    # Next month the same payer pays again, without a reference; both customers owe 452.00.
    i3 = invoice(b, "C1", "452.00", day="2025-04-10")
    i4 = invoice(b, "C2", "452.00", day="2025-04-10")
    bank.statement(("2025-05-06", "452.00", "王老板", "6217 0000 9999 0002", "货款"))
    counts = review.run(b.uow(), b.company)
    assert counts["auto_applied"] == 1
    (auto,) = queue(b, "auto_applied")
    assert auto["customer"] == "C2" and [x["invoice"] for x in auto["items"]] == [i4["no"]]
    assert "payer_account_known" in {r["code"] for r in auto["reasons"]}
    assert open_of(b) == {i1["no"]: 33900, i3["no"]: 45200}


def test_correction_to_several_invoices_and_an_advance(books: Books) -> None:
    b = books
    i1 = invoice(b, "C1", "100.00")
    i2 = invoice(b, "C1", "200.00")
    bank = Bank(b)
    bank.statement(("2025-04-02", "350.00", "陌生人", "", "往来款"))
    review.run(b.uow(), b.company)
    (p,) = queue(b)
    with pytest.raises(review.CorrectionExceedsLine) as exc:
        review.correct(
            b.uow(), b.company, p["id"], customer="C1", items=[(i1["no"], "200.00"), (i2["no"], "200.00")]
        )
    assert "400.00" in str(exc.value) and "350.00" in str(exc.value)
    assert queue(b)[0]["status"] == "proposed" and receipts(b) == []  # nothing half-written
    done = review.correct(
        b.uow(), b.company, p["id"], customer="C1", items=[(i1["no"], "100.00"), (i2["no"], "200.00")]
    )
    assert [x["amount"] for x in done["items"]] == ["100.00", "200.00"]
    ((rid, _no, amount, _day, _st),) = receipts(b)
    assert amount == 35000  # the 50.00 not applied stays on the receipt as C1's credit
    assert open_of(b) == {}
    with b.uow() as u:
        applied = u.session.execute(
            select(func.sum(ARApplication.amount_minor)).where(ARApplication.source_id == rid)
        ).scalar_one()
    assert applied == 30000


def test_reject_and_rerun_never_apply_a_line_twice(books: Books) -> None:
    b = books
    i1 = invoice(b, "C1", "339.00")
    invoice(b, "C2", "226.00")
    bank = Bank(b)
    lines = [
        ("2025-04-01", "339.00", "华东商贸有限公司", "6222 1000 0000 0001", f"{i1['no']}"),
        ("2025-04-02", "226.00", "王老板", "6217 0000 9999 0002", "货款"),
    ]
    bank.statement(*lines)
    first = review.run(b.uow(), b.company)
    assert (first["auto_applied"], first["proposed"]) == (1, 1)
    (p,) = queue(b)
    rejected = review.reject(b.uow(), b.company, p["id"], note="不是货款")
    assert rejected["status"] == "rejected" and rejected["note"] == "不是货款"
    # Run again (and the same statement imported again): nothing new is applied or proposed.
    bank_again = Bank(b)
    bank_again.balance, bank_again.next_id = 100_000_00, 1
    assert bank_again.statement(*lines) == 0
    again = review.run(b.uow(), b.company)
    assert again == {"lines": 0, "auto_applied": 0, "proposed": 0, "unmatched": 0, "refused": 0}
    assert len(receipts(b)) == 1
    assert review.list_proposals(b.uow(), b.company, status=None)["counts"]["rejected"] == 1


def test_waiting_proposal_is_recomputed_and_threshold_is_per_company(books: Books) -> None:
    b = books
    i1 = invoice(b, "C1", "339.00")
    bank = Bank(b)
    bank.statement(("2025-04-01", "339.00", "华东商贸有限公司", "6222 1000 0000 0001", i1["no"]))
    review.set_threshold(b.uow(), b.company, "1")  # nothing is sure enough: everything waits
    assert review.run(b.uow(), b.company)["auto_applied"] == 0
    (p,) = queue(b)
    assert review.list_proposals(b.uow(), b.company)["threshold"] == "1"
    review.set_threshold(b.uow(), b.company, "0.95")
    assert review.run(b.uow(), b.company) == {
        "lines": 1,
        "auto_applied": 1,
        "proposed": 0,
        "unmatched": 0,
        "refused": 0,
    }
    assert review.get_proposal(b.uow(), b.company, p["id"])["status"] == "auto_applied"  # the same row
    with pytest.raises(review.InvalidThreshold):
        review.set_threshold(b.uow(), b.company, "1.5")


def test_a_closed_period_keeps_the_line_in_the_queue(books: Books) -> None:
    b = books
    i1 = invoice(b, "C1", "339.00")
    bank = Bank(b)
    bank.statement(("2025-03-20", "339.00", "华东商贸有限公司", "6222 1000 0000 0001", i1["no"]))
    for month in ("2025-01", "2025-02", "2025-03"):
        closing.close_period(b.uow(), b.company, month)
    counts = review.run(b.uow(), b.company)
    assert (counts["auto_applied"], counts["refused"], counts["proposed"]) == (0, 1, 1)
    (p,) = queue(b)
    assert p["reasons"][-1]["code"] == "auto_apply_failed" and p["receipt"] == ""
    assert receipts(b) == [] and open_of(b) == {i1["no"]: 33900}
