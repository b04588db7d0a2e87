"""Sales use cases. Each state change with a financial effect posts in the same transaction:
confirming a delivery (stock out at moving average; cost of goods sold), posting an invoice
(receivable, revenue, output VAT) and a receipt (bank, receivable). If posting refuses — a closed
period, a broken account, negative stock — the state change is refused with it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yecai.core.errors import FieldRequired, NotFound, YecaiError
from yecai.core.money import format_minor, to_minor
from yecai.inventory import service as inventory
from yecai.inventory.domain import qty_text, to_qty_e4
from yecai.ledger.models import Company
from yecai.masterdata import domain as md_domain
from yecai.masterdata import service as md
from yecai.masterdata.models import Customer, Item, TaxCode, Warehouse
from yecai.posting import service as posting
from yecai.posting.domain import DocumentWrongState
from yecai.sales import credit, domain
from yecai.sales.models import (
    SalesDelivery,
    SalesDeliveryLine,
    SalesInvoice,
    SalesInvoiceLine,
    SalesOrder,
    SalesOrderLine,
    SalesReceipt,
)
from yecai.security.domain import Perm
from yecai.store.uow import UnitOfWork

LINES_MAX = 500
LIST_LIMIT_MAX = 1000
DOC_TYPES = ("sales_order", "sales_delivery", "sales_invoice", "sales_receipt")


# --- helpers -------------------------------------------------------------------------------------


def _party(c: Customer) -> dict[str, Any]:
    return {"code": c.code, "name": c.name, "group": c.group, "tax_id": c.tax_id}


def _item(i: Item) -> dict[str, Any]:
    return {"code": i.code, "name": i.name, "category": i.category, "kind": i.kind, "unit": i.unit}


def _items(s: Session, ids: Sequence[int]) -> dict[int, Item]:
    return posting.rows_by_id(s, Item, ids)


def _tax_code(codes: dict[str, TaxCode], code: str, field: str) -> TaxCode:
    tc = codes.get(code)
    if tc is None or tc.direction != "output":
        raise NotFound(what="output tax code", key=code, field=field)
    return tc


_load = posting.load_document  # by id within the company, with lines, optionally locked


def find_document_id(uow: UnitOfWork, company_code: str, doc_type: str, ref: str) -> int:
    """Resolve an id ('12') or a document number ('SO-2025-0001')."""
    model = {
        "sales_order": SalesOrder,
        "sales_delivery": SalesDelivery,
        "sales_invoice": SalesInvoice,
        "sales_receipt": SalesReceipt,
    }[doc_type]
    return posting.resolve_document_id(uow, company_code, model, doc_type, ref)


# --- orders --------------------------------------------------------------------------------------


def create_order(
    uow: UnitOfWork,
    company_code: str,
    *,
    customer: str,
    day: date,
    lines: Sequence[dict[str, Any]],
    prices_include_tax: bool = True,
    note: str = "",
) -> dict[str, Any]:
    """Lines: {item, qty, unit_price, tax_code (default: the item's rate)}."""
    if not lines:
        raise FieldRequired(field_name="lines", field="lines")
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_CREATE)
        s = uow.session
        cust = md.customer_by_code(s, company.id, customer)
        codes = md.ensure_tax_codes(s, company)
        order = SalesOrder(
            company_id=company.id,
            no=posting.next_document_no(s, company.id, "sales_order", "SO", day.year),
            date=day,
            customer_id=cust.id,
            prices_include_tax=prices_include_tax,
            note=note[:200],
        )
        known = posting.items_by_code(s, company.id, [str(raw.get("item", "")) for raw in lines[:LINES_MAX]])
        for i, raw in enumerate(lines[:LINES_MAX], start=1):
            code = str(raw.get("item", ""))
            item = known.get(code) or md.item_by_code(s, company.id, code, field=f"lines[{i}].item")
            code = str(raw.get("tax_code") or md_domain.output_tax_code(item.tax_rate))
            tc = _tax_code(codes, code, f"lines[{i}].tax_code")
            price = domain.check_price(Decimal(str(raw.get("unit_price", "0"))))
            order.lines.append(
                SalesOrderLine(
                    line_no=i,
                    item_id=item.id,
                    qty_e4=to_qty_e4(raw.get("qty", ""), f"lines[{i}].qty"),
                    unit_price=price,
                    tax_code=tc.code,
                    tax_rate=tc.rate,
                )
            )
        splits = domain.split_tax(
            [
                (domain.line_amount_minor(ln.qty_e4, ln.unit_price), ln.tax_rate, prices_include_tax)
                for ln in order.lines
            ]
        )
        for ln, sp in zip(order.lines, splits, strict=True):
            ln.net_minor, ln.tax_minor, ln.total_minor = sp.net_minor, sp.tax_minor, sp.total_minor
        order.net_minor = sum(sp.net_minor for sp in splits)
        order.tax_minor = sum(sp.tax_minor for sp in splits)
        order.total_minor = sum(sp.total_minor for sp in splits)
        # credit control: refused over the limit or on hold, or held for approval
        order.status = credit.check_new_order(uow, company, cust, order.total_minor)
        s.add(order)
        s.flush()
        uow.audit(
            "sales_order.create",
            "sales_order",
            order.id,
            company_id=company.id,
            after={"no": order.no, "total": format_minor(order.total_minor)},
        )
        uow.commit()
        return _order_view(s, order)


def _order_view(s: Session, o: SalesOrder) -> dict[str, Any]:
    items = _items(s, [ln.item_id for ln in o.lines])
    cust = s.get(Customer, o.customer_id)
    return {
        "id": o.id,
        "no": o.no,
        "date": o.date.isoformat(),
        "customer": cust.code if cust else "",
        "status": o.status,
        "prices_include_tax": o.prices_include_tax,
        "net": format_minor(o.net_minor),
        "tax": format_minor(o.tax_minor),
        "total": format_minor(o.total_minor),
        "lines": [
            {
                "line_no": ln.line_no,
                "item": items[ln.item_id].code,
                "qty": qty_text(ln.qty_e4),
                "unit_price": str(ln.unit_price),
                "tax_code": ln.tax_code,
                "net": format_minor(ln.net_minor),
                "tax": format_minor(ln.tax_minor),
                "total": format_minor(ln.total_minor),
                "delivered": qty_text(ln.delivered_e4),
                "invoiced": qty_text(ln.invoiced_e4),
            }
            for ln in o.lines
        ],
    }


def get_order(uow: UnitOfWork, company_code: str, order_id: int) -> dict[str, Any]:
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        s = uow.session
        view = _order_view(s, _load(s, SalesOrder, company, order_id))
        view["deliveries"] = [
            {"id": d.id, "no": d.no, "status": d.status}
            for d in s.execute(
                select(SalesDelivery).where(SalesDelivery.order_id == order_id).order_by(SalesDelivery.id)
            ).scalars()
        ]
        return view


def cancel_order(uow: UnitOfWork, company_code: str, order_id: int) -> dict[str, Any]:
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_CREATE)
        s = uow.session
        o = _load(s, SalesOrder, company, order_id, for_update=True)
        if o.status != "open":
            raise DocumentWrongState(doc=o.no, status=o.status, action="cancel", field="status")
        if (
            any(ln.delivered_e4 for ln in o.lines)
            or s.execute(select(SalesDelivery.id).where(SalesDelivery.order_id == o.id)).first()
        ):
            raise domain.OrderHasDeliveries(order=o.no)
        o.status = "cancelled"
        uow.audit(
            "sales_order.cancel",
            "sales_order",
            o.id,
            company_id=company.id,
            before={"status": "open"},
            after={"status": "cancelled"},
        )
        uow.commit()
        return _order_view(s, o)


