"""Sales returns (销售退货) and red credit notes (红字发票), posted at once through the rules.

* A return is made against a confirmed delivery: the goods come back into stock at the cost the
  delivery took them out at (its share of the delivery line's cost; the last return of a line
  takes exactly what is left), cost of sales is reversed (``sales_return.posted``: Dr 1405 /
  Cr 6401 under the default rules) and the order line's delivered quantity goes down, so the
  returned goods are neither invoiced nor counted as delivered (a replacement may be delivered).
* A credit note is made against a posted invoice, line by line (quantity at the invoice's price
  and tax code; the last credit of a line takes exactly what is left of its net, tax and total):
  ``sales_credit_note.posted`` writes the invoice's receivable, revenue and output VAT in red.
  What is credited can't exceed what was invoiced minus what was credited before, and it reduces
  what is open on the invoice for receipts. It does not touch the order: the invoice stays the
  record of what was billed, the credit note of what was taken back.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yecai.core.errors import NotFound
from yecai.core.money import format_minor
from yecai.inventory import service as inventory
from yecai.inventory.domain import qty_text, to_qty_e4
from yecai.ledger.models import Company
from yecai.masterdata import service as md
from yecai.masterdata.models import Customer, Warehouse
from yecai.posting import service as posting
from yecai.posting.domain import DocumentWrongState
from yecai.sales import domain
from yecai.sales import service as sales
from yecai.sales.models import SalesDelivery, SalesDeliveryLine, SalesInvoice, SalesOrder
from yecai.sales.models_returns import SalesCreditNote, SalesCreditNoteLine, SalesReturn, SalesReturnLine
from yecai.sales.returns_domain import OverCredit, OverReturn, ReturnQuantityInvalid, share
from yecai.security.domain import Perm
from yecai.store.uow import UnitOfWork

REASON_MAX = 200


def _wanted(
    doc_no: str,
    by_no: dict[int, Any],
    lines: Sequence[tuple[int, str | Decimal]] | None,
    remaining: Any,
    what: str,
) -> list[tuple[Any, int]]:
    if lines is None:
        return [(ln, remaining(ln)) for ln in by_no.values() if remaining(ln) > 0]
    out = []
    for i, (line_no, qty) in enumerate(lines, start=1):
        ln = by_no.get(int(line_no))
        if ln is None:
            raise NotFound(what=what, key=f"{doc_no}/{line_no}", field=f"lines[{i}].line_no")
        q = to_qty_e4(qty, f"lines[{i}].qty")
        if q <= 0:
            raise ReturnQuantityInvalid(qty=qty, field=f"lines[{i}].qty")
        out.append((ln, q))
    return out


# --- returns -------------------------------------------------------------------------------------


def _returned(s: Session, delivery_line_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """delivery line id → (quantity, cost) already returned."""
    if not delivery_line_ids:
        return {}
    rows = s.execute(
        select(
            SalesReturnLine.delivery_line_id,
            func.sum(SalesReturnLine.qty_e4),
            func.sum(SalesReturnLine.cost_minor),
        )
        .join(SalesReturn, SalesReturn.id == SalesReturnLine.return_id)
        .where(SalesReturnLine.delivery_line_id.in_(delivery_line_ids), SalesReturn.status == "posted")
        .group_by(SalesReturnLine.delivery_line_id)
    )
    return {lid: (int(q or 0), int(c or 0)) for lid, q, c in rows}


def create_return(
    uow: UnitOfWork,
    company_code: str,
    *,
    delivery_id: int,
    day: date,
    lines: Sequence[tuple[int, str | Decimal]] | None = None,
    warehouse: str | None = None,
    reason: str = "",
) -> dict[str, Any]:
    """销售退货 against a confirmed delivery: lines (delivery line no, qty), or everything not yet
    returned; into the delivery's warehouse unless another is named."""
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_CREATE)
        s = uow.session
        d = sales._load(s, SalesDelivery, company, delivery_id, for_update=True)
        if d.status != "confirmed":
            raise DocumentWrongState(doc=d.no, status=d.status, action="return from", field="delivery")
        order = sales._load(s, SalesOrder, company, d.order_id, for_update=True)
        wh = md.warehouse_by_code(s, company.id, warehouse) if warehouse else s.get(Warehouse, d.warehouse_id)
        cust = s.get(Customer, d.customer_id)
        assert wh is not None and cust is not None
        done = _returned(s, [ln.id for ln in d.lines])

        def remaining(ln: SalesDeliveryLine) -> int:
            return int(ln.qty_e4) - done.get(ln.id, (0, 0))[0]

        wanted = _wanted(d.no, {ln.line_no: ln for ln in d.lines}, lines, remaining, "delivery line")
        if not wanted:
            raise domain.NothingToDo(action="return", doc=d.no)
        ret = SalesReturn(
            company_id=company.id,
            no=posting.next_document_no(s, company.id, "sales_return", "RT", day.year),
            date=day,
            delivery_id=d.id,
            customer_id=d.customer_id,
            warehouse_id=wh.id,
            status="posted",
            reason=reason.strip()[:REASON_MAX],
        )
        s.add(ret)
        s.flush()
        order_lines = {ln.id: ln for ln in order.lines}
        items = sales._items(s, [dl.item_id for dl, _q in wanted])
        snap_lines = []
        for i, (dl, qty) in enumerate(wanted, start=1):
            left = remaining(dl)
            if qty > left:
                raise OverReturn(
                    delivery=d.no, line=dl.line_no, qty=qty_text(qty), remaining=qty_text(left), field="qty"
                )
            done_qty, done_cost = done.get(dl.id, (0, 0))
            cost = share(dl.cost_minor, qty, dl.qty_e4, done_qty, done_cost)
            done[dl.id] = (done_qty + qty, done_cost + cost)
            rl = SalesReturnLine(
                line_no=i, delivery_line_id=dl.id, item_id=dl.item_id, qty_e4=qty, cost_minor=cost
            )
            ret.lines.append(rl)
            s.flush()
            item = items[dl.item_id]
            if item.kind == "stock":
                inventory.stock_in(
                    uow,
                    company,
                    item,
                    wh,
                    qty,
                    cost,
                    day,
                    source_type="sales_return",
                    source_id=ret.id,
                    source_line_id=rl.id,
                )
            ol = order_lines[dl.order_line_id]
            ol.delivered_e4 -= qty
            snap_lines.append(
                {
                    "line": {"no": i, "tax_code": ol.tax_code},
                    "item": sales._item(item),
                    "amounts": {"cost": cost},
                }
            )
        ret.cost_minor = sum(ln.cost_minor for ln in ret.lines)
        snapshot = {
            "doc": {"no": ret.no, "date": day.isoformat(), "type": "sales_return"},
            "customer": sales._party(cust),
            "warehouse": {"code": wh.code, "name": wh.name},
            "amounts": {"cost": ret.cost_minor},
            "lines": snap_lines,
        }
        posting.post_event(
            uow,
            company,
            "sales_return.posted",
            snapshot,
            source_id=ret.id,
            audit="sales_return.create",
            payload={"cost": format_minor(ret.cost_minor), "delivery": d.no},
            after={"no": ret.no, "delivery": d.no, "cost": format_minor(ret.cost_minor)},
        )
        uow.commit()
        return _return_view(s, ret, company=company)


