"""Payment matching on a company's imported bank statements, with a review queue (付款核销复核).

``run`` matches the outgoing statement lines nobody has settled yet against the company's open
vendor bills, with the payee memory. Bank fee lines are left alone (they are not payments). Each
other line gets one proposal (supplier, bills and amounts, confidence, reasons). At or above the
company's threshold it is applied at once: one purchase payment (付款单, posted: 应付账款 against
bank) per bill. Below, it waits for a person who confirms, corrects (another supplier, other
bills or amounts) or rejects it. What a person confirms or corrects is remembered (payee account
and name → supplier) and used by the next run.

A line is applied at most once: one proposal per line (a unique constraint), locked while it is
decided, and a line whose proposal is settled is never matched again. Every command is one
transaction; an automatic application the books refuse (a closed period, say) leaves that
proposal in the queue with the reason, and the rest of the run goes on.

Who may decide: matching a bank debit that has already left the account is bank work, so a
cashier (出纳, ``cash.manage``) may run the matching and decide, as may whoever makes vouchers.
The payments themselves are documents whose vouchers the posting rules make.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yecai.core.errors import FieldRequired, NotFound, PermissionDenied, YecaiError
from yecai.core.i18n import N_
from yecai.core.money import format_minor, from_minor, to_minor
from yecai.intake.models import BankLine
from yecai.ledger.models import Company
from yecai.masterdata import service as md
from yecai.masterdata.models import Supplier
from yecai.payables.domain import (
    BankPayment,
    Memory,
    OpenBill,
    Proposal,
    RecordedPayment,
    Settings,
    SupplierInfo,
    is_fee,
    match,
)
from yecai.payables.models import (
    DONE_STATUSES,
    STATUSES,
    PayeeMemory,
    PaymentProposal,
    PaymentProposalItem,
)
from yecai.purchasing import service as purchasing
from yecai.purchasing.models import PurchasePayment, VendorBill
from yecai.receivables.domain.matching import account_key
from yecai.receivables.domain.names import name_key
from yecai.security.domain import Perm, permissions_of
from yecai.store.base import utcnow
from yecai.store.uow import UnitOfWork

DEFAULT_THRESHOLD = Decimal("0.95")
LIST_LIMIT_MAX = 500
NOTE_MAX = 200
ITEMS_MAX = 50  # bills in one correction
DECIDE_PERMS = (Perm.VOUCHER_CREATE, Perm.CASH_MANAGE)

REASON_TEXTS: dict[str, str] = {
    "reference_match": N_("Bill or invoice number in the remark"),
    "reference_plus_amount": N_("Named bills plus other bills making up the amount"),
    "payee_account_known": N_("Payee account confirmed before"),
    "payee_account_master": N_("Payee account is the supplier's bank account"),
    "payee_name_known": N_("Payee name confirmed before"),
    "name_similarity": N_("Payee name resembles the supplier"),
    "amount_exact": N_("Amount equals the open amount"),
    "amount_sum": N_("Amount equals several open bills together"),
    "amount_unique": N_("The only open bill with this amount"),
    "amount_ambiguous": N_("Several bills fit the amount"),
    "supplier_ambiguous": N_("Another supplier fits as well"),
    "partial_payment": N_("Partial payment"),
    "partial_payment_oldest": N_("Partial payment of the oldest open bill"),
    "overpayment": N_("More than the open bills"),
    "no_open_bill": N_("The supplier has no open bill"),
    "no_match": N_("No open bill fits"),
    "already_recorded": N_(
        "A payment of this amount to the supplier is already entered; reject the line if it is that one"
    ),
    "auto_apply_failed": N_("Automatic application refused by the books"),
    "foreign_currency": N_("Not in the company's currency: pay by hand"),
}


class InvalidThreshold(YecaiError):
    code = "payables.invalid_threshold"
    template = "Threshold {value} must be between 0 and 1"


class InvalidStatus(YecaiError):
    code = "payables.invalid_status"
    template = "Unknown status {value}; expected one of {allowed}"


class ProposalNotOpen(YecaiError):
    code = "payables.proposal_not_open"
    template = "Proposal {id} is already {status}; only a proposed match can be decided"
    http_status = 409


class ProposalEmpty(YecaiError):
    code = "payables.proposal_empty"
    template = (
        "Proposal {id} has no supplier or no bills to pay; correct it with the supplier and bills instead"
    )
    http_status = 409


class AllocationNotLine(YecaiError):
    code = "payables.allocation_not_line"
    template = "The bills take {total}, but the bank line paid {amount}; they must be equal"


class ForeignCurrencyLine(YecaiError):
    code = "payables.foreign_currency_line"
    template = "Bank line in {currency}: payments are booked in {base}; enter this one by hand"
    http_status = 409


class BillListed(YecaiError):
    code = "payables.bill_listed_twice"
    template = "Bill {bill} is listed more than once"


class BillOfAnotherSupplier(YecaiError):
    code = "payables.bill_of_another_supplier"
    template = "Bill {bill} is not a bill of supplier {supplier}"


class TooManyBills(YecaiError):
    code = "payables.too_many_bills"
    template = "At most {limit} bills in one correction"


class InvalidAmount(YecaiError):
    code = "payables.invalid_amount"
    template = "Amount {value} for bill {bill} is not a positive amount"


# --- permissions ---------------------------------------------------------------------------------


def _company(uow: UnitOfWork, code: str) -> Company:
    """The company, if the actor may do bank work or make vouchers in it."""
    company: Company = uow.company(code, Perm.COMPANY_VIEW)
    if uow.actor.is_admin:
        return company
    perms = permissions_of(uow.grants().get(company.id, ""))
    if not any(p in perms for p in DECIDE_PERMS):
        raise PermissionDenied(user=uow.actor.username, permission=Perm.CASH_MANAGE, company=code)
    return company


# --- settings ------------------------------------------------------------------------------------


def _settings(company: Company) -> dict[str, Any]:
    return dict(json.loads(company.settings_json or "{}").get("payables", {}))


def threshold_of(company: Company) -> Decimal:
    """The company's auto-application threshold (default 0.95)."""
    raw = _settings(company).get("auto_apply_threshold")
    try:
        value = Decimal(str(raw)) if raw is not None else DEFAULT_THRESHOLD
    except InvalidOperation:
        return DEFAULT_THRESHOLD
    return value if Decimal(0) <= value <= Decimal(1) else DEFAULT_THRESHOLD


