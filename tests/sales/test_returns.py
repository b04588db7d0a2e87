"""Sales returns and red credit notes: exactly the expected vouchers (computed by hand), the
refusals, what a receipt may still apply, and `yecai check` afterwards."""

from __future__ import annotations

from datetime import date

import pytest

from tests.sales.books import setup_books, voucher_lines
from yecai.checks.service import run_checks
from yecai.inventory import service as inventory
from yecai.posting import service as posting
from yecai.posting.domain import DocumentWrongState
from yecai.sales import returns
from yecai.sales import service as sales
from yecai.sales.domain import NothingToDo, ReceiptExceedsInvoice
from yecai.sales.returns_domain import OverCredit, OverReturn, share
from yecai.store.db import Database
from yecai.store.uow import Actor

D = date.fromisoformat


def test_share_sums_to_the_whole() -> None:
    assert [share(100, 1, 3, 0, 0), share(100, 1, 3, 1, 33), share(100, 1, 3, 2, 66)] == [33, 33, 34]
    assert share(575_00, 2, 5, 0, 0) == 230_00
    assert share(-1001, 1, 2, 0, 0) == -501  # half away from zero


def test_return_and_credit_note_post_the_expected_vouchers(db: Database, admin: Actor) -> None:
    b = setup_books(db, admin)  # 20 × A on hand at 115.00
    o = sales.create_order(
        b.uow(),
        b.company,
        customer="C1",
        day=D("2025-03-03"),
        lines=[{"item": "A", "qty": "12", "unit_price": "226.00"}],
    )
    d = sales.create_delivery(
        b.uow(), b.company, order_id=o["id"], day=D("2025-03-05"), warehouse="W1", lines=[(1, "5")]
    )
    assert d["cost"] == "575.00"

    # 2 of the 5 come back at the delivery's cost: 575.00 × 2 / 5 = 230.00
    r1 = returns.create_return(
        b.uow(), b.company, delivery_id=d["id"], day=D("2025-03-06"), lines=[(1, "2")], reason="破损"
    )
    assert r1["no"] == "RT-2025-0001" and r1["cost"] == "230.00"
    assert voucher_lines(r1) == [("1405", "230.00", "", ""), ("6401", "", "230.00", "")]
    assert [ln["rule"] for ln in r1["vouchers"][0]["lines"]] == ["stock", "cogs"]
    with pytest.raises(OverReturn) as exc:
        returns.create_return(b.uow(), b.company, delivery_id=d["id"], day=D("2025-03-06"), lines=[(1, "4")])
    assert exc.value.code == "sales.over_return" and exc.value.params["remaining"] == "3"
    # the last return of the line takes exactly what is left: 575.00 − 230.00
    r2 = returns.create_return(b.uow(), b.company, delivery_id=d["id"], day=D("2025-03-07"))
    assert r2["lines"][0]["qty"] == "3" and r2["cost"] == "345.00"
    with pytest.raises(NothingToDo):
        returns.create_return(b.uow(), b.company, delivery_id=d["id"], day=D("2025-03-07"))
    stock = inventory.on_hand(b.uow(), b.company)
    assert [(r["qty"], r["value"]) for r in stock if r["item"] == "A"] == [("20", "2300.00")]
    order = sales.get_order(b.uow(), b.company, o["id"])
    assert order["lines"][0]["delivered"] == "0"

    d2 = sales.create_delivery(
        b.uow(), b.company, order_id=o["id"], day=D("2025-03-08"), warehouse="W1", lines=[(1, "3")]
    )
    inv = sales.create_invoice(b.uow(), b.company, customer="C1", day=D("2025-03-10"), orders=[o["id"]])
    # 3 × 226.00 = 678.00 incl. 13% → net 600.00, tax 78.00
    assert (inv["net"], inv["tax"], inv["total"]) == ("600.00", "78.00", "678.00")
    assert d2["cost"] == "345.00"

    # 红字发票 for 1: 226.00 = 200.00 + 26.00, in red
    cn = returns.create_credit_note(
        b.uow(), b.company, invoice_id=inv["id"], day=D("2025-03-12"), lines=[(1, "1")], reason="退货"
    )
    assert cn["no"] == "CN-2025-0001" and (cn["net"], cn["tax"], cn["total"]) == ("200.00", "26.00", "226.00")
    assert voucher_lines(cn) == [
        ("1122", "-226.00", "", "C1"),
        ("6001", "", "-200.00", ""),
        ("22210102", "", "-26.00", ""),
    ]
    assert [ln["rule"] for ln in cn["vouchers"][0]["lines"]] == ["receivable", "revenue", "output_vat"]
    with pytest.raises(OverCredit) as exc2:
        returns.create_credit_note(
            b.uow(), b.company, invoice_id=inv["id"], day=D("2025-03-12"), lines=[(1, "3")]
        )
    assert exc2.value.params["remaining"] == "2" and exc2.value.params["remaining_amount"] == "452.00"

    # the credit note reduces what a receipt can apply to the invoice
    view = sales.get_invoice(b.uow(), b.company, inv["id"])
    assert (view["credited"], view["open"]) == ("226.00", "452.00")
    with pytest.raises(ReceiptExceedsInvoice):
        sales.create_receipt(
            b.uow(), b.company, customer="C1", day=D("2025-03-15"), amount="452.01", invoice_id=inv["id"]
        )
    sales.create_receipt(
        b.uow(), b.company, customer="C1", day=D("2025-03-15"), amount="452.00", invoice_id=inv["id"]
    )
    # crediting the rest of the line takes exactly what is left of it
    cn2 = returns.create_credit_note(b.uow(), b.company, invoice_id=inv["id"], day=D("2025-03-16"))
    assert (cn2["net"], cn2["tax"], cn2["total"]) == ("400.00", "52.00", "452.00")
    with pytest.raises(NothingToDo):
        returns.create_credit_note(b.uow(), b.company, invoice_id=inv["id"], day=D("2025-03-16"))

    assert run_checks(b.uow(), b.company) == []
    trace = posting.trace_voucher(b.uow(), b.company, cn["vouchers"][0]["voucher_id"])
    assert trace["document"]["type"] == "sales_credit_note" and trace["document"]["no"] == "CN-2025-0001"
    assert [r["no"] for r in returns.list_returns(b.uow(), b.company, customer="C1")] == [
        "RT-2025-0001",
        "RT-2025-0002",
    ]
    assert len(returns.list_credit_notes(b.uow(), b.company)) == 2


def test_return_from_a_draft_delivery_and_credit_of_a_draft_invoice_are_refused(
    db: Database, admin: Actor
) -> None:
    b = setup_books(db, admin)
    o = sales.create_order(
        b.uow(),
        b.company,
        customer="C1",
        day=D("2025-03-03"),
        lines=[{"item": "A", "qty": "2", "unit_price": "113"}],
    )
    d = sales.create_delivery(
        b.uow(), b.company, order_id=o["id"], day=D("2025-03-05"), warehouse="W1", confirm=False
    )
    with pytest.raises(DocumentWrongState):
        returns.create_return(b.uow(), b.company, delivery_id=d["id"], day=D("2025-03-06"))
    sales.confirm_delivery(b.uow(), b.company, d["id"])
    inv = sales.create_invoice(
        b.uow(), b.company, customer="C1", day=D("2025-03-10"), orders=[o["id"]], post=False
    )
    with pytest.raises(DocumentWrongState):
        returns.create_credit_note(b.uow(), b.company, invoice_id=inv["id"], day=D("2025-03-12"))
    assert returns.list_credit_notes(b.uow(), b.company) == []