def _list(
    uow: UnitOfWork,
    company_code: str,
    model: Any,
    view: Any,
    *,
    status: str | None,
    customer: str | None,
    date_from: date | None,
    date_to: date | None,
    limit: int,
) -> list[dict[str, Any]]:
    def narrow(s: Session, company: Company, q: Any) -> Any:
        if customer:
            q = q.join(Customer, Customer.id == model.customer_id).where(Customer.code == customer)
        return q

    return posting.list_documents(
        uow,
        company_code,
        model,
        view,
        status=status,
        date_from=date_from,
        date_to=date_to,
        limit=limit,
        limit_max=LIST_LIMIT_MAX,
        narrow=narrow,
    )


def list_orders(
    uow: UnitOfWork,
    company_code: str,
    *,
    status: str | None = None,
    customer: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    return _list(
        uow,
        company_code,
        SalesOrder,
        _order_view,
        status=status,
        customer=customer,
        date_from=date_from,
        date_to=date_to,
        limit=limit,
    )


# --- deliveries ----------------------------------------------------------------------------------


def create_delivery(
    uow: UnitOfWork,
    company_code: str,
    *,
    order_id: int,
    day: date,
    warehouse: str,
    lines: Sequence[tuple[int, str | Decimal]] | None = None,
    confirm: bool = True,
) -> dict[str, Any]:
    """发货单 for one order: lines (order line no, qty), or everything still to deliver."""
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_CREATE)
        s = uow.session
        order = _load(s, SalesOrder, company, order_id, for_update=True)
        if order.status != "open":
            raise DocumentWrongState(doc=order.no, status=order.status, action="deliver", field="order")
        wh = md.warehouse_by_code(s, company.id, warehouse)
        by_no = {ln.line_no: ln for ln in order.lines}
        wanted: list[tuple[SalesOrderLine, int]] = []
        if lines is None:
            wanted = [(ln, ln.qty_e4 - ln.delivered_e4) for ln in order.lines if ln.qty_e4 > ln.delivered_e4]
        else:
            for i, (line_no, qty) in enumerate(lines, start=1):
                ol = by_no.get(int(line_no))
                if ol is None:
                    raise NotFound(
                        what="order line", key=f"{order.no}/{line_no}", field=f"lines[{i}].line_no"
                    )
                wanted.append((ol, to_qty_e4(qty, f"lines[{i}].qty")))
        if not wanted:
            raise domain.NothingToDo(action="deliver", doc=order.no)
        d = SalesDelivery(
            company_id=company.id,
            no=posting.next_document_no(s, company.id, "sales_delivery", "DN", day.year),
            date=day,
            order_id=order.id,
            customer_id=order.customer_id,
            warehouse_id=wh.id,
        )
        for i, (ol, qty) in enumerate(wanted, start=1):
            _check_deliverable(order, ol, qty)
            d.lines.append(SalesDeliveryLine(line_no=i, order_line_id=ol.id, item_id=ol.item_id, qty_e4=qty))
        s.add(d)
        s.flush()
        uow.audit(
            "sales_delivery.create",
            "sales_delivery",
            d.id,
            company_id=company.id,
            after={"no": d.no, "order": order.no},
        )
        if confirm:
            _confirm_delivery(uow, company, d, order)
        uow.commit()
        return _delivery_view(s, d, company=company)


