"""Credit control (信用控制) of sales orders and deliveries.

Each customer has a credit limit (0: none) and terms (credit days) in master data, and may be put
on credit hold. The company setting ``sales.credit_control`` decides what happens when a sales
order would take the customer's exposure — open receivables on 1122 for that customer plus the
part of its open orders not yet invoiced, VAT included — over the limit:

* ``refuse`` (the default): the order is refused with the exposure, the limit and the excess;
* ``approve``: the order is saved as ``pending_approval``; it can't be delivered until a finance
  manager (company.manage) approves it, which also covers its deliveries;
* ``off``: no check.

Confirming a delivery checks again (a limit may have been lowered, receivables may have grown),
except for an approved order. A customer on credit hold gets no order and no delivery whatever
the mode, except with ``off``.

The check locks the customer row, so two orders of one customer are checked one after the other.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yecai.core.errors import NotFound
from yecai.core.money import format_minor
from yecai.ledger.models import Account, Company, DimensionValue, Voucher, VoucherLine
from yecai.masterdata import service as md
from yecai.masterdata.models import Customer
from yecai.posting.domain import DocumentWrongState
from yecai.sales import credit_domain as cd
from yecai.sales.credit_domain import CreditLimitExceeded, CustomerOnCreditHold, Exposure
from yecai.sales.models import SalesOrder, SalesOrderLine
from yecai.sales.models_returns import CustomerCreditHold, SalesCreditApproval
from yecai.security.domain import Perm
from yecai.store.base import utcnow
from yecai.store.uow import UnitOfWork

AR_ACCOUNT = "1122"
REASON_MAX = 200


# --- settings and holds ----------------------------------------------------------------------------


def mode_of(company: Company) -> str:
    raw = json.loads(company.settings_json or "{}").get("sales", {})
    mode = str(raw.get("credit_control", cd.DEFAULT_MODE))
    return mode if mode in cd.MODES else cd.DEFAULT_MODE


def set_credit_control(uow: UnitOfWork, company_code: str, mode: str) -> dict[str, Any]:
    cd.check_mode(mode)
    with uow:
        company = uow.company(company_code, Perm.COMPANY_MANAGE)
        settings = json.loads(company.settings_json or "{}")
        section = dict(settings.get("sales", {}))
        before = dict(section)
        section["credit_control"] = mode
        settings["sales"] = section
        company.settings_json = json.dumps(settings, ensure_ascii=False, sort_keys=True)
        uow.audit(
            "sales.settings", "company", company.code, company_id=company.id, before=before, after=section
        )
        uow.commit()
    return {"credit_control": mode}


def set_credit_hold(
    uow: UnitOfWork, company_code: str, customer: str, *, on_hold: bool, reason: str = ""
) -> dict[str, Any]:
    """Put a customer on credit hold (信用冻结) or release it; dunning may call this too."""
    with uow:
        company = uow.company(company_code, Perm.COMPANY_MANAGE)
        s = uow.session
        cust = md.customer_by_code(s, company.id, customer)
        row = _hold_row(s, company.id, cust.id)
        before = {"on_hold": bool(row and row.on_hold), "reason": row.reason if row else ""}
        if row is None:
            row = CustomerCreditHold(company_id=company.id, customer_id=cust.id)
            s.add(row)
        row.on_hold = on_hold
        row.reason = reason.strip()[:REASON_MAX]
        row.changed_by = uow.actor.username
        row.changed_at = utcnow()
        after = {"on_hold": on_hold, "reason": row.reason}
        uow.audit(
            "customer.credit_hold", "customer", cust.code, company_id=company.id, before=before, after=after
        )
        uow.commit()
    return {"customer": cust.code, **after}


def _hold_row(s: Session, company_id: int, customer_id: int) -> CustomerCreditHold | None:
    return s.execute(
        select(CustomerCreditHold).where(
            CustomerCreditHold.company_id == company_id, CustomerCreditHold.customer_id == customer_id
        )
    ).scalar_one_or_none()


# --- exposure --------------------------------------------------------------------------------------


def receivable_minor(s: Session, company_id: int, customer_code: str) -> int:
    """The customer's posted balance on 1122 and its sub-accounts (debit positive), fen."""
    dim = s.execute(
        select(DimensionValue.id).where(
            DimensionValue.company_id == company_id,
            DimensionValue.dim_type == "customer",
            DimensionValue.code == customer_code,
        )
    ).scalar_one_or_none()
    if dim is None:
        return 0
    accounts = select(Account.id).where(Account.company_id == company_id, Account.code.startswith(AR_ACCOUNT))
    total = s.execute(
        select(func.sum(VoucherLine.debit_minor - VoucherLine.credit_minor))
        .join(Voucher, Voucher.id == VoucherLine.voucher_id)
        .where(
            VoucherLine.company_id == company_id,
            VoucherLine.customer_id == dim,
            VoucherLine.account_id.in_(accounts),
            Voucher.status == "posted",
        )
    ).scalar_one()
    return int(total or 0)


