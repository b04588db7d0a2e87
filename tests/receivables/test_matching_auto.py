"""What the engine applies automatically (and what it keeps for review), one rule per example."""

from __future__ import annotations

from tests.receivables.test_matching import applied, item, reasons, receipt
from yecai.receivables.domain.matching import Memory, Settings, match

ACCOUNT = "6222 0200 1234 5678"
KNOWN = Memory.of(accounts=[(ACCOUNT, "C1")])


def test_bare_number_confirmed_by_payer_and_exact_amount_is_automatic() -> None:
    items = [
        item("A", "1130.00", doc="INV-2025-000123"),
        item("B", "880.00", customer="C2", name="北京远航电子有限公司", doc="INV-2025-000124"),
    ]
    (p,) = match([receipt("1130.00", remark="No.123", account=ACCOUNT)], items, KNOWN)
    assert applied(p) == {"A": "1130.00"} and p.auto
    assert {"reference_number", "payer_account_known", "amount_exact"} <= reasons(p)
    # The same bare number from a payer nobody knows: for review.
    (q,) = match([receipt("1130.00", remark="No.123", account="6217 9999")], items, Memory())
    assert applied(q) == {"A": "1130.00"} and not q.auto


def test_partial_payment_of_a_named_invoice_by_its_known_payer_is_automatic() -> None:
    items = [item("A", "5000.00", doc="INV-2025-000123")]
    (p,) = match([receipt("1234.56", remark="INV-2025-000123", account=ACCOUNT)], items, KNOWN)
    assert applied(p) == {"A": "1234.56"} and p.auto and "partial_payment" in reasons(p)
    # A round ¥1,000s may be the invoice rounded up after a part-payment we missed: review.
    (q,) = match([receipt("3000.00", remark="INV-2025-000123", account=ACCOUNT)], items, KNOWN)
    assert applied(q) == {"A": "3000.00"} and not q.auto
    # From a payer who is not known to be the customer: review.
    (u,) = match([receipt("1234.56", remark="INV-2025-000123", name="某人")], items, Memory())
    assert not u.auto


def test_full_reference_with_exact_amount_is_not_held_back_by_a_guess() -> None:
    items = [item("A", "500.00", doc="INV-2025-000200"), item("B", "300.00", doc="INV-2025-000201")]
    guess = receipt("200.00", remark="货款", account=ACCOUNT, txn="T0")  # a guess: part of A, for review
    sure = receipt("300.00", remark="INV-2025-000201", account=ACCOUNT, txn="T1")
    then = receipt("300.00", remark="INV-2025-000200", account=ACCOUNT, txn="T2")
    got = {p.txn_id: p for p in match([guess, sure, then], items, KNOWN, Settings())}
    assert not got["T0"].auto and applied(got["T0"]) == {"A": "200.00"}
    assert got["T1"].auto and applied(got["T1"]) == {"B": "300.00"}
    # T2 pays what the guess left of A: the named invoice and the payer stand on their own.
    assert applied(got["T2"]) == {"A": "300.00"} and got["T2"].auto
    assert "depends_on_review" not in reasons(got["T2"])
