"""Open items (未清项) and applications (核销).

Every posted sales invoice, red credit note and receipt is an item of its customer. An invoice is
owed (positive); a receipt or credit note is a credit the customer holds (negative) until it is
applied to invoices. An application is its own append-only record: applying never edits a
posted voucher (the receipt already credited 1122 for the customer; an application only says
which invoice it settles) and un-applying is a new record with the opposite amount. One receipt
may settle several invoices and one invoice be settled by several receipts and credit notes.

``SalesInvoice.received_minor`` stays the invoice's receipt applications summed (a cache the
sales screens read); ``sales.returns.credited_minor`` sums the credit-note applications.

The due date of an invoice comes from the customer's credit days in force when the invoice was
made: a later change of terms (read back from the audit log) does not move old due dates.

Applications are dated: aging and statements as of a date only count what was applied by then.
An application is never dated in a closed period (that would change figures already reported);
its default date is the later of the two documents' dates, moved to the first open day.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yecai.core.errors import FieldRequired, NotFound, YecaiError
from yecai.core.money import format_minor, to_minor
from yecai.core.periods import Period
from yecai.ledger.models import Account, AccountBalance, Company, DimensionValue, Voucher, VoucherLine
from yecai.ledger.models import Period as PeriodRow
from yecai.masterdata import service as md
from yecai.masterdata.models import Customer
from yecai.posting.domain import DocumentWrongState
from yecai.receivables.models_items import ARApplication, ARCustomerOwner
from yecai.sales.models import SalesInvoice, SalesReceipt
from yecai.sales.models_returns import SalesCreditNote
from yecai.security.domain import Perm
from yecai.security.models import AuditLog
from yecai.store.uow import UnitOfWork

AR_ACCOUNT = "1122"
SOURCE_TYPES = ("sales_receipt", "sales_credit_note")
ORIGINS = ("manual", "receipt", "credit_note", "cash_application")
KINDS = {
    "sales_invoice": "invoice",
    "sales_receipt": "receipt",
    "sales_credit_note": "credit_note",
    "ar_dunning_charge": "charge",  # a late fee / interest the dunning run debited (due at once)
}
NOTE_MAX = 200
TIMELINE_LIMIT_MAX = 1000


class ApplicationAmountInvalid(YecaiError):
    code = "receivables.application_amount"
    template = "Amount {amount} cannot be applied: it must be greater than zero"


class ApplicationCustomerMismatch(YecaiError):
    code = "receivables.application_customer"
    template = "{source} is customer {source_customer}'s and {invoice} is {invoice_customer}'s; an application stays within one customer"
    http_status = 409


class OverApplication(YecaiError):
    code = "receivables.over_application"
    template = "{doc} has only {open} open; {amount} cannot be applied"
    http_status = 409


class ApplicationTooEarly(YecaiError):
    code = "receivables.application_too_early"
    template = "An application dated {day} is earlier than {doc} of {doc_date}"


class ApplicationInClosedPeriod(YecaiError):
    code = "receivables.application_closed_period"
    template = "An application dated {day} falls in closed period {period}; date it in an open period"
    http_status = 409


class AlreadyUnapplied(YecaiError):
    code = "receivables.already_unapplied"
    template = "Application #{id} was already un-applied (by #{by})"
    http_status = 409


class NotAnApplication(YecaiError):
    code = "receivables.unapply_an_unapply"
    template = "#{id} is an un-apply; to settle the invoice again, apply anew"
    http_status = 409


class SourceRequired(YecaiError):
    code = "receivables.source_required"
    template = "Give exactly one of a receipt or a credit note to apply"


class IdempotencyConflict(YecaiError):
    code = "receivables.idempotency_conflict"
    template = "Idempotency key {key} was already used for a different application (#{id})"
    http_status = 409


# --- dates, terms ---------------------------------------------------------------------------------


def first_open_day(s: Session, company_id: int) -> date | None:
    """The day after the last closed period (None when nothing is closed)."""
    last = s.execute(
        select(func.max(PeriodRow.period)).where(
            PeriodRow.company_id == company_id, PeriodRow.status == "closed"
        )
    ).scalar_one()
    if last is None:
        return None
    p = Period.from_int(int(last))
    return date(p.year + 1, 1, 1) if p.month == 12 else date(p.year, p.month + 1, 1)


def _check_open_day(s: Session, company_id: int, day: date) -> None:
    row = s.execute(
        select(PeriodRow.status).where(
            PeriodRow.company_id == company_id, PeriodRow.period == day.year * 100 + day.month
        )
    ).scalar_one_or_none()
    if row == "closed":
        raise ApplicationInClosedPeriod(
            day=day.isoformat(), period=f"{day.year}-{day.month:02d}", field="date"
        )


@dataclass(frozen=True)
class Terms:
    """Credit days per customer over time, read back from the audit log of customer changes."""

    current: dict[int, int]  # customer id → credit days now
    changes: dict[str, list[tuple[datetime, int]]]  # customer code → [(when, days before)]
    codes: dict[int, str]

    def days_at(self, customer_id: int, when: datetime | None) -> int:
        if when is not None:
            for at, before in self.changes.get(self.codes.get(customer_id, ""), ()):
                if at > when:
                    return before  # the first change after the invoice: what held before it
        return self.current.get(customer_id, 0)


def load_terms(s: Session, company_id: int) -> Terms:
    customers = s.execute(
        select(Customer.id, Customer.code, Customer.credit_days).where(Customer.company_id == company_id)
    ).all()
    changes: dict[str, list[tuple[datetime, int]]] = defaultdict(list)
    for entity_id, at, before_json, after_json in s.execute(
        select(AuditLog.entity_id, AuditLog.at, AuditLog.before_json, AuditLog.after_json)
        .where(AuditLog.company_id == company_id, AuditLog.action == "customer.update")
        .order_by(AuditLog.at, AuditLog.id)
    ):
        try:
            before = json.loads(before_json or "{}").get("credit_days")
            after = json.loads(after_json or "{}").get("credit_days")
        except (ValueError, AttributeError):
            continue
        if before is not None and before != after:
            changes[str(entity_id)].append((at, int(before)))
    return Terms(
        current={cid: int(days or 0) for cid, _c, days in customers},
        changes=dict(changes),
        codes={cid: code for cid, code, _d in customers},
    )


# --- the application records ----------------------------------------------------------------------


def _sums(
    s: Session, company_id: int, column: Any, ids: Iterable[int], source_type: str | None = None
) -> dict[int, int]:
    ids = list(set(ids))
    if not ids:
        return {}
    q = select(column, func.sum(ARApplication.amount_minor)).where(
        ARApplication.company_id == company_id, column.in_(ids)
    )
    if source_type:
        q = q.where(ARApplication.source_type == source_type)
    return {int(k): int(v or 0) for k, v in s.execute(q.group_by(column))}


def invoice_applied(s: Session, company_id: int, invoice_id: int, source_type: str | None = None) -> int:
    return _sums(s, company_id, ARApplication.invoice_id, [invoice_id], source_type).get(invoice_id, 0)


def source_applied(s: Session, company_id: int, source_type: str, source_id: int) -> int:
    total = s.execute(
        select(func.sum(ARApplication.amount_minor)).where(
            ARApplication.company_id == company_id,
            ARApplication.source_type == source_type,
            ARApplication.source_id == source_id,
        )
    ).scalar_one()
    return int(total or 0)


def _source_amount(doc: Any) -> int:
    return int(doc.amount_minor if isinstance(doc, SalesReceipt) else doc.total_minor)


def _record(
    uow: UnitOfWork,
    company: Company,
    *,
    source_type: str,
    source: Any,
    inv: SalesInvoice,
    amount_minor: int,
    day: date,
    origin: str,
    note: str = "",
    idempotency_key: str | None = None,
    check_open: bool = True,
) -> ARApplication:
    """Insert one application (both documents locked by the caller). The invariants of an
    application live here: positive, one customer, posted documents, no more than is open on
    either side, not earlier than either document, not in a closed period."""
    s = uow.session
    if amount_minor <= 0:
        raise ApplicationAmountInvalid(amount=format_minor(amount_minor), field="amount")
    if source.customer_id != inv.customer_id:
        codes = dict(
            s.execute(
                select(Customer.id, Customer.code).where(
                    Customer.id.in_([source.customer_id, inv.customer_id])
                )
            ).all()
        )
        raise ApplicationCustomerMismatch(
            source=source.no,
            source_customer=codes.get(source.customer_id, "?"),
            invoice=inv.no,
            invoice_customer=codes.get(inv.customer_id, "?"),
            field="invoice",
        )
    for doc in (source, inv):
        if doc.status != "posted":
            raise DocumentWrongState(doc=doc.no, status=doc.status, action="apply", field="invoice")
    for doc in (source, inv):
        if day < doc.date:
            raise ApplicationTooEarly(
                day=day.isoformat(), doc=doc.no, doc_date=doc.date.isoformat(), field="date"
            )
    _check_open_day(s, company.id, day)
    if check_open:
        inv_open = inv.total_minor - invoice_applied(s, company.id, inv.id)
        if amount_minor > inv_open:
            raise OverApplication(
                doc=inv.no, open=format_minor(inv_open), amount=format_minor(amount_minor), field="amount"
            )
        src_open = _source_amount(source) - source_applied(s, company.id, source_type, source.id)
        if amount_minor > src_open:
            raise OverApplication(
                doc=source.no,
                open=format_minor(src_open),
                amount=format_minor(amount_minor),
                field="amount",
            )
    app = ARApplication(
        company_id=company.id,
        customer_id=inv.customer_id,
        kind="apply",
        source_type=source_type,
        source_id=source.id,
        invoice_id=inv.id,
        amount_minor=amount_minor,
        date=day,
        origin=origin if origin in ORIGINS else "manual",
        note=(note or "").strip()[:NOTE_MAX],
        idempotency_key=idempotency_key,
        created_by=uow.actor.username,
    )
    s.add(app)
    if source_type == "sales_receipt":
        inv.received_minor += amount_minor
    s.flush()
    uow.audit(
        "receivables.apply",
        "ar_application",
        app.id,
        company_id=company.id,
        after={
            "source": source.no,
            "invoice": inv.no,
            "amount": format_minor(amount_minor),
            "date": day.isoformat(),
            "origin": app.origin,
        },
    )
    return app


def _settlement_day(s: Session, company_id: int, *days: date) -> date:
    """When two documents settle each other: the later one's date (a receipt may be dated before
    the invoice it pays), moved to the first open day if that falls in a closed period."""
    day = max(days)
    opened = first_open_day(s, company_id)
    return opened if opened is not None and day < opened else day


def record_receipt_application(
    uow: UnitOfWork, company: Company, receipt: SalesReceipt, inv: SalesInvoice, amount_minor: int
) -> None:
    """A receipt entered against an invoice (``sales.create_receipt``) applies to it at once.
    The caller holds the invoice's row lock and has checked the open amount."""
    _record(
        uow,
        company,
        source_type="sales_receipt",
        source=receipt,
        inv=inv,
        amount_minor=amount_minor,
        day=_settlement_day(uow.session, company.id, receipt.date, inv.date),
        origin="receipt",
    )


