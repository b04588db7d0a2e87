"""The 13-week cash-flow forecast: opening cash, plus receipts drawn from each open invoice's
payment-date distribution, less payables on their due dates, plus recurring bank items found in
the ledger. A seeded Monte Carlo gives the band (P10/P50/P90) of the closing cash each week.

Money is integer minor units throughout; the expected (mean) figures are rounded to the fen once,
per week, and the closing balances are built by adding them, so the table always adds up.
"""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import median

import numpy as np

WEEKS_MAX = 52
SIMULATIONS_MAX = 20_000
RECURRING_MONTHS = 6  # months of bank lines looked at for recurring items
RECURRING_MIN_MONTHS = 3  # seen in at least this many of them (and last month or this one)


@dataclass(frozen=True)
class Inflow:
    """An open receivable: ``amount_minor`` arrives ``offset`` days after ``due``, each offset of
    ``offsets`` equally likely. Inflows of one ``payer`` move together: in each simulation they
    are drawn at the same quantile of their spreads (a customer who pays one invoice late pays its
    others late too; drawing them independently makes the band of the total far too narrow)."""

    key: str
    amount_minor: int
    due: date
    offsets: tuple[int, ...]
    payer: str = ""  # "" → on its own


@dataclass(frozen=True)
class Outflow:
    """A payable paid on ``day`` (a vendor bill on its due date; overdue ones next day)."""

    key: str
    amount_minor: int
    day: date


@dataclass(frozen=True)
class BankLine:
    day: date
    amount_minor: int  # + money in, − money out
    summary: str
    source: str = "manual"  # the voucher's source document type (manual: a voucher made by hand)

    @property
    def key(self) -> str:
        """What makes two lines the same item: a manual voucher's summary without numbers (the
        3月 and 4月 payroll); a document's type (expense claims of different people are one
        stream of payments)."""
        if self.source == "manual":
            return summary_key(self.summary)
        return "doc:" + self.source

    @property
    def label(self) -> str:
        return self.summary if self.source == "manual" else (self.summary.split() or [self.source])[0]


@dataclass(frozen=True)
class Recurring:
    label: str
    amount_minor: int  # + in, − out, per month
    day_of_month: int
    months_seen: int
    key: str = ""  # BankLine.key of its lines


@dataclass(frozen=True)
class Week:
    week: int
    start: date
    end: date
    receipts_minor: int  # expected (mean over the simulations)
    receipts_p10_minor: int
    receipts_p90_minor: int
    payables_minor: int
    recurring_in_minor: int
    recurring_out_minor: int
    net_minor: int
    closing_minor: int  # opening + the expected nets so far
    closing_p10_minor: int
    closing_p50_minor: int
    closing_p90_minor: int


@dataclass(frozen=True)
class Forecast:
    as_of: date
    opening_minor: int
    weeks: tuple[Week, ...]
    beyond_minor: int  # expected receipts after the horizon
    simulations: int
    seed: int


def seen_this_month(lines: Sequence[BankLine], items: Sequence[Recurring], as_of: date) -> frozenset[str]:
    """Keys of the recurring items already booked in ``as_of``'s month (up to ``as_of``)."""
    month = (as_of.year, as_of.month)
    booked = {
        (ln.key, ln.amount_minor > 0)
        for ln in lines
        if (ln.day.year, ln.day.month) == month and ln.day <= as_of
    }
    return frozenset(r.key for r in items if (r.key, r.amount_minor > 0) in booked)


def summary_key(summary: str) -> str:
    """A bank line's summary without numbers (months, document numbers) or spaces: the 3月 and
    4月 payroll are one recurring item."""
    return re.sub(r"[\d\s\-/.:：,，()（）#]+", "", summary)[:60]


def _months_back(day: date, n: int) -> tuple[int, int]:
    m = day.year * 12 + day.month - 1 - n
    return m // 12, m % 12 + 1


def recurring_items(lines: Sequence[BankLine], as_of: date) -> list[Recurring]:
    """Monthly items of the bank and cash accounts: same summary (numbers aside) and direction in
    at least three of the last six months, the latest in this month or the last; amount the
    median of the last three months' totals, on the median day of the month."""
    first = _months_back(as_of, RECURRING_MONTHS)
    groups: dict[tuple[str, int], dict[tuple[int, int], list[BankLine]]] = defaultdict(
        lambda: defaultdict(list)
    )
    labels: dict[tuple[str, int], tuple[date, str]] = {}
    for ln in lines:
        if ln.day > as_of or (ln.day.year, ln.day.month) < first or ln.amount_minor == 0:
            continue
        key = (ln.key, 1 if ln.amount_minor > 0 else -1)
        if not key[0]:
            continue
        groups[key][(ln.day.year, ln.day.month)].append(ln)
        if key not in labels or ln.day >= labels[key][0]:
            labels[key] = (ln.day, ln.label)
    recent = {(as_of.year, as_of.month), _months_back(as_of, 1)}
    out: list[Recurring] = []
    for key, months in groups.items():
        if len(months) < RECURRING_MIN_MONTHS or not recent & set(months):
            continue
        last3 = sorted(months)[-3:]
        amount = int(median(sum(ln.amount_minor for ln in months[m]) for m in last3))
        day = int(median(ln.day.day for m in months for ln in months[m]))
        out.append(Recurring(labels[key][1], amount, day, len(months), key[0]))
    out.sort(key=lambda r: (r.day_of_month, r.label))
    return out


