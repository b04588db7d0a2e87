"""Foreign currency: month-end exchange rates and period-end revaluation (期末调汇 / 汇兑损益).

A rate is base currency per unit of the foreign currency, kept per company, currency and period.

Revaluation restates every foreign-currency balance at the month-end rate. For each leaf account
that keeps foreign currency, each currency and each dimension combination (1122/2202 carry
customers/suppliers) it takes, from posted lines up to the period end, the original-currency
balance and the base balance; the target base is original × rate rounded half up; the
difference goes against 660303 汇兑损益 (a gain is credited, a loss debited, netted per voucher)
in one voucher dated the period end, word 转, source_type ``fx_revaluation``, made, reviewed and
posted like closing vouchers.

The adjustment lines keep their currency with original amount 0 and the month-end rate: the
original balance is unchanged, only the base moves. ``domain._validate_fx`` accepts such a line
as an exchange-difference line (an original of exactly 0 has no original × rate to agree with).
Because they stay under their currency, the next run's base balance already includes them, so
re-running after new postings posts only the new difference, and running twice posts nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from yecai.core.errors import YecaiError
from yecai.core.money import format_minor, from_minor, minor_unit, parse_decimal
from yecai.core.periods import Period
from yecai.ledger import domain
from yecai.ledger.closing import (
    CLOSING_WORD,
    carrying_lookup,
    chunks,
    lock_company,
    period_row,
    post_generated,
    usable_account,
)
from yecai.ledger.domain import DIMENSIONS, AccountInfo, LineDraft, VoucherDraft
from yecai.ledger.models import DimensionValue, ExchangeRate, Voucher, VoucherLine
from yecai.ledger.models import Period as PeriodRow
from yecai.ledger.service import LedgerIndex, PeriodClosed, VoucherView, get_voucher
from yecai.security.domain import Perm
from yecai.store.uow import UnitOfWork

FX_SOURCE_TYPE = "fx_revaluation"
FX_GAIN_LOSS_ACCOUNT = "660303"  # 财务费用—汇兑损益
SUMMARY_REVALUATION = "期末调汇"
RATE_PLACES_MAX = 10
RATE_MAX = Decimal(10**9)


# --- errors ------------------------------------------------------------------------------------


class RateInvalid(YecaiError):
    code = "fx.rate_invalid"
    template = "Exchange rate {rate} must be a positive number below {max} with at most {places} decimals"


class RateForBaseCurrency(YecaiError):
    code = "fx.rate_for_base_currency"
    template = "{currency} is the base currency of company {company}; it needs no exchange rate"


class RateMissing(YecaiError):
    code = "fx.rate_missing"
    template = "No month-end exchange rate for {currencies} in {period}; set one before revaluing"
    http_status = 409


# --- rates -------------------------------------------------------------------------------------


def _parse_rate(rate: str | Decimal | int) -> Decimal:
    try:
        value = parse_decimal(rate)
    except YecaiError:
        raise RateInvalid(rate=rate, max=RATE_MAX, places=RATE_PLACES_MAX, field="rate") from None
    exponent = value.as_tuple().exponent
    if value <= 0 or value >= RATE_MAX or (isinstance(exponent, int) and exponent < -RATE_PLACES_MAX):
        raise RateInvalid(rate=rate, max=RATE_MAX, places=RATE_PLACES_MAX, field="rate")
    return value


def set_rate(
    uow: UnitOfWork, company_code: str, currency: str, period: str, rate: str | Decimal | int
) -> dict[str, str]:
    """Set (or correct) the month-end rate of ``currency`` for ``period``; not for a closed period."""
    cur = (currency or "").strip().upper()
    try:
        minor_unit(cur)
    except YecaiError as exc:
        raise exc.located(field="currency") from None
    p = Period.parse(period)
    value = _parse_rate(rate)
    with uow:
        company = uow.company(company_code, Perm.FX_MANAGE)
        if cur == company.base_currency:
            raise RateForBaseCurrency(currency=cur, company=company.code, field="currency")
        s = uow.session
        status = s.execute(
            select(PeriodRow.status).where(PeriodRow.company_id == company.id, PeriodRow.period == p.key)
        ).scalar_one_or_none()
        if status == "closed":
            # A closed period's revaluation was made with the old rate; changing it would make
            # the rate table disagree with the books.
            raise PeriodClosed(period=str(p), field="period")
        row = s.execute(
            select(ExchangeRate).where(
                ExchangeRate.company_id == company.id,
                ExchangeRate.currency == cur,
                ExchangeRate.period == p.key,
            )
        ).scalar_one_or_none()
        before = None if row is None else {"rate": str(row.rate)}
        if row is None:
            s.add(ExchangeRate(company_id=company.id, currency=cur, period=p.key, rate=value))
        else:
            row.rate = value
        result = {"currency": cur, "period": str(p), "rate": str(value)}
        uow.audit(
            "fx.rate.set", "exchange_rate", f"{cur}/{p}", company_id=company.id, before=before, after=result
        )
        uow.commit()
    return result


def list_rates(
    uow: UnitOfWork, company_code: str, *, currency: str | None = None, period: str | None = None
) -> list[dict[str, str]]:
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        q = select(ExchangeRate).where(ExchangeRate.company_id == company.id)
        if currency:
            q = q.where(ExchangeRate.currency == currency.strip().upper())
        if period:
            q = q.where(ExchangeRate.period == Period.parse(period).key)
        return [
            {"currency": r.currency, "period": str(Period.from_int(r.period)), "rate": str(r.rate)}
            for r in uow.session.execute(q.order_by(ExchangeRate.currency, ExchangeRate.period)).scalars()
        ]


# --- revaluation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FxBalance:
    account: AccountInfo
    currency: str
    dims: tuple[tuple[str, str], ...]
    original_minor: int  # signed, debit positive, in the currency's minor unit
    base_minor: int  # signed, debit positive


def fx_balances(s: Session, company: Any, index: LedgerIndex, p: Period) -> list[FxBalance]:
    """Original and base balances per fx account, currency and dimensions, through period end."""
    fx_accounts = {a.id: a for a in index.account_by_id.values() if a.allow_fx}
    if not fx_accounts:
        return []
    dim_cols = [getattr(VoucherLine, f"{d}_id") for d in DIMENSIONS]
    original = func.abs(func.coalesce(VoucherLine.original_minor, 0))
    # original_minor is entered as a positive amount on either side (negative in red): sign it by
    # the side and sign of the base amount, debit positive.
    signed_original = case(
        (VoucherLine.debit_minor > 0, original),
        (VoucherLine.debit_minor < 0, -original),
        (VoucherLine.credit_minor > 0, -original),
        else_=original,
    )
    rows = s.execute(
        select(
            VoucherLine.account_id,
            VoucherLine.currency,
            *dim_cols,
            func.coalesce(func.sum(signed_original), 0),
            func.coalesce(func.sum(VoucherLine.debit_minor - VoucherLine.credit_minor), 0),
        )
        .join(Voucher, Voucher.id == VoucherLine.voucher_id)
        .where(
            VoucherLine.company_id == company.id,
            VoucherLine.period <= p.key,
            VoucherLine.account_id.in_(list(fx_accounts)),
            VoucherLine.currency.is_not(None),
            VoucherLine.currency != company.base_currency,
            Voucher.status == "posted",
        )
        .group_by(VoucherLine.account_id, VoucherLine.currency, *dim_cols)
    ).all()
    codes = {
        r.id: (r.dim_type, r.code)
        for r in s.execute(
            select(DimensionValue.id, DimensionValue.dim_type, DimensionValue.code).where(
                DimensionValue.company_id == company.id
            )
        )
    }
    out = []
    n_dims = len(DIMENSIONS)
    for r in rows:
        dims = tuple(
            codes.get(vid, (dim, f"#{vid}"))
            for dim, vid in zip(DIMENSIONS, r[2 : 2 + n_dims], strict=True)
            if vid is not None
        )
        out.append(
            FxBalance(
                account=fx_accounts[r[0]],
                currency=r[1],
                dims=dims,
                original_minor=int(r[-2]),
                base_minor=int(r[-1]),
            )
        )
    return sorted(out, key=lambda b: (b.account.code, b.currency, b.dims))


def _revaluation_drafts(
    company: Any, p: Period, adjustments: Sequence[tuple[FxBalance, Decimal, int]]
) -> list[VoucherDraft]:
    base = company.base_currency
    drafts = []
    for part in chunks(adjustments, domain.LINES_MAX - 1):
        lines = []
        gain = 0
        for bal, rate, diff in part:
            amount = from_minor(abs(diff), base)
            lines.append(
                LineDraft(
                    summary=f"{SUMMARY_REVALUATION} {bal.currency} {rate}",
                    account_code=bal.account.code,
                    debit=amount if diff > 0 else Decimal(0),
                    credit=amount if diff < 0 else Decimal(0),
                    currency=bal.currency,
                    original_amount=Decimal(0),
                    rate=rate,
                    dims=dict(bal.dims),
                )
            )
            # An asset restated up, or a liability restated down, is a gain (debit positive diff).
            gain += diff
        if gain:
            amount = from_minor(abs(gain), base)
            lines.append(
                LineDraft(
                    summary=SUMMARY_REVALUATION,
                    account_code=FX_GAIN_LOSS_ACCOUNT,
                    debit=amount if gain < 0 else Decimal(0),
                    credit=amount if gain > 0 else Decimal(0),
                )
            )
        drafts.append(
            VoucherDraft(
                date=p.last_day,
                lines=tuple(lines),
                word=CLOSING_WORD,
                source_type=FX_SOURCE_TYPE,
                source_ref=f"{p}/{SUMMARY_REVALUATION}",
            )
        )
    return drafts


def revalue(uow: UnitOfWork, company_code: str, period: str) -> VoucherView | None:
    """期末调汇: restate foreign-currency balances at the period's rates; None if nothing changed.

    Runs on an open period, before closing it. In the rare case of more open items than one
    voucher may hold, the adjustment is split over several vouchers; all are audited and the
    first is returned.
    """
    p = Period.parse(period)
    with uow:
        company = uow.company(company_code, Perm.FX_MANAGE)
        s = uow.session
        company = lock_company(s, company)
        row = period_row(s, company, p)
        if row.status != "open":
            raise PeriodClosed(period=str(p), field="period")
        index = LedgerIndex(s, company)
        balances = [b for b in fx_balances(s, company, index, p) if b.original_minor or b.base_minor]
        rates = {
            r.currency: r.rate
            for r in s.execute(
                select(ExchangeRate).where(
                    ExchangeRate.company_id == company.id, ExchangeRate.period == p.key
                )
            ).scalars()
        }
        missing = sorted({b.currency for b in balances} - set(rates))
        if missing:
            raise RateMissing(currencies=", ".join(missing), period=str(p), field="currency")
        adjustments = []
        for b in balances:
            rate = rates[b.currency]
            target = domain.fx_to_base(b.original_minor, b.currency, rate, company.base_currency)
            if target != b.base_minor:
                adjustments.append((b, rate, target - b.base_minor))
        if not adjustments:
            return None
        usable_account(index, FX_GAIN_LOSS_ACCOUNT, SUMMARY_REVALUATION)
        drafts = _revaluation_drafts(company, p, adjustments)
        lookup = carrying_lookup(index, {b.account.id for b, _, _ in adjustments})
        made = post_generated(uow, company, index, drafts, lookup)
        gain = sum(diff for _, _, diff in adjustments)
        uow.audit(
            "fx.revalue",
            "period",
            str(p),
            company_id=company.id,
            after={
                "vouchers": [v.display_no for v in made],
                "rates": {c: str(rates[c]) for c in sorted({b.currency for b, _, _ in adjustments})},
                "gain": format_minor(gain, company.base_currency),
            },
        )
        uow.commit()
        return get_voucher(uow, company_code, made[0].id)