def record_credit_note_application(
    uow: UnitOfWork, company: Company, cn: SalesCreditNote, inv: SalesInvoice
) -> None:
    """A red credit note settles its own invoice for as much as the invoice still has open; the
    rest stays open on the credit note (a credit the customer holds, to apply elsewhere)."""
    s = uow.session
    open_minor = inv.total_minor - invoice_applied(s, company.id, inv.id)
    amount = min(cn.total_minor, open_minor)
    if amount > 0:
        _record(
            uow,
            company,
            source_type="sales_credit_note",
            source=cn,
            inv=inv,
            amount_minor=amount,
            day=_settlement_day(s, company.id, cn.date, inv.date),
            origin="credit_note",
        )


def _find(s: Session, model: Any, company: Company, ref: int | str, what: str, field: str) -> Any:
    q = select(model).where(model.company_id == company.id)
    text = str(ref).strip()
    q = q.where(model.id == int(text)) if text.isdigit() else q.where(model.no == text)
    row = s.execute(q.with_for_update()).scalar_one_or_none()
    if row is None:
        raise NotFound(what=what, key=text, field=field)
    return row


def application_view(
    s: Session, app: ARApplication, docs: dict[tuple[str, int], str] | None = None
) -> dict[str, Any]:
    docs = docs if docs is not None else _doc_numbers(s, [app])
    return {
        "id": app.id,
        "kind": app.kind,
        "date": app.date.isoformat(),
        "source_type": app.source_type,
        "source": docs.get((app.source_type, app.source_id), ""),
        "invoice": docs.get(("sales_invoice", app.invoice_id), ""),
        "amount": format_minor(app.amount_minor),
        "amount_minor": app.amount_minor,
        "reverses": app.reverses_id,
        "origin": app.origin,
        "note": app.note,
        "by": app.created_by,
        "at": app.created_at.isoformat() if app.created_at else "",
    }


