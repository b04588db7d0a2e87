"""Late-payment model and cash forecast benchmark: AUC and calibration on a chronological split
of the demo company's history, the same on a larger generated history, and how long fitting,
scoring and forecasting take.

    .venv/bin/python bench/bench_risk.py [--db URL] [--company DEMO] [--customers 300]

Without --db the demo company (`yecai demo load`, seed 7, about four minutes) is loaded into a
fresh SQLite file under bench/out/risk/ (kept and reused on the next run).

Evaluation (both histories): the model is fitted on what was known at the cutoff and refitted
every 30 days after it, as it would be in use; each invoice issued after the cutoff is scored on
its invoice date with the model of that day, and compared with what happened by the end of the
data (paid more than 5 days after the due date, or still unpaid by then beyond it = late).
- AUC: how well the scores rank late invoices above punctual ones;
- Brier score (mean squared error of the probability; lower is better) against the base rate
  (always predicting the training late share);
- reliability by decile: invoices sorted by score in ten equal groups, mean score vs late share;
- the cold-start rules judged the same way, for comparison.
Prints the figures and writes bench/out/risk.json.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import asdict, replace
from datetime import date, timedelta
from pathlib import Path

from yecai.analytics import service
from yecai.analytics.domain.evaluation import Evaluation, evaluate
from yecai.analytics.domain.features import around_spring_festival
from yecai.analytics.domain.forecast import Inflow, simulate
from yecai.analytics.domain.history import InvoiceFact, Payment
from yecai.analytics.domain.model import fit, score_open
from yecai.store.db import Database, get_database, upgrade
from yecai.store.uow import SYSTEM, UnitOfWork

OUT = Path(__file__).resolve().parent / "out"
DEMO_CUTOFF = date(2025, 5, 1)
REFIT_DAYS = 30


def demo_db(url: str | None, company: str) -> Database:
    if url is None:
        path = OUT / "risk" / "demo.db"
        path.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{path}"
        upgrade(url)
        db = get_database(url)
        from yecai.ledger import service as ledger

        if not any(c["code"] == company for c in ledger.list_companies(UnitOfWork(db, SYSTEM))):
            from yecai.demo.manufacturer import load

            print(f"loading the demo company {company} into {path} (about four minutes) …", file=sys.stderr)
            load(db, SYSTEM, company=company, seed=7)
        return db
    upgrade(url)
    return get_database(url)


def generate(customers: int, days: int, seed: int) -> list[InvoiceFact]:
    """A larger company in the demo's image: habits per customer (punctual, late, very late),
    some slowing down over time, 春节, unusually large and disputed invoices wait longer."""
    rnd = random.Random(seed)
    start = date(2024, 1, 1)
    end = start + timedelta(days=days)
    out: list[InvoiceFact] = []
    no = 0
    for c in range(customers):
        code = f"C{c:04d}"
        habit = rnd.random()
        lo, hi = (-5, 3) if habit < 0.6 else (5, 30) if habit < 0.88 else (30, 75)
        slowing = rnd.random() < 0.12
        usual = rnd.randint(5_000, 200_000) * 100
        terms = rnd.choice((30, 45, 60, 90))
        day = start + timedelta(days=rnd.randint(0, 40))
        while day < end:
            no += 1
            amount = int(usual * rnd.lognormvariate(0, 0.5))
            due = day + timedelta(days=terms)
            disputed = rnd.random() < 0.05
            slip = rnd.randint(lo, hi)
            slip += int((day - start).days / 30 * 3) if slowing else 0
            slip += 12 if around_spring_festival(due) else 0
            slip += 10 if amount > 2 * usual else 0
            slip += 15 if disputed else 0
            paid = due + timedelta(days=slip)
            payments = (Payment(paid, amount),) if paid <= end else ()
            out.append(InvoiceFact(no, f"SI-{no:06d}", code, day, due, amount, terms, payments, disputed))
            day += timedelta(days=rnd.randint(10, 50))
    return out


def backtest_receipts(invoices: list[InvoiceFact], as_of: date, weeks: int) -> dict[str, object]:
    """The receipts part of the forecast against what happened: invoices open on ``as_of`` scored
    as then, simulated week by week, compared with the receipts they actually brought. Counts the
    weeks whose actual receipts fall inside the simulated P10–P90 band, and the cumulative actual
    inside the band of cumulative receipts."""
    known = [
        replace(f, payments=tuple(p for p in f.payments if p.day <= as_of))
        for f in invoices
        if f.day <= as_of
    ]
    scorer, priors, _n = fit(known, as_of)
    scores = score_open(scorer, known, as_of, priors)
    inflows = [
        Inflow(s.invoice.no, s.open_minor, s.invoice.due, s.offsets, s.invoice.customer) for s in scores
    ]
    f = simulate(as_of=as_of, opening_minor=0, inflows=inflows, outflows=[], weeks=weeks, simulations=2000)
    by_no = {i.no: i for i in invoices}
    actual = [0] * weeks
    for s in scores:
        for p in by_no[s.invoice.no].payments:
            w = ((p.day - as_of).days - 1) // 7
            if p.day > as_of and w < weeks:
                actual[w] += p.amount_minor
    inside = sum(
        1 for w, a in zip(f.weeks, actual, strict=True) if w.receipts_p10_minor <= a <= w.receipts_p90_minor
    )
    cum = 0
    cum_inside = 0
    for w, a in zip(f.weeks, actual, strict=True):
        cum += a
        cum_inside += w.closing_p10_minor <= cum <= w.closing_p90_minor
    return {
        "as_of": as_of.isoformat(),
        "open_invoices": len(scores),
        "expected_minor": sum(w.receipts_minor for w in f.weeks),
        "actual_minor": sum(actual),
        "weeks_inside_band": inside,
        "cumulative_weeks_inside_band": cum_inside,
        "weeks": weeks,
    }


def view(ev: Evaluation) -> dict[str, object]:
    d = asdict(ev)
    d["cutoff"], d["end"] = ev.cutoff.isoformat(), ev.end.isoformat()
    return d


def show(title: str, ev: Evaluation, rules: Evaluation) -> None:
    print(f"\n{title}: cutoff {ev.cutoff}, end {ev.end}, refit every {REFIT_DAYS} days")
    print(
        f"  trained on {ev.train_n} at the cutoff; scored {ev.test_n} (late share {ev.test_late_share:.1%})"
    )
    for name, e in (("model", ev), ("rules", rules)):
        auc = "n/a" if e.auc is None else f"{e.auc:.3f}"
        print(
            f"  {name:6} [{e.method}] AUC {auc}  Brier {e.brier:.4f} (base rate {e.brier_base_rate:.4f})"
            f"  MAE days late {e.mae_days or 0:.1f}"
        )
    print("  reliability by decile (mean score → observed late share, n):")
    print("   " + "  ".join(f"{b.mean_p:.2f}→{b.observed:.2f} ({b.n})" for b in ev.reliability))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", help="database URL holding the demo company (default: load one)")
    ap.add_argument("--company", default="DEMO")
    ap.add_argument("--customers", type=int, default=300, help="customers in the generated history")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    results: dict[str, object] = {}

    db = demo_db(args.db, args.company)
    u = lambda: UnitOfWork(db, SYSTEM)  # noqa: E731
    ev = service.evaluation(u(), args.company, cutoff=DEMO_CUTOFF, refit_days=REFIT_DAYS)
    rules = service.evaluation(u(), args.company, cutoff=DEMO_CUTOFF, refit_days=REFIT_DAYS, rules_only=True)
    show(f"demo company {args.company}", ev, rules)
    # CPU seconds: the machine is shared, wall time says more about the neighbours than about us
    t = time.process_time()
    risk = service.risk(u(), args.company)
    risk_s = time.process_time() - t
    t = time.process_time()
    fc = service.forecast(u(), args.company)
    forecast_s = time.process_time() - t
    print(
        f"  risk: {len(risk['invoices'])} open invoices scored in {risk_s:.2f} s CPU ({risk['method']}, "
        f"{risk['trained_on']} learnt from, refitted in the call); forecast 13 weeks × {fc['simulations']} "
        f"runs in {forecast_s:.2f} s CPU"
    )
    with u() as w:
        demo_hist = service._history(w, w.company(args.company, "report.view")).invoices
    backtests = [backtest_receipts(demo_hist, day, 13) for day in (date(2025, 8, 31), date(2025, 9, 30))]
    for b in backtests:
        print(
            f"  receipts backtest from {b['as_of']}: {b['open_invoices']} open invoices, 13 weeks: expected "
            f"{int(b['expected_minor']) / 100:,.0f}, actual {int(b['actual_minor']) / 100:,.0f}; actual inside "
            f"P10–P90 in {b['weeks_inside_band']}/13 weeks, cumulative inside in {b['cumulative_weeks_inside_band']}/13"
        )
    results["demo"] = {
        "receipts_backtests": backtests,
        "model": view(ev),
        "rules": view(rules),
        "risk_cpu_seconds": round(risk_s, 3),
        "forecast_cpu_seconds": round(forecast_s, 3),
        "open_invoices": len(risk["invoices"]),
    }

    days = 730
    hist = generate(args.customers, days, args.seed)
    start = min(f.day for f in hist)
    cutoff, end = start + timedelta(days=365), start + timedelta(days=days)
    ev = evaluate(hist, cutoff, end, refit_days=REFIT_DAYS)
    rules = evaluate(hist, cutoff, end, refit_days=REFIT_DAYS, rules_only=True)
    show(f"generated history: {args.customers} customers, {len(hist)} invoices over two years", ev, rules)
    t = time.process_time()
    scorer, priors, n = fit(hist, end)
    fit_s = time.process_time() - t
    t = time.process_time()
    scores = score_open(scorer, hist, end, priors)
    score_s = time.process_time() - t
    print(
        f"  fit on {n} invoices in {fit_s:.2f} s CPU; {len(scores)} open invoices scored in {score_s:.2f} s CPU"
    )
    results["generated"] = {
        "customers": args.customers,
        "invoices": len(hist),
        "model": view(ev),
        "rules": view(rules),
        "fit_cpu_seconds": round(fit_s, 3),
        "fit_invoices": n,
        "score_cpu_seconds": round(score_s, 3),
        "open_invoices": len(scores),
    }
    (OUT / "risk.json").write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str))
    print(f"\nwritten to {OUT / 'risk.json'}")


if __name__ == "__main__":
    main()
