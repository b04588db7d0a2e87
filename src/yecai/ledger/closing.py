"""Period closing (期末结转 / 结账), year-end carry-forward and reopening.

Closing a month:

1. 结转损益 — one voucher (word 转, source_type ``closing``, dated the period's last day) moves
   the period's net of every profit-and-loss leaf account, per dimension combination where the
   account requires dimensions, to 4103 本年利润, so every P&L account nets to zero for the
   period. Lines take the side that zeroes the balance, with positive amounts. 6901
   以前年度损益调整 restates prior years, so (as 企业会计准则 prescribes, and as the income
   statement in ``templates`` assumes) it is carried straight to 410499 利润分配—未分配利润,
   not to 本年利润.
2. In December, 结转本年利润: 4103's whole balance → 410499, and the next fiscal year's twelve
   periods are opened.
3. The period is marked closed.

Generated vouchers are made, reviewed and posted by the closer in the same transaction through
``insert_voucher`` and ``post_rows``, so numbering, the hash chain and ``account_balance`` stay
right. A voucher would exceed ``domain.LINES_MAX`` only with hundreds of (account, department)
pairs; then the carry is split over several vouchers, each balanced on its own.

Reopening never touches the closing vouchers (posted vouchers are immutable): closing again
carries only what changed, because the period's P&L net already includes the earlier carry.
"""

from __future__ import annotations

import importlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yecai.core.errors import YecaiError
from yecai.core.money import format_minor, from_minor
from yecai.core.periods import Period
from yecai.ledger import domain
from yecai.ledger.domain import DIMENSIONS, AccountInfo, LineDraft, VoucherDraft
from yecai.ledger.models import NOT_POSTED, AccountBalance, Company, DimensionValue, Voucher, VoucherLine
from yecai.ledger.models import Period as PeriodRow
from yecai.ledger.service import LedgerIndex, _mark_reviewed, insert_voucher, open_periods, post_rows
from yecai.security.domain import Perm
from yecai.store.base import utcnow
from yecai.store.uow import UnitOfWork

CLOSING_SOURCE_TYPE = "closing"
# 转账凭证: closing and revaluation move amounts between accounts without cash.
CLOSING_WORD = "转"
PROFIT_ACCOUNT = "4103"  # 本年利润
RETAINED_ACCOUNT = "410499"  # 利润分配—未分配利润
PRIOR_YEAR_ADJUSTMENT_PREFIX = "6901"  # 以前年度损益调整: closed to 410499 directly
SUMMARY_PROFIT_LOSS = "结转损益"
SUMMARY_YEAR_END = "结转本年利润"
UNPOSTED_LISTED_MAX = 20  # in the error message; the checklist lists up to CHECKLIST_ROWS_MAX
CHECKLIST_ROWS_MAX = 200
REASON_LENGTH_MAX = 500
UNPOSTED_STATUSES = ("draft", "reviewed")
VOUCHER_STATUSES = ("draft", "reviewed", "posted", "void")


# --- errors ------------------------------------------------------------------------------------


class PeriodNotFound(YecaiError):
    code = "period.not_found"
    template = "Period {period} does not exist in company {company}"
    http_status = 404


class PeriodAlreadyClosed(YecaiError):
    code = "period.already_closed"
    template = "Period {period} is already closed"
    http_status = 409


class EarlierPeriodOpen(YecaiError):
    code = "period.earlier_open"
    template = "Period {earlier} is still open; close periods in order before closing {period}"
    http_status = 409


class UnpostedVouchers(YecaiError):
    code = "period.unposted_vouchers"
    template = (
        "Period {period} has {count} unposted voucher(s) (draft or reviewed): {vouchers}; "
        "post or void them before closing"
    )
    http_status = 409


class PeriodNotClosed(YecaiError):
    code = "period.not_closed"
    template = "Period {period} is not closed"
    http_status = 409


class NotLatestClosedPeriod(YecaiError):
    code = "period.not_latest_closed"
    template = "Only the latest closed period ({latest}) can be reopened, not {period}"
    http_status = 409


class ReopenReasonRequired(YecaiError):
    code = "period.reopen_reason_required"
    template = "A reason is required to reopen period {period}"


class ReopenReasonTooLong(YecaiError):
    code = "period.reopen_reason_too_long"
    template = "The reason to reopen a period may have at most {max} characters, found {count}"


class ClosingAccountUnusable(YecaiError):
    code = "closing.account_unusable"
    template = "Account {account} must exist as an enabled account without sub-accounts to post {what}"
    http_status = 409


