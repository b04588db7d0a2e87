"""Aging as of a date: buckets by due date and invoice date, configurable buckets, grouping by
salesperson, drill-down, DSO and overdue ratio — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest

from tests.receivables.test_items import receipt
from tests.receivables.test_service import invoice
from tests.sales.books import Books, setup_books
from yecai.core.errors import YecaiError
from yecai.masterdata import service as md
from yecai.receivables import aging, items
from yecai.receivables.domain.aging import InvalidBuckets, parse_buckets
from yecai.store.db import Database
from yecai.store.uow import Actor

AS_OF = date(2025, 6, 20)


def books(db: Database, admin: Actor) -> tuple[Books, dict[str, dict]]:
    b = setup_books(db, admin)
    md.update_party(b.uow(), b.company, "customer", "C1", credit_days=30)
    docs = {
        "A": invoice(b, "C1", "1", "1130.00", day="2025-03-05"),  # due 04-04: 77 days late on 06-20
        "B": invoice(b, "C2", "1", "565.00", day="2025-03-06"),  # due at once: 106 days late
        "C": invoice(b, "C1", "2", "339.00", day="2025-06-10"),  # 678.00, due 07-10: not due
    }
    docs["R"] = receipt(b, "C2", "50.00", day="2025-06-01")  # on account
    items.set_owner(b.uow(), b.company, "C1", salesperson="张三", department="D1")
    return b, docs


def by_key(result: dict) -> dict[str, dict]:
    return {r["key"]: r for r in result["rows"]}


def test_buckets_by_due_date_and_by_invoice_date(db: Database, admin: Actor) -> None:
    b, docs = books(db, admin)
    res = aging.aging(b.uow(), b.company, as_of=AS_OF)
    assert res["buckets"] == ["0-30", "31-60", "61-90", "91-180", "180+"]
    rows = by_key(res)
    c1, c2 = rows["C1"], rows["C2"]
    assert c1["name"] == "华东商贸"
    assert (c1["not_due"], c1["buckets"]["61-90"], c1["balance"], c1["overdue"]) == (
        "678.00",
        "1130.00",
        "1808.00",
        "1130.00",
    )
    assert c1["overdue_ratio"] == f"{1130 / 1808:.4f}"
    assert (c2["buckets"]["91-180"], c2["credits"], c2["balance"]) == ("565.00", "-50.00", "515.00")
    assert res["total"]["balance"] == "2323.00" and res["total"]["overdue"] == "1695.00"
    assert [r["key"] for r in res["rows"]] == ["C1", "C2"]  # largest balance first

    by_inv = by_key(aging.aging(b.uow(), b.company, as_of=AS_OF, basis="invoice"))
    assert by_inv["C1"]["buckets"]["91-180"] == "1130.00"  # 107 days since the invoice
    assert by_inv["C1"]["buckets"]["0-30"] == "678.00" and by_inv["C1"]["not_due"] == "0.00"

    # the same books on an earlier date: C did not exist, A was not yet due
    early = by_key(aging.aging(b.uow(), b.company, as_of=date(2025, 3, 31)))
    assert early["C1"]["not_due"] == "1130.00" and early["C1"]["balance"] == "1130.00"
    assert "C2" in early and early["C2"]["credits"] == "0.00"


def test_configured_buckets_and_grouping(db: Database, admin: Actor) -> None:
    b, _docs = books(db, admin)
    res = aging.aging(b.uow(), b.company, as_of=AS_OF, buckets="0-45,46-100,100+")
    assert res["buckets"] == ["0-45", "46-100", "100+"]
    rows = by_key(res)
    assert rows["C1"]["buckets"]["46-100"] == "1130.00" and rows["C2"]["buckets"]["100+"] == "565.00"
    sp = by_key(aging.aging(b.uow(), b.company, as_of=AS_OF, by="salesperson"))
    assert set(sp) == {"张三", ""} and sp["张三"]["balance"] == "1808.00"
    dept = by_key(aging.aging(b.uow(), b.company, as_of=AS_OF, by="department"))
    assert dept["D1"]["balance"] == "1808.00" and dept[""]["balance"] == "515.00"
    grp = by_key(aging.aging(b.uow(), b.company, as_of=AS_OF, by="group"))
    assert grp["直销"]["balance"] == "1808.00"
    for bad in ("30-60", "0-30,40-60", "0-30,x", ""):
        if bad:
            with pytest.raises(InvalidBuckets):
                parse_buckets(bad)
    with pytest.raises(YecaiError) as info:
        aging.aging(b.uow(), b.company, by="colour")
    assert info.value.code == "receivables.invalid_grouping"


def test_drill_down_and_dso(db: Database, admin: Actor) -> None:
    b, docs = books(db, admin)
    cell = aging.aging_items(b.uow(), b.company, as_of=AS_OF, key="C1", bucket="61-90")
    assert [(i["doc_no"], i["bucket"], i["days_overdue"]) for i in cell] == [(docs["A"]["no"], "61-90", 77)]
    overdue = aging.aging_items(b.uow(), b.company, as_of=AS_OF, bucket="overdue")
    assert {i["doc_no"] for i in overdue} == {docs["A"]["no"], docs["B"]["no"]}
    credits = aging.aging_items(b.uow(), b.company, as_of=AS_OF, bucket="credits")
    assert [i["doc_no"] for i in credits] == [docs["R"]["no"]]
    sp = aging.aging_items(b.uow(), b.company, as_of=AS_OF, by="salesperson", key="张三")
    assert {i["doc_no"] for i in sp} == {docs["A"]["no"], docs["C"]["no"]}

    # DSO over the 90 days to 06-20 (from 03-23): only C (678.00) was sold in the window
    res = aging.aging(b.uow(), b.company, as_of=AS_OF)
    rows = by_key(res)
    assert rows["C1"]["dso"] == f"{1808 / 678 * 90:.1f}"
    assert rows["C2"]["dso"] is None  # no sales in the window
    assert res["total"]["dso"] == f"{2323 / 678 * 90:.1f}"
    res = aging.aging(b.uow(), b.company, as_of=AS_OF, dso_days=120)  # from 02-21: A, B and C
    assert by_key(res)["C2"]["dso"] == f"{515 / 565 * 120:.1f}"
    flat = aging.flat_rows(res)
    assert aging.flat_columns(res)[:3] == ["key", "name", "not_due"]
    assert flat[-1]["key"] == "Total" and flat[-1]["balance"] == "2323.00"
