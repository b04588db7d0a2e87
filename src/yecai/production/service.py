"""Production use cases. Each state change with a financial effect posts in the same transaction:

* a material issue (领料) takes raw materials out of stock at the moving average and charges them
  to the work order: Dr 500101 生产成本—直接材料 / Cr 1403 (or 1405 for semi-finished goods);
* a cost collection (生产费用归集) charges labour (Cr 221101 应付职工薪酬—工资 → Dr 500102) or
  overhead (Cr 5101 制造费用 → Dr 500103) to one order; ``allocate_overhead`` spreads one amount
  of overhead over several orders by their labour hours (largest remainder, parts sum to the whole);
* a finished-goods receipt (完工入库) puts the product into stock at its share of the order's
  accumulated cost (see ``production.domain``): Dr 1405 / Cr 500101, 500102, 500103;
* closing the order writes whatever is still in process off to 6401 (成本差异), element by element.
  A company that wants to keep the balance as work in process leaves the order open.

Every 5001 amount carries the work order's ``project`` dimension (5001 requires one in the CAS
chart). By default each order gets its own project value, code = the order number, created in the
order's own transaction: work in process per project then *is* work in process per order, which
is what `yecai check` reconciles. An existing project can be named instead (orders for one customer
project); the check then compares the project's 5001 balance with the sum of its orders.

Production issues need moving-average costing: under the month-end average an issue's cost is only
known after the cost run, and its revaluation would land in cost of sales rather than on the order.
A back-dated stock movement that re-costs an issue already made posts its difference through the
inventory revaluation (to cost of sales), not to the order: the order keeps the cost it was charged.

If posting refuses — a closed period, negative stock, a broken rule — the state change is refused
with it and nothing is written."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from yecai.core.errors import FieldRequired, NotFound
from yecai.core.money import allocate, format_minor, to_minor
from yecai.core.periods import Period
from yecai.inventory import domain as inv_domain
from yecai.inventory import service as inventory
from yecai.inventory.domain import qty_text, to_qty_e4
from yecai.ledger import service as ledger
from yecai.ledger.models import Account, Company, DimensionValue
from yecai.ledger.service import LedgerIndex
from yecai.masterdata import service as md
from yecai.masterdata.models import Item, Warehouse
from yecai.posting import service as posting
from yecai.posting.domain import DocumentWrongState
from yecai.production import domain
from yecai.production.domain import Costs
from yecai.production.models import (
    Bom,
    BomLine,
    ProductionCost,
    ProductionIssue,
    ProductionIssueLine,
    ProductionReceipt,
    WorkOrder,
    WorkOrderLine,
)
from yecai.security.domain import Perm
from yecai.store.uow import UnitOfWork

LINES_MAX = 500
LIST_LIMIT_MAX = 1000
ALLOCATION_ORDERS_MAX = 500
WIP_ACCOUNT = "5001"
MODELS: dict[str, Any] = {
    "work_order": WorkOrder,
    "production_issue": ProductionIssue,
    "production_cost": ProductionCost,
    "production_receipt": ProductionReceipt,
}
# Which state of each document means its event was posted (for `yecai check`).
POSTED: dict[str, tuple[Any, str, str]] = {
    "production_issue": (ProductionIssue, "posted", "production_issue.posted"),
    "production_cost": (ProductionCost, "posted", "production_cost.posted"),
    "production_receipt": (ProductionReceipt, "posted", "production_receipt.posted"),
    "work_order": (WorkOrder, "closed", "work_order.closed"),
}


# --- helpers -------------------------------------------------------------------------------------


def _item(i: Item) -> dict[str, Any]:
    return {"code": i.code, "name": i.name, "category": i.category, "kind": i.kind, "unit": i.unit}


def _items(s: Session, ids: Sequence[int]) -> dict[int, Item]:
    return {i.id: i for i in s.execute(select(Item).where(Item.id.in_(set(ids)))).scalars()} if ids else {}


def _wo(o: WorkOrder) -> dict[str, Any]:
    return {"no": o.no, "project": o.project}


def _charged(o: WorkOrder) -> Costs:
    return Costs(o.material_minor, o.labour_minor, o.overhead_minor)


def _relieved(o: WorkOrder) -> Costs:
    return Costs(o.relieved_material_minor, o.relieved_labour_minor, o.relieved_overhead_minor)


def _variance(o: WorkOrder) -> Costs:
    return Costs(o.variance_material_minor, o.variance_labour_minor, o.variance_overhead_minor)


def in_process(o: WorkOrder) -> Costs:
    """What the order still holds on 5001: charged − relieved by finished goods − written off."""
    return _charged(o) - _relieved(o) - _variance(o)


def _costs_view(c: Costs) -> dict[str, str]:
    return {
        "material": format_minor(c.material),
        "labour": format_minor(c.labour),
        "overhead": format_minor(c.overhead),
        "total": format_minor(c.total),
    }


_load = posting.load_document  # by id within the company, with lines, optionally locked


def _index(s: Session, company: Company, day: date) -> LedgerIndex:
    """The command's ledger index, refusing at once a date in a period that is not open (also
    when the posting would be all zero and so make no voucher that could refuse it)."""
    index = posting.ledger_index(s, company)
    index.check_period_open(Period.of(day))
    return index


def _released(o: WorkOrder, action: str) -> None:
    if o.status != "released":
        raise DocumentWrongState(doc=o.no, status=o.status, action=action, field="work_order")


def find_document_id(uow: UnitOfWork, company_code: str, doc_type: str, ref: str) -> int:
    """Resolve an id ('12') or a document number ('WO-2025-0001')."""
    model = MODELS[doc_type]
    return posting.resolve_document_id(uow, company_code, model, doc_type, ref)


def _decimal(value: Any, field: str, error: Any) -> Decimal:
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        raise error(value=value, field=field) from None


# --- bills of materials --------------------------------------------------------------------------


def create_bom(
    uow: UnitOfWork, company_code: str, *, item: str, lines: Sequence[dict[str, Any]], note: str = ""
) -> dict[str, Any]:
    """A new BOM version for ``item`` (lines: {item, qty_per, scrap_pct}); it becomes the item's
    active BOM and the previous one is kept, inactive, for the orders made from it."""
    if not lines:
        raise FieldRequired(field_name="lines", field="lines")
    with uow:
        company = uow.company(company_code, Perm.DIMENSION_MANAGE)
        s = uow.session
        product = md.item_by_code(s, company.id, item)
        if product.kind != "stock":
            raise domain.NotAStockItem(item=product.code, field="item")
        last = s.execute(
            select(Bom.version)
            .where(Bom.company_id == company.id, Bom.item_id == product.id)
            .order_by(Bom.version.desc())
            .limit(1)
        ).scalar_one_or_none()
        bom = Bom(
            company_id=company.id,
            item_id=product.id,
            version=(last or 0) + 1,
            active=True,
            note=note[:200],
            created_by=uow.actor.username,
        )
        seen: set[int] = set()
        for i, raw in enumerate(lines[:LINES_MAX], start=1):
            comp = md.item_by_code(s, company.id, str(raw.get("item", "")), field=f"lines[{i}].item")
            if comp.id == product.id:
                raise domain.BomSelfReference(item=product.code, field=f"lines[{i}].item")
            if comp.kind != "stock":
                raise domain.NotAStockItem(item=comp.code, field=f"lines[{i}].item")
            if comp.id in seen:
                raise domain.BomDuplicateComponent(item=comp.code, field=f"lines[{i}].item")
            seen.add(comp.id)
            f_qty, f_scrap = f"lines[{i}].qty_per", f"lines[{i}].scrap_pct"
            bom.lines.append(
                BomLine(
                    line_no=i,
                    item_id=comp.id,
                    qty_per=domain.check_qty_per(
                        _decimal(raw.get("qty_per", ""), f_qty, domain.InvalidBomQuantity), f_qty
                    ),
                    scrap_pct=domain.check_scrap(
                        _decimal(raw.get("scrap_pct") or "0", f_scrap, domain.InvalidScrap), f_scrap
                    ),
                )
            )
        for old in s.execute(
            select(Bom).where(Bom.company_id == company.id, Bom.item_id == product.id, Bom.active.is_(True))
        ).scalars():
            old.active = False
        s.add(bom)
        s.flush()
        uow.audit(
            "production_bom.create",
            "production_bom",
            bom.id,
            company_id=company.id,
            after={"item": product.code, "version": bom.version, "lines": len(bom.lines)},
        )
        uow.commit()
        return _bom_view(s, bom)


def _bom_view(s: Session, b: Bom) -> dict[str, Any]:
    items = _items(s, [b.item_id, *(ln.item_id for ln in b.lines)])
    return {
        "id": b.id,
        "item": items[b.item_id].code,
        "version": b.version,
        "active": b.active,
        "note": b.note,
        "lines": [
            {
                "line_no": ln.line_no,
                "item": items[ln.item_id].code,
                "qty_per": str(ln.qty_per),
                "scrap_pct": str(ln.scrap_pct),
            }
            for ln in b.lines
        ],
    }


def list_boms(
    uow: UnitOfWork, company_code: str, *, item: str | None = None, active_only: bool = False
) -> list[dict[str, Any]]:
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        s = uow.session
        q = select(Bom).options(selectinload(Bom.lines)).where(Bom.company_id == company.id)
        if item:
            q = q.where(Bom.item_id == md.item_by_code(s, company.id, item).id)
        if active_only:
            q = q.where(Bom.active.is_(True))
        return [_bom_view(s, b) for b in s.execute(q.order_by(Bom.item_id, Bom.version)).scalars()]


def get_bom(uow: UnitOfWork, company_code: str, bom_id: int) -> dict[str, Any]:
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        return _bom_view(uow.session, _load(uow.session, Bom, company, bom_id))


# --- work orders ---------------------------------------------------------------------------------


def create_work_order(
    uow: UnitOfWork,
    company_code: str,
    *,
    item: str,
    qty: str | Decimal,
    day: date,
    project: str | None = None,
    bom_id: int | None = None,
    note: str = "",
    release: bool = True,
) -> dict[str, Any]:
    """生产工单 for ``qty`` of ``item`` from its active BOM (or ``bom_id``); released at once unless
    release=False. Without ``project`` the order gets its own project value (code = order number)."""
    qty_e4 = to_qty_e4(qty, "qty")
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_CREATE)
        s = uow.session
        product = md.item_by_code(s, company.id, item)
        if bom_id is None:
            bom = s.execute(
                select(Bom).where(
                    Bom.company_id == company.id, Bom.item_id == product.id, Bom.active.is_(True)
                )
            ).scalar_one_or_none()
            if bom is None:
                raise domain.NoActiveBom(item=product.code, field="item")
        else:
            bom = _load(s, Bom, company, bom_id, lines=False)
            if bom.item_id != product.id:
                raise NotFound(what="bill of materials", key=f"{product.code}/{bom_id}", field="bom")
        o = WorkOrder(
            company_id=company.id,
            no=posting.next_document_no(s, company.id, "work_order", "WO", day.year),
            date=day,
            item_id=product.id,
            bom_id=bom.id,
            qty_e4=qty_e4,
            project="",
            note=note[:200],
        )
        if project:
            found = s.execute(
                select(DimensionValue.id).where(
                    DimensionValue.company_id == company.id,
                    DimensionValue.dim_type == "project",
                    DimensionValue.code == project.strip(),
                    DimensionValue.enabled.is_(True),
                )
            ).scalar_one_or_none()
            if found is None:
                raise NotFound(what="project", key=project, field="project")
            o.project = project.strip()
        else:
            ledger.add_dimension_values(uow, company_code, [("project", o.no, f"{o.no} {product.name}")])
            o.project = o.no
        s.add(o)
        s.flush()
        uow.audit(
            "work_order.create",
            "work_order",
            o.id,
            company_id=company.id,
            after={"no": o.no, "item": product.code, "qty": qty_text(qty_e4), "project": o.project},
        )
        if release:
            _release(uow, company, o)
        uow.commit()
        return _order_view(s, o, company=company)


def release_work_order(uow: UnitOfWork, company_code: str, order_id: int) -> dict[str, Any]:
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_CREATE)
        o = _load(uow.session, WorkOrder, company, order_id, for_update=True)
        _release(uow, company, o)
        uow.commit()
        return _order_view(uow.session, o, company=company)


def _release(uow: UnitOfWork, company: Company, o: WorkOrder) -> None:
    """下达: the material requirements are fixed from the order's BOM."""
    if o.status != "draft":
        raise DocumentWrongState(doc=o.no, status=o.status, action="release", field="status")
    bom = _load(uow.session, Bom, company, o.bom_id)
    for ln in bom.lines:
        o.lines.append(
            WorkOrderLine(
                line_no=ln.line_no,
                item_id=ln.item_id,
                required_e4=domain.required_e4(o.qty_e4, ln.qty_per, ln.scrap_pct),
            )
        )
    o.status = "released"
    uow.session.flush()
    uow.audit(
        "work_order.release",
        "work_order",
        o.id,
        company_id=company.id,
        before={"status": "draft"},
        after={"status": "released"},
    )