def _return_view(s: Session, ret: SalesReturn, *, company: Company | None = None) -> dict[str, Any]:
    items = sales._items(s, [ln.item_id for ln in ret.lines])
    cust, wh, d = (
        s.get(Customer, ret.customer_id),
        s.get(Warehouse, ret.warehouse_id),
        s.get(SalesDelivery, ret.delivery_id),
    )
    delivery_lines = {ln.id: ln.line_no for ln in d.lines} if d else {}
    out: dict[str, Any] = {
        "id": ret.id,
        "no": ret.no,
        "date": ret.date.isoformat(),
        "delivery": d.no if d else "",
        "customer": cust.code if cust else "",
        "warehouse": wh.code if wh else "",
        "status": ret.status,
        "reason": ret.reason,
        "cost": format_minor(ret.cost_minor),
        "lines": [
            {
                "line_no": ln.line_no,
                "delivery_line": delivery_lines.get(ln.delivery_line_id),
                "item": items[ln.item_id].code,
                "qty": qty_text(ln.qty_e4),
                "cost": format_minor(ln.cost_minor),
            }
            for ln in ret.lines
        ],
    }
    if company is not None:
        out["vouchers"] = posting.document_vouchers(s, company, "sales_return", ret.id)
    return out


def get_return(uow: UnitOfWork, company_code: str, return_id: int) -> dict[str, Any]:
    return posting.get_document(uow, company_code, SalesReturn, _return_view, return_id)


