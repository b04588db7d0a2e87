"""Payment history of sales invoices, as the late-payment model sees it.

An invoice is *paid* on the day the receipts applied to it first cover what is to be paid (its
total less red credit notes), and *late* when that day falls more than ``grace_days`` after the
due date. Everything is read "as of" a day: receipts after it are not known yet, which keeps the
model's training and its chronological evaluation honest (no look-ahead).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

GRACE_DAYS = 5  # a payment up to five days after the due date (weekends, bank transfer) is on time


@dataclass(frozen=True)
class Payment:
    day: date
    amount_minor: int


@dataclass(frozen=True)
class InvoiceFact:
    """One posted sales invoice and what has been received against it."""

    invoice_id: int
    no: str
    customer: str
    day: date
    due: date
    amount_minor: int  # to be paid: total less credit notes
    credit_days: int = 0
    payments: tuple[Payment, ...] = ()
    disputed: bool = False  # goods returned, a credit note or a dispute flag on the invoice

    def received_minor(self, as_of: date) -> int:
        return sum(p.amount_minor for p in self.payments if p.day <= as_of)

    def open_minor(self, as_of: date) -> int:
        return max(0, self.amount_minor - self.received_minor(as_of))

    def paid_on(self, as_of: date | None = None) -> date | None:
        """The day the receipts first covered the invoice (None: not yet, as of ``as_of``)."""
        if self.amount_minor <= 0:
            return self.day
        got = 0
        for p in self.payments:
            if as_of is not None and p.day > as_of:
                break
            got += p.amount_minor
            if got >= self.amount_minor:
                return p.day
        return None

    def days_late(self, as_of: date | None = None) -> int | None:
        """Days between the due date and payment (negative: early); None while unpaid."""
        paid = self.paid_on(as_of)
        return None if paid is None else (paid - self.due).days

    def outcome(self, as_of: date, grace_days: int = GRACE_DAYS) -> bool | None:
        """Late or not, as known on ``as_of``: paid (late when beyond the grace), or unpaid and
        already beyond due + grace (late); None while it can still go either way."""
        late = self.days_late(as_of)
        if late is not None:
            return late > grace_days
        if (as_of - self.due).days > grace_days:
            return True
        return None


@dataclass(frozen=True)
class Receipt:
    """A customer receipt: against one invoice (``invoice_id``) or on account (None)."""

    customer: str
    day: date
    amount_minor: int
    invoice_id: int | None = None


@dataclass
class _Open:
    fact: InvoiceFact
    payments: list[Payment] = field(default_factory=list)
    received: int = 0


def apply_receipts(invoices: Iterable[InvoiceFact], receipts: Iterable[Receipt]) -> list[InvoiceFact]:
    """Attach receipts to invoices: those naming an invoice go to it; those on account pay the
    customer's oldest open invoices first (FIFO), as a cashier applies them. What is left of a
    receipt after every invoice is covered is an advance and pays nothing here."""
    opened = {f.invoice_id: _Open(f) for f in sorted(invoices, key=lambda f: (f.day, f.invoice_id))}
    by_customer: dict[str, list[_Open]] = defaultdict(list)
    for o in opened.values():
        by_customer[o.fact.customer].append(o)
    ordered = sorted(receipts, key=lambda r: (r.day, r.invoice_id is None))
    for r in ordered:
        left = r.amount_minor
        target = opened.get(r.invoice_id) if r.invoice_id is not None else None
        if target is not None:
            target.payments.append(Payment(r.day, left))
            target.received += left
            continue
        for o in by_customer.get(r.customer, ()):
            if left <= 0:
                break
            if o.fact.day > r.day:
                continue
            due = o.fact.amount_minor - o.received
            if due <= 0:
                continue
            take = min(due, left)
            o.payments.append(Payment(r.day, take))
            o.received += take
            left -= take
    return [replace(o.fact, payments=tuple(o.payments)) for o in opened.values()]


def by_customer(invoices: Sequence[InvoiceFact]) -> dict[str, list[InvoiceFact]]:
    """Each customer's invoices by date."""
    out: dict[str, list[InvoiceFact]] = defaultdict(list)
    for f in sorted(invoices, key=lambda f: (f.day, f.invoice_id)):
        out[f.customer].append(f)
    return dict(out)