def _check_threshold(value: str | Decimal | float) -> Decimal:
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        raise InvalidThreshold(value=value, field="threshold") from None
    if not Decimal(0) <= d <= Decimal(1):
        raise InvalidThreshold(value=value, field="threshold")
    return d


def set_threshold(uow: UnitOfWork, company_code: str, threshold: str | Decimal | float) -> dict[str, str]:
    """Set the confidence at or above which a proposal is paid without review (1 = never)."""
    value = _check_threshold(threshold)
    with uow:
        company = uow.company(company_code, Perm.COMPANY_MANAGE)
        settings = json.loads(company.settings_json or "{}")
        section = dict(settings.get("payables", {}))
        before = dict(section)
        section["auto_apply_threshold"] = str(value)
        settings["payables"] = section
        company.settings_json = json.dumps(settings, ensure_ascii=False, sort_keys=True)
        uow.audit(
            "payables.settings", "company", company.code, company_id=company.id, before=before, after=section
        )
        uow.commit()
    return {"auto_apply_threshold": str(value)}


# --- memory --------------------------------------------------------------------------------------


def _memory(s: Session, company: Company) -> Memory:
    rows = s.execute(
        select(PayeeMemory.kind, PayeeMemory.key, Supplier.code)
        .join(Supplier, Supplier.id == PayeeMemory.supplier_id)
        .where(PayeeMemory.company_id == company.id, PayeeMemory.active.is_(True))
    ).all()
    return Memory.of(
        accounts=[(key, code) for kind, key, code in rows if kind == "account"],
        names=[(key, code) for kind, key, code in rows if kind == "name"],
    )


def _remember(s: Session, company: Company, line: BankLine, supplier: Supplier, *, correction: bool) -> None:
    keys = [
        ("account", account_key(line.counterparty_account or "")),
        ("name", name_key(line.counterparty_name or "")),
    ]
    for kind, key in [(k, v[:200]) for k, v in keys if v]:
        mine = None
        for row in s.execute(
            select(PayeeMemory).where(
                PayeeMemory.company_id == company.id, PayeeMemory.kind == kind, PayeeMemory.key == key
            )
        ).scalars():
            if row.supplier_id == supplier.id:
                mine = row
            elif correction and row.active:
                row.active = False  # the person said this payee is not that supplier
        if mine is None:
            mine = PayeeMemory(
                company_id=company.id, kind=kind, key=key, supplier_id=supplier.id, confirmations=0
            )
            s.add(mine)
        mine.active = True
        mine.confirmations += 1


