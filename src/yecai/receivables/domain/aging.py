"""Aging of open items (账龄): configurable day buckets, by due date or by invoice date.

Pure: items in, rows out. Amounts are integer minor units; an item's open amount is positive for
what the customer owes (invoices) and negative for what it holds (unapplied receipts, credit
notes). Credits are not aged into the buckets: they sit in their own column so the buckets show
what is owed and how late, and buckets + credits = the customer's balance.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from yecai.core.errors import YecaiError

DEFAULT_BUCKETS = "0-30,31-60,61-90,91-180,180+"
BASES = ("due", "invoice")
NOT_DUE = "not_due"
BUCKETS_MAX = 12
DSO_WINDOW_DAYS = 90


class InvalidBuckets(YecaiError):
    code = "receivables.invalid_buckets"
    template = (
        "Aging buckets {value!r} are not valid: give ascending, adjoining day ranges such as "
        "0-30,31-60,61-90,91-180,180+"
    )


class InvalidBasis(YecaiError):
    code = "receivables.invalid_basis"
    template = "Aging basis {value!r} is not valid (expected due or invoice)"


@dataclass(frozen=True)
class Bucket:
    label: str
    low: int  # days, inclusive
    high: int | None  # days, inclusive; None: no upper end

    def holds(self, days: int) -> bool:
        return days >= self.low and (self.high is None or days <= self.high)


_RANGE = re.compile(r"^(\d{1,5})\s*-\s*(\d{1,5})$")
_OPEN = re.compile(r"^(\d{1,5})\s*\+$")


def parse_buckets(text: str | None) -> tuple[Bucket, ...]:
    """'0-30,31-60,61-90,91-180,180+' → buckets. The last may be open ('180+' is 181 days and
    more when the previous range ends at 180, else from 180). Ranges must adjoin, from 0."""
    spec = (text or DEFAULT_BUCKETS).replace("，", ",").strip()
    parts = [p.strip() for p in spec.split(",") if p.strip()]
    if not parts or len(parts) > BUCKETS_MAX:
        raise InvalidBuckets(value=spec, field="buckets")
    out: list[Bucket] = []
    expected = 0
    for i, p in enumerate(parts):
        m = _RANGE.match(p)
        if m:
            low, high = int(m.group(1)), int(m.group(2))
            if low != expected or high < low:
                raise InvalidBuckets(value=spec, field="buckets")
            out.append(Bucket(f"{low}-{high}", low, high))
            expected = high + 1
            continue
        m = _OPEN.match(p)
        if m and i == len(parts) - 1:
            start = int(m.group(1))
            if start not in (expected, expected - 1):
                raise InvalidBuckets(value=spec, field="buckets")
            out.append(Bucket(f"{start}+", expected, None))
            return tuple(out)
        raise InvalidBuckets(value=spec, field="buckets")
    # no open-ended last bucket: anything older goes to an implied one
    out.append(Bucket(f"{expected}+", expected, None))
    return tuple(out)


def check_basis(basis: str) -> str:
    if basis not in BASES:
        raise InvalidBasis(value=basis, field="basis")
    return basis


@dataclass(frozen=True)
class AgingItem:
    key: str  # the group it belongs to (customer, salesperson, department …)
    doc_date: date
    due_date: date
    open_minor: int  # > 0 owed, < 0 a credit the customer holds


def age_days(item: AgingItem, as_of: date, basis: str) -> int:
    """Days past due (basis 'due'; negative while not yet due) or since the invoice ('invoice')."""
    return (as_of - (item.due_date if basis == "due" else item.doc_date)).days


def bucket_of(item: AgingItem, as_of: date, basis: str, buckets: Sequence[Bucket]) -> str:
    """The bucket label of an amount owed; NOT_DUE before its due date (basis 'due')."""
    days = age_days(item, as_of, basis)
    if days < 0:
        return NOT_DUE
    for b in buckets:
        if b.holds(days):
            return b.label
    return buckets[-1].label  # unreachable: the last bucket is open-ended


@dataclass
class AgingRow:
    key: str
    buckets: dict[str, int]
    not_due: int = 0
    credits: int = 0  # unapplied receipts and credit notes (≤ 0)
    owed: int = 0  # open invoices (not due + every bucket)
    overdue: int = 0  # open invoice amounts past their due date
    items: int = 0

    @property
    def balance(self) -> int:
        return self.owed + self.credits

    @property
    def overdue_ratio(self) -> float | None:
        """Share of the amount owed that is past due; None when nothing is owed. A ratio for
        display, never money."""
        return self.overdue / self.owed if self.owed > 0 else None


@dataclass
class Aging:
    as_of: date
    basis: str
    buckets: tuple[Bucket, ...]
    rows: list[AgingRow] = field(default_factory=list)
    total: AgingRow | None = None


def age(items: Iterable[AgingItem], as_of: date, basis: str, buckets: Sequence[Bucket]) -> Aging:
    """Rows per key (sorted by balance, largest first) and a total row."""
    check_basis(basis)
    labels = [b.label for b in buckets]
    rows: dict[str, AgingRow] = {}
    total = AgingRow("", dict.fromkeys(labels, 0))
    for it in items:
        row = rows.get(it.key)
        if row is None:
            row = rows[it.key] = AgingRow(it.key, dict.fromkeys(labels, 0))
        for r in (row, total):
            r.items += 1
            if it.open_minor < 0:
                r.credits += it.open_minor
                continue
            r.owed += it.open_minor
            if (as_of - it.due_date).days > 0:
                r.overdue += it.open_minor
            label = bucket_of(it, as_of, basis, buckets)
            if label == NOT_DUE:
                r.not_due += it.open_minor
            else:
                r.buckets[label] += it.open_minor
    ordered = sorted(rows.values(), key=lambda r: (-r.balance, r.key))
    return Aging(as_of, basis, tuple(buckets), ordered, total)


def dso(balance_minor: int, sales_minor: int, days: int = DSO_WINDOW_DAYS) -> float | None:
    """Days sales outstanding: the receivable balance over the credit sales of the last ``days``
    days, times ``days``. None without sales in the window (not a number of days)."""
    if sales_minor <= 0:
        return None
    return max(balance_minor, 0) / sales_minor * days


def window_start(as_of: date, days: int = DSO_WINDOW_DAYS) -> date:
    """First day of the DSO window that ends on ``as_of`` (inclusive)."""
    return as_of - timedelta(days=days - 1)
