"""The late-payment model on hand-made histories: it ranks a chronically late customer above a
punctual one, explains itself, falls back to rules on a cold start, and is judged honestly on a
chronological split."""

from __future__ import annotations

from datetime import date, timedelta

from tests.analytics.history import START, company_history, invoice
from yecai.analytics.domain.evaluation import evaluate
from yecai.analytics.domain.history import GRACE_DAYS
from yecai.analytics.domain.model import LogisticModel, RulesModel, fit, score_open

AS_OF = START + timedelta(days=540)


def _score_of(scores: list, customer: str):  # type: ignore[no-untyped-def]
    return next(s for s in scores if s.invoice.customer == customer)


def test_the_model_ranks_a_chronically_late_customer_above_a_punctual_one() -> None:
    hist = company_history()
    # two new invoices issued today, not yet due: C017 (pays 30–75 days late), C000 (on time)
    late_one = invoice(90_001, "C017", AS_OF, paid_after_due=None)
    punctual = invoice(90_002, "C000", AS_OF, paid_after_due=None)
    scorer, priors, n = fit([*hist, late_one, punctual], AS_OF)
    assert isinstance(scorer, LogisticModel) and scorer.method == "model" and n > 200
    scores = score_open(scorer, [*hist, late_one, punctual], AS_OF, priors)
    a = next(s for s in scores if s.invoice.invoice_id == 90_001)
    b = next(s for s in scores if s.invoice.invoice_id == 90_002)
    assert a.p_late > 0.8 > 0.2 > b.p_late
    assert a.expected_days_late > 25 > 5 > b.expected_days_late
    assert a.expected_date > b.expected_date
    # the explanation names the customer's habit, in words with its figures
    keys = [f.key for f in a.factors]
    assert {"late_share", "avg_days_late"} & set(keys)
    text = next(f for f in a.factors if f.key in ("late_share", "avg_days_late"))
    assert text.params and all(isinstance(v, str) for v in text.params.values())
    assert a.factors[0].weight > 0 and len(a.factors) == 3
    # riskiest first
    assert [s.p_late for s in scores] == sorted((s.p_late for s in scores), reverse=True)


def test_an_invoice_beyond_due_and_grace_is_late_for_certain_and_paid_after_today() -> None:
    hist = company_history()
    old = invoice(90_003, "C000", AS_OF - timedelta(days=60), paid_after_due=None)  # 30 days overdue
    scorer, priors, _n = fit([*hist, old], AS_OF)
    s = next(s for s in score_open(scorer, [*hist, old], AS_OF, priors) if s.invoice.invoice_id == 90_003)
    assert s.p_late == 1.0 and s.factors[0].key == "overdue" and s.factors[0].params == {"days": "30"}
    assert min(s.offsets) > 30 and s.expected_date > AS_OF


def test_cold_start_falls_back_to_rules() -> None:
    day = date(2025, 1, 6)
    hist = [
        invoice(1, "LATE", day, paid_after_due=40),
        invoice(2, "LATE", day + timedelta(days=30), paid_after_due=35),
        invoice(3, "GOOD", day, paid_after_due=0),
        invoice(4, "GOOD", day + timedelta(days=30), paid_after_due=-2),
        invoice(5, "LATE", date(2025, 6, 2), paid_after_due=None),
        invoice(6, "GOOD", date(2025, 6, 2), paid_after_due=None),
        invoice(7, "NEW", date(2025, 6, 2), paid_after_due=None),
    ]
    as_of = date(2025, 6, 2)
    scorer, priors, n = fit(hist, as_of)
    assert isinstance(scorer, RulesModel) and scorer.method == "rules" and n == 4
    assert priors.late_share == 0.5
    scores = {s.invoice.customer: s for s in score_open(scorer, hist, as_of, priors)}
    assert scores["LATE"].p_late > scores["NEW"].p_late > scores["GOOD"].p_late
    # expected delay: the customer's average (37.5 days) shrunk towards the company's (18.25)
    assert 20 < scores["LATE"].expected_days_late < 37.5
    assert scores["GOOD"].expected_days_late < scores["NEW"].expected_days_late
    assert all(s.method == "rules" for s in scores.values())
    assert scores["LATE"].factors[0].key == "late_share"


def test_chronological_evaluation_ranks_and_is_calibrated() -> None:
    hist = company_history(seed=3)
    cutoff = START + timedelta(days=360)
    ev = evaluate(hist, cutoff, AS_OF)
    assert ev.method == "model" and ev.train_n > 150 and ev.test_n > 100
    assert ev.auc is not None and ev.auc > 0.85
    assert ev.brier < ev.brier_base_rate  # better than always saying the base rate
    assert sum(b.n for b in ev.reliability) == ev.test_n and len(ev.reliability) == 10
    assert ev.reliability[0].observed < ev.reliability[-1].observed
    assert ev.mae_days is not None and ev.mae_days < 20
    rules = evaluate(hist, cutoff, AS_OF, rules_only=True)
    assert rules.method == "rules" and rules.test_n == ev.test_n
    assert GRACE_DAYS == 5