def _check_deliverable(order: SalesOrder, ol: SalesOrderLine, qty: int) -> None:
    remaining = ol.qty_e4 - ol.delivered_e4
    if qty > remaining:
        raise domain.OverDelivery(
            order=order.no, line=ol.line_no, qty=qty_text(qty), remaining=qty_text(remaining), field="qty"
        )


def confirm_delivery(uow: UnitOfWork, company_code: str, delivery_id: int) -> dict[str, Any]:
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_CREATE)
        s = uow.session
        d = _load(s, SalesDelivery, company, delivery_id, for_update=True)
        order = _load(s, SalesOrder, company, d.order_id, for_update=True)
        _confirm_delivery(uow, company, d, order)
        uow.commit()
        return _delivery_view(s, d, company=company)


def _confirm_delivery(uow: UnitOfWork, company: Company, d: SalesDelivery, order: SalesOrder) -> None:
    if d.status != "draft":
        raise DocumentWrongState(doc=d.no, status=d.status, action="confirm", field="status")
    if order.status != "open":
        raise DocumentWrongState(doc=order.no, status=order.status, action="deliver", field="order")
    credit.check_delivery(uow, company, order)
    s = uow.session
    order_lines = {ln.id: ln for ln in order.lines}
    items = _items(s, [ln.item_id for ln in d.lines])
    wh = s.get(Warehouse, d.warehouse_id)
    assert wh is not None
    for ln in d.lines:
        ol = order_lines[ln.order_line_id]
        _check_deliverable(order, ol, ln.qty_e4)
        ol.delivered_e4 += ln.qty_e4
        item = items[ln.item_id]
        if item.kind == "stock":
            move = inventory.stock_out(
                uow,
                company,
                item,
                wh,
                ln.qty_e4,
                d.date,
                source_type="sales_delivery",
                source_id=d.id,
                source_line_id=ln.id,
            )
            ln.cost_minor = -move.value_minor
    d.cost_minor = sum(ln.cost_minor for ln in d.lines)
    d.status = "confirmed"
    cust = s.get(Customer, d.customer_id)
    assert cust is not None
    snapshot = {
        "doc": {"no": d.no, "date": d.date.isoformat(), "type": "sales_delivery"},
        "customer": _party(cust),
        "warehouse": {"code": wh.code, "name": wh.name},
        "amounts": {"cost": d.cost_minor},
        "lines": [
            {
                "line": {"no": ln.line_no, "tax_code": order_lines[ln.order_line_id].tax_code},
                "item": _item(items[ln.item_id]),
                "amounts": {"cost": ln.cost_minor},
            }
            for ln in d.lines
        ],
    }
    posting.post_event(
        uow,
        company,
        "sales_delivery.confirmed",
        snapshot,
        source_id=d.id,
        audit="sales_delivery.confirm",
        payload={"cost": format_minor(d.cost_minor)},
        before={"status": "draft"},
        after={"status": "confirmed", "cost": format_minor(d.cost_minor)},
    )


