"""Cash application on a company's imported bank statements, with a review queue.

``run`` matches the statement lines nobody has settled yet (receipts, not yet applied, confirmed,
corrected or rejected) against the company's open invoices, with the payer memory. Each line gets
one proposal (customer, invoices and amounts, confidence, reasons). At or above the company's
threshold it is applied at once: a sales receipt for the line (posted: bank against 应收账款) and
one application (核销) per invoice. Below, it waits for a person, who confirms it, corrects it
(another customer, other invoices or amounts) or rejects it. What a person confirms or corrects is
remembered (payer account and name → customer) and used by the next run.

A line is applied at most once: one proposal per line (a unique constraint), locked while it is
decided, and every application carries an idempotency key made of the line and the invoice.
Every command is one transaction; an automatic application that the books refuse (a closed
period, say) leaves that proposal in the queue with the reason, and the rest of the run goes on.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yecai.bankmatch import queue as bq
from yecai.bankmatch.queue import ITEMS_MAX, NOTE_MAX
from yecai.core.errors import FieldRequired, YecaiError
from yecai.core.i18n import N_
from yecai.core.money import format_minor, from_minor, to_minor
from yecai.intake.models import BankLine
from yecai.ledger.models import Company
from yecai.masterdata import service as md
from yecai.masterdata.models import Customer
from yecai.receivables import service as ar
from yecai.receivables.domain.matching import BankReceipt, Settings, match
from yecai.receivables.models_review import STATUSES, MatchProposal, MatchProposalItem
from yecai.sales import service as sales
from yecai.sales.models import SalesInvoice, SalesReceipt
from yecai.security.domain import Perm
from yecai.store.uow import UnitOfWork

# What the engine's reasons mean, for the reviewer (msgids; the detail follows the text).
REASON_TEXTS: dict[str, str] = {
    "reference_match": N_("Invoice number in the remark"),
    "reference_number": N_("A number in the remark matches the invoice"),
    "reference_near": N_("Invoice number in the remark with one digit wrong"),
    "reference_plus_amount": N_("Named invoices plus other invoices making up the amount"),
    "payer_account_known": N_("Payer account confirmed before"),
    "payer_account_seen": N_("Payer account seen paying this customer in the same batch"),
    "payer_name_known": N_("Payer name confirmed before"),
    "name_similarity": N_("Payer name resembles the customer"),
    "payer": N_("Payer"),
    "amount_exact": N_("Amount equals the open amount"),
    "amount_sum": N_("Amount equals several open invoices together"),
    "amount_sum_short": N_("Several invoices together, short by a bank fee"),
    "amount_unique": N_("The only open invoice with this amount"),
    "amount_one_customer": N_("Open invoices with this amount belong to one customer"),
    "amount_recurring": N_("The customer is billed this amount repeatedly"),
    "amount_ambiguous": N_("Several invoices fit the amount"),
    "customer_ambiguous": N_("Another customer fits as well"),
    "fee_within_tolerance": N_("Short by a bank fee or discount within tolerance"),
    "partial_payment": N_("Partial payment"),
    "partial_payment_oldest": N_("Partial payment of the oldest open invoice"),
    "overpayment": N_("Overpayment"),
    "overpayment_rounded": N_("Invoice rounded up by the payer"),
    "tranches_sum": N_("Several receipts of the payer add up to the invoice"),
    "advance_or_refund": N_("Advance, deposit or refund"),
    "depends_on_review": N_("Depends on another proposal awaiting review"),
    "no_match": N_("No open invoice fits"),
    "not_a_receipt": N_("Not a receipt"),
    "auto_apply_failed": N_("Automatic application refused by the books"),
    "foreign_currency": N_("Not in the company's currency: apply by hand"),
    "several_customers": N_("The invoices belong to several customers"),
}


class InvalidThreshold(YecaiError):
    code = "receivables.invalid_threshold"
    template = "Threshold {value} must be between 0 and 1"


class ProposalNotOpen(YecaiError):
    code = "receivables.proposal_not_open"
    template = "Proposal {id} is already {status}; only a proposed match can be decided"
    http_status = 409


class ProposalEmpty(YecaiError):
    code = "receivables.proposal_empty"
    template = "Proposal {id} names no customer; correct it with the customer and invoices instead"
    http_status = 409


class ProposalSeveralCustomers(YecaiError):
    code = "receivables.proposal_several_customers"
    template = "Proposal {id} applies invoices of several customers; correct it to one customer"
    http_status = 409


class CorrectionExceedsLine(YecaiError):
    code = "receivables.correction_exceeds_line"
    template = "The invoices add up to {total}, more than the bank line's {amount}"


class ForeignCurrencyLine(YecaiError):
    code = "receivables.foreign_currency_line"
    template = "Bank line in {currency}: receipts are booked in {base}; enter this one by hand"
    http_status = 409


class InvoiceListed(YecaiError):
    code = "receivables.invoice_listed_twice"
    template = "Invoice {invoice} is listed more than once"


class InvoiceOfAnotherCustomer(YecaiError):
    code = "receivables.invoice_of_another_customer"
    template = "Invoice {invoice} is not an invoice of customer {customer}"


class TooManyInvoices(YecaiError):
    code = "receivables.too_many_invoices"
    template = "At most {limit} invoices in one correction"


# --- settings ------------------------------------------------------------------------------------


def threshold_of(company: Company) -> Decimal:
    """The company's auto-application threshold (default 0.95)."""
    return QUEUE.threshold_of(company)


