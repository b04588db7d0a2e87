"""Posting use cases: rule sets (save with validation, versions, effective dates), posting a
document event as a voucher inside the document's own transaction, preview, traceability.

``post_document`` is the pipeline every document service calls inside its ``with uow:``:
rules effective at the document date → evaluate → build (the ledger's one constructor) →
insert → review → post (hash chain, balances) → link document ↔ voucher → outbox event.
If any step refuses, the exception rolls the document's state change back with it.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from yecai.core.errors import NotFound, ValidationFailed, YecaiError
from yecai.core.money import format_minor
from yecai.core.periods import Period
from yecai.events import service as events
from yecai.ledger import domain as ledger_domain
from yecai.ledger.models import Company, Voucher
from yecai.ledger.models import Period as PeriodRow
from yecai.ledger.service import (
    LedgerIndex,
    PeriodClosed,
    PeriodNotOpened,
    _mark_reviewed,
    insert_voucher,
    post_rows,
    voucher_views,
)
from yecai.masterdata import domain as md_domain
from yecai.masterdata.models import TaxCode
from yecai.posting import domain
from yecai.posting.models import DocumentCounter, DocumentVoucher, PostingRuleSet
from yecai.security.domain import Perm
from yecai.store.sql import next_counter
from yecai.store.uow import UnitOfWork

DEFAULT_VERSION = 0  # the shipped default, used until a company saves its own
RULE_SET_BYTES_MAX = 256 * 1024


def default_rules_text() -> str:
    return (resources.files("yecai.posting") / "data" / "cas_default_rules.json").read_text(encoding="utf-8")


def default_rules() -> dict[str, Any]:
    return dict(json.loads(default_rules_text()))


@lru_cache(maxsize=64)
def _parsed(content_json: str) -> dict[str, domain.EventRules]:
    parsed, errors = domain.parse_rule_set(json.loads(content_json))
    if errors:  # saved rule sets were validated; a shipped default that fails is a bug
        raise errors[0]
    return parsed


def rules_effective(s: Session, company_id: int, on: date) -> tuple[int, str]:
    """(version, content JSON) of the rule set in force on ``on``."""
    row = s.execute(
        select(PostingRuleSet.version, PostingRuleSet.content_json)
        .where(PostingRuleSet.company_id == company_id, PostingRuleSet.effective_from <= on)
        .order_by(PostingRuleSet.effective_from.desc(), PostingRuleSet.version.desc())
        .limit(1)
    ).first()
    if row is None:
        return DEFAULT_VERSION, default_rules_text()
    return int(row[0]), str(row[1])


def _field_accounts(s: Session, company_id: int) -> dict[str, set[str]]:
    codes = set(s.execute(select(TaxCode.account_code).where(TaxCode.company_id == company_id)).scalars())
    return {"tax.account": codes or {t.account_code for t in md_domain.default_tax_codes()}}


def validate_content(s: Session, company: Company, content: Any) -> list[YecaiError]:
    index = LedgerIndex(s, company, lazy_dimensions=True)
    return domain.validate_rule_set(content, index.account, field_accounts=_field_accounts(s, company.id))


def check_rule_set(uow: UnitOfWork, company_code: str, content: Any) -> list[YecaiError]:
    """Validate without saving (the same checks as saving)."""
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        return validate_content(uow.session, company, content)


def save_rule_set(
    uow: UnitOfWork, company_code: str, content: Any, *, effective_from: date, note: str = ""
) -> dict[str, Any]:
    """Save a new version; refused with every error found when it could not post."""
    text = json.dumps(content, ensure_ascii=False, sort_keys=True)
    if len(text.encode()) > RULE_SET_BYTES_MAX:
        raise domain.RuleSetMalformed(where="top level", reason=f"larger than {RULE_SET_BYTES_MAX} bytes")
    with uow:
        company = uow.company(company_code, Perm.ACCOUNT_MANAGE)
        s = uow.session
        errors = validate_content(s, company, content)
        if len(errors) == 1:
            raise errors[0]
        if errors:
            raise ValidationFailed(errors)
        last = s.execute(
            select(PostingRuleSet.version)
            .where(PostingRuleSet.company_id == company.id)
            .order_by(PostingRuleSet.version.desc())
            .limit(1)
        ).scalar_one_or_none()
        row = PostingRuleSet(
            company_id=company.id,
            version=(last or 0) + 1,
            effective_from=effective_from,
            note=note[:200],
            content_json=text,
            created_by=uow.actor.username,
        )
        s.add(row)
        s.flush()
        out = _rule_set_dict(row, with_content=False)
        uow.audit("posting_rules.save", "posting_rule_set", row.version, company_id=company.id, after=out)
        uow.commit()
    return out


def _rule_set_dict(row: PostingRuleSet, *, with_content: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "version": row.version,
        "effective_from": row.effective_from.isoformat(),
        "note": row.note,
        "created_by": row.created_by,
        "created_at": row.created_at.isoformat() if row.created_at else None,
    }
    if with_content:
        out["content"] = json.loads(row.content_json)
    return out


def list_rule_sets(uow: UnitOfWork, company_code: str) -> list[dict[str, Any]]:
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        rows = uow.session.execute(
            select(PostingRuleSet)
            .where(PostingRuleSet.company_id == company.id)
            .order_by(PostingRuleSet.version)
        ).scalars()
        default = {
            "version": DEFAULT_VERSION,
            "effective_from": "",
            "note": "shipped default",
            "created_by": "",
            "created_at": None,
        }
        return [default] + [_rule_set_dict(r, with_content=False) for r in rows]


def get_rule_set(
    uow: UnitOfWork, company_code: str, *, version: int | None = None, on: date | None = None
) -> dict[str, Any]:
    """A version's content, or the one in force on a date (today by default)."""
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        s = uow.session
        if version is None:
            version, _text = rules_effective(s, company.id, on or date.today())
        if version == DEFAULT_VERSION:
            return {"version": 0, "effective_from": "", "note": "shipped default", "content": default_rules()}
        row = s.execute(
            select(PostingRuleSet).where(
                PostingRuleSet.company_id == company.id, PostingRuleSet.version == version
            )
        ).scalar_one_or_none()
        if row is None:
            raise NotFound(what="rule set version", key=version, field="version")
        return _rule_set_dict(row, with_content=True)