def _doc_numbers(s: Session, apps: Sequence[ARApplication]) -> dict[tuple[str, int], str]:
    out: dict[tuple[str, int], str] = {}
    wanted: dict[str, set[int]] = defaultdict(set)
    for a in apps:
        wanted[a.source_type].add(a.source_id)
        wanted["sales_invoice"].add(a.invoice_id)
    for doc_type, model in (
        ("sales_invoice", SalesInvoice),
        ("sales_receipt", SalesReceipt),
        ("sales_credit_note", SalesCreditNote),
    ):
        ids = wanted.get(doc_type)
        if ids:
            for i, no in s.execute(select(model.id, model.no).where(model.id.in_(ids))):
                out[(doc_type, int(i))] = str(no)
    return out


def apply(
    uow: UnitOfWork,
    company_code: str,
    *,
    receipt_id: int | str | None = None,
    invoice_id: int | str,
    amount: str | Any,
    note: str | None = None,
    credit_note_id: int | str | None = None,
    day: date | None = None,
    origin: str = "manual",
    idempotency_key: str | None = None,
) -> dict[str, Any]:
    """Apply ``amount`` of a receipt (or a credit note) to an invoice; ids or document numbers.

    A retry with the same ``idempotency_key`` returns the first application; the same key for a
    different application is refused."""
    if (receipt_id is None) == (credit_note_id is None):
        raise SourceRequired(field="receipt_id")
    amount_minor = to_minor(amount)
    key = (idempotency_key or "").strip()[:80] or None
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_CREATE)
        s = uow.session
        if receipt_id is not None:
            source_type = "sales_receipt"
            source = _find(s, SalesReceipt, company, receipt_id, "sales receipt", "receipt_id")
        else:
            source_type = "sales_credit_note"
            source = _find(
                s, SalesCreditNote, company, credit_note_id or "", "sales credit note", "credit_note_id"
            )
        inv = _find(s, SalesInvoice, company, invoice_id, "sales invoice", "invoice_id")
        if key is not None:
            first = s.execute(
                select(ARApplication).where(
                    ARApplication.company_id == company.id, ARApplication.idempotency_key == key
                )
            ).scalar_one_or_none()
            if first is not None:
                same = (
                    first.source_type == source_type
                    and first.source_id == source.id
                    and first.invoice_id == inv.id
                    and first.amount_minor == amount_minor
                )
                if not same:
                    raise IdempotencyConflict(key=key, id=first.id, field="idempotency_key")
                return application_view(s, first)
        if day is None:
            day = _settlement_day(s, company.id, source.date, inv.date)
        app = _record(
            uow,
            company,
            source_type=source_type,
            source=source,
            inv=inv,
            amount_minor=amount_minor,
            day=day,
            origin=origin,
            note=note or "",
            idempotency_key=key,
        )
        view = application_view(s, app)
        uow.commit()
        return view


