"""Payment history and features, on hand-made histories: what is known on a day, and nothing
after it."""

from __future__ import annotations

import math
from datetime import date

from tests.analytics.history import invoice
from yecai.analytics.domain.features import FEATURES, SHRINK, Priors, around_spring_festival, features
from yecai.analytics.domain.history import InvoiceFact, Receipt, apply_receipts


def test_receipts_pay_their_invoice_then_the_oldest_open_ones() -> None:
    a = invoice(1, "C1", date(2025, 3, 1), 1_000, paid_after_due=None)  # due 03-31
    b = invoice(2, "C1", date(2025, 3, 10), 500, paid_after_due=None)  # due 04-09
    c = invoice(3, "C2", date(2025, 3, 1), 700, paid_after_due=None)
    facts = {
        f.invoice_id: f
        for f in apply_receipts(
            [a, b, c],
            [
                Receipt("C1", date(2025, 4, 20), 20_000, invoice_id=2),  # part of b, named
                Receipt("C1", date(2025, 4, 5), 120_000),  # on account: all of a, then 20_000 of b
                Receipt("C1", date(2025, 4, 25), 10_000),  # closes b
            ],
        )
    }
    assert facts[1].paid_on() == date(2025, 4, 5) and facts[1].days_late() == 5
    assert facts[2].received_minor(date(2025, 4, 20)) == 20_000 + 20_000
    assert facts[2].paid_on() == date(2025, 4, 25) and facts[2].days_late() == 16
    assert facts[3].payments == () and facts[3].paid_on() is None  # another customer's money


def test_outcome_is_read_as_of_a_day() -> None:
    inv = invoice(1, "C1", date(2025, 3, 1), paid_after_due=20)  # due 03-31, paid 04-20
    assert inv.outcome(date(2025, 4, 3)) is None  # within grace, unpaid: still open
    assert inv.outcome(date(2025, 4, 10)) is True  # beyond due + 5 days, unpaid: late already
    assert inv.days_late(date(2025, 4, 10)) is None
    assert inv.days_late() == 20 and inv.outcome(date(2025, 5, 1)) is True
    early = invoice(2, "C1", date(2025, 3, 1), paid_after_due=-3)
    assert early.outcome(date(2025, 5, 1)) is False and early.days_late() == -3


def test_features_of_a_customer_history() -> None:
    hist: list[InvoiceFact] = [
        invoice(1, "C1", date(2025, 1, 5), paid_after_due=2),  # paid 02-06: on time
        invoice(2, "C1", date(2025, 2, 5), paid_after_due=12),  # paid 03-19: late
        invoice(3, "C1", date(2025, 3, 5), paid_after_due=20),  # paid 04-24: late
        invoice(4, "C1", date(2025, 4, 1), paid_after_due=None),  # due 05-01, unpaid: overdue on 06-01
        invoice(5, "C1", date(2025, 5, 20), 20_000, paid_after_due=40),  # paid after the day we stand on
    ]
    this = invoice(9, "C1", date(2025, 6, 1), 30_000, credit_days=60, paid_after_due=None, disputed=True)
    priors = Priors(late_share=0.5, days_late=10.0)
    row = features(this, hist, date(2025, 6, 1), priors)
    f = row.facts
    # resolved by 06-01: three paid (2, 12, 20 days) and invoice 4, 31 days overdue (late)
    assert (f["n"], f["late_n"]) == (4, 3)
    assert f["avg_days"] == (2 + 12 + 20 + 31) / 4
    assert math.isclose(row.get("late_share"), (3 + SHRINK * 0.5) / (4 + SHRINK))
    assert math.isclose(row.get("avg_days_late"), (65 + SHRINK * 10) / (4 + SHRINK) / 30)
    assert (f["overdue_n"], f["overdue_max"]) == (1, 31)
    assert f["trend_days"] == (12 + 20 + 31) / 3 - 65 / 4  # the last three against all four
    assert math.isclose(f["ratio"], 30_000 / 10_000)  # median of the earlier invoices: 10,000 yuan
    assert row.get("disputed") == 1.0 and f["credit_days"] == 60
    assert len(row.values) == len(FEATURES)
    # on 04-05 invoice 3 (due 04-04) was within its grace and invoice 4 not yet due
    before = features(this, hist, date(2025, 4, 5), priors)
    assert (before.facts["n"], before.facts["late_n"]) == (2, 1)
    assert before.facts["overdue_n"] == 0


def test_a_customer_without_history_gets_the_company_averages() -> None:
    row = features(invoice(1, "C9", date(2025, 6, 1)), [], date(2025, 6, 1), Priors(0.4, 8.0))
    assert math.isclose(row.get("late_share"), 0.4)
    assert math.isclose(row.get("avg_days_late") * 30, 8.0)
    assert row.facts["n"] == 0 and row.get("trend") == 0.0 and row.get("size_ratio") == 0.0


def test_spring_festival_window() -> None:
    assert around_spring_festival(date(2025, 1, 29))  # 春节 2025
    assert around_spring_festival(date(2025, 2, 15))
    assert not around_spring_festival(date(2025, 3, 15))
    assert around_spring_festival(date(2026, 2, 10))  # 春节 2026 is 02-17
    assert not around_spring_festival(date(2026, 1, 20))