# --- posting -----------------------------------------------------------------------------------


def _raise(errors: tuple[YecaiError, ...] | list[YecaiError]) -> None:
    if len(errors) == 1:
        raise errors[0]
    raise ValidationFailed(list(errors))


def check_date_open(s: Session, company: Company, day: date, *, index: LedgerIndex | None = None) -> None:
    """The one check every document state change with a date passes, whether or not it ends up
    posting a voucher (a delivery of services only, a count without differences): the period of
    its date must be open. A closed period accepts nothing."""
    p = Period.of(day)
    if index is not None:
        index.check_period_open(p)
        return
    status = s.execute(
        select(PeriodRow.status).where(PeriodRow.company_id == company.id, PeriodRow.period == p.key)
    ).scalar_one_or_none()
    if status is None:
        raise PeriodNotOpened(period=str(p), company=company.code, field="date")
    if status != "open":
        raise PeriodClosed(period=str(p), field="date")


def post_document(
    uow: UnitOfWork,
    company: Company,
    index: LedgerIndex,
    event: str,
    snapshot: dict[str, Any],
    *,
    source_id: int,
    payload: dict[str, Any] | None = None,
) -> Voucher | None:
    """Post a document event inside the caller's command; returns the voucher (None if all zero)."""
    s = uow.session
    doc_date = date.fromisoformat(str(snapshot["doc"]["date"]))
    check_date_open(s, company, doc_date, index=index)
    version, text = rules_effective(s, company.id, doc_date)
    result = domain.evaluate(event, snapshot, _parsed(text))
    if result.errors:
        _raise(result.errors)
    row: Voucher | None = None
    if result.draft is not None:
        voucher = index.build(result.draft)
        row = insert_voucher(uow, company, index, voucher, source_id=source_id)
        # The document's state change is the reviewed act (as closing does for its vouchers).
        _mark_reviewed(uow, row)
        post_rows(uow, company, [row], index=index)
    spec = domain.EVENTS[event]
    s.add(
        DocumentVoucher(
            company_id=company.id,
            source_type=spec.source_type,
            source_id=source_id,
            source_ref=str(snapshot["doc"].get("no", ""))[:100],
            event=event,
            voucher_id=row.id if row is not None else None,
            rule_version=version,
            explanations_json=json.dumps([asdict(e) for e in result.explanations], ensure_ascii=False),
            doc_date=doc_date,
            snapshot_json=json.dumps(snapshot, ensure_ascii=False, separators=(",", ":"), default=str),
        )
    )
    events.emit(
        uow,
        company.id,
        event,
        {
            "company": company.code,
            "doc_type": spec.source_type,
            "doc_id": source_id,
            "doc_no": snapshot["doc"].get("no"),
            "date": doc_date.isoformat(),
            "voucher_id": row.id if row is not None else None,
            "voucher_no": row.display_no if row is not None else None,
            "rule_version": version,
            **(payload or {}),
        },
    )
    return row