def close_work_order(uow: UnitOfWork, company_code: str, order_id: int, *, day: date) -> dict[str, Any]:
    """关闭工单: what is still in process goes to 6401 as a variance (per the rules)."""
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_CREATE)
        s = uow.session
        o = _load(s, WorkOrder, company, order_id, for_update=True)
        _released(o, "close")
        index = _index(s, company, day)
        left = in_process(o)
        o.variance_material_minor += left.material
        o.variance_labour_minor += left.labour
        o.variance_overhead_minor += left.overhead
        o.status = "closed"
        o.closed_on = day
        posting.post_event(
            uow,
            company,
            "work_order.closed",
            _close_snapshot(s, o, left, day),
            source_id=o.id,
            audit="work_order.close",
            payload={"variance": format_minor(left.total)},
            before={"status": "released"},
            after={"status": "closed", "variance": format_minor(left.total)},
            index=index,
        )
        uow.commit()
        return _order_view(s, o, company=company)


def _close_snapshot(s: Session, o: WorkOrder, left: Costs, day: date) -> dict[str, Any]:
    product = s.get(Item, o.item_id)
    assert product is not None
    return {
        "doc": {"no": o.no, "date": day.isoformat(), "type": "work_order"},
        "work_order": _wo(o),
        "item": _item(product),
        "amounts": {"material": left.material, "labour": left.labour, "overhead": left.overhead},
        "lines": [],
    }


