"""The books: trial balance, general ledger, subledger, dimension balances, balance sheet and
income statement. Read-only use cases over posted vouchers.

Figures are integer minor units (分). Balances are kept as "net" = debit - credit; a balance is
shown on ONE side (net > 0 on the debit side, net < 0 on the credit side) or, in ledgers, as an
absolute amount with a direction 借/贷/平. A parent account's figures are the sums of its
descendants'.

Where the numbers come from:

* ``account_balance`` (posted movements per leaf account and period, maintained at posting)
  feeds everything that works on whole periods: trial balance, general ledger, balance sheet,
  income statement. Their cost does not grow with the number of voucher lines.
* ``voucher_line`` joined to posted ``voucher`` feeds what needs single lines or dimensions:
  subledger, dimension balances, the balance at a date inside a period, and the closing
  vouchers the income statement takes out again.

Every figure drills down: rows carry account codes (→ subledger) and subledger rows carry
voucher ids (→ voucher).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from yecai.core.errors import NotFound, YecaiError
from yecai.core.periods import Period, period_range
from yecai.ledger import templates
from yecai.ledger.domain import DIMENSIONS
from yecai.ledger.models import Account, AccountBalance, Company, DimensionValue, Voucher, VoucherLine
from yecai.security.domain import Perm
from yecai.store.uow import UnitOfWork

PAGE_SIZE_MAX = 5000
PERIOD_SPAN_MAX = 12 * 50  # a report range longer than 50 years is a typo, not a request
CLOSING_SOURCE_TYPE = "closing"
DEBIT, CREDIT, FLAT = "借", "贷", "平"


# --- errors ------------------------------------------------------------------------------------


class ReportPeriodRange(YecaiError):
    code = "report.period_range"
    template = "Period range {first} to {last} is invalid: the end must not be before the start"


class ReportPeriodSpanTooLong(YecaiError):
    code = "report.period_span"
    template = "Period range {first} to {last} spans more than {max} periods"


class ReportDimensionInvalid(YecaiError):
    code = "report.dimension_invalid"
    template = (
        "Unknown dimension {dimension!r} (expected one of customer, supplier, department, project, employee)"
    )


class ReportDimensionValueWithoutDimension(YecaiError):
    code = "report.dimension_value_without_dimension"
    template = (
        "A dimension value ({value!r}) needs a dimension (customer, supplier, department, project, employee)"
    )


class StatementNotCovered(YecaiError):
    code = "report.statement_not_covered"
    template = "The {statement} cannot be drawn up: {detail}"


# --- values ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrialBalanceRow:
    account_code: str
    account_name: str
    level: int
    is_leaf: bool
    direction: str
    opening_debit: int
    opening_credit: int
    period_debit: int
    period_credit: int
    closing_debit: int
    closing_credit: int


@dataclass(frozen=True)
class StatementRow:
    line_no: int
    key: str
    name: str
    name_en: str
    amount: int
    comparative: int
    is_header: bool = False
    # Account-code prefixes the line's formula names (directly, not through other lines):
    # the UI links each to the subledger.
    accounts: tuple[str, ...] = ()
    side: str | None = None  # balance sheet: asset | liability_equity


def sides(net: int) -> tuple[int, int]:
    """A net (debit - credit) balance as (debit, credit), one of them 0."""
    return (net, 0) if net >= 0 else (0, -net)


def direction_of(net: int) -> str:
    return DEBIT if net > 0 else CREDIT if net < 0 else FLAT


# --- shared loading ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Acc:
    id: int
    code: str
    name: str
    name_en: str
    parent_id: int | None
    level: int
    is_leaf: bool
    direction: str
    category: str


@dataclass
class _Chart:
    """A company's accounts, with each account's ancestors, loaded once per command."""

    by_id: dict[int, _Acc]
    by_code: dict[str, _Acc]
    ancestors: dict[int, tuple[int, ...]] = field(default_factory=dict)  # self first, then up

    @classmethod
    def load(cls, s: Session, company_id: int) -> _Chart:
        by_id = {
            r.id: _Acc(
                r.id, r.code, r.name, r.name_en, r.parent_id, r.level, r.is_leaf, r.direction, r.category
            )
            for r in s.execute(
                select(
                    Account.id,
                    Account.code,
                    Account.name,
                    Account.name_en,
                    Account.parent_id,
                    Account.level,
                    Account.is_leaf,
                    Account.direction,
                    Account.category,
                ).where(Account.company_id == company_id)
            )
        }
        chart = cls(by_id, {a.code: a for a in by_id.values()})
        for a in by_id.values():
            chain = [a.id]
            parent = a.parent_id
            while parent is not None:
                chain.append(parent)
                parent = by_id[parent].parent_id
            chart.ancestors[a.id] = tuple(chain)
        return chart

    def get(self, code: str, field_name: str = "account") -> _Acc:
        acc = self.by_code.get(code.strip())
        if acc is None:
            raise NotFound(what="account", key=code, field=field_name)
        return acc

    def subtree_ids(self, root: _Acc) -> list[int]:
        return [aid for aid, chain in self.ancestors.items() if root.id in chain]

    def rollup(self, per_leaf: dict[int, list[int]], width: int) -> dict[int, list[int]]:
        """Sum per-account vectors up to every ancestor."""
        out: dict[int, list[int]] = {}
        for aid, vec in per_leaf.items():
            for anc in self.ancestors.get(aid, (aid,)):
                acc = out.setdefault(anc, [0] * width)
                for i in range(width):
                    acc[i] += vec[i]
        return out

    def mapping(self) -> dict[str, tuple[str, str]]:
        return {a.code: (a.direction, a.category) for a in self.by_code.values()}


def _range(period_from: str, period_to: str | None) -> tuple[Period, Period]:
    first = Period.parse(period_from)
    last = Period.parse(period_to) if period_to else first
    if last < first:
        raise ReportPeriodRange(first=str(first), last=str(last), field="to")
    if (last.year - first.year) * 12 + last.month - first.month >= PERIOD_SPAN_MAX:
        raise ReportPeriodSpanTooLong(first=str(first), last=str(last), max=PERIOD_SPAN_MAX, field="to")
    return first, last


def _company(uow: UnitOfWork, company_code: str, perm: str = Perm.REPORT_VIEW) -> Company:
    return uow.company(company_code, perm)


def report_currency(uow: UnitOfWork, company_code: str) -> str:
    """The base currency the company's figures are kept in (for formatting minor units)."""
    with uow:
        return str(_company(uow, company_code).base_currency)


