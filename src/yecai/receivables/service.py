"""Receivables use cases: a company's open items, the payer memory, cash application in batch.

The matching itself is pure (``receivables.domain.matching``); here we read what it needs —
open items, confirmed payer accounts and names — and record what people confirm or correct.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yecai.core.errors import FieldRequired
from yecai.ledger.models import Company
from yecai.masterdata import service as md
from yecai.masterdata.models import Customer
from yecai.receivables import batch
from yecai.receivables.batch import (  # noqa: F401 - the batch file API, re-exported
    BANK_COLUMNS,
    BATCH_WORKERS_MAX,
    MATCH_COLUMNS,
    OPEN_ITEM_COLUMNS,
    ROWS_MAX,
    DuplicateId,
    InvalidDate,
    InvalidThreshold,
    NotAReceipt,
    OpenItemsSourceRequired,
    TooManyRows,
    match_rows,
    read_bank_file,
    read_memory_file,
    read_open_items_file,
    write_matches,
)
from yecai.receivables.domain.matching import (
    Memory,
    OpenItem,
    Progress,
    Proposal,
    account_key,
    gc_paused,
)
from yecai.receivables.domain.names import name_key
from yecai.receivables.models import PayerMemory
from yecai.receivables.models_items import ARApplication
from yecai.sales.models import SalesInvoice
from yecai.security.domain import Perm
from yecai.store.uow import UnitOfWork

# --- open items ----------------------------------------------------------------------------------


def open_items(uow: UnitOfWork, company_code: str) -> list[OpenItem]:
    """Posted sales invoices not yet fully settled, per customer (due by the customer's credit
    days). Receipts applied to an invoice (``received``) and credit notes lower its open amount."""
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        return [item for item, _id in open_invoices(uow.session, company)]


def open_invoices(s: Session, company: Company) -> list[tuple[OpenItem, int]]:
    """The company's open invoices as matching items, each with its invoice id (oldest first)."""
    rows = s.execute(
        select(SalesInvoice, Customer)
        .join(Customer, Customer.id == SalesInvoice.customer_id)
        .where(
            SalesInvoice.company_id == company.id,
            SalesInvoice.status == "posted",
            SalesInvoice.total_minor > SalesInvoice.received_minor,
        )
        .order_by(SalesInvoice.date, SalesInvoice.no)
    ).all()
    credited = dict(
        s.execute(
            select(ARApplication.invoice_id, func.sum(ARApplication.amount_minor))
            .where(
                ARApplication.company_id == company.id,
                ARApplication.source_type == "sales_credit_note",
            )
            .group_by(ARApplication.invoice_id)
        ).all()
    )
    currency = company.base_currency or "CNY"
    out = []
    for inv, cust in rows:
        open_minor = inv.total_minor - inv.received_minor - int(credited.get(inv.id) or 0)
        if open_minor <= 0:
            continue
        item = OpenItem(
            item_id=inv.no,
            customer_code=cust.code,
            customer_name=cust.name,
            doc_no=inv.no,
            date=inv.date,
            due_date=inv.date + timedelta(days=cust.credit_days or 0),
            open_minor=open_minor,
            currency=currency,
        )
        out.append((item, inv.id))
    return out


# --- payer memory --------------------------------------------------------------------------------


def load_memory(uow: UnitOfWork, company_code: str) -> Memory:
    """What people confirmed in this company: payer accounts and names → customer codes."""
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        rows = uow.session.execute(
            select(PayerMemory.kind, PayerMemory.key, Customer.code)
            .join(Customer, Customer.id == PayerMemory.customer_id)
            .where(PayerMemory.company_id == company.id, PayerMemory.active.is_(True))
        ).all()
        return Memory.of(
            accounts=[(key, code) for kind, key, code in rows if kind == "account"],
            names=[(key, code) for kind, key, code in rows if kind == "name"],
        )


def _remember(
    uow: UnitOfWork,
    company_code: str,
    *,
    customer: str,
    payer_account: str,
    payer_name: str,
    correction: bool,
) -> dict[str, Any]:
    keys = [("account", account_key(payer_account)), ("name", name_key(payer_name))]
    keys = [(kind, key[:200]) for kind, key in keys if key]
    if not keys:
        raise FieldRequired(field_name="payer_account or payer_name", field="payer_account")
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_CREATE)
        s = uow.session
        cust = md.customer_by_code(s, company.id, customer)
        for kind, key in keys:
            rows = s.execute(
                select(PayerMemory).where(
                    PayerMemory.company_id == company.id, PayerMemory.kind == kind, PayerMemory.key == key
                )
            ).scalars()
            mine = None
            for row in rows:
                if row.customer_id == cust.id:
                    mine = row
                elif correction and row.active:
                    row.active = False  # the person said this payer is not that customer
            if mine is None:
                mine = PayerMemory(
                    company_id=company.id, kind=kind, key=key, customer_id=cust.id, confirmations=0
                )
                s.add(mine)
            mine.active = True
            mine.confirmations += 1
        action = "receivables.correct_match" if correction else "receivables.confirm_match"
        after = {"customer": cust.code, "keys": [f"{k}:{v}" for k, v in keys]}
        uow.audit(action, "ar_payer_memory", cust.code, company_id=company.id, after=after)
        uow.commit()
        return after


def confirm_match(
    uow: UnitOfWork, company_code: str, *, customer: str, payer_account: str = "", payer_name: str = ""
) -> dict[str, Any]:
    """A person confirmed that this payer (account and/or name) paid for ``customer``."""
    return _remember(
        uow,
        company_code,
        customer=customer,
        payer_account=payer_account,
        payer_name=payer_name,
        correction=False,
    )


def correct_match(
    uow: UnitOfWork, company_code: str, *, customer: str, payer_account: str = "", payer_name: str = ""
) -> dict[str, Any]:
    """A person corrected a proposal: this payer is ``customer`` and no longer anyone else."""
    return _remember(
        uow,
        company_code,
        customer=customer,
        payer_account=payer_account,
        payer_name=payer_name,
        correction=True,
    )


# --- batch files ---------------------------------------------------------------------------------


def match_files(
    uow: UnitOfWork | None,
    *,
    bank: Path,
    open_items_file: Path | None = None,
    company: str | None = None,
    memory_file: Path | None = None,
    threshold: float = 0.95,
    progress: Progress | None = None,
) -> list[Proposal]:
    """``yecai receivables match``: the bank file against an open items file or the company's
    open items, with the company's payer memory (and/or a memory file)."""
    batch.check_threshold(threshold)
    if company is None:
        if open_items_file is None:
            raise OpenItemsSourceRequired(field="company")
        return batch.match_files(
            bank=bank,
            open_items_file=open_items_file,
            memory_file=memory_file,
            threshold=threshold,
            progress=progress,
        )
    assert uow is not None
    with gc_paused():  # reading and matching allocate millions of acyclic objects
        receipts = read_bank_file(bank)
        items = read_open_items_file(open_items_file) if open_items_file else open_items(uow, company)
        memories = [load_memory(uow, company)]
        if memory_file:
            memories.append(read_memory_file(memory_file))
        return batch.match_batch(receipts, items, memories, threshold, progress)