def _delivery_view(s: Session, d: SalesDelivery, *, company: Company | None = None) -> dict[str, Any]:
    items = _items(s, [ln.item_id for ln in d.lines])
    cust, wh, order = (
        s.get(Customer, d.customer_id),
        s.get(Warehouse, d.warehouse_id),
        s.get(SalesOrder, d.order_id),
    )
    order_lines = {ln.id: ln.line_no for ln in order.lines} if order else {}
    out: dict[str, Any] = {
        "id": d.id,
        "no": d.no,
        "date": d.date.isoformat(),
        "order": order.no if order else "",
        "customer": cust.code if cust else "",
        "warehouse": wh.code if wh else "",
        "status": d.status,
        "cost": format_minor(d.cost_minor),
        "lines": [
            {
                "line_no": ln.line_no,
                "order_line": order_lines.get(ln.order_line_id),
                "item": items[ln.item_id].code,
                "qty": qty_text(ln.qty_e4),
                "cost": format_minor(ln.cost_minor),
            }
            for ln in d.lines
        ],
    }
    if company is not None:
        out["vouchers"] = posting.document_vouchers(s, company, "sales_delivery", d.id)
    return out


def get_delivery(uow: UnitOfWork, company_code: str, delivery_id: int) -> dict[str, Any]:
    return posting.get_document(uow, company_code, SalesDelivery, _delivery_view, delivery_id)