# --- the run -------------------------------------------------------------------------------------


def _payment_of(line: BankLine) -> BankPayment:
    return BankPayment(
        txn_id=str(line.id),
        date=line.txn_date,
        amount_minor=-line.amount_minor,
        currency=line.currency,
        payee_name=line.counterparty_name or "",
        payee_account=line.counterparty_account or "",
        remark=line.remark or "",
    )


def _reasons(p: Proposal, extra: Sequence[tuple[str, str]] = ()) -> str:
    return json.dumps([[r.code, r.detail] for r in p.reasons] + [list(x) for x in extra], ensure_ascii=False)


def _open_bills(s: Session, company: Company) -> list[tuple[OpenBill, int]]:
    base = company.base_currency or "CNY"
    rows = s.execute(
        select(VendorBill, Supplier.code)
        .join(Supplier, Supplier.id == VendorBill.supplier_id)
        .where(
            VendorBill.company_id == company.id,
            VendorBill.status == "posted",
            VendorBill.total_minor > VendorBill.paid_minor,
        )
        .order_by(VendorBill.date, VendorBill.id)
    ).all()
    return [
        (
            OpenBill(b.id, code, b.no, b.invoice_no or "", b.date, b.total_minor - b.paid_minor, base),
            b.supplier_id,
        )
        for b, code in rows
    ]


def _recorded(s: Session, company: Company, lines: Sequence[BankLine]) -> list[RecordedPayment]:
    """Bank payments entered by hand (not made by this queue) around the lines' dates."""
    if not lines:
        return []
    first = min(ln.txn_date for ln in lines) - timedelta(days=Settings().recorded_window_days)
    made_here = select(PaymentProposalItem.payment_id).where(PaymentProposalItem.payment_id.is_not(None))
    rows = s.execute(
        select(PurchasePayment.no, Supplier.code, PurchasePayment.date, PurchasePayment.amount_minor)
        .join(Supplier, Supplier.id == PurchasePayment.supplier_id)
        .where(
            PurchasePayment.company_id == company.id,
            PurchasePayment.status == "posted",
            PurchasePayment.method == "bank",
            PurchasePayment.date >= first,
            PurchasePayment.id.not_in(made_here),
        )
    ).all()
    return [RecordedPayment(no, code, day, amount) for no, code, day, amount in rows]


def run(
    uow: UnitOfWork, company_code: str, *, threshold: str | Decimal | float | None = None
) -> dict[str, int]:
    """Match every unsettled outgoing line of the company's statements; pay what is sure, queue the
    rest. Re-running is safe: settled lines are skipped, waiting ones are proposed again."""
    with uow:
        company = _company(uow, company_code)
        s = uow.session
        limit = _check_threshold(threshold) if threshold is not None else threshold_of(company)
        # Lock the waiting proposals first: a person deciding one meanwhile either finishes
        # before (and the line is no longer unsettled) or waits for this run.
        existing = {
            p.bank_line_id: p
            for p in s.execute(
                select(PaymentProposal)
                .where(PaymentProposal.company_id == company.id, PaymentProposal.status == "proposed")
                .with_for_update()
            ).scalars()
        }
        done = select(PaymentProposal.bank_line_id).where(
            PaymentProposal.company_id == company.id, PaymentProposal.status.in_(DONE_STATUSES)
        )
        lines = list(
            s.execute(
                select(BankLine)
                .where(BankLine.company_id == company.id, BankLine.amount_minor < 0, BankLine.id.not_in(done))
                .order_by(BankLine.txn_date, BankLine.id)
            ).scalars()
        )
        bills = _open_bills(s, company)
        sups = list(s.execute(select(Supplier).where(Supplier.company_id == company.id)).scalars())
        sup_id = {x.code: x.id for x in sups}
        payments = [_payment_of(ln) for ln in lines]
        fees = {int(p.txn_id) for p in payments if is_fee(p)}
        proposals = match(
            payments,
            [b for b, _sid in bills],
            [SupplierInfo(x.code, x.name, x.bank_account or "") for x in sups if x.enabled],
            _memory(s, company),
            Settings(threshold=float(limit)),
            _recorded(s, company, lines),
        )
        by_line = {int(p.txn_id): p for p in proposals}
        base = company.base_currency or "CNY"
        counts = {
            "lines": len(lines),
            "fees": 0,
            "auto_applied": 0,
            "proposed": 0,
            "unmatched": 0,
            "refused": 0,
        }
        for line in lines:
            if line.id in fees:
                counts["fees"] += 1
                stale = existing.get(line.id)
                if stale is not None:  # proposed by an older run: a fee is not a payment
                    _clear_items(s, stale)
                    s.delete(stale)
                continue
            p = by_line[line.id]
            row = existing.get(line.id)
            if row is None:
                row = PaymentProposal(company_id=company.id, bank_line_id=line.id, status="proposed", note="")
                s.add(row)
            else:
                _clear_items(s, row)
            row.supplier_id = sup_id.get(p.supplier_code) if p.supplier_code else None
            row.confidence_bp = round(p.confidence * 10000)
            extra = [("foreign_currency", line.currency)] if p.auto and line.currency != base else []
            row.reasons_json = _reasons(p, extra)
            s.flush()
            for seq, a in enumerate(p.allocations, start=1):
                s.add(
                    PaymentProposalItem(
                        proposal_id=row.id, seq=seq, bill_id=a.bill_id, amount_minor=a.amount_minor
                    )
                )
            s.flush()
            if not p.allocations:
                counts["unmatched" if row.supplier_id is None else "proposed"] += 1
                continue
            if not p.auto or extra:
                counts["proposed"] += 1
                continue
            try:
                with s.begin_nested():
                    _apply(uow, company, row, line)
                    row.status = "auto_applied"
                    row.decided_by = uow.actor.username
                    row.decided_at = utcnow()
                counts["auto_applied"] += 1
            except YecaiError as exc:
                row.reasons_json = _reasons(p, [("auto_apply_failed", exc.code)])
                counts["refused"] += 1
                counts["proposed"] += 1
        uow.audit("payables.payment_matching", "company", company.code, company_id=company.id, after=counts)
        uow.commit()
        return counts


