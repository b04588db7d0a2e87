"""Analytics use cases: score open sales invoices for late payment, evaluate the model on a
chronological split, and forecast the next weeks' cash.

The model is refitted from the company's own history on every call (a few hundred to a few
thousand invoices fit in well under a second, see bench/bench_risk.py), so a score never rests
on a stale model and nothing needs migrating when the features change. Reads only: no
transaction is written, nothing is audited.

Where the history comes from:
- invoices: posted sales invoices; due = invoice date + the customer's credit days in force when
  the invoice was made (``receivables.items.load_terms``, as aging reads them);
- payments: the receipt applications (核销, ``ar_application``) with their dates; a receipt with
  no application row counts against the invoice it names, and one naming no invoice pays the
  customer's oldest open invoices first;
- credit notes lower what is to be paid and, with dunning disputes, mark the invoice disputed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from yecai.analytics.domain import forecast as fc
from yecai.analytics.domain.evaluation import Evaluation, evaluate
from yecai.analytics.domain.history import GRACE_DAYS, InvoiceFact, Payment, Receipt, apply_receipts
from yecai.analytics.domain.model import Score, fit, score_open
from yecai.core.errors import NotFound, YecaiError
from yecai.core.i18n import gettext
from yecai.core.money import format_minor, round_minor
from yecai.ledger import reports
from yecai.ledger.models import Account, Voucher, VoucherLine
from yecai.masterdata.models import Customer, Supplier
from yecai.purchasing.models import PurchasePayment, VendorBill
from yecai.receivables.items import load_terms
from yecai.receivables.models_dunning import DunningDispute
from yecai.receivables.models_items import ARApplication
from yecai.sales.models import SalesInvoice, SalesReceipt
from yecai.sales.models_returns import SalesCreditNote
from yecai.security.domain import Perm
from yecai.store.uow import UnitOfWork

CASH_ACCOUNTS = ("1001", "1002")  # 库存现金, 银行存款
# Bank lines these documents make are forecast from the documents themselves, not as recurring.
DOCUMENT_CASH_SOURCES = ("sales_receipt", "purchase_payment")
SIMULATIONS_DEFAULT = 2000


class InvalidWeeks(YecaiError):
    code = "analytics.invalid_weeks"
    template = "Weeks must be between 1 and {max}, not {value}"


class InvalidSimulations(YecaiError):
    code = "analytics.invalid_simulations"
    template = "Simulations must be between 1 and {max}, not {value}"


class InvalidCutoff(YecaiError):
    code = "analytics.invalid_cutoff"
    template = "The evaluation cutoff {cutoff} must fall before the end of the data {end}"


class NoHistory(YecaiError):
    code = "analytics.no_history"
    template = "Company {company} has no posted sales invoices to learn from or evaluate on"


@dataclass(frozen=True)
class History:
    invoices: list[InvoiceFact]
    names: dict[str, str]  # customer code → name
    last_day: date | None  # the latest posted voucher of the company


# --- reading the history -------------------------------------------------------------------------


def _history(uow: UnitOfWork, company: Any) -> History:
    s = uow.session
    cid = company.id
    customers = {c.id: c for c in s.execute(select(Customer).where(Customer.company_id == cid)).scalars()}
    terms = load_terms(s, cid)  # credit days in force when each invoice was made, as aging reads them
    invoices = s.execute(
        select(SalesInvoice).where(SalesInvoice.company_id == cid, SalesInvoice.status == "posted")
    ).scalars()
    applied: dict[tuple[str, int], int] = defaultdict(int)  # (source type, source id) → applied
    pays: dict[int, list[Payment]] = defaultdict(list)
    credited: dict[int, int] = defaultdict(int)
    for a in s.execute(
        select(ARApplication)
        .where(ARApplication.company_id == cid)
        .order_by(ARApplication.date, ARApplication.id)
    ).scalars():
        applied[(a.source_type, a.source_id)] += a.amount_minor
        if a.source_type == "sales_receipt":
            pays[a.invoice_id].append(Payment(a.date, a.amount_minor))
        else:
            credited[a.invoice_id] += a.amount_minor
    disputed: set[int] = set()
    for n in s.execute(
        select(SalesCreditNote).where(SalesCreditNote.company_id == cid, SalesCreditNote.status == "posted")
    ).scalars():
        disputed.add(n.invoice_id)
        if ("sales_credit_note", n.id) not in applied:  # before applications were recorded
            credited[n.invoice_id] += n.total_minor
    disputed_nos = {
        no for (no,) in s.execute(select(DunningDispute.doc_no).where(DunningDispute.company_id == cid)) if no
    }
    facts: list[InvoiceFact] = []
    for inv in invoices:
        cust = customers[inv.customer_id]
        days = terms.days_at(inv.customer_id, inv.created_at)
        facts.append(
            InvoiceFact(
                invoice_id=inv.id,
                no=inv.no,
                customer=cust.code,
                day=inv.date,
                due=inv.date + timedelta(days=days),
                amount_minor=inv.total_minor - credited.get(inv.id, 0),
                credit_days=days,
                payments=tuple(_merge(pays.get(inv.id, []))),
                disputed=inv.id in disputed or inv.no in disputed_nos,
            )
        )
    receipts: list[Receipt] = []
    for r in s.execute(
        select(SalesReceipt).where(SalesReceipt.company_id == cid, SalesReceipt.status == "posted")
    ).scalars():
        left = r.amount_minor - applied.get(("sales_receipt", r.id), 0)
        if ("sales_receipt", r.id) in applied or left <= 0:
            continue  # applied (or un-applied) by a person: the applications say it all
        receipts.append(Receipt(customers[r.customer_id].code, r.date, left, r.invoice_id))
    last_day = s.execute(
        select(func.max(Voucher.date)).where(Voucher.company_id == cid, Voucher.status == "posted")
    ).scalar_one()
    return History(
        invoices=apply_receipts(facts, receipts) if receipts else facts,
        names={c.code: c.name for c in customers.values()},
        last_day=last_day,
    )


def _merge(payments: list[Payment]) -> list[Payment]:
    """Applications and their reversals (negative) netted per day, days with nothing left out."""
    by_day: dict[date, int] = defaultdict(int)
    for p in payments:
        by_day[p.day] += p.amount_minor
    return [Payment(d, a) for d, a in sorted(by_day.items()) if a != 0]


def _as_of(history: History, as_of: date | None) -> date:
    """The day the analysis stands on: the one asked for, else today, or the latest posted
    voucher when the books stop before today (a demo, or books not yet kept up to date)."""
    if as_of is not None:
        return as_of
    today = date.today()
    return min(today, history.last_day) if history.last_day else today


# --- late-payment risk ---------------------------------------------------------------------------


def describe(factor: Any, locale: str | None = None) -> str:
    text = gettext(factor.msgid, locale)
    return text.format(**factor.params) if factor.params else text


def _p(p: float) -> Decimal:
    """A probability as an exact decimal (4 places) to weigh money with."""
    return Decimal(f"{p:.4f}")


def _score_view(sc: Score, names: dict[str, str], currency: str, locale: str | None) -> dict[str, Any]:
    inv = sc.invoice
    return {
        "invoice": inv.no,
        "invoice_id": inv.invoice_id,
        "customer": inv.customer,
        "customer_name": names.get(inv.customer, ""),
        "date": inv.day.isoformat(),
        "due_date": inv.due.isoformat(),
        "open_amount": format_minor(sc.open_minor, currency),
        "p_late": f"{sc.p_late:.3f}",
        "expected_days_late": round(sc.expected_days_late),
        "expected_date": sc.expected_date.isoformat(),
        "method": sc.method,
        "factors": [
            {"key": f.key, "text": describe(f, locale), "weight": round(f.weight, 3)} for f in sc.factors
        ],
    }


def _scores(
    uow: UnitOfWork, company_code: str, as_of: date | None, grace_days: int
) -> tuple[date, History, list[Score], int, str]:
    company = uow.company(company_code, Perm.REPORT_VIEW)
    history = _history(uow, company)
    day = _as_of(history, as_of)
    scorer, priors, trained_on = fit(history.invoices, day, grace_days)
    scores = score_open(scorer, history.invoices, day, priors, grace_days)
    return day, history, scores, trained_on, scorer.method


def risk(
    uow: UnitOfWork,
    company_code: str,
    *,
    as_of: date | None = None,
    grace_days: int = GRACE_DAYS,
    locale: str | None = None,
    customer: str | None = None,
) -> dict[str, Any]:
    """Every open sales invoice (of ``customer``, when given) with the probability it is paid late
    (beyond due + grace), its expected payment date and the top factors, riskiest first; and per
    customer the open amount and the part of it expected late."""
    with uow:
        day, history, scores, trained_on, method = _scores(uow, company_code, as_of, grace_days)
        currency = uow.company(company_code, Perm.REPORT_VIEW).base_currency or "CNY"
        if customer is not None:
            if customer not in history.names:
                raise NotFound(what="customer", key=customer, field="customer")
            scores = [sc for sc in scores if sc.invoice.customer == customer]
        per: dict[str, list[Score]] = defaultdict(list)
        for sc in scores:
            per[sc.invoice.customer].append(sc)
        customers = [
            {
                "customer": code,
                "customer_name": history.names.get(code, ""),
                "open_invoices": len(items),
                "open_amount": format_minor(sum(sc.open_minor for sc in items), currency),
                # open amount weighted by each invoice's probability of late payment
                "expected_late_amount": format_minor(
                    round_minor(sum((Decimal(sc.open_minor) * _p(sc.p_late) for sc in items), Decimal(0))),
                    currency,
                ),
            }
            for code, items in per.items()
        ]
        customers.sort(key=lambda c: (-Decimal(c["expected_late_amount"]), c["customer"]))
        return {
            "as_of": day.isoformat(),
            "method": method,
            "trained_on": trained_on,
            "grace_days": grace_days,
            "invoices": [_score_view(sc, history.names, currency, locale) for sc in scores],
            "customers": customers,
        }


def evaluation(
    uow: UnitOfWork,
    company_code: str,
    *,
    cutoff: date | None = None,
    end: date | None = None,
    grace_days: int = GRACE_DAYS,
    rules_only: bool = False,
    refit_days: int | None = None,
) -> Evaluation:
    """The model fitted on what was known at ``cutoff`` (default: two thirds into the invoices'
    dates), judged on the invoices issued after it, with outcomes as known at ``end``."""
    with uow:
        company = uow.company(company_code, Perm.REPORT_VIEW)
        history = _history(uow, company)
        if not history.invoices:
            raise NoHistory(company=company_code, field="company")
        last = _as_of(history, end)
        days = sorted(f.day for f in history.invoices)
        if cutoff is None:
            cutoff = days[len(days) * 2 // 3] if days else last
        if cutoff >= last:
            raise InvalidCutoff(cutoff=cutoff.isoformat(), end=last.isoformat(), field="cutoff")
        return evaluate(
            history.invoices, cutoff, last, grace_days, rules_only=rules_only, refit_days=refit_days
        )


# --- cash-flow forecast ----------------------------------------------------------------------------


def _payables(uow: UnitOfWork, company: Any, as_of: date) -> list[fc.Outflow]:
    """Open vendor bills on their due dates (bill date + the supplier's credit days). Payments
    against a bill settle it; payments on account settle the supplier's oldest bills first."""
    s = uow.session
    cid = company.id
    days = {
        sup.id: sup.credit_days or 0
        for sup in s.execute(select(Supplier).where(Supplier.company_id == cid)).scalars()
    }
    bills = (
        s.execute(
            select(VendorBill)
            .where(VendorBill.company_id == cid, VendorBill.status == "posted", VendorBill.date <= as_of)
            .order_by(VendorBill.date, VendorBill.id)
        )
        .scalars()
        .all()
    )
    open_of = {b.id: b.total_minor for b in bills}
    on_account: dict[int, int] = defaultdict(int)
    for p in s.execute(
        select(PurchasePayment).where(
            PurchasePayment.company_id == cid,
            PurchasePayment.status == "posted",
            PurchasePayment.date <= as_of,
        )
    ).scalars():
        if p.bill_id is not None and p.bill_id in open_of:
            open_of[p.bill_id] -= p.amount_minor
        else:
            on_account[p.supplier_id] += p.amount_minor
    out: list[fc.Outflow] = []
    for b in bills:
        left = open_of[b.id]
        take = min(max(left, 0), on_account.get(b.supplier_id, 0))
        on_account[b.supplier_id] = on_account.get(b.supplier_id, 0) - take
        left -= take
        if left > 0:
            out.append(fc.Outflow(b.no, left, b.date + timedelta(days=days.get(b.supplier_id, 0))))
    return out


def _bank_lines(uow: UnitOfWork, company: Any, as_of: date) -> list[fc.BankLine]:
    s = uow.session
    cid = company.id
    first = date(as_of.year - 1 if as_of.month <= fc.RECURRING_MONTHS else as_of.year, 1, 1)
    ids = [
        a.id
        for a in s.execute(select(Account).where(Account.company_id == cid)).scalars()
        if any(a.code.startswith(c) for c in CASH_ACCOUNTS)
    ]
    rows = s.execute(
        select(
            Voucher.date,
            VoucherLine.debit_minor - VoucherLine.credit_minor,
            VoucherLine.summary,
            Voucher.source_type,
        )
        .join(Voucher, Voucher.id == VoucherLine.voucher_id)
        .where(
            VoucherLine.company_id == cid,
            VoucherLine.account_id.in_(ids),
            Voucher.status == "posted",
            Voucher.date >= first,
            Voucher.date <= as_of,
            Voucher.source_type.not_in(DOCUMENT_CASH_SOURCES),
        )
    ).all()
    return [fc.BankLine(d, int(a), summary, source or "manual") for d, a, summary, source in rows]


def forecast(
    uow: UnitOfWork,
    company_code: str,
    *,
    weeks: int = 13,
    as_of: date | None = None,
    simulations: int = SIMULATIONS_DEFAULT,
    seed: int = 0,
    grace_days: int = GRACE_DAYS,
) -> dict[str, Any]:
    """Cash for the next ``weeks`` weeks: opening cash (1001 + 1002 at ``as_of``), expected
    receipts from the open invoices' payment-date distributions, open vendor bills on their due
    dates, recurring bank items from the ledger; closing cash each week with a P10/P50/P90 band."""
    if not 1 <= weeks <= fc.WEEKS_MAX:
        raise InvalidWeeks(max=fc.WEEKS_MAX, value=weeks, field="weeks")
    if not 1 <= simulations <= fc.SIMULATIONS_MAX:
        raise InvalidSimulations(max=fc.SIMULATIONS_MAX, value=simulations, field="simulations")
    with uow:
        day, history, scores, _n, method = _scores(uow, company_code, as_of, grace_days)
        company = uow.company(company_code, Perm.REPORT_VIEW)
        currency = company.base_currency or "CNY"
        opening = sum(
            reports.account_balance_at(uow, company_code, code, day) for code in _cash_roots(uow, company)
        )
        inflows = [
            fc.Inflow(sc.invoice.no, sc.open_minor, sc.invoice.due, sc.offsets, sc.invoice.customer)
            for sc in scores
        ]
        outflows = _payables(uow, company, day)
        lines = _bank_lines(uow, company, day)
        recurring = fc.recurring_items(lines, day)
        seen = fc.seen_this_month(lines, recurring, day)
        result = fc.simulate(
            as_of=day,
            opening_minor=opening,
            inflows=inflows,
            outflows=outflows,
            recurring=recurring,
            recurring_seen=seen,
            weeks=weeks,
            simulations=simulations,
            seed=seed,
        )
        m = lambda v: format_minor(v, currency)  # noqa: E731
        return {
            "as_of": day.isoformat(),
            "currency": currency,
            "method": method,
            "opening": m(result.opening_minor),
            "receivables_open": m(sum(i.amount_minor for i in inflows)),
            "payables_open": m(sum(o.amount_minor for o in outflows)),
            "receipts_beyond": m(result.beyond_minor),
            "simulations": simulations,
            "seed": seed,
            "recurring": [
                {
                    "label": r.label,
                    "amount": m(r.amount_minor),
                    "day_of_month": r.day_of_month,
                    "months_seen": r.months_seen,
                }
                for r in recurring
            ],
            "weeks": [
                {
                    "week": w.week,
                    "start": w.start.isoformat(),
                    "end": w.end.isoformat(),
                    "receipts": m(w.receipts_minor),
                    "receipts_p10": m(w.receipts_p10_minor),
                    "receipts_p90": m(w.receipts_p90_minor),
                    "payables": m(w.payables_minor),
                    "recurring_in": m(w.recurring_in_minor),
                    "recurring_out": m(w.recurring_out_minor),
                    "net": m(w.net_minor),
                    "closing": m(w.closing_minor),
                    "closing_p10": m(w.closing_p10_minor),
                    "closing_p50": m(w.closing_p50_minor),
                    "closing_p90": m(w.closing_p90_minor),
                }
                for w in result.weeks
            ],
        }


def _cash_roots(uow: UnitOfWork, company: Any) -> list[str]:
    """1001 and 1002 where the company's chart has them."""
    have = set(
        uow.session.execute(
            select(Account.code).where(Account.company_id == company.id, Account.code.in_(CASH_ACCOUNTS))
        ).scalars()
    )
    return [c for c in CASH_ACCOUNTS if c in have]


def evaluation_view(ev: Evaluation) -> dict[str, Any]:
    r = lambda x: None if x is None else round(x, 4)  # noqa: E731
    return {
        "cutoff": ev.cutoff.isoformat(),
        "end": ev.end.isoformat(),
        "method": ev.method,
        "train_invoices": ev.train_n,
        "test_invoices": ev.test_n,
        "test_late_share": r(ev.test_late_share),
        "auc": r(ev.auc),
        "brier": r(ev.brier),
        "brier_base_rate": r(ev.brier_base_rate),
        "mae_days": r(ev.mae_days),
        "reliability": [
            {"decile": i + 1, "invoices": b.n, "mean_p": r(b.mean_p), "observed": r(b.observed)}
            for i, b in enumerate(ev.reliability)
        ],
    }
