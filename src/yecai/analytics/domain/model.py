"""The late-payment model: scikit-learn fitted per company on its own history, or rules when the
history is too short (cold start), and the scores of open invoices with their top factors.

- Classifier: logistic regression on standardized features. Small companies have a few hundred
  invoices at most; a linear model is hard to overfit there, is calibrated by construction (it
  fits log-loss) and explains itself: each factor's share of the log-odds is coef × z.
- Days late: ridge regression on the same features; its residuals on the training invoices are
  the spread of the payment date (the Monte Carlo of the cash forecast draws from them).
- Rules (cold start): the customer's late share and average delay, shrunk to the company's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

import numpy as np
from sklearn.linear_model import LogisticRegression, Ridge  # type: ignore[import-untyped]

from yecai.analytics.domain.features import (
    DAYS_CLIP,
    FEATURES,
    HISTORY_MAX,
    FeatureRow,
    Priors,
    features,
    priors_of,
)
from yecai.analytics.domain.history import GRACE_DAYS, InvoiceFact, by_customer
from yecai.core.i18n import N_

MIN_EXAMPLES = 40  # fewer resolved invoices than this: rules, not a fitted model
MIN_PER_CLASS = 8  # and at least this many late and this many on time
DEFAULT_SPREAD: tuple[int, ...] = (
    -10,
    -5,
    -2,
    0,
    3,
    7,
    12,
    20,
)  # days around the expected delay, before any history
TOP_FACTORS = 3
SPREAD_POINTS = 40  # equally likely payment days kept per invoice
C_REGULARIZATION = 0.3  # inverse strength of the L2 penalty on standardized features
AFTER_OVERDUE = (3, 7, 14, 21, 30, 45)  # when nothing in the spread is still ahead: days from today


@dataclass(frozen=True)
class Example:
    invoice: InvoiceFact
    row: FeatureRow
    late: bool
    days_late: int | None  # None: unpaid, known late only


@dataclass(frozen=True)
class Factor:
    """One reason behind a score: ``weight`` is its push on the log-odds of paying late
    (positive: towards late). ``msgid`` and ``params`` render it in the user's language."""

    key: str
    msgid: str
    params: dict[str, str]
    weight: float


@dataclass(frozen=True)
class Score:
    invoice: InvoiceFact
    open_minor: int
    p_late: float
    expected_days_late: float
    expected_date: date
    offsets: tuple[int, ...]  # possible payment days after the due date, equally likely
    factors: tuple[Factor, ...]
    method: str  # model | rules


class Scorer(Protocol):
    method: str
    residuals: tuple[int, ...]

    def predict(self, row: FeatureRow) -> tuple[float, float]: ...

    def predict_many(self, rows: Sequence[FeatureRow]) -> list[tuple[float, float]]: ...

    def contributions(self, row: FeatureRow) -> dict[str, float]: ...


def _clip(days: float) -> float:
    return float(max(DAYS_CLIP[0], min(DAYS_CLIP[1], days)))


def examples(
    invoices: Sequence[InvoiceFact], as_of: date, priors: Priors, grace_days: int = GRACE_DAYS
) -> list[Example]:
    """Training examples: invoices issued by ``as_of`` whose outcome is known on ``as_of``, each
    with the features known on its own invoice date."""
    out: list[Example] = []
    for history in by_customer(invoices).values():
        for i, inv in enumerate(history):
            if inv.day > as_of:
                break
            late = inv.outcome(as_of, grace_days)
            if late is None:
                continue
            earlier = history[max(0, i - 2 * HISTORY_MAX) : i]
            row = features(inv, earlier, inv.day, priors, grace_days)
            out.append(Example(inv, row, late, inv.days_late(as_of)))
    return out


