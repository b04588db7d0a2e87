"""Purchasing use cases. Each state change with a financial effect posts in the same transaction:
posting a goods receipt (stock in at the order's net price against an estimated payable, 暂估),
a vendor bill (three-way match, the estimate cleared, input VAT, the real payable, price
differences to stock or cost), a payment (bank or cash against the payable) and a purchase return
(stock out at the receipt's cost, the estimate reversed). If posting refuses — a closed period, a
broken account, a three-way-match failure — the state change is refused with it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yecai.core.errors import FieldRequired, NotFound, YecaiError
from yecai.core.money import format_minor, to_minor
from yecai.core.periods import Period
from yecai.expenses import domain as expenses_domain
from yecai.expenses import service as expenses
from yecai.inventory import service as inventory
from yecai.inventory.domain import qty_text, to_qty_e4
from yecai.inventory.models import StockReceipt
from yecai.ledger import reports
from yecai.ledger.models import Company, DimensionValue
from yecai.ledger.models import Period as PeriodRow
from yecai.masterdata import domain as md_domain
from yecai.masterdata import service as md
from yecai.masterdata.models import Item, Supplier, TaxCode, Warehouse
from yecai.posting import domain as posting_domain
from yecai.posting import service as posting
from yecai.posting.domain import DocumentWrongState
from yecai.purchasing import domain
from yecai.purchasing.models import (
    PurchaseOrder,
    PurchaseOrderLine,
    PurchasePayment,
    PurchaseReceipt,
    PurchaseReceiptLine,
    PurchaseReturn,
    PurchaseReturnLine,
    VendorBill,
    VendorBillLine,
)
from yecai.sales import domain as sales_domain
from yecai.security.domain import Perm
from yecai.store.uow import UnitOfWork

LINES_MAX = 500
QTY_ONE_E4 = 10_000
LIST_LIMIT_MAX = 1000
AP_ACCOUNT = "2202"
MODELS: dict[str, Any] = {
    "purchase_order": PurchaseOrder,
    "purchase_receipt": PurchaseReceipt,
    "vendor_bill": VendorBill,
    "purchase_payment": PurchasePayment,
    "purchase_return": PurchaseReturn,
}


# --- settings ------------------------------------------------------------------------------------


def settings_of(company: Company) -> domain.Tolerance:
    raw = json.loads(company.settings_json or "{}").get("purchasing", {})
    return domain.Tolerance(
        qty_pct=Decimal(str(raw.get("qty_tolerance_pct", "0"))),
        price_pct=Decimal(str(raw.get("price_tolerance_pct", "0"))),
    )


def set_settings(
    uow: UnitOfWork,
    company_code: str,
    *,
    qty_tolerance: str | Decimal | None = None,
    price_tolerance: str | Decimal | None = None,
) -> dict[str, Any]:
    """Three-way-match tolerances in percent (default 0: bills must match exactly)."""
    qty = None if qty_tolerance is None else domain.parse_tolerance(qty_tolerance, "qty_tolerance")
    price = None if price_tolerance is None else domain.parse_tolerance(price_tolerance, "price_tolerance")
    with uow:
        company = uow.company(company_code, Perm.COMPANY_MANAGE)
        settings = json.loads(company.settings_json or "{}")
        section = dict(settings.get("purchasing", {}))
        before = dict(section)
        if qty is not None:
            section["qty_tolerance_pct"] = str(qty)
        if price is not None:
            section["price_tolerance_pct"] = str(price)
        settings["purchasing"] = section
        company.settings_json = json.dumps(settings, ensure_ascii=False, sort_keys=True)
        uow.audit(
            "purchasing.settings",
            "company",
            company.code,
            company_id=company.id,
            before=before,
            after=section,
        )
        uow.commit()
    return section


# --- helpers -------------------------------------------------------------------------------------


def _party(p: Supplier) -> dict[str, Any]:
    return {"code": p.code, "name": p.name, "group": p.group, "tax_id": p.tax_id}


def _item(i: Item) -> dict[str, Any]:
    return {"code": i.code, "name": i.name, "category": i.category, "kind": i.kind, "unit": i.unit}


def _items(s: Session, ids: Sequence[int]) -> dict[int, Item]:
    return posting.rows_by_id(s, Item, ids)


def _tax_code(codes: dict[str, TaxCode], code: str, field: str) -> TaxCode:
    tc = codes.get(code)
    if tc is None or tc.direction != "input":
        raise NotFound(what="input tax code", key=code, field=field)
    return tc


_load = posting.load_document  # by id within the company, with lines, optionally locked


def _order_lines(s: Session, ids: Sequence[int]) -> dict[int, PurchaseOrderLine]:
    if not ids:
        return {}
    return {
        ol.id: ol
        for ol in s.execute(
            select(PurchaseOrderLine).where(PurchaseOrderLine.id.in_(set(ids))).with_for_update()
        ).scalars()
    }


def _order_nos(s: Session, ids: Sequence[int]) -> dict[int, str]:
    return {o.id: o.no for o in posting.rows_by_id(s, PurchaseOrder, ids).values()}


def find_document_id(uow: UnitOfWork, company_code: str, doc_type: str, ref: str) -> int:
    """Resolve an id ('12') or a document number ('PO-2025-0001')."""
    return posting.resolve_document_id(uow, company_code, MODELS[doc_type], doc_type, ref)


def _list(
    uow: UnitOfWork,
    company_code: str,
    model: Any,
    view: Any,
    *,
    status: str | None,
    supplier: str | None,
    date_from: date | None,
    date_to: date | None,
    limit: int,
) -> list[dict[str, Any]]:
    def narrow(s: Session, company: Company, q: Any) -> Any:
        if supplier:
            q = q.join(Supplier, Supplier.id == model.supplier_id).where(Supplier.code == supplier)
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


# --- orders --------------------------------------------------------------------------------------


def create_order(
    uow: UnitOfWork,
    company_code: str,
    *,
    supplier: str,
    day: date,
    lines: Sequence[dict[str, Any]],
    prices_include_tax: bool = True,
    note: str = "",
) -> dict[str, Any]:
    """采购订单. Lines: {item, qty, unit_price, tax_code (default: the item's input rate)}; stock
    items only."""
    if not lines:
        raise FieldRequired(field_name="lines", field="lines")
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_CREATE)
        s = uow.session
        sup = md.supplier_by_code(s, company.id, supplier)
        codes = md.ensure_tax_codes(s, company)
        order = PurchaseOrder(
            company_id=company.id,
            no=posting.next_document_no(s, company.id, "purchase_order", "PO", day.year),
            date=day,
            supplier_id=sup.id,
            prices_include_tax=prices_include_tax,
            note=note[:200],
        )
        known = posting.items_by_code(s, company.id, [str(raw.get("item", "")) for raw in lines[:LINES_MAX]])
        for i, raw in enumerate(lines[:LINES_MAX], start=1):
            code = str(raw.get("item", ""))
            item = known.get(code) or md.item_by_code(s, company.id, code, field=f"lines[{i}].item")
            if item.kind != "stock":
                raise domain.NotAStockItem(item=item.code, field=f"lines[{i}].item", row=i)
            code = str(raw.get("tax_code") or md_domain.input_tax_code(item.tax_rate))
            tc = _tax_code(codes, code, f"lines[{i}].tax_code")
            price = sales_domain.check_price(Decimal(str(raw.get("unit_price", "0"))))
            order.lines.append(
                PurchaseOrderLine(
                    line_no=i,
                    item_id=item.id,
                    qty_e4=to_qty_e4(raw.get("qty", ""), f"lines[{i}].qty"),
                    unit_price=price,
                    tax_code=tc.code,
                    tax_rate=tc.rate,
                )
            )
        splits = sales_domain.split_tax(
            [
                (sales_domain.line_amount_minor(ln.qty_e4, ln.unit_price), ln.tax_rate, prices_include_tax)
                for ln in order.lines
            ]
        )
        for ln, sp in zip(order.lines, splits, strict=True):
            ln.net_minor, ln.tax_minor, ln.total_minor = sp.net_minor, sp.tax_minor, sp.total_minor
        order.net_minor = sum(sp.net_minor for sp in splits)
        order.tax_minor = sum(sp.tax_minor for sp in splits)
        order.total_minor = sum(sp.total_minor for sp in splits)
        s.add(order)
        s.flush()
        uow.audit(
            "purchase_order.create",
            "purchase_order",
            order.id,
            company_id=company.id,
            after={"no": order.no, "total": format_minor(order.total_minor)},
        )
        uow.commit()
        return _order_view(s, order)


def _order_view(s: Session, o: PurchaseOrder) -> dict[str, Any]:
    items = _items(s, [ln.item_id for ln in o.lines])
    sup = s.get(Supplier, o.supplier_id)
    return {
        "id": o.id,
        "no": o.no,
        "date": o.date.isoformat(),
        "supplier": sup.code if sup else "",
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
                "received": qty_text(ln.received_e4),
                "billed": qty_text(ln.billed_e4),
                "accrued_open": format_minor(ln.accrued_minor - ln.cleared_minor),
            }
            for ln in o.lines
        ],
    }


def get_order(uow: UnitOfWork, company_code: str, order_id: int) -> dict[str, Any]:
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        s = uow.session
        view = _order_view(s, _load(s, PurchaseOrder, company, order_id))
        view["receipts"] = [
            {"id": r.id, "no": r.no, "status": r.status}
            for r in s.execute(
                select(PurchaseReceipt)
                .where(PurchaseReceipt.order_id == order_id)
                .order_by(PurchaseReceipt.id)
            ).scalars()
        ]
        return view


def cancel_order(uow: UnitOfWork, company_code: str, order_id: int) -> dict[str, Any]:
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_CREATE)
        s = uow.session
        o = _load(s, PurchaseOrder, company, order_id, for_update=True)
        if o.status != "open":
            raise DocumentWrongState(doc=o.no, status=o.status, action="cancel", field="status")
        if s.execute(select(PurchaseReceipt.id).where(PurchaseReceipt.order_id == o.id)).first():
            raise domain.OrderHasReceipts(order=o.no)
        o.status = "cancelled"
        uow.audit(
            "purchase_order.cancel",
            "purchase_order",
            o.id,
            company_id=company.id,
            before={"status": "open"},
            after={"status": "cancelled"},
        )
        uow.commit()
        return _order_view(s, o)


def list_orders(
    uow: UnitOfWork,
    company_code: str,
    *,
    status: str | None = None,
    supplier: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    return _list(
        uow,
        company_code,
        PurchaseOrder,
        _order_view,
        status=status,
        supplier=supplier,
        date_from=date_from,
        date_to=date_to,
        limit=limit,
    )


# --- goods receipts ------------------------------------------------------------------------------


def create_receipt(
    uow: UnitOfWork,
    company_code: str,
    *,
    order_id: int,
    day: date,
    warehouse: str,
    lines: Sequence[tuple[int, str | Decimal]] | None = None,
    post: bool = True,
) -> dict[str, Any]:
    """收货单 for one order: lines (order line no, qty), or everything still to receive. Each line is
    valued at the order's net price (the estimate, 暂估, until the bill comes)."""
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_CREATE)
        s = uow.session
        order = _load(s, PurchaseOrder, company, order_id, for_update=True)
        if order.status != "open":
            raise DocumentWrongState(doc=order.no, status=order.status, action="receive", field="order")
        wh = md.warehouse_by_code(s, company.id, warehouse)
        by_no = {ln.line_no: ln for ln in order.lines}
        wanted: list[tuple[PurchaseOrderLine, int]] = []
        if lines is None:
            wanted = [(ln, ln.qty_e4 - ln.received_e4) for ln in order.lines if ln.qty_e4 > ln.received_e4]
        else:
            for i, (line_no, qty) in enumerate(lines, start=1):
                ol = by_no.get(int(line_no))
                if ol is None:
                    raise NotFound(
                        what="order line", key=f"{order.no}/{line_no}", field=f"lines[{i}].line_no"
                    )
                wanted.append((ol, to_qty_e4(qty, f"lines[{i}].qty")))
        if not wanted:
            raise domain.NothingToDo(action="receive", doc=order.no)
        r = PurchaseReceipt(
            company_id=company.id,
            no=posting.next_document_no(s, company.id, "purchase_receipt", "GR", day.year),
            date=day,
            order_id=order.id,
            supplier_id=order.supplier_id,
            warehouse_id=wh.id,
        )
        splits = sales_domain.split_tax(
            [
                (sales_domain.line_amount_minor(qty, ol.unit_price), ol.tax_rate, order.prices_include_tax)
                for ol, qty in wanted
            ]
        )
        for i, ((ol, qty), sp) in enumerate(zip(wanted, splits, strict=True), start=1):
            _check_receivable(order, ol, qty)
            r.lines.append(
                PurchaseReceiptLine(
                    line_no=i, order_line_id=ol.id, item_id=ol.item_id, qty_e4=qty, cost_minor=sp.net_minor
                )
            )
        r.cost_minor = sum(ln.cost_minor for ln in r.lines)
        s.add(r)
        s.flush()
        uow.audit(
            "purchase_receipt.create",
            "purchase_receipt",
            r.id,
            company_id=company.id,
            after={"no": r.no, "order": order.no},
        )
        if post:
            _post_receipt(uow, company, r, order)
        uow.commit()
        return _receipt_view(s, r, company=company)


def _check_receivable(order: PurchaseOrder, ol: PurchaseOrderLine, qty: int) -> None:
    remaining = ol.qty_e4 - ol.received_e4
    if qty > remaining:
        raise domain.OverReceipt(
            order=order.no, line=ol.line_no, qty=qty_text(qty), remaining=qty_text(remaining), field="qty"
        )


def post_receipt(uow: UnitOfWork, company_code: str, receipt_id: int) -> dict[str, Any]:
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_CREATE)
        s = uow.session
        r = _load(s, PurchaseReceipt, company, receipt_id, for_update=True)
        order = _load(s, PurchaseOrder, company, r.order_id, for_update=True)
        _post_receipt(uow, company, r, order)
        uow.commit()
        return _receipt_view(s, r, company=company)