def _clear_items(s: Session, row: PaymentProposal) -> None:
    s.execute(PaymentProposalItem.__table__.delete().where(PaymentProposalItem.proposal_id == row.id))


def _apply(uow: UnitOfWork, company: Company, row: PaymentProposal, line: BankLine) -> None:
    """One posted purchase payment per bill of the proposal, dated the bank line's day; the
    bills must take exactly what left the account."""
    s = uow.session
    base = company.base_currency or "CNY"
    if line.currency != base:
        raise ForeignCurrencyLine(currency=line.currency, base=base, field="currency")
    items = list(
        s.execute(
            select(PaymentProposalItem)
            .where(PaymentProposalItem.proposal_id == row.id)
            .order_by(PaymentProposalItem.seq)
        ).scalars()
    )
    total = sum(it.amount_minor for it in items)
    if not items or total != -line.amount_minor:
        raise AllocationNotLine(
            total=format_minor(total), amount=format_minor(-line.amount_minor, line.currency), field="items"
        )
    sup = s.get(Supplier, row.supplier_id) if row.supplier_id else None
    if sup is None:
        raise ProposalEmpty(id=row.id, field="proposal")
    for it in items:
        pay = purchasing.create_payment(
            uow,
            company.code,
            supplier=sup.code,
            day=line.txn_date,
            amount=from_minor(it.amount_minor, base),
            bill_id=it.bill_id,
            method="bank",
        )
        it.payment_id = int(pay["id"])
    s.flush()


# --- the queue -----------------------------------------------------------------------------------