def preview_close(uow: UnitOfWork, company_code: str, order_id: int, *, day: date) -> dict[str, Any]:
    """The voucher closing the order on ``day`` would post now."""
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        s = uow.session
        o = _load(s, WorkOrder, company, order_id)
        return posting.preview(s, company, "work_order.closed", _close_snapshot(s, o, in_process(o), day))


def _order_view(s: Session, o: WorkOrder, *, company: Company | None = None) -> dict[str, Any]:
    items = _items(s, [o.item_id, *(ln.item_id for ln in o.lines)])
    bom = s.get(Bom, o.bom_id)
    out: dict[str, Any] = {
        "id": o.id,
        "no": o.no,
        "date": o.date.isoformat(),
        "item": items[o.item_id].code,
        "bom_version": bom.version if bom else None,
        "qty": qty_text(o.qty_e4),
        "received": qty_text(o.received_e4),
        "project": o.project,
        "status": o.status,
        "closed_on": o.closed_on.isoformat() if o.closed_on else None,
        "charged": _costs_view(_charged(o)),
        "relieved": _costs_view(_relieved(o)),
        "variance": _costs_view(_variance(o)),
        "in_process": _costs_view(in_process(o)),
        "lines": [
            {
                "line_no": ln.line_no,
                "item": items[ln.item_id].code,
                "required": qty_text(ln.required_e4),
                "issued": qty_text(ln.issued_e4),
            }
            for ln in o.lines
        ],
    }
    if company is not None:
        out["documents"] = {
            t: [
                {"id": d.id, "no": d.no, "date": d.date.isoformat()}
                for d in s.execute(
                    select(MODELS[t])
                    .where(MODELS[t].company_id == company.id, MODELS[t].work_order_id == o.id)
                    .order_by(MODELS[t].id)
                ).scalars()
            ]
            for t in ("production_issue", "production_cost", "production_receipt")
        }
        out["vouchers"] = posting.document_vouchers(s, company, "work_order", o.id)
    return out


