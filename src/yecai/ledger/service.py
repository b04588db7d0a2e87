"""Ledger use cases: companies, accounts, dimension values, vouchers (create → review → post),
reversals and the hash chain. One business command, one transaction (see store/uow.py).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from yecai.core.errors import Conflict, FieldRequired, IdempotencyConflict, NotFound, YecaiError
from yecai.core.money import format_minor, from_minor, minor_unit
from yecai.core.periods import Period, period_range
from yecai.ledger import domain
from yecai.ledger.domain import DIMENSIONS, AccountInfo, LineDraft, ValidVoucher, VoucherDraft
from yecai.ledger.models import (
    NOT_POSTED,
    Account,
    AccountBalance,
    Company,
    DimensionValue,
    IdempotencyRecord,
    Voucher,
    VoucherCounter,
    VoucherLine,
)
from yecai.ledger.models import Period as PeriodRow
from yecai.security.domain import Perm
from yecai.store.base import utcnow
from yecai.store.sql import next_counter, upsert_add_many
from yecai.store.uow import UnitOfWork

COMPANY_CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,20}$")
ACCOUNT_CODE_RE = re.compile(r"^\d{4}(\d{2}){0,3}$")  # 4-2-2(-2)
PAGE_SIZE_MAX = 500


# --- errors ------------------------------------------------------------------------------------


class InvalidCompanyCode(YecaiError):
    code = "company.invalid_code"
    template = "Company code {code!r} must be 1–20 letters, digits, '-' or '_'"


class UnknownTemplate(YecaiError):
    code = "company.unknown_template"
    template = "Unknown chart-of-accounts template {template!r} (available: cas-general)"


class InvalidAccountCode(YecaiError):
    code = "account.invalid_code"
    template = "Account code {code!r} must extend its parent {parent} by two digits (levels 4-2-2)"


class ParentHasEntries(YecaiError):
    code = "account.parent_has_entries"
    template = "Account {parent} already has voucher lines; sub-accounts must be added before it is used"


class InvalidDimension(YecaiError):
    code = "dimension.invalid_type"
    template = (
        "Unknown dimension {dimension!r} (expected one of customer, supplier, department, project, employee)"
    )


class PeriodClosed(YecaiError):
    code = "period.closed"
    template = "Period {period} is closed; it accepts no vouchers"


class PeriodNotOpened(YecaiError):
    code = "period.not_opened"
    template = "Period {period} is not open in company {company} (its fiscal year has not been opened)"


class VoucherWrongState(YecaiError):
    code = "voucher.wrong_state"
    template = "Voucher {voucher} is {status}; cannot {action}"
    http_status = 409


class ReviewBySameUser(YecaiError):
    code = "voucher.review_by_maker"
    template = "Voucher {voucher} was made by {user}; it must be reviewed by someone else"
    http_status = 409


class AlreadyReversed(YecaiError):
    code = "voucher.already_reversed"
    template = "Voucher {voucher} has already been reversed by {reversal}"
    http_status = 409


# --- views returned to shells ------------------------------------------------------------------


@dataclass(frozen=True)
class LineView:
    line_no: int
    summary: str
    account_code: str
    account_name: str
    debit: str
    credit: str
    currency: str | None
    original_amount: str | None
    rate: str | None
    dims: dict[str, str]


@dataclass(frozen=True)
class VoucherView:
    id: int
    company: str
    period: str
    word: str
    number: int
    voucher_no: str
    date: str
    attachments: int
    status: str
    summary: str
    total: str
    source_type: str
    source_id: int | None
    source_ref: str
    reverses_id: int | None
    maker: str | None
    reviewer: str | None
    poster: str | None
    hash: str | None
    lines: list[LineView]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class AccountView:
    code: str
    name: str
    name_en: str
    parent_code: str | None
    level: int
    is_leaf: bool
    direction: str
    category: str
    enabled: bool
    dimensions: tuple[str, ...]
    allow_fx: bool
    pinyin: str


# --- companies ---------------------------------------------------------------------------------


def pinyin_initials(name: str) -> str:
    from pypinyin import Style, lazy_pinyin  # ~0.5 s to import: only where names are indexed

    return "".join(p[0] for p in lazy_pinyin(name, style=Style.FIRST_LETTER) if p and p[0].isalnum()).lower()


def create_company(
    uow: UnitOfWork,
    *,
    code: str,
    name: str,
    template: str = "cas-general",
    currency: str = "CNY",
    start: str | None = None,
) -> dict[str, Any]:
    from yecai.ledger.templates import load_account_template
    from yecai.security.models import CompanyGrant

    if not COMPANY_CODE_RE.match(code):
        raise InvalidCompanyCode(code=code, field="code")
    if not name.strip():
        raise FieldRequired(field_name="name", field="name")
    minor_unit(currency)
    if template != "cas-general":
        raise UnknownTemplate(template=template, field="template")
    first = Period.parse(start) if start else Period.of(date.today()).__class__(date.today().year, 1)
    with uow:
        if not uow.actor.is_admin and uow.actor.user_id is None:
            raise NotFound(what="user", key=uow.actor.username)
        s = uow.session
        if s.execute(select(Company.id).where(Company.code == code)).first():
            raise Conflict(what="company", key=code, field="code")
        company = Company(
            code=code, name=name.strip(), base_currency=currency, template=template, start_period=first.key
        )
        s.add(company)
        s.flush()
        open_periods(s, company, first, Period(first.year, 12))
        rows = load_account_template(template)
        by_code: dict[str, Account] = {}
        for r in rows:
            acc = Account(
                company_id=company.id,
                code=r.code,
                name=r.name,
                name_en=r.name_en,
                parent_id=by_code[r.parent_code].id if r.parent_code else None,
                level=r.level,
                direction=r.direction,
                category=r.category,
                is_leaf=r.is_leaf,
                enabled=True,
                dimensions=";".join(r.dimensions),
                allow_fx=r.allow_fx,
                pinyin=pinyin_initials(r.name),
            )
            s.add(acc)
            if not r.is_leaf:
                s.flush()
            by_code[r.code] = acc
        if uow.actor.user_id is not None:
            s.add(
                CompanyGrant(
                    user_id=uow.actor.user_id,
                    company_id=company.id,
                    role="admin" if uow.actor.is_admin else "finance_manager",
                )
            )
        result = {
            "code": code,
            "name": company.name,
            "currency": currency,
            "template": template,
            "start": str(first),
        }
        uow.audit("company.create", "company", code, company_id=company.id, after=result)
        uow.commit()
    return result


def open_periods(s: Session, company: Company, first: Period, last: Period) -> None:
    existing = set(s.execute(select(PeriodRow.period).where(PeriodRow.company_id == company.id)).scalars())
    for p in period_range(first, last):
        if p.key not in existing:
            s.add(PeriodRow(company_id=company.id, period=p.key, status="open"))


def list_companies(uow: UnitOfWork) -> list[dict[str, Any]]:
    with uow:
        q = select(Company).order_by(Company.code)
        ids = uow.visible_company_ids()
        if ids is not None:
            q = q.where(Company.id.in_(ids))
        return [
            {
                "code": c.code,
                "name": c.name,
                "currency": c.base_currency,
                "start": str(Period.from_int(c.start_period)),
            }
            for c in uow.session.execute(q).scalars()
        ]


# --- accounts ----------------------------------------------------------------------------------


def _account_view(a: Account, codes: dict[int, str]) -> AccountView:
    return AccountView(
        code=a.code,
        name=a.name,
        name_en=a.name_en,
        parent_code=codes.get(a.parent_id) if a.parent_id else None,
        level=a.level,
        is_leaf=a.is_leaf,
        direction=a.direction,
        category=a.category,
        enabled=a.enabled,
        dimensions=a.dimension_list,
        allow_fx=a.allow_fx,
        pinyin=a.pinyin,
    )


def list_accounts(uow: UnitOfWork, company_code: str, *, search: str | None = None) -> list[AccountView]:
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        accounts = (
            uow.session.execute(
                select(Account).where(Account.company_id == company.id).order_by(Account.code)
            )
            .scalars()
            .all()
        )
        codes = {a.id: a.code for a in accounts}
        views = [_account_view(a, codes) for a in accounts]
    if search:
        q = search.strip().lower()
        views = [v for v in views if v.code.startswith(q) or q in v.name.lower() or v.pinyin.startswith(q)]
    return views


def add_account(
    uow: UnitOfWork,
    company_code: str,
    *,
    code: str,
    name: str,
    parent_code: str,
    dimensions: Sequence[str] | None = None,
    allow_fx: bool | None = None,
    name_en: str = "",
) -> AccountView:
    dims = tuple(d.strip() for d in (dimensions or ()) if d.strip())
    for d in dims:
        if d not in DIMENSIONS:
            raise InvalidDimension(dimension=d, field="dimensions")
    if not name.strip():
        raise FieldRequired(field_name="name", field="name")
    with uow:
        company = uow.company(company_code, Perm.ACCOUNT_MANAGE)
        s = uow.session
        parent = s.execute(
            select(Account).where(Account.company_id == company.id, Account.code == parent_code)
        ).scalar_one_or_none()
        if parent is None:
            raise NotFound(what="account", key=parent_code, field="parent_code")
        if (
            not ACCOUNT_CODE_RE.match(code)
            or not code.startswith(parent.code)
            or len(code) != len(parent.code) + 2
        ):
            raise InvalidAccountCode(code=code, parent=parent.code, field="code")
        if s.execute(
            select(Account.id).where(Account.company_id == company.id, Account.code == code)
        ).first():
            raise Conflict(what="account", key=code, field="code")
        if (
            parent.is_leaf
            and s.execute(select(VoucherLine.id).where(VoucherLine.account_id == parent.id).limit(1)).first()
        ):
            raise ParentHasEntries(parent=parent.code, field="parent_code")
        acc = Account(
            company_id=company.id,
            code=code,
            name=name.strip(),
            name_en=name_en,
            parent_id=parent.id,
            level=parent.level + 1,
            direction=parent.direction,
            category=parent.category,
            is_leaf=True,
            enabled=True,
            dimensions=";".join(dims) if dimensions is not None else parent.dimensions,
            allow_fx=parent.allow_fx if allow_fx is None else allow_fx,
            pinyin=pinyin_initials(name),
        )
        parent.is_leaf = False
        s.add(acc)
        s.flush()
        view = _account_view(acc, {parent.id: parent.code})
        uow.audit("account.add", "account", code, company_id=company.id, after=asdict(view))
        uow.commit()
    return view


def set_account_enabled(uow: UnitOfWork, company_code: str, code: str, enabled: bool) -> None:
    with uow:
        company = uow.company(company_code, Perm.ACCOUNT_MANAGE)
        acc = uow.session.execute(
            select(Account).where(Account.company_id == company.id, Account.code == code)
        ).scalar_one_or_none()
        if acc is None:
            raise NotFound(what="account", key=code, field="code")
        before = acc.enabled
        acc.enabled = enabled
        uow.audit(
            "account.enable" if enabled else "account.disable",
            "account",
            code,
            company_id=company.id,
            before={"enabled": before},
            after={"enabled": enabled},
        )
        uow.commit()


# --- dimension values --------------------------------------------------------------------------


def add_dimension_values(uow: UnitOfWork, company_code: str, values: Iterable[tuple[str, str, str]]) -> int:
    """Add (dimension, code, name) values; an existing code gets its name updated. Returns count."""
    n = 0
    with uow:
        company = uow.company(company_code, Perm.DIMENSION_MANAGE)
        s = uow.session
        existing = {
            (d.dim_type, d.code): d
            for d in s.execute(
                select(DimensionValue).where(DimensionValue.company_id == company.id)
            ).scalars()
        }
        for i, (dim, code, name) in enumerate(values, start=1):
            dim, code, name = dim.strip(), code.strip(), name.strip()
            if dim not in DIMENSIONS:
                raise InvalidDimension(dimension=dim, field="type", row=i)
            if not code:
                raise FieldRequired(field_name="code", field="code", row=i)
            row = existing.get((dim, code))
            if row is None:
                row = DimensionValue(company_id=company.id, dim_type=dim, code=code, name=name or code)
                s.add(row)
                existing[(dim, code)] = row
            else:
                row.name = name or row.name
            n += 1
        uow.audit("dimension.import", "dimension_value", "", company_id=company.id, after={"count": n})
        uow.commit()
    return n


def list_dimension_values(uow: UnitOfWork, company_code: str, dim: str | None = None) -> list[dict[str, str]]:
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        q = select(DimensionValue).where(DimensionValue.company_id == company.id)
        if dim:
            q = q.where(DimensionValue.dim_type == dim)
        return [
            {"type": d.dim_type, "code": d.code, "name": d.name}
            for d in uow.session.execute(q.order_by(DimensionValue.dim_type, DimensionValue.code)).scalars()
        ]


# --- lookups used while building vouchers ------------------------------------------------------


class LedgerIndex:
    """Accounts (and dimension values) of one company, loaded once per command.

    With ``lazy_dimensions`` the dimension values are looked up one by one as lines need them:
    a single voucher touches a handful, while a company may keep tens of thousands.
    """

    def __init__(self, s: Session, company: Company, *, lazy_dimensions: bool = False) -> None:
        self.session = s
        self.company = company
        self.lazy_dimensions = lazy_dimensions
        self.accounts: dict[str, AccountInfo] = {}
        self.account_by_id: dict[int, AccountInfo] = {}
        cols = (
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
        for a in s.execute(select(*cols).where(Account.company_id == company.id)):
            info = AccountInfo(
                id=a.id,
                code=a.code,
                name=a.name,
                is_leaf=a.is_leaf,
                enabled=a.enabled,
                dimensions=tuple(d for d in a.dimensions.split(";") if d),
                allow_fx=a.allow_fx,
                direction=a.direction,
                category=a.category,
            )
            self.accounts[a.code] = info
            self.account_by_id[a.id] = info
        self.dims: dict[tuple[str, str], int] = {}
        self.dim_codes: dict[int, tuple[str, str]] = {}
        # Only enabled values take new lines, but every value keeps its code for reading (and
        # hashing) lines already posted: disabling a customer must not break the hash chain.
        if not lazy_dimensions:
            for d in s.execute(
                select(
                    DimensionValue.id, DimensionValue.dim_type, DimensionValue.code, DimensionValue.enabled
                ).where(DimensionValue.company_id == company.id)
            ):
                if d.enabled:
                    self.dims[(d.dim_type, d.code)] = d.id
                self.dim_codes[d.id] = (d.dim_type, d.code)
        self.periods: dict[int, str] = dict(
            s.execute(
                select(PeriodRow.period, PeriodRow.status).where(PeriodRow.company_id == company.id)
            ).all()
        )

    def dim_id(self, dim: str, code: str) -> int | None:
        """Id of an enabled dimension value, or None."""
        key = (dim, code)
        if key in self.dims or not self.lazy_dimensions:
            return self.dims.get(key)
        vid = self.session.execute(
            select(DimensionValue.id).where(
                DimensionValue.company_id == self.company.id,
                DimensionValue.dim_type == dim,
                DimensionValue.code == code,
                DimensionValue.enabled.is_(True),
            )
        ).scalar_one_or_none()
        if vid is not None:
            self.dims[key] = vid
            self.dim_codes[vid] = key
        return vid

    def dim_code(self, vid: int) -> tuple[str, str] | None:
        """(dimension, code) of any value, enabled or not."""
        if vid in self.dim_codes or not self.lazy_dimensions:
            return self.dim_codes.get(vid)
        row = self.session.execute(
            select(DimensionValue.dim_type, DimensionValue.code).where(
                DimensionValue.company_id == self.company.id, DimensionValue.id == vid
            )
        ).first()
        if row is None:
            return None
        self.dim_codes[vid] = (row[0], row[1])
        return self.dim_codes[vid]

    def account(self, code: str) -> AccountInfo | None:
        return self.accounts.get(code)

    def dimension_exists(self, dim: str, code: str) -> bool:
        return self.dim_id(dim, code) is not None

    def build(self, draft: VoucherDraft) -> ValidVoucher:
        return domain.build_voucher(
            draft,
            self.account,
            base_currency=self.company.base_currency,
            dimension_exists=self.dimension_exists,
        )

    def check_period_open(self, period: Period) -> None:
        status = self.periods.get(period.key)
        if status is None:
            raise PeriodNotOpened(period=str(period), company=self.company.code, field="date")
        if status != "open":
            raise PeriodClosed(period=str(period), field="date")


# --- vouchers ----------------------------------------------------------------------------------


def _request_hash(payload: Any) -> str:
    return hashlib.sha256(
        json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()
    ).hexdigest()


def draft_fingerprint(draft: VoucherDraft) -> dict[str, Any]:
    return {
        "date": draft.date.isoformat(),
        "word": draft.word,
        "attachments": draft.attachments,
        "source_type": draft.source_type,
        "source_ref": draft.source_ref,
        "lines": [
            [
                ln.summary,
                ln.account_code,
                str(Decimal(ln.debit)),
                str(Decimal(ln.credit)),
                ln.currency,
                None if ln.original_amount is None else str(ln.original_amount),
                None if ln.rate is None else str(ln.rate),
                sorted((k, v) for k, v in ln.dims.items() if v),
            ]
            for ln in draft.lines
        ],
    }


def idempotent_lookup(s: Session, company_id: int, scope: str, key: str, request: Any) -> Any | None:
    """Return the first result stored under ``key``, refuse reuse with different content.

    Call it first thing in the command: on PostgreSQL it also waits for a concurrent request
    with the same key to finish (a client retrying while its first try still runs), so the retry
    finds that first result instead of failing on the unique key. SQLite writers are serialized.
    """
    if s.get_bind().dialect.name == "postgresql":
        digest = hashlib.sha256(f"{company_id}\x1f{scope}\x1f{key}".encode()).digest()
        s.execute(select(func.pg_advisory_xact_lock(int.from_bytes(digest[:8], "big", signed=True))))
    rec = s.execute(
        select(IdempotencyRecord).where(
            IdempotencyRecord.company_id == company_id,
            IdempotencyRecord.scope == scope,
            IdempotencyRecord.key == key,
        )
    ).scalar_one_or_none()
    if rec is None:
        return None
    if rec.request_hash != _request_hash(request):
        raise IdempotencyConflict(key=key, field="idempotency_key")
    return json.loads(rec.result_json)


def idempotent_store(s: Session, company_id: int, scope: str, key: str, request: Any, result: Any) -> None:
    s.add(
        IdempotencyRecord(
            company_id=company_id,
            scope=scope,
            key=key,
            request_hash=_request_hash(request),
            result_json=json.dumps(result, ensure_ascii=False, default=str),
        )
    )


def insert_voucher(
    uow: UnitOfWork,
    company: Company,
    index: LedgerIndex,
    voucher: ValidVoucher,
    *,
    source_id: int | None = None,
    reverses_id: int | None = None,
) -> Voucher:
    """Store a validated voucher as a draft with the next gapless number (inside a command)."""
    index.check_period_open(voucher.period)
    s = uow.session
    number = next_counter(
        s,
        VoucherCounter.__table__,
        {"company_id": company.id, "period": voucher.period.key, "word": voucher.word},
        "last_number",
    )
    row = Voucher(
        company_id=company.id,
        period=voucher.period.key,
        word=voucher.word,
        number=number,
        date=voucher.date,
        attachments=voucher.attachments,
        status="draft",
        summary=voucher.summary[:200],
        source_type=voucher.source_type,
        source_id=source_id,
        source_ref=voucher.source_ref[:100],
        reverses_id=reverses_id,
        total_minor=voucher.total_minor,
        maker_id=uow.actor.user_id,
        created_at=utcnow(),
    )
    for ln in voucher.lines:
        dim_ids = {f"{dim}_id": index.dim_id(dim, code) for dim, code in ln.dims}
        row.lines.append(
            VoucherLine(
                company_id=company.id,
                period=voucher.period.key,
                line_no=ln.line_no,
                summary=ln.summary[:200],
                account_id=ln.account.id,
                debit_minor=ln.debit_minor,
                credit_minor=ln.credit_minor,
                currency=ln.currency,
                original_minor=ln.original_minor,
                rate=ln.rate,
                **dim_ids,
            )
        )
    s.add(row)
    s.flush()
    return row


def create_voucher(
    uow: UnitOfWork,
    company_code: str,
    draft: VoucherDraft,
    *,
    idempotency_key: str | None = None,
    post: bool = False,
) -> VoucherView:
    """制单: validate and save a voucher (draft), or with ``post`` also review and post it."""
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_CREATE)
        if post:
            uow.require(company.id, Perm.VOUCHER_IMPORT_POST, company_code)
        s = uow.session
        fingerprint = {"draft": draft_fingerprint(draft), "post": post}
        if idempotency_key:
            first = idempotent_lookup(s, company.id, "voucher.create", idempotency_key, fingerprint)
            if first is not None:
                return get_voucher(uow, company_code, int(first["id"]))
        index = LedgerIndex(s, company, lazy_dimensions=True)
        voucher = index.build(draft)
        row = insert_voucher(uow, company, index, voucher)
        uow.audit(
            "voucher.create",
            "voucher",
            row.id,
            company_id=company.id,
            after={
                "voucher_no": row.display_no,
                "period": str(voucher.period),
                "total": format_minor(row.total_minor),
            },
        )
        if post:
            _mark_reviewed(uow, row)
            post_rows(uow, company, [row], index=index)
        if idempotency_key:
            idempotent_store(s, company.id, "voucher.create", idempotency_key, fingerprint, {"id": row.id})
        uow.commit()
        return get_voucher(uow, company_code, row.id)


def update_voucher(uow: UnitOfWork, company_code: str, voucher_id: int, draft: VoucherDraft) -> VoucherView:
    """Edit a draft voucher (same number; a changed date must stay within its period)."""
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_CREATE)
        row = _load(uow, company, voucher_id, for_update=True)
        if row.status != "draft":
            raise VoucherWrongState(voucher=row.display_no, status=row.status, action="edit")
        index = LedgerIndex(uow.session, company, lazy_dimensions=True)
        voucher = index.build(draft)
        if voucher.period.key != row.period or voucher.word != row.word:
            raise VoucherWrongState(
                voucher=row.display_no, status=row.status, action="move to another period or word"
            )
        before = get_voucher(uow, company_code, row.id).to_dict()
        row.lines.clear()
        uow.session.flush()
        row.date = voucher.date
        row.attachments = voucher.attachments
        row.summary = voucher.summary[:200]
        row.total_minor = voucher.total_minor
        for ln in voucher.lines:
            dim_ids = {f"{dim}_id": index.dim_id(dim, code) for dim, code in ln.dims}
            row.lines.append(
                VoucherLine(
                    company_id=company.id,
                    period=row.period,
                    line_no=ln.line_no,
                    summary=ln.summary[:200],
                    account_id=ln.account.id,
                    debit_minor=ln.debit_minor,
                    credit_minor=ln.credit_minor,
                    currency=ln.currency,
                    original_minor=ln.original_minor,
                    rate=ln.rate,
                    **dim_ids,
                )
            )
        uow.session.flush()
        after = get_voucher(uow, company_code, row.id).to_dict()
        uow.audit("voucher.update", "voucher", row.id, company_id=company.id, before=before, after=after)
        uow.commit()
        return get_voucher(uow, company_code, row.id)


def _load(uow: UnitOfWork, company: Company, voucher_id: int, *, for_update: bool = False) -> Voucher:
    q = select(Voucher).where(Voucher.id == voucher_id, Voucher.company_id == company.id)
    if for_update:
        q = q.with_for_update()
    row = uow.session.execute(q).scalar_one_or_none()
    if row is None:
        raise NotFound(what="voucher", key=voucher_id, field="voucher")
    return row


def find_voucher_id(uow: UnitOfWork, company_code: str, ref: str) -> int:
    """Resolve '123' (id) or '2025-03/记-0001' (period/word-number) to a voucher id."""
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        m = re.match(r"^\s*(\d{4}-\d{1,2})\s*/\s*([记收付转])\s*-?\s*(\d+)\s*$", ref)
        if m:
            p = Period.parse(m.group(1))
            vid = uow.session.execute(
                select(Voucher.id).where(
                    Voucher.company_id == company.id,
                    Voucher.period == p.key,
                    Voucher.word == m.group(2),
                    Voucher.number == int(m.group(3)),
                )
            ).scalar_one_or_none()
        elif ref.strip().isdigit():
            vid = uow.session.execute(
                select(Voucher.id).where(Voucher.company_id == company.id, Voucher.id == int(ref))
            ).scalar_one_or_none()
        else:
            vid = None
        if vid is None:
            raise NotFound(what="voucher", key=ref, field="voucher")
        return int(vid)


def _mark_reviewed(uow: UnitOfWork, row: Voucher) -> None:
    row.status = "reviewed"
    row.reviewer_id = uow.actor.user_id
    row.reviewed_at = utcnow()


def review_voucher(uow: UnitOfWork, company_code: str, voucher_id: int) -> VoucherView:
    """审核: by someone other than the maker."""
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_REVIEW)
        row = _load(uow, company, voucher_id, for_update=True)
        if row.status != "draft":
            raise VoucherWrongState(voucher=row.display_no, status=row.status, action="review")
        if row.maker_id is not None and row.maker_id == uow.actor.user_id:
            raise ReviewBySameUser(voucher=row.display_no, user=uow.actor.username)
        _mark_reviewed(uow, row)
        uow.audit(
            "voucher.review",
            "voucher",
            row.id,
            company_id=company.id,
            before={"status": "draft"},
            after={"status": "reviewed"},
        )
        uow.commit()
        return get_voucher(uow, company_code, row.id)


def unreview_voucher(uow: UnitOfWork, company_code: str, voucher_id: int) -> VoucherView:
    """取消审核: back to draft, so the maker can correct it."""
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_REVIEW)
        row = _load(uow, company, voucher_id, for_update=True)
        if row.status != "reviewed":
            raise VoucherWrongState(voucher=row.display_no, status=row.status, action="cancel the review")
        row.status, row.reviewer_id, row.reviewed_at = "draft", None, None
        uow.audit(
            "voucher.unreview",
            "voucher",
            row.id,
            company_id=company.id,
            before={"status": "reviewed"},
            after={"status": "draft"},
        )
        uow.commit()
        return get_voucher(uow, company_code, row.id)


def void_voucher(uow: UnitOfWork, company_code: str, voucher_id: int) -> VoucherView:
    """作废: a draft keeps its number (no gaps) but carries no amounts into the books."""
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_CREATE)
        row = _load(uow, company, voucher_id, for_update=True)
        if row.status != "draft":
            raise VoucherWrongState(voucher=row.display_no, status=row.status, action="void")
        row.status = "void"
        uow.audit(
            "voucher.void",
            "voucher",
            row.id,
            company_id=company.id,
            before={"status": "draft"},
            after={"status": "void"},
        )
        uow.commit()
        return get_voucher(uow, company_code, row.id)


def post_voucher(uow: UnitOfWork, company_code: str, voucher_id: int) -> VoucherView:
    """记账: a reviewed voucher enters the books and the hash chain."""
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_POST)
        row = _load(uow, company, voucher_id)
        if row.status != "reviewed":
            raise VoucherWrongState(voucher=row.display_no, status=row.status, action="post")
        post_rows(uow, company, [row])
        uow.commit()
        return get_voucher(uow, company_code, row.id)


def post_rows(
    uow: UnitOfWork, company: Company, rows: Sequence[Voucher], *, index: LedgerIndex | None = None
) -> None:
    """Post reviewed vouchers: lock the chain head, re-check, hash, update balances (inside a command)."""
    s = uow.session
    s.flush()
    # The company row is the chain head; locking it serializes posting per company on PostgreSQL
    # (SQLite writers are already serialized by BEGIN IMMEDIATE). FOR NO KEY UPDATE, not FOR
    # UPDATE: every insert of a row referencing the company (voucher, line, audit) holds FOR KEY
    # SHARE on it, which FOR UPDATE waits for, so two concurrent posters deadlocked.
    locked = s.execute(
        select(Company)
        .where(Company.id == company.id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).scalar_one()
    statuses = dict(
        s.execute(select(PeriodRow.period, PeriodRow.status).where(PeriodRow.company_id == company.id)).all()
    )
    balances: dict[tuple[int, int], list[int]] = {}
    now = utcnow()
    for row in rows:
        s.refresh(row, with_for_update=True)
        if row.status != "reviewed":
            raise VoucherWrongState(voucher=row.display_no, status=row.status, action="post")
        p = Period.from_int(row.period)
        if statuses.get(row.period) != "open":
            raise PeriodClosed(period=str(p), field="date")
        # The invariant again, on what is actually stored, just before it becomes permanent.
        domain.check_balanced([(ln.debit_minor, ln.credit_minor) for ln in row.lines], locked.base_currency)
        if index is None:
            index = LedgerIndex(s, locked, lazy_dimensions=True)
        row.status = "posted"
        row.poster_id = uow.actor.user_id
        row.posted_at = now
        row.chain_seq = locked.chain_seq + 1
        row.prev_hash = locked.chain_head
        row.hash = domain.voucher_hash(row.prev_hash, payload_of(locked, row, index))
        locked.chain_seq = row.chain_seq
        locked.chain_head = row.hash
        for ln in row.lines:
            b = balances.setdefault((ln.account_id, row.period), [0, 0])
            b[0] += ln.debit_minor
            b[1] += ln.credit_minor
        uow.audit(
            "voucher.post",
            "voucher",
            row.id,
            company_id=company.id,
            before={"status": "reviewed"},
            after={"status": "posted", "chain_seq": row.chain_seq, "hash": row.hash},
        )
    s.flush()
    upsert_add_many(
        s,
        AccountBalance.__table__,
        ["company_id", "account_id", "period"],
        [
            {"company_id": company.id, "account_id": a, "period": p, "debit_minor": d, "credit_minor": c}
            for (a, p), (d, c) in sorted(balances.items())
        ],
    )


_DIM_ATTRS = tuple((dim, f"{dim}_id") for dim in DIMENSIONS)


def _ts(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def payload_of(company: Company, row: Voucher, index: LedgerIndex) -> bytes:
    """Canonical content of a stored voucher for the hash chain: every stored column."""
    header = {
        "company": company.code,
        "id": row.id,
        "period": row.period,
        "word": row.word,
        "number": row.number,
        "date": row.date.isoformat(),
        "attachments": row.attachments,
        "summary": row.summary,
        "source_type": row.source_type,
        "source_id": row.source_id,
        "source_ref": row.source_ref,
        "reverses_id": row.reverses_id,
        "total_minor": row.total_minor,
        "maker_id": row.maker_id,
        "reviewer_id": row.reviewer_id,
        "poster_id": row.poster_id,
        "created_at": _ts(row.created_at),
        "reviewed_at": _ts(row.reviewed_at),
        "posted_at": _ts(row.posted_at),
        "chain_seq": row.chain_seq,
        "prev_hash": row.prev_hash,
        "status": row.status,
    }
    items = []
    for ln in row.lines:
        acc = index.account_by_id.get(ln.account_id)
        item: dict[str, Any] = {
            "id": ln.id,
            "line_no": ln.line_no,
            "period": ln.period,
            "summary": ln.summary,
            "account": acc.code if acc else f"#{ln.account_id}",
            "debit": ln.debit_minor,
            "credit": ln.credit_minor,
            "currency": ln.currency,
            "original": ln.original_minor,
            "rate": None if ln.rate is None else str(ln.rate),
            "company_id": ln.company_id,
        }
        for dim, attr in _DIM_ATTRS:
            vid = getattr(ln, attr)
            item[dim] = None if vid is None else (index.dim_code(vid) or (dim, f"#{vid}"))[1]
        items.append(item)
    return domain.voucher_payload(header, items)


def reverse_voucher(
    uow: UnitOfWork, company_code: str, voucher_id: int, *, on: date | None = None
) -> VoucherView:
    """红字冲销: a new draft voucher with the same lines in red (negated), linked to the original."""
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_REVERSE)
        s = uow.session
        orig = _load(uow, company, voucher_id)
        if orig.status != "posted":
            raise VoucherWrongState(voucher=orig.display_no, status=orig.status, action="reverse")
        existing = s.execute(
            select(Voucher).where(Voucher.reverses_id == orig.id, Voucher.status != "void")
        ).scalar_one_or_none()
        if existing is not None:
            raise AlreadyReversed(voucher=orig.display_no, reversal=existing.display_no)
        index = LedgerIndex(s, company, lazy_dimensions=True)
        when = on or orig.date
        lines = tuple(
            LineDraft(
                summary=f"冲销{orig.display_no} {ln.summary}"[:200],
                account_code=index.account_by_id[ln.account_id].code,
                debit=-from_minor(ln.debit_minor, company.base_currency),
                credit=-from_minor(ln.credit_minor, company.base_currency),
                currency=ln.currency,
                original_amount=None
                if ln.original_minor is None
                else -from_minor(ln.original_minor, ln.currency or ""),
                rate=ln.rate,
                dims={
                    d: (index.dim_code(getattr(ln, f"{d}_id")) or (d, ""))[1]
                    for d in DIMENSIONS
                    if getattr(ln, f"{d}_id") is not None
                },
            )
            for ln in orig.lines
        )
        draft = VoucherDraft(
            date=when,
            lines=lines,
            word=orig.word,
            source_type="reversal",
            source_ref=f"{Period.from_int(orig.period)}/{orig.display_no}",
        )
        voucher = index.build(draft)
        row = insert_voucher(uow, company, index, voucher, reverses_id=orig.id)
        uow.audit(
            "voucher.reverse",
            "voucher",
            row.id,
            company_id=company.id,
            after={"reverses": orig.display_no, "voucher_no": row.display_no},
        )
        uow.commit()
        return get_voucher(uow, company_code, row.id)


def get_voucher(uow: UnitOfWork, company_code: str, voucher_id: int) -> VoucherView:
    from yecai.security.models import User

    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        s = uow.session
        row = s.execute(
            select(Voucher)
            .options(selectinload(Voucher.lines))
            .where(Voucher.id == voucher_id, Voucher.company_id == company.id)
        ).scalar_one_or_none()
        if row is None:
            raise NotFound(what="voucher", key=voucher_id, field="voucher")
        return voucher_views(s, company, [row], users=_user_names(s, User, [row]))[0]


def _user_names(s: Session, user_model: Any, rows: Sequence[Voucher]) -> dict[int, str]:
    ids = {i for r in rows for i in (r.maker_id, r.reviewer_id, r.poster_id) if i is not None}
    if not ids:
        return {}
    return dict(s.execute(select(user_model.id, user_model.username).where(user_model.id.in_(ids))).all())


def voucher_views(
    s: Session, company: Company, rows: Sequence[Voucher], *, users: dict[int, str]
) -> list[VoucherView]:
    cur = company.base_currency
    account_ids = {ln.account_id for r in rows for ln in r.lines}
    accounts = (
        dict(s.execute(select(Account.id, Account.code).where(Account.id.in_(account_ids))).all())
        if account_ids
        else {}
    )
    names = (
        dict(s.execute(select(Account.id, Account.name).where(Account.id.in_(account_ids))).all())
        if account_ids
        else {}
    )
    dim_ids = {getattr(ln, f"{d}_id") for r in rows for ln in r.lines for d in DIMENSIONS} - {None}
    dims = (
        dict(
            s.execute(
                select(DimensionValue.id, DimensionValue.code).where(DimensionValue.id.in_(dim_ids))
            ).all()
        )
        if dim_ids
        else {}
    )
    out = []
    for r in rows:
        lines = [
            LineView(
                line_no=ln.line_no,
                summary=ln.summary,
                account_code=accounts[ln.account_id],
                account_name=names[ln.account_id],
                debit=format_minor(ln.debit_minor, cur) if ln.debit_minor else "",
                credit=format_minor(ln.credit_minor, cur) if ln.credit_minor else "",
                currency=ln.currency,
                original_amount=None
                if ln.original_minor is None
                else format_minor(ln.original_minor, ln.currency or cur),
                rate=None if ln.rate is None else str(ln.rate),
                dims={
                    d: dims[getattr(ln, f"{d}_id")] for d in DIMENSIONS if getattr(ln, f"{d}_id") is not None
                },
            )
            for ln in r.lines
        ]
        out.append(
            VoucherView(
                id=r.id,
                company=company.code,
                period=str(Period.from_int(r.period)),
                word=r.word,
                number=r.number,
                voucher_no=r.display_no,
                date=r.date.isoformat(),
                attachments=r.attachments,
                status=r.status,
                summary=r.summary,
                total=format_minor(r.total_minor, cur),
                source_type=r.source_type,
                source_id=r.source_id,
                source_ref=r.source_ref,
                reverses_id=r.reverses_id,
                maker=users.get(r.maker_id) if r.maker_id else None,
                reviewer=users.get(r.reviewer_id) if r.reviewer_id else None,
                poster=users.get(r.poster_id) if r.poster_id else None,
                hash=r.hash,
                lines=lines,
            )
        )
    return out


def list_vouchers(
    uow: UnitOfWork,
    company_code: str,
    *,
    period: str | None = None,
    period_to: str | None = None,
    status: str | None = None,
    account: str | None = None,
    word: str | None = None,
    text: str | None = None,
    page: int = 1,
    page_size: int = 50,
) -> dict[str, Any]:
    from yecai.security.models import User

    page_size = max(1, min(page_size, PAGE_SIZE_MAX))
    page = max(1, page)
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        s = uow.session
        q = select(Voucher).where(Voucher.company_id == company.id)
        if period:
            first = Period.parse(period)
            last = Period.parse(period_to) if period_to else first
            q = q.where(Voucher.period >= first.key, Voucher.period <= last.key)
        if status:
            q = q.where(Voucher.status == status)
            if status != "posted":
                q = q.where(NOT_POSTED)
        if word:
            q = q.where(Voucher.word == word)
        if text:
            q = q.where(Voucher.summary.contains(text))
        if account:
            acc_ids = select(Account.id).where(
                Account.company_id == company.id, Account.code.startswith(account)
            )
            q = q.where(
                Voucher.id.in_(select(VoucherLine.voucher_id).where(VoucherLine.account_id.in_(acc_ids)))
            )
        total = s.execute(select(func.count()).select_from(q.subquery())).scalar_one()
        rows = (
            s.execute(
                q.options(selectinload(Voucher.lines))
                .order_by(Voucher.period, Voucher.word, Voucher.number)
                .offset((page - 1) * page_size)
                .limit(page_size)
            )
            .scalars()
            .all()
        )
        items = voucher_views(s, company, rows, users=_user_names(s, User, rows))
        return {"total": total, "page": page, "page_size": page_size, "items": items}


# --- tamper evidence ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_broken_seq: int | None = None
    first_broken_voucher: str | None = None
    reason: str | None = None


VERIFY_BATCH = 5000  # vouchers read (with their lines) per query by verify_chain
# The columns verify_chain reads, in the order it unpacks them: the payload's header keys are the
# voucher's column names; its line keys are these, with ``account`` and each dimension as codes.
_CHAIN_HEAD = (
    "id",
    "period",
    "word",
    "number",
    "date",
    "attachments",
    "summary",
    "source_type",
    "source_id",
    "source_ref",
    "reverses_id",
    "total_minor",
    "maker_id",
    "reviewer_id",
    "poster_id",
    "created_at",
    "reviewed_at",
    "posted_at",
    "chain_seq",
    "prev_hash",
    "status",
)
_CHAIN_LINE = (
    "voucher_id",
    "id",
    "line_no",
    "period",
    "summary",
    "account_id",
    "debit_minor",
    "credit_minor",
    "currency",
    "original_minor",
    "rate",
    "company_id",
    *(f"{d}_id" for d in DIMENSIONS),
)


class _ChainPayloads:
    """``payload_of`` for plain rows of the columns above, as verify_chain reads them.

    The values come through the same column types as the ORM's (dates, UTC timestamps, exact
    rates), and the payload is made by the same ``domain.voucher_payload``; a test checks it
    against ``payload_of`` on vouchers of every kind.
    """

    def __init__(self, company: Company, index: LedgerIndex) -> None:
        self.code = company.code
        self.index = index
        self.account_code = {aid: a.code for aid, a in index.account_by_id.items()}
        self.texts: dict[Any, str | None] = {None: None}  # a date or timestamp's ISO text

    def _iso(self, value: Any) -> str | None:
        text = self.texts.get(value)
        if text is None and value is not None:
            if len(self.texts) > 100_000:  # imported vouchers share a few; posted ones may not
                self.texts = {None: None}
            text = self.texts[value] = value.isoformat()
        return text

    def payload(self, head: Sequence[Any], lines: Sequence[Sequence[Any]]) -> bytes:
        header = dict(zip(_CHAIN_HEAD, head, strict=True))
        iso = self._iso
        header["company"] = self.code
        header["date"] = iso(header["date"])
        for k in ("created_at", "reviewed_at", "posted_at"):
            header[k] = iso(header[k])
        index, account_code = self.index, self.account_code
        items = []
        for ln in lines:
            _, lid, line_no, period, summary, aid, debit, credit, currency, original, rate, cid, *dims = ln
            code = account_code.get(aid)
            item: dict[str, Any] = {
                "id": lid,
                "line_no": line_no,
                "period": period,
                "summary": summary,
                "account": code if code is not None else f"#{aid}",
                "debit": debit,
                "credit": credit,
                "currency": currency,
                "original": original,
                "rate": None if rate is None else str(rate),
                "company_id": cid,
            }
            for dim, vid in zip(DIMENSIONS, dims, strict=True):
                item[dim] = None if vid is None else (index.dim_code(vid) or (dim, f"#{vid}"))[1]
            items.append(item)
        return domain.voucher_payload(header, items)


def verify_chain(uow: UnitOfWork, company_code: str, *, progress: Any = None) -> ChainReport:
    """Recompute every posted voucher's hash in chain order; name the first broken link.

    Reads plain rows with SQLAlchemy Core, a batch of vouchers in chain order and then their
    lines in one query, rather than ORM objects (a tenth of the time, and constant memory).
    """
    vt, lt = Voucher.__table__, VoucherLine.__table__
    head_cols = [vt.c[k] for k in _CHAIN_HEAD] + [vt.c.hash]
    line_cols = [lt.c[k] for k in _CHAIN_LINE]
    with uow:
        company = uow.company(company_code, Perm.LEDGER_VERIFY)
        s = uow.session
        index = LedgerIndex(s, company)
        payloads = _ChainPayloads(company, index)
        voucher_hash, check_balanced = domain.voucher_hash, domain.check_balanced
        prev = domain.GENESIS_HASH
        expected_seq = 1
        checked = 0
        total = s.execute(
            select(func.count())
            .select_from(Voucher)
            .where(Voucher.company_id == company.id, Voucher.status == "posted")
        ).scalar_one()
        if progress:
            progress(0, total)
        last_seq = 0
        while True:
            rows = s.execute(
                select(*head_cols)
                .where(vt.c.company_id == company.id, vt.c.chain_seq > last_seq)
                .order_by(vt.c.chain_seq)
                .limit(VERIFY_BATCH)
            ).all()
            if not rows:
                break
            # The lines of exactly these vouchers (the company's with a chain_seq in the batch's
            # range), in chain and line order.
            lines_of: dict[int, list[Any]] = {r[0]: [] for r in rows}
            for ln in s.execute(
                select(*line_cols)
                .join(vt, vt.c.id == lt.c.voucher_id)
                .where(
                    vt.c.company_id == company.id,
                    vt.c.chain_seq > last_seq,
                    vt.c.chain_seq <= rows[-1][18],
                )
                .order_by(vt.c.chain_seq, lt.c.line_no)
            ).all():
                lines_of[ln[0]].append(ln)
            for row in rows:
                vid, period, word, number = row[:4]
                chain_seq, prev_hash, status, stored_hash = row[18:]
                lines = lines_of[vid]
                reason = None
                if chain_seq != expected_seq:
                    reason = f"chain sequence {chain_seq}, expected {expected_seq} (a voucher is missing)"
                elif status != "posted":
                    reason = f"status is {status!r} but the voucher is in the chain"
                elif prev_hash != prev:
                    reason = "previous-hash link does not match the preceding voucher"
                elif voucher_hash(prev, payloads.payload(row[:21], lines)) != stored_hash:
                    reason = "content does not match its hash (the voucher was altered)"
                elif check_balanced([(ln[6], ln[7]) for ln in lines]) != row[11]:
                    reason = "total does not match its lines"
                if reason:
                    where = f"{Period.from_int(period)}/{word}-{number:04d}"
                    return ChainReport(False, checked, chain_seq, where, reason)
                prev = stored_hash or ""
                expected_seq += 1
                checked += 1
                last_seq = chain_seq or 0
            if progress:
                progress(checked, total)
        if company.chain_seq != checked or company.chain_head != prev:
            return ChainReport(
                False,
                checked,
                checked + 1,
                None,
                f"chain head says {company.chain_seq} vouchers, found {checked} (vouchers missing at the end)",
            )
        posted = s.execute(
            select(func.count())
            .select_from(Voucher)
            .where(Voucher.company_id == company.id, Voucher.status == "posted")
        ).scalar_one()
        if posted != checked:
            return ChainReport(
                False, checked, None, None, f"{posted - checked} posted voucher(s) are outside the chain"
            )
        return ChainReport(True, checked)