def set_threshold(uow: UnitOfWork, company_code: str, threshold: str | Decimal | float) -> dict[str, str]:
    """Set the confidence at or above which a proposal is applied without review (1 = never)."""
    return QUEUE.set_threshold(uow, company_code, threshold)


# --- the run -------------------------------------------------------------------------------------


def _receipt_of(line: BankLine) -> BankReceipt:
    return BankReceipt(
        txn_id=str(line.id),
        date=line.txn_date,
        amount_minor=line.amount_minor,
        currency=line.currency,
        payer_name=line.counterparty_name or "",
        payer_account=line.counterparty_account or "",
        remark=line.remark or "",
    )


def run(
    uow: UnitOfWork, company_code: str, *, threshold: str | Decimal | float | None = None
) -> dict[str, int]:
    """Match every unsettled receipt line of the company's statements; apply what is sure, queue
    the rest. Re-running is safe: settled lines are skipped, waiting ones are proposed again."""
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_CREATE)
        s = uow.session
        min_confidence = QUEUE.run_threshold(company, threshold)
        existing = QUEUE.waiting(s, company)  # locked first
        lines = QUEUE.unsettled_lines(s, company, outgoing=False)
        pairs = ar.open_invoices(s, company)
        invoice_ids = {item.item_id: inv_id for item, inv_id in pairs}
        owner_of = {item.item_id: item.customer_code for item, _id in pairs}
        customers = dict(
            s.execute(select(Customer.code, Customer.id).where(Customer.company_id == company.id)).all()
        )
        memory = ar.load_memory(uow, company_code)
        proposals = match(
            [_receipt_of(ln) for ln in lines],
            [item for item, _id in pairs],
            memory,
            Settings(threshold=bq.engine_threshold(min_confidence)),
        )
        by_line = {int(p.txn_id): p for p in proposals}
        base = company.base_currency or "CNY"
        counts = {"lines": len(lines), "auto_applied": 0, "proposed": 0, "unmatched": 0, "refused": 0}
        for line in lines:
            p = by_line[line.id]
            row = QUEUE.row_for(s, company, line, existing)
            row.customer_id = customers.get(p.customer_code) if p.customer_code else None
            row.confidence_bp = round(p.confidence * 10000)
            extra: list[tuple[str, str]] = []
            owners = {owner_of[a.item_id] for a in p.applications}
            if p.auto and line.currency != base:
                extra.append(("foreign_currency", line.currency))
            elif p.auto and len(owners) > 1:
                extra.append(("several_customers", ""))
            row.reasons_json = bq.reasons_json(p.reasons, extra)
            s.flush()
            for seq, a in enumerate(p.applications, start=1):
                s.add(
                    MatchProposalItem(
                        proposal_id=row.id,
                        seq=seq,
                        invoice_id=invoice_ids[a.item_id],
                        amount_minor=a.applied_minor,
                        writeoff_minor=a.writeoff_minor,
                    )
                )
            s.flush()
            items = [(invoice_ids[a.item_id], a.applied_minor) for a in p.applications]
            QUEUE.settle(
                uow,
                row,
                matched=bool(p.applications),
                sure=p.auto and not extra,
                book=partial(_apply, uow, company, row, line, p.customer_code or "", items),
                reasons=p.reasons,
                counts=counts,
            )
        uow.audit(
            "receivables.cash_application", "company", company.code, company_id=company.id, after=counts
        )
        uow.commit()
        return counts