def list_deliveries(
    uow: UnitOfWork,
    company_code: str,
    *,
    status: str | None = None,
    customer: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    return _list(
        uow,
        company_code,
        SalesDelivery,
        _delivery_view,
        status=status,
        customer=customer,
        date_from=date_from,
        date_to=date_to,
        limit=limit,
    )


def preview_delivery(uow: UnitOfWork, company_code: str, delivery_id: int) -> dict[str, Any]:
    """The voucher confirming this delivery would post (cost at today's moving average)."""
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        s = uow.session
        d = _load(s, SalesDelivery, company, delivery_id)
        if d.status != "draft":
            return {
                "event": "sales_delivery.confirmed",
                "posted": posting.document_vouchers(s, company, "sales_delivery", d.id),
            }
        order = _load(s, SalesOrder, company, d.order_id)
        # Costs depend on the stock pools, so run the real confirmation and throw it away.
        errors: list[dict[str, Any]] = []
        result: list[dict[str, Any]] = []
        try:
            _confirm_delivery(uow, company, d, order)
            s.flush()
            result = posting.document_vouchers(s, company, "sales_delivery", d.id)
        except YecaiError as exc:
            errors = [exc.to_dict("en")]
        finally:
            s.rollback()
        return {
            "event": "sales_delivery.confirmed",
            "rule_version": result[0]["rule_version"] if result else None,
            "lines": result[0]["lines"] if result else [],
            "errors": errors,
        }


# --- invoices ------------------------------------------------------------------------------------


def create_invoice(
    uow: UnitOfWork,
    company_code: str,
    *,
    customer: str,
    day: date,
    orders: Sequence[int] = (),
    lines: Sequence[tuple[int, int, str | Decimal]] | None = None,
    post: bool = True,
) -> dict[str, Any]:
    """销售发票 over one or several orders of one customer: lines (order id, order line no, qty),
    or every delivered-not-invoiced quantity of ``orders``."""
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_CREATE)
        s = uow.session
        cust = md.customer_by_code(s, company.id, customer)
        order_ids = sorted({*orders, *(o for o, _n, _q in lines or ())})
        if not order_ids:
            raise FieldRequired(field_name="orders", field="orders")
        loaded = {oid: _load(s, SalesOrder, company, oid, for_update=True) for oid in order_ids}
        for o in loaded.values():
            if o.customer_id != cust.id:
                other = s.get(Customer, o.customer_id)
                raise domain.CustomerMismatch(
                    order=o.no, found=other.code if other else "?", expected=cust.code, field="orders"
                )
        wanted: list[tuple[SalesOrder, SalesOrderLine, int]] = []
        if lines is None:
            for o in loaded.values():
                wanted += [
                    (o, ln, ln.delivered_e4 - ln.invoiced_e4)
                    for ln in o.lines
                    if ln.delivered_e4 > ln.invoiced_e4
                ]
        else:
            for i, (oid, line_no, qty) in enumerate(lines, start=1):
                o = loaded[oid]
                ol = next((ln for ln in o.lines if ln.line_no == int(line_no)), None)
                if ol is None:
                    raise NotFound(what="order line", key=f"{o.no}/{line_no}", field=f"lines[{i}].line_no")
                wanted.append((o, ol, to_qty_e4(qty, f"lines[{i}].qty")))
        if not wanted:
            raise domain.NothingToDo(action="invoice", doc=", ".join(o.no for o in loaded.values()))
        inv = SalesInvoice(
            company_id=company.id,
            no=posting.next_document_no(s, company.id, "sales_invoice", "SI", day.year),
            date=day,
            customer_id=cust.id,
        )
        splits = domain.split_tax(
            [
                (domain.line_amount_minor(qty, ol.unit_price), ol.tax_rate, o.prices_include_tax)
                for o, ol, qty in wanted
            ]
        )
        for i, ((o, ol, qty), sp) in enumerate(zip(wanted, splits, strict=True), start=1):
            _check_invoiceable(o, ol, qty)
            inv.lines.append(
                SalesInvoiceLine(
                    line_no=i,
                    order_line_id=ol.id,
                    item_id=ol.item_id,
                    qty_e4=qty,
                    unit_price=ol.unit_price,
                    tax_code=ol.tax_code,
                    tax_rate=ol.tax_rate,
                    net_minor=sp.net_minor,
                    tax_minor=sp.tax_minor,
                    total_minor=sp.total_minor,
                )
            )
        inv.net_minor = sum(sp.net_minor for sp in splits)
        inv.tax_minor = sum(sp.tax_minor for sp in splits)
        inv.total_minor = sum(sp.total_minor for sp in splits)
        s.add(inv)
        s.flush()
        uow.audit(
            "sales_invoice.create",
            "sales_invoice",
            inv.id,
            company_id=company.id,
            after={"no": inv.no, "total": format_minor(inv.total_minor)},
        )
        if post:
            _post_invoice(uow, company, inv, locked=loaded)
        uow.commit()
        return _invoice_view(s, inv, company=company)