class BalancesOutOfStep(YecaiError):
    """The per-period totals disagree with the posted lines: never close on wrong numbers."""

    code = "ledger.balances_out_of_step"
    template = (
        "Account {account} in {period}: posted lines total debit {line_debit} / credit {line_credit}, "
        "but the balance table holds {balance_debit} / {balance_credit}; closing refused"
    )
    http_status = 500


# --- results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CloseResult:
    company: str
    period: str
    vouchers: list[str]  # voucher numbers made by this close, e.g. ["转-0003", "转-0004"]
    voucher_ids: list[int]
    profit: str  # net profit carried to 本年利润 for the period (negative: a loss)
    year_end: bool
    year_profit: str | None  # carried from 本年利润 to 未分配利润 (December only)
    opened_year: int | None  # the fiscal year whose periods were opened (December only)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Carry:
    """A P&L balance to carry: one account and dimension combination, net = debit - credit."""

    account: AccountInfo
    dims: tuple[tuple[str, str], ...]
    debit_minor: int
    credit_minor: int

    @property
    def net(self) -> int:
        return self.debit_minor - self.credit_minor


# --- helpers shared with fx.py -----------------------------------------------------------------


def lock_company(s: Session, company: Company) -> Company:
    """Lock the company row (the chain head) first, as post_rows does: closing, revaluation and
    posting serialize per company (SQLite writers are serialized by BEGIN IMMEDIATE already)."""
    return s.execute(
        select(Company)
        .where(Company.id == company.id)
        .with_for_update(key_share=True)  # FOR NO KEY UPDATE, as post_rows (see there why)
        .execution_options(populate_existing=True)
    ).scalar_one()


def period_row(s: Session, company: Company, p: Period, *, for_update: bool = False) -> PeriodRow:
    q = select(PeriodRow).where(PeriodRow.company_id == company.id, PeriodRow.period == p.key)
    if for_update:
        q = q.with_for_update()
    row = s.execute(q).scalar_one_or_none()
    if row is None:
        raise PeriodNotFound(period=str(p), company=company.code, field="period")
    return row


def usable_account(index: LedgerIndex, code: str, what: str) -> AccountInfo:
    info = index.account(code)
    if info is None or not info.is_leaf or not info.enabled:
        raise ClosingAccountUnusable(account=code, what=what)
    return info


def carrying_lookup(index: LedgerIndex, carried_ids: set[int]) -> Callable[[str], AccountInfo | None]:
    """Account lookup for generated vouchers: a disabled account that still holds a balance
    must be carried off all the same (disabling means 'no new entries', not 'keep the balance')."""

    def lookup(code: str) -> AccountInfo | None:
        info = index.account(code)
        if info is not None and not info.enabled and info.id in carried_ids:
            return replace(info, enabled=True)
        return info

    return lookup


def post_generated(
    uow: UnitOfWork,
    company: Company,
    index: LedgerIndex,
    drafts: Sequence[VoucherDraft],
    lookup: Callable[[str], AccountInfo | None],
) -> list[Voucher]:
    """Build, store, review and post system-made vouchers in one go (inside a command).

    The actor is maker, reviewer and poster: the close / revaluation command itself is the
    reviewed act, and it is audited.
    """
    rows: list[Voucher] = []
    for draft in drafts:
        voucher = domain.build_voucher(
            draft, lookup, base_currency=company.base_currency, dimension_exists=index.dimension_exists
        )
        row = insert_voucher(uow, company, index, voucher)
        _mark_reviewed(uow, row)
        uow.audit(
            "voucher.create",
            "voucher",
            row.id,
            company_id=company.id,
            after={
                "voucher_no": row.display_no,
                "period": str(voucher.period),
                "source_type": row.source_type,
                "source_ref": row.source_ref,
                "total": format_minor(row.total_minor, company.base_currency),
            },
        )
        rows.append(row)
    if rows:
        post_rows(uow, company, rows)
    return rows