def _apply(
    uow: UnitOfWork,
    company: Company,
    row: MatchProposal,
    line: BankLine,
    customer: str,
    items: Sequence[tuple[int, int]],
) -> None:
    """A posted sales receipt for the whole line, applied to ``items`` (invoice id, amount); what
    is not applied stays on the receipt as the customer's credit (an advance, an overpayment)."""
    base = company.base_currency or "CNY"
    if line.currency != base:
        raise ForeignCurrencyLine(currency=line.currency, base=base, field="currency")
    amount = from_minor(line.amount_minor, base)
    apply = _items_apply()
    if apply is None and len(items) == 1 and items[0][1] == line.amount_minor:
        # Without the open-items module a receipt settles its one invoice itself.
        receipt = sales.create_receipt(
            uow, company.code, customer=customer, day=line.txn_date, amount=amount, invoice_id=items[0][0]
        )
    else:
        receipt = sales.create_receipt(uow, company.code, customer=customer, day=line.txn_date, amount=amount)
        for invoice_id, amount_minor in items:
            assert apply is not None, "several invoices need receivables.items.apply"
            apply(
                uow,
                company.code,
                receipt_id=receipt["id"],
                invoice_id=invoice_id,
                amount=from_minor(amount_minor, base),
                note=f"bank {line.bank_account} {line.line_key}"[:NOTE_MAX],
                origin="cash_application",
                idempotency_key=f"cashapp:{line.id}:{invoice_id}",
            )
    row.receipt_id = int(receipt["id"])


def _items_apply() -> Any:
    try:
        from yecai.receivables import items
    except ImportError:  # pragma: no cover - the open-items module is part of receivables
        return None
    return items.apply


# --- the queue -----------------------------------------------------------------------------------


def _view(s: Session, rows: Sequence[tuple[MatchProposal, BankLine]]) -> list[dict[str, Any]]:
    ids = [p.id for p, _ln in rows]
    items: dict[int, list[dict[str, Any]]] = {}
    if ids:
        q = (
            select(MatchProposalItem, SalesInvoice.no, SalesInvoice.total_minor, SalesInvoice.received_minor)
            .join(SalesInvoice, SalesInvoice.id == MatchProposalItem.invoice_id)
            .where(MatchProposalItem.proposal_id.in_(ids))
            .order_by(MatchProposalItem.proposal_id, MatchProposalItem.seq)
        )
        for it, no, total, received in s.execute(q):
            items.setdefault(it.proposal_id, []).append(
                {
                    "invoice": no,
                    "invoice_id": it.invoice_id,
                    "amount": format_minor(it.amount_minor),
                    "writeoff": format_minor(it.writeoff_minor),
                    "invoice_total": format_minor(total),
                    "invoice_open": format_minor(total - received),
                }
            )
    custs = bq.codes_names(s, Customer, {p.customer_id for p, _ln in rows if p.customer_id})
    receipt_ids = {p.receipt_id for p, _ln in rows if p.receipt_id}
    receipts = (
        dict(
            s.execute(select(SalesReceipt.id, SalesReceipt.no).where(SalesReceipt.id.in_(receipt_ids))).all()
        )
        if receipt_ids
        else {}
    )
    return [
        bq.proposal_view(
            p,
            ln,
            outgoing=False,
            party="customer",
            code_name=custs.get(p.customer_id, ("", "")) if p.customer_id else ("", ""),
            items=items.get(p.id, []),
            booked={"receipt": receipts.get(p.receipt_id, "") if p.receipt_id else ""},
        )
        for p, ln in rows
    ]


class InvalidStatus(YecaiError):
    code = "receivables.invalid_status"
    template = "Unknown status {value}; expected one of {allowed}"


QUEUE = bq.Queue(
    section="receivables",
    model=MatchProposal,
    item_model=MatchProposalItem,
    party_id="customer_id",
    what="match proposal",
    statuses=STATUSES,
    invalid_threshold=InvalidThreshold,
    invalid_status=InvalidStatus,
    not_open=ProposalNotOpen,
    view=_view,
    decider=lambda uow, code: uow.company(code, Perm.VOUCHER_CREATE),
)


def list_proposals(
    uow: UnitOfWork,
    company_code: str,
    *,
    status: str | None = "proposed",
    limit: int = 100,
    offset: int = 0,
) -> dict[str, Any]:
    """The queue (default: what waits for a person), oldest line first, with the total count."""
    return QUEUE.list_proposals(uow, company_code, status=status, limit=limit, offset=offset)


def get_proposal(uow: UnitOfWork, company_code: str, proposal_id: int) -> dict[str, Any]:
    return QUEUE.get_proposal(uow, company_code, proposal_id)


def _remember(uow: UnitOfWork, company_code: str, line: BankLine, customer: str, *, correction: bool) -> None:
    if (line.counterparty_account or "").strip() or (line.counterparty_name or "").strip():
        fn = ar.correct_match if correction else ar.confirm_match
        fn(
            uow,
            company_code,
            customer=customer,
            payer_account=line.counterparty_account or "",
            payer_name=line.counterparty_name or "",
        )