class LogisticModel:
    method = "model"

    def __init__(self, data: Sequence[Example]) -> None:
        x = np.array([e.row.values for e in data], dtype=float)
        self.mean = x.mean(axis=0)
        std = x.std(axis=0)
        self.std = np.where(std > 1e-9, std, 1.0)
        z = (x - self.mean) / self.std
        y = np.array([1 if e.late else 0 for e in data])
        self.clf = LogisticRegression(C=C_REGULARIZATION, max_iter=1000).fit(z, y)
        paid = [i for i, e in enumerate(data) if e.days_late is not None]
        days = np.array([_clip(data[i].days_late or 0) for i in paid], dtype=float)
        self.reg = Ridge(alpha=1.0).fit(z[paid], days) if len(paid) >= 2 else None
        fitted = self.reg.predict(z[paid]) if self.reg is not None else np.zeros(len(paid))
        self.residuals = spread_of([float(r) for r in days - fitted]) or DEFAULT_SPREAD
        self.fallback_days = float(days.mean()) if len(paid) else 0.0

    def _z(self, row: FeatureRow) -> np.ndarray:
        z: np.ndarray = (np.array([row.values], dtype=float) - self.mean) / self.std
        return z

    def predict(self, row: FeatureRow) -> tuple[float, float]:
        z = self._z(row)
        p = float(self.clf.predict_proba(z)[0, 1])
        d = float(self.reg.predict(z)[0]) if self.reg is not None else self.fallback_days
        return p, _clip(d)

    def predict_many(self, rows: Sequence[FeatureRow]) -> list[tuple[float, float]]:
        """One call into scikit-learn for all rows (a call per row costs more than the maths)."""
        if not rows:
            return []
        z = (np.array([r.values for r in rows], dtype=float) - self.mean) / self.std
        ps = self.clf.predict_proba(z)[:, 1]
        ds = self.reg.predict(z) if self.reg is not None else np.full(len(rows), self.fallback_days)
        return [(float(p), _clip(float(d))) for p, d in zip(ps, ds, strict=True)]

    def contributions(self, row: FeatureRow) -> dict[str, float]:
        z = self._z(row)[0]
        return {name: float(c * v) for name, c, v in zip(FEATURES, self.clf.coef_[0], z, strict=True)}


def spread_of(deviations: Sequence[float], points: int = SPREAD_POINTS) -> tuple[int, ...]:
    """Equally likely days around the expected delay: the deviations themselves when few, else
    their quantiles at the middle of ``points`` equal slices (a fixed size, so scoring and the
    Monte Carlo cost the same with ten thousand training invoices as with fifty)."""
    if not deviations:
        return ()
    if len(deviations) <= points:
        return tuple(sorted(int(round(d)) for d in deviations))
    qs = np.quantile(np.array(deviations, dtype=float), [(i + 0.5) / points for i in range(points)])
    return tuple(int(round(float(q))) for q in qs)


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


class RulesModel:
    """Cold start: the customer's (shrunk) late share is the probability; its (shrunk) average
    delay, moved by half its recent trend, the expected delay."""

    method = "rules"

    def __init__(self, priors: Priors, residuals: tuple[int, ...] = DEFAULT_SPREAD) -> None:
        self.priors = priors
        self.residuals = residuals

    def predict(self, row: FeatureRow) -> tuple[float, float]:
        p = row.get("late_share")
        d = row.get("avg_days_late") * 30 + 0.5 * row.get("trend") * 30
        if row.facts["overdue_n"] > 0:  # other invoices overdue now: this one is likely to wait too
            p = 1 - (1 - p) * 0.5
        return p, _clip(d)

    def predict_many(self, rows: Sequence[FeatureRow]) -> list[tuple[float, float]]:
        return [self.predict(r) for r in rows]

    def contributions(self, row: FeatureRow) -> dict[str, float]:
        out = {name: 0.0 for name in FEATURES}
        out["late_share"] = _logit(row.get("late_share")) - _logit(self.priors.late_share)
        out["avg_days_late"] = (row.get("avg_days_late") * 30 - self.priors.days_late) / 15
        out["trend"] = row.get("trend") * 30 / 15
        out["overdue_open"] = math.log(2) if row.facts["overdue_n"] > 0 else 0.0
        if row.facts["n"] < 3:
            out["history"] = 0.01  # named so the user sees the score rests on little history
        return out


def fit(
    invoices: Sequence[InvoiceFact], as_of: date, grace_days: int = GRACE_DAYS, *, rules_only: bool = False
) -> tuple[Scorer, Priors, int]:
    """The company's scorer as of ``as_of`` (model, or rules on a cold start), its priors and the
    number of resolved invoices it learnt from."""
    priors = priors_of(invoices, as_of, grace_days)
    data = examples(invoices, as_of, priors, grace_days)
    late = sum(1 for e in data if e.late)
    if not rules_only and len(data) >= MIN_EXAMPLES and min(late, len(data) - late) >= MIN_PER_CLASS:
        return LogisticModel(data), priors, len(data)
    known = [_clip(e.days_late) for e in data if e.days_late is not None]
    spread = DEFAULT_SPREAD
    if len(known) >= 5:
        mean = sum(known) / len(known)
        spread = spread_of([d - mean for d in known])
    return RulesModel(priors, spread), priors, len(data)


# --- explanations ----------------------------------------------------------------------------


def _n(x: float) -> str:
    return str(int(round(x)))