def _posted_lines() -> Any:
    """voucher_line joined to its posted voucher."""
    return and_(Voucher.id == VoucherLine.voucher_id, Voucher.status == "posted")


# --- trial balance -----------------------------------------------------------------------------


def trial_balance(
    uow: UnitOfWork,
    company_code: str,
    period_from: str,
    period_to: str | None = None,
    *,
    level_max: int | None = None,
    include_zero: bool = False,
) -> list[TrialBalanceRow]:
    """科目余额表 for [period_from, period_to]; opening = everything posted before period_from.

    One aggregate over ``account_balance`` (a few rows per account and period), so its cost
    does not depend on the number of voucher lines.
    """
    first, last = _range(period_from, period_to)
    with uow:
        company = _company(uow, company_code)
        s = uow.session
        chart = _Chart.load(s, company.id)
        ab = AccountBalance
        before = ab.period < first.key
        q = (
            select(
                ab.account_id,
                func.sum(case((before, ab.debit_minor - ab.credit_minor), else_=0)),
                func.sum(case((before, 0), else_=ab.debit_minor)),
                func.sum(case((before, 0), else_=ab.credit_minor)),
            )
            .where(ab.company_id == company.id, ab.period <= last.key)
            .group_by(ab.account_id)
        )
        per_leaf = {aid: [int(o or 0), int(d or 0), int(c or 0)] for aid, o, d, c in s.execute(q)}
    totals = chart.rollup(per_leaf, 3)
    rows: list[TrialBalanceRow] = []
    for acc in sorted(chart.by_id.values(), key=lambda a: a.code):
        if level_max is not None and acc.level > level_max:
            continue
        opening, debit, credit = totals.get(acc.id, (0, 0, 0))
        closing = opening + debit - credit
        if not include_zero and opening == 0 and debit == 0 and credit == 0 and closing == 0:
            continue
        od, oc = sides(opening)
        cd, cc = sides(closing)
        rows.append(
            TrialBalanceRow(
                account_code=acc.code,
                account_name=acc.name,
                level=acc.level,
                is_leaf=acc.is_leaf,
                direction=acc.direction,
                opening_debit=od,
                opening_credit=oc,
                period_debit=debit,
                period_credit=credit,
                closing_debit=cd,
                closing_credit=cc,
            )
        )
    return rows