def get_work_order(uow: UnitOfWork, company_code: str, order_id: int) -> dict[str, Any]:
    return posting.get_document(uow, company_code, WorkOrder, _order_view, order_id)


def _list(
    uow: UnitOfWork,
    company_code: str,
    model: Any,
    view: Any,
    *,
    status: str | None,
    work_order: str | None,
    date_from: date | None,
    date_to: date | None,
    limit: int,
    item: str | None = None,
    project: str | None = None,
) -> list[dict[str, Any]]:
    def narrow(s: Session, company: Company, q: Any) -> Any:
        if work_order:
            if model is WorkOrder:
                q = q.where(WorkOrder.no == work_order)
            else:
                q = q.join(WorkOrder, WorkOrder.id == model.work_order_id).where(WorkOrder.no == work_order)
        if item and model is WorkOrder:
            q = q.where(WorkOrder.item_id == md.item_by_code(s, company.id, item).id)
        if project and model is WorkOrder:
            q = q.where(WorkOrder.project == project)
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


def list_work_orders(
    uow: UnitOfWork,
    company_code: str,
    *,
    status: str | None = None,
    item: str | None = None,
    project: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    return _list(
        uow,
        company_code,
        WorkOrder,
        _order_view,
        status=status,
        work_order=None,
        item=item,
        project=project,
        date_from=date_from,
        date_to=date_to,
        limit=limit,
    )


# --- material issues (领料) ------------------------------------------------------------------------


def issue_materials(
    uow: UnitOfWork,
    company_code: str,
    *,
    order_id: int,
    day: date,
    warehouse: str,
    lines: Sequence[tuple[str, str | Decimal]] | None = None,
) -> dict[str, Any]:
    """领料单: lines (component item code, qty), or everything the BOM still requires. Posted at
    once: stock out at the moving average, Dr 500101 / Cr 1403 through the rules."""
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_CREATE)
        s = uow.session
        o = _load(s, WorkOrder, company, order_id, for_update=True)
        _released(o, "issue materials to")
        settings = inventory.settings_of(company)
        if settings.costing != inv_domain.MOVING_AVERAGE:
            raise domain.CostingNotSupported(company=company.code, costing=settings.costing)
        index = _index(s, company, day)
        wh = md.warehouse_by_code(s, company.id, warehouse)
        by_item = {ln.item_id: ln for ln in o.lines}
        items = _items(s, list(by_item))
        wanted: list[tuple[WorkOrderLine, int]] = []
        if lines is None:
            wanted = [(ln, ln.required_e4 - ln.issued_e4) for ln in o.lines if ln.required_e4 > ln.issued_e4]
        else:
            for i, (code, qty) in enumerate(lines[:LINES_MAX], start=1):
                comp = md.item_by_code(s, company.id, code, field=f"lines[{i}].item")
                ol = by_item.get(comp.id)
                if ol is None:
                    raise domain.NotInBom(order=o.no, item=comp.code, field=f"lines[{i}].item")
                wanted.append((ol, to_qty_e4(qty, f"lines[{i}].qty")))
        if not wanted:
            raise domain.NothingToIssue(order=o.no)
        doc = ProductionIssue(
            company_id=company.id,
            no=posting.next_document_no(s, company.id, "production_issue", "MI", day.year),
            date=day,
            work_order_id=o.id,
            warehouse_id=wh.id,
        )
        for i, (ol, want_e4) in enumerate(wanted, start=1):
            remaining = ol.required_e4 - ol.issued_e4
            if want_e4 > remaining:
                raise domain.OverIssue(
                    order=o.no,
                    item=items[ol.item_id].code,
                    qty=qty_text(want_e4),
                    remaining=qty_text(remaining),
                    field=f"lines[{i}].qty",
                )
            ol.issued_e4 += want_e4
            doc.lines.append(
                ProductionIssueLine(line_no=i, order_line_id=ol.id, item_id=ol.item_id, qty_e4=want_e4)
            )
        s.add(doc)
        s.flush()
        for ln in doc.lines:
            move = inventory.stock_out(
                uow,
                company,
                items[ln.item_id],
                wh,
                ln.qty_e4,
                day,
                source_type="production_issue",
                source_id=doc.id,
                source_line_id=ln.id,
            )
            ln.cost_minor = -move.value_minor
        doc.cost_minor = sum(ln.cost_minor for ln in doc.lines)
        o.material_minor += doc.cost_minor
        product = s.get(Item, o.item_id)
        assert product is not None
        snapshot = {
            "doc": {"no": doc.no, "date": day.isoformat(), "type": "production_issue"},
            "work_order": _wo(o),
            "product": _item(product),
            "warehouse": {"code": wh.code, "name": wh.name},
            "amounts": {"cost": doc.cost_minor},
            "lines": [
                {
                    "line": {"no": ln.line_no},
                    "item": _item(items[ln.item_id]),
                    "amounts": {"cost": ln.cost_minor},
                }
                for ln in doc.lines
            ],
        }
        posting.post_event(
            uow,
            company,
            "production_issue.posted",
            snapshot,
            source_id=doc.id,
            audit="production_issue.post",
            payload={"work_order": o.no, "cost": format_minor(doc.cost_minor)},
            after={"no": doc.no, "work_order": o.no, "cost": format_minor(doc.cost_minor)},
            index=index,
        )
        uow.commit()
        return _issue_view(s, doc, company=company)