def _factor(key: str, row: FeatureRow, weight: float) -> Factor:
    f = row.facts
    if key == "late_share":
        if f["n"] == 0:
            return Factor(key, N_("No earlier invoices to judge by"), {}, weight)
        return Factor(
            key,
            N_("Paid {late} of {n} earlier invoices late"),
            {"late": _n(f["late_n"]), "n": _n(f["n"])},
            weight,
        )
    if key == "avg_days_late":
        if f["n"] == 0:
            return Factor(key, N_("No payment delays known yet"), {}, weight)
        if f["avg_days"] >= 0:
            return Factor(
                key, N_("Pays {days} days after the due date on average"), {"days": _n(f["avg_days"])}, weight
            )
        return Factor(
            key, N_("Pays {days} days before the due date on average"), {"days": _n(-f["avg_days"])}, weight
        )
    if key == "trend":
        if f["trend_days"] >= 0:
            return Factor(
                key,
                N_("Recent invoices paid {days} days later than usual"),
                {"days": _n(f["trend_days"])},
                weight,
            )
        return Factor(
            key,
            N_("Recent invoices paid {days} days earlier than usual"),
            {"days": _n(-f["trend_days"])},
            weight,
        )
    if key == "history":
        return Factor(key, N_("{n} earlier invoices to judge by"), {"n": _n(f["n"])}, weight)
    if key == "overdue_open":
        if f["overdue_n"] == 0:
            return Factor(key, N_("No other invoice of the customer is overdue"), {}, weight)
        return Factor(
            key,
            N_("{n} other invoices overdue, up to {days} days"),
            {"n": _n(f["overdue_n"]), "days": _n(f["overdue_max"])},
            weight,
        )
    if key == "size_ratio":
        return Factor(
            key,
            N_("Amount is {ratio} times the customer's usual invoice"),
            {"ratio": f"{f['ratio']:.1f}"},
            weight,
        )
    if key == "amount":
        return Factor(
            key, N_("Invoice amount {amount}"), {"amount": f"{f['amount_minor'] / 100:,.0f}"}, weight
        )
    if key == "credit_days":
        return Factor(key, N_("Credit terms of {days} days"), {"days": _n(f["credit_days"])}, weight)
    if key == "disputed":
        if f["disputed"]:
            return Factor(key, N_("Goods returned or credit note on this invoice"), {}, weight)
        return Factor(key, N_("No return or credit note on this invoice"), {}, weight)
    if f["festival"]:
        return Factor(key, N_("Due around the Spring Festival"), {}, weight)
    return Factor(key, N_("Not due around the Spring Festival"), {}, weight)


def explain(scorer: Scorer, row: FeatureRow, top: int = TOP_FACTORS) -> tuple[Factor, ...]:
    """The factors that move this invoice's score most (by the size of their push)."""
    contrib = scorer.contributions(row)
    keys = sorted((k for k, w in contrib.items() if abs(w) > 1e-6), key=lambda k: -abs(contrib[k]))
    return tuple(_factor(k, row, contrib[k]) for k in keys[:top])


# --- scoring open invoices ---------------------------------------------------------------------


def score_open(
    scorer: Scorer,
    invoices: Sequence[InvoiceFact],
    as_of: date,
    priors: Priors,
    grace_days: int = GRACE_DAYS,
) -> list[Score]:
    """Every invoice issued by ``as_of`` and not paid in full on it, scored with what is known
    on ``as_of``. An invoice already beyond due + grace is late for certain; its payment date is
    drawn only from the part of the spread still ahead of ``as_of``."""
    todo: list[tuple[InvoiceFact, int, FeatureRow]] = []
    for history in by_customer(invoices).values():
        for i, inv in enumerate(history):
            if inv.day > as_of:
                break
            open_minor = inv.open_minor(as_of)
            if open_minor <= 0:
                continue
            others = history[max(0, i - 2 * HISTORY_MAX) : i] + [
                f for f in history[i + 1 :] if f.day <= as_of
            ]
            todo.append((inv, open_minor, features(inv, others, as_of, priors, grace_days)))
    out: list[Score] = []
    predictions = scorer.predict_many([row for _inv, _open, row in todo])
    for (inv, open_minor, row), (p, days) in zip(todo, predictions, strict=True):
        overdue = (as_of - inv.due).days
        offsets = tuple(o for o in (int(round(days + r)) for r in scorer.residuals) if o > overdue)
        if not offsets:
            offsets = tuple(overdue + k for k in AFTER_OVERDUE)
        factors = explain(scorer, row)
        if overdue > grace_days:
            p = 1.0
            factors = (
                Factor("overdue", N_("Already {days} days past the due date"), {"days": str(overdue)}, 99.0),
                *factors[: TOP_FACTORS - 1],
            )
        expected = sum(offsets) / len(offsets)
        out.append(
            Score(
                invoice=inv,
                open_minor=open_minor,
                p_late=p,
                expected_days_late=expected,
                expected_date=inv.due + timedelta(days=round(expected)),
                offsets=offsets,
                factors=factors,
                method=scorer.method,
            )
        )
    out.sort(key=lambda s: (-s.p_late, s.expected_date, s.invoice.no))
    return out