TOTAL_COLUMNS = (
    "opening_debit",
    "opening_credit",
    "period_debit",
    "period_credit",
    "closing_debit",
    "closing_credit",
)


def trial_balance_totals(rows: Sequence[TrialBalanceRow]) -> dict[str, int]:
    """Column totals over the lowest rows shown (the leaf rows when no level limit applies).

    A row counts when no other row is its descendant, so a level-limited balance adds up its
    deepest rows instead of double counting parents. Debits equal credits in every column pair.
    """
    codes = sorted(r.account_code for r in rows)
    has_child = {a for a, b in zip(codes, codes[1:], strict=False) if b.startswith(a) and len(b) > len(a)}
    out = dict.fromkeys(TOTAL_COLUMNS, 0)
    for r in rows:
        if r.is_leaf or r.account_code not in has_child:
            for c in TOTAL_COLUMNS:
                out[c] += getattr(r, c)
    return out


# --- balance at a date -------------------------------------------------------------------------


def account_balance_at(uow: UnitOfWork, company_code: str, account_code: str, on: date) -> int:
    """Net (debit - credit) of an account and its descendants at the end of ``on``."""
    p = Period.of(on)
    with uow:
        company = _company(uow, company_code)
        s = uow.session
        chart = _Chart.load(s, company.id)
        ids = chart.subtree_ids(chart.get(account_code))
        before = s.execute(
            select(func.sum(AccountBalance.debit_minor - AccountBalance.credit_minor)).where(
                AccountBalance.company_id == company.id,
                AccountBalance.account_id.in_(ids),
                AccountBalance.period < p.key,
            )
        ).scalar_one()
        within = s.execute(
            select(func.sum(VoucherLine.debit_minor - VoucherLine.credit_minor))
            .join(Voucher, _posted_lines())
            .where(
                VoucherLine.company_id == company.id,
                VoucherLine.account_id.in_(ids),
                VoucherLine.period == p.key,
                Voucher.date <= on,
            )
        ).scalar_one()
    return int(before or 0) + int(within or 0)


# --- general ledger ----------------------------------------------------------------------------


def general_ledger(
    uow: UnitOfWork,
    company_code: str,
    period_from: str,
    period_to: str | None = None,
    *,
    account_code: str | None = None,
) -> list[dict[str, Any]]:
    """总账: per account (first-level accounts, or the one asked for) and period.

    Each row: account_code, account_name, period ('YYYY-MM'), opening (net), period_debit,
    period_credit, ytd_debit, ytd_credit (from January of the period's year), closing (net),
    and for printing opening_balance/closing_balance (absolute) with opening_direction/
    closing_direction 借/贷/平. Amounts in minor units.
    """
    first, last = _range(period_from, period_to)
    year_start = Period(first.year, 1)
    with uow:
        company = _company(uow, company_code)
        s = uow.session
        chart = _Chart.load(s, company.id)
        if account_code:
            targets = [chart.get(account_code)]
        else:
            targets = sorted((a for a in chart.by_id.values() if a.parent_id is None), key=lambda a: a.code)
        ab = AccountBalance
        opening_leaf = {
            aid: [int(n or 0)]
            for aid, n in s.execute(
                select(ab.account_id, func.sum(ab.debit_minor - ab.credit_minor))
                .where(ab.company_id == company.id, ab.period < year_start.key)
                .group_by(ab.account_id)
            )
        }
        moves: dict[int, dict[int, list[int]]] = {}
        for aid, period, d, c in s.execute(
            select(ab.account_id, ab.period, ab.debit_minor, ab.credit_minor).where(
                ab.company_id == company.id, ab.period >= year_start.key, ab.period <= last.key
            )
        ):
            moves.setdefault(period, {})[aid] = [int(d), int(c)]
    opening = {k: v[0] for k, v in chart.rollup(opening_leaf, 1).items()}
    per_period = {p: chart.rollup(m, 2) for p, m in moves.items()}
    rows: list[dict[str, Any]] = []
    for acc in targets:
        balance = opening.get(acc.id, 0)
        ytd_d = ytd_c = 0
        acc_rows: list[dict[str, Any]] = []
        for p in period_range(year_start, last):
            if p.month == 1:
                ytd_d = ytd_c = 0
            d, c = per_period.get(p.key, {}).get(acc.id, (0, 0))
            ytd_d += d
            ytd_c += c
            open_net = balance
            balance += d - c
            if p < first:
                continue
            acc_rows.append(
                {
                    "account_code": acc.code,
                    "account_name": acc.name,
                    "period": str(p),
                    "opening": open_net,
                    "opening_balance": abs(open_net),
                    "opening_direction": direction_of(open_net),
                    "period_debit": d,
                    "period_credit": c,
                    "ytd_debit": ytd_d,
                    "ytd_credit": ytd_c,
                    "closing": balance,
                    "closing_balance": abs(balance),
                    "closing_direction": direction_of(balance),
                }
            )
        if account_code or any(
            r["opening"] or r["period_debit"] or r["period_credit"] or r["ytd_debit"] or r["ytd_credit"]
            for r in acc_rows
        ):
            rows.extend(acc_rows)
    return rows


