"""Hand-made payment histories for the analytics tests: plain invoice facts, no database."""

from __future__ import annotations

import random
from datetime import date, timedelta

from yecai.analytics.domain.history import InvoiceFact, Payment

START = date(2024, 1, 2)


def invoice(
    no: int,
    customer: str,
    day: date,
    amount_yuan: int = 10_000,
    credit_days: int = 30,
    paid_after_due: int | None = 0,
    disputed: bool = False,
) -> InvoiceFact:
    """An invoice paid in full ``paid_after_due`` days after its due date (None: unpaid)."""
    due = day + timedelta(days=credit_days)
    amount = amount_yuan * 100
    payments = () if paid_after_due is None else (Payment(due + timedelta(days=paid_after_due), amount),)
    return InvoiceFact(
        invoice_id=no,
        no=f"SI-{no:04d}",
        customer=customer,
        day=day,
        due=due,
        amount_minor=amount,
        credit_days=credit_days,
        payments=payments,
        disputed=disputed,
    )


def company_history(seed: int = 1, customers: int = 40, days: int = 540) -> list[InvoiceFact]:
    """A company whose customers have habits: most pay around the due date, some 5–30 days late,
    a few (those whose code ends in 7) 30–75 days late; invoices twice the usual size wait ten
    more days. Invoices issued in the last 60 days are partly still open."""
    rnd = random.Random(seed)
    end = START + timedelta(days=days)
    out: list[InvoiceFact] = []
    no = 0
    for c in range(customers):
        code = f"C{c:03d}"
        lo, hi = (30, 75) if c % 10 == 7 else (5, 30) if c % 3 == 1 else (-5, 3)
        day = START + timedelta(days=rnd.randint(0, 30))
        while day < end:
            no += 1
            big = rnd.random() < 0.15
            slip = rnd.randint(lo, hi) + (10 if big else 0)
            inv = invoice(no, code, day, 20_000 if big else 10_000, 30, slip)
            if inv.payments and inv.payments[0].day > end:
                inv = invoice(no, code, day, 20_000 if big else 10_000, 30, None)
            out.append(inv)
            day += timedelta(days=rnd.randint(20, 45))
    return out