def list_returns(
    uow: UnitOfWork,
    company_code: str,
    *,
    customer: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    return sales._list(
        uow,
        company_code,
        SalesReturn,
        _return_view,
        status=None,
        customer=customer,
        date_from=date_from,
        date_to=date_to,
        limit=limit,
    )


# --- red credit notes ----------------------------------------------------------------------------


def credited_minor(s: Session, invoice_id: int) -> int:
    """What credit notes settle of an invoice (价税合计, fen): their applications to it (a credit
    note applies to its own invoice up to what is open; see receivables.items)."""
    from yecai.receivables.models_items import ARApplication

    total = s.execute(
        select(func.sum(ARApplication.amount_minor)).where(
            ARApplication.invoice_id == invoice_id, ARApplication.source_type == "sales_credit_note"
        )
    ).scalar_one()
    return int(total or 0)


def credited_by_customer(s: Session, company_id: int) -> dict[str, int]:
    """Posted credit notes per customer code, fen (for the documents' view of AR)."""
    rows = s.execute(
        select(Customer.code, func.sum(SalesCreditNote.total_minor))
        .join(Customer, Customer.id == SalesCreditNote.customer_id)
        .where(SalesCreditNote.company_id == company_id, SalesCreditNote.status == "posted")
        .group_by(Customer.code)
    )
    return {code: int(total or 0) for code, total in rows}


def _credited_lines(s: Session, invoice_line_ids: Sequence[int]) -> dict[int, tuple[int, int, int]]:
    """invoice line id → (quantity, net, total) already credited."""
    if not invoice_line_ids:
        return {}
    rows = s.execute(
        select(
            SalesCreditNoteLine.invoice_line_id,
            func.sum(SalesCreditNoteLine.qty_e4),
            func.sum(SalesCreditNoteLine.net_minor),
            func.sum(SalesCreditNoteLine.total_minor),
        )
        .join(SalesCreditNote, SalesCreditNote.id == SalesCreditNoteLine.credit_note_id)
        .where(SalesCreditNoteLine.invoice_line_id.in_(invoice_line_ids), SalesCreditNote.status == "posted")
        .group_by(SalesCreditNoteLine.invoice_line_id)
    )
    return {lid: (int(q or 0), int(n or 0), int(t or 0)) for lid, q, n, t in rows}


def create_credit_note(
    uow: UnitOfWork,
    company_code: str,
    *,
    invoice_id: int,
    day: date,
    lines: Sequence[tuple[int, str | Decimal]] | None = None,
    reason: str = "",
) -> dict[str, Any]:
    """红字发票 against a posted invoice: lines (invoice line no, qty), or everything not yet
    credited. Posted at once; the figures are positive on the document, red on the voucher."""
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_CREATE)
        s = uow.session
        inv = sales._load(s, SalesInvoice, company, invoice_id, for_update=True)
        if inv.status != "posted":
            raise DocumentWrongState(doc=inv.no, status=inv.status, action="credit", field="invoice")
        cust = s.get(Customer, inv.customer_id)
        assert cust is not None
        done = _credited_lines(s, [ln.id for ln in inv.lines])

        def remaining(ln: Any) -> int:
            return int(ln.qty_e4) - done.get(ln.id, (0, 0, 0))[0]

        wanted = _wanted(inv.no, {ln.line_no: ln for ln in inv.lines}, lines, remaining, "invoice line")
        if not wanted:
            raise domain.NothingToDo(action="credit", doc=inv.no)
        cn = SalesCreditNote(
            company_id=company.id,
            no=posting.next_document_no(s, company.id, "sales_credit_note", "CN", day.year),
            date=day,
            invoice_id=inv.id,
            customer_id=inv.customer_id,
            status="posted",
            reason=reason.strip()[:REASON_MAX],
        )
        for i, (il, qty) in enumerate(wanted, start=1):
            left = remaining(il)
            done_qty, done_net, done_total = done.get(il.id, (0, 0, 0))
            if qty > left:
                raise OverCredit(
                    invoice=inv.no,
                    line=il.line_no,
                    qty=qty_text(qty),
                    amount=format_minor(domain.line_amount_minor(qty, il.unit_price)),
                    remaining=qty_text(left),
                    remaining_amount=format_minor(il.total_minor - done_total),
                    field="qty",
                )
            net = share(il.net_minor, qty, il.qty_e4, done_qty, done_net)
            total = share(il.total_minor, qty, il.qty_e4, done_qty, done_total)
            done[il.id] = (done_qty + qty, done_net + net, done_total + total)
            cn.lines.append(
                SalesCreditNoteLine(
                    line_no=i,
                    invoice_line_id=il.id,
                    item_id=il.item_id,
                    qty_e4=qty,
                    unit_price=il.unit_price,
                    tax_code=il.tax_code,
                    tax_rate=il.tax_rate,
                    net_minor=net,
                    tax_minor=total - net,
                    total_minor=total,
                )
            )
        cn.net_minor = sum(ln.net_minor for ln in cn.lines)
        cn.tax_minor = sum(ln.tax_minor for ln in cn.lines)
        cn.total_minor = sum(ln.total_minor for ln in cn.lines)
        s.add(cn)
        s.flush()
        from yecai.receivables.items import record_credit_note_application

        record_credit_note_application(uow, company, cn, inv)
        codes = md.ensure_tax_codes(s, company)
        items = sales._items(s, [ln.item_id for ln in cn.lines])
        snapshot = {
            "doc": {"no": cn.no, "date": day.isoformat(), "type": "sales_credit_note"},
            "customer": sales._party(cust),
            "credit_note": {"invoice_no": inv.no},
            "amounts": {"net": cn.net_minor, "tax": cn.tax_minor, "total": cn.total_minor},
            "lines": [
                {
                    "line": {"no": ln.line_no, "tax_code": ln.tax_code},
                    "item": sales._item(items[ln.item_id]),
                    "tax": {
                        "rate": str(ln.tax_rate),
                        "account": sales._tax_code(codes, ln.tax_code, "tax_code").account_code,
                    },
                    "amounts": {"net": ln.net_minor, "tax": ln.tax_minor, "total": ln.total_minor},
                }
                for ln in cn.lines
            ],
        }
        posting.post_event(
            uow,
            company,
            "sales_credit_note.posted",
            snapshot,
            source_id=cn.id,
            audit="sales_credit_note.create",
            payload={"total": format_minor(cn.total_minor), "invoice": inv.no},
            after={"no": cn.no, "invoice": inv.no, "total": format_minor(cn.total_minor)},
        )
        uow.commit()
        return _credit_note_view(s, cn, company=company)


