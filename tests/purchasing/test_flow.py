"""The purchasing flow end to end on both databases: exactly the expected vouchers (hand-computed),
the three-way match, refusals, closed periods, traceability both ways, returns and `yecai check`."""

from __future__ import annotations

import pytest

from tests.conftest import draft
from tests.purchasing.books import D, po, setup_books, vlines
from yecai.checks.service import run_checks
from yecai.inventory import service as inventory
from yecai.ledger import closing
from yecai.ledger import service as ledger
from yecai.ledger.service import PeriodClosed
from yecai.posting import service as posting
from yecai.purchasing import domain
from yecai.purchasing import service as purchasing
from yecai.sales import service as sales
from yecai.store.db import Database
from yecai.store.uow import Actor


def _on_hand(b: object) -> list[tuple[str, str, str]]:
    return [(r["item"], r["qty"], r["value"]) for r in inventory.on_hand(b.uow(), b.company)]  # type: ignore[attr-defined]


def _sell(b: object, qty: str, day: str) -> dict:
    o = sales.create_order(
        b.uow(),  # type: ignore[attr-defined]
        b.company,  # type: ignore[attr-defined]
        customer="C1",
        day=D(day),
        lines=[{"item": "A", "qty": qty, "unit_price": "200"}],
    )
    return sales.create_delivery(b.uow(), b.company, order_id=o["id"], day=D(day), warehouse="W1")  # type: ignore[attr-defined]


def test_full_flow_posts_exactly_the_expected_vouchers(db: Database, admin: Actor) -> None:
    b = setup_books(db, admin)
    # 10 A at 100.00 and 100 kg R at 2.00, prices without VAT: net 1200.00, VAT 156.00
    o = po(b, ("A", "10", "100.00"), ("R", "100", "2.00"))
    assert (o["net"], o["tax"], o["total"]) == ("1200.00", "156.00", "1356.00")

    gr1 = purchasing.create_receipt(
        b.uow(),
        b.company,
        order_id=o["id"],
        day=D("2025-03-02"),
        warehouse="W1",
        lines=[(1, "6"), (2, "100")],
    )
    # 暂估入库 at the order's net price: 6 × 100.00 to 1405, 100 × 2.00 to 1403 (原材料)
    assert vlines(gr1) == [
        ("1405", "600.00", "", ""),
        ("1403", "200.00", "", ""),
        ("2202", "", "800.00", "S1"),
    ]
    assert gr1["vouchers"][0]["lines"][2]["summary"] == "暂估应付 江南制造 " + gr1["no"]
    with pytest.raises(domain.OverReceipt) as exc:
        purchasing.create_receipt(
            b.uow(), b.company, order_id=o["id"], day=D("2025-03-03"), warehouse="W1", lines=[(1, "5")]
        )
    assert exc.value.params["remaining"] == "4"

    d = _sell(b, "2", "2025-03-05")  # 2 A leave at 100.00 → 4 on hand for 400.00
    assert d["cost"] == "200.00"

    # bill at 102.00 (+2 %, within 5 %): the 12.00 difference on 6 billed units, 4 still on hand
    # → 8.00 back into stock (average 102.00), 4.00 to cost of sales
    bill = purchasing.create_bill(
        b.uow(),
        b.company,
        supplier="S1",
        day=D("2025-03-10"),
        invoice_no="04412345",
        lines=[
            {"order_id": o["id"], "line_no": 1, "qty": "6", "unit_price": "102.00"},
            {"order_id": o["id"], "line_no": 2, "qty": "100"},
        ],
    )
    # VAT on 812.00 at 13 % = 105.56, split 79.56 / 26.00
    assert (bill["net"], bill["tax"], bill["total"], bill["accrued"], bill["to_stock"]) == (
        "812.00",
        "105.56",
        "917.56",
        "800.00",
        "8.00",
    )
    assert vlines(bill) == [
        ("2202", "800.00", "", "S1"),
        ("1405", "8.00", "", ""),
        ("6401", "4.00", "", ""),
        ("22210101", "79.56", "", ""),
        ("22210101", "26.00", "", ""),
        ("2202", "", "917.56", "S1"),
    ]
    assert [ln["rule"] for ln in bill["vouchers"][0]["lines"]] == [
        "clear_accrual",
        "price_difference_stock",
        "price_difference_cost",
        "input_vat",
        "input_vat",
        "payable",
    ]
    assert _on_hand(b) == [("A", "4", "408.00"), ("R", "100", "200.00")]
    assert inventory.on_hand(b.uow(), b.company)[0]["unit_cost"] == "102.0000"
    assert _sell(b, "4", "2025-03-11")["cost"] == "408.00"  # the re-priced moving average

    with pytest.raises(domain.OverBilling):
        purchasing.create_bill(
            b.uow(),
            b.company,
            supplier="S1",
            day=D("2025-03-12"),
            lines=[{"order_id": o["id"], "line_no": 2, "qty": "1"}],
        )

    gr2 = purchasing.create_receipt(b.uow(), b.company, order_id=o["id"], day=D("2025-03-12"), warehouse="W1")
    assert gr2["cost"] == "400.00" and gr2["lines"][0]["qty"] == "4"
    assert purchasing.get_order(b.uow(), b.company, o["id"])["status"] == "open"

    # payments: partial against the bill; never more than is open
    with pytest.raises(domain.PaymentExceedsOpen):
        purchasing.create_payment(
            b.uow(), b.company, supplier="S1", day=D("2025-03-15"), amount="917.57", bill_id=bill["id"]
        )
    pay = purchasing.create_payment(
        b.uow(), b.company, supplier="S1", day=D("2025-03-15"), amount="500.00", bill_id=bill["id"]
    )
    assert vlines(pay) == [("2202", "500.00", "", "S1"), ("100201", "", "500.00", "")]
    assert purchasing.get_bill(b.uow(), b.company, bill["id"])["open"] == "417.56"
    with pytest.raises(domain.PaymentExceedsOpen):  # the supplier's open billed balance, without a bill
        purchasing.create_payment(b.uow(), b.company, supplier="S1", day=D("2025-03-16"), amount="417.57")
    cash = purchasing.create_payment(
        b.uow(), b.company, supplier="S1", day=D("2025-03-16"), amount="17.56", method="cash"
    )
    assert vlines(cash)[1] == ("1001", "", "17.56", "")

    # 2202 for S1: 暂估 400.00 still open (GR2) + bill 917.56 − cleared 800.00 … = 800.00
    ap = purchasing.ap_balances(b.uow(), b.company, period="2025-03")
    assert ap == [
        {
            "supplier": "S1",
            "name": "江南制造",
            "period": "2025-03",
            "opening": 0,
            "period_debit": 131756,
            "period_credit": 211756,
            "closing": 80000,
        }
    ]

    # traceability: voucher → document and rule; document → voucher
    trace = posting.trace_voucher(b.uow(), b.company, bill["vouchers"][0]["voucher_id"])
    assert trace["document"] == {"type": "vendor_bill", "id": bill["id"], "no": bill["no"]}
    assert trace["line_rules"]["2"] == "price_difference_stock" and trace["event"] == "vendor_bill.posted"
    v = ledger.get_voucher(b.uow(), b.company, gr1["vouchers"][0]["voucher_id"])
    assert (v.source_type, v.source_id, v.source_ref) == ("purchase_receipt", gr1["id"], gr1["no"])

    assert run_checks(b.uow(), b.company) == []