def _check_invoiceable(o: SalesOrder, ol: SalesOrderLine, qty: int) -> None:
    remaining = ol.delivered_e4 - ol.invoiced_e4
    if qty > remaining:
        raise domain.OverInvoicing(
            order=o.no, line=ol.line_no, qty=qty_text(qty), remaining=qty_text(remaining), field="qty"
        )


def post_invoice(uow: UnitOfWork, company_code: str, invoice_id: int) -> dict[str, Any]:
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_CREATE)
        s = uow.session
        inv = _load(s, SalesInvoice, company, invoice_id, for_update=True)
        _post_invoice(uow, company, inv)
        uow.commit()
        return _invoice_view(s, inv, company=company)


def _invoice_snapshot(s: Session, company: Company, inv: SalesInvoice) -> dict[str, Any]:
    codes = md.ensure_tax_codes(s, company)
    items = _items(s, [ln.item_id for ln in inv.lines])
    cust = s.get(Customer, inv.customer_id)
    assert cust is not None
    return {
        "doc": {"no": inv.no, "date": inv.date.isoformat(), "type": "sales_invoice"},
        "customer": _party(cust),
        "amounts": {"net": inv.net_minor, "tax": inv.tax_minor, "total": inv.total_minor},
        "lines": [
            {
                "line": {"no": ln.line_no, "tax_code": ln.tax_code},
                "item": _item(items[ln.item_id]),
                "tax": {
                    "rate": str(ln.tax_rate),
                    "account": _tax_code(codes, ln.tax_code, "tax_code").account_code,
                },
                "amounts": {"net": ln.net_minor, "tax": ln.tax_minor, "total": ln.total_minor},
            }
            for ln in inv.lines
        ],
    }


def _lock_invoice_orders(s: Session, inv: SalesInvoice) -> dict[int, SalesOrder]:
    """The orders of a draft invoice's lines, their lines locked FOR UPDATE and loaded."""
    order_lines = list(
        s.execute(
            select(SalesOrderLine)
            .where(SalesOrderLine.id.in_([ln.order_line_id for ln in inv.lines]))
            .with_for_update()
        ).scalars()
    )
    orders = {
        o.id: o
        for o in s.execute(
            select(SalesOrder).where(SalesOrder.id.in_({ol.order_id for ol in order_lines}))
        ).scalars()
    }
    for o in orders.values():
        s.refresh(o, attribute_names=["lines"])
    return orders


def _invoice_order_lines(inv: SalesInvoice, orders: dict[int, SalesOrder]) -> None:
    """Count the invoice's quantities as invoiced on its order lines; close fully invoiced orders."""
    order_lines = {ol.id: ol for o in orders.values() for ol in o.lines}
    for ln in inv.lines:
        ol = order_lines[ln.order_line_id]
        _check_invoiceable(orders[ol.order_id], ol, ln.qty_e4)
        ol.invoiced_e4 += ln.qty_e4
    for o in orders.values():
        if all(ln.invoiced_e4 >= ln.qty_e4 for ln in o.lines):
            o.status = "closed"


def _post_invoice(
    uow: UnitOfWork, company: Company, inv: SalesInvoice, locked: dict[int, SalesOrder] | None = None
) -> None:
    """Post a draft invoice. ``locked``: its orders, when the command has already locked them FOR
    UPDATE with their lines (creating the invoice does), so nothing is read twice."""
    if inv.status != "draft":
        raise DocumentWrongState(doc=inv.no, status=inv.status, action="post", field="status")
    s = uow.session
    _invoice_order_lines(inv, locked if locked is not None else _lock_invoice_orders(s, inv))
    inv.status = "posted"
    posting.post_event(
        uow,
        company,
        "sales_invoice.posted",
        _invoice_snapshot(s, company, inv),
        source_id=inv.id,
        audit="sales_invoice.post",
        payload={"total": format_minor(inv.total_minor)},
        before={"status": "draft"},
        after={"status": "posted"},
    )


