"""Dry-run a changed rule set over past periods: re-evaluate the document events posted in a
period range with a candidate rule set (validated exactly as saving would, never saved) and say,
per document, which voucher lines would differ — account, amount, dimension, summary, old vs
new — and what that does to each account's totals. Pure evaluation: nothing is written.

Every posting keeps the snapshot its rules were evaluated on (``DocumentVoucher.snapshot_json``),
so the candidate sees exactly what the rules in force saw; postings made before snapshots were
kept are counted as skipped, never guessed at from today's master data.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from yecai.core.errors import ValidationFailed, YecaiError
from yecai.core.money import format_minor
from yecai.core.periods import Period
from yecai.ledger.domain import DIMENSIONS
from yecai.ledger.models import Company, Voucher, VoucherLine
from yecai.ledger.service import LedgerIndex
from yecai.posting import domain
from yecai.posting.models import DocumentVoucher
from yecai.posting.service import RULE_SET_BYTES_MAX, validate_content
from yecai.security.domain import Perm
from yecai.store.uow import UnitOfWork

PERIODS_MAX = 36  # a dry-run covers at most three years of postings
DIFFERENCES_MAX = 2000  # documents listed in detail; the counts and account totals cover all
BATCH_SIZE = 500


class DryRunRangeInvalid(YecaiError):
    code = "posting.dry_run_range_invalid"
    template = "Dry-run periods {start} to {end} are not a valid range"


class DryRunRangeBackwards(DryRunRangeInvalid):
    code = "posting.dry_run_range_backwards"
    template = "Dry-run periods {start} to {end}: the end is before the start"


class DryRunRangeTooLong(DryRunRangeInvalid):
    code = "posting.dry_run_range_too_long"
    template = "Dry-run periods {start} to {end}: at most {max} periods at once"


def check_candidate(s: Session, company: Company, content: Any) -> dict[str, domain.EventRules]:
    """The same refusals as saving a rule set (size, shape, accounts, expressions, balance)."""
    text = json.dumps(content, ensure_ascii=False, sort_keys=True)
    if len(text.encode()) > RULE_SET_BYTES_MAX:
        raise domain.RuleSetMalformed(
            where="top level", reason=f"larger than {RULE_SET_BYTES_MAX} bytes", field="content"
        )
    errors = validate_content(s, company, content)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise ValidationFailed(errors)
    parsed, _errors = domain.parse_rule_set(content)
    return parsed


def _range(period_from: str, period_to: str | None) -> tuple[Period, Period]:
    start = Period.parse(period_from)
    end = Period.parse(period_to) if period_to else start
    if end.key < start.key:
        raise DryRunRangeBackwards(start=str(start), end=str(end), field="to")
    n = (end.year - start.year) * 12 + end.month - start.month + 1
    if n > PERIODS_MAX:
        raise DryRunRangeTooLong(start=str(start), end=str(end), max=PERIODS_MAX, field="to")
    return start, end


@dataclass
class _Totals:
    old_debit: int = 0
    old_credit: int = 0
    new_debit: int = 0
    new_credit: int = 0


@dataclass
class _Run:
    documents: int = 0
    changed: int = 0
    failed: int = 0
    differences: list[dict[str, Any]] = field(default_factory=list)
    accounts: dict[str, _Totals] = field(default_factory=lambda: defaultdict(_Totals))


def _line_view(ln: domain.PostedLine | None, prefix: str) -> dict[str, Any]:
    if ln is None:
        return {f"{prefix}_account": "", f"{prefix}_debit": "", f"{prefix}_credit": "",
                f"{prefix}_dims": {}, f"{prefix}_summary": ""}  # fmt: skip
    return {
        f"{prefix}_account": ln.account,
        f"{prefix}_debit": format_minor(ln.debit_minor) if ln.debit_minor else "",
        f"{prefix}_credit": format_minor(ln.credit_minor) if ln.credit_minor else "",
        f"{prefix}_dims": dict(ln.dims),
        f"{prefix}_summary": ln.summary,
    }


def _links(s: Session, company: Company, start: Period, end: Period) -> Iterator[list[DocumentVoucher]]:
    """The postings dated in the range, in date order, batch by batch (bounded memory)."""
    last = (start.first_day, 0)
    while True:
        q = (
            select(DocumentVoucher)
            .where(
                DocumentVoucher.company_id == company.id,
                DocumentVoucher.doc_date <= end.last_day,
                or_(
                    DocumentVoucher.doc_date > last[0],
                    and_(DocumentVoucher.doc_date == last[0], DocumentVoucher.id > last[1]),
                ),
            )
            .order_by(DocumentVoucher.doc_date, DocumentVoucher.id)
            .limit(BATCH_SIZE)
        )
        rows = s.execute(q).scalars().all()
        if not rows:
            return
        yield list(rows)
        assert rows[-1].doc_date is not None
        last = (rows[-1].doc_date, rows[-1].id)


def _old_lines(
    s: Session, index: LedgerIndex, links: list[DocumentVoucher]
) -> tuple[dict[int, list[domain.PostedLine]], dict[int, str]]:
    ids = [ln.voucher_id for ln in links if ln.voucher_id is not None]
    if not ids:
        return {}, {}
    rules = {
        link.voucher_id: {e["line_no"]: e["rule_id"] for e in json.loads(link.explanations_json)}
        for link in links
        if link.voucher_id is not None
    }
    out: dict[int, list[domain.PostedLine]] = defaultdict(list)
    for vl in s.execute(
        select(VoucherLine)
        .where(VoucherLine.voucher_id.in_(ids))
        .order_by(VoucherLine.voucher_id, VoucherLine.line_no)
    ).scalars():
        acc = index.account_by_id.get(vl.account_id)
        dims = []
        for dim in DIMENSIONS:
            vid = getattr(vl, f"{dim}_id")
            if vid is not None:
                found = index.dim_code(vid)
                dims.append((dim, found[1] if found else f"#{vid}"))
        out[vl.voucher_id].append(
            domain.PostedLine(
                rule_id=rules[vl.voucher_id].get(vl.line_no, ""),
                account=acc.code if acc else f"#{vl.account_id}",
                debit_minor=int(vl.debit_minor),
                credit_minor=int(vl.credit_minor),
                dims=tuple(dims),
                summary=vl.summary,
            )
        )
    nos = {
        int(vid): f"{word}-{number:04d}"
        for vid, word, number in s.execute(
            select(Voucher.id, Voucher.word, Voucher.number).where(Voucher.id.in_(ids))
        )
    }
    return out, nos


def dry_run(
    uow: UnitOfWork,
    company_code: str,
    content: Any,
    *,
    period_from: str,
    period_to: str | None = None,
    locale: str = "zh_CN",
) -> dict[str, Any]:
    """What ``content`` would have posted for the documents dated ``period_from``..``period_to``,
    compared with what was posted. Refused with the same errors as saving when it is invalid."""
    start, end = _range(period_from, period_to)
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        s = uow.session
        parsed = check_candidate(s, company, content)
        index = LedgerIndex(s, company, lazy_dimensions=True)
        run = _Run()
        for links in _links(s, company, start, end):
            old_by_voucher, voucher_nos = _old_lines(s, index, links)
            for link in links:
                _compare(run, link, old_by_voucher.get(link.voucher_id or 0, []), voucher_nos, parsed, locale)
        skipped = _skipped(s, company, start, end)
        accounts = [
            {
                "account": code,
                "name": index.accounts[code].name if code in index.accounts else "",
                "old_debit": format_minor(t.old_debit),
                "old_credit": format_minor(t.old_credit),
                "new_debit": format_minor(t.new_debit),
                "new_credit": format_minor(t.new_credit),
                "difference": format_minor((t.new_debit - t.new_credit) - (t.old_debit - t.old_credit)),
            }
            for code, t in sorted(run.accounts.items())
        ]
        return {
            "company": company.code,
            "period_from": str(start),
            "period_to": str(end),
            "documents": run.documents,
            "changed": run.changed,
            "failed": run.failed,
            "unchanged": run.documents - run.changed - run.failed,
            "skipped": skipped,
            "truncated": run.changed + run.failed > len(run.differences),
            "differences": run.differences,
            "accounts": accounts,
        }


def _compare(
    run: _Run,
    link: DocumentVoucher,
    old: list[domain.PostedLine],
    voucher_nos: dict[int, str],
    parsed: dict[str, domain.EventRules],
    locale: str,
) -> None:
    if link.snapshot_json is None:
        return
    run.documents += 1
    snapshot = json.loads(link.snapshot_json)
    result = domain.evaluate(link.event, snapshot, parsed)
    new = domain.result_lines(result)
    for ln in old:
        t = run.accounts[ln.account]
        t.old_debit += ln.debit_minor
        t.old_credit += ln.credit_minor
    if result.errors:
        run.failed += 1
        diffs: list[domain.LineDifference] = []
    else:
        for ln in new:
            t = run.accounts[ln.account]
            t.new_debit += ln.debit_minor
            t.new_credit += ln.credit_minor
        diffs = domain.diff_lines(old, new)
        if not diffs:
            return
        run.changed += 1
    if len(run.differences) >= DIFFERENCES_MAX:
        return
    run.differences.append(
        {
            "doc_type": link.source_type,
            "doc_id": link.source_id,
            "doc_no": link.source_ref,
            "event": link.event,
            "date": link.doc_date.isoformat() if link.doc_date else "",
            "voucher_no": voucher_nos.get(link.voucher_id or 0),
            "rule_version": link.rule_version,
            "errors": [e.to_dict(locale) for e in result.errors],
            "lines": [
                {
                    "rule": d.rule_id,
                    "changed": list(d.changed),
                    **_line_view(d.old, "old"),
                    **_line_view(d.new, "new"),
                }
                for d in diffs
            ],
        }
    )


def _skipped(s: Session, company: Company, start: Period, end: Period) -> int:
    """Postings in the range made before snapshots were kept (dated by their voucher)."""
    return int(
        s.execute(
            select(func.count(DocumentVoucher.id))
            .join(Voucher, Voucher.id == DocumentVoucher.voucher_id)
            .where(
                DocumentVoucher.company_id == company.id,
                DocumentVoucher.snapshot_json.is_(None),
                Voucher.period >= start.key,
                Voucher.period <= end.key,
            )
        ).scalar_one()
    )