# --- subledger and dimensions ------------------------------------------------------------------


def _dimension_filter(
    s: Session, company_id: int, dimension: str | None, value: str | None
) -> tuple[Any, int | None]:
    """(voucher_line column, dimension_value id) for a filter, or (None, None) without one."""
    if not dimension:
        if value:
            raise ReportDimensionValueWithoutDimension(value=value, field="dimension")
        return None, None
    if dimension not in DIMENSIONS:
        raise ReportDimensionInvalid(dimension=dimension, field="dimension")
    column = getattr(VoucherLine, f"{dimension}_id")
    if not value:
        return column, None
    vid = s.execute(
        select(DimensionValue.id).where(
            DimensionValue.company_id == company_id,
            DimensionValue.dim_type == dimension,
            DimensionValue.code == value.strip(),
        )
    ).scalar_one_or_none()
    if vid is None:
        raise NotFound(what=dimension, key=value, field="value")
    return column, vid


def subledger(
    uow: UnitOfWork,
    company_code: str,
    account_code: str,
    period_from: str,
    period_to: str | None = None,
    *,
    dimension: str | None = None,
    value: str | None = None,
    page: int = 1,
    page_size: int = 500,
) -> dict[str, Any]:
    """明细账 of an account (a parent includes its descendants), optionally of one dimension value.

    Returns {account_code, account_name, direction, period_from, period_to, dimension, value,
    opening, closing, total (posted lines in range), page, page_size, pages, rows}. ``rows`` is
    this page of the printed ledger in order, each with ``kind``:

    * ``opening`` (page 1): 期初余额;
    * ``line``: date, period, voucher_id, voucher_no, line_no, account_code, summary, debit,
      credit, net (running debit - credit), balance (absolute) and direction 借/贷/平;
    * ``month_total`` / ``year_total`` after a period's last line: 本月合计 / 本年累计 with the
      period's closing balance; a period without lines still gets its totals.

    Lines are ordered by date, voucher word and number, line number. Amounts in minor units.
    """
    first, last = _range(period_from, period_to)
    page_size = max(1, min(page_size, PAGE_SIZE_MAX))
    page = max(1, page)
    year_start = Period(first.year, 1)
    with uow:
        company = _company(uow, company_code)
        s = uow.session
        chart = _Chart.load(s, company.id)
        root = chart.get(account_code)
        ids = chart.subtree_ids(root)
        dim_col, dim_id = _dimension_filter(s, company.id, dimension, value)

        def line_filter(q: Any) -> Any:
            q = q.where(VoucherLine.company_id == company.id, VoucherLine.account_id.in_(ids))
            if dim_id is not None:
                q = q.where(dim_col == dim_id)
            return q

        # Balance before the year and movements per period from January on.
        if dim_id is None:
            ab = AccountBalance
            base = s.execute(
                select(func.sum(ab.debit_minor - ab.credit_minor)).where(
                    ab.company_id == company.id, ab.account_id.in_(ids), ab.period < year_start.key
                )
            ).scalar_one()
            movements = {
                p: (int(d or 0), int(c or 0))
                for p, d, c in s.execute(
                    select(ab.period, func.sum(ab.debit_minor), func.sum(ab.credit_minor))
                    .where(
                        ab.company_id == company.id,
                        ab.account_id.in_(ids),
                        ab.period >= year_start.key,
                        ab.period <= last.key,
                    )
                    .group_by(ab.period)
                )
            }
        else:
            base = s.execute(
                line_filter(
                    select(func.sum(VoucherLine.debit_minor - VoucherLine.credit_minor)).join(
                        Voucher, _posted_lines()
                    )
                ).where(VoucherLine.period < year_start.key)
            ).scalar_one()
            movements = {
                p: (int(d or 0), int(c or 0))
                for p, d, c in s.execute(
                    line_filter(
                        select(
                            VoucherLine.period,
                            func.sum(VoucherLine.debit_minor),
                            func.sum(VoucherLine.credit_minor),
                        ).join(Voucher, _posted_lines())
                    )
                    .where(VoucherLine.period >= year_start.key, VoucherLine.period <= last.key)
                    .group_by(VoucherLine.period)
                )
            }
        counts: dict[int, int] = {
            p: int(n)
            for p, n in s.execute(
                line_filter(select(VoucherLine.period, func.count()).join(Voucher, _posted_lines()))
                .where(VoucherLine.period >= first.key, VoucherLine.period <= last.key)
                .group_by(VoucherLine.period)
            )
        }
        total = sum(counts.values())
        start = (page - 1) * page_size
        lines_q = (
            line_filter(
                select(
                    Voucher.date,
                    VoucherLine.period,
                    Voucher.id,
                    Voucher.word,
                    Voucher.number,
                    VoucherLine.line_no,
                    VoucherLine.account_id,
                    VoucherLine.summary,
                    VoucherLine.debit_minor,
                    VoucherLine.credit_minor,
                    func.sum(VoucherLine.debit_minor - VoucherLine.credit_minor).over(
                        order_by=(
                            Voucher.date,
                            Voucher.word,
                            Voucher.number,
                            VoucherLine.line_no,
                            VoucherLine.id,
                        ),
                        rows=(None, 0),
                    ),
                ).join(Voucher, _posted_lines())
            )
            .where(VoucherLine.period >= first.key, VoucherLine.period <= last.key)
            .order_by(Voucher.date, Voucher.word, Voucher.number, VoucherLine.line_no, VoucherLine.id)
            .offset(start)
            .limit(page_size)
        )
        fetched = s.execute(lines_q).all() if start < total or page == 1 else []

    # Opening balance of the range and closing balance / running totals per period.
    balance = int(base or 0)
    opening = balance
    per_period: dict[int, dict[str, int]] = {}
    ytd_d = ytd_c = 0
    position = 0
    for p in period_range(year_start, last):
        if p.month == 1:
            ytd_d = ytd_c = 0
        d, c = movements.get(p.key, (0, 0))
        ytd_d += d
        ytd_c += c
        if p < first:
            opening += d - c
            balance = opening
            continue
        balance += d - c
        position += int(counts.get(p.key, 0))
        per_period[p.key] = {"debit": d, "credit": c, "ytd_debit": ytd_d, "ytd_credit": ytd_c}
        per_period[p.key].update({"closing": balance, "position": position})
    end = start + len(fetched)

    rows: list[dict[str, Any]] = []
    if page == 1:
        rows.append(_ledger_row("opening", str(first), opening))
    totals_by_position: dict[int, list[int]] = {}
    for key, info in per_period.items():
        pos = info["position"]
        if start < pos <= end or (pos == 0 and page == 1):
            totals_by_position.setdefault(pos, []).append(key)

    def emit_totals(pos: int) -> None:
        for key in totals_by_position.pop(pos, []):
            info = per_period[key]
            label = str(Period.from_int(key))
            rows.append(_ledger_row("month_total", label, info["closing"], info["debit"], info["credit"]))
            rows.append(
                _ledger_row("year_total", label, info["closing"], info["ytd_debit"], info["ytd_credit"])
            )

    emit_totals(start)
    for i, (day, period, vid, word, number, line_no, aid, summary, d, c, running) in enumerate(
        fetched, start=start + 1
    ):
        net = opening + int(running)
        row = _ledger_row("line", str(Period.from_int(period)), net, int(d), int(c))
        row.update(
            {
                "date": day.isoformat(),
                "voucher_id": vid,
                "voucher_no": f"{word}-{number:04d}",
                "line_no": line_no,
                "account_code": chart.by_id[aid].code,
                "summary": summary,
            }
        )
        rows.append(row)
        emit_totals(i)
    closing = per_period[last.key]["closing"] if last.key in per_period else opening
    return {
        "account_code": root.code,
        "account_name": root.name,
        "direction": root.direction,
        "period_from": str(first),
        "period_to": str(last),
        "dimension": dimension,
        "value": value,
        "opening": opening,
        "closing": closing,
        "total": total,
        "page": page,
        "page_size": page_size,
        "pages": max(1, -(-total // page_size)),
        "rows": rows,
    }


def _ledger_row(kind: str, period: str, net: int, debit: int = 0, credit: int = 0) -> dict[str, Any]:
    return {
        "kind": kind,
        "date": None,
        "period": period,
        "voucher_id": None,
        "voucher_no": None,
        "line_no": None,
        "account_code": None,
        "summary": None,
        "debit": debit,
        "credit": credit,
        "net": net,
        "balance": abs(net),
        "direction": direction_of(net),
    }


def dimension_balances(
    uow: UnitOfWork,
    company_code: str,
    account_code: str,
    dimension: str,
    period_from: str,
    period_to: str | None = None,
) -> list[dict[str, Any]]:
    """Balances of an account (with descendants) per dimension value, e.g. per customer on 1122.

    Rows: dimension, code, name ('' for lines without a value), opening_debit, opening_credit,
    period_debit, period_credit, closing_debit, closing_credit (one-sided like the trial
    balance), ordered by code; values with no figure at all are left out.
    """
    first, last = _range(period_from, period_to)
    with uow:
        company = _company(uow, company_code)
        s = uow.session
        chart = _Chart.load(s, company.id)
        ids = chart.subtree_ids(chart.get(account_code))
        column, _ = _dimension_filter(s, company.id, dimension, None)
        before = VoucherLine.period < first.key
        q = (
            select(
                column,
                func.sum(case((before, VoucherLine.debit_minor - VoucherLine.credit_minor), else_=0)),
                func.sum(case((before, 0), else_=VoucherLine.debit_minor)),
                func.sum(case((before, 0), else_=VoucherLine.credit_minor)),
            )
            .join(Voucher, _posted_lines())
            .where(
                VoucherLine.company_id == company.id,
                VoucherLine.account_id.in_(ids),
                VoucherLine.period <= last.key,
            )
            .group_by(column)
        )
        sums = {vid: (int(o or 0), int(d or 0), int(c or 0)) for vid, o, d, c in s.execute(q)}
        names = {
            vid: (code, name)
            for vid, code, name in s.execute(
                select(DimensionValue.id, DimensionValue.code, DimensionValue.name).where(
                    DimensionValue.company_id == company.id, DimensionValue.dim_type == dimension
                )
            )
        }
    rows = []
    for vid, (o, d, c) in sums.items():
        closing = o + d - c
        if not (o or d or c or closing):
            continue
        code, name = names.get(vid, ("", "")) if vid is not None else ("", "")
        od, oc = sides(o)
        cd, cc = sides(closing)
        rows.append(
            {
                "dimension": dimension,
                "code": code,
                "name": name,
                "opening_debit": od,
                "opening_credit": oc,
                "period_debit": d,
                "period_credit": c,
                "closing_debit": cd,
                "closing_credit": cc,
            }
        )
    rows.sort(key=lambda r: r["code"])
    return rows


# --- statements --------------------------------------------------------------------------------


def _leaf_amounts(per_account: dict[int, tuple[int, int]], chart: _Chart) -> dict[str, tuple[int, int]]:
    """Keyed by leaf code as the evaluators want; an amount on a non-leaf (an account that got
    sub-accounts after use, which the service refuses) would be double keyed, so it is an error."""
    out: dict[str, tuple[int, int]] = {}
    for aid, (d, c) in per_account.items():
        acc = chart.by_id[aid]
        if not acc.is_leaf and (d or c):
            raise StatementNotCovered(
                statement="statement", detail=f"account {acc.code} has sub-accounts and postings of its own"
            )
        if acc.is_leaf:
            out[acc.code] = (d, c)
    return out


def _balances_through(s: Session, company_id: int, period_key: int) -> dict[int, tuple[int, int]]:
    ab = AccountBalance
    return {
        aid: (int(d or 0), int(c or 0))
        for aid, d, c in s.execute(
            select(ab.account_id, func.sum(ab.debit_minor), func.sum(ab.credit_minor))
            .where(ab.company_id == company_id, ab.period <= period_key)
            .group_by(ab.account_id)
        )
    }


def _activity(s: Session, company_id: int, first: Period, last: Period) -> dict[int, tuple[int, int]]:
    """Movements in [first, last] excluding closing vouchers (结转损益)."""
    ab = AccountBalance
    out = {
        aid: [int(d or 0), int(c or 0)]
        for aid, d, c in s.execute(
            select(ab.account_id, func.sum(ab.debit_minor), func.sum(ab.credit_minor))
            .where(ab.company_id == company_id, ab.period >= first.key, ab.period <= last.key)
            .group_by(ab.account_id)
        )
    }
    closing_ids = (
        select(Voucher.id)
        .where(
            Voucher.company_id == company_id,
            Voucher.source_type == CLOSING_SOURCE_TYPE,
            Voucher.status == "posted",
            Voucher.period >= first.key,
            Voucher.period <= last.key,
        )
        .scalar_subquery()
    )
    for aid, d, c in s.execute(
        select(VoucherLine.account_id, func.sum(VoucherLine.debit_minor), func.sum(VoucherLine.credit_minor))
        .where(VoucherLine.voucher_id.in_(closing_ids))
        .group_by(VoucherLine.account_id)
    ):
        vec = out.setdefault(aid, [0, 0])
        vec[0] -= int(d or 0)
        vec[1] -= int(c or 0)
    return {aid: (d, c) for aid, (d, c) in out.items()}


def _statement_rows(
    lines: Iterable[templates.StatementLine], amounts: dict[str, int], comparative: dict[str, int]
) -> list[StatementRow]:
    rows = []
    for ln in lines:
        formula = templates.parse_formula(ln.formula)
        rows.append(
            StatementRow(
                line_no=ln.line_no,
                key=ln.key,
                name=ln.name,
                name_en=ln.name_en,
                amount=amounts.get(ln.key, 0),
                comparative=comparative.get(ln.key, 0),
                is_header=formula.is_header,
                accounts=tuple(t.ref for t in formula.terms if t.kind == "account"),
                side=ln.side,
            )
        )
    return rows


@lru_cache(maxsize=16)
def _statement_lines(kind: templates.StatementKind, template: str) -> tuple[templates.StatementLine, ...]:
    """Parsed and validated once per process: the layouts are packaged data files."""
    return tuple(templates.load_statement(kind, template))


def balance_sheet(uow: UnitOfWork, company_code: str, period: str) -> list[StatementRow]:
    """资产负债表 at the end of ``period``; comparative = 上年年末余额 (end of the previous year)."""
    p = Period.parse(period)
    with uow:
        company = _company(uow, company_code)
        s = uow.session
        chart = _Chart.load(s, company.id)
        current = _balances_through(s, company.id, p.key)
        prior = _balances_through(s, company.id, Period(p.year - 1, 12).key)
        template = company.template
    lines = _statement_lines("balance_sheet", template)
    mapping = chart.mapping()
    try:
        amounts = templates.evaluate_balance_sheet(lines, _leaf_amounts(current, chart), mapping)
        comparative = templates.evaluate_balance_sheet(lines, _leaf_amounts(prior, chart), mapping)
    except ValueError as exc:
        raise StatementNotCovered(statement="balance sheet", detail=str(exc)) from None
    return _statement_rows(lines, amounts, comparative)


def income_statement(
    uow: UnitOfWork, company_code: str, period: str, period_to: str | None = None
) -> list[StatementRow]:
    """利润表: amount = 本期金额 for the period (or range), comparative = 本年累计 from January
    of the range end's year through the range end; both exclude closing vouchers."""
    first, last = _range(period, period_to)
    with uow:
        company = _company(uow, company_code)
        s = uow.session
        chart = _Chart.load(s, company.id)
        current = _activity(s, company.id, first, last)
        ytd = _activity(s, company.id, Period(last.year, 1), last)
        template = company.template
    lines = _statement_lines("income_statement", template)
    mapping = chart.mapping()
    try:
        amounts = templates.evaluate_income_statement(lines, _leaf_amounts(current, chart), mapping)
        comparative = templates.evaluate_income_statement(lines, _leaf_amounts(ytd, chart), mapping)
    except ValueError as exc:
        raise StatementNotCovered(statement="income statement", detail=str(exc)) from None
    return _statement_rows(lines, amounts, comparative)
