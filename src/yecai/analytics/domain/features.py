"""Features of a sales invoice for the late-payment model, from its customer's history as known
on a day, with the plain facts behind each one (for the explanations).

Each feature is computed only from what was known on ``as_of``: for training that is the invoice
date, for scoring an open invoice the scoring day. Customer averages are shrunk towards the
company's own averages (``Priors``) so one early payment does not make a customer punctual.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import median

from yecai.analytics.domain.history import GRACE_DAYS, InvoiceFact

FEATURES: tuple[str, ...] = (
    "late_share",
    "avg_days_late",
    "trend",
    "history",
    "overdue_open",
    "size_ratio",
    "amount",
    "credit_days",
    "disputed",
    "spring_festival",
)
HISTORY_MAX = 60  # earlier invoices of the customer looked at (the most recent ones)
RECENT = 3  # invoices that make "recent" behaviour, against the customer's average: the trend
SHRINK = 2.0  # pseudo-invoices at the company's averages added to each customer's history
DAYS_CLIP = (-30, 120)  # one extreme payment must not dominate a mean

# 春节 (Chinese New Year's Day): payments due around it slip while offices close.
SPRING_FESTIVAL = {
    2020: date(2020, 1, 25),
    2021: date(2021, 2, 12),
    2022: date(2022, 2, 1),
    2023: date(2023, 1, 22),
    2024: date(2024, 2, 10),
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
    2029: date(2029, 2, 13),
    2030: date(2030, 2, 3),
    2031: date(2031, 1, 23),
    2032: date(2032, 2, 11),
    2033: date(2033, 1, 31),
    2034: date(2034, 2, 19),
    2035: date(2035, 2, 8),
}
FESTIVAL_WINDOW = (-10, 20)  # days before and after 春节 in which a due date counts as "around it"


@dataclass(frozen=True)
class Priors:
    """The company's own averages, what a customer without history is assumed to do."""

    late_share: float = 0.3
    days_late: float = 5.0


@dataclass(frozen=True)
class FeatureRow:
    values: tuple[float, ...]  # in the order of FEATURES
    facts: dict[str, float]  # the plain numbers behind them (counts, days, yuan)

    def get(self, name: str) -> float:
        return self.values[FEATURES.index(name)]


def around_spring_festival(day: date) -> bool:
    festival = SPRING_FESTIVAL.get(day.year) or date(day.year, 2, 1)
    for f in (festival, SPRING_FESTIVAL.get(day.year + 1) or date(day.year + 1, 2, 1)):
        if f + timedelta(days=FESTIVAL_WINDOW[0]) <= day <= f + timedelta(days=FESTIVAL_WINDOW[1]):
            return True
    return False


def _clip(days: int) -> int:
    return max(DAYS_CLIP[0], min(DAYS_CLIP[1], days))


def features(
    invoice: InvoiceFact,
    earlier: Sequence[InvoiceFact],
    as_of: date,
    priors: Priors,
    grace_days: int = GRACE_DAYS,
) -> FeatureRow:
    """Features of ``invoice`` from ``earlier`` (the same customer's other invoices, any order;
    those issued after ``as_of`` are ignored)."""
    resolved: list[tuple[date, int, bool]] = []  # (when known, days late, late)
    overdue_n, overdue_max = 0, 0
    amounts: list[int] = []
    for f in earlier:
        if f.invoice_id == invoice.invoice_id or f.day > as_of:
            continue
        amounts.append(f.amount_minor)
        paid = f.paid_on(as_of)
        if paid is not None:
            d = (paid - f.due).days
            resolved.append((paid, d, d > grace_days))
            continue
        overdue = (as_of - f.due).days
        if overdue > grace_days:
            overdue_n += 1
            overdue_max = max(overdue_max, overdue)
            resolved.append((as_of, overdue, True))  # late already; at least this late
    resolved.sort()
    resolved = resolved[-HISTORY_MAX:]
    amounts = amounts[-HISTORY_MAX:]
    n = len(resolved)
    late_n = sum(1 for _d, _x, late in resolved if late)
    days = [_clip(d) for _p, d, _late in resolved]
    late_share = (late_n + SHRINK * priors.late_share) / (n + SHRINK)
    avg = (sum(days) + SHRINK * priors.days_late) / (n + SHRINK)
    raw_avg = sum(days) / n if n else 0.0
    recent = days[-RECENT:]
    trend = (sum(recent) / len(recent) - raw_avg) if n > RECENT else 0.0
    usual = median(amounts) if amounts else 0
    ratio = invoice.amount_minor / usual if usual > 0 and invoice.amount_minor > 0 else 1.0
    yuan = max(invoice.amount_minor, 100) / 100
    festival = around_spring_festival(invoice.due)
    values = (
        late_share,
        avg / 30.0,
        trend / 30.0,
        math.log1p(n),
        math.log1p(overdue_n) + overdue_max / 90.0,
        math.log(ratio),
        math.log10(yuan),
        invoice.credit_days / 30.0,
        1.0 if invoice.disputed else 0.0,
        1.0 if festival else 0.0,
    )
    facts = {
        "n": float(n),
        "late_n": float(late_n),
        "avg_days": raw_avg,
        "trend_days": trend,
        "overdue_n": float(overdue_n),
        "overdue_max": float(overdue_max),
        "ratio": ratio,
        "amount_minor": float(invoice.amount_minor),
        "credit_days": float(invoice.credit_days),
        "disputed": 1.0 if invoice.disputed else 0.0,
        "festival": 1.0 if festival else 0.0,
    }
    return FeatureRow(values, facts)


def priors_of(invoices: Sequence[InvoiceFact], as_of: date, grace_days: int = GRACE_DAYS) -> Priors:
    """The company's late share and mean days late over invoices resolved by ``as_of``."""
    outcomes: list[tuple[int, bool]] = []
    for f in invoices:
        if f.day > as_of:
            continue
        late = f.outcome(as_of, grace_days)
        if late is None:
            continue
        d = f.days_late(as_of)
        outcomes.append((_clip(d if d is not None else (as_of - f.due).days), late))
    if not outcomes:
        return Priors()
    return Priors(
        late_share=sum(1 for _d, late in outcomes if late) / len(outcomes),
        days_late=sum(d for d, _late in outcomes) / len(outcomes),
    )