def _receipt_snapshot(s: Session, r: PurchaseReceipt, order: PurchaseOrder) -> dict[str, Any]:
    items = _items(s, [ln.item_id for ln in r.lines])
    order_lines = {ln.id: ln for ln in order.lines}
    sup, wh = s.get(Supplier, r.supplier_id), s.get(Warehouse, r.warehouse_id)
    assert sup is not None and wh is not None
    return {
        "doc": {"no": r.no, "date": r.date.isoformat(), "type": "purchase_receipt"},
        "supplier": _party(sup),
        "warehouse": {"code": wh.code, "name": wh.name},
        "amounts": {"cost": r.cost_minor},
        "lines": [
            {
                "line": {"no": ln.line_no, "tax_code": order_lines[ln.order_line_id].tax_code},
                "item": _item(items[ln.item_id]),
                "amounts": {"cost": ln.cost_minor},
            }
            for ln in r.lines
        ],
    }


def _post_receipt(uow: UnitOfWork, company: Company, r: PurchaseReceipt, order: PurchaseOrder) -> None:
    if r.status != "draft":
        raise DocumentWrongState(doc=r.no, status=r.status, action="post", field="status")
    if order.status != "open":
        raise DocumentWrongState(doc=order.no, status=order.status, action="receive", field="order")
    s = uow.session
    order_lines = {ln.id: ln for ln in order.lines}
    items = _items(s, [ln.item_id for ln in r.lines])
    wh = s.get(Warehouse, r.warehouse_id)
    assert wh is not None
    for ln in r.lines:
        ol = order_lines[ln.order_line_id]
        _check_receivable(order, ol, ln.qty_e4)
        ol.received_e4 += ln.qty_e4
        ol.accrued_minor += ln.cost_minor
        inventory.stock_in(
            uow,
            company,
            items[ln.item_id],
            wh,
            ln.qty_e4,
            ln.cost_minor,
            r.date,
            source_type="purchase_receipt",
            source_id=r.id,
            source_line_id=ln.id,
        )
    r.status = "posted"
    posting.post_event(
        uow,
        company,
        "purchase_receipt.posted",
        _receipt_snapshot(s, r, order),
        source_id=r.id,
        audit="purchase_receipt.post",
        payload={"cost": format_minor(r.cost_minor), "order": order.no},
        before={"status": "draft"},
        after={"status": "posted", "cost": format_minor(r.cost_minor)},
    )