def chunks(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    assert size > 0
    return [items[i : i + size] for i in range(0, len(items), size)]


def _money(minor: int, currency: str) -> Any:
    return from_minor(minor, currency)


# --- what there is to carry --------------------------------------------------------------------


def profit_loss_carries(s: Session, company: Company, index: LedgerIndex, p: Period) -> list[Carry]:
    """The period's posted P&L movements per account and (required) dimension combination.

    Read from voucher lines (dimensions live there) and checked against ``account_balance``
    per account: if the two ever disagree the books are not fit to close.
    """
    pl = {a.id: a for a in index.account_by_id.values() if a.category == "profit_loss"}
    if not pl:
        return []
    dim_cols = [getattr(VoucherLine, f"{d}_id") for d in DIMENSIONS]
    rows = s.execute(
        select(
            VoucherLine.account_id,
            *dim_cols,
            func.coalesce(func.sum(VoucherLine.debit_minor), 0),
            func.coalesce(func.sum(VoucherLine.credit_minor), 0),
        )
        .join(Voucher, Voucher.id == VoucherLine.voucher_id)
        .where(
            VoucherLine.company_id == company.id,
            VoucherLine.period == p.key,
            VoucherLine.account_id.in_(list(pl)),
            Voucher.status == "posted",
        )
        .group_by(VoucherLine.account_id, *dim_cols)
    ).all()
    codes = dict(
        (r.id, (r.dim_type, r.code))
        for r in s.execute(
            select(DimensionValue.id, DimensionValue.dim_type, DimensionValue.code).where(
                DimensionValue.company_id == company.id
            )
        )
    )
    per_key: dict[tuple[int, tuple[tuple[str, str], ...]], list[int]] = defaultdict(lambda: [0, 0])
    per_account: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        account_id, dim_ids, debit, credit = r[0], r[1 : 1 + len(DIMENSIONS)], int(r[-2]), int(r[-1])
        acc = pl[account_id]
        # Keep only the dimensions the account requires: they are what its closing line needs.
        dims = tuple(
            codes.get(vid, (dim, f"#{vid}"))
            for dim, vid in zip(DIMENSIONS, dim_ids, strict=True)
            if vid is not None and dim in acc.dimensions
        )
        k = per_key[(account_id, dims)]
        k[0] += debit
        k[1] += credit
        a = per_account[account_id]
        a[0] += debit
        a[1] += credit
    balances = {
        b.account_id: (int(b.debit_minor), int(b.credit_minor))
        for b in s.execute(
            select(AccountBalance).where(
                AccountBalance.company_id == company.id,
                AccountBalance.period == p.key,
                AccountBalance.account_id.in_(list(pl)),
            )
        ).scalars()
    }
    for account_id in set(per_account) | set(balances):
        from_lines = tuple(per_account.get(account_id, (0, 0)))
        from_table = balances.get(account_id, (0, 0))
        if from_lines != from_table:
            cur = company.base_currency
            raise BalancesOutOfStep(
                account=pl[account_id].code,
                period=str(p),
                line_debit=format_minor(from_lines[0], cur),
                line_credit=format_minor(from_lines[1], cur),
                balance_debit=format_minor(from_table[0], cur),
                balance_credit=format_minor(from_table[1], cur),
            )
    carries = [
        Carry(account=pl[account_id], dims=dims, debit_minor=d, credit_minor=c)
        for (account_id, dims), (d, c) in per_key.items()
    ]
    return sorted(carries, key=lambda c: (c.account.code, c.dims))


def _carry_drafts(company: Company, p: Period, carries: Sequence[Carry]) -> list[VoucherDraft]:
    """结转损益 vouchers: each P&L line zeroes its balance; 4103 (410499 for 6901) takes the other side."""
    cur = company.base_currency
    to_carry = [c for c in carries if c.net != 0]
    drafts = []
    # Up to four counterpart lines (4103 and 410499, each side) join each chunk.
    for part in chunks(to_carry, domain.LINES_MAX - 4):
        pl_debits: list[LineDraft] = []
        pl_credits: list[LineDraft] = []
        counter: dict[tuple[str, str], int] = defaultdict(int)
        for c in part:
            target = (
                RETAINED_ACCOUNT
                if c.account.code.startswith(PRIOR_YEAR_ADJUSTMENT_PREFIX)
                else PROFIT_ACCOUNT
            )
            dims = dict(c.dims)
            if c.net > 0:  # debit balance (expenses, or an income account in red): credit it
                pl_credits.append(
                    LineDraft(SUMMARY_PROFIT_LOSS, c.account.code, credit=_money(c.net, cur), dims=dims)
                )
                counter[(target, "debit")] += c.net
            else:
                pl_debits.append(
                    LineDraft(SUMMARY_PROFIT_LOSS, c.account.code, debit=_money(-c.net, cur), dims=dims)
                )
                counter[(target, "credit")] += -c.net
        counterpart = [
            LineDraft(SUMMARY_PROFIT_LOSS, code, **{side: _money(amount, cur)})
            for side in ("credit", "debit")
            for code in (PROFIT_ACCOUNT, RETAINED_ACCOUNT)
            if (amount := counter.get((code, side), 0))
        ]
        drafts.append(
            VoucherDraft(
                date=p.last_day,
                lines=(*pl_debits, *counterpart, *pl_credits),
                word=CLOSING_WORD,
                source_type=CLOSING_SOURCE_TYPE,
                source_ref=f"{p}/{SUMMARY_PROFIT_LOSS}",
            )
        )
    return drafts


def _balance_through(s: Session, company: Company, account_id: int, p: Period) -> int:
    d, c = s.execute(
        select(
            func.coalesce(func.sum(AccountBalance.debit_minor), 0),
            func.coalesce(func.sum(AccountBalance.credit_minor), 0),
        ).where(
            AccountBalance.company_id == company.id,
            AccountBalance.account_id == account_id,
            AccountBalance.period <= p.key,
        )
    ).one()
    return int(d) - int(c)


def _year_end_draft(company: Company, p: Period, balance: int) -> VoucherDraft:
    """结转本年利润: 4103's whole balance (debit - credit = ``balance``) to 410499."""
    cur = company.base_currency
    amount = _money(abs(balance), cur)
    if balance < 0:  # credit balance: a profit
        lines = (
            LineDraft(SUMMARY_YEAR_END, PROFIT_ACCOUNT, debit=amount),
            LineDraft(SUMMARY_YEAR_END, RETAINED_ACCOUNT, credit=amount),
        )
    else:
        lines = (
            LineDraft(SUMMARY_YEAR_END, RETAINED_ACCOUNT, debit=amount),
            LineDraft(SUMMARY_YEAR_END, PROFIT_ACCOUNT, credit=amount),
        )
    return VoucherDraft(
        date=p.last_day,
        lines=lines,
        word=CLOSING_WORD,
        source_type=CLOSING_SOURCE_TYPE,
        source_ref=f"{p}/{SUMMARY_YEAR_END}",
    )


def _unposted(s: Session, company: Company, p: Period, limit: int) -> tuple[int, list[Voucher]]:
    where = (
        Voucher.company_id == company.id,
        Voucher.period == p.key,
        Voucher.status.in_(UNPOSTED_STATUSES),
        NOT_POSTED,
    )
    count = s.execute(select(func.count()).select_from(Voucher).where(*where)).scalar_one()
    rows = (
        s.execute(select(Voucher).where(*where).order_by(Voucher.word, Voucher.number).limit(limit))
        .scalars()
        .all()
    )
    return int(count), list(rows)


def _earlier_open(s: Session, company: Company, p: Period) -> list[int]:
    return list(
        s.execute(
            select(PeriodRow.period)
            .where(PeriodRow.company_id == company.id, PeriodRow.period < p.key, PeriodRow.status == "open")
            .order_by(PeriodRow.period)
        ).scalars()
    )


# --- pre-close checks ----------------------------------------------------------------------------
#
# Other packages can refuse closing a period for reasons of their own (inventory: movements still
# waiting for the month-end cost run). A check returns its refusal or None; closing raises the
# first, the checklist lists them all. Packages register when imported; the modules named here
# are imported before any check runs, so a check is never skipped because nobody imported it.

PreCloseCheck = Callable[[Session, Company, Period], YecaiError | None]
PRE_CLOSE_CHECKS: list[PreCloseCheck] = []
PRE_CLOSE_CHECK_MODULES: tuple[str, ...] = ("yecai.inventory.service",)


def register_pre_close_check(check: PreCloseCheck) -> PreCloseCheck:
    if check not in PRE_CLOSE_CHECKS:
        PRE_CLOSE_CHECKS.append(check)
    return check


def pre_close_refusals(s: Session, company: Company, p: Period) -> list[YecaiError]:
    for name in PRE_CLOSE_CHECK_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return [e for check in PRE_CLOSE_CHECKS if (e := check(s, company, p)) is not None]


# --- use cases ---------------------------------------------------------------------------------


def close_period(uow: UnitOfWork, company_code: str, period: str) -> CloseResult:
    """结账: carry P&L to 本年利润 (and in December 本年利润 to 未分配利润), then close the period."""
    p = Period.parse(period)
    with uow:
        company = uow.company(company_code, Perm.PERIOD_CLOSE)
        s = uow.session
        company = lock_company(s, company)
        row = period_row(s, company, p, for_update=True)
        if row.status == "closed":
            raise PeriodAlreadyClosed(period=str(p), field="period")
        earlier = _earlier_open(s, company, p)
        if earlier:
            raise EarlierPeriodOpen(earlier=str(Period.from_int(earlier[0])), period=str(p), field="period")
        count, unposted = _unposted(s, company, p, UNPOSTED_LISTED_MAX)
        if count:
            listed = ", ".join(v.display_no for v in unposted) + (" …" if count > len(unposted) else "")
            raise UnpostedVouchers(period=str(p), count=count, vouchers=listed, field="period")
        refusals = pre_close_refusals(s, company, p)
        if refusals:
            raise refusals[0]

        index = LedgerIndex(s, company)
        cur = company.base_currency
        carries = profit_loss_carries(s, company, index, p)
        drafts = _carry_drafts(company, p, carries)
        for code in sorted(
            {ln.account_code for d in drafts for ln in d.lines} & {PROFIT_ACCOUNT, RETAINED_ACCOUNT}
        ):
            usable_account(index, code, SUMMARY_PROFIT_LOSS)
        lookup = carrying_lookup(index, {c.account.id for c in carries})
        made = post_generated(uow, company, index, drafts, lookup)
        profit = -sum(c.net for c in carries if not c.account.code.startswith(PRIOR_YEAR_ADJUSTMENT_PREFIX))

        year_end = p.month == 12
        year_profit: int | None = None
        opened_year: int | None = None
        if year_end:
            profit_acc = index.account(PROFIT_ACCOUNT)
            balance = 0 if profit_acc is None else _balance_through(s, company, profit_acc.id, p)
            if balance:
                usable_account(index, PROFIT_ACCOUNT, SUMMARY_YEAR_END)
                usable_account(index, RETAINED_ACCOUNT, SUMMARY_YEAR_END)
                made += post_generated(uow, company, index, [_year_end_draft(company, p, balance)], lookup)
            year_profit = -balance
            opened_year = p.year + 1
            open_periods(s, company, Period(opened_year, 1), Period(opened_year, 12))

        row.status = "closed"
        row.closed_at = utcnow()
        row.closed_by_id = uow.actor.user_id
        result = CloseResult(
            company=company.code,
            period=str(p),
            vouchers=[v.display_no for v in made],
            voucher_ids=[v.id for v in made],
            profit=format_minor(profit, cur),
            year_end=year_end,
            year_profit=None if year_profit is None else format_minor(year_profit, cur),
            opened_year=opened_year,
        )
        uow.audit(
            "period.close",
            "period",
            str(p),
            company_id=company.id,
            before={"status": "open"},
            after={
                "status": "closed",
                "vouchers": result.vouchers,
                "profit": result.profit,
                "year_profit": result.year_profit,
                "opened_year": opened_year,
            },
        )
        uow.commit()
    return result


def reopen_period(uow: UnitOfWork, company_code: str, period: str, *, reason: str) -> dict[str, Any]:
    """反结账: reopen the latest closed period (a privileged, audited act; a reason is required).

    Closing vouchers stay as they are; next year's periods, once opened, stay open.
    """
    p = Period.parse(period)
    with uow:
        company = uow.company(company_code, Perm.PERIOD_REOPEN)
        reason = (reason or "").strip()
        if not reason:
            raise ReopenReasonRequired(period=str(p), field="reason")
        if len(reason) > REASON_LENGTH_MAX:
            raise ReopenReasonTooLong(max=REASON_LENGTH_MAX, count=len(reason), field="reason")
        s = uow.session
        company = lock_company(s, company)
        row = period_row(s, company, p, for_update=True)
        if row.status != "closed":
            raise PeriodNotClosed(period=str(p), field="period")
        latest = s.execute(
            select(func.max(PeriodRow.period)).where(
                PeriodRow.company_id == company.id, PeriodRow.status == "closed"
            )
        ).scalar_one()
        if latest != p.key:
            raise NotLatestClosedPeriod(latest=str(Period.from_int(latest)), period=str(p), field="period")
        before = {"status": row.status, "closed_at": row.closed_at, "closed_by_id": row.closed_by_id}
        row.status = "open"
        row.closed_at = None
        row.closed_by_id = None
        uow.audit(
            "period.reopen",
            "period",
            str(p),
            company_id=company.id,
            before=before,
            after={"status": "open", "reason": reason},
        )
        uow.commit()
    return {"company": company.code, "period": str(p), "status": "open", "reason": reason}


def list_periods(uow: UnitOfWork, company_code: str) -> list[dict[str, Any]]:
    """Every period of the company with its status, who closed it and its vouchers by status."""
    from yecai.security.models import User

    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        s = uow.session
        rows = s.execute(
            select(PeriodRow, User.username)
            .outerjoin(User, User.id == PeriodRow.closed_by_id)
            .where(PeriodRow.company_id == company.id)
            .order_by(PeriodRow.period)
        ).all()
        counts: dict[int, dict[str, int]] = defaultdict(dict)
        for period_key, status, n in s.execute(
            select(Voucher.period, Voucher.status, func.count())
            .where(Voucher.company_id == company.id)
            .group_by(Voucher.period, Voucher.status)
        ):
            counts[period_key][status] = int(n)
        return [
            {
                "period": str(Period.from_int(r.period)),
                "status": r.status,
                "closed_at": None if r.closed_at is None else r.closed_at.isoformat(),
                "closed_by": username,
                **{f"{st}_count": counts[r.period].get(st, 0) for st in VOUCHER_STATUSES},
            }
            for r, username in rows
        ]


def close_checklist(uow: UnitOfWork, company_code: str, period: str) -> dict[str, Any]:
    """What closing will check and do, for the UI to show before the user clicks 结账."""
    from yecai.ledger.fx import FX_SOURCE_TYPE

    p = Period.parse(period)
    with uow:
        company = uow.company(company_code, Perm.REPORT_VIEW)
        s = uow.session
        cur = company.base_currency
        row = period_row(s, company, p)
        count, unposted = _unposted(s, company, p, CHECKLIST_ROWS_MAX)
        earlier = [str(Period.from_int(k)) for k in _earlier_open(s, company, p)]
        refusals = pre_close_refusals(s, company, p)

        def totals(*where: Any) -> tuple[int, int]:
            d, c = s.execute(
                select(
                    func.coalesce(func.sum(AccountBalance.debit_minor), 0),
                    func.coalesce(func.sum(AccountBalance.credit_minor), 0),
                ).where(AccountBalance.company_id == company.id, *where)
            ).one()
            return int(d), int(c)

        period_d, period_c = totals(AccountBalance.period == p.key)
        cum_d, cum_c = totals(AccountBalance.period <= p.key)
        balanced = period_d == period_c and cum_d == cum_c

        index = LedgerIndex(s, company)
        carries = [c for c in profit_loss_carries(s, company, index, p) if c.net]
        fx_vouchers = s.execute(
            select(func.count())
            .select_from(Voucher)
            .where(
                Voucher.company_id == company.id,
                Voucher.period == p.key,
                Voucher.source_type == FX_SOURCE_TYPE,
                Voucher.status == "posted",
            )
        ).scalar_one()
        profit = -sum(c.net for c in carries if not c.account.code.startswith(PRIOR_YEAR_ADJUSTMENT_PREFIX))
        return {
            "company": company.code,
            "period": str(p),
            "status": row.status,
            "year_end": p.month == 12,
            "unposted_count": count,
            "unposted": [
                {
                    "id": v.id,
                    "voucher_no": v.display_no,
                    "status": v.status,
                    "date": v.date.isoformat(),
                    "summary": v.summary,
                }
                for v in unposted
            ],
            "earlier_open": earlier,
            "trial_balance": {
                "period_debit": format_minor(period_d, cur),
                "period_credit": format_minor(period_c, cur),
                "cumulative_debit": format_minor(cum_d, cur),
                "cumulative_credit": format_minor(cum_c, cur),
                "balanced": balanced,
            },
            "profit_loss": [
                {
                    "account_code": c.account.code,
                    "account_name": c.account.name,
                    "dims": dict(c.dims),
                    "debit": format_minor(c.debit_minor, cur),
                    "credit": format_minor(c.credit_minor, cur),
                    "net": format_minor(c.net, cur),
                    "carry_to": RETAINED_ACCOUNT
                    if c.account.code.startswith(PRIOR_YEAR_ADJUSTMENT_PREFIX)
                    else PROFIT_ACCOUNT,
                }
                for c in carries[:CHECKLIST_ROWS_MAX]
            ],
            "profit_loss_count": len(carries),
            "profit": format_minor(profit, cur),
            "fx_revaluation_vouchers": int(fx_vouchers),
            "pre_close": [e.to_dict("en") for e in refusals],
            "can_close": row.status == "open" and not count and not earlier and balanced and not refusals,
        }
