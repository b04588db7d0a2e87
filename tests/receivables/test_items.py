"""Open items and applications (核销) on a real database (SQLite and PostgreSQL): receipts and
credit notes settle invoices through append-only application records, un-applies restore the
open amounts, and the open items always sum to the 1122 control account."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from tests.receivables.test_service import invoice
from tests.sales.books import Books, setup_books
from yecai.checks.service import run_checks
from yecai.core.errors import YecaiError
from yecai.ledger import closing
from yecai.masterdata import service as md
from yecai.receivables import items
from yecai.sales import returns
from yecai.sales import service as sales
from yecai.store.db import Database
from yecai.store.uow import Actor, UnitOfWork


def receipt(
    b: Books, customer: str, amount: str, day: str = "2025-03-20", invoice_id: int | None = None
) -> dict:
    return sales.create_receipt(
        b.uow(),
        b.company,
        customer=customer,
        day=date.fromisoformat(day),
        amount=amount,
        invoice_id=invoice_id,
    )


def open_by_no(b: Books, **kw: object) -> dict[str, dict]:
    return {it["item_id"]: it for it in items.open_items(b.uow(), b.company, **kw)}  # type: ignore[arg-type]


def refused(fn: object) -> YecaiError:
    with pytest.raises(YecaiError) as info:
        fn()  # type: ignore[operator]
    return info.value


def ar_discrepancies(b: Books) -> list[str]:
    return [f"{d.check}: {d.message}" for d in run_checks(b.uow(), b.company) if d.check.startswith("ar_")]


def test_receipt_against_an_invoice_is_an_application(db: Database, admin: Actor) -> None:
    b = setup_books(db, admin)
    inv = invoice(b, "C1", "2", "113.00")  # 226.00
    r = receipt(b, "C1", "100.00", invoice_id=inv["id"])
    its = open_by_no(b)
    assert set(its) == {inv["no"]}  # the receipt is fully applied: not open
    it = its[inv["no"]]
    assert (it["amount"], it["open_amount"], it["status"], it["kind"]) == (
        "226.00",
        "126.00",
        "partial",
        "invoice",
    )
    assert [(a["kind"], a["counter_doc"], a["amount"], a["origin"]) for a in it["applications"]] == [
        ("apply", r["no"], "100.00", "receipt")
    ]
    assert sales.get_invoice(b.uow(), b.company, inv["id"])["received"] == "100.00"
    assert ar_discrepancies(b) == []


def test_one_receipt_pays_several_invoices_and_unapply_restores(db: Database, admin: Actor) -> None:
    b = setup_books(db, admin)
    i1 = invoice(b, "C1", "1", "113.00")
    i2 = invoice(b, "C1", "1", "226.00")
    r = receipt(b, "C1", "300.00")  # on account: an open credit
    its = open_by_no(b, customer="C1")
    assert its[r["no"]]["open_amount"] == "-300.00" and its[r["no"]]["kind"] == "receipt"
    a1 = items.apply(b.uow(), b.company, receipt_id=r["no"], invoice_id=i1["no"], amount="113.00")
    a2 = items.apply(
        b.uow(), b.company, receipt_id=r["id"], invoice_id=i2["id"], amount="187.00", note="部分"
    )
    assert a1["date"] == "2025-03-20"  # the later of the two documents
    its = open_by_no(b, customer="C1")
    assert i1["no"] not in its and r["no"] not in its
    assert its[i2["no"]]["open_amount"] == "39.00"
    # a second receipt finishes i2: several receipts for one invoice
    r2 = receipt(b, "C1", "39.00", day="2025-03-25", invoice_id=i2["id"])
    assert open_by_no(b, customer="C1") == {}
    inv2 = open_by_no(b, customer="C1", include_closed=True)[i2["no"]]
    assert sorted(a["counter_doc"] for a in inv2["applications"]) == sorted([r["no"], r2["no"]])
    assert ar_discrepancies(b) == []

    # un-apply is a new record; the original is kept and the open amounts come back
    u = items.unapply(b.uow(), b.company, a2["id"], reason="客户说明款项用途不同")
    assert (u["kind"], u["amount"], u["reverses"]) == ("unapply", "-187.00", a2["id"])
    its = open_by_no(b, customer="C1")
    assert its[i2["no"]]["open_amount"] == "187.00"
    assert its[r["no"]]["open_amount"] == "-187.00"
    assert sales.get_invoice(b.uow(), b.company, i2["id"])["received"] == "39.00"
    apps = items.list_applications(b.uow(), b.company, customer="C1")
    assert [a["id"] for a in apps if a["id"] == a2["id"]] == [a2["id"]]  # still there, unchanged
    assert next(a for a in apps if a["id"] == a2["id"])["amount"] == "187.00"
    e = refused(lambda: items.unapply(b.uow(), b.company, a2["id"], reason="again"))
    assert e.code == "receivables.already_unapplied"
    e = refused(lambda: items.unapply(b.uow(), b.company, u["id"], reason="undo the undo"))
    assert e.code == "receivables.unapply_an_unapply"
    e = refused(lambda: items.unapply(b.uow(), b.company, a1["id"], reason="  "))
    assert e.code == "field_required"
    assert ar_discrepancies(b) == []


def test_applications_are_append_only_in_the_database(db: Database, admin: Actor) -> None:
    b = setup_books(db, admin)
    inv = invoice(b, "C1", "1", "113.00")
    receipt(b, "C1", "50.00", invoice_id=inv["id"])
    for sql in ("UPDATE ar_application SET amount_minor = 1", "DELETE FROM ar_application"):
        with pytest.raises(Exception, match="append-only"), UnitOfWork(db, admin) as uow:
            uow.session.execute(text(sql))
            uow.commit()
    assert open_by_no(b)[inv["no"]]["open_amount"] == "63.00"


def test_refusals_name_the_problem_and_write_nothing(db: Database, admin: Actor) -> None:
    b = setup_books(db, admin)
    i1 = invoice(b, "C1", "1", "113.00")
    i2 = invoice(b, "C2", "1", "113.00")
    r = receipt(b, "C1", "200.00")
    e = refused(
        lambda: items.apply(b.uow(), b.company, receipt_id=r["id"], invoice_id=i1["id"], amount="150.00")
    )
    assert (
        e.code == "receivables.over_application"
        and i1["no"] in e.message("en")
        and "113.00" in e.message("en")
    )
    e = refused(
        lambda: items.apply(b.uow(), b.company, receipt_id=r["id"], invoice_id=i2["id"], amount="10.00")
    )
    assert e.code == "receivables.application_customer" and "C2" in e.message("zh_CN")
    e = refused(lambda: items.apply(b.uow(), b.company, receipt_id=r["id"], invoice_id=i1["id"], amount="0"))
    assert e.code == "receivables.application_amount"
    e = refused(
        lambda: items.apply(
            b.uow(), b.company, receipt_id=r["id"], invoice_id=i1["id"], amount="1.00", day=date(2025, 3, 1)
        )
    )
    assert e.code == "receivables.application_too_early" and e.field == "date"
    e = refused(lambda: items.apply(b.uow(), b.company, invoice_id=i1["id"], amount="1.00"))
    assert e.code == "receivables.source_required"
    assert items.list_applications(b.uow(), b.company) == []
    assert open_by_no(b)[r["no"]]["open_amount"] == "-200.00"


def test_idempotent_retry_returns_the_first_application(db: Database, admin: Actor) -> None:
    b = setup_books(db, admin)
    inv = invoice(b, "C1", "1", "113.00")
    r = receipt(b, "C1", "200.00")
    first = items.apply(
        b.uow(), b.company, receipt_id=r["id"], invoice_id=inv["id"], amount="50.00", idempotency_key="bank-1"
    )
    again = items.apply(
        b.uow(), b.company, receipt_id=r["id"], invoice_id=inv["id"], amount="50.00", idempotency_key="bank-1"
    )
    assert again["id"] == first["id"]
    assert open_by_no(b)[inv["no"]]["open_amount"] == "63.00"
    e = refused(
        lambda: items.apply(
            b.uow(),
            b.company,
            receipt_id=r["id"],
            invoice_id=inv["id"],
            amount="60.00",
            idempotency_key="bank-1",
        )
    )
    assert e.code == "receivables.idempotency_conflict"


def test_credit_notes_settle_their_invoice_and_the_rest_can_be_applied_elsewhere(
    db: Database, admin: Actor
) -> None:
    b = setup_books(db, admin)
    i1 = invoice(b, "C1", "2", "113.00")  # 226.00
    i2 = invoice(b, "C1", "1", "339.00")
    receipt(b, "C1", "200.00", invoice_id=i1["id"])  # 26.00 left on i1
    cn = returns.create_credit_note(
        b.uow(), b.company, invoice_id=i1["id"], day=date(2025, 3, 22), lines=[(1, "1")]
    )
    assert cn["total"] == "113.00"
    its = open_by_no(b)
    assert i1["no"] not in its  # 26.00 of the credit note settled it
    assert its[cn["no"]]["open_amount"] == "-87.00" and its[cn["no"]]["kind"] == "credit_note"
    assert sales.get_invoice(b.uow(), b.company, i1["id"])["open"] == "0.00"
    items.apply(b.uow(), b.company, credit_note_id=cn["no"], invoice_id=i2["no"], amount="87.00")
    its = open_by_no(b)
    assert set(its) == {i2["no"]} and its[i2["no"]]["open_amount"] == "252.00"
    assert ar_discrepancies(b) == []


def test_subledger_equals_control_account_after_a_sequence(db: Database, admin: Actor) -> None:
    b = setup_books(db, admin)
    i1 = invoice(b, "C1", "2", "113.00")
    i2 = invoice(b, "C2", "1", "226.00", day="2025-03-06")
    i3 = invoice(b, "C1", "1", "56.50", day="2025-03-07")
    receipt(b, "C1", "100.00", invoice_id=i1["id"])
    r2 = receipt(b, "C2", "500.00", day="2025-03-21")
    a = items.apply(b.uow(), b.company, receipt_id=r2["id"], invoice_id=i2["id"], amount="226.00")
    returns.create_credit_note(b.uow(), b.company, invoice_id=i3["id"], day=date(2025, 3, 23))
    items.unapply(b.uow(), b.company, a["id"], reason="错配")
    items.apply(b.uow(), b.company, receipt_id=r2["id"], invoice_id=i2["id"], amount="100.00")
    assert ar_discrepancies(b) == []
    with UnitOfWork(db, admin) as uow:
        company = uow.company(b.company, "company.view")
        balances = items.customer_balances(uow.session, company.id)
        books = items.ledger_by_customer(uow.session, company.id)
    assert balances == books == {"C1": 12600, "C2": -27400}


def test_open_items_as_of_a_date_count_only_what_was_applied_by_then(db: Database, admin: Actor) -> None:
    b = setup_books(db, admin)
    inv = invoice(b, "C1", "1", "113.00")
    r = receipt(b, "C1", "113.00", day="2025-03-10")
    items.apply(
        b.uow(), b.company, receipt_id=r["id"], invoice_id=inv["id"], amount="113.00", day=date(2025, 3, 31)
    )
    before = open_by_no(b, as_of=date(2025, 3, 15))
    assert before[inv["no"]]["open_amount"] == "113.00" and before[r["no"]]["open_amount"] == "-113.00"
    assert open_by_no(b, as_of=date(2025, 3, 31)) == {}
    assert open_by_no(b, as_of=date(2025, 3, 4)) == {}  # nothing existed yet


def test_due_date_keeps_the_terms_in_force_when_invoiced(db: Database, admin: Actor) -> None:
    b = setup_books(db, admin)
    md.update_party(b.uow(), b.company, "customer", "C1", credit_days=30)
    inv = invoice(b, "C1", "1", "113.00")
    md.update_party(b.uow(), b.company, "customer", "C1", credit_days=60)
    later = invoice(b, "C1", "1", "113.00", day="2025-03-06")
    its = open_by_no(b, as_of=date(2025, 4, 10))
    assert its[inv["no"]]["due_date"] == "2025-04-04"
    assert its[inv["no"]]["days_overdue"] == 6
    assert its[later["no"]]["due_date"] == "2025-05-05"
    assert its[later["no"]]["days_overdue"] == 0


def test_applications_are_not_dated_in_a_closed_period(db: Database, admin: Actor) -> None:
    b = setup_books(db, admin)
    inv = invoice(b, "C1", "1", "113.00")
    r = receipt(b, "C1", "113.00", day="2025-03-10")
    for p in ("2025-01", "2025-02", "2025-03"):
        closing.close_period(b.uow(), b.company, p)
    e = refused(
        lambda: items.apply(
            b.uow(),
            b.company,
            receipt_id=r["id"],
            invoice_id=inv["id"],
            amount="13.00",
            day=date(2025, 3, 31),
        )
    )
    assert e.code == "receivables.application_closed_period" and "2025-03" in e.message("en")
    a = items.apply(b.uow(), b.company, receipt_id=r["id"], invoice_id=inv["id"], amount="13.00")
    assert a["date"] == "2025-04-01"  # moved to the first open day
    u = items.unapply(b.uow(), b.company, a["id"], reason="test")
    assert u["date"] == "2025-04-01"
    assert ar_discrepancies(b) == []


def test_customer_timeline_lists_documents_and_applications(db: Database, admin: Actor) -> None:
    b = setup_books(db, admin)
    inv = invoice(b, "C1", "1", "113.00")
    r = receipt(b, "C1", "113.00", invoice_id=inv["id"])
    items.set_owner(b.uow(), b.company, "C1", salesperson="张三", department="D1")
    md.update_party(b.uow(), b.company, "customer", "C1", credit_days=45)
    tl = items.customer_timeline(b.uow(), b.company, "C1")
    texts = {e["kind"]: e["text"] for e in tl}
    assert texts["customer.update"] == "credit_days: 0 → 45"
    assert texts["receivables.owner"] == "salesperson: 张三; department: D1"
    kinds = [e["kind"] for e in tl]
    assert {"invoice", "receipt", "apply", "receivables.owner"} <= set(kinds)
    assert any(e["doc"] == f"{r['no']} → {inv['no']}" for e in tl)
    assert tl == sorted(tl, key=lambda e: (e["date"], e["at"]), reverse=True)
    items.register_timeline_source(
        "test", lambda s, c, cust: [{"date": "2025-04-01", "at": "", "kind": "dunning", "text": cust.code}]
    )
    try:
        tl = items.customer_timeline(b.uow(), b.company, "C1")
        assert [e["text"] for e in tl if e["kind"] == "dunning"] == ["C1"]
    finally:
        items._TIMELINE_SOURCES.pop("test")


def test_concurrent_applications_never_over_apply_a_receipt(db: Database, admin: Actor) -> None:
    """8 threads race to apply 30.00 each of one 100.00 receipt: exactly three win (row locks on
    PostgreSQL, serialized writers on SQLite); the others are refused, and nothing is over-applied."""
    import threading

    b = setup_books(db, admin)
    invs = [invoice(b, "C1", "1", "80.00"), invoice(b, "C1", "1", "80.00")]
    r = receipt(b, "C1", "100.00")
    barrier = threading.Barrier(8)
    outcomes: list[str] = []
    lock = threading.Lock()

    def work(i: int) -> None:
        barrier.wait()
        try:
            items.apply(b.uow(), b.company, receipt_id=r["id"], invoice_id=invs[i % 2]["id"], amount="30.00")
            result = "ok"
        except YecaiError as exc:
            result = exc.code
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(outcomes) == ["ok"] * 3 + ["receivables.over_application"] * 5
    assert open_by_no(b)[r["no"]]["open_amount"] == "-10.00"
    assert ar_discrepancies(b) == []


def test_a_receipt_dated_before_its_invoice_settles_it_on_the_invoice_date(
    db: Database, admin: Actor
) -> None:
    b = setup_books(db, admin)
    inv = invoice(b, "C1", "1", "113.00", day="2025-03-10")
    r = receipt(b, "C1", "113.00", day="2025-03-08", invoice_id=inv["id"])  # paid in advance, entered later
    (app,) = items.list_applications(b.uow(), b.company)
    assert app["date"] == "2025-03-10"
    assert {k: v["open_amount"] for k, v in open_by_no(b, as_of=date(2025, 3, 9)).items()} == {
        r["no"]: "-113.00"
    }
    assert open_by_no(b, as_of=date(2025, 3, 10)) == {}