def _receipt_view(s: Session, r: PurchaseReceipt, *, company: Company | None = None) -> dict[str, Any]:
    items = _items(s, [ln.item_id for ln in r.lines])
    sup, wh, order = (
        s.get(Supplier, r.supplier_id),
        s.get(Warehouse, r.warehouse_id),
        s.get(PurchaseOrder, r.order_id),
    )
    order_lines = {ln.id: ln.line_no for ln in order.lines} if order else {}
    out: dict[str, Any] = {
        "id": r.id,
        "no": r.no,
        "date": r.date.isoformat(),
        "order": order.no if order else "",
        "supplier": sup.code if sup else "",
        "warehouse": wh.code if wh else "",
        "status": r.status,
        "cost": format_minor(r.cost_minor),
        "lines": [
            {
                "line_no": ln.line_no,
                "order_line": order_lines.get(ln.order_line_id),
                "item": items[ln.item_id].code,
                "qty": qty_text(ln.qty_e4),
                "cost": format_minor(ln.cost_minor),
                "returned": qty_text(ln.returned_e4),
            }
            for ln in r.lines
        ],
    }
    if company is not None:
        out["vouchers"] = posting.document_vouchers(s, company, "purchase_receipt", r.id)
    return out


def get_receipt(uow: UnitOfWork, company_code: str, receipt_id: int) -> dict[str, Any]:
    return posting.get_document(uow, company_code, PurchaseReceipt, _receipt_view, receipt_id)


def list_receipts(
    uow: UnitOfWork,
    company_code: str,
    *,
    status: str | None = None,
    supplier: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    return _list(
        uow,
        company_code,
        PurchaseReceipt,
        _receipt_view,
        status=status,
        supplier=supplier,
        date_from=date_from,
        date_to=date_to,
        limit=limit,
    )


def preview_receipt(uow: UnitOfWork, company_code: str, receipt_id: int) -> dict[str, Any]:
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        s = uow.session
        r = _load(s, PurchaseReceipt, company, receipt_id)
        order = _load(s, PurchaseOrder, company, r.order_id)
        return posting.preview(s, company, "purchase_receipt.posted", _receipt_snapshot(s, r, order))


# --- vendor bills --------------------------------------------------------------------------------


def create_bill(
    uow: UnitOfWork,
    company_code: str,
    *,
    supplier: str,
    day: date,
    orders: Sequence[int] = (),
    lines: Sequence[dict[str, Any]] | None = None,
    invoice_no: str = "",
    post: bool = True,
) -> dict[str, Any]:
    """采购发票 of one supplier, over orders, without an order, or both.

    Order lines: {order_id, line_no, qty, unit_price (default: the order's, in the order's tax
    basis), tax_code (default: the order's)}, or every received-not-billed quantity of ``orders``
    at the order prices; refused when the three-way match fails beyond the company's tolerance.
    Lines without an order (rent, utilities, services …): {category (费用类别), department, net or
    total, tax (optional: from the rate), tax_code (default: the item's), project, item (a
    service), qty (default 1), description}; booked to the category's expense account."""
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_CREATE)
        s = uow.session
        sup = md.supplier_by_code(s, company.id, supplier)
        built, order_lines = _bill_lines(s, company, sup, orders, lines)
        bill = VendorBill(
            company_id=company.id,
            no=posting.next_document_no(s, company.id, "vendor_bill", "VB", day.year),
            date=day,
            supplier_id=sup.id,
            invoice_no=invoice_no.strip()[:40],
        )
        _set_lines(bill, built)
        _match(s, company, bill, order_lines)
        s.add(bill)
        s.flush()
        uow.audit(
            "vendor_bill.create",
            "vendor_bill",
            bill.id,
            company_id=company.id,
            after={"no": bill.no, "total": format_minor(bill.total_minor), "invoice_no": bill.invoice_no},
        )
        if post:
            _post_bill(uow, company, bill)
        uow.commit()
        return _bill_view(s, bill, company=company)


def update_bill(
    uow: UnitOfWork,
    company_code: str,
    bill_id: int,
    *,
    lines: Sequence[dict[str, Any]],
    day: date | None = None,
    invoice_no: str | None = None,
) -> dict[str, Any]:
    """Correct a draft bill before it posts — a bill drafted from an intake invoice with a guessed
    category or department, say: its lines are replaced by ``lines`` (either kind, checked as when
    created), and its date and invoice number changed when given. A posted bill is never changed
    (a correction is a red bill, not here yet)."""
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_CREATE)
        s = uow.session
        bill = _load(s, VendorBill, company, bill_id, for_update=True)
        if bill.status != "draft":
            raise DocumentWrongState(doc=bill.no, status=bill.status, action="change", field="status")
        sup = s.get(Supplier, bill.supplier_id)
        assert sup is not None
        if not lines:
            raise FieldRequired(field_name="lines", field="lines")
        built, order_lines = _bill_lines(s, company, sup, (), lines)
        before = {
            "total": format_minor(bill.total_minor),
            "lines": len(bill.lines),
            "date": bill.date.isoformat(),
        }
        for old in list(bill.lines):
            s.delete(old)
        s.flush()
        s.expire(bill, ["lines"])
        if day is not None:
            bill.date = day
        if invoice_no is not None:
            bill.invoice_no = invoice_no.strip()[:40]
        _set_lines(bill, built)
        _match(s, company, bill, order_lines)
        s.flush()
        uow.audit(
            "vendor_bill.update",
            "vendor_bill",
            bill.id,
            company_id=company.id,
            before=before,
            after={
                "total": format_minor(bill.total_minor),
                "lines": len(bill.lines),
                "date": bill.date.isoformat(),
            },
        )
        uow.commit()
        return _bill_view(s, bill, company=company)