def _credit_note_view(s: Session, cn: SalesCreditNote, *, company: Company | None = None) -> dict[str, Any]:
    items = sales._items(s, [ln.item_id for ln in cn.lines])
    cust = s.get(Customer, cn.customer_id)
    inv = s.get(SalesInvoice, cn.invoice_id)
    invoice_lines = {ln.id: ln.line_no for ln in inv.lines} if inv else {}
    out: dict[str, Any] = {
        "id": cn.id,
        "no": cn.no,
        "date": cn.date.isoformat(),
        "invoice": inv.no if inv else "",
        "customer": cust.code if cust else "",
        "status": cn.status,
        "reason": cn.reason,
        "net": format_minor(cn.net_minor),
        "tax": format_minor(cn.tax_minor),
        "total": format_minor(cn.total_minor),
        "lines": [
            {
                "line_no": ln.line_no,
                "invoice_line": invoice_lines.get(ln.invoice_line_id),
                "item": items[ln.item_id].code,
                "qty": qty_text(ln.qty_e4),
                "unit_price": str(ln.unit_price),
                "tax_code": ln.tax_code,
                "net": format_minor(ln.net_minor),
                "tax": format_minor(ln.tax_minor),
                "total": format_minor(ln.total_minor),
            }
            for ln in cn.lines
        ],
    }
    if company is not None:
        out["vouchers"] = posting.document_vouchers(s, company, "sales_credit_note", cn.id)
    return out


def get_credit_note(uow: UnitOfWork, company_code: str, credit_note_id: int) -> dict[str, Any]:
    return posting.get_document(uow, company_code, SalesCreditNote, _credit_note_view, credit_note_id)


def list_credit_notes(
    uow: UnitOfWork,
    company_code: str,
    *,
    customer: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    return sales._list(
        uow,
        company_code,
        SalesCreditNote,
        _credit_note_view,
        status=None,
        customer=customer,
        date_from=date_from,
        date_to=date_to,
        limit=limit,
    )


def find_id(uow: UnitOfWork, company_code: str, doc_type: str, ref: str) -> int:
    """Resolve an id or a number of a return or credit note."""
    model = {"sales_return": SalesReturn, "sales_credit_note": SalesCreditNote}[doc_type]
    return posting.resolve_document_id(uow, company_code, model, doc_type, ref)
