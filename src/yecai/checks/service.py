"""Invariant checks over one company: vouchers balance, the hash chain, stock valuation equals
the inventory accounts, the AR subledger equals its control account and the documents, every
posted document has its vouchers and every document voucher its document."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yecai.core.money import format_minor
from yecai.core.periods import Period
from yecai.inventory.models import StockCount, StockReceipt, StockRevaluation, StockTransfer
from yecai.inventory.service import valuation_total
from yecai.ledger import reports
from yecai.ledger.models import Account, AccountBalance, Company, Voucher, VoucherLine
from yecai.ledger.models import Period as PeriodRow
from yecai.ledger.service import verify_chain
from yecai.posting.models import DocumentVoucher
from yecai.purchasing.models import PurchasePayment, PurchaseReceipt, PurchaseReturn, VendorBill
from yecai.purchasing.service import payables_by_supplier
from yecai.sales.models import SalesDelivery, SalesInvoice, SalesReceipt
from yecai.sales.models_returns import SalesCreditNote, SalesReturn
from yecai.sales.service import receivables_by_customer
from yecai.security.domain import Perm
from yecai.store.uow import UnitOfWork

INVENTORY_ACCOUNTS = ("1403", "1405")  # where the default rules keep stock (原材料, 库存商品)
AR_ACCOUNT = "1122"
AP_ACCOUNT = "2202"
LISTED_MAX = 100

# Posted documents: (source type, model, the status that means posted).
POSTED_DOCUMENTS: tuple[tuple[str, Any, str], ...] = (
    ("sales_delivery", SalesDelivery, "confirmed"),
    ("sales_invoice", SalesInvoice, "posted"),
    ("sales_receipt", SalesReceipt, "posted"),
    ("sales_return", SalesReturn, "posted"),
    ("sales_credit_note", SalesCreditNote, "posted"),
    ("stock_receipt", StockReceipt, "posted"),
    ("stock_transfer", StockTransfer, "posted"),
    ("stock_count", StockCount, "confirmed"),
    ("stock_revaluation", StockRevaluation, "posted"),
    ("purchase_receipt", PurchaseReceipt, "posted"),
    ("vendor_bill", VendorBill, "posted"),
    ("purchase_payment", PurchasePayment, "posted"),
    ("purchase_return", PurchaseReturn, "posted"),
)


@dataclass(frozen=True)
class Discrepancy:
    check: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _m(minor: int) -> str:
    return format_minor(minor)


def run_checks(uow: UnitOfWork, company_code: str) -> list[Discrepancy]:
    """Every discrepancy found (an empty list when the books hold)."""
    out: list[Discrepancy] = []
    chain = verify_chain(UnitOfWork(uow.db, uow.actor, readonly=True), company_code)
    if not chain.ok:
        out.append(
            Discrepancy(
                "hash_chain",
                f"broken at {chain.first_broken_voucher or chain.first_broken_seq}: {chain.reason}",
            )
        )
    with uow:
        company = uow.company(company_code, Perm.LEDGER_VERIFY)
        s = uow.session
        out += _balanced(s, company)
        out += _stock(s, company)
        out += _stock_pools(s, company)
        out += _receivables(uow, s, company)
        out += _open_items(s, company)
        out += _payables(uow, s, company)
        out += _documents(s, company)
        out += _production(s, company)
        out += _expenses(s, company)
    return out


def _balanced(s: Session, company: Company) -> list[Discrepancy]:
    rows = s.execute(
        select(
            Voucher.period,
            Voucher.word,
            Voucher.number,
            Voucher.total_minor,
            func.sum(VoucherLine.debit_minor),
            func.sum(VoucherLine.credit_minor),
        )
        .join(VoucherLine, VoucherLine.voucher_id == Voucher.id)
        .where(Voucher.company_id == company.id, Voucher.status == "posted")
        .group_by(Voucher.id, Voucher.period, Voucher.word, Voucher.number, Voucher.total_minor)
        .having(
            (func.sum(VoucherLine.debit_minor) != func.sum(VoucherLine.credit_minor))
            | (func.sum(VoucherLine.debit_minor) != Voucher.total_minor)
        )
        .limit(LISTED_MAX)
    ).all()
    return [
        Discrepancy(
            "voucher_balance",
            f"{Period.from_int(p)}/{w}-{n:04d}: debits {_m(int(d))} credits {_m(int(c))} total {_m(t)}",
        )
        for p, w, n, t, d, c in rows
    ]


def _account_net(s: Session, company: Company, prefixes: tuple[str, ...]) -> int:
    ids = select(Account.id).where(
        Account.company_id == company.id, func.substr(Account.code, 1, 4).in_(prefixes)
    )
    return int(
        s.execute(
            select(func.sum(AccountBalance.debit_minor - AccountBalance.credit_minor)).where(
                AccountBalance.company_id == company.id, AccountBalance.account_id.in_(ids)
            )
        ).scalar_one()
        or 0
    )


def _stock(s: Session, company: Company) -> list[Discrepancy]:
    stock = valuation_total(s, company.id)
    books = _account_net(s, company, INVENTORY_ACCOUNTS)
    if stock != books:
        return [
            Discrepancy(
                "stock_valuation",
                f"stock valuation {_m(stock)} ≠ inventory accounts {'+'.join(INVENTORY_ACCOUNTS)} {_m(books)} "
                f"(difference {_m(stock - books)})",
            )
        ]
    return []


def _stock_pools(s: Session, company: Company) -> list[Discrepancy]:
    """Each cost pool (item × warehouse) holds exactly the sum of its stock moves."""
    from yecai.inventory.domain import qty_decimal
    from yecai.inventory.models import StockBalance, StockMove
    from yecai.masterdata.models import Item, Warehouse

    moves = {
        (i, w): (int(q or 0), int(v or 0))
        for i, w, q, v in s.execute(
            select(
                StockMove.item_id,
                StockMove.warehouse_id,
                func.sum(StockMove.qty_e4),
                func.sum(StockMove.value_minor),
            )
            .where(StockMove.company_id == company.id)
            .group_by(StockMove.item_id, StockMove.warehouse_id)
        )
    }
    pools = {
        (p.item_id, p.warehouse_id): (p.qty_e4, p.value_minor)
        for p in s.execute(select(StockBalance).where(StockBalance.company_id == company.id)).scalars()
    }
    out: list[Discrepancy] = []
    for key in sorted(set(moves) | set(pools)):
        if moves.get(key, (0, 0)) != pools.get(key, (0, 0)):
            item, wh = s.get(Item, key[0]), s.get(Warehouse, key[1])
            mq, mv = moves.get(key, (0, 0))
            pq, pv = pools.get(key, (0, 0))
            out.append(
                Discrepancy(
                    "stock_pool",
                    f"{item.code if item else key[0]} in {wh.code if wh else key[1]}: pool {qty_decimal(pq):f} / {_m(pv)} "
                    f"≠ its moves {qty_decimal(mq):f} / {_m(mv)}",
                )
            )
            if len(out) >= LISTED_MAX:
                break
    return out


def _receivables(uow: UnitOfWork, s: Session, company: Company) -> list[Discrepancy]:
    out: list[Discrepancy] = []
    control = _account_net(s, company, (AR_ACCOUNT,))
    last = s.execute(
        select(func.max(PeriodRow.period)).where(PeriodRow.company_id == company.id)
    ).scalar_one()
    first = str(Period.from_int(company.start_period))
    rows = reports.dimension_balances(
        uow, company.code, AR_ACCOUNT, "customer", first, str(Period.from_int(last))
    )
    ledger = {r["code"]: int(r["closing_debit"]) - int(r["closing_credit"]) for r in rows}
    sub_total = sum(ledger.values())
    if sub_total != control:
        out.append(
            Discrepancy(
                "ar_subledger",
                f"customers on {AR_ACCOUNT} sum to {_m(sub_total)} ≠ control account {_m(control)}",
            )
        )
    if "" in ledger:
        out.append(Discrepancy("ar_subledger", f"{_m(ledger[''])} on {AR_ACCOUNT} has no customer"))
    docs = receivables_by_customer(s, company.id)
    from yecai.receivables.dunning import charges_by_customer  # late fees are receivables too

    for code, charged in charges_by_customer(s, company.id).items():
        docs[code] = docs.get(code, 0) + charged
    for code in sorted(set(docs) | set(ledger)):
        if code and docs.get(code, 0) != ledger.get(code, 0):
            out.append(
                Discrepancy(
                    "ar_documents",
                    f"customer {code}: invoices + charges − receipts {_m(docs.get(code, 0))} ≠ {AR_ACCOUNT} balance {_m(ledger.get(code, 0))}",
                )
            )
    return out


def _open_items(s: Session, company: Company) -> list[Discrepancy]:
    """The AR open items (invoices, receipts and credit notes less their applications) sum to the
    1122 control account, per customer too; applications are consistent (receivables.items)."""
    from yecai.receivables.items import reconcile

    return [Discrepancy(check, message) for check, message in reconcile(s, company)][:LISTED_MAX]


def _payables(uow: UnitOfWork, s: Session, company: Company) -> list[Discrepancy]:
    """2202 per supplier sums to the control account and equals the purchasing documents (the open
    暂估 + bills − payments, and the inventory module's stock receipts); credit balances positive."""
    out: list[Discrepancy] = []
    control = -_account_net(s, company, (AP_ACCOUNT,))
    last = s.execute(
        select(func.max(PeriodRow.period)).where(PeriodRow.company_id == company.id)
    ).scalar_one()
    first = str(Period.from_int(company.start_period))
    rows = reports.dimension_balances(
        uow, company.code, AP_ACCOUNT, "supplier", first, str(Period.from_int(last or company.start_period))
    )
    ledger = {r["code"]: int(r["closing_credit"]) - int(r["closing_debit"]) for r in rows}
    sub_total = sum(ledger.values())
    if sub_total != control:
        out.append(
            Discrepancy(
                "ap_subledger",
                f"suppliers on {AP_ACCOUNT} sum to {_m(sub_total)} ≠ control account {_m(control)}",
            )
        )
    if "" in ledger:
        out.append(Discrepancy("ap_subledger", f"{_m(ledger[''])} on {AP_ACCOUNT} has no supplier"))
    docs = payables_by_supplier(s, company.id)
    for code in sorted(set(docs) | set(ledger)):
        if code and docs.get(code, 0) != ledger.get(code, 0):
            out.append(
                Discrepancy(
                    "ap_documents",
                    f"supplier {code}: receipts not billed + bills − payments {_m(docs.get(code, 0))} ≠ {AP_ACCOUNT} balance {_m(ledger.get(code, 0))}",
                )
            )
    return out


def _documents(s: Session, company: Company) -> list[Discrepancy]:
    out: list[Discrepancy] = []
    # Documents that post several events (production, expenses) are checked by _document_events.
    links = (
        s.execute(
            select(DocumentVoucher).where(
                DocumentVoucher.company_id == company.id,
                DocumentVoucher.source_type.in_([t for t, _m1, _p1 in POSTED_DOCUMENTS]),
            )
        )
        .scalars()
        .all()
    )
    linked_docs = {(ln.source_type, ln.source_id) for ln in links}
    for source_type, model, posted in POSTED_DOCUMENTS:
        for doc_id, no in s.execute(
            select(model.id, model.no).where(model.company_id == company.id, model.status == posted)
        ):
            if (source_type, doc_id) not in linked_docs:
                out.append(
                    Discrepancy("document_vouchers", f"{source_type} {no} is {posted} but has no posting")
                )
    vouchers = {
        v.id: v
        for v in s.execute(
            select(Voucher).where(
                Voucher.company_id == company.id,
                Voucher.source_type.in_([t for t, _m2, _p in POSTED_DOCUMENTS]),
            )
        ).scalars()
    }
    linked_vouchers = {ln.voucher_id for ln in links if ln.voucher_id is not None}
    for ln in links:
        if ln.voucher_id is None:
            continue
        v = vouchers.get(ln.voucher_id)
        if (
            v is None
            or v.status != "posted"
            or v.source_id != ln.source_id
            or v.source_type != ln.source_type
        ):
            out.append(
                Discrepancy(
                    "document_vouchers",
                    f"{ln.source_type} {ln.source_ref}: voucher #{ln.voucher_id} missing, unposted or pointing elsewhere",
                )
            )
    models = {t: (m, p) for t, m, p in POSTED_DOCUMENTS}
    for v in vouchers.values():
        model, posted = models[v.source_type]
        doc = s.get(model, v.source_id) if v.source_id is not None else None
        if v.id not in linked_vouchers or doc is None or doc.status != posted or doc.company_id != company.id:
            out.append(
                Discrepancy(
                    "document_vouchers",
                    f"voucher {Period.from_int(v.period)}/{v.display_no} ({v.source_type} #{v.source_id}) has no posted document",
                )
            )
    return out


# --- documents with several events (production, expenses) ----------------------------------------

WIP_PREFIX = "5001"  # 生产成本: work in process, per project (= per work order by default)


def _document_events(
    s: Session, company: Company, specs: list[tuple[str, Any, dict[str, tuple[str, ...]]]]
) -> list[Discrepancy]:
    """Documents ↔ vouchers both ways for documents that post several events: each spec is
    (source type, model, {event: the statuses in which that event must have been posted})."""
    out: list[Discrepancy] = []
    events_of = {t: ev for t, _m, ev in specs}
    links = (
        s.execute(
            select(DocumentVoucher).where(
                DocumentVoucher.company_id == company.id, DocumentVoucher.source_type.in_(list(events_of))
            )
        )
        .scalars()
        .all()
    )
    posted = {(ln.source_type, ln.source_id, ln.event) for ln in links}
    docs: dict[tuple[str, int], Any] = {}
    for source_type, model, events in specs:
        for doc in s.execute(
            select(model.id, model.no, model.status).where(model.company_id == company.id)
        ).all():
            docs[(source_type, doc.id)] = doc
            for event, statuses in events.items():
                if doc.status in statuses and (source_type, doc.id, event) not in posted:
                    out.append(
                        Discrepancy(
                            "document_vouchers",
                            f"{source_type} {doc.no} is {doc.status} but has no {event} posting",
                        )
                    )
    vouchers = {
        v.id: v
        for v in s.execute(
            select(Voucher).where(Voucher.company_id == company.id, Voucher.source_type.in_(list(events_of)))
        ).scalars()
    }
    linked: set[int] = set()
    for ln in links:
        doc = docs.get((ln.source_type, ln.source_id))
        statuses = events_of[ln.source_type].get(ln.event, ())
        if doc is None or doc.status not in statuses:
            out.append(
                Discrepancy(
                    "document_vouchers",
                    f"{ln.source_type} {ln.source_ref}: {ln.event} was posted but the document is "
                    f"{doc.status if doc is not None else 'missing'}",
                )
            )
        if ln.voucher_id is None:
            continue
        linked.add(ln.voucher_id)
        v = vouchers.get(ln.voucher_id)
        if (
            v is None
            or v.status != "posted"
            or v.source_id != ln.source_id
            or v.source_type != ln.source_type
        ):
            out.append(
                Discrepancy(
                    "document_vouchers",
                    f"{ln.source_type} {ln.source_ref}: voucher #{ln.voucher_id} missing, unposted or pointing elsewhere",
                )
            )
    for v in vouchers.values():
        if v.id not in linked:
            out.append(
                Discrepancy(
                    "document_vouchers",
                    f"voucher {Period.from_int(v.period)}/{v.display_no} ({v.source_type} #{v.source_id}) has no posted document",
                )
            )
    return out


def _production(s: Session, company: Company) -> list[Discrepancy]:
    """Production documents ↔ vouchers, and work in process: 5001 per project equals what the
    project's work orders still hold (charged − relieved by finished goods − written off)."""
    from yecai.ledger.models import DimensionValue
    from yecai.production.service import POSTED, wip_by_project

    out = _document_events(s, company, [(t, m, {ev: (st,)}) for t, (m, st, ev) in POSTED.items()])
    wip_ids = select(Account.id).where(
        Account.company_id == company.id, func.substr(Account.code, 1, len(WIP_PREFIX)) == WIP_PREFIX
    )
    rows = s.execute(
        select(DimensionValue.code, func.sum(VoucherLine.debit_minor - VoucherLine.credit_minor))
        .select_from(VoucherLine)
        .join(Voucher, Voucher.id == VoucherLine.voucher_id)
        .outerjoin(DimensionValue, DimensionValue.id == VoucherLine.project_id)
        .where(
            VoucherLine.company_id == company.id,
            Voucher.status == "posted",
            VoucherLine.account_id.in_(wip_ids),
        )
        .group_by(DimensionValue.code)
    ).all()
    books = {code or "": int(value or 0) for code, value in rows}
    docs = wip_by_project(s, company.id)
    for code in sorted(set(books) | set(docs)):
        if books.get(code, 0) != docs.get(code, 0):
            out.append(
                Discrepancy(
                    "production_wip",
                    f"project {code or '(none)'}: work orders in process {_m(docs.get(code, 0))} ≠ "
                    f"{WIP_PREFIX} balance {_m(books.get(code, 0))}",
                )
            )
    return out


def _expenses(s: Session, company: Company) -> list[Discrepancy]:
    """Expense claims and employee advances ↔ vouchers both ways; each claim's approval and
    payment vouchers carry exactly the claim's total (what 2241 took on and gave back)."""
    from yecai.expenses.models import ExpenseClaim
    from yecai.expenses.service import POSTED

    out = _document_events(s, company, list(POSTED))
    rows = s.execute(
        select(ExpenseClaim.no, ExpenseClaim.total_minor, DocumentVoucher.event, Voucher.total_minor)
        .join(
            DocumentVoucher,
            (DocumentVoucher.source_id == ExpenseClaim.id) & (DocumentVoucher.source_type == "expense_claim"),
        )
        .join(Voucher, Voucher.id == DocumentVoucher.voucher_id)
        .where(ExpenseClaim.company_id == company.id, DocumentVoucher.company_id == company.id)
    ).all()
    for no, total, event, voucher_total in rows:
        if int(total) != int(voucher_total):
            out.append(
                Discrepancy(
                    "expense_claims",
                    f"expense_claim {no}: total {_m(int(total))} ≠ its {event} voucher {_m(int(voucher_total))}",
                )
            )
    return out