def _view(s: Session, rows: Sequence[tuple[PaymentProposal, BankLine]]) -> list[dict[str, Any]]:
    ids = [p.id for p, _ln in rows]
    items: dict[int, list[dict[str, Any]]] = {}
    if ids:
        q = (
            select(PaymentProposalItem, VendorBill, PurchasePayment.no)
            .join(VendorBill, VendorBill.id == PaymentProposalItem.bill_id)
            .outerjoin(PurchasePayment, PurchasePayment.id == PaymentProposalItem.payment_id)
            .where(PaymentProposalItem.proposal_id.in_(ids))
            .order_by(PaymentProposalItem.proposal_id, PaymentProposalItem.seq)
        )
        for it, bill, pay_no in s.execute(q):
            items.setdefault(it.proposal_id, []).append(
                {
                    "bill": bill.no,
                    "bill_id": bill.id,
                    "invoice_no": bill.invoice_no,
                    "amount": format_minor(it.amount_minor),
                    "bill_total": format_minor(bill.total_minor),
                    "bill_open": format_minor(bill.total_minor - bill.paid_minor),
                    "payment": pay_no or "",
                }
            )
    sup_ids = {p.supplier_id for p, _ln in rows if p.supplier_id}
    sups = (
        {
            i: (c, n)
            for i, c, n in s.execute(
                select(Supplier.id, Supplier.code, Supplier.name).where(Supplier.id.in_(sup_ids))
            )
        }
        if sup_ids
        else {}
    )
    out = []
    for p, ln in rows:
        code, name = sups.get(p.supplier_id, ("", "")) if p.supplier_id else ("", "")
        out.append(
            {
                "id": p.id,
                "status": p.status,
                "line": {
                    "id": ln.id,
                    "txn_id": ln.line_key,
                    "bank_account": ln.bank_account,
                    "date": ln.txn_date.isoformat(),
                    "amount": format_minor(-ln.amount_minor, ln.currency),
                    "currency": ln.currency,
                    "payee_name": ln.counterparty_name,
                    "payee_account": ln.counterparty_account,
                    "remark": ln.remark,
                },
                "supplier": code,
                "supplier_name": name,
                "confidence": f"{Decimal(p.confidence_bp) / 10000:.4f}",
                "reasons": [{"code": c, "detail": d} for c, d in json.loads(p.reasons_json or "[]")],
                "items": items.get(p.id, []),
                "payments": [x["payment"] for x in items.get(p.id, []) if x["payment"]],
                "note": p.note,
                "decided_by": p.decided_by,
                "decided_at": p.decided_at.isoformat() if p.decided_at else "",
            }
        )
    return out


def list_proposals(
    uow: UnitOfWork, company_code: str, *, status: str | None = "proposed", limit: int = 100, offset: int = 0
) -> dict[str, Any]:
    """The queue (default: what waits for a person), oldest line first, with counts per status."""
    if status and status not in STATUSES:
        raise InvalidStatus(value=status, allowed=", ".join(STATUSES), field="status")
    limit = max(1, min(int(limit), LIST_LIMIT_MAX))
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        s = uow.session
        where = [PaymentProposal.company_id == company.id]
        if status:
            where.append(PaymentProposal.status == status)
        total = s.execute(select(func.count()).select_from(PaymentProposal).where(*where)).scalar_one()
        rows = s.execute(
            select(PaymentProposal, BankLine)
            .join(BankLine, BankLine.id == PaymentProposal.bank_line_id)
            .where(*where)
            .order_by(BankLine.txn_date, BankLine.id)
            .limit(limit)
            .offset(max(0, int(offset)))
        ).all()
        counts = dict(
            s.execute(
                select(PaymentProposal.status, func.count())
                .where(PaymentProposal.company_id == company.id)
                .group_by(PaymentProposal.status)
            ).all()
        )
        return {
            "total": int(total),
            "counts": {st: int(counts.get(st, 0)) for st in STATUSES},
            "threshold": str(threshold_of(company)),
            "proposals": _view(s, [(p, ln) for p, ln in rows]),
        }


def get_proposal(uow: UnitOfWork, company_code: str, proposal_id: int) -> dict[str, Any]:
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        row, line = _load(uow.session, company, proposal_id, lock=False)
        return _view(uow.session, [(row, line)])[0]


def _load(s: Session, company: Company, proposal_id: int, *, lock: bool) -> tuple[PaymentProposal, BankLine]:
    q = select(PaymentProposal).where(
        PaymentProposal.company_id == company.id, PaymentProposal.id == proposal_id
    )
    row = s.execute(q.with_for_update() if lock else q).scalar_one_or_none()
    if row is None:
        raise NotFound(what="payment proposal", key=str(proposal_id), field="proposal")
    line = s.get(BankLine, row.bank_line_id)
    assert line is not None, "a proposal always has its bank line"
    return row, line


def _open_row(s: Session, company: Company, proposal_id: int) -> tuple[PaymentProposal, BankLine]:
    row, line = _load(s, company, proposal_id, lock=True)
    if row.status != "proposed":
        raise ProposalNotOpen(id=proposal_id, status=row.status, field="proposal")
    return row, line


def _decide(uow: UnitOfWork, row: PaymentProposal, status: str, note: str) -> None:
    row.status = status
    row.note = (note or "").strip()[:NOTE_MAX]
    row.decided_by = uow.actor.username
    row.decided_at = utcnow()