def _issue_view(s: Session, d: ProductionIssue, *, company: Company | None = None) -> dict[str, Any]:
    items = _items(s, [ln.item_id for ln in d.lines])
    o, wh = s.get(WorkOrder, d.work_order_id), s.get(Warehouse, d.warehouse_id)
    out: dict[str, Any] = {
        "id": d.id,
        "no": d.no,
        "date": d.date.isoformat(),
        "work_order": o.no if o else "",
        "warehouse": wh.code if wh else "",
        "status": d.status,
        "cost": format_minor(d.cost_minor),
        "lines": [
            {
                "line_no": ln.line_no,
                "item": items[ln.item_id].code,
                "qty": qty_text(ln.qty_e4),
                "cost": format_minor(ln.cost_minor),
                "unit_cost": domain.unit_cost_text(ln.cost_minor, ln.qty_e4),
            }
            for ln in d.lines
        ],
    }
    if company is not None:
        out["vouchers"] = posting.document_vouchers(s, company, "production_issue", d.id)
    return out


def get_issue(uow: UnitOfWork, company_code: str, issue_id: int) -> dict[str, Any]:
    return posting.get_document(uow, company_code, ProductionIssue, _issue_view, issue_id)


def list_issues(
    uow: UnitOfWork,
    company_code: str,
    *,
    status: str | None = None,
    work_order: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    return _list(
        uow,
        company_code,
        ProductionIssue,
        _issue_view,
        status=status,
        work_order=work_order,
        date_from=date_from,
        date_to=date_to,
        limit=limit,
    )


# --- labour and overhead (生产费用归集) --------------------------------------------------------------


def _check_source_account(s: Session, company: Company, code: str) -> str:
    acc = s.execute(
        select(Account).where(Account.company_id == company.id, Account.code == code)
    ).scalar_one_or_none()
    if acc is None:
        raise NotFound(what="account", key=code, field="source_account")
    reason = ""
    if not acc.is_leaf:
        reason = "it has sub-accounts"
    elif not acc.enabled:
        reason = "it is disabled"
    elif acc.dimension_list:
        reason = f"it requires {', '.join(acc.dimension_list)}"
    elif code.startswith(WIP_ACCOUNT):
        reason = "it is work in process itself"
    if reason:
        raise domain.InvalidSourceAccount(account=code, reason=reason, field="source_account")
    return code


def collect_cost(
    uow: UnitOfWork,
    company_code: str,
    *,
    order_id: int,
    day: date,
    kind: str,
    amount: str | Decimal,
    source_account: str | None = None,
    hours: str | Decimal | None = None,
    note: str = "",
) -> dict[str, Any]:
    """Charge labour or overhead to a released order. Without ``source_account`` the rules pick the
    credit (labour 221101, overhead 5101 by default)."""
    if kind not in domain.COST_KINDS:
        raise domain.InvalidCostKind(value=kind, field="kind")
    amount_minor = to_minor(amount)
    if amount_minor <= 0:
        raise domain.InvalidCostAmount(value=amount, field="amount")
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_CREATE)
        s = uow.session
        o = _load(s, WorkOrder, company, order_id, lines=False, for_update=True)
        _released(o, "collect costs on")
        index = _index(s, company, day)
        source = _check_source_account(s, company, source_account.strip()) if source_account else ""
        doc = _collect(uow, company, index, o, day, kind, amount_minor, source, hours, note)
        uow.commit()
        return _cost_view(s, doc, company=company)