def preview(s: Session, company: Company, event: str, snapshot: dict[str, Any]) -> dict[str, Any]:
    """The voucher a document event would produce, which rule made each line, and any errors."""
    doc_date = date.fromisoformat(str(snapshot["doc"]["date"]))
    version, text = rules_effective(s, company.id, doc_date)
    result = domain.evaluate(event, snapshot, _parsed(text))
    index = LedgerIndex(s, company, lazy_dimensions=True)
    errors = list(result.errors)
    if result.draft is not None:
        _voucher, more = ledger_domain.validate_voucher(
            result.draft,
            index.account,
            base_currency=company.base_currency,
            dimension_exists=index.dimension_exists,
        )
        errors += more
    why = {e.line_no: e for e in result.explanations}
    lines = []
    for i, ln in enumerate(result.draft.lines if result.draft else (), start=1):
        acc = index.account(ln.account_code)
        lines.append(
            {
                "line_no": i,
                "rule": why[i].rule_id,
                "amount_expression": why[i].amount_expression,
                "account_choice": why[i].account_choice,
                "summary": ln.summary,
                "account_code": ln.account_code,
                "account_name": acc.name if acc else "",
                "debit": str(ln.debit) if ln.debit else "",
                "credit": str(ln.credit) if ln.credit else "",
                "dims": dict(ln.dims),
            }
        )
    return {
        "event": event,
        "date": doc_date.isoformat(),
        "word": result.draft.word if result.draft else "",
        "rule_version": version,
        "lines": lines,
        "errors": [e.to_dict("en") for e in errors],
    }


# --- traceability ------------------------------------------------------------------------------


def document_vouchers(s: Session, company: Company, source_type: str, source_id: int) -> list[dict[str, Any]]:
    """Document → its postings: event, rule version and the voucher (with lines and their rules)."""
    links = (
        s.execute(
            select(DocumentVoucher)
            .where(
                DocumentVoucher.company_id == company.id,
                DocumentVoucher.source_type == source_type,
                DocumentVoucher.source_id == source_id,
            )
            .order_by(DocumentVoucher.id)
        )
        .scalars()
        .all()
    )
    ids = [ln.voucher_id for ln in links if ln.voucher_id is not None]
    rows = (
        s.execute(select(Voucher).options(selectinload(Voucher.lines)).where(Voucher.id.in_(ids)))
        .scalars()
        .all()
        if ids
        else []
    )
    views = {v.id: v for v in voucher_views(s, company, rows, users={})}
    out = []
    for link in links:
        rules = {e["line_no"]: e["rule_id"] for e in json.loads(link.explanations_json)}
        view = views.get(link.voucher_id) if link.voucher_id else None
        out.append(
            {
                "event": link.event,
                "rule_version": link.rule_version,
                "voucher_id": link.voucher_id,
                "voucher_no": view.voucher_no if view else None,
                "period": view.period if view else None,
                "total": view.total if view else format_minor(0),
                "lines": [
                    {**asdict(ln), "rule": rules.get(ln.line_no, "")} for ln in (view.lines if view else [])
                ],
            }
        )
    return out


def trace_voucher(uow: UnitOfWork, company_code: str, voucher_id: int) -> dict[str, Any]:
    """Voucher → its document, the event, the rule version and the rule of each line."""
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        s = uow.session
        v = s.execute(
            select(Voucher).where(Voucher.id == voucher_id, Voucher.company_id == company.id)
        ).scalar_one_or_none()
        if v is None:
            raise NotFound(what="voucher", key=voucher_id, field="voucher")
        link = s.execute(
            select(DocumentVoucher).where(DocumentVoucher.voucher_id == v.id)
        ).scalar_one_or_none()
        if link is None:
            return {
                "voucher_id": v.id,
                "voucher_no": v.display_no,
                "source_type": v.source_type,
                "document": None,
            }
        return {
            "voucher_id": v.id,
            "voucher_no": v.display_no,
            "source_type": link.source_type,
            "document": {"type": link.source_type, "id": link.source_id, "no": link.source_ref},
            "event": link.event,
            "rule_version": link.rule_version,
            "line_rules": {str(e["line_no"]): e["rule_id"] for e in json.loads(link.explanations_json)},
        }


def next_document_no(s: Session, company_id: int, doc_type: str, prefix: str, year: int) -> str:
    n = next_counter(
        s,
        DocumentCounter.__table__,
        {"company_id": company_id, "doc_type": doc_type, "year": year},
        "last_number",
    )
    return f"{prefix}-{year}-{n:04d}"