def open_orders_minor(
    s: Session, company_id: int, customer_id: int, *, exclude_order: int | None = None
) -> int:
    """Open orders' totals (incl. VAT) not yet invoiced, fen."""
    q = (
        select(SalesOrderLine.total_minor, SalesOrderLine.qty_e4, SalesOrderLine.invoiced_e4)
        .join(SalesOrder, SalesOrder.id == SalesOrderLine.order_id)
        .where(
            SalesOrder.company_id == company_id,
            SalesOrder.customer_id == customer_id,
            SalesOrder.status == "open",
        )
    )
    if exclude_order is not None:
        q = q.where(SalesOrder.id != exclude_order)
    return sum(cd.uninvoiced_minor(int(t), int(q_), int(i)) for t, q_, i in s.execute(q))


def exposure_of(
    s: Session, company: Company, cust: Customer, *, adding_minor: int = 0, exclude_order: int | None = None
) -> Exposure:
    return Exposure(
        receivables_minor=receivable_minor(s, company.id, cust.code),
        orders_minor=open_orders_minor(s, company.id, cust.id, exclude_order=exclude_order),
        adding_minor=adding_minor,
        limit_minor=int(cust.credit_limit_minor),
    )


def _exceeded(cust: Customer, e: Exposure, field: str) -> CreditLimitExceeded:
    return CreditLimitExceeded(
        customer=cust.code,
        exposure=format_minor(e.total_minor),
        receivables=format_minor(e.receivables_minor),
        orders=format_minor(e.orders_minor + e.adding_minor),
        limit=format_minor(e.limit_minor),
        excess=format_minor(e.excess_minor),
        field=field,
    )


def _check_hold(s: Session, company: Company, cust: Customer) -> None:
    hold = _hold_row(s, company.id, cust.id)
    if hold is not None and hold.on_hold:
        raise CustomerOnCreditHold(customer=cust.code, reason=hold.reason or "-", field="customer")


def _lock(s: Session, cust: Customer) -> None:
    s.execute(select(Customer.id).where(Customer.id == cust.id).with_for_update()).all()


# --- the checks documents call (inside their command) ----------------------------------------------


def check_new_order(uow: UnitOfWork, company: Company, cust: Customer, total_minor: int) -> str:
    """The status a new order of ``total_minor`` gets: 'open', or 'pending_approval' (approve
    mode, over the limit); refused when over the limit (refuse mode) or on hold."""
    mode = mode_of(company)
    if mode == cd.OFF:
        return "open"
    s = uow.session
    _lock(s, cust)
    _check_hold(s, company, cust)
    if not cust.credit_limit_minor:
        return "open"
    e = exposure_of(s, company, cust, adding_minor=total_minor)
    if not e.over:
        return "open"
    if mode == cd.APPROVE:
        return cd.PENDING_APPROVAL
    raise _exceeded(cust, e, "customer")


