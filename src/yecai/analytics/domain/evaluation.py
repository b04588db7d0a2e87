"""Chronological evaluation of the late-payment model: fit on what was known at a cutoff, score
the invoices issued after it (each with the history known on its own invoice date) and compare
with what happened by the end of the data. AUC for ranking; Brier score and reliability by decile
for calibration."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sklearn.metrics import roc_auc_score  # type: ignore[import-untyped]

from yecai.analytics.domain.features import HISTORY_MAX, features
from yecai.analytics.domain.history import GRACE_DAYS, InvoiceFact, by_customer
from yecai.analytics.domain.model import fit

BINS = 10


@dataclass(frozen=True)
class Bin:
    n: int
    mean_p: float
    observed: float


@dataclass(frozen=True)
class Evaluation:
    cutoff: date
    end: date
    method: str
    train_n: int
    test_n: int
    test_late_share: float
    auc: float | None  # None when the test invoices are all late or all on time
    brier: float
    brier_base_rate: float  # the Brier score of always predicting the training late share
    mae_days: float | None  # mean absolute error of the expected delay, on paid test invoices
    reliability: tuple[Bin, ...]


def evaluate(
    invoices: Sequence[InvoiceFact],
    cutoff: date,
    end: date,
    grace_days: int = GRACE_DAYS,
    *,
    rules_only: bool = False,
) -> Evaluation:
    scorer, priors, train_n = fit(invoices, cutoff, grace_days, rules_only=rules_only)
    ps: list[float] = []
    ys: list[int] = []
    errors: list[float] = []
    for history in by_customer(invoices).values():
        for i, inv in enumerate(history):
            if inv.day <= cutoff or inv.day > end:
                continue
            late = inv.outcome(end, grace_days)
            if late is None:
                continue
            row = features(inv, history[max(0, i - 2 * HISTORY_MAX) : i], inv.day, priors, grace_days)
            p, days = scorer.predict(row)
            ps.append(p)
            ys.append(1 if late else 0)
            actual = inv.days_late(end)
            if actual is not None:
                errors.append(abs(days - actual))
    n = len(ps)
    base = priors.late_share
    auc = float(roc_auc_score(ys, ps)) if 0 < sum(ys) < n else None
    brier = sum((p - y) ** 2 for p, y in zip(ps, ys, strict=True)) / n if n else 0.0
    brier_base = sum((base - y) ** 2 for y in ys) / n if n else 0.0
    ranked = sorted(zip(ps, ys, strict=True))
    bins: list[Bin] = []
    for b in range(BINS):
        part = ranked[b * n // BINS : (b + 1) * n // BINS]
        if part:
            bins.append(
                Bin(len(part), sum(p for p, _ in part) / len(part), sum(y for _, y in part) / len(part))
            )
    return Evaluation(
        cutoff=cutoff,
        end=end,
        method=scorer.method,
        train_n=train_n,
        test_n=n,
        test_late_share=sum(ys) / n if n else 0.0,
        auc=auc,
        brier=brier,
        brier_base_rate=brier_base,
        mae_days=sum(errors) / len(errors) if errors else None,
        reliability=tuple(bins),
    )
