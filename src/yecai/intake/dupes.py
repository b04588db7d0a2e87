"""Duplicate invoices are caught before anything is stored or posted.

An invoice is the same as one already taken in when it has the same code and number (the tax
authority's key), or — for invoices whose number was misread or is missing — the same seller,
amount with tax and issue date. Vendor bills keyed in by hand count too (their 发票号码 and
supplier). Rejected intake entries do not count: a person threw them away.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from yecai.core.errors import YecaiError
from yecai.intake.models_review import IntakeInvoice


class DuplicateInvoice(YecaiError):
    code = "intake.duplicate_invoice"
    template = "Invoice {number} was already taken in as {existing}: same invoice code and number"
    http_status = 409


class DuplicateInvoiceAmount(DuplicateInvoice):
    code = "intake.duplicate_invoice_amount"
    template = "Invoice {number} looks like {existing}: same seller, amount with tax and issue date"


def number_key(code: str, number: str) -> str | None:
    """The unique key of an invoice: code/number (数电票 have no code); None when unread."""
    number = number.strip()
    if not number:
        return None
    return f"{code.strip()}/{number}"


def find_duplicate(
    s: Session,
    company_id: int,
    *,
    code: str,
    number: str,
    seller_tax_id: str,
    seller_name: str,
    total_minor: int | None,
    issue_date: date | None,
    exclude_id: int | None = None,
) -> tuple[str, str] | None:
    """(the intake entry '#12' or vendor bill number it duplicates, 'number' | 'amount') or None."""
    from yecai.masterdata.models import Supplier
    from yecai.purchasing.models import VendorBill

    alive = IntakeInvoice.status != "rejected"
    mine = IntakeInvoice.company_id == company_id
    other = IntakeInvoice.id != exclude_id if exclude_id is not None else IntakeInvoice.id.isnot(None)
    key = number_key(code, number)
    if key:
        hit = s.execute(
            select(IntakeInvoice.id).where(mine, alive, other, IntakeInvoice.number_key == key).limit(1)
        ).scalar_one_or_none()
        if hit is not None:
            return f"#{hit}", "number"
    if total_minor is not None and issue_date is not None and (seller_tax_id or seller_name):
        seller = (
            IntakeInvoice.seller_tax_id == seller_tax_id
            if seller_tax_id
            else IntakeInvoice.seller_name == seller_name
        )
        hit = s.execute(
            select(IntakeInvoice.id)
            .where(
                mine,
                alive,
                other,
                seller,
                IntakeInvoice.total_minor == total_minor,
                IntakeInvoice.issue_date == issue_date,
            )
            .limit(1)
        ).scalar_one_or_none()
        if hit is not None:
            return f"#{hit}", "amount"
    # vendor bills keyed in by hand (or drafted from an earlier intake)
    party = []
    if seller_tax_id:
        party.append(Supplier.tax_id == seller_tax_id)
    if seller_name:
        party.append(Supplier.name == seller_name)
    if not party:
        return None
    bills = (
        select(VendorBill.no, VendorBill.invoice_no, VendorBill.total_minor, VendorBill.date)
        .join(Supplier, Supplier.id == VendorBill.supplier_id)
        .where(VendorBill.company_id == company_id, or_(*party))
    )
    if number.strip():
        hit_no = s.execute(bills.where(VendorBill.invoice_no == number.strip()).limit(1)).first()
        if hit_no is not None:
            return str(hit_no[0]), "number"
    if total_minor is not None and issue_date is not None:
        hit_amt = s.execute(
            bills.where(VendorBill.total_minor == total_minor, VendorBill.date == issue_date).limit(1)
        ).first()
        if hit_amt is not None:
            return str(hit_amt[0]), "amount"
    return None


def refuse_duplicate(
    s: Session,
    company_id: int,
    *,
    code: str,
    number: str,
    seller_tax_id: str,
    seller_name: str,
    total_minor: int | None,
    issue_date: date | None,
    exclude_id: int | None = None,
) -> None:
    found = find_duplicate(
        s,
        company_id,
        code=code,
        number=number,
        seller_tax_id=seller_tax_id,
        seller_name=seller_name,
        total_minor=total_minor,
        issue_date=issue_date,
        exclude_id=exclude_id,
    )
    if found is not None:
        existing, reason = found
        cls = DuplicateInvoice if reason == "number" else DuplicateInvoiceAmount
        raise cls(number=f"{code}/{number}".strip("/") or "?", existing=existing, field="invoice_number")