def _set_lines(bill: VendorBill, built: list[VendorBillLine]) -> None:
    for ln in built:
        bill.lines.append(ln)
    bill.net_minor = sum(ln.net_minor for ln in bill.lines)
    bill.tax_minor = sum(ln.tax_minor for ln in bill.lines)
    bill.total_minor = sum(ln.total_minor for ln in bill.lines)


def _bill_lines(
    s: Session,
    company: Company,
    sup: Supplier,
    orders: Sequence[int],
    lines: Sequence[dict[str, Any]] | None,
) -> tuple[list[VendorBillLine], dict[int, PurchaseOrderLine]]:
    """A bill's lines, numbered, from what was asked — order lines and lines without an order —
    each checked whole; and the order lines they bill (locked), for the three-way match."""
    codes = md.ensure_tax_codes(s, company)
    raw_lines = list(lines[:LINES_MAX]) if lines is not None else None
    kinds = [_line_kind(i, raw) for i, raw in enumerate(raw_lines or (), start=1)]
    order_ids = sorted(
        {
            *orders,
            *(
                int(raw["order_id"])
                for raw, kind in zip(raw_lines or (), kinds, strict=True)
                if kind == "order"
            ),
        }
    )
    if not order_ids and "expense" not in kinds:
        raise FieldRequired(field_name="orders", field="orders")
    loaded = {oid: _load(s, PurchaseOrder, company, oid, for_update=True) for oid in order_ids}
    for o in loaded.values():
        if o.supplier_id != sup.id:
            other = s.get(Supplier, o.supplier_id)
            raise domain.SupplierMismatch(
                order=o.no, found=other.code if other else "?", expected=sup.code, field="orders"
            )
    # order lines (with their place on the bill) and finished lines without an order
    wanted: list[tuple[PurchaseOrder, PurchaseOrderLine, int, Decimal, TaxCode]] = []
    direct: list[tuple[int, VendorBillLine]] = []
    order_line_nos: list[int] = []
    if raw_lines is None or (orders and "order" not in kinds):
        # everything received and not yet billed on ``orders``, first on the bill
        for o in loaded.values():
            wanted += [
                (o, ln, ln.received_e4 - ln.billed_e4, ln.unit_price, codes[ln.tax_code])
                for ln in o.lines
                if ln.received_e4 > ln.billed_e4
            ]
        order_line_nos = [-len(wanted) + k for k in range(len(wanted))]
    if raw_lines is not None:
        for i, (raw, kind) in enumerate(zip(raw_lines, kinds, strict=True), start=1):
            if kind == "expense":
                direct.append((i, _direct_line(s, company, codes, i, raw)))
                continue
            o = loaded[int(raw["order_id"])]
            ol = next((ln for ln in o.lines if ln.line_no == int(raw["line_no"])), None)
            if ol is None:
                raise NotFound(what="order line", key=f"{o.no}/{raw['line_no']}", field=f"lines[{i}].line_no")
            price = raw.get("unit_price")
            wanted.append(
                (
                    o,
                    ol,
                    to_qty_e4(raw.get("qty", ""), f"lines[{i}].qty"),
                    ol.unit_price if price is None else sales_domain.check_price(Decimal(str(price))),
                    _tax_code(codes, str(raw.get("tax_code") or ol.tax_code), f"lines[{i}].tax_code"),
                )
            )
            order_line_nos.append(i)
    if not wanted and not direct:
        raise domain.NothingToDo(action="bill", doc=", ".join(o.no for o in loaded.values()))
    splits = sales_domain.split_tax(
        [
            (sales_domain.line_amount_minor(qty, price), tc.rate, o.prices_include_tax)
            for o, _ol, qty, price, tc in wanted
        ]
    )
    made: list[tuple[int, VendorBillLine]] = list(direct)
    for i, (_o, ol, qty, price, tc), sp in zip(order_line_nos, wanted, splits, strict=True):
        made.append(
            (
                i,
                VendorBillLine(
                    line_no=i,
                    order_line_id=ol.id,
                    item_id=ol.item_id,
                    qty_e4=qty,
                    unit_price=price,
                    tax_code=tc.code,
                    tax_rate=tc.rate,
                    net_minor=sp.net_minor,
                    tax_minor=sp.tax_minor,
                    total_minor=sp.total_minor,
                ),
            )
        )
    out = []
    for n, (_place, ln) in enumerate(sorted(made, key=lambda t: t[0]), start=1):
        ln.line_no = n
        out.append(ln)
    return out, {ol.id: ol for _o, ol, *_rest in wanted}


def _present(raw: dict[str, Any], key: str) -> bool:
    value = raw.get(key)
    return value is not None and str(value).strip() != ""


def _line_kind(i: int, raw: dict[str, Any]) -> str:
    """'order' (order_id and line_no) or 'expense' (a category or a service item, no order)."""
    is_order = _present(raw, "order_id") or _present(raw, "line_no")
    is_direct = _present(raw, "category") or (_present(raw, "item") and not is_order)
    if is_order and _present(raw, "category"):
        raise domain.BillLineBothKinds(line=i, field=f"lines[{i}].category", row=i)
    if is_order:
        if not _present(raw, "order_id"):
            raise FieldRequired(field_name="order_id", field=f"lines[{i}].order_id", row=i)
        if not _present(raw, "line_no"):
            raise FieldRequired(field_name="line_no", field=f"lines[{i}].line_no", row=i)
        return "order"
    if not is_direct:
        raise domain.BillLineWithoutKind(line=i, field=f"lines[{i}].category", row=i)
    return "expense"


def _minor_or_none(raw: dict[str, Any], key: str, i: int) -> int | None:
    if not _present(raw, key):
        return None
    try:
        return to_minor(str(raw[key]).strip().replace(",", ""))
    except YecaiError as exc:
        exc.field, exc.row = f"lines[{i}].{key}", i
        raise