def unapply(
    uow: UnitOfWork, company_code: str, application_id: int, *, reason: str, day: date | None = None
) -> dict[str, Any]:
    """Reverse an application: a new record with the opposite amount, dated ``day`` (default: the
    application's date, moved to the first open day); the original stays as it was."""
    reason = (reason or "").strip()
    if not reason:
        raise FieldRequired(field_name="reason", field="reason")
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_CREATE)
        s = uow.session
        app = s.execute(
            select(ARApplication).where(
                ARApplication.company_id == company.id, ARApplication.id == int(application_id)
            )
        ).scalar_one_or_none()
        if app is None:
            raise NotFound(what="application", key=application_id, field="application_id")
        if app.kind != "apply":
            raise NotAnApplication(id=app.id, field="application_id")
        inv = _find(s, SalesInvoice, company, app.invoice_id, "sales invoice", "invoice_id")
        done = s.execute(
            select(ARApplication.id).where(ARApplication.reverses_id == app.id)
        ).scalar_one_or_none()
        if done is not None:
            raise AlreadyUnapplied(id=app.id, by=done, field="application_id")
        if day is None:
            day = _settlement_day(s, company.id, app.date)
        if day < app.date:
            raise ApplicationTooEarly(
                day=day.isoformat(), doc=f"#{app.id}", doc_date=app.date.isoformat(), field="date"
            )
        _check_open_day(s, company.id, day)
        rev = ARApplication(
            company_id=company.id,
            customer_id=app.customer_id,
            kind="unapply",
            source_type=app.source_type,
            source_id=app.source_id,
            invoice_id=app.invoice_id,
            amount_minor=-app.amount_minor,
            date=day,
            reverses_id=app.id,
            origin="manual",
            note=reason[:NOTE_MAX],
            created_by=uow.actor.username,
        )
        s.add(rev)
        if app.source_type == "sales_receipt":
            inv.received_minor -= app.amount_minor
        s.flush()
        view = application_view(s, rev)
        uow.audit(
            "receivables.unapply",
            "ar_application",
            rev.id,
            company_id=company.id,
            before=application_view(s, app),
            after={"reverses": app.id, "reason": reason[:NOTE_MAX], "date": day.isoformat()},
        )
        uow.commit()
        return view


def list_applications(
    uow: UnitOfWork,
    company_code: str,
    *,
    customer: str | None = None,
    doc: str | None = None,
    limit: int = 500,
) -> list[dict[str, Any]]:
    """Applications and un-applies, newest first; of a customer and/or touching a document no."""
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        s = uow.session
        q = select(ARApplication).where(ARApplication.company_id == company.id)
        if customer:
            cust = _customer(s, company, customer)
            q = q.where(ARApplication.customer_id == cust.id)
        apps = list(s.execute(q.order_by(ARApplication.id.desc())).scalars())
        docs = _doc_numbers(s, apps)
        views = [application_view(s, a, docs) for a in apps]
        if doc:
            views = [v for v in views if doc in (v["source"], v["invoice"])]
        return views[: max(1, min(limit, TIMELINE_LIMIT_MAX))]


