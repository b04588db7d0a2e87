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

from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yecai.bankmatch import queue as bq
from yecai.bankmatch.queue import ITEMS_MAX
from yecai.core.errors import FieldRequired, PermissionDenied, YecaiError
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
    RecordedPayment,
    Settings,
    SupplierInfo,
    is_fee,
    match,
)
from yecai.payables.models import STATUSES, PayeeMemory, PaymentProposal, PaymentProposalItem
from yecai.purchasing import service as purchasing
from yecai.purchasing.models import PurchasePayment, VendorBill
from yecai.receivables.domain.matching import account_key
from yecai.receivables.domain.names import name_key
from yecai.security.domain import Perm, permissions_of
from yecai.store.uow import UnitOfWork

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


def threshold_of(company: Company) -> Decimal:
    """The company's auto-application threshold (default 0.95)."""
    return QUEUE.threshold_of(company)


def set_threshold(uow: UnitOfWork, company_code: str, threshold: str | Decimal | float) -> dict[str, str]:
    """Set the confidence at or above which a proposal is paid without review (1 = never)."""
    return QUEUE.set_threshold(uow, company_code, threshold)


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
        min_confidence = QUEUE.run_threshold(company, threshold)
        existing = QUEUE.waiting(s, company)  # locked first
        lines = QUEUE.unsettled_lines(s, company, outgoing=True)
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
            Settings(threshold=bq.engine_threshold(min_confidence)),
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
                    QUEUE.clear_items(s, stale)
                    s.delete(stale)
                continue
            p = by_line[line.id]
            row = QUEUE.row_for(s, company, line, existing)
            row.supplier_id = sup_id.get(p.supplier_code) if p.supplier_code else None
            row.confidence_bp = round(p.confidence * 10000)
            extra = [("foreign_currency", line.currency)] if p.auto and line.currency != base else []
            row.reasons_json = bq.reasons_json(p.reasons, extra)
            s.flush()
            for seq, a in enumerate(p.allocations, start=1):
                s.add(
                    PaymentProposalItem(
                        proposal_id=row.id, seq=seq, bill_id=a.bill_id, amount_minor=a.amount_minor
                    )
                )
            s.flush()
            QUEUE.settle(
                uow,
                row,
                matched=bool(p.allocations),
                sure=p.auto and not extra,
                book=partial(_apply, uow, company, row, line),
                reasons=p.reasons,
                counts=counts,
            )
        uow.audit("payables.payment_matching", "company", company.code, company_id=company.id, after=counts)
        uow.commit()
        return counts


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
    sups = bq.codes_names(s, Supplier, {p.supplier_id for p, _ln in rows if p.supplier_id})
    return [
        bq.proposal_view(
            p,
            ln,
            outgoing=True,
            party="supplier",
            code_name=sups.get(p.supplier_id, ("", "")) if p.supplier_id else ("", ""),
            items=items.get(p.id, []),
            booked={"payments": [x["payment"] for x in items.get(p.id, []) if x["payment"]]},
        )
        for p, ln in rows
    ]


QUEUE = bq.Queue(
    section="payables",
    model=PaymentProposal,
    item_model=PaymentProposalItem,
    party_id="supplier_id",
    what="payment proposal",
    statuses=STATUSES,
    invalid_threshold=InvalidThreshold,
    invalid_status=InvalidStatus,
    not_open=ProposalNotOpen,
    view=_view,
    decider=_company,
)


def list_proposals(
    uow: UnitOfWork, company_code: str, *, status: str | None = "proposed", limit: int = 100, offset: int = 0
) -> dict[str, Any]:
    """The queue (default: what waits for a person), oldest line first, with counts per status."""
    return QUEUE.list_proposals(uow, company_code, status=status, limit=limit, offset=offset)


def get_proposal(uow: UnitOfWork, company_code: str, proposal_id: int) -> dict[str, Any]:
    return QUEUE.get_proposal(uow, company_code, proposal_id)


def confirm(uow: UnitOfWork, company_code: str, proposal_id: int, *, note: str = "") -> dict[str, Any]:
    """Pay the bills as proposed, and remember the payee as the supplier."""
    with uow:
        company = _company(uow, company_code)
        s = uow.session
        row, line = QUEUE.open_row(s, company, proposal_id)
        has_items = s.execute(
            select(func.count()).where(PaymentProposalItem.proposal_id == row.id)
        ).scalar_one()
        if row.supplier_id is None or not has_items:
            raise ProposalEmpty(id=proposal_id, field="proposal")
        _apply(uow, company, row, line)
        bq.decide(uow, row, "confirmed", note)
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
        row, line = QUEUE.open_row(s, company, proposal_id)
        sup = md.supplier_by_code(s, company.id, supplier.strip())
        before = _view(s, [(row, line)])[0]
        chosen: list[tuple[int, int]] = []
        for n, (ref, amount) in enumerate(items, start=1):
            text = str(ref).strip()
            bill_id, owner = bq.find_document(
                s, company, VendorBill, VendorBill.supplier_id, text, what="vendor bill", field="bill", row=n
            )
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
            chosen.append((bill_id, minor))
        total = sum(a for _i, a in chosen)
        if total != -line.amount_minor:
            raise AllocationNotLine(
                total=format_minor(total),
                amount=format_minor(-line.amount_minor, line.currency),
                field="items",
            )
        QUEUE.clear_items(s, row)
        for seq, (bill_id, minor) in enumerate(chosen, start=1):
            s.add(PaymentProposalItem(proposal_id=row.id, seq=seq, bill_id=bill_id, amount_minor=minor))
        row.supplier_id = sup.id
        s.flush()
        _apply(uow, company, row, line)
        bq.decide(uow, row, "corrected", note)
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
    return QUEUE.reject(uow, company_code, proposal_id, note=note)
