"""Export a company's posted books as a Beancount v3 file.

One transaction per posted voucher (voucher number, id, period and hash as metadata, a link
``^yecai-<company>-<YYYYMM>-<word>-<number>``), one posting per voucher line with the line's
net amount (debit - credit) in the base currency; red (negative) amounts stay negative.

Accounts are named by category and code so names are stable when a name changes:
``Assets:1002:100201``; asset, cost and debit-side common accounts go under Assets, liability
and credit-side common accounts under Liabilities, equity under Equity, profit_loss accounts
under Income (credit side) or Expenses (debit side). The Chinese name goes in ``open``
metadata. The file ends with a ``balance`` assertion per account from yecai's own balances,
so ``bean-check`` verifies that the exported transactions add up to yecai's trial balance.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TextIO

from sqlalchemy import func, select

from yecai.core.money import format_minor
from yecai.core.periods import Period
from yecai.ledger.domain import DIMENSIONS
from yecai.ledger.models import AccountBalance, DimensionValue, Voucher, VoucherLine
from yecai.ledger.reports import _Acc, _Chart
from yecai.security.domain import Perm
from yecai.store.uow import UnitOfWork

BATCH_ROWS = 5000
WORD_LATIN = {"记": "ji", "收": "shou", "付": "fu", "转": "zhuan"}


@dataclass(frozen=True)
class ExportStats:
    vouchers: int
    lines: int
    accounts: int


def beancount_root(category: str, direction: str) -> str:
    if category in ("asset", "cost"):
        return "Assets"
    if category == "liability":
        return "Liabilities"
    if category == "equity":
        return "Equity"
    if category == "profit_loss":
        return "Income" if direction == "credit" else "Expenses"
    if category == "common":
        return "Assets" if direction == "debit" else "Liabilities"
    raise ValueError(f"unknown account category {category!r}")


def beancount_account(acc: _Acc, chart: _Chart) -> str:
    """``Assets:1002:100201``: the root by category, then the codes from the top account down."""
    codes = [chart.by_id[a].code for a in reversed(chart.ancestors[acc.id])]
    top = chart.by_id[chart.ancestors[acc.id][-1]]
    return ":".join([beancount_root(top.category, top.direction), *codes])


def quote(text: str) -> str:
    cleaned = " ".join(text.replace("\\", "\\\\").replace('"', '\\"').split())
    return f'"{cleaned}"'


def export_beancount(
    uow: UnitOfWork, company_code: str, out: TextIO, *, progress: Callable[[int, int], None] | None = None
) -> ExportStats:
    """Write the company's posted vouchers to ``out`` (streamed, constant memory)."""
    with uow:
        company = uow.company(company_code, Perm.EXPORT)
        s = uow.session
        cur = company.base_currency
        chart = _Chart.load(s, company.id)
        first_date, last_date, n_vouchers = s.execute(
            select(func.min(Voucher.date), func.max(Voucher.date), func.count()).where(
                Voucher.company_id == company.id, Voucher.status == "posted"
            )
        ).one()
        balances = {
            aid: int(net or 0)
            for aid, net in s.execute(
                select(
                    AccountBalance.account_id,
                    func.sum(AccountBalance.debit_minor - AccountBalance.credit_minor),
                )
                .where(AccountBalance.company_id == company.id)
                .group_by(AccountBalance.account_id)
            )
        }
        dim_codes = {
            vid: code
            for vid, code in s.execute(
                select(DimensionValue.id, DimensionValue.code).where(DimensionValue.company_id == company.id)
            )
        }
        start = Period.from_int(company.start_period).first_day
        open_day = min(start, first_date) if first_date else start
        used = {anc for aid in balances for anc in chart.ancestors.get(aid, (aid,))}
        names = {aid: beancount_account(chart.by_id[aid], chart) for aid in used}

        out.write(f"; yecai export of company {company.code} {company.name}\n")
        out.write(f"; {n_vouchers} posted vouchers; chain head {company.chain_head}\n\n")
        out.write(f"option {quote('title')} {quote(f'{company.name} ({company.code})')}\n")
        out.write(f'option "operating_currency" "{cur}"\n\n')
        for aid in sorted(used, key=lambda a: chart.by_id[a].code):
            acc = chart.by_id[aid]
            out.write(f"{open_day.isoformat()} open {names[aid]}\n")
            out.write(f"  code: {quote(acc.code)}\n  name: {quote(acc.name)}\n")
            if acc.name_en:
                out.write(f"  name_en: {quote(acc.name_en)}\n")
            out.write(f"  direction: {quote(acc.direction)}\n")
        out.write("\n")

        q = (
            select(
                Voucher.id,
                Voucher.date,
                Voucher.period,
                Voucher.word,
                Voucher.number,
                Voucher.summary,
                Voucher.source_type,
                Voucher.hash,
                VoucherLine.line_no,
                VoucherLine.account_id,
                VoucherLine.summary,
                VoucherLine.debit_minor,
                VoucherLine.credit_minor,
                VoucherLine.currency,
                VoucherLine.original_minor,
                VoucherLine.rate,
                *(getattr(VoucherLine, f"{d}_id") for d in DIMENSIONS),
            )
            .join(VoucherLine, VoucherLine.voucher_id == Voucher.id)
            .where(Voucher.company_id == company.id, Voucher.status == "posted")
            .order_by(Voucher.date, Voucher.period, Voucher.word, Voucher.number, VoucherLine.line_no)
            .execution_options(yield_per=BATCH_ROWS)
        )
        current = None
        vouchers = lines = 0
        for row in s.execute(q):
            (vid, day, period, word, number, summary, source_type, vhash, line_no, aid, line_summary) = row[
                :11
            ]
            debit, credit, currency, original, rate = row[11:16]
            if vid != current:
                current = vid
                vouchers += 1
                voucher_no = f"{word}-{number:04d}"
                link = f"yecai-{company.code}-{period}-{WORD_LATIN.get(word, 'v')}-{number:04d}"
                out.write(f"\n{day.isoformat()} * {quote(summary or voucher_no)} ^{link}\n")
                out.write(f"  voucher_id: {vid}\n  voucher_no: {quote(voucher_no)}\n")
                out.write(f"  period: {quote(str(Period.from_int(period)))}\n")
                out.write(f"  source: {quote(source_type)}\n")
                if vhash:
                    out.write(f"  hash: {quote(vhash)}\n")
                if progress and vouchers % 10000 == 0:
                    progress(vouchers, n_vouchers)
            lines += 1
            out.write(f"  {names[aid]}  {format_minor(debit - credit, cur)} {cur}\n")
            if line_summary and line_summary != summary:
                out.write(f"    summary: {quote(line_summary)}\n")
            for dim, dim_id in zip(DIMENSIONS, row[16:], strict=True):
                if dim_id is not None:
                    out.write(f"    {dim}: {quote(dim_codes.get(dim_id, str(dim_id)))}\n")
            if currency and original is not None:
                out.write(f"    original: {quote(f'{format_minor(original, currency)} {currency}')}\n")
                out.write(f"    rate: {quote(str(rate))}\n")

        # yecai's own balances as assertions: bean-check proves the export adds up to them.
        check_day = (last_date or open_day) + timedelta(days=1)
        out.write("\n")
        for aid in sorted(balances, key=lambda a: chart.by_id[a].code):
            out.write(
                f"{check_day.isoformat()} balance {names[aid]}  {format_minor(balances[aid], cur)} {cur}\n"
            )
        if progress:
            progress(vouchers, n_vouchers)
        company_id = company.id
    stats = ExportStats(vouchers=vouchers, lines=lines, accounts=len(used))
    # Taking the books out of the system is recorded; in its own short transaction so the
    # (possibly long) read above never holds a write lock.
    with uow:
        uow.audit("export.beancount", "company", company_code, company_id=company_id, after=stats.__dict__)
        uow.commit()
    return stats


def beancount_text(uow: UnitOfWork, company_code: str) -> str:
    buf = io.StringIO()
    export_beancount(uow, company_code, buf)
    return buf.getvalue()