def test_three_way_match_beyond_tolerance_is_refused_and_names_the_lines(db: Database, admin: Actor) -> None:
    b = setup_books(db, admin, qty_tolerance="5", price_tolerance="2")
    o = po(b, ("A", "10", "100.00"), ("R", "100", "2.00"))
    purchasing.create_receipt(
        b.uow(),
        b.company,
        order_id=o["id"],
        day=D("2025-03-02"),
        warehouse="W1",
        lines=[(1, "4"), (2, "100")],
    )
    with pytest.raises(domain.ThreeWayMatchFailed) as exc:
        purchasing.create_bill(
            b.uow(),
            b.company,
            supplier="S1",
            day=D("2025-03-10"),
            lines=[
                {
                    "order_id": o["id"],
                    "line_no": 1,
                    "qty": "5",
                    "unit_price": "100.00",
                },  # 5 billed, 4 received
                {"order_id": o["id"], "line_no": 2, "qty": "100", "unit_price": "2.10"},  # +5 %
            ],
        )
    err = exc.value
    assert err.code == "purchasing.three_way_match"
    assert [(m.ref, m.what, m.expected, m.found, m.deviation_pct) for m in err.mismatches] == [
        (f"{o['no']}/1 A", "qty", "4", "5", "+25.00"),
        (f"{o['no']}/2 R", "price", "2.00", "2.10", "+5.00"),
    ]
    assert f"{o['no']}/1 A qty 5 ≠ 4 (+25.00%)" in str(err) and "price 2.10 ≠ 2.00" in str(err)
    assert purchasing.list_bills(b.uow(), b.company) == []  # nothing written
    # within tolerance: 4.1 billed for 4 received (+2.5 %), 2.04 for 2.00 (+2 %)
    bill = purchasing.create_bill(
        b.uow(),
        b.company,
        supplier="S1",
        day=D("2025-03-10"),
        lines=[
            {"order_id": o["id"], "line_no": 1, "qty": "4.1", "unit_price": "100.00"},
            {"order_id": o["id"], "line_no": 2, "qty": "100", "unit_price": "2.04"},
        ],
    )
    # differences 10.00 and 4.00; the 0.1 billed beyond the 4 received is not on hand, so its
    # share (10.00 × 0.1 / 4.1 = 0.24) goes to cost: 9.76 + 4.00 into stock
    assert (bill["accrued"], bill["to_stock"]) == ("600.00", "13.76")
    assert run_checks(b.uow(), b.company) == []