def _collect(
    uow: UnitOfWork,
    company: Company,
    index: LedgerIndex,
    o: WorkOrder,
    day: date,
    kind: str,
    amount_minor: int,
    source: str,
    hours: str | Decimal | None,
    note: str,
) -> ProductionCost:
    s = uow.session
    doc = ProductionCost(
        company_id=company.id,
        no=posting.next_document_no(s, company.id, "production_cost", "MC", day.year),
        date=day,
        work_order_id=o.id,
        kind=kind,
        source_account=source,
        amount_minor=amount_minor,
        hours=None if hours is None else Decimal(str(hours)),
        note=note[:200],
    )
    s.add(doc)
    s.flush()
    if kind == "labour":
        o.labour_minor += amount_minor
    else:
        o.overhead_minor += amount_minor
    snapshot = {
        "doc": {"no": doc.no, "date": day.isoformat(), "type": "production_cost"},
        "work_order": _wo(o),
        "cost": {"kind": kind, "source_account": source},
        "amounts": {"amount": amount_minor},
        "lines": [],
    }
    posting.post_event(
        uow,
        company,
        "production_cost.posted",
        snapshot,
        source_id=doc.id,
        audit="production_cost.post",
        payload={"work_order": o.no, "kind": kind, "amount": format_minor(amount_minor)},
        after={"no": doc.no, "work_order": o.no, "kind": kind, "amount": format_minor(amount_minor)},
        index=index,
    )
    return doc