def confirm(uow: UnitOfWork, company_code: str, proposal_id: int, *, note: str = "") -> dict[str, Any]:
    """Apply a waiting proposal as proposed, and remember its payer as its customer."""
    with uow:
        company = QUEUE.decider(uow, company_code)
        s = uow.session
        row, line = QUEUE.open_row(s, company, proposal_id)
        if row.customer_id is None:
            raise ProposalEmpty(id=proposal_id, field="proposal")
        cust = s.get(Customer, row.customer_id)
        assert cust is not None
        items = list(
            s.execute(
                select(MatchProposalItem, SalesInvoice.customer_id)
                .join(SalesInvoice, SalesInvoice.id == MatchProposalItem.invoice_id)
                .where(MatchProposalItem.proposal_id == row.id)
                .order_by(MatchProposalItem.seq)
            ).all()
        )
        if any(cid != cust.id for _it, cid in items):
            raise ProposalSeveralCustomers(id=proposal_id, field="proposal")
        _apply(uow, company, row, line, cust.code, [(it.invoice_id, it.amount_minor) for it, _c in items])
        bq.decide(uow, row, "confirmed", note)
        _remember(uow, company_code, line, cust.code, correction=False)
        uow.audit(
            "receivables.match_confirm",
            "ar_match_proposal",
            row.id,
            company_id=company.id,
            after={"customer": cust.code, "receipt_id": row.receipt_id},
        )
        view = _view(s, [(row, line)])[0]
        uow.commit()
        return view


def correct(
    uow: UnitOfWork,
    company_code: str,
    proposal_id: int,
    *,
    customer: str,
    items: Sequence[tuple[str | int, str | Decimal]] = (),
    note: str = "",
) -> dict[str, Any]:
    """Apply the line as a person says: ``customer`` and (invoice no or id, amount) pairs; what
    the invoices do not take stays on the receipt as the customer's credit. The payer is
    remembered as this customer and no longer any other."""
    if not (customer or "").strip():
        raise FieldRequired(field_name="customer", field="customer")
    if len(items) > ITEMS_MAX:
        raise TooManyInvoices(limit=ITEMS_MAX, field="items")
    with uow:
        company = QUEUE.decider(uow, company_code)
        s = uow.session
        row, line = QUEUE.open_row(s, company, proposal_id)
        cust = md.customer_by_code(s, company.id, customer.strip())
        before = _view(s, [(row, line)])[0]
        chosen: list[tuple[int, int]] = []
        for n, (ref, amount) in enumerate(items, start=1):
            text = str(ref).strip()
            inv_id, owner = bq.find_document(
                s,
                company,
                SalesInvoice,
                SalesInvoice.customer_id,
                text,
                what="sales invoice",
                field="invoice",
                row=n,
            )
            if owner != cust.id:
                raise InvoiceOfAnotherCustomer(invoice=text, customer=cust.code, field="invoice", row=n)
            if any(inv_id == i for i, _a in chosen):
                raise InvoiceListed(invoice=text, field="invoice", row=n)
            chosen.append((inv_id, to_minor(amount)))
        total = sum(a for _i, a in chosen)
        if total > line.amount_minor:
            raise CorrectionExceedsLine(
                total=format_minor(total),
                amount=format_minor(line.amount_minor, line.currency),
                field="items",
            )
        QUEUE.clear_items(s, row)
        for seq, (inv_id, amount_minor) in enumerate(chosen, start=1):
            s.add(
                MatchProposalItem(
                    proposal_id=row.id,
                    seq=seq,
                    invoice_id=inv_id,
                    amount_minor=amount_minor,
                    writeoff_minor=0,
                )
            )
        row.customer_id = cust.id
        s.flush()
        _apply(uow, company, row, line, cust.code, chosen)
        bq.decide(uow, row, "corrected", note)
        _remember(uow, company_code, line, cust.code, correction=True)
        after = _view(s, [(row, line)])[0]
        uow.audit(
            "receivables.match_correct",
            "ar_match_proposal",
            row.id,
            company_id=company.id,
            before={"customer": before["customer"], "items": before["items"]},
            after={"customer": after["customer"], "items": after["items"], "receipt": after["receipt"]},
        )
        uow.commit()
        return after


def reject(uow: UnitOfWork, company_code: str, proposal_id: int, *, note: str = "") -> dict[str, Any]:
    """The line is not a customer's payment for these invoices (nor anything the queue should
    book): it leaves the queue and is not proposed again."""
    return QUEUE.reject(uow, company_code, proposal_id, note=note)
