"""The matching engine, harder cases: fees that look like fees, combined and split payments,
payers learned within the batch, mistyped references, recurring amounts. Pure, no database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from yecai.receivables.domain.matching import BankReceipt, Memory, Settings, match
from yecai.receivables.domain.refs import is_near, near_numbers

from .test_matching import OTHERS, applied, item, reasons, receipt

ACCOUNT = "6222000011112222"
KNOWN = Memory.of(accounts=[(ACCOUNT, "C1")])


def on(day: str, amount: str, txn: str, *, remark: str = "", account: str = ACCOUNT) -> BankReceipt:
    return BankReceipt(txn, date.fromisoformat(day), int(Decimal(amount) * 100), "CNY", "", account, remark)


def test_a_shortfall_without_a_reference_must_look_like_a_fee_or_a_discount() -> None:
    s = Settings()
    assert s.short_kind(500_000, 1_500) == "fee"  # ¥15 of ¥5,000
    assert s.short_kind(298_765, 2_987) == "discount"  # 1% of ¥2,987.65
    assert s.short_kind(2_770_865, 865) == "other"  # ¥8.65 short of a round ¥27,700: a tranche
    assert s.short_kind(500_000, 0) is None and s.short_kind(500_000, 9_000) is None
    items = [item("A", "27708.65"), *OTHERS]
    (p,) = match([receipt("27693.65", account=ACCOUNT)], items, KNOWN)
    assert applied(p) == {"A": "27693.65"} and "fee_within_tolerance" in reasons(p)
    (p,) = match([receipt("27700.00", account=ACCOUNT)], items, KNOWN)
    assert "fee_within_tolerance" not in reasons(p) and p.applications[0].writeoff_minor == 0


def test_combined_payment_of_three_invoices_that_are_not_the_oldest_short_by_a_fee() -> None:
    items = [
        item("A", "1111.11", day="2025-01-01"),
        item("B", "2345.67", day="2025-01-02"),
        item("C", "3210.98", day="2025-01-03"),
        item("D", "4567.89", day="2025-01-04"),
        item("E", "5432.10", day="2025-01-05"),
        *OTHERS,
    ]
    # B + D + E = 12345.66, less a ¥10 bank fee written off on the last (E).
    (p,) = match([receipt("12335.66", account=ACCOUNT)], items, KNOWN)
    assert applied(p) == {"B": "2345.67", "D": "4567.89", "E": "5422.10"}
    assert [a.writeoff_minor for a in p.applications] == [0, 0, 1000]
    assert "amount_sum_short" in reasons(p) and not p.auto


def test_combined_payment_of_four_invoices_exactly() -> None:
    items = [
        item(k, v, day=f"2025-01-0{n}")
        for n, (k, v) in enumerate(
            [
                ("A", "101.01"),
                ("B", "202.03"),
                ("C", "303.07"),
                ("D", "404.11"),
                ("E", "505.13"),
                ("F", "606.17"),
            ],
            start=1,
        )
    ]
    # A + C + E + F: four of six, not a prefix, and nothing else adds up to it.
    (p,) = match([receipt("1515.38", account=ACCOUNT)], items + OTHERS, KNOWN)
    assert applied(p) == {"A": "101.01", "C": "303.07", "E": "505.13", "F": "606.17"}
    assert "amount_sum" in reasons(p)


def test_tranches_from_one_payer_that_add_up_to_one_invoice() -> None:
    items = [item("A", "9000.00", day="2025-01-01"), item("B", "12345.67", day="2025-02-01"), *OTHERS]
    ps = match([on("2025-07-01", "5000.00", "T1"), on("2025-07-08", "7345.67", "T2")], items, KNOWN)
    # Not the oldest invoice A: together they pay B exactly.
    assert [applied(p) for p in ps] == [{"B": "5000.00"}, {"B": "7345.67"}]
    assert all("tranches_sum" in reasons(p) and not p.auto for p in ps)


def test_an_account_that_paid_a_named_invoice_in_this_batch_is_that_customers() -> None:
    items = [
        item("A", "1180.00", doc="INV-2025-0101", day="2025-01-01"),
        item("B", "2468.13", doc="INV-2025-0102", day="2025-01-02"),
        item("Z", "2468.13", customer="C9", name="无关公司", doc="INV-2025-0900"),
        *OTHERS,
    ]
    stranger = "6217999988887777"  # nobody confirmed it
    ps = match(
        [
            on("2025-07-01", "1180.00", "T1", remark="INV-2025-0101", account=stranger),
            on("2025-07-02", "2468.13", "T2", remark="货款", account=stranger),
        ],
        items,
    )
    assert applied(ps[0]) == {"A": "1180.00"} and ps[0].auto
    assert applied(ps[1]) == {"B": "2468.13"} and "payer_account_seen" in reasons(ps[1])
    assert not ps[1].auto  # an inferred payer is for review


def test_a_reference_one_digit_off_an_invoice_of_the_payer() -> None:
    assert is_near("INV-2024-043111", near_numbers("支付2024043311"))
    assert is_near("24332000000258100565", near_numbers("数电票24332000000258700565"))
    assert is_near("INV-2025-000123", near_numbers("发票号000128"))
    assert not is_near("INV-2025-000123", near_numbers("发票号000321 2025-07-03"))
    # The same monthly amount twice: the mistyped number says which one.
    items = [
        item("A", "3000.00", doc="INV-2025-000123", day="2025-01-01"),
        item("B", "3000.00", doc="INV-2025-000456", day="2025-02-01"),
        *OTHERS,
    ]
    (p,) = match([receipt("3000.00", remark="INV-2025-000457", account=ACCOUNT)], items, KNOWN)
    assert applied(p) == {"B": "3000.00"} and "reference_near" in reasons(p) and not p.auto


def test_recurring_amount_goes_to_the_oldest_for_review() -> None:
    items = [item("B", "800.00", day="2025-02-01"), item("A", "800.00", day="2025-01-01"), *OTHERS]
    (p,) = match([receipt("800.00", account=ACCOUNT)], items, KNOWN)
    assert applied(p) == {"A": "800.00"} and {"amount_recurring", "amount_ambiguous"} <= reasons(p)
    assert not p.auto


def test_a_payer_who_rounds_up_to_the_next_thousand() -> None:
    items = [item("A", "4520.30"), *OTHERS]
    (p,) = match([receipt("5000.00", account=ACCOUNT)], items, KNOWN)
    assert applied(p) == {"A": "4520.30"} and "overpayment_rounded" in reasons(p) and not p.auto