def allocate_overhead(
    uow: UnitOfWork,
    company_code: str,
    *,
    day: date,
    amount: str | Decimal,
    hours: Sequence[tuple[int, str | Decimal]],
    source_account: str | None = None,
) -> list[dict[str, Any]]:
    """制造费用分配: spread ``amount`` over released orders in proportion to their labour hours
    (order id, hours); one cost collection per order, the parts summing exactly to the amount."""
    amount_minor = to_minor(amount)
    if amount_minor <= 0:
        raise domain.InvalidCostAmount(value=amount, field="amount")
    weights: list[tuple[int, Decimal]] = []
    for i, (oid, h) in enumerate(hours[:ALLOCATION_ORDERS_MAX], start=1):
        value = _decimal(h, f"hours[{i}]", domain.InvalidHours)
        if not value.is_finite() or value < 0:
            raise domain.InvalidHours(value=h, field=f"hours[{i}]")
        if value > 0:
            weights.append((int(oid), value))
    if not weights:
        raise domain.NothingToAllocate(field="hours")
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_CREATE)
        s = uow.session
        index = _index(s, company, day)
        source = _check_source_account(s, company, source_account.strip()) if source_account else ""
        parts = allocate(amount_minor, [w for _oid, w in weights])
        docs = []
        for (oid, h), part in zip(weights, parts, strict=True):
            o = _load(s, WorkOrder, company, oid, lines=False, for_update=True)
            _released(o, "allocate overhead to")
            if part:
                docs.append(
                    _collect(uow, company, index, o, day, "overhead", part, source, h, "overhead allocation")
                )
        uow.commit()
        return [_cost_view(s, d, company=company) for d in docs]


def _cost_view(s: Session, d: ProductionCost, *, company: Company | None = None) -> dict[str, Any]:
    o = s.get(WorkOrder, d.work_order_id)
    out: dict[str, Any] = {
        "id": d.id,
        "no": d.no,
        "date": d.date.isoformat(),
        "work_order": o.no if o else "",
        "kind": d.kind,
        "source_account": d.source_account,
        "amount": format_minor(d.amount_minor),
        "hours": str(d.hours) if d.hours is not None else "",
        "note": d.note,
        "status": d.status,
    }
    if company is not None:
        out["vouchers"] = posting.document_vouchers(s, company, "production_cost", d.id)
    return out


def get_cost(uow: UnitOfWork, company_code: str, cost_id: int) -> dict[str, Any]:
    return posting.get_document(uow, company_code, ProductionCost, _cost_view, cost_id)


def list_costs(
    uow: UnitOfWork,
    company_code: str,
    *,
    status: str | None = None,
    work_order: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    return _list(
        uow,
        company_code,
        ProductionCost,
        _cost_view,
        status=status,
        work_order=work_order,
        date_from=date_from,
        date_to=date_to,
        limit=limit,
    )


# --- finished goods (完工入库) ---------------------------------------------------------------------


def _receipt_snapshot(
    o: WorkOrder, product: Item, wh: Warehouse, no: str, day: date, share: Costs
) -> dict[str, Any]:
    return {
        "doc": {"no": no, "date": day.isoformat(), "type": "production_receipt"},
        "work_order": _wo(o),
        "item": _item(product),
        "warehouse": {"code": wh.code, "name": wh.name},
        "amounts": {"material": share.material, "labour": share.labour, "overhead": share.overhead},
        "lines": [],
    }


def _check_receivable(o: WorkOrder, qty_e4: int) -> None:
    remaining = o.qty_e4 - o.received_e4
    if qty_e4 > remaining:
        raise domain.OverReceipt(order=o.no, qty=qty_text(qty_e4), remaining=qty_text(remaining), field="qty")


def receive_finished(
    uow: UnitOfWork,
    company_code: str,
    *,
    order_id: int,
    day: date,
    warehouse: str,
    qty: str | Decimal,
) -> dict[str, Any]:
    """完工入库: ``qty`` of the product into ``warehouse`` at its share of what is in process."""
    qty_e4 = to_qty_e4(qty, "qty")
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_CREATE)
        s = uow.session
        o = _load(s, WorkOrder, company, order_id, lines=False, for_update=True)
        _released(o, "receive finished goods from")
        _check_receivable(o, qty_e4)
        index = _index(s, company, day)
        wh = md.warehouse_by_code(s, company.id, warehouse)
        product = s.get(Item, o.item_id)
        assert product is not None
        share = domain.receipt_share(in_process(o), qty_e4, o.qty_e4 - o.received_e4)
        doc = ProductionReceipt(
            company_id=company.id,
            no=posting.next_document_no(s, company.id, "production_receipt", "FG", day.year),
            date=day,
            work_order_id=o.id,
            warehouse_id=wh.id,
            qty_e4=qty_e4,
            material_minor=share.material,
            labour_minor=share.labour,
            overhead_minor=share.overhead,
        )
        s.add(doc)
        s.flush()
        inventory.stock_in(
            uow,
            company,
            product,
            wh,
            qty_e4,
            share.total,
            day,
            source_type="production_receipt",
            source_id=doc.id,
        )
        o.received_e4 += qty_e4
        o.relieved_material_minor += share.material
        o.relieved_labour_minor += share.labour
        o.relieved_overhead_minor += share.overhead
        posting.post_event(
            uow,
            company,
            "production_receipt.posted",
            _receipt_snapshot(o, product, wh, doc.no, day, share),
            source_id=doc.id,
            audit="production_receipt.post",
            payload={"work_order": o.no, "cost": format_minor(share.total)},
            after={
                "no": doc.no,
                "work_order": o.no,
                "qty": qty_text(qty_e4),
                "cost": format_minor(share.total),
            },
            index=index,
        )
        uow.commit()
        return _receipt_view(s, doc, company=company)


