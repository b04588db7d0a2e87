"""Document lists for the workspace: the kinds of documents, who sees them, and one paginated
read per list.

The services' ``list_*`` functions return whole views (lines, vouchers) for at most a few hundred
rows and take no page or text filter; a list page needs neither lines nor vouchers but needs
pagination, a text search and counts. So the lists read here: one SELECT for the rows of one page
and one COUNT, scoped through ``uow.company(code, Perm.COMPANY_VIEW)`` like every service read.
Nothing here decides anything about a document; every change goes through the services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, tuple_
from sqlalchemy.orm import aliased

from yecai.core.i18n import N_
from yecai.core.money import format_minor
from yecai.core.periods import Period
from yecai.expenses.models import ExpenseClaim
from yecai.inventory.models import StockCount, StockReceipt, StockTransfer
from yecai.ledger.models import Voucher
from yecai.masterdata.models import Customer, Item, Supplier, Warehouse
from yecai.posting.models import DocumentVoucher
from yecai.production.models import WorkOrder
from yecai.purchasing.models import (
    PurchaseOrder,
    PurchaseOrderLine,
    PurchasePayment,
    PurchaseReceipt,
    VendorBill,
)
from yecai.sales.models import SalesDelivery, SalesInvoice, SalesOrder, SalesOrderLine, SalesReceipt
from yecai.sales.models_returns import SalesCreditNote, SalesReturn
from yecai.security.domain import Perm
from yecai.store.uow import UnitOfWork
from yecai.web.links import DOC_PATHS

PAGE_SIZE = 50
TEXT_MAX = 60

# Who sees which documents (the cashier: invoices to collect, bills to pay, receipts, payments). Writing is decided by the services (voucher.create today); the pages
# offer the forms only to roles that hold it.
DOCS_READ = (Perm.REPORT_VIEW, Perm.VOUCHER_CREATE)
CASH_READ = (Perm.REPORT_VIEW, Perm.VOUCHER_CREATE, Perm.CASH_MANAGE)
WRITE = Perm.VOUCHER_CREATE

STATUS_LABELS = {
    "open": N_("Open"),
    "closed": N_("Closed"),
    "cancelled": N_("Cancelled"),
    "draft": N_("Draft"),
    "confirmed": N_("Confirmed"),
    "posted": N_("document|Posted"),
    "released": N_("Released"),
    "approved": N_("Approved"),
    "paid": N_("Paid"),
}

# Named "waiting" filters: the dashboard counts them and links to the list filtered by them.
TODO_LABELS = {
    "undelivered": N_("Orders to deliver"),
    "uninvoiced": N_("Delivered, not invoiced"),
    "to_confirm": N_("Deliveries to confirm"),
    "to_post": N_("Drafts to post"),
    "unreceived": N_("Invoices to collect"),
    "to_receive": N_("Orders to receive"),
    "unbilled": N_("Goods received, not billed"),
    "unpaid": N_("Bills to pay"),
    "to_release": N_("Work orders to release"),
    "to_approve": N_("Claims to approve"),
    "to_pay": N_("Claims to pay"),
    "to_process": N_("Counts to process"),
}


@dataclass(frozen=True)
class Kind:
    key: str  # the source_type vouchers and the audit log use
    section: str  # sales | purchasing | inventory | production | expenses
    label: str  # msgid, plural
    one: str  # msgid, singular
    model: Any
    party: str | None  # customer | supplier | None
    amount: str | None  # the header amount column shown in the list
    statuses: tuple[str, ...]
    any_of: tuple[str, ...]
    todos: tuple[str, ...] = ()
    creatable: bool = False  # has a "new" form of its own (others start from another document)

    @property
    def url(self) -> str:
        return DOC_PATHS[self.key]


KINDS: dict[str, Kind] = {
    k.key: k
    for k in (
        Kind(
            "sales_order",
            "sales",
            N_("Sales orders"),
            N_("Sales order"),
            SalesOrder,
            "customer",
            "total_minor",
            ("open", "closed", "cancelled"),
            DOCS_READ,
            ("undelivered", "uninvoiced"),
            creatable=True,
        ),
        Kind(
            "sales_delivery",
            "sales",
            N_("Deliveries"),
            N_("Delivery"),
            SalesDelivery,
            "customer",
            "cost_minor",
            ("draft", "confirmed"),
            DOCS_READ,
            ("to_confirm",),
        ),
        Kind(
            "sales_invoice",
            "sales",
            N_("Sales invoices"),
            N_("Sales invoice"),
            SalesInvoice,
            "customer",
            "total_minor",
            ("draft", "posted"),
            CASH_READ,
            ("to_post", "unreceived"),
        ),
        Kind(
            "sales_receipt",
            "sales",
            N_("Receipts"),
            N_("Receipt"),
            SalesReceipt,
            "customer",
            "amount_minor",
            ("posted",),
            CASH_READ,
            creatable=True,
        ),
        Kind(
            "purchase_order",
            "purchasing",
            N_("Purchase orders"),
            N_("Purchase order"),
            PurchaseOrder,
            "supplier",
            "total_minor",
            ("open", "closed", "cancelled"),
            DOCS_READ,
            ("to_receive", "unbilled"),
            creatable=True,
        ),
        Kind(
            "purchase_receipt",
            "purchasing",
            N_("Goods receipts"),
            N_("Goods receipt"),
            PurchaseReceipt,
            "supplier",
            "cost_minor",
            ("draft", "posted"),
            DOCS_READ,
            ("to_post",),
        ),
        Kind(
            "vendor_bill",
            "purchasing",
            N_("Vendor bills"),
            N_("Vendor bill"),
            VendorBill,
            "supplier",
            "total_minor",
            ("draft", "posted"),
            CASH_READ,
            ("to_post", "unpaid"),
            creatable=True,  # bills without an order (rent, utilities, services); others from an order
        ),
        Kind(
            "purchase_payment",
            "purchasing",
            N_("Payments"),
            N_("Payment"),
            PurchasePayment,
            "supplier",
            "amount_minor",
            ("posted",),
            CASH_READ,
            creatable=True,
        ),
        Kind(
            "stock_receipt",
            "inventory",
            N_("Stock receipts"),
            N_("Stock receipt"),
            StockReceipt,
            "supplier",
            "total_minor",
            ("draft", "posted"),
            DOCS_READ,
            ("to_post",),
            creatable=True,
        ),
        Kind(
            "stock_transfer",
            "inventory",
            N_("Transfers"),
            N_("Transfer"),
            StockTransfer,
            None,
            None,
            ("posted",),
            DOCS_READ,
            creatable=True,
        ),
        Kind(
            "stock_count",
            "inventory",
            N_("Stock counts"),
            N_("Stock count"),
            StockCount,
            None,
            None,
            ("draft", "confirmed"),
            DOCS_READ,
            ("to_confirm", "to_process"),
            creatable=True,
        ),
        Kind(
            "sales_return",
            "sales",
            N_("Sales returns"),
            N_("Sales return"),
            SalesReturn,
            "customer",
            "cost_minor",
            ("posted",),
            DOCS_READ,
        ),
        Kind(
            "sales_credit_note",
            "sales",
            N_("Credit notes"),
            N_("Credit note"),
            SalesCreditNote,
            "customer",
            "total_minor",
            ("posted",),
            CASH_READ,
        ),
        Kind(
            "work_order",
            "production",
            N_("Work orders"),
            N_("Work order"),
            WorkOrder,
            None,
            None,
            ("draft", "released", "closed"),
            DOCS_READ,
            ("to_release",),
            creatable=True,
        ),
        Kind(
            "expense_claim",
            "expenses",
            N_("Expense claims"),
            N_("Expense claim"),
            ExpenseClaim,
            None,
            "total_minor",
            ("draft", "approved", "paid", "cancelled"),
            CASH_READ + (Perm.VOUCHER_REVIEW,),
            ("to_approve", "to_pay"),
            creatable=True,
        ),
    )
}
SECTIONS = {
    "sales": N_("Sales"),
    "purchasing": N_("Purchasing"),
    "inventory": N_("Inventory"),
    "production": N_("Production"),
    "expenses": N_("Expenses"),
    "masterdata": N_("Master data"),
}


# The column a list shows where others show the customer or supplier: (msgid of its heading).
OTHER_COLUMN = {
    "stock_transfer": N_("Warehouses"),
    "stock_count": N_("Warehouse"),
    "work_order": N_("Product"),
    "expense_claim": N_("Employee / department"),
}


def visible(kind: Kind, perms: set[str]) -> bool:
    return any(p in perms for p in kind.any_of)


def _todo_clause(kind: Kind, todo: str) -> Any:
    m = kind.model
    if todo in ("to_confirm", "to_post", "to_release", "to_approve"):
        return m.status == "draft"
    if todo == "to_pay":
        return m.status == "approved"
    if todo == "to_process":
        return and_(m.status == "confirmed", m.processed.is_(False))
    if todo == "undelivered":
        return and_(
            m.status == "open",
            exists().where(
                SalesOrderLine.order_id == m.id, SalesOrderLine.qty_e4 > SalesOrderLine.delivered_e4
            ),
        )
    if todo == "uninvoiced":
        return exists().where(
            SalesOrderLine.order_id == m.id, SalesOrderLine.delivered_e4 > SalesOrderLine.invoiced_e4
        )
    if todo == "unreceived":
        return and_(m.status == "posted", m.total_minor > m.received_minor)
    if todo == "to_receive":
        return and_(
            m.status == "open",
            exists().where(
                PurchaseOrderLine.order_id == m.id, PurchaseOrderLine.qty_e4 > PurchaseOrderLine.received_e4
            ),
        )
    if todo == "unbilled":
        return exists().where(
            PurchaseOrderLine.order_id == m.id, PurchaseOrderLine.received_e4 > PurchaseOrderLine.billed_e4
        )
    if todo == "unpaid":
        return and_(m.status == "posted", m.total_minor > m.paid_minor)
    raise ValueError(todo)


@dataclass(frozen=True)
class Filters:
    status: str = ""
    date_from: date | None = None
    date_to: date | None = None
    party: str = ""
    text: str = ""
    todo: str = ""


def _filtered(kind: Kind, company_id: int, f: Filters, party_model: Any) -> Any:
    m = kind.model
    clauses = [m.company_id == company_id]
    if f.status in kind.statuses:
        clauses.append(m.status == f.status)
    if f.date_from:
        clauses.append(m.date >= f.date_from)
    if f.date_to:
        clauses.append(m.date <= f.date_to)
    if party_model is not None and f.party:
        clauses.append(party_model.code == f.party)
    if f.text:
        text = f.text[:TEXT_MAX]
        ors = [m.no.contains(text)]
        if party_model is not None:
            ors += [party_model.name.contains(text), party_model.code.startswith(text)]
        if hasattr(m, "invoice_no"):
            ors.append(m.invoice_no.contains(text))
        clauses.append(or_(*ors))
    if f.todo in kind.todos:
        clauses.append(_todo_clause(kind, f.todo))
    return and_(*clauses)


def list_page(
    uow: UnitOfWork, company_code: str, kind: Kind, f: Filters, *, page: int = 1, page_size: int = PAGE_SIZE
) -> dict[str, Any]:
    """One page of a document list, newest first: {total, page, pages, items}."""
    m = kind.model
    party_model = {"customer": Customer, "supplier": Supplier}.get(kind.party or "")
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        s = uow.session
        where = _filtered(kind, company.id, f, party_model)
        cols: list[Any] = [m.id, m.no, m.date, m.status]
        cols.append(getattr(m, kind.amount) if kind.amount else m.id * 0)
        q = select(*cols).select_from(m)
        count = select(func.count()).select_from(m)
        if party_model is not None:
            fk = getattr(m, f"{kind.party}_id")
            q = q.add_columns(party_model.code, party_model.name).join(party_model, party_model.id == fk)
            count = count.join(party_model, party_model.id == fk)
        elif kind.key == "stock_transfer":
            src, dst = aliased(Warehouse), aliased(Warehouse)
            q = (
                q.add_columns(src.code, dst.code)
                .join(src, src.id == m.from_warehouse_id)
                .join(dst, dst.id == m.to_warehouse_id)
            )
        elif kind.key == "stock_count":
            q = q.add_columns(Warehouse.code, Warehouse.name).join(Warehouse, Warehouse.id == m.warehouse_id)
        elif kind.key == "work_order":
            q = q.add_columns(Item.code, Item.name).join(Item, Item.id == m.item_id)
        elif kind.key == "expense_claim":
            q = q.add_columns(m.employee, m.department)
        total = int(s.execute(count.where(where)).scalar_one())
        pages = max(1, -(-total // page_size))
        page = min(max(1, page), pages)
        rows = s.execute(
            q.where(where)
            .order_by(m.date.desc(), m.id.desc())
            .limit(page_size)
            .offset((page - 1) * page_size)
        ).all()
    items = []
    for r in rows:
        item = {"id": r[0], "no": r[1], "date": r[2].isoformat(), "status": r[3], "amount": int(r[4] or 0)}
        if party_model is not None:
            item.update(party=r[5], party_name=r[6])
        elif kind.key == "stock_transfer":
            item.update(party=f"{r[5]} → {r[6]}", party_name="")
        elif kind.key in OTHER_COLUMN:
            item.update(party=r[5], party_name=r[6])
        items.append(item)
    return {"total": total, "page": page, "pages": pages, "items": items}


def document_vouchers(
    uow: UnitOfWork, company_code: str, sources: list[tuple[str, int]]
) -> list[dict[str, Any]]:
    """The vouchers of several documents in one read (a work order and its issues, cost collections
    and receipts), oldest first, shaped like ``posting.document_vouchers`` without the lines."""
    if not sources:
        return []
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        rows = uow.session.execute(
            select(DocumentVoucher, Voucher)
            .outerjoin(Voucher, Voucher.id == DocumentVoucher.voucher_id)
            .where(
                DocumentVoucher.company_id == company.id,
                tuple_(DocumentVoucher.source_type, DocumentVoucher.source_id).in_(sources),
            )
            .order_by(DocumentVoucher.id)
        ).all()
        return [
            {
                "event": link.event,
                "rule_version": link.rule_version,
                "voucher_id": link.voucher_id,
                "voucher_no": v.display_no if v else None,
                "period": str(Period.from_int(v.period)) if v else None,
                "total": format_minor(v.total_minor) if v else format_minor(0),
                "source_ref": link.source_ref,
            }
            for link, v in rows
        ]


def waiting(uow: UnitOfWork, company_code: str, perms: set[str]) -> list[dict[str, Any]]:
    """Documents waiting for someone, counted in one statement (a scalar subquery per named
    filter the role can see). Drafts count only for roles that can act on them; invoices to
    collect and bills to pay also for the cashier."""
    wanted: list[tuple[Kind, str]] = []
    for kind in KINDS.values():
        if not visible(kind, perms):
            continue
        for todo in kind.todos:
            if todo == "to_approve":
                if Perm.VOUCHER_REVIEW in perms:
                    wanted.append((kind, todo))
            elif todo in ("unreceived", "unpaid", "to_pay") or Perm.VOUCHER_CREATE in perms:
                wanted.append((kind, todo))
    if not wanted:
        return []
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        counts = uow.session.execute(
            select(
                *(
                    select(func.count())
                    .select_from(kind.model)
                    .where(kind.model.company_id == company.id, _todo_clause(kind, todo))
                    .scalar_subquery()
                    for kind, todo in wanted
                )
            )
        ).one()
    return [
        {"kind": kind, "todo": todo, "label": TODO_LABELS[todo], "count": int(n)}
        for (kind, todo), n in zip(wanted, counts, strict=True)
    ]
