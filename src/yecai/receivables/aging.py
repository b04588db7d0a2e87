"""Aging (账龄分析) of the open items as of any date, by due date or invoice date, per customer,
salesperson, department or customer group, with drill-down to the items; DSO and overdue ratio.

The sales documents carry no salesperson or department: they come from the customer's owner
(``receivables.items.set_owner``). Customers without one are grouped under an empty key.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yecai.core.errors import YecaiError
from yecai.core.money import format_minor
from yecai.ledger.models import Company
from yecai.masterdata.models import Customer
from yecai.receivables import items as ar
from yecai.receivables.domain.aging import (
    DSO_WINDOW_DAYS,
    NOT_DUE,
    AgingItem,
    AgingRow,
    age,
    bucket_of,
    check_basis,
    dso,
    parse_buckets,
    window_start,
)
from yecai.sales.models import SalesInvoice
from yecai.sales.models_returns import SalesCreditNote
from yecai.security.domain import Perm
from yecai.store.uow import UnitOfWork

GROUPINGS = ("customer", "salesperson", "department", "group")
CREDITS = "credits"


class InvalidGrouping(YecaiError):
    code = "receivables.invalid_grouping"
    template = "Aging cannot be grouped by {value!r} (expected customer, salesperson, department or group)"


@dataclass(frozen=True)
class _Loaded:
    items: list[ar.Item]
    apps: list[Any]
    key_of: dict[int, str]  # customer id → group key
    names: dict[str, str]  # group key → display name
    sales: dict[str, int]  # group key → credit sales in the DSO window


def _load(
    s: Session,
    company: Company,
    as_of: date,
    by: str,
    customer: str | None,
    dso_days: int,
    *,
    with_apps: bool = False,
) -> _Loaded:
    if by not in GROUPINGS:
        raise InvalidGrouping(value=by, field="by")
    cust_id = ar._customer(s, company, customer).id if customer else None
    its, apps = ar.load_items(
        s, company.id, customer_id=cust_id, as_of=as_of, open_only=True, with_apps=with_apps
    )
    custs = {c.id: c for c in s.execute(select(Customer).where(Customer.company_id == company.id)).scalars()}
    own = ar.owners(s, company.id)
    key_of: dict[int, str] = {}
    names: dict[str, str] = {}
    for cid, c in custs.items():
        if by == "customer":
            key, name = c.code, c.name
        elif by == "group":
            key = name = c.group
        else:
            sp, dept = own.get(cid, ("", ""))
            key = name = sp if by == "salesperson" else dept
        key_of[cid] = key
        names.setdefault(key, name)
    sales: dict[str, int] = defaultdict(int)
    start = window_start(as_of, dso_days)
    for model, sign in ((SalesInvoice, 1), (SalesCreditNote, -1)):
        q = select(model.customer_id, func.sum(model.total_minor)).where(
            model.company_id == company.id,
            model.status == "posted",
            model.date >= start,
            model.date <= as_of,
        )
        if cust_id is not None:
            q = q.where(model.customer_id == cust_id)
        for cid, total in s.execute(q.group_by(model.customer_id)):
            sales[key_of.get(cid, "")] += sign * int(total or 0)
    return _Loaded(its, apps, key_of, names, dict(sales))


def _row(r: AgingRow, labels: list[str], name: str, sales: int | None, dso_days: int) -> dict[str, Any]:
    days = dso(r.balance, sales, dso_days) if sales is not None else None
    ratio = r.overdue_ratio
    out: dict[str, Any] = {
        "key": r.key,
        "name": name,
        "not_due": format_minor(r.not_due),
        "buckets": {label: format_minor(r.buckets[label]) for label in labels},
        "credits": format_minor(r.credits),
        "owed": format_minor(r.owed),
        "balance": format_minor(r.balance),
        "overdue": format_minor(r.overdue),
        "overdue_ratio": None if ratio is None else f"{ratio:.4f}",
        "dso": None if days is None else f"{days:.1f}",
        "items": r.items,
        "minor": {
            "not_due": r.not_due,
            "buckets": dict(r.buckets),
            "credits": r.credits,
            "owed": r.owed,
            "balance": r.balance,
            "overdue": r.overdue,
        },
    }
    return out


def aging(
    uow: UnitOfWork,
    company_code: str,
    *,
    as_of: date | None = None,
    basis: str = "due",
    buckets: str | None = None,
    by: str = "customer",
    customer: str | None = None,
    dso_days: int = DSO_WINDOW_DAYS,
) -> dict[str, Any]:
    """Aging rows per ``by`` key (largest balance first) and the company's total, DSO and overdue
    ratio (overdue open invoices / open invoices). Buckets: '0-30,31-60,61-90,91-180,180+'."""
    as_of = as_of or date.today()
    check_basis(basis)
    spec = parse_buckets(buckets)
    labels = [b.label for b in spec]
    dso_days = max(1, min(int(dso_days), 3660))
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        s = uow.session
        loaded = _load(s, company, as_of, by, customer, dso_days)
        result = age(
            (
                AgingItem(loaded.key_of.get(it.customer_id, ""), it.date, it.due_date, it.open_minor)
                for it in loaded.items
            ),
            as_of,
            basis,
            spec,
        )
        rows = [
            _row(r, labels, loaded.names.get(r.key, r.key), loaded.sales.get(r.key, 0), dso_days)
            for r in result.rows
        ]
        assert result.total is not None
        total = _row(result.total, labels, "", sum(loaded.sales.values()), dso_days)
        return {
            "as_of": as_of.isoformat(),
            "basis": basis,
            "by": by,
            "buckets": labels,
            "dso_days": dso_days,
            "currency": company.base_currency or "CNY",
            "rows": rows,
            "total": total,
        }


def aging_items(
    uow: UnitOfWork,
    company_code: str,
    *,
    as_of: date | None = None,
    basis: str = "due",
    buckets: str | None = None,
    by: str = "customer",
    key: str | None = None,
    bucket: str | None = None,
) -> list[dict[str, Any]]:
    """Drill-down: the open items behind one aging cell (``key`` of the ``by`` grouping; ``bucket``
    a bucket label, 'not_due', 'credits', 'overdue' or None for all), each with its bucket."""
    as_of = as_of or date.today()
    check_basis(basis)
    spec = parse_buckets(buckets)
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        s = uow.session
        one = key if by == "customer" and key else None  # one customer: filtered in SQL
        loaded = _load(s, company, as_of, by, one, DSO_WINDOW_DAYS, with_apps=True)
        chosen: list[ar.Item] = []
        labels: dict[tuple[str, int], str] = {}
        for it in loaded.items:
            if key is not None and loaded.key_of.get(it.customer_id, "") != key:
                continue
            if it.open_minor < 0:
                label = CREDITS
            else:
                label = bucket_of(AgingItem("", it.date, it.due_date, it.open_minor), as_of, basis, spec)
            overdue = it.open_minor > 0 and (as_of - it.due_date).days > 0
            if bucket and not (bucket == label or (bucket == "overdue" and overdue)):
                continue
            chosen.append(it)
            labels[(it.doc_type, it.doc_id)] = label
        wanted = {(it.doc_type, it.doc_id) for it in chosen}
        apps = [
            a
            for a in loaded.apps
            if ("sales_invoice", a.invoice_id) in wanted or (a.source_type, a.source_id) in wanted
        ]
        views = ar.item_views(s, company, chosen, apps, today=as_of)
        for v in views:
            v["bucket"] = labels[(v["doc_type"], v["doc_id"])]
        return views


def flat_rows(result: dict[str, Any], *, total_label: str = "Total") -> list[dict[str, Any]]:
    """One flat dict per row (and the total) for tables, CSV and XLSX: key, name, not_due, each
    bucket label, credits, balance, overdue, overdue_ratio, dso."""
    out = []
    for r in [*result["rows"], dict(result["total"], key=total_label, name="")]:
        flat = {"key": r["key"], "name": r["name"], NOT_DUE: r["not_due"]}
        flat.update(r["buckets"])
        flat.update(
            {
                "credits": r["credits"],
                "balance": r["balance"],
                "overdue": r["overdue"],
                "overdue_ratio": r["overdue_ratio"] or "",
                "dso": r["dso"] or "",
            }
        )
        out.append(flat)
    return out


def flat_columns(result: dict[str, Any]) -> list[str]:
    return [
        "key",
        "name",
        NOT_DUE,
        *result["buckets"],
        "credits",
        "balance",
        "overdue",
        "overdue_ratio",
        "dso",
    ]
