"""Chronological evaluation of the late-payment model: fit on what was known at a cutoff, score
the invoices issued after it (each with the history known on its own invoice date) and compare
with what happened by the end of the data. AUC for ranking; Brier score and reliability by decile
for calibration."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sklearn.metrics import roc_auc_score  # type: ignore[import-untyped]

from yecai.analytics.domain.features import HISTORY_MAX, FeatureRow, features
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
    refit_days: int | None = None,
) -> Evaluation:
    """With ``refit_days``, the model is refitted every so many days after ``cutoff`` (as it would
    be in use: each invoice is scored by the model of its day) and the windows are pooled."""
    starts = [cutoff]
    while refit_days and starts[-1] + timedelta(days=refit_days) < end:
        starts.append(starts[-1] + timedelta(days=refit_days))
    windows = list(zip(starts, [*starts[1:], end], strict=True))
    ps: list[float] = []
    ys: list[int] = []
    errors: list[float] = []
    methods: set[str] = set()
    train_n = 0
    base = 0.0
    customers = by_customer(invoices)
    for first, last in windows:
        scorer, priors, n = fit(invoices, first, grace_days, rules_only=rules_only)
        methods.add(scorer.method)
        if first == cutoff:
            train_n, base = n, priors.late_share
        todo: list[tuple[InvoiceFact, bool, FeatureRow]] = []
        for history in customers.values():
            for i, inv in enumerate(history):
                if inv.day <= first or inv.day > last:
                    continue
                late = inv.outcome(end, grace_days)
                if late is None:
                    continue
                row = features(inv, history[max(0, i - 2 * HISTORY_MAX) : i], inv.day, priors, grace_days)
                todo.append((inv, late, row))
        for (inv, late, _row), (p, days) in zip(
            todo, scorer.predict_many([r for *_x, r in todo]), strict=True
        ):
            ps.append(p)
            ys.append(1 if late else 0)
            actual = inv.days_late(end)
            if actual is not None:
                errors.append(abs(days - actual))
    n = len(ps)
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
        method="+".join(sorted(methods)),
        train_n=train_n,
        test_n=n,
        test_late_share=sum(ys) / n if n else 0.0,
        auc=auc,
        brier=brier,
        brier_base_rate=brier_base,
        mae_days=sum(errors) / len(errors) if errors else None,
        reliability=tuple(bins),
    )