def _direct_line(
    s: Session, company: Company, codes: dict[str, TaxCode], i: int, raw: dict[str, Any]
) -> VendorBillLine:
    """A bill line without an order, checked whole: category, department, project, item, tax,
    amounts."""
    item: Item | None = None
    if _present(raw, "item"):
        item = md.item_by_code(s, company.id, str(raw["item"]).strip(), field=f"lines[{i}].item")
        if item.kind == "stock":
            raise domain.StockItemNeedsOrder(line=i, item=item.code, field=f"lines[{i}].item", row=i)
    category = str(raw.get("category") or "").strip() or (item.category if item else "")
    if category not in expenses_domain.CATEGORIES:
        raise expenses_domain.InvalidCategory(
            value=category, known=", ".join(expenses_domain.CATEGORIES), field=f"lines[{i}].category", row=i
        )
    department = str(raw.get("department") or "").strip()
    if not department:
        raise FieldRequired(field_name="department", field=f"lines[{i}].department", row=i)
    _dimension(s, company, "department", department, f"lines[{i}].department")
    project = str(raw.get("project") or "").strip()
    if project:
        _dimension(s, company, "project", project, f"lines[{i}].project")
    tax_code = str(raw.get("tax_code") or "").strip()
    if not tax_code and item is not None:
        tax_code = md_domain.input_tax_code(item.tax_rate)
    if not tax_code:
        raise FieldRequired(field_name="tax_code", field=f"lines[{i}].tax_code", row=i)
    tc = _tax_code(codes, tax_code, f"lines[{i}].tax_code")
    net = _minor_or_none(raw, "net", i)
    total = _minor_or_none(raw, "total", i)
    if net is None and total is None:
        raise FieldRequired(field_name="net", field=f"lines[{i}].net", row=i)
    net_minor, tax_minor, total_minor = domain.direct_line_amounts(
        i, net_minor=net, tax_minor=_minor_or_none(raw, "tax", i), total_minor=total, rate=tc.rate
    )
    qty_e4 = to_qty_e4(raw["qty"], f"lines[{i}].qty") if _present(raw, "qty") else QTY_ONE_E4
    if qty_e4 <= 0:
        raise domain.InvalidLineAmount(line=i, what="qty", value=qty_text(qty_e4), field=f"lines[{i}].qty")
    unit_price = (Decimal(net_minor) * QTY_ONE_E4 / 100 / qty_e4).quantize(Decimal("0.000001")).normalize()
    return VendorBillLine(
        line_no=i,
        order_line_id=None,
        item_id=item.id if item else None,
        category=category,
        department=department,
        project=project,
        description=str(raw.get("description") or (item.name if item else "")).strip()[:200],
        qty_e4=qty_e4,
        unit_price=Decimal(f"{unit_price:f}"),
        tax_code=tc.code,
        tax_rate=tc.rate,
        net_minor=net_minor,
        tax_minor=tax_minor,
        total_minor=total_minor,
    )