def _invoice_view(s: Session, inv: SalesInvoice, *, company: Company | None = None) -> dict[str, Any]:
    from yecai.sales.returns import credited_minor  # red credit notes (红字发票) against it

    credited = credited_minor(s, inv.id)
    items = _items(s, [ln.item_id for ln in inv.lines])
    cust = s.get(Customer, inv.customer_id)
    ols = posting.rows_by_id(s, SalesOrderLine, [ln.order_line_id for ln in inv.lines])
    order_nos = {
        o.id: o.no for o in posting.rows_by_id(s, SalesOrder, {ol.order_id for ol in ols.values()}).values()
    }
    out: dict[str, Any] = {
        "id": inv.id,
        "no": inv.no,
        "date": inv.date.isoformat(),
        "customer": cust.code if cust else "",
        "status": inv.status,
        "net": format_minor(inv.net_minor),
        "tax": format_minor(inv.tax_minor),
        "total": format_minor(inv.total_minor),
        "received": format_minor(inv.received_minor),
        "credited": format_minor(credited),
        "open": format_minor(inv.total_minor - inv.received_minor - credited),
        "lines": [
            {
                "line_no": ln.line_no,
                "order": order_nos.get(ols[ln.order_line_id].order_id, ""),
                "order_line": ols[ln.order_line_id].line_no,
                "item": items[ln.item_id].code,
                "qty": qty_text(ln.qty_e4),
                "unit_price": str(ln.unit_price),
                "tax_code": ln.tax_code,
                "net": format_minor(ln.net_minor),
                "tax": format_minor(ln.tax_minor),
                "total": format_minor(ln.total_minor),
            }
            for ln in inv.lines
        ],
    }
    if company is not None:
        out["vouchers"] = posting.document_vouchers(s, company, "sales_invoice", inv.id)
    return out


def get_invoice(uow: UnitOfWork, company_code: str, invoice_id: int) -> dict[str, Any]:
    return posting.get_document(uow, company_code, SalesInvoice, _invoice_view, invoice_id)


