"""Inventory documents: transfers between warehouses (调拨单) and stock counts (盘点单).

Transfers: each line leaves the source warehouse at its cost (an ``issue``) and enters the target
at the same value (a ``transfer_in`` paired with it), so the company's stock value is unchanged
and nothing touches profit and loss. The transfer posts ``stock_transfer.posted``; with the
default rules both warehouses keep stock on the same account (1403 / 1405), every account nets
to zero and the transfer is linked without a voucher — only the moves record it. A company that
keeps warehouse-level inventory sub-accounts (e.g. 140501 成品库, 140502 门店) edits the rule to
choose the account by ``from_warehouse.code`` / ``to_warehouse.code`` and then gets a voucher.

Stock counts: counted quantities of one warehouse on a date. Confirming books each difference
against the quantity on the books on that date: a gain (盘盈) enters at the pool's current cost,
a loss (盘亏) leaves at it, and ``stock_count.confirmed`` posts them to 1901 待处理财产损溢.
Processing (审批处理) then moves 1901 on by ``stock_count.processed``: gains reduce 管理费用,
losses go to 管理费用 (cause ``management``) or 6711 营业外支出 (cause ``abnormal``).
Under month-end costing the count's moves are valued by the cost run (which posts them to 1901
through ``stock_revaluation.posted``), so processing waits for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from yecai.core.errors import FieldRequired, NotFound, YecaiError
from yecai.core.money import format_minor
from yecai.core.periods import Period
from yecai.inventory import domain
from yecai.inventory import service as inv
from yecai.inventory.domain import (
    CostPending,
    TransferCycle,
    TransferSameWarehouse,
    counted_qty_e4,
    qty_text,
    to_qty_e4,
)
from yecai.inventory.models import (
    StockCount,
    StockCountLine,
    StockMove,
    StockTransfer,
    StockTransferLine,
)
from yecai.ledger.models import Company
from yecai.masterdata import service as md
from yecai.masterdata.models import Item, Warehouse
from yecai.posting import service as posting
from yecai.posting.domain import DocumentWrongState
from yecai.security.domain import Perm
from yecai.store.uow import UnitOfWork

LINES_MAX = 500
CAUSES = ("management", "abnormal")


class InvalidCause(YecaiError):
    code = "inventory.invalid_cause"
    template = "Cause {value!r} is not one of {allowed}"


def _items(s: Session, ids: Sequence[int]) -> dict[int, Item]:
    return {i.id: i for i in s.execute(select(Item).where(Item.id.in_(set(ids)))).scalars()}


# --- transfers (调拨单) ----------------------------------------------------------------------------


def create_transfer(
    uow: UnitOfWork,
    company_code: str,
    *,
    from_warehouse: str,
    to_warehouse: str,
    day: date,
    lines: Sequence[tuple[str, str | Decimal]],
    note: str = "",
) -> dict[str, Any]:
    """调拨单: lines (item code, quantity), moved and posted at once."""
    if not lines:
        raise FieldRequired(field_name="lines", field="lines")
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_CREATE)
        s = uow.session
        src = md.warehouse_by_code(s, company.id, from_warehouse, field="from_warehouse")
        dst = md.warehouse_by_code(s, company.id, to_warehouse, field="to_warehouse")
        if src.id == dst.id:
            raise TransferSameWarehouse(warehouse=src.code, field="to_warehouse")
        t = StockTransfer(
            company_id=company.id,
            no=posting.next_document_no(s, company.id, inv.SOURCE_TRANSFER, "DB", day.year),
            date=day,
            from_warehouse_id=src.id,
            to_warehouse_id=dst.id,
            note=note[:200],
        )
        for i, (code, qty) in enumerate(lines[:LINES_MAX], start=1):
            it = md.item_by_code(s, company.id, code, field=f"lines[{i}].item")
            t.lines.append(
                StockTransferLine(line_no=i, item_id=it.id, qty_e4=to_qty_e4(qty, f"lines[{i}].qty"))
            )
        s.add(t)
        s.flush()
        items = _items(s, [ln.item_id for ln in t.lines])
        monthly = inv.settings_of(company).costing == domain.MONTHLY_AVERAGE
        costs: list[int] = []
        for ln in t.lines:
            item = items[ln.item_id]
            if monthly:
                _refuse_cycle(s, company, item, src, dst, day)
            out = inv._record(
                uow,
                company,
                item,
                src,
                -ln.qty_e4,
                0,
                day,
                valuation=domain.ISSUE,
                source_type=inv.SOURCE_TRANSFER,
                source_id=t.id,
                source_line_id=ln.id,
            )
            inv._record(
                uow,
                company,
                item,
                dst,
                ln.qty_e4,
                -out.value_minor,
                day,
                valuation=domain.TRANSFER_IN,
                source_type=inv.SOURCE_TRANSFER,
                source_id=t.id,
                source_line_id=ln.id,
                peer_move_id=out.id,
            )
            ln.out_move_id = out.id
            costs.append(-out.value_minor)
        snapshot = {
            "doc": {"no": t.no, "date": day.isoformat(), "type": inv.SOURCE_TRANSFER},
            "from_warehouse": {"code": src.code, "name": src.name},
            "to_warehouse": {"code": dst.code, "name": dst.name},
            "amounts": {"cost": sum(costs)},
            "lines": [
                {
                    "line": {"no": ln.line_no},
                    "item": inv._item_fields(items[ln.item_id]),
                    "amounts": {"cost": c},
                }
                for ln, c in zip(t.lines, costs, strict=True)
            ],
        }
        posting.post_event(
            uow,
            company,
            "stock_transfer.posted",
            inv.between_warehouses(uow, company, "stock_transfer.posted", snapshot),
            source_id=t.id,
            audit="stock_transfer.post",
            payload={"cost": format_minor(sum(costs))},
            after={"no": t.no, "from": src.code, "to": dst.code, "cost": format_minor(sum(costs))},
        )
        uow.commit()
        return _transfer_view(s, company, t)


def _refuse_cycle(
    s: Session, company: Company, item: Item, src: Warehouse, dst: Warehouse, day: date
) -> None:
    """Month-end costing values a transfer at its source's average, which must not depend on
    the target's: within a month, one item's transfers must not go round in a circle."""
    p = Period.of(day)
    rows = s.execute(
        select(StockMove.warehouse_id, StockMove.peer_move_id).where(
            StockMove.company_id == company.id,
            StockMove.item_id == item.id,
            StockMove.valuation == domain.TRANSFER_IN,
            StockMove.date >= p.first_day,
            StockMove.date <= p.last_day,
        )
    ).all()
    sources = {
        m.id: m.warehouse_id
        for m in s.execute(select(StockMove).where(StockMove.id.in_([r[1] for r in rows] or [0]))).scalars()
    }
    edges = {(sources[peer], wh) for wh, peer in rows if peer in sources}
    seen, todo = set(), [dst.id]
    while todo:  # is there already a way from the target back to the source?
        w = todo.pop()
        if w == src.id:
            raise TransferCycle(
                item=item.code, source=src.code, target=dst.code, period=str(p), field="lines"
            )
        if w not in seen:
            seen.add(w)
            todo += [b for a, b in edges if a == w]


def _transfer_view(
    s: Session, company: Company, t: StockTransfer, *, vouchers: bool = True
) -> dict[str, Any]:
    items = _items(s, [ln.item_id for ln in t.lines])
    costs = {
        m.id: -m.value_minor
        for m in s.execute(
            select(StockMove).where(
                StockMove.id.in_([ln.out_move_id for ln in t.lines if ln.out_move_id] or [0])
            )
        ).scalars()
    }
    src, dst = s.get(Warehouse, t.from_warehouse_id), s.get(Warehouse, t.to_warehouse_id)
    out: dict[str, Any] = {
        "id": t.id,
        "no": t.no,
        "date": t.date.isoformat(),
        "from_warehouse": src.code if src else "",
        "to_warehouse": dst.code if dst else "",
        "status": t.status,
        "cost": format_minor(sum(costs.values())),
        "lines": [
            {
                "line_no": ln.line_no,
                "item": items[ln.item_id].code,
                "qty": qty_text(ln.qty_e4),
                "cost": format_minor(costs.get(ln.out_move_id or 0, 0)),
            }
            for ln in t.lines
        ],
    }
    if vouchers:
        out["vouchers"] = posting.document_vouchers(s, company, inv.SOURCE_TRANSFER, t.id)
    return out


def get_transfer(uow: UnitOfWork, company_code: str, transfer_id: int) -> dict[str, Any]:
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        t = uow.session.execute(
            select(StockTransfer)
            .options(selectinload(StockTransfer.lines))
            .where(StockTransfer.company_id == company.id, StockTransfer.id == transfer_id)
        ).scalar_one_or_none()
        if t is None:
            raise NotFound(what="stock transfer", key=transfer_id, field="id")
        return _transfer_view(uow.session, company, t)


def list_transfers(uow: UnitOfWork, company_code: str, *, limit: int = 200) -> list[dict[str, Any]]:
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        rows = (
            uow.session.execute(
                select(StockTransfer)
                .options(selectinload(StockTransfer.lines))
                .where(StockTransfer.company_id == company.id)
                .order_by(StockTransfer.id)
                .limit(max(1, min(limit, 1000)))
            )
            .scalars()
            .all()
        )
        return [_transfer_view(uow.session, company, t, vouchers=False) for t in rows]


# --- stock counts (盘点单) -------------------------------------------------------------------------


def create_count(
    uow: UnitOfWork,
    company_code: str,
    *,
    warehouse: str,
    day: date,
    lines: Sequence[tuple[str, str | Decimal]],
    note: str = "",
    confirm: bool = True,
) -> dict[str, Any]:
    """盘点单: lines (item code, counted quantity, zero allowed); confirmed at once unless
    confirm=False. Items not listed are not counted (a partial count)."""
    if not lines:
        raise FieldRequired(field_name="lines", field="lines")
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_CREATE)
        s = uow.session
        wh = md.warehouse_by_code(s, company.id, warehouse)
        c = StockCount(
            company_id=company.id,
            no=posting.next_document_no(s, company.id, inv.SOURCE_COUNT, "PD", day.year),
            date=day,
            warehouse_id=wh.id,
            note=note[:200],
        )
        for i, (code, counted) in enumerate(lines[:LINES_MAX], start=1):
            it = md.item_by_code(s, company.id, code, field=f"lines[{i}].item")
            c.lines.append(
                StockCountLine(
                    line_no=i, item_id=it.id, counted_e4=counted_qty_e4(counted, f"lines[{i}].counted")
                )
            )
        s.add(c)
        s.flush()
        uow.audit("stock_count.create", inv.SOURCE_COUNT, c.id, company_id=company.id, after={"no": c.no})
        if confirm:
            _confirm(uow, company, c)
        uow.commit()
        return _count_view(s, company, c)


def confirm_count(uow: UnitOfWork, company_code: str, count_id: int) -> dict[str, Any]:
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_CREATE)
        c = _load_count(uow.session, company, count_id, for_update=True)
        _confirm(uow, company, c)
        uow.commit()
        return _count_view(uow.session, company, c)


def _confirm(uow: UnitOfWork, company: Company, c: StockCount) -> None:
    if c.status != "draft":
        raise DocumentWrongState(doc=c.no, status=c.status, action="confirm", field="status")
    s = uow.session
    wh = s.get(Warehouse, c.warehouse_id)
    assert wh is not None
    items = _items(s, [ln.item_id for ln in c.lines])
    snap_lines = []
    for ln in c.lines:
        inv._pool(s, company.id, ln.item_id, wh.id)  # lock the pool before reading it
        ln.book_e4 = int(
            s.execute(
                select(func.coalesce(func.sum(StockMove.qty_e4), 0)).where(
                    *inv._same_pool(company.id, ln.item_id, wh.id), StockMove.date <= c.date
                )
            ).scalar_one()
        )
        diff = ln.counted_e4 - ln.book_e4
        if diff == 0:
            continue
        move = inv._record(
            uow,
            company,
            items[ln.item_id],
            wh,
            diff,
            0,
            c.date,
            valuation=domain.GAIN if diff > 0 else domain.ISSUE,
            source_type=inv.SOURCE_COUNT,
            source_id=c.id,
            source_line_id=ln.id,
        )
        ln.move_id = move.id
        snap_lines.append(
            {
                "line": {"no": ln.line_no},
                "item": inv._item_fields(items[ln.item_id]),
                "amounts": {"gain": max(move.value_minor, 0), "loss": max(-move.value_minor, 0)},
            }
        )
    c.status = "confirmed"
    snapshot: dict[str, Any] = {
        "doc": {"no": c.no, "date": c.date.isoformat(), "type": inv.SOURCE_COUNT},
        "warehouse": {"code": wh.code, "name": wh.name},
        "amounts": {k: sum(ln["amounts"][k] for ln in snap_lines) for k in ("gain", "loss")},
        "lines": snap_lines,
    }
    posting.post_event(
        uow,
        company,
        "stock_count.confirmed",
        snapshot,
        source_id=c.id,
        audit="stock_count.confirm",
        payload={k: format_minor(v) for k, v in snapshot["amounts"].items()},
        before={"status": "draft"},
        after={"status": "confirmed", **{k: format_minor(v) for k, v in snapshot["amounts"].items()}},
    )


def _count_moves(s: Session, c: StockCount) -> list[StockMove]:
    ids = [ln.move_id for ln in c.lines if ln.move_id]
    return list(s.execute(select(StockMove).where(StockMove.id.in_(ids or [0]))).scalars())


def process_count(
    uow: UnitOfWork,
    company_code: str,
    count_id: int,
    *,
    day: date | None = None,
    cause: str = "management",
    department: str | None = None,
) -> dict[str, Any]:
    """处理盘盈盘亏 (after approval): 1901 → 管理费用 (gains reduce it; losses of cause
    ``management`` add to it) or 6711 营业外支出 (losses of cause ``abnormal``), per the rules.
    管理费用 is kept per department, so gains and management losses need ``department``."""
    if cause not in CAUSES:
        raise InvalidCause(value=cause, allowed=", ".join(CAUSES), field="cause")
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_CREATE)
        s = uow.session
        c = _load_count(s, company, count_id, for_update=True)
        if c.status != "confirmed" or c.processed:
            status = "processed" if c.processed else c.status
            raise DocumentWrongState(doc=c.no, status=status, action="process", field="status")
        moves = _count_moves(s, c)
        pending = [m for m in moves if m.cost_pending]
        if pending:
            raise CostPending(
                count=len(pending), period=str(Period.of(c.date)), first=c.date.isoformat(), field="id"
            )
        gain = sum(m.value_minor for m in moves if m.value_minor > 0)
        loss = -sum(m.value_minor for m in moves if m.value_minor < 0)
        if (gain or (loss and cause == "management")) and not department:
            raise FieldRequired(field_name="department", field="department")
        when = day or c.date
        wh = s.get(Warehouse, c.warehouse_id)
        snapshot: dict[str, Any] = {
            "doc": {"no": c.no, "date": when.isoformat(), "type": inv.SOURCE_COUNT},
            "warehouse": {"code": wh.code if wh else "", "name": wh.name if wh else ""},
            "department": {"code": department or ""},
            "count": {"cause": cause},
            "amounts": {
                "gain": gain,
                "loss_normal": loss if cause == "management" else 0,
                "loss_abnormal": loss if cause == "abnormal" else 0,
            },
            "lines": [],
        }
        c.processed = True
        c.processed_date = when
        posting.post_event(
            uow,
            company,
            "stock_count.processed",
            snapshot,
            source_id=c.id,
            audit="stock_count.process",
            payload={"gain": format_minor(gain), "loss": format_minor(loss), "cause": cause},
            before={"processed": False},
            after={"processed": True, "cause": cause, "gain": format_minor(gain), "loss": format_minor(loss)},
        )
        uow.commit()
        return _count_view(s, company, c)


def _load_count(s: Session, company: Company, count_id: int, *, for_update: bool = False) -> StockCount:
    q = (
        select(StockCount)
        .options(selectinload(StockCount.lines))
        .where(StockCount.company_id == company.id, StockCount.id == count_id)
    )
    if for_update:
        q = q.with_for_update()
    c = s.execute(q).scalar_one_or_none()
    if c is None:
        raise NotFound(what="stock count", key=count_id, field="id")
    return c


def _count_view(s: Session, company: Company, c: StockCount, *, vouchers: bool = True) -> dict[str, Any]:
    items = _items(s, [ln.item_id for ln in c.lines])
    values = {m.id: m for m in _count_moves(s, c)}
    wh = s.get(Warehouse, c.warehouse_id)
    out: dict[str, Any] = {
        "id": c.id,
        "no": c.no,
        "date": c.date.isoformat(),
        "warehouse": wh.code if wh else "",
        "status": c.status,
        "processed": c.processed,
        "lines": [
            {
                "line_no": ln.line_no,
                "item": items[ln.item_id].code,
                "counted": qty_text(ln.counted_e4),
                "book": qty_text(ln.book_e4) if ln.book_e4 >= 0 else "-" + qty_text(-ln.book_e4),
                "difference": _signed_qty(ln.counted_e4 - ln.book_e4) if c.status == "confirmed" else "",
                "value": format_minor(values[ln.move_id].value_minor) if ln.move_id in values else "0.00",
                "cost_pending": bool(ln.move_id in values and values[ln.move_id].cost_pending),
            }
            for ln in c.lines
        ],
    }
    if vouchers:
        out["vouchers"] = posting.document_vouchers(s, company, inv.SOURCE_COUNT, c.id)
    return out


def _signed_qty(qty_e4: int) -> str:
    return qty_text(qty_e4) if qty_e4 >= 0 else "-" + qty_text(-qty_e4)


def get_count(uow: UnitOfWork, company_code: str, count_id: int) -> dict[str, Any]:
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        return _count_view(uow.session, company, _load_count(uow.session, company, count_id))


def list_counts(uow: UnitOfWork, company_code: str, *, limit: int = 200) -> list[dict[str, Any]]:
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        rows = (
            uow.session.execute(
                select(StockCount)
                .options(selectinload(StockCount.lines))
                .where(StockCount.company_id == company.id)
                .order_by(StockCount.id)
                .limit(max(1, min(limit, 1000)))
            )
            .scalars()
            .all()
        )
        return [_count_view(uow.session, company, c, vouchers=False) for c in rows]