def _recurring_dates(item: Recurring, as_of: date, end: date, seen_this_month: bool) -> list[date]:
    out: list[date] = []
    y, m = as_of.year, as_of.month
    while True:
        day = date(y, m, min(item.day_of_month, calendar.monthrange(y, m)[1]))
        if day > end:
            return out
        if day > as_of and not ((y, m) == (as_of.year, as_of.month) and seen_this_month):
            out.append(day)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def simulate(
    *,
    as_of: date,
    opening_minor: int,
    inflows: Sequence[Inflow],
    outflows: Sequence[Outflow],
    recurring: Sequence[Recurring] = (),
    recurring_seen: frozenset[str] = frozenset(),
    weeks: int = 13,
    simulations: int = 1000,
    seed: int = 0,
) -> Forecast:
    """Week ``k`` (1-based) runs from as_of + 7(k−1) + 1 to as_of + 7k. ``recurring_seen`` are
    the labels of recurring items already booked this month (not expected again before next)."""
    assert 1 <= weeks <= WEEKS_MAX and 1 <= simulations <= SIMULATIONS_MAX
    end = as_of + timedelta(days=7 * weeks)
    rng = np.random.default_rng(seed)
    sims = np.zeros((simulations, weeks), dtype=np.int64)
    beyond = 0
    quantile: dict[str, np.ndarray] = {}
    for inf in inflows:
        offsets = np.sort(np.array(inf.offsets or (0,), dtype=np.int64))
        u = quantile.get(inf.payer) if inf.payer else None
        if u is None:
            u = rng.random(simulations)
            if inf.payer:
                quantile[inf.payer] = u
        drawn = offsets[np.minimum((u * len(offsets)).astype(np.int64), len(offsets) - 1)]
        # days after as_of; a date already past (the invoice is still open) moves to tomorrow
        ahead = np.maximum((inf.due - as_of).days + drawn, 1)
        week = (ahead - 1) // 7
        inside = week < weeks
        np.add.at(sims, (np.nonzero(inside)[0], week[inside]), inf.amount_minor)
        beyond += int(inf.amount_minor) * int((~inside).sum())
    payables = [0] * weeks
    for bill in outflows:
        days_ahead = max((bill.day - as_of).days, 1)
        if days_ahead <= 7 * weeks:
            payables[(days_ahead - 1) // 7] += bill.amount_minor
    rec_in = [0] * weeks
    rec_out = [0] * weeks
    for item in recurring:
        for day in _recurring_dates(item, as_of, end, item.key in recurring_seen):
            w = ((day - as_of).days - 1) // 7
            if item.amount_minor > 0:
                rec_in[w] += item.amount_minor
            else:
                rec_out[w] += -item.amount_minor
    fixed = np.array([rec_in[w] - rec_out[w] - payables[w] for w in range(weeks)], dtype=np.int64)
    closing_sims = opening_minor + np.cumsum(sims + fixed, axis=1)
    p10, p50, p90 = np.percentile(closing_sims, [10, 50, 90], axis=0, method="lower")
    r10, r90 = np.percentile(sims, [10, 90], axis=0, method="lower")
    receipts = [int(round(float(v))) for v in sims.sum(axis=0) / simulations]
    rows: list[Week] = []
    closing = opening_minor
    for w in range(weeks):
        net = receipts[w] + int(fixed[w])
        closing += net
        rows.append(
            Week(
                week=w + 1,
                start=as_of + timedelta(days=7 * w + 1),
                end=as_of + timedelta(days=7 * w + 7),
                receipts_minor=receipts[w],
                receipts_p10_minor=int(r10[w]),
                receipts_p90_minor=int(r90[w]),
                payables_minor=payables[w],
                recurring_in_minor=rec_in[w],
                recurring_out_minor=rec_out[w],
                net_minor=net,
                closing_minor=closing,
                closing_p10_minor=int(p10[w]),
                closing_p50_minor=int(p50[w]),
                closing_p90_minor=int(p90[w]),
            )
        )
    return Forecast(
        as_of=as_of,
        opening_minor=opening_minor,
        weeks=tuple(rows),
        beyond_minor=int(round(beyond / simulations)),
        simulations=simulations,
        seed=seed,
    )