def _dimension(s: Session, company: Company, dim: str, code: str, field: str) -> DimensionValue:
    row = s.execute(
        select(DimensionValue).where(
            DimensionValue.company_id == company.id,
            DimensionValue.dim_type == dim,
            DimensionValue.code == code,
            DimensionValue.enabled.is_(True),
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(what=dim, key=code, field=field)
    return row


def _match(s: Session, company: Company, bill: VendorBill, order_lines: dict[int, PurchaseOrderLine]) -> None:
    """Over-billing and the three-way match of every line, before anything changes."""
    orders = _order_nos(s, [ol.order_id for ol in order_lines.values()])
    items = _items(s, [ln.item_id for ln in bill.lines if ln.item_id is not None])
    billed = {oid: ol.billed_e4 for oid, ol in order_lines.items()}  # several bill lines on one order line
    inputs = []
    for ln in bill.lines:
        if ln.order_line_id is None:
            continue  # a line without an order has nothing to match
        ol = order_lines[ln.order_line_id]
        if ol.received_e4 - billed[ol.id] <= 0:
            raise domain.OverBilling(
                order=orders[ol.order_id],
                line=ol.line_no,
                qty=qty_text(ln.qty_e4),
                field=f"lines[{ln.line_no}].qty",
            )
        inputs.append(
            domain.MatchLine(
                ref=f"{orders[ol.order_id]}/{ol.line_no} {items[ln.item_id].code}",
                order_price=ol.unit_price,
                bill_price=ln.unit_price,
                qty_e4=ln.qty_e4,
                received_e4=ol.received_e4,
                billed_e4=billed[ol.id],
            )
        )
        billed[ol.id] += ln.qty_e4
    tolerance = settings_of(company)
    mismatches = domain.three_way_match(inputs, tolerance)
    if mismatches:
        raise domain.ThreeWayMatchFailed(
            mismatches, qty_tolerance=tolerance.qty_pct, price_tolerance=tolerance.price_pct
        )


def post_bill(uow: UnitOfWork, company_code: str, bill_id: int) -> dict[str, Any]:
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_CREATE)
        s = uow.session
        bill = _load(s, VendorBill, company, bill_id, for_update=True)
        _post_bill(uow, company, bill)
        uow.commit()
        return _bill_view(s, bill, company=company)


def _last_receiving_warehouse(s: Session, order_line_id: int) -> Warehouse | None:
    wid = s.execute(
        select(PurchaseReceipt.warehouse_id)
        .join(PurchaseReceiptLine, PurchaseReceiptLine.receipt_id == PurchaseReceipt.id)
        .where(PurchaseReceiptLine.order_line_id == order_line_id, PurchaseReceipt.status == "posted")
        .order_by(PurchaseReceipt.date.desc(), PurchaseReceipt.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return s.get(Warehouse, wid) if wid is not None else None


def _post_bill(uow: UnitOfWork, company: Company, bill: VendorBill) -> None:
    if bill.status != "draft":
        raise DocumentWrongState(doc=bill.no, status=bill.status, action="post", field="status")
    s = uow.session
    if any(ln.order_line_id is None for ln in bill.lines):
        _check_rules_book_expense_lines(s, company, bill.date)
    order_lines = _order_lines(s, [ln.order_line_id for ln in bill.lines if ln.order_line_id is not None])
    _match(s, company, bill, order_lines)
    items = _items(s, [ln.item_id for ln in bill.lines if ln.item_id is not None])
    for ln in bill.lines:
        if ln.order_line_id is None:
            continue
        ol = order_lines[ln.order_line_id]
        open_e4 = ol.received_e4 - ol.billed_e4
        ln.accrued_minor = domain.clear_accrual(ol.accrued_minor - ol.cleared_minor, open_e4, ln.qty_e4)
        ol.cleared_minor += ln.accrued_minor
        ol.billed_e4 += ln.qty_e4
        difference = ln.net_minor - ln.accrued_minor
        wh = _last_receiving_warehouse(s, ol.id)
        ln.warehouse_id = wh.id if wh else None
        ln.to_stock_minor = 0
        if difference and wh is not None:
            item = items[ln.item_id]  # type: ignore[index]  # order lines always have their item
            s.flush()  # the pool is re-read from the database (no autoflush)
            pool = inventory.pool_of(uow, company, item, wh)
            ln.to_stock_minor = domain.stock_share(difference, ln.qty_e4, pool.qty_e4, pool.value_minor)
            if ln.to_stock_minor:
                inventory.revalue(
                    uow,
                    company,
                    item,
                    wh,
                    ln.to_stock_minor,
                    bill.date,
                    source_type="vendor_bill",
                    source_id=bill.id,
                    source_line_id=ln.id,
                )
    bill.accrued_minor = sum(ln.accrued_minor for ln in bill.lines)
    bill.to_stock_minor = sum(ln.to_stock_minor for ln in bill.lines)
    orders = {
        o.id: o
        for o in s.execute(
            select(PurchaseOrder).where(PurchaseOrder.id.in_({ol.order_id for ol in order_lines.values()}))
        ).scalars()
    }
    for o in orders.values():
        s.refresh(o, attribute_names=["lines"])
        if o.status == "open" and all(ln.billed_e4 >= ln.qty_e4 for ln in o.lines):
            o.status = "closed"
    bill.status = "posted"
    posting.post_event(
        uow,
        company,
        "vendor_bill.posted",
        _bill_snapshot(s, company, bill),
        source_id=bill.id,
        audit="vendor_bill.post",
        payload={"total": format_minor(bill.total_minor), "invoice_no": bill.invoice_no},
        before={"status": "draft"},
        after={
            "status": "posted",
            "accrued": format_minor(bill.accrued_minor),
            "to_stock": format_minor(bill.to_stock_minor),
        },
    )


def _check_rules_book_expense_lines(s: Session, company: Company, day: date) -> None:
    """A company that saved its own rule set before lines without an order existed has no rule for
    them: its rules would book their net as a purchase price difference. Refuse, naming the fix."""
    version, text = posting.rules_effective(s, company.id, day)
    if not _books_expense_lines(text):
        raise domain.RulesLackExpenseLines(date=day.isoformat(), version=version, field="lines")


@lru_cache(maxsize=64)
def _books_expense_lines(rules_json: str) -> bool:
    """Whether a rule set's vendor_bill.posted has a rule on the amount ``expense`` (parsed once
    per rule-set text)."""
    parsed, _errors = posting_domain.parse_rule_set(json.loads(rules_json))
    er = parsed.get("vendor_bill.posted")
    return er is not None and any("expense" in posting_domain.amount_names(r.amount) for r in er.rules)


def _expense_line_fields(s: Session, company: Company, ln: VendorBillLine) -> dict[str, Any]:
    dept = _dimension(s, company, "department", ln.department, f"lines[{ln.line_no}].department")
    kind = expenses.department_kinds(company).get(dept.code, "admin")
    out: dict[str, Any] = {"department": {"code": dept.code, "name": dept.name, "kind": kind}}
    if ln.project:
        proj = _dimension(s, company, "project", ln.project, f"lines[{ln.line_no}].project")
        out["project"] = {"code": proj.code, "name": proj.name}
    return out


def _bill_snapshot(s: Session, company: Company, bill: VendorBill) -> dict[str, Any]:
    codes = md.ensure_tax_codes(s, company)
    items = _items(s, [ln.item_id for ln in bill.lines if ln.item_id is not None])
    sup = s.get(Supplier, bill.supplier_id)
    assert sup is not None
    lines = []
    for ln in bill.lines:
        direct = ln.order_line_id is None
        line: dict[str, Any] = {
            "line": {
                "no": ln.line_no,
                "tax_code": ln.tax_code,
                "kind": "expense" if direct else "order",
                "category": ln.category,
                "description": ln.description,
            },
            "item": _item(items[ln.item_id]) if ln.item_id is not None else {},
            "tax": {
                "rate": str(ln.tax_rate),
                "account": _tax_code(codes, ln.tax_code, "tax_code").account_code,
            },
            "amounts": {
                "net": ln.net_minor,
                "tax": ln.tax_minor,
                "total": ln.total_minor,
                "accrued": ln.accrued_minor,
                "to_stock": ln.to_stock_minor,
                "expense": ln.net_minor if direct else 0,
            },
        }
        if direct:
            line.update(_expense_line_fields(s, company, ln))
        lines.append(line)
    return {
        "doc": {"no": bill.no, "date": bill.date.isoformat(), "type": "vendor_bill"},
        "supplier": _party(sup),
        "bill": {"invoice_no": bill.invoice_no},
        "amounts": {
            "net": bill.net_minor,
            "tax": bill.tax_minor,
            "total": bill.total_minor,
            "accrued": bill.accrued_minor,
            "to_stock": bill.to_stock_minor,
            "expense": sum(int(ln["amounts"]["expense"]) for ln in lines),
        },
        "lines": lines,
    }


def _bill_view(s: Session, bill: VendorBill, *, company: Company | None = None) -> dict[str, Any]:
    items = _items(s, [ln.item_id for ln in bill.lines if ln.item_id is not None])
    sup = s.get(Supplier, bill.supplier_id)
    ol_ids = [ln.order_line_id for ln in bill.lines if ln.order_line_id is not None]
    ols = (
        {
            ol.id: ol
            for ol in s.execute(select(PurchaseOrderLine).where(PurchaseOrderLine.id.in_(ol_ids))).scalars()
        }
        if ol_ids
        else {}
    )
    order_nos = _order_nos(s, [ol.order_id for ol in ols.values()])
    out: dict[str, Any] = {
        "id": bill.id,
        "no": bill.no,
        "date": bill.date.isoformat(),
        "supplier": sup.code if sup else "",
        "invoice_no": bill.invoice_no,
        "status": bill.status,
        "net": format_minor(bill.net_minor),
        "tax": format_minor(bill.tax_minor),
        "total": format_minor(bill.total_minor),
        "accrued": format_minor(bill.accrued_minor),
        "to_stock": format_minor(bill.to_stock_minor),
        "paid": format_minor(bill.paid_minor),
        "open": format_minor(bill.total_minor - bill.paid_minor),
        "lines": [
            {
                "line_no": ln.line_no,
                "kind": "order" if ln.order_line_id is not None else "expense",
                "order": order_nos.get(ols[ln.order_line_id].order_id, "") if ln.order_line_id else "",
                "order_line": ols[ln.order_line_id].line_no if ln.order_line_id else None,
                "item": items[ln.item_id].code if ln.item_id is not None else "",
                "category": ln.category,
                "department": ln.department,
                "project": ln.project,
                "description": ln.description,
                "qty": qty_text(ln.qty_e4),
                "unit_price": str(ln.unit_price),
                "tax_code": ln.tax_code,
                "net": format_minor(ln.net_minor),
                "tax": format_minor(ln.tax_minor),
                "total": format_minor(ln.total_minor),
                "accrued": format_minor(ln.accrued_minor),
                "to_stock": format_minor(ln.to_stock_minor),
            }
            for ln in bill.lines
        ],
    }
    if company is not None:
        out["vouchers"] = posting.document_vouchers(s, company, "vendor_bill", bill.id)
    return out


def get_bill(uow: UnitOfWork, company_code: str, bill_id: int) -> dict[str, Any]:
    return posting.get_document(uow, company_code, VendorBill, _bill_view, bill_id)


def list_bills(
    uow: UnitOfWork,
    company_code: str,
    *,
    status: str | None = None,
    supplier: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    return _list(
        uow,
        company_code,
        VendorBill,
        _bill_view,
        status=status,
        supplier=supplier,
        date_from=date_from,
        date_to=date_to,
        limit=limit,
    )


def preview_bill(uow: UnitOfWork, company_code: str, bill_id: int) -> dict[str, Any]:
    """The voucher posting this bill would make (the estimate cleared and the stock share depend on
    the order lines and stock pools now, so the real posting is run and thrown away)."""
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        s = uow.session
        bill = _load(s, VendorBill, company, bill_id)
        if bill.status != "draft":
            return {
                "event": "vendor_bill.posted",
                "posted": posting.document_vouchers(s, company, "vendor_bill", bill.id),
            }
        errors: list[dict[str, Any]] = []
        result: list[dict[str, Any]] = []
        try:
            _post_bill(uow, company, bill)
            s.flush()
            result = posting.document_vouchers(s, company, "vendor_bill", bill.id)
        except YecaiError as exc:
            errors = [exc.to_dict("en")]
        finally:
            s.rollback()
        return {
            "event": "vendor_bill.posted",
            "rule_version": result[0]["rule_version"] if result else None,
            "lines": result[0]["lines"] if result else [],
            "errors": errors,
        }


# --- payments ------------------------------------------------------------------------------------


def _supplier_open(s: Session, company_id: int, supplier_id: int) -> int:
    billed = s.execute(
        select(func.sum(VendorBill.total_minor)).where(
            VendorBill.company_id == company_id,
            VendorBill.supplier_id == supplier_id,
            VendorBill.status == "posted",
        )
    ).scalar_one()
    paid = s.execute(
        select(func.sum(PurchasePayment.amount_minor)).where(
            PurchasePayment.company_id == company_id,
            PurchasePayment.supplier_id == supplier_id,
            PurchasePayment.status == "posted",
        )
    ).scalar_one()
    return int(billed or 0) - int(paid or 0)


# 付款 is the cashier's (出纳) work as much as the accountant's; the voucher it posts is reviewed
# like any other.
PAYMENT_PERMS = (Perm.VOUCHER_CREATE, Perm.CASH_MANAGE)


def create_payment(
    uow: UnitOfWork,
    company_code: str,
    *,
    supplier: str,
    day: date,
    amount: str | Decimal,
    bill_id: int | None = None,
    method: str = "bank",
) -> dict[str, Any]:
    """付款: posted at once (the payable against bank or cash), against a bill or the supplier's
    open billed balance; never more than is open (prepayments, 预付, are not here yet)."""
    amount_minor = to_minor(amount)
    if amount_minor <= 0:
        raise domain.InvalidPaymentAmount(amount=amount, field="amount")
    if method not in domain.PAYMENT_METHODS:
        raise domain.InvalidMethod(value=method, field="method")
    with uow:
        company = uow.company(company_code, PAYMENT_PERMS)
        s = uow.session
        sup = s.execute(
            select(Supplier)
            .where(Supplier.company_id == company.id, Supplier.code == supplier)
            .with_for_update()
        ).scalar_one_or_none()
        if sup is None:
            sup = md.supplier_by_code(s, company.id, supplier)  # raises the usual NotFound
        bill = None
        if bill_id is not None:
            bill = _load(s, VendorBill, company, bill_id, lines=False, for_update=True)
            if bill.supplier_id != sup.id or bill.status != "posted":
                raise DocumentWrongState(doc=bill.no, status=bill.status, action="pay against", field="bill")
            open_minor = bill.total_minor - bill.paid_minor
            what = bill.no
        else:
            open_minor = _supplier_open(s, company.id, sup.id)
            what = sup.code
        if amount_minor > open_minor:
            raise domain.PaymentExceedsOpen(
                amount=format_minor(amount_minor), what=what, open=format_minor(open_minor), field="amount"
            )
        if bill is not None:
            bill.paid_minor += amount_minor
        p = PurchasePayment(
            company_id=company.id,
            no=posting.next_document_no(s, company.id, "purchase_payment", "PP", day.year),
            date=day,
            supplier_id=sup.id,
            bill_id=bill.id if bill else None,
            method=method,
            amount_minor=amount_minor,
            status="posted",
        )
        s.add(p)
        s.flush()
        snapshot = {
            "doc": {"no": p.no, "date": day.isoformat(), "type": "purchase_payment"},
            "supplier": _party(sup),
            "payment": {"method": method},
            "amounts": {"amount": amount_minor},
            "lines": [],
        }
        posting.post_event(
            uow,
            company,
            "purchase_payment.posted",
            snapshot,
            source_id=p.id,
            audit="purchase_payment.create",
            payload={"amount": format_minor(amount_minor), "bill": bill.no if bill else None},
            after={"no": p.no, "amount": format_minor(amount_minor)},
        )
        uow.commit()
        return _payment_view(s, p, company=company)


def _payment_view(s: Session, p: PurchasePayment, *, company: Company | None = None) -> dict[str, Any]:
    sup = s.get(Supplier, p.supplier_id)
    bill = s.get(VendorBill, p.bill_id) if p.bill_id else None
    out: dict[str, Any] = {
        "id": p.id,
        "no": p.no,
        "date": p.date.isoformat(),
        "supplier": sup.code if sup else "",
        "bill": bill.no if bill else None,
        "method": p.method,
        "amount": format_minor(p.amount_minor),
        "status": p.status,
    }
    if company is not None:
        out["vouchers"] = posting.document_vouchers(s, company, "purchase_payment", p.id)
    return out


def get_payment(uow: UnitOfWork, company_code: str, payment_id: int) -> dict[str, Any]:
    return posting.get_document(uow, company_code, PurchasePayment, _payment_view, payment_id, lines=False)


def list_payments(
    uow: UnitOfWork,
    company_code: str,
    *,
    status: str | None = None,
    supplier: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    return _list(
        uow,
        company_code,
        PurchasePayment,
        _payment_view,
        status=status,
        supplier=supplier,
        date_from=date_from,
        date_to=date_to,
        limit=limit,
    )


# --- purchase returns ----------------------------------------------------------------------------


def create_return(
    uow: UnitOfWork,
    company_code: str,
    *,
    receipt_id: int,
    day: date,
    lines: Sequence[tuple[int, str | Decimal]] | None = None,
) -> dict[str, Any]:
    """采购退货 of goods received and not yet billed: lines (receipt line no, qty), or everything
    returnable. Stock leaves at the receipt's cost and the estimate (暂估) is reversed; goods
    already billed need a red bill (红字发票), which is not here yet."""
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_CREATE)
        s = uow.session
        r = _load(s, PurchaseReceipt, company, receipt_id, for_update=True)
        if r.status != "posted":
            raise DocumentWrongState(doc=r.no, status=r.status, action="return from", field="receipt")
        _load(s, PurchaseOrder, company, r.order_id, for_update=True)  # bills of the order wait
        order_lines = _order_lines(s, [ln.order_line_id for ln in r.lines])
        by_no = {ln.line_no: ln for ln in r.lines}

        def returnable(rl: PurchaseReceiptLine) -> int:
            ol = order_lines[rl.order_line_id]
            return min(rl.qty_e4 - rl.returned_e4, ol.received_e4 - ol.billed_e4)

        wanted: list[tuple[PurchaseReceiptLine, int]] = []
        if lines is None:
            wanted = [(rl, returnable(rl)) for rl in r.lines if returnable(rl) > 0]
        else:
            for i, (line_no, qty) in enumerate(lines, start=1):
                rl = by_no.get(int(line_no))
                if rl is None:
                    raise NotFound(what="receipt line", key=f"{r.no}/{line_no}", field=f"lines[{i}].line_no")
                wanted.append((rl, to_qty_e4(qty, f"lines[{i}].qty")))
        if not wanted:
            raise domain.NothingToDo(action="return", doc=r.no)
        wh = s.get(Warehouse, r.warehouse_id)
        sup = s.get(Supplier, r.supplier_id)
        assert wh is not None and sup is not None
        items = _items(s, [rl.item_id for rl, _q in wanted])
        ret = PurchaseReturn(
            company_id=company.id,
            no=posting.next_document_no(s, company.id, "purchase_return", "PR", day.year),
            date=day,
            receipt_id=r.id,
            supplier_id=r.supplier_id,
            warehouse_id=r.warehouse_id,
            status="posted",
        )
        s.add(ret)
        s.flush()
        snap_lines = []
        for i, (rl, qty) in enumerate(wanted, start=1):
            remaining = returnable(rl)
            if qty > remaining:
                raise domain.OverReturn(
                    receipt=r.no,
                    line=rl.line_no,
                    qty=qty_text(qty),
                    remaining=qty_text(remaining),
                    field="qty",
                )
            cost = domain.return_cost(rl.cost_minor, rl.qty_e4, rl.returned_e4, qty, rl.returned_cost_minor)
            ln = PurchaseReturnLine(
                line_no=i, receipt_line_id=rl.id, item_id=rl.item_id, qty_e4=qty, cost_minor=cost
            )
            ret.lines.append(ln)
            s.flush()
            item = items[rl.item_id]
            move = inventory.stock_out(
                uow,
                company,
                item,
                wh,
                qty,
                day,
                source_type="purchase_return",
                source_id=ret.id,
                source_line_id=ln.id,
            )
            issued = -move.value_minor
            s.flush()  # the pool is re-read from the database (no autoflush)
            left = inventory.pool_of(uow, company, item, wh)
            stock = domain.return_stock_value(cost, issued, left.qty_e4, left.value_minor)
            if stock != issued:
                s.flush()
                inventory.revalue(
                    uow,
                    company,
                    item,
                    wh,
                    issued - stock,
                    day,
                    source_type="purchase_return",
                    source_id=ret.id,
                    source_line_id=ln.id,
                )
            rl.returned_e4 += qty
            rl.returned_cost_minor += cost
            ol = order_lines[rl.order_line_id]
            ol.received_e4 -= qty
            ol.accrued_minor -= cost
            snap_lines.append(
                {"line": {"no": i}, "item": _item(item), "amounts": {"cost": cost, "stock": stock}}
            )
        ret.cost_minor = sum(ln.cost_minor for ln in ret.lines)
        snapshot = {
            "doc": {"no": ret.no, "date": day.isoformat(), "type": "purchase_return"},
            "supplier": _party(sup),
            "warehouse": {"code": wh.code, "name": wh.name},
            "amounts": {
                "cost": ret.cost_minor,
                "stock": sum(int(sl["amounts"]["stock"]) for sl in snap_lines),
            },
            "lines": snap_lines,
        }
        posting.post_event(
            uow,
            company,
            "purchase_return.posted",
            snapshot,
            source_id=ret.id,
            audit="purchase_return.create",
            payload={"cost": format_minor(ret.cost_minor)},
            after={"no": ret.no, "receipt": r.no, "cost": format_minor(ret.cost_minor)},
        )
        uow.commit()
        return _return_view(s, ret, company=company)


def _return_view(s: Session, ret: PurchaseReturn, *, company: Company | None = None) -> dict[str, Any]:
    items = _items(s, [ln.item_id for ln in ret.lines])
    sup, wh, r = (
        s.get(Supplier, ret.supplier_id),
        s.get(Warehouse, ret.warehouse_id),
        s.get(PurchaseReceipt, ret.receipt_id),
    )
    receipt_lines = {ln.id: ln.line_no for ln in r.lines} if r else {}
    out: dict[str, Any] = {
        "id": ret.id,
        "no": ret.no,
        "date": ret.date.isoformat(),
        "receipt": r.no if r else "",
        "supplier": sup.code if sup else "",
        "warehouse": wh.code if wh else "",
        "status": ret.status,
        "cost": format_minor(ret.cost_minor),
        "lines": [
            {
                "line_no": ln.line_no,
                "receipt_line": receipt_lines.get(ln.receipt_line_id),
                "item": items[ln.item_id].code,
                "qty": qty_text(ln.qty_e4),
                "cost": format_minor(ln.cost_minor),
            }
            for ln in ret.lines
        ],
    }
    if company is not None:
        out["vouchers"] = posting.document_vouchers(s, company, "purchase_return", ret.id)
    return out


def get_return(uow: UnitOfWork, company_code: str, return_id: int) -> dict[str, Any]:
    return posting.get_document(uow, company_code, PurchaseReturn, _return_view, return_id)


def list_returns(
    uow: UnitOfWork,
    company_code: str,
    *,
    status: str | None = None,
    supplier: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    return _list(
        uow,
        company_code,
        PurchaseReturn,
        _return_view,
        status=status,
        supplier=supplier,
        date_from=date_from,
        date_to=date_to,
        limit=limit,
    )


# --- subledger (for checks and reports) ----------------------------------------------------------


def payables_by_supplier(s: Session, company_id: int) -> dict[str, int]:
    """The documents' view of 2202 per supplier code, in fen, credit positive: the estimate still
    open (receipts − returns − what bills cleared), plus posted bills, minus payments; the
    inventory module's own stock receipts (入库单) credit 2202 too and count as received."""
    out: dict[str, int] = {}

    def add(rows: Any, sign: int) -> None:
        for code, amount in rows:
            out[code] = out.get(code, 0) + sign * int(amount or 0)

    def by_supplier(model: Any, column: Any, status: str) -> Any:
        return s.execute(
            select(Supplier.code, func.sum(column))
            .join(Supplier, Supplier.id == model.supplier_id)
            .where(model.company_id == company_id, model.status == status)
            .group_by(Supplier.code)
        ).all()

    add(by_supplier(PurchaseReceipt, PurchaseReceipt.cost_minor, "posted"), 1)
    add(by_supplier(PurchaseReturn, PurchaseReturn.cost_minor, "posted"), -1)
    add(by_supplier(VendorBill, VendorBill.total_minor - VendorBill.accrued_minor, "posted"), 1)
    add(by_supplier(PurchasePayment, PurchasePayment.amount_minor, "posted"), -1)
    add(by_supplier(StockReceipt, StockReceipt.total_minor, "posted"), 1)
    return out


def ap_balances(uow: UnitOfWork, company_code: str, *, period: str | None = None) -> list[dict[str, Any]]:
    """往来余额表 of suppliers on 2202 for one period (default: the company's latest): opening, the
    period's debits and credits, closing — balances payable (credit) positive, in fen."""
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        if period is None:
            last = uow.session.execute(
                select(func.max(PeriodRow.period)).where(PeriodRow.company_id == company.id)
            ).scalar_one()
            period = str(Period.from_int(last or company.start_period))
        rows = reports.dimension_balances(uow, company_code, AP_ACCOUNT, "supplier", period, period)
    out = []
    for r in rows:
        opening = int(r["opening_credit"]) - int(r["opening_debit"])
        closing = int(r["closing_credit"]) - int(r["closing_debit"])
        out.append(
            {
                "supplier": r["code"],
                "name": r["name"],
                "period": str(Period.parse(period)),
                "opening": opening,
                "period_debit": int(r["period_debit"]),
                "period_credit": int(r["period_credit"]),
                "closing": closing,
            }
        )
    return out