def preview_receipt(
    uow: UnitOfWork, company_code: str, order_id: int, *, day: date, warehouse: str, qty: str | Decimal
) -> dict[str, Any]:
    """The voucher receiving ``qty`` finished goods would post now (nothing is written)."""
    qty_e4 = to_qty_e4(qty, "qty")
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        s = uow.session
        o = _load(s, WorkOrder, company, order_id, lines=False)
        _released(o, "receive finished goods from")
        _check_receivable(o, qty_e4)
        wh = md.warehouse_by_code(s, company.id, warehouse)
        product = s.get(Item, o.item_id)
        assert product is not None
        share = domain.receipt_share(in_process(o), qty_e4, o.qty_e4 - o.received_e4)
        return posting.preview(
            s,
            company,
            "production_receipt.posted",
            _receipt_snapshot(o, product, wh, "(preview)", day, share),
        )


def _receipt_view(s: Session, d: ProductionReceipt, *, company: Company | None = None) -> dict[str, Any]:
    o, wh = s.get(WorkOrder, d.work_order_id), s.get(Warehouse, d.warehouse_id)
    product = s.get(Item, o.item_id) if o else None
    cost = Costs(d.material_minor, d.labour_minor, d.overhead_minor)
    out: dict[str, Any] = {
        "id": d.id,
        "no": d.no,
        "date": d.date.isoformat(),
        "work_order": o.no if o else "",
        "item": product.code if product else "",
        "warehouse": wh.code if wh else "",
        "qty": qty_text(d.qty_e4),
        "status": d.status,
        **{k: v for k, v in _costs_view(cost).items() if k != "total"},
        "cost": format_minor(cost.total),
        "unit_cost": domain.unit_cost_text(cost.total, d.qty_e4),
    }
    if company is not None:
        out["vouchers"] = posting.document_vouchers(s, company, "production_receipt", d.id)
    return out


def get_receipt(uow: UnitOfWork, company_code: str, receipt_id: int) -> dict[str, Any]:
    return posting.get_document(uow, company_code, ProductionReceipt, _receipt_view, receipt_id)


def list_receipts(
    uow: UnitOfWork,
    company_code: str,
    *,
    status: str | None = None,
    work_order: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    return _list(
        uow,
        company_code,
        ProductionReceipt,
        _receipt_view,
        status=status,
        work_order=work_order,
        date_from=date_from,
        date_to=date_to,
        limit=limit,
    )


# --- for checks ----------------------------------------------------------------------------------


def wip_by_project(s: Session, company_id: int) -> dict[str, int]:
    """Work in process per project as the work orders hold it (charged − relieved − variance)."""
    out: dict[str, int] = {}
    for o in s.execute(select(WorkOrder).where(WorkOrder.company_id == company_id)).scalars():
        out[o.project] = out.get(o.project, 0) + in_process(o).total
    return out
