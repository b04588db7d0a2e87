"""Posting use cases: rule sets (save with validation, versions, effective dates), posting a
document event as a voucher inside the document's own transaction, preview, traceability.

``post_document`` is the pipeline every document service calls inside its ``with uow:``:
rules effective at the document date → evaluate → build (the ledger's one constructor) →
insert → review → post (hash chain, balances) → link document ↔ voucher → outbox event.
If any step refuses, the exception rolls the document's state change back with it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.util import identity_key

from yecai.core.errors import NotFound, ValidationFailed, YecaiError
from yecai.core.money import format_minor
from yecai.core.periods import Period
from yecai.events import service as events
from yecai.ledger import domain as ledger_domain
from yecai.ledger.domain import DIMENSIONS, AccountInfo
from yecai.ledger.models import Account, Company, Voucher
from yecai.ledger.models import Period as PeriodRow
from yecai.ledger.service import (
    LedgerIndex,
    LineView,
    _mark_reviewed,
    insert_voucher,
    post_rows,
)
from yecai.masterdata import domain as md_domain
from yecai.masterdata.models import Item, TaxCode
from yecai.posting import domain
from yecai.posting.models import DocumentCounter, DocumentVoucher, PostingRuleSet
from yecai.security.domain import Perm
from yecai.store.sql import next_counter
from yecai.store.uow import UnitOfWork

DEFAULT_VERSION = 0  # the shipped default, used until a company saves its own
RULE_SET_BYTES_MAX = 256 * 1024


@lru_cache(maxsize=1)
def default_rules_text() -> str:
    """The shipped default rule set (package data: read once per process)."""
    return (resources.files("yecai.posting") / "data" / "cas_default_rules.json").read_text(encoding="utf-8")


def default_rules() -> dict[str, Any]:
    return dict(json.loads(default_rules_text()))


@lru_cache(maxsize=64)
def _parsed(content_json: str) -> dict[str, domain.EventRules]:
    parsed, errors = domain.parse_rule_set(json.loads(content_json))
    if errors:  # saved rule sets were validated; a shipped default that fails is a bug
        raise errors[0]
    return parsed


# Statements the posting path runs for every document are built once, with bound parameters:
# building a SELECT and computing its cache key costs more Python time than running it on SQLite.
_RULES_EFFECTIVE = (
    select(PostingRuleSet.version, PostingRuleSet.content_json)
    .where(
        PostingRuleSet.company_id == bindparam("company_id"),
        PostingRuleSet.effective_from <= bindparam("on"),
    )
    .order_by(PostingRuleSet.effective_from.desc(), PostingRuleSet.version.desc())
    .limit(1)
)


def rules_effective(s: Session, company_id: int, on: date) -> tuple[int, str]:
    """(version, content JSON) of the rule set in force on ``on``."""
    row = s.execute(_RULES_EFFECTIVE, {"company_id": company_id, "on": on}).first()
    if row is None:
        return DEFAULT_VERSION, default_rules_text()
    return int(row[0]), str(row[1])


# --- the ledger index for posting: once per transaction, the chart reused while unchanged --------

_CHART_COLUMNS = (
    Account.id,
    Account.code,
    Account.name,
    Account.is_leaf,
    Account.enabled,
    Account.dimensions,
    Account.allow_fx,
    Account.direction,
    Account.category,
)
_CHART = select(*_CHART_COLUMNS).where(Account.company_id == bindparam("company_id")).order_by(Account.id)
_PERIODS = select(PeriodRow.period, PeriodRow.status).where(PeriodRow.company_id == bindparam("company_id"))
_CHARTS_MAX = 256
_charts: dict[tuple[str, int], tuple[tuple[Any, ...], dict[str, AccountInfo], dict[int, AccountInfo]]]
_charts = {}
# The indexes of a transaction live in its session's ``info``: an index refers to its session,
# so a WeakKeyDictionary keyed by the session (as before) kept every session alive for good.
_INDEXES = "yecai_ledger_indexes"


class _PostingIndex(LedgerIndex):
    """A ``LedgerIndex`` (lazy dimensions) whose chart of accounts is built once and reused by
    later commands for as long as the company's account rows are the same: every command still
    reads the rows (one query) and compares them whole, so an account renamed, disabled or given
    a sub-account is never served stale; only the per-account objects are not rebuilt."""

    def __init__(self, s: Session, company: Company) -> None:
        # Core, not ORM, execution: plain rows are all this needs, at a fraction of the cost.
        rows = tuple(s.connection().execute(_CHART, {"company_id": company.id}))  # Rows compare as tuples
        key = (str(s.get_bind().engine.url), company.id)
        cached = _charts.get(key)
        if cached is None or cached[0] != rows:
            accounts: dict[str, AccountInfo] = {}
            by_id: dict[int, AccountInfo] = {}
            for aid, code, name, is_leaf, enabled, dims, allow_fx, direction, category in rows:
                info = AccountInfo(
                    id=aid,
                    code=code,
                    name=name,
                    is_leaf=is_leaf,
                    enabled=enabled,
                    dimensions=tuple(d for d in dims.split(";") if d),
                    allow_fx=allow_fx,
                    direction=direction,
                    category=category,
                )
                accounts[code] = info
                by_id[aid] = info
            if len(_charts) >= _CHARTS_MAX:
                _charts.clear()
            cached = _charts[key] = (rows, accounts, by_id)
        self.session = s
        self.company = company
        self.lazy_dimensions = True
        self.accounts = cached[1]  # shared between indexes: read only
        self.account_by_id = cached[2]
        self.dims = {}
        self.dim_codes = {}
        self.periods = dict(s.connection().execute(_PERIODS, {"company_id": company.id}).all())


_LOAD_QUERIES: dict[tuple[Any, bool, bool], Any] = {}


def load_document(
    s: Session, model: Any, company: Company, doc_id: int, *, lines: bool = True, for_update: bool = False
) -> Any:
    """A document of ``company`` by id, with its lines (when it has lines and ``lines``), locked
    for update if asked; refused as not found otherwise (also when it belongs to another company)."""
    key = (model, lines and hasattr(model, "lines"), for_update)
    q = _LOAD_QUERIES.get(key)
    if q is None:
        q = select(model).where(model.company_id == bindparam("company_id"), model.id == bindparam("doc_id"))
        if key[1]:
            q = q.options(selectinload(model.lines))
        if for_update:
            q = q.with_for_update()
        _LOAD_QUERIES[key] = q
    row = s.execute(q, {"company_id": company.id, "doc_id": doc_id}).scalar_one_or_none()
    if row is None:
        raise NotFound(what=model.__tablename__.replace("_", " "), key=doc_id, field="id")
    return row


def resolve_document_id(uow: UnitOfWork, company_code: str, model: Any, doc_type: str, ref: str) -> int:
    """The id of the company's document of ``model`` named by its id ('12') or its number
    ('PO-2025-0001'); refused as not found (``doc_type`` in words) otherwise."""
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        q = select(model.id).where(model.company_id == company.id)
        q = q.where(model.id == int(ref)) if ref.strip().isdigit() else q.where(model.no == ref.strip())
        found = uow.session.execute(q).scalar_one_or_none()
        if found is None:
            raise NotFound(what=doc_type.replace("_", " "), key=ref, field="id")
        return int(found)


def get_document(
    uow: UnitOfWork,
    company_code: str,
    model: Any,
    view: Callable[..., dict[str, Any]],
    doc_id: int,
    *,
    lines: bool = True,
) -> dict[str, Any]:
    """``view(session, document, company=company)`` of one document of the company (read with the
    view permission; not found when it is another company's): what every ``get_<document>`` is."""
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        s = uow.session
        return view(s, load_document(s, model, company, doc_id, lines=lines), company=company)


def list_documents(
    uow: UnitOfWork,
    company_code: str,
    model: Any,
    view: Callable[..., dict[str, Any]],
    *,
    status: str | None,
    date_from: date | None,
    date_to: date | None,
    limit: int,
    limit_max: int,
    narrow: Callable[[Session, Company, Any], Any] | None = None,
) -> list[dict[str, Any]]:
    """``view(session, document)`` of the company's documents of ``model`` (with their lines, when
    they have lines) in date order: of ``status``, narrowed by ``narrow(session, company, query)``
    (the party, the work order …), dated from ``date_from`` to ``date_to``, at most ``limit``
    (1 to ``limit_max``). What every ``list_<documents>`` is."""
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        s = uow.session
        q = select(model).where(model.company_id == company.id)
        if hasattr(model, "lines"):
            q = q.options(selectinload(model.lines))
        if status:
            q = q.where(model.status == status)
        if narrow is not None:
            q = narrow(s, company, q)
        if date_from:
            q = q.where(model.date >= date_from)
        if date_to:
            q = q.where(model.date <= date_to)
        rows = (
            s.execute(q.order_by(model.date, model.id).limit(max(1, min(limit, limit_max)))).scalars().all()
        )
        return [view(s, r) for r in rows]


def rows_by_id(s: Session, model: Any, ids: Any) -> dict[int, Any]:
    """Rows by primary key: those this transaction already holds from its session (what a
    SELECT would hand back too: the same objects, unrefreshed), the rest in one query."""
    found: dict[int, Any] = {}
    missing = []
    for i in set(ids):
        row = s.identity_map.get(identity_key(model, i))
        if row is None:
            missing.append(i)
        else:
            found[i] = row
    if missing:
        for row in s.execute(select(model).where(model.id.in_(missing))).scalars():
            found[row.id] = row
    return found


def items_by_code(s: Session, company_id: int, codes: Sequence[str]) -> dict[str, Item]:
    """The enabled items of a document's lines in one query (the caller refuses a missing one
    through ``masterdata.item_by_code``, which names its line)."""
    return {
        i.code: i
        for i in s.execute(
            select(Item).where(Item.company_id == company_id, Item.code.in_(set(codes)))
        ).scalars()
        if i.enabled
    }


def ledger_index(s: Session, company: Company) -> LedgerIndex:
    """The ledger index documents post with: built once per transaction (session) and company,
    so that a command posting several documents, or a document and its views, loads the chart,
    the periods and each dimension value once."""
    per_session: dict[int, LedgerIndex] = s.info.setdefault(_INDEXES, {})
    index = per_session.get(company.id)
    if index is None:
        index = per_session[company.id] = _PostingIndex(s, company)
    return index


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
    (index or ledger_index(s, company)).check_period_open(Period.of(day))


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


def post_event(
    uow: UnitOfWork,
    company: Company,
    event: str,
    snapshot: dict[str, Any],
    *,
    source_id: int,
    audit: str,
    payload: dict[str, Any] | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    index: LedgerIndex | None = None,
) -> Voucher | None:
    """Post a document's state change, the one step every document service ends with: the
    voucher through the rules (``post_document``: rules → evaluate → voucher → link → outbox)
    and the audit entry ``audit`` on the document (its type is the event's source type), with
    ``before``/``after``. ``index`` defaults to the transaction's ledger index."""
    row = post_document(
        uow,
        company,
        index or ledger_index(uow.session, company),
        event,
        snapshot,
        source_id=source_id,
        payload=payload,
    )
    uow.audit(
        audit,
        domain.EVENTS[event].source_type,
        source_id,
        company_id=company.id,
        before=before,
        after=after,
    )
    return row


def preview(s: Session, company: Company, event: str, snapshot: dict[str, Any]) -> dict[str, Any]:
    """The voucher a document event would produce, which rule made each line, and any errors."""
    doc_date = date.fromisoformat(str(snapshot["doc"]["date"]))
    version, text = rules_effective(s, company.id, doc_date)
    result = domain.evaluate(event, snapshot, _parsed(text))
    index = ledger_index(s, company)
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


_DOCUMENT_LINKS = (
    select(DocumentVoucher)
    .where(
        DocumentVoucher.company_id == bindparam("company_id"),
        DocumentVoucher.source_type == bindparam("source_type"),
        DocumentVoucher.source_id == bindparam("source_id"),
    )
    .order_by(DocumentVoucher.id)
)


def document_vouchers(s: Session, company: Company, source_type: str, source_id: int) -> list[dict[str, Any]]:
    """Document → its postings: event, rule version and the voucher (with lines and their rules).

    Shown after every document command, so it reads what the command just wrote from the session
    (no reload) and names accounts and dimension values from the transaction's ledger index."""
    links = (
        s.execute(
            _DOCUMENT_LINKS, {"company_id": company.id, "source_type": source_type, "source_id": source_id}
        )
        .scalars()
        .all()
    )
    vouchers = _vouchers_with_lines(s, [ln.voucher_id for ln in links if ln.voucher_id is not None])
    index = ledger_index(s, company) if vouchers else None
    cur = company.base_currency
    out = []
    for link in links:
        rules = {e["line_no"]: e["rule_id"] for e in json.loads(link.explanations_json)}
        v = vouchers.get(link.voucher_id) if link.voucher_id else None
        lines = [] if v is None or index is None else [asdict(ln) for ln in _line_views(index, v, cur)]
        out.append(
            {
                "event": link.event,
                "rule_version": link.rule_version,
                "voucher_id": link.voucher_id,
                "voucher_no": v.display_no if v else None,
                "period": str(Period.from_int(v.period)) if v else None,
                "total": format_minor(v.total_minor, cur) if v else format_minor(0),
                "lines": [{**ln, "rule": rules.get(ln["line_no"], "")} for ln in lines],
            }
        )
    return out


def _vouchers_with_lines(s: Session, ids: list[int]) -> dict[int, Voucher]:
    """Vouchers by id with their lines: from the session when this transaction holds them."""
    found: dict[int, Voucher] = {}
    missing = []
    for vid in ids:
        v = s.identity_map.get(identity_key(Voucher, vid))
        if isinstance(v, Voucher):  # its lines are in the session too, or load in one query
            found[vid] = v
        else:
            missing.append(vid)
    if missing:
        for v in s.execute(
            select(Voucher).options(selectinload(Voucher.lines)).where(Voucher.id.in_(missing))
        ).scalars():
            found[v.id] = v
    return found


def _line_views(index: LedgerIndex, v: Voucher, cur: str) -> list[LineView]:
    """As the ledger's voucher views show lines (same fields, same formatting)."""
    out = []
    for ln in sorted(v.lines, key=lambda x: x.line_no):
        acc = index.account_by_id.get(ln.account_id)
        if acc is None:  # an account added after the index was built: the chart changed
            index = index.session.info[_INDEXES][index.company.id] = _PostingIndex(
                index.session, index.company
            )
            acc = index.account_by_id[ln.account_id]
        dims = {}
        for d in DIMENSIONS:
            vid = getattr(ln, f"{d}_id")
            if vid is not None:
                code = index.dim_code(vid)
                dims[d] = code[1] if code else ""
        out.append(
            LineView(
                line_no=ln.line_no,
                summary=ln.summary,
                account_code=acc.code,
                account_name=acc.name,
                debit=format_minor(ln.debit_minor, cur) if ln.debit_minor else "",
                credit=format_minor(ln.credit_minor, cur) if ln.credit_minor else "",
                currency=ln.currency,
                original_amount=None
                if ln.original_minor is None
                else format_minor(ln.original_minor, ln.currency or cur),
                rate=None if ln.rate is None else str(ln.rate),
                dims=dims,
            )
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