def check_delivery(uow: UnitOfWork, company: Company, order: SalesOrder) -> None:
    """Before stock leaves for an order: refused on hold, or over the limit unless approved."""
    mode = mode_of(company)
    if mode == cd.OFF:
        return
    s = uow.session
    cust = s.get(Customer, order.customer_id)
    assert cust is not None
    _lock(s, cust)
    _check_hold(s, company, cust)
    if not cust.credit_limit_minor:
        return
    approved = s.execute(
        select(SalesCreditApproval.id).where(SalesCreditApproval.order_id == order.id)
    ).first()
    if approved:
        return
    e = exposure_of(s, company, cust)
    if e.over:
        raise _exceeded(cust, e, "order")


# --- approval ---------------------------------------------------------------------------------------


def approve_order(uow: UnitOfWork, company_code: str, order_id: int, *, note: str = "") -> dict[str, Any]:
    """A finance manager (company.manage) releases an order held over the credit limit."""
    from yecai.sales import service as sales

    with uow:
        company = uow.company(company_code, Perm.COMPANY_MANAGE)
        s = uow.session
        order = sales._load(s, SalesOrder, company, order_id, for_update=True)
        if order.status != cd.PENDING_APPROVAL:
            raise DocumentWrongState(doc=order.no, status=order.status, action="approve", field="status")
        cust = s.get(Customer, order.customer_id)
        assert cust is not None
        _check_hold(s, company, cust)
        e = exposure_of(s, company, cust, adding_minor=order.total_minor, exclude_order=order.id)
        s.add(
            SalesCreditApproval(
                company_id=company.id,
                order_id=order.id,
                exposure_minor=e.total_minor,
                limit_minor=e.limit_minor,
                approved_by=uow.actor.username,
                note=note.strip()[:REASON_MAX],
            )
        )
        order.status = "open"
        uow.audit(
            "sales_order.credit_approve",
            "sales_order",
            order.id,
            company_id=company.id,
            before={"status": cd.PENDING_APPROVAL},
            after={
                "status": "open",
                "exposure": format_minor(e.total_minor),
                "limit": format_minor(e.limit_minor),
                "excess": format_minor(e.excess_minor),
            },
        )
        uow.commit()
        return sales._order_view(s, order)


def reject_order(uow: UnitOfWork, company_code: str, order_id: int, *, note: str = "") -> dict[str, Any]:
    """Refuse an order held over the credit limit: it is cancelled."""
    from yecai.sales import service as sales

    with uow:
        company = uow.company(company_code, Perm.COMPANY_MANAGE)
        s = uow.session
        order = sales._load(s, SalesOrder, company, order_id, for_update=True)
        if order.status != cd.PENDING_APPROVAL:
            raise DocumentWrongState(doc=order.no, status=order.status, action="reject", field="status")
        order.status = "cancelled"
        uow.audit(
            "sales_order.credit_reject",
            "sales_order",
            order.id,
            company_id=company.id,
            before={"status": cd.PENDING_APPROVAL},
            after={"status": "cancelled", "note": note.strip()[:REASON_MAX]},
        )
        uow.commit()
        return sales._order_view(s, order)


def customer_credit(uow: UnitOfWork, company_code: str, customer: str) -> dict[str, Any]:
    """A customer's credit position: limit, terms, hold, exposure and what is still available."""
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        s = uow.session
        cust = s.execute(
            select(Customer).where(Customer.company_id == company.id, Customer.code == customer)
        ).scalar_one_or_none()
        if cust is None:
            raise NotFound(what="customer", key=customer, field="customer")
        e = exposure_of(s, company, cust)
        hold = _hold_row(s, company.id, cust.id)
        return {
            "customer": cust.code,
            "credit_control": mode_of(company),
            "credit_limit": format_minor(e.limit_minor),
            "credit_days": cust.credit_days,
            "on_hold": bool(hold and hold.on_hold),
            "hold_reason": hold.reason if hold and hold.on_hold else "",
            "receivables": format_minor(e.receivables_minor),
            "open_orders": format_minor(e.orders_minor),
            "exposure": format_minor(e.total_minor),
            "available": format_minor(max(0, e.limit_minor - e.total_minor)) if e.limit_minor else None,
        }