def test_closed_period_refuses_the_receipt_and_its_posting(db: Database, admin: Actor) -> None:
    b = setup_books(db, admin, start="2025-03")
    o = po(b, ("A", "10", "100.00"))
    gr = purchasing.create_receipt(
        b.uow(), b.company, order_id=o["id"], day=D("2025-03-20"), warehouse="W1", post=False
    )
    assert gr["status"] == "draft" and gr["vouchers"] == []
    closing.close_period(b.uow(), b.company, "2025-03")
    with pytest.raises(PeriodClosed):
        purchasing.post_receipt(b.uow(), b.company, gr["id"])
    assert purchasing.get_receipt(b.uow(), b.company, gr["id"])["status"] == "draft"
    assert purchasing.get_order(b.uow(), b.company, o["id"])["lines"][0]["received"] == "0"
    assert _on_hand(b) == []
    with pytest.raises(PeriodClosed):
        purchasing.create_receipt(b.uow(), b.company, order_id=o["id"], day=D("2025-03-21"), warehouse="W1")
    assert len(purchasing.list_receipts(b.uow(), b.company)) == 1
    assert run_checks(b.uow(), b.company) == []


def test_return_at_the_receipt_cost_and_check_with_sales_and_purchases(db: Database, admin: Actor) -> None:
    b = setup_books(db, admin)
    o = po(b, ("A", "10", "100.00"))
    gr = purchasing.create_receipt(b.uow(), b.company, order_id=o["id"], day=D("2025-03-02"), warehouse="W1")
    # another lot at 130.00 from the inventory module's 入库单: 20 on hand for 2300.00 (115.00)
    inventory.create_stock_receipt(
        b.uow(), b.company, supplier="S2", warehouse="W1", day=D("2025-03-03"), lines=[("A", "10", "1300.00")]
    )
    ret = purchasing.create_return(
        b.uow(), b.company, receipt_id=gr["id"], day=D("2025-03-04"), lines=[(1, "5")]
    )
    # 5 go back at the receipt's 100.00 (not the average 115.00); the 15 left carry 1800.00
    assert ret["cost"] == "500.00"
    assert vlines(ret) == [("2202", "500.00", "", "S1"), ("1405", "", "500.00", "")]
    assert _on_hand(b) == [("A", "15", "1800.00")]
    with pytest.raises(domain.OverReturn):
        purchasing.create_return(
            b.uow(), b.company, receipt_id=gr["id"], day=D("2025-03-04"), lines=[(1, "6")]
        )
    assert purchasing.get_order(b.uow(), b.company, o["id"])["lines"][0]["received"] == "5"
    bill = purchasing.create_bill(b.uow(), b.company, supplier="S1", day=D("2025-03-05"), orders=[o["id"]])
    assert (bill["net"], bill["accrued"], bill["to_stock"]) == ("500.00", "500.00", "0.00")
    # nothing received-not-billed is left to return
    with pytest.raises(domain.NothingToDo):
        purchasing.create_return(b.uow(), b.company, receipt_id=gr["id"], day=D("2025-03-06"))
    _sell(b, "3", "2025-03-06")
    sales.create_invoice(b.uow(), b.company, customer="C1", day=D("2025-03-07"), orders=_orders(b))
    purchasing.create_payment(b.uow(), b.company, supplier="S1", day=D("2025-03-08"), amount="565.00")
    assert run_checks(b.uow(), b.company) == []

    # a manual voucher moving S2's payable without a document is caught, with the amounts
    ledger.create_voucher(
        b.uow(),
        b.company,
        draft("2025-03-20", ("调整", "6401", "50", ""), ("调整", "2202", "", "50", {"supplier": "S2"})),
        post=True,
    )
    found = run_checks(b.uow(), b.company)
    assert [f.check for f in found] == ["ap_documents"]
    assert (
        "supplier S2" in found[0].message and "1300.00" in found[0].message and "1350.00" in found[0].message
    )


def _orders(b: object) -> list[int]:
    return [o["id"] for o in sales.list_orders(b.uow(), b.company)]  # type: ignore[attr-defined]