def _customer(s: Session, company: Company, code: str) -> Customer:
    row = s.execute(
        select(Customer).where(Customer.company_id == company.id, Customer.code == code)
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(what="customer", key=code, field="customer")
    return row


# --- open items -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    doc_type: str
    doc_id: int
    doc_no: str
    customer_id: int
    date: date
    due_date: date
    amount_minor: int  # signed: invoices +, receipts and credit notes −
    applied_minor: int  # signed like the amount

    @property
    def open_minor(self) -> int:
        return self.amount_minor - self.applied_minor


APP_COLUMNS = (
    ARApplication.id,
    ARApplication.kind,
    ARApplication.date,
    ARApplication.source_type,
    ARApplication.source_id,
    ARApplication.invoice_id,
    ARApplication.customer_id,
    ARApplication.amount_minor,
    ARApplication.reverses_id,
    ARApplication.origin,
    ARApplication.note,
    ARApplication.created_by,
    ARApplication.created_at,
)


def load_items(
    s: Session,
    company_id: int,
    *,
    customer_id: int | None = None,
    as_of: date | None = None,
    open_only: bool = False,
    with_apps: bool = True,
) -> tuple[list[Item], list[Any]]:
    """Every posted item (as of a date: documents and applications dated by then), or only those
    still open, with the applications that touch them (rows with ARApplication's attributes;
    none with ``with_apps=False``). The applied sums are added up in SQL, so a ledger of mostly
    settled items costs no more than its open ones."""
    terms = load_terms(s, company_id)
    dated = [ARApplication.company_id == company_id]
    if customer_id is not None:
        dated.append(ARApplication.customer_id == customer_id)
    if as_of is not None:
        dated.append(ARApplication.date <= as_of)
    by_invoice = (
        select(
            ARApplication.invoice_id.label("doc_id"), func.sum(ARApplication.amount_minor).label("applied")
        )
        .where(*dated)
        .group_by(ARApplication.invoice_id)
        .subquery()
    )
    by_source = (
        select(
            ARApplication.source_type.label("doc_type"),
            ARApplication.source_id.label("doc_id"),
            func.sum(ARApplication.amount_minor).label("applied"),
        )
        .where(*dated)
        .group_by(ARApplication.source_type, ARApplication.source_id)
        .subquery()
    )
    sqlite = s.get_bind().dialect.name == "sqlite"
    with_created = bool(terms.changes)  # the invoice's creation time only matters if terms changed
    items: list[Item] = []
    open_ids: dict[str, Any] = {}
    for doc_type, model, amount_col in (
        ("sales_invoice", SalesInvoice, SalesInvoice.total_minor),
        ("sales_credit_note", SalesCreditNote, SalesCreditNote.total_minor),
        ("sales_receipt", SalesReceipt, SalesReceipt.amount_minor),
    ):
        if doc_type == "sales_invoice":
            applied = func.coalesce(by_invoice.c.applied, 0)
            join_on = by_invoice.c.doc_id == model.id
            sub = by_invoice
        else:
            applied = func.coalesce(by_source.c.applied, 0)
            join_on = (by_source.c.doc_type == doc_type) & (by_source.c.doc_id == model.id)
            sub = by_source
        where = [model.company_id == company_id, model.status == "posted"]
        if customer_id is None and sqlite:
            # the whole company: SQLite would walk the (company, customer) index and fetch every row
            # at random; ``+ 0`` makes it read the table in order, about twice as fast
            where[0] = (model.company_id + 0) == company_id
        if customer_id is not None:
            where.append(model.customer_id == customer_id)
        if as_of is not None:
            where.append(model.date <= as_of)
        if open_only:
            where.append(amount_col != applied)
        created = model.created_at if (with_created and doc_type == "sales_invoice") else None
        cols = [model.id, model.no, model.customer_id, model.date, amount_col, applied]
        q = select(*cols, *([created] if created is not None else [])).outerjoin(sub, join_on).where(*where)
        open_ids[doc_type] = select(model.id).outerjoin(sub, join_on).where(*where)
        for row in s.execute(q):
            doc_id, no, cust_id, day, amount, done = row[:6]
            if doc_type == "sales_invoice":
                days = terms.days_at(cust_id, row[6] if created is not None else None)
                items.append(
                    Item(
                        doc_type, doc_id, no, cust_id, day, day + timedelta(days=days), int(amount), int(done)
                    )
                )
            else:
                items.append(Item(doc_type, doc_id, no, cust_id, day, day, -int(amount), -int(done)))
    items += _charges(s, company_id, customer_id=customer_id, as_of=as_of)
    items.sort(key=lambda it: (it.date, it.doc_no))
    apps: list[Any] = []
    if with_apps:
        qa = select(*APP_COLUMNS).where(*dated)
        if open_only:
            qa = qa.where(
                ARApplication.invoice_id.in_(open_ids["sales_invoice"])
                | (
                    (ARApplication.source_type == "sales_receipt")
                    & ARApplication.source_id.in_(open_ids["sales_receipt"])
                )
                | (
                    (ARApplication.source_type == "sales_credit_note")
                    & ARApplication.source_id.in_(open_ids["sales_credit_note"])
                )
            )
        apps = list(s.execute(qa.order_by(ARApplication.date, ARApplication.id)))
    return items, apps


def _charges(s: Session, company_id: int, *, customer_id: int | None, as_of: date | None) -> list[Item]:
    """Late fees and interest posted by dunning: debits on the customer's 1122 outside the sales
    documents, so open items (positive, due at once; a waiver reverses them and drops them)."""
    from yecai.receivables.models_dunning import DunningCharge

    where = [DunningCharge.company_id == company_id, DunningCharge.status == "posted"]
    if customer_id is not None:
        where.append(DunningCharge.customer_id == customer_id)
    if as_of is not None:
        where.append(DunningCharge.date <= as_of)
    q = select(
        DunningCharge.id,
        DunningCharge.no,
        DunningCharge.customer_id,
        DunningCharge.date,
        DunningCharge.total_minor,
    )
    return [
        Item("ar_dunning_charge", cid, no, cust, day, day, int(total), 0)
        for cid, no, cust, day, total in s.execute(q.where(*where))
        if total
    ]


def owners(s: Session, company_id: int) -> dict[int, tuple[str, str]]:
    """customer id → (salesperson, department)."""
    return {
        cid: (sp, dept)
        for cid, sp, dept in s.execute(
            select(
                ARCustomerOwner.customer_id, ARCustomerOwner.salesperson, ARCustomerOwner.department
            ).where(ARCustomerOwner.company_id == company_id)
        )
    }


def item_views(
    s: Session,
    company: Company,
    items: Sequence[Item],
    apps: Sequence[ARApplication],
    *,
    today: date,
    with_applications: bool = True,
) -> list[dict[str, Any]]:
    custs = (
        {
            c.id: c
            for c in s.execute(
                select(Customer).where(Customer.id.in_({it.customer_id for it in items}))
            ).scalars()
        }
        if items
        else {}
    )
    own = owners(s, company.id)
    docs = _doc_numbers(s, apps)
    per_doc: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    if with_applications:
        for a in apps:
            view = application_view(s, a, docs)
            per_doc[("sales_invoice", a.invoice_id)].append(view | {"counter_doc": view["source"]})
            per_doc[(a.source_type, a.source_id)].append(view | {"counter_doc": view["invoice"]})
    currency = company.base_currency or "CNY"
    out = []
    for it in items:
        cust = custs.get(it.customer_id)
        sp, dept = own.get(it.customer_id, ("", ""))
        open_minor = it.open_minor
        overdue = (today - it.due_date).days if it.doc_type == "sales_invoice" and open_minor > 0 else 0
        view: dict[str, Any] = {
            "item_id": it.doc_no,
            "doc_type": it.doc_type,
            "kind": KINDS[it.doc_type],
            "doc_id": it.doc_id,
            "doc_no": it.doc_no,
            "customer_code": cust.code if cust else "",
            "customer_name": cust.name if cust else "",
            "group": cust.group if cust else "",
            "salesperson": sp,
            "department": dept,
            "date": it.date.isoformat(),
            "due_date": it.due_date.isoformat(),
            "days_overdue": max(overdue, 0),
            "currency": currency,
            "amount": format_minor(it.amount_minor, currency),
            "open_amount": format_minor(open_minor, currency),
            "applied_amount": format_minor(it.applied_minor, currency),
            "amount_minor": it.amount_minor,
            "open_minor": open_minor,
            "applied_minor": it.applied_minor,
            "status": "closed" if open_minor == 0 else ("open" if it.applied_minor == 0 else "partial"),
        }
        if with_applications:
            view["applications"] = per_doc.get((it.doc_type, it.doc_id), [])
        out.append(view)
    return out


def open_items(
    uow: UnitOfWork,
    company_code: str,
    *,
    customer: str | None = None,
    as_of: date | None = None,
    include_closed: bool = False,
    kind: str | None = None,
) -> list[dict[str, Any]]:
    """Open items (also settled ones with ``include_closed``) as of a date (default: today, all
    records), oldest first. Amounts are signed: invoices +, receipts and credit notes −.
    ``kind`` filters: invoice | receipt | credit_note."""
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        s = uow.session
        cust_id = _customer(s, company, customer).id if customer else None
        items, apps = load_items(
            s, company.id, customer_id=cust_id, as_of=as_of, open_only=not include_closed
        )
        if not include_closed:
            items = [it for it in items if it.open_minor != 0]
        if kind:
            items = [it for it in items if KINDS[it.doc_type] == kind]
        return item_views(s, company, items, apps, today=as_of or date.today())


def customer_balances(s: Session, company_id: int, *, as_of: date | None = None) -> dict[str, int]:
    """The AR subledger: open items summed per customer code (fen)."""
    items, _apps = load_items(s, company_id, as_of=as_of, open_only=True, with_apps=False)
    codes = dict(s.execute(select(Customer.id, Customer.code).where(Customer.company_id == company_id)).all())
    out: dict[str, int] = defaultdict(int)
    for it in items:
        out[codes.get(it.customer_id, "")] += it.open_minor
    return {k: v for k, v in out.items() if v}


# --- customer owners ------------------------------------------------------------------------------


def set_owner(
    uow: UnitOfWork, company_code: str, customer: str, *, salesperson: str = "", department: str = ""
) -> dict[str, str]:
    """Who looks after a customer's receivables (for aging by salesperson and department)."""
    with uow:
        company = uow.company(company_code, Perm.DIMENSION_MANAGE)
        s = uow.session
        cust = md.customer_by_code(s, company.id, customer)
        row = s.execute(
            select(ARCustomerOwner).where(
                ARCustomerOwner.company_id == company.id, ARCustomerOwner.customer_id == cust.id
            )
        ).scalar_one_or_none()
        before = {"salesperson": row.salesperson, "department": row.department} if row else None
        if row is None:
            row = ARCustomerOwner(company_id=company.id, customer_id=cust.id)
            s.add(row)
        row.salesperson = salesperson.strip()[:60]
        row.department = department.strip()[:40]
        after = {"customer": cust.code, "salesperson": row.salesperson, "department": row.department}
        uow.audit(
            "receivables.owner", "customer", cust.code, company_id=company.id, before=before, after=after
        )
        uow.commit()
        return after


# --- timeline -------------------------------------------------------------------------------------

TimelineSource = Callable[[Session, Company, Customer], list[dict[str, Any]]]
_TIMELINE_SOURCES: dict[str, TimelineSource] = {}


def register_timeline_source(name: str, fn: TimelineSource) -> None:
    """Other receivables modules (dunning, cash application) add their events to the customer
    timeline: ``fn(session, company, customer)`` returns entries with at least ``date`` (ISO),
    ``kind`` and ``text``; optional ``amount``, ``doc``, ``by``."""
    _TIMELINE_SOURCES[name] = fn


def _changes(before_json: str | None, after_json: str | None) -> str:
    """'credit_days: 30 → 60; group: 直销 → 经销' from an audit row's before/after."""
    try:
        before = json.loads(before_json) if before_json else {}
        after = json.loads(after_json) if after_json else {}
    except ValueError:
        return ""
    if not isinstance(before, dict) or not isinstance(after, dict):
        return ""
    parts = [
        f"{k}: {before.get(k, '')} → {v}" if k in before else f"{k}: {v}"
        for k, v in after.items()
        if before.get(k) != v and k not in ("customer", "kind", "code")
    ]
    return "; ".join(parts)[:300]


def customer_timeline(
    uow: UnitOfWork, company_code: str, customer: str, *, limit: int = 200
) -> list[dict[str, Any]]:
    """What happened with a customer's receivables, newest first: invoices, receipts, credit
    notes, applications and un-applies, owner changes, and what other modules registered."""
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        s = uow.session
        cust = _customer(s, company, customer)
        items, apps = load_items(s, company.id, customer_id=cust.id)
        currency = company.base_currency or "CNY"
        out: list[dict[str, Any]] = []
        created = {
            (t, i): at
            for t, model in (
                ("sales_invoice", SalesInvoice),
                ("sales_receipt", SalesReceipt),
                ("sales_credit_note", SalesCreditNote),
            )
            for i, at in s.execute(
                select(model.id, model.created_at).where(
                    model.company_id == company.id, model.customer_id == cust.id
                )
            )
        }
        for it in items:
            at = created.get((it.doc_type, it.doc_id))
            out.append(
                {
                    "date": it.date.isoformat(),
                    "at": at.isoformat() if at else "",
                    "kind": KINDS[it.doc_type],
                    "doc": it.doc_no,
                    "amount": format_minor(it.amount_minor, currency),
                    "text": "",
                    "by": "",
                }
            )
        docs = _doc_numbers(s, apps)
        for a in apps:
            v = application_view(s, a, docs)
            out.append(
                {
                    "date": v["date"],
                    "at": v["at"],
                    "kind": a.kind,
                    "doc": f"{v['source']} → {v['invoice']}",
                    "amount": v["amount"],
                    "text": a.note,
                    "by": a.created_by,
                    "application_id": a.id,
                }
            )
        for at, action, username, before_json, after_json in s.execute(
            select(
                AuditLog.at, AuditLog.action, AuditLog.username, AuditLog.before_json, AuditLog.after_json
            ).where(
                AuditLog.company_id == company.id,
                AuditLog.entity == "customer",
                AuditLog.entity_id == cust.code,
            )
        ):
            out.append(
                {
                    "date": at.date().isoformat(),
                    "at": at.isoformat(),
                    "kind": action,
                    "doc": "",
                    "amount": "",
                    "text": _changes(before_json, after_json),
                    "by": username,
                }
            )
        for fn in list(_TIMELINE_SOURCES.values()):
            out.extend(fn(s, company, cust))
        out.sort(key=lambda e: (str(e.get("date", "")), str(e.get("at", ""))), reverse=True)
        return out[: max(1, min(limit, TIMELINE_LIMIT_MAX))]


# --- reconciliation (yecai check) -----------------------------------------------------------------


def ledger_by_customer(s: Session, company_id: int) -> dict[str, int]:
    """Posted 1122 (and sub-accounts) net debit per customer dimension code."""
    ids = select(Account.id).where(
        Account.company_id == company_id, func.substr(Account.code, 1, len(AR_ACCOUNT)) == AR_ACCOUNT
    )
    rows = s.execute(
        select(DimensionValue.code, func.sum(VoucherLine.debit_minor - VoucherLine.credit_minor))
        .select_from(VoucherLine)
        .join(Voucher, Voucher.id == VoucherLine.voucher_id)
        .outerjoin(DimensionValue, DimensionValue.id == VoucherLine.customer_id)
        .where(
            VoucherLine.company_id == company_id, Voucher.status == "posted", VoucherLine.account_id.in_(ids)
        )
        .group_by(DimensionValue.code)
    ).all()
    return {code or "": int(v or 0) for code, v in rows if int(v or 0)}


def reconcile(s: Session, company: Company) -> list[tuple[str, str]]:
    """(check, message) for every way the open items disagree with the books or themselves:
    open items sum ≠ the 1122 control account (in total and per customer), an item over-applied
    (more applied than its amount, or negative), a receipt cache out of step, an un-apply that
    does not mirror what it reverses."""
    out: list[tuple[str, str]] = []
    items, apps = load_items(s, company.id)
    codes = dict(s.execute(select(Customer.id, Customer.code).where(Customer.company_id == company.id)).all())
    subledger: dict[str, int] = defaultdict(int)
    for it in items:
        subledger[codes.get(it.customer_id, "")] += it.open_minor
        if it.amount_minor > 0 and not 0 <= it.applied_minor <= it.amount_minor:
            out.append(
                (
                    "ar_open_items",
                    f"{it.doc_no}: applied {format_minor(it.applied_minor)} of {format_minor(it.amount_minor)}",
                )
            )
        if it.amount_minor < 0 and not it.amount_minor <= it.applied_minor <= 0:
            out.append(
                (
                    "ar_open_items",
                    f"{it.doc_no}: applied {format_minor(-it.applied_minor)} of {format_minor(-it.amount_minor)}",
                )
            )
    control = int(
        s.execute(
            select(func.sum(AccountBalance.debit_minor - AccountBalance.credit_minor)).where(
                AccountBalance.company_id == company.id,
                AccountBalance.account_id.in_(
                    select(Account.id).where(
                        Account.company_id == company.id,
                        func.substr(Account.code, 1, len(AR_ACCOUNT)) == AR_ACCOUNT,
                    )
                ),
            )
        ).scalar_one()
        or 0
    )
    total = sum(subledger.values())
    if total != control:
        out.append(
            (
                "ar_open_items",
                f"open items sum to {format_minor(total)} ≠ {AR_ACCOUNT} control account {format_minor(control)} "
                f"(difference {format_minor(total - control)})",
            )
        )
    books = ledger_by_customer(s, company.id)
    for code in sorted(set(books) | set(subledger)):
        if books.get(code, 0) != subledger.get(code, 0):
            out.append(
                (
                    "ar_open_items",
                    f"customer {code or '(none)'}: open items {format_minor(subledger.get(code, 0))} ≠ "
                    f"{AR_ACCOUNT} {format_minor(books.get(code, 0))}",
                )
            )
    received: dict[int, int] = defaultdict(int)
    by_id = {a.id: a for a in apps}
    for a in apps:
        if a.source_type == "sales_receipt":
            received[a.invoice_id] += a.amount_minor
        if a.kind == "unapply":
            orig = by_id.get(a.reverses_id or 0)
            if (
                orig is None
                or orig.amount_minor != -a.amount_minor
                or (orig.source_type, orig.source_id, orig.invoice_id)
                != (a.source_type, a.source_id, a.invoice_id)
            ):
                out.append(
                    ("ar_applications", f"un-apply #{a.id} does not mirror application #{a.reverses_id}")
                )
    for inv_id, inv_no, cached in s.execute(
        select(SalesInvoice.id, SalesInvoice.no, SalesInvoice.received_minor).where(
            SalesInvoice.company_id == company.id, SalesInvoice.status == "posted"
        )
    ):
        if int(cached) != received.get(inv_id, 0):
            out.append(
                (
                    "ar_applications",
                    f"{inv_no}: received {format_minor(int(cached))} ≠ its receipt applications "
                    f"{format_minor(received.get(inv_id, 0))}",
                )
            )
    return out