def list_invoices(
    uow: UnitOfWork,
    company_code: str,
    *,
    status: str | None = None,
    customer: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    return _list(
        uow,
        company_code,
        SalesInvoice,
        _invoice_view,
        status=status,
        customer=customer,
        date_from=date_from,
        date_to=date_to,
        limit=limit,
    )


def preview_invoice(uow: UnitOfWork, company_code: str, invoice_id: int) -> dict[str, Any]:
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        s = uow.session
        inv = _load(s, SalesInvoice, company, invoice_id)
        return posting.preview(s, company, "sales_invoice.posted", _invoice_snapshot(s, company, inv))


# --- receipts ------------------------------------------------------------------------------------


# 收款 is the cashier's (出纳) work as much as the accountant's; the voucher it posts is reviewed
# like any other.
RECEIPT_PERMS = (Perm.VOUCHER_CREATE, Perm.CASH_MANAGE)


def create_receipt(
    uow: UnitOfWork,
    company_code: str,
    *,
    customer: str,
    day: date,
    amount: str | Decimal,
    invoice_id: int | None = None,
    method: str = "bank",
) -> dict[str, Any]:
    """收款: posted at once (bank or cash against the receivable), optionally against an invoice."""
    amount_minor = to_minor(amount)
    if amount_minor <= 0:
        raise domain.InvalidReceiptAmount(amount=amount, field="amount")
    if method not in domain.RECEIPT_METHODS:
        raise domain.InvalidMethod(value=method, field="method")
    with uow:
        company = uow.company(company_code, RECEIPT_PERMS)
        s = uow.session
        cust = md.customer_by_code(s, company.id, customer)
        inv = None
        if invoice_id is not None:
            inv = _load(s, SalesInvoice, company, invoice_id, lines=False, for_update=True)
            if inv.customer_id != cust.id or inv.status != "posted":
                raise DocumentWrongState(
                    doc=inv.no, status=inv.status, action="receive against", field="invoice"
                )
            from yecai.sales.returns import credited_minor  # returns builds on this module

            open_minor = inv.total_minor - inv.received_minor - credited_minor(s, inv.id)
            if amount_minor > open_minor:
                raise domain.ReceiptExceedsInvoice(
                    amount=format_minor(amount_minor),
                    invoice=inv.no,
                    open=format_minor(open_minor),
                    field="amount",
                )
        r = SalesReceipt(
            company_id=company.id,
            no=posting.next_document_no(s, company.id, "sales_receipt", "SR", day.year),
            date=day,
            customer_id=cust.id,
            invoice_id=inv.id if inv else None,
            method=method,
            amount_minor=amount_minor,
            status="posted",
        )
        s.add(r)
        s.flush()
        if inv is not None:
            # the receipt settles the invoice through an application (核销) record, which also
            # keeps inv.received_minor; see receivables.items
            from yecai.receivables.items import record_receipt_application

            record_receipt_application(uow, company, r, inv, amount_minor)
        snapshot = {
            "doc": {"no": r.no, "date": day.isoformat(), "type": "sales_receipt"},
            "customer": _party(cust),
            "receipt": {"method": method},
            "amounts": {"amount": amount_minor},
            "lines": [],
        }
        posting.post_event(
            uow,
            company,
            "sales_receipt.posted",
            snapshot,
            source_id=r.id,
            audit="sales_receipt.create",
            payload={"amount": format_minor(amount_minor), "invoice": inv.no if inv else None},
            after={"no": r.no, "amount": format_minor(amount_minor)},
        )
        uow.commit()
        return _receipt_view(s, r, company=company)


def _receipt_view(s: Session, r: SalesReceipt, *, company: Company | None = None) -> dict[str, Any]:
    cust = s.get(Customer, r.customer_id)
    inv = s.get(SalesInvoice, r.invoice_id) if r.invoice_id else None
    out: dict[str, Any] = {
        "id": r.id,
        "no": r.no,
        "date": r.date.isoformat(),
        "customer": cust.code if cust else "",
        "invoice": inv.no if inv else None,
        "method": r.method,
        "amount": format_minor(r.amount_minor),
        "status": r.status,
    }
    if company is not None:
        out["vouchers"] = posting.document_vouchers(s, company, "sales_receipt", r.id)
    return out


def get_receipt(uow: UnitOfWork, company_code: str, receipt_id: int) -> dict[str, Any]:
    return posting.get_document(uow, company_code, SalesReceipt, _receipt_view, receipt_id, lines=False)


def list_receipts(
    uow: UnitOfWork,
    company_code: str,
    *,
    status: str | None = None,
    customer: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    return _list(
        uow,
        company_code,
        SalesReceipt,
        _receipt_view,
        status=status,
        customer=customer,
        date_from=date_from,
        date_to=date_to,
        limit=limit,
    )


# --- subledger (for checks and reports) ----------------------------------------------------------


def receivables_by_customer(s: Session, company_id: int) -> dict[str, int]:
    """Posted invoices minus posted credit notes and receipts per customer code, in fen (the documents' view of AR)."""
    out: dict[str, int] = {}
    for code, total in s.execute(
        select(Customer.code, SalesInvoice.total_minor)
        .join(Customer, Customer.id == SalesInvoice.customer_id)
        .where(SalesInvoice.company_id == company_id, SalesInvoice.status == "posted")
    ):
        out[code] = out.get(code, 0) + int(total)
    for code, amount in s.execute(
        select(Customer.code, SalesReceipt.amount_minor)
        .join(Customer, Customer.id == SalesReceipt.customer_id)
        .where(SalesReceipt.company_id == company_id, SalesReceipt.status == "posted")
    ):
        out[code] = out.get(code, 0) - int(amount)
    from yecai.sales.returns import credited_by_customer  # red credit notes

    for code, total in credited_by_customer(s, company_id).items():
        out[code] = out.get(code, 0) - total
    return out