def confirm(uow: UnitOfWork, company_code: str, proposal_id: int, *, note: str = "") -> dict[str, Any]:
    """Pay the bills as proposed, and remember the payee as the supplier."""
    with uow:
        company = _company(uow, company_code)
        s = uow.session
        row, line = _open_row(s, company, proposal_id)
        has_items = s.execute(
            select(func.count()).where(PaymentProposalItem.proposal_id == row.id)
        ).scalar_one()
        if row.supplier_id is None or not has_items:
            raise ProposalEmpty(id=proposal_id, field="proposal")
        _apply(uow, company, row, line)
        _decide(uow, row, "confirmed", note)
        sup = s.get(Supplier, row.supplier_id)
        assert sup is not None
        _remember(s, company, line, sup, correction=False)
        view = _view(s, [(row, line)])[0]
        uow.audit(
            "payables.match_confirm",
            "ap_match_proposal",
            row.id,
            company_id=company.id,
            after={"supplier": sup.code, "payments": view["payments"]},
        )
        uow.commit()
        return view


def correct(
    uow: UnitOfWork,
    company_code: str,
    proposal_id: int,
    *,
    supplier: str,
    items: Sequence[tuple[str | int, str | Decimal]] = (),
    note: str = "",
) -> dict[str, Any]:
    """Pay the line as a person says: ``supplier`` and (bill no or id, amount) pairs that together
    take exactly the line's amount. The payee is remembered as this supplier and no longer any
    other."""
    if not (supplier or "").strip():
        raise FieldRequired(field_name="supplier", field="supplier")
    if not items:
        raise FieldRequired(field_name="items", field="items")
    if len(items) > ITEMS_MAX:
        raise TooManyBills(limit=ITEMS_MAX, field="items")
    with uow:
        company = _company(uow, company_code)
        s = uow.session
        row, line = _open_row(s, company, proposal_id)
        sup = md.supplier_by_code(s, company.id, supplier.strip())
        before = _view(s, [(row, line)])[0]
        chosen: list[tuple[int, int]] = []
        for n, (ref, amount) in enumerate(items, start=1):
            text = str(ref).strip()
            q = select(VendorBill.id, VendorBill.supplier_id).where(VendorBill.company_id == company.id)
            q = q.where(VendorBill.id == int(text)) if text.isdigit() else q.where(VendorBill.no == text)
            found = s.execute(q).one_or_none()
            if found is None:
                raise NotFound(what="vendor bill", key=text, field="bill", row=n)
            bill_id, owner = found
            if owner != sup.id:
                raise BillOfAnotherSupplier(bill=text, supplier=sup.code, field="bill", row=n)
            if any(bill_id == i for i, _a in chosen):
                raise BillListed(bill=text, field="bill", row=n)
            try:
                minor = to_minor(amount)
            except (InvalidOperation, ValueError, YecaiError):
                raise InvalidAmount(value=amount, bill=text, field="amount", row=n) from None
            if minor <= 0:
                raise InvalidAmount(value=amount, bill=text, field="amount", row=n)
            chosen.append((int(bill_id), minor))
        total = sum(a for _i, a in chosen)
        if total != -line.amount_minor:
            raise AllocationNotLine(
                total=format_minor(total),
                amount=format_minor(-line.amount_minor, line.currency),
                field="items",
            )
        _clear_items(s, row)
        for seq, (bill_id, minor) in enumerate(chosen, start=1):
            s.add(PaymentProposalItem(proposal_id=row.id, seq=seq, bill_id=bill_id, amount_minor=minor))
        row.supplier_id = sup.id
        s.flush()
        _apply(uow, company, row, line)
        _decide(uow, row, "corrected", note)
        _remember(s, company, line, sup, correction=True)
        after = _view(s, [(row, line)])[0]
        uow.audit(
            "payables.match_correct",
            "ap_match_proposal",
            row.id,
            company_id=company.id,
            before={"supplier": before["supplier"], "items": before["items"]},
            after={"supplier": after["supplier"], "items": after["items"]},
        )
        uow.commit()
        return after


def reject(uow: UnitOfWork, company_code: str, proposal_id: int, *, note: str = "") -> dict[str, Any]:
    """The line is not a payment of these bills (nor anything the queue should book): it leaves the
    queue and is not proposed again."""
    with uow:
        company = _company(uow, company_code)
        s = uow.session
        row, line = _open_row(s, company, proposal_id)
        _decide(uow, row, "rejected", note)
        uow.audit(
            "payables.match_reject",
            "ap_match_proposal",
            row.id,
            company_id=company.id,
            after={"note": row.note},
        )
        view = _view(s, [(row, line)])[0]
        uow.commit()
        return view
