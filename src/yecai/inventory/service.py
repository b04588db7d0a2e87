"""Inventory use cases: company settings, stock in / out at moving average (called inside the
document's command), stock receipts (入库单) posted through the rules, on-hand and valuation."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, selectinload

from yecai.core.errors import FieldRequired, NotFound
from yecai.core.money import format_minor, to_minor
from yecai.core.periods import Period
from yecai.inventory import domain
from yecai.inventory.domain import (
    CostingMethodLocked,
    CostLayer,
    CostPending,
    InvalidCost,
    NegativeStock,
    NotMonthEndCosting,
    TransferCycle,
    qty_text,
    to_qty_e4,
)
from yecai.inventory.models import (
    StockBalance,
    StockMove,
    StockReceipt,
    StockReceiptLine,
    StockRevaluation,
    StockRevaluationLine,
)
from yecai.ledger.closing import register_pre_close_check
from yecai.ledger.models import Company
from yecai.ledger.service import LedgerIndex
from yecai.masterdata import service as md
from yecai.masterdata.models import Item, Supplier, Warehouse
from yecai.posting import service as posting
from yecai.posting.domain import DocumentWrongState
from yecai.security.domain import Perm
from yecai.store.uow import UnitOfWork

SOURCE_RECEIPT = "stock_receipt"
SOURCE_TRANSFER = "stock_transfer"
SOURCE_COUNT = "stock_count"
SOURCE_REVALUATION = "stock_revaluation"
BACK_DATED = "back_dated"
MONTH_END = "month_end"
LINES_MAX = 500


@dataclass(frozen=True)
class InventorySettings:
    costing: str = "moving_average"
    allow_negative: bool = False


def settings_of(company: Company) -> InventorySettings:
    raw = json.loads(company.settings_json or "{}").get("inventory", {})
    return InventorySettings(
        costing=raw.get("costing", "moving_average"), allow_negative=bool(raw.get("allow_negative", False))
    )


def set_settings(
    uow: UnitOfWork, company_code: str, *, allow_negative: bool | None = None, costing: str | None = None
) -> dict[str, Any]:
    if costing is not None and costing not in domain.COSTING_METHODS:
        raise domain.InvalidCostingMethod(
            value=costing, available=", ".join(domain.COSTING_METHODS), field="costing"
        )
    with uow:
        company = uow.company(company_code, Perm.COMPANY_MANAGE)
        settings = json.loads(company.settings_json or "{}")
        inv = dict(settings.get("inventory", {}))
        before = dict(inv)
        if costing is not None and costing != inv.get("costing", domain.MOVING_AVERAGE):
            moved = uow.session.execute(
                select(func.count()).select_from(StockMove).where(StockMove.company_id == company.id)
            ).scalar_one()
            if moved:
                raise CostingMethodLocked(count=int(moved), field="costing")
        if allow_negative is not None:
            inv["allow_negative"] = allow_negative
        if costing is not None:
            inv["costing"] = costing
        settings["inventory"] = inv
        company.settings_json = json.dumps(settings, ensure_ascii=False, sort_keys=True)
        uow.audit(
            "inventory.settings", "company", company.code, company_id=company.id, before=before, after=inv
        )
        uow.commit()
    return inv


# --- stock moves (inside a command) ------------------------------------------------------------
#
# Every move goes through ``_record``: it checks the period, locks the pool of its item and
# warehouse, and either appends (the usual case: nothing later on the books) or, when the move
# is back-dated before later moves of the same item and warehouse, replays that pool from the
# move's date (moving average) — rewriting only those moves — and posts the cost differences of
# the moves it re-valued as a revaluation document (never editing posted vouchers). A re-valued
# transfer-out carries its new cost to its transfer-in, whose pool is replayed in turn.
# Under month-end costing, issues, gains and transfer-ins wait for the month's cost run; a new
# move marks the not-fixed moves of its pool from its month on as pending again.


def _pool(s: Session, company_id: int, item_id: int, warehouse_id: int) -> StockBalance:
    # Sessions don't autoflush, and the re-read below (populate_existing) would drop unflushed
    # changes to this pool made earlier in the same command (two lines of one item …).
    s.flush()
    # One statement creates the pool if missing, locks it (ON CONFLICT DO UPDATE takes the row
    # lock an UPDATE takes, held to commit: concurrent moves of the pool wait) and reads it back.
    dialect = s.get_bind().dialect.name
    stmt = _POOL_UPSERT.get(dialect)
    if stmt is None:
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        ins = insert(StockBalance).values(
            company_id=bindparam("company_id"),
            item_id=bindparam("item_id"),
            warehouse_id=bindparam("warehouse_id"),
            qty_e4=0,
            value_minor=0,
        )
        stmt = _POOL_UPSERT[dialect] = ins.on_conflict_do_update(
            index_elements=["company_id", "item_id", "warehouse_id"],
            set_={"qty_e4": StockBalance.qty_e4 + ins.excluded.qty_e4},
        ).returning(StockBalance)
    keys = {"company_id": company_id, "item_id": item_id, "warehouse_id": warehouse_id}
    return s.scalars(stmt, keys, execution_options={"populate_existing": True}).one()


# Built once (bound parameters): see posting.service on why.
_POOL_UPSERT: dict[str, Any] = {}
_IN_POOL = (
    StockMove.company_id == bindparam("company_id"),
    StockMove.item_id == bindparam("item_id"),
    StockMove.warehouse_id == bindparam("warehouse_id"),
)
_MOVE_AFTER_DAY = select(StockMove.id).where(*_IN_POOL, StockMove.date > bindparam("day")).limit(1)
_LATER_MOVE = (
    select(StockMove.id)
    .where(
        *_IN_POOL,
        (StockMove.date > bindparam("day"))
        | ((StockMove.date == bindparam("day")) & (StockMove.id > bindparam("move_id"))),
    )
    .limit(1)
)


def _check_period_open(s: Session, company: Company, day: date) -> None:
    posting.check_date_open(s, company, day)


def _key(m: StockMove) -> Any:
    return (StockMove.date > m.date) | ((StockMove.date == m.date) & (StockMove.id > m.id))


def _same_pool(company_id: int, item_id: int, warehouse_id: int) -> tuple[Any, ...]:
    return (
        StockMove.company_id == company_id,
        StockMove.item_id == item_id,
        StockMove.warehouse_id == warehouse_id,
    )


@dataclass
class _Change:
    move: StockMove
    before_minor: int
    after_minor: int


def _negative(s: Session, item_id: int, warehouse_id: int, on_hand: int, needed: int) -> NegativeStock:
    item, wh = s.get(Item, item_id), s.get(Warehouse, warehouse_id)
    return NegativeStock(
        item=f"{item.code} {item.name}" if item else item_id,
        warehouse=wh.code if wh else warehouse_id,
        on_hand=qty_text(on_hand),
        needed=qty_text(needed),
        field="qty",
    )


def _record(
    uow: UnitOfWork,
    company: Company,
    item: Item,
    warehouse: Warehouse,
    qty_e4: int,
    value_minor: int,
    day: date,
    *,
    valuation: str,
    source_type: str,
    source_id: int,
    source_line_id: int | None = None,
    peer_move_id: int | None = None,
) -> StockMove:
    s = uow.session
    _check_period_open(s, company, day)
    settings = settings_of(company)
    monthly = settings.costing == domain.MONTHLY_AVERAGE
    pool = _pool(s, company.id, item.id, warehouse.id)
    pending = monthly and valuation != domain.FIXED
    move = StockMove(
        company_id=company.id,
        item_id=item.id,
        warehouse_id=warehouse.id,
        date=day,
        qty_e4=qty_e4,
        value_minor=0 if pending or valuation in (domain.ISSUE, domain.GAIN) else value_minor,
        source_type=source_type,
        source_id=source_id,
        source_line_id=source_line_id,
        valuation=valuation,
        cost_pending=pending,
        peer_move_id=peer_move_id,
    )
    pool_keys = {"company_id": company.id, "item_id": item.id, "warehouse_id": warehouse.id}
    if not monthly and s.execute(_MOVE_AFTER_DAY, {**pool_keys, "day": day}).first() is None:
        # The usual case: nothing later in the pool (a new move is the last of its own date), so
        # it is valued before it is inserted, in one INSERT.
        _append(s, pool, move, allow_negative=settings.allow_negative, monthly=False)
        s.add(move)
        s.flush()
        return move
    s.add(move)
    s.flush()
    later = s.execute(_LATER_MOVE, {**pool_keys, "day": day, "move_id": move.id}).first()
    if monthly:
        _mark_pending(s, company.id, item.id, warehouse.id, Period.of(day).first_day, exclude=move.id)
    if later is None:
        _append(s, pool, move, allow_negative=settings.allow_negative, monthly=monthly)
    else:
        changes = _replay(s, company, move, allow_negative=settings.allow_negative, monthly=monthly)
        _post_revaluation(uow, company, [c for c in changes if c.move.id != move.id], reason=BACK_DATED)
    return move


def _append(s: Session, pool: StockBalance, move: StockMove, *, allow_negative: bool, monthly: bool) -> None:
    if monthly:
        if move.valuation == domain.ISSUE and not allow_negative and pool.qty_e4 + move.qty_e4 < 0:
            raise _negative(s, move.item_id, move.warehouse_id, pool.qty_e4, -move.qty_e4)
        pool.qty_e4 += move.qty_e4
        pool.value_minor += move.value_minor
    else:
        start = CostLayer(pool.qty_e4, pool.value_minor, pool.unit_cost)
        try:
            ((value, layer),) = domain.replay_moving(
                start,
                [domain.Move(move.valuation, move.qty_e4, move.value_minor)],
                allow_negative=allow_negative,
            )
        except NegativeStock:
            raise _negative(s, move.item_id, move.warehouse_id, pool.qty_e4, -move.qty_e4) from None
        move.value_minor = value
        pool.qty_e4, pool.value_minor, pool.unit_cost = layer.qty_e4, layer.value_minor, layer.unit_cost
    move.bal_qty_e4, move.bal_value_minor, move.bal_unit_cost = pool.qty_e4, pool.value_minor, pool.unit_cost


def _replay(
    s: Session, company: Company, start: StockMove, *, allow_negative: bool, monthly: bool
) -> list[_Change]:
    """Recompute the pool of ``start``'s item and warehouse from ``start`` on; returns the moves
    whose value changed (cascading through transfers). Only that pool's moves are rewritten."""
    pool = _pool(s, company.id, start.item_id, start.warehouse_id)
    where = _same_pool(company.id, start.item_id, start.warehouse_id)
    prev = s.execute(
        select(StockMove)
        .where(
            *where,
            (StockMove.date < start.date) | ((StockMove.date == start.date) & (StockMove.id < start.id)),
        )
        .order_by(StockMove.date.desc(), StockMove.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    layer = CostLayer(prev.bal_qty_e4, prev.bal_value_minor, prev.bal_unit_cost) if prev else CostLayer()
    moves = list(
        s.execute(
            select(StockMove)
            .where(*where, (StockMove.id == start.id) | _key(start))
            .order_by(StockMove.date, StockMove.id)
        ).scalars()
    )
    changes: list[_Change] = []
    if monthly:
        qty, value = layer.qty_e4, layer.value_minor
        for m in moves:
            if m.valuation == domain.ISSUE and not allow_negative and qty + m.qty_e4 < 0:
                raise _negative(s, m.item_id, m.warehouse_id, qty, -m.qty_e4)
            qty, value = qty + m.qty_e4, value + m.value_minor
            m.bal_qty_e4, m.bal_value_minor = qty, value
        pool.qty_e4, pool.value_minor = qty, value
        return changes
    try:
        results = domain.replay_moving(
            layer,
            [domain.Move(m.valuation, m.qty_e4, m.value_minor) for m in moves],
            allow_negative=allow_negative,
        )
    except NegativeStock as exc:
        i = exc.row or 0
        raise _negative(
            s, moves[i].item_id, moves[i].warehouse_id, _qty_before(layer, moves, i), -moves[i].qty_e4
        ) from None
    for m, (value, after) in zip(moves, results, strict=True):
        if value != m.value_minor:
            changes.append(_Change(m, m.value_minor, value))
            m.value_minor = value
        m.bal_qty_e4, m.bal_value_minor, m.bal_unit_cost = after.qty_e4, after.value_minor, after.unit_cost
    last = results[-1][1]
    pool.qty_e4, pool.value_minor, pool.unit_cost = last.qty_e4, last.value_minor, last.unit_cost
    for c in list(changes):
        if c.move.source_type == SOURCE_TRANSFER and c.move.valuation == domain.ISSUE:
            changes += _carry_to_transfer_in(s, company, c.move, allow_negative=allow_negative)
    return changes


def _qty_before(start: CostLayer, moves: list[StockMove], index: int) -> int:
    return start.qty_e4 + sum(m.qty_e4 for m in moves[:index])


def _carry_to_transfer_in(
    s: Session, company: Company, out: StockMove, *, allow_negative: bool
) -> list[_Change]:
    peer = s.execute(
        select(StockMove).where(StockMove.company_id == company.id, StockMove.peer_move_id == out.id)
    ).scalar_one_or_none()
    if peer is None:  # the transfer-in is being recorded right now and takes the new cost
        return []
    before = peer.value_minor
    peer.value_minor = -out.value_minor
    changes = [_Change(peer, before, peer.value_minor)]
    return changes + _replay(s, company, peer, allow_negative=allow_negative, monthly=False)


def _mark_pending(
    s: Session, company_id: int, item_id: int, warehouse_id: int, since: date, *, exclude: int
) -> None:
    """Month-end costing: a new move changes the averages of its month and of every later one."""
    s.execute(
        update(StockMove)
        .where(
            *_same_pool(company_id, item_id, warehouse_id),
            StockMove.date >= since,
            StockMove.valuation != domain.FIXED,
            StockMove.cost_pending.is_(False),
            StockMove.id != exclude,
        )
        .values(cost_pending=True)
        .execution_options(synchronize_session="fetch")
    )


def stock_in(
    uow: UnitOfWork,
    company: Company,
    item: Item,
    warehouse: Warehouse,
    qty_e4: int,
    value_minor: int,
    day: date,
    *,
    source_type: str,
    source_id: int,
    source_line_id: int | None = None,
) -> StockMove:
    """Receive stock at a given value (fen); a back-dated receipt re-costs what follows it."""
    assert qty_e4 > 0 and value_minor >= 0
    return _record(
        uow,
        company,
        item,
        warehouse,
        qty_e4,
        value_minor,
        day,
        valuation=domain.FIXED,
        source_type=source_type,
        source_id=source_id,
        source_line_id=source_line_id,
    )


def stock_out(
    uow: UnitOfWork,
    company: Company,
    item: Item,
    warehouse: Warehouse,
    qty_e4: int,
    day: date,
    *,
    source_type: str,
    source_id: int,
    source_line_id: int | None = None,
) -> StockMove:
    """Issue at the moving average as of ``day``; the move's value is minus the cost of goods
    issued. Under month-end costing the value is 0 until the month's cost run (cost pending)."""
    assert qty_e4 > 0
    return _record(
        uow,
        company,
        item,
        warehouse,
        -qty_e4,
        0,
        day,
        valuation=domain.ISSUE,
        source_type=source_type,
        source_id=source_id,
        source_line_id=source_line_id,
    )


def pool_of(uow: UnitOfWork, company: Company, item: Item, warehouse: Warehouse) -> CostLayer:
    """The cost pool of an item in a warehouse, row-locked until the command commits."""
    pool = _pool(uow.session, company.id, item.id, warehouse.id)
    return CostLayer(pool.qty_e4, pool.value_minor, pool.unit_cost)


def revalue(
    uow: UnitOfWork,
    company: Company,
    item: Item,
    warehouse: Warehouse,
    value_minor: int,
    day: date,
    *,
    source_type: str,
    source_id: int,
    source_line_id: int | None = None,
) -> StockMove:
    """Add (or take) value to the pool without moving quantity — a purchase price difference on
    goods still on hand — which re-prices the moving average (under month-end costing it counts
    with the month's receipts). Never takes the value below zero."""
    pool = _pool(uow.session, company.id, item.id, warehouse.id)
    assert pool.value_minor + value_minor >= 0, "revaluation below zero"
    return _record(
        uow,
        company,
        item,
        warehouse,
        0,
        value_minor,
        day,
        valuation=domain.FIXED,
        source_type=source_type,
        source_id=source_id,
        source_line_id=source_line_id,
    )


# --- revaluations (存货成本调整) -----------------------------------------------------------------


def _nets_to_zero(lines: list[dict[str, Any]]) -> bool:
    nets: dict[tuple[str, tuple[tuple[str, str], ...]], Decimal] = defaultdict(Decimal)
    for ln in lines:
        key = (ln["account_code"], tuple(sorted(ln["dims"].items())))
        nets[key] += Decimal(ln["debit"] or 0) - Decimal(ln["credit"] or 0)
    return all(v == 0 for v in nets.values())


def _zeroed(snapshot: dict[str, Any]) -> dict[str, Any]:
    def zero(amounts: dict[str, int]) -> dict[str, int]:
        return dict.fromkeys(amounts, 0)

    return {
        **snapshot,
        "amounts": zero(snapshot["amounts"]),
        "lines": [{**ln, "amounts": zero(ln["amounts"])} for ln in snapshot.get("lines", [])],
    }


def _post_between_warehouses(
    uow: UnitOfWork,
    company: Company,
    index: LedgerIndex,
    event: str,
    snapshot: dict[str, Any],
    *,
    source_id: int,
    payload: dict[str, Any],
) -> None:
    """Post stock moved between warehouses (see ``between_warehouses``)."""
    snapshot = between_warehouses(uow, company, event, snapshot)
    posting.post_document(uow, company, index, event, snapshot, source_id=source_id, payload=payload)


def between_warehouses(
    uow: UnitOfWork, company: Company, event: str, snapshot: dict[str, Any]
) -> dict[str, Any]:
    """The snapshot to post for stock moved between warehouses: a voucher only when the rules put
    the two warehouses on different accounts (warehouse-level inventory sub-accounts); otherwise
    every account nets to zero and the document is linked without a voucher (the moves carry it)."""
    pv = posting.preview(uow.session, company, event, snapshot)
    if not pv["errors"] and _nets_to_zero(pv["lines"]):
        return _zeroed(snapshot)
    return snapshot


def _item_fields(it: Item) -> dict[str, Any]:
    return {"code": it.code, "name": it.name, "category": it.category, "kind": it.kind, "unit": it.unit}


def _wh_fields(wh: Warehouse | None) -> dict[str, Any]:
    return {"code": wh.code, "name": wh.name} if wh else {"code": "", "name": ""}


def _post_revaluation(
    uow: UnitOfWork, company: Company, changes: list[_Change], *, reason: str, day: date | None = None
) -> list[StockRevaluation]:
    """Post value changes of existing moves, one document per date (the moves' own dates, or
    ``day``), so that the books and the stock valuation agree on every date.

    ``stock_revaluation.posted`` takes changes of issues and gains (against cost of sales, 1901
    … chosen by ``move.kind``); ``stock_revaluation.transferred`` takes changed transfers (between
    the two warehouses' accounts; no voucher when they are the same account)."""
    changes = [c for c in changes if c.before_minor != c.after_minor]
    if not changes:
        return []
    s = uow.session
    groups: dict[date, list[_Change]] = defaultdict(list)
    for c in changes:
        groups[day or c.move.date].append(c)
    items = {
        i.id: i
        for i in s.execute(select(Item).where(Item.id.in_({c.move.item_id for c in changes}))).scalars()
    }
    index = LedgerIndex(s, company, lazy_dimensions=True)
    out: list[StockRevaluation] = []
    for d, group in sorted(groups.items()):
        r = StockRevaluation(
            company_id=company.id,
            no=posting.next_document_no(s, company.id, SOURCE_REVALUATION, "TZ", d.year),
            date=d,
            reason=reason,
            total_minor=sum(c.after_minor - c.before_minor for c in group),
        )
        for i, c in enumerate(group, start=1):
            r.lines.append(
                StockRevaluationLine(
                    line_no=i, move_id=c.move.id, before_minor=c.before_minor, after_minor=c.after_minor
                )
            )
        s.add(r)
        s.flush()
        doc = {"no": r.no, "date": d.isoformat(), "type": SOURCE_REVALUATION}
        payload = {"reason": reason, "total": format_minor(r.total_minor)}
        transfers = [
            c for c in group if c.move.source_type == SOURCE_TRANSFER and c.move.valuation == domain.ISSUE
        ]
        own = [c for c in group if c.move.source_type != SOURCE_TRANSFER]
        if own:
            lines = []
            for i, c in enumerate(own, start=1):
                delta = c.after_minor - c.before_minor
                lines.append(
                    {
                        "line": {"no": i},
                        "item": _item_fields(items[c.move.item_id]),
                        "warehouse": _wh_fields(s.get(Warehouse, c.move.warehouse_id)),
                        "move": {"kind": c.move.source_type, "date": c.move.date.isoformat()},
                        "amounts": {"up": max(delta, 0), "down": max(-delta, 0)},
                    }
                )
            snapshot = {
                "doc": doc,
                "revaluation": {"reason": reason},
                "amounts": {k: sum(ln["amounts"][k] for ln in lines) for k in ("up", "down")},
                "lines": lines,
            }
            posting.post_document(
                uow, company, index, "stock_revaluation.posted", snapshot, source_id=r.id, payload=payload
            )
        if transfers or not own:
            peers = {
                m.peer_move_id: m
                for m in s.execute(
                    select(StockMove).where(
                        StockMove.company_id == company.id,
                        StockMove.peer_move_id.in_([c.move.id for c in transfers] or [0]),
                    )
                ).scalars()
            }
            lines = []
            for i, c in enumerate(transfers, start=1):
                moved = c.before_minor - c.after_minor  # more value left the source warehouse
                peer = peers.get(c.move.id)
                lines.append(
                    {
                        "line": {"no": i},
                        "item": _item_fields(items[c.move.item_id]),
                        "from_warehouse": _wh_fields(s.get(Warehouse, c.move.warehouse_id)),
                        "to_warehouse": _wh_fields(s.get(Warehouse, peer.warehouse_id) if peer else None),
                        "amounts": {"up": max(moved, 0), "down": max(-moved, 0)},
                    }
                )
            snapshot = {
                "doc": doc,
                "revaluation": {"reason": reason},
                "amounts": {k: sum(ln["amounts"][k] for ln in lines) for k in ("up", "down")},
                "lines": lines,
            }
            _post_between_warehouses(
                uow,
                company,
                index,
                "stock_revaluation.transferred",
                snapshot,
                source_id=r.id,
                payload=payload,
            )
        uow.audit(
            "stock_revaluation.post",
            SOURCE_REVALUATION,
            r.id,
            company_id=company.id,
            after={"no": r.no, "reason": reason, "moves": len(group), "total": format_minor(r.total_minor)},
        )
        out.append(r)
    return out


# --- month-end weighted average (月末一次加权) ------------------------------------------------------


def run_month_end_costing(uow: UnitOfWork, company_code: str, period: str) -> dict[str, Any]:
    """月末成本计算: value every pending move up to ``period`` at its month's weighted average,
    month by month from the earliest pending one, and post the cost of what left stock (one
    revaluation document per month, dated its last day). Re-running after a late or back-dated
    movement posts only the differences."""
    p = Period.parse(period)
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_CREATE)
        settings = settings_of(company)
        if settings.costing != domain.MONTHLY_AVERAGE:
            raise NotMonthEndCosting(company=company.code, costing=settings.costing)
        s = uow.session
        months: list[str] = []
        docs: list[StockRevaluation] = []
        while True:
            s.flush()  # no autoflush: the query must see the last month's run
            first = s.execute(
                select(func.min(StockMove.date)).where(
                    StockMove.company_id == company.id,
                    StockMove.cost_pending.is_(True),
                    StockMove.date <= p.last_day,
                )
            ).scalar_one()
            if first is None:
                break
            q = Period.of(first)
            docs += _cost_month(uow, company, q)
            months.append(str(q))
        out = {
            "company": company.code,
            "period": str(p),
            "months": months,
            "revaluations": [
                {"id": r.id, "no": r.no, "date": r.date.isoformat(), "total": format_minor(r.total_minor)}
                for r in docs
            ],
        }
        uow.audit("inventory.cost_run", "period", str(p), company_id=company.id, after=out)
        uow.commit()
    return out


def _cost_month(uow: UnitOfWork, company: Company, q: Period) -> list[StockRevaluation]:
    s = uow.session
    s.flush()  # the SQL sums below read what earlier months' runs changed
    in_month = (
        StockMove.company_id == company.id,
        StockMove.date >= q.first_day,
        StockMove.date <= q.last_day,
    )
    item_ids = sorted(
        s.execute(
            select(StockMove.item_id).where(*in_month, StockMove.cost_pending.is_(True)).distinct()
        ).scalars()
    )
    changes: list[_Change] = []
    for item_id in item_ids:
        moves = list(
            s.execute(
                select(StockMove)
                .where(*in_month, StockMove.item_id == item_id)
                .order_by(StockMove.date, StockMove.id)
            ).scalars()
        )
        opening = {
            wh: (int(qty or 0), int(value or 0))
            for wh, qty, value in s.execute(
                select(StockMove.warehouse_id, func.sum(StockMove.qty_e4), func.sum(StockMove.value_minor))
                .where(
                    StockMove.company_id == company.id,
                    StockMove.item_id == item_id,
                    StockMove.date < q.first_day,
                )
                .group_by(StockMove.warehouse_id)
            )
        }
        by_id = {m.id: m for m in moves}
        edges = {
            (by_id[m.peer_move_id].warehouse_id, m.warehouse_id)
            for m in moves
            if m.valuation == domain.TRANSFER_IN and m.peer_move_id in by_id
        }
        order = _warehouse_order(s, item_id, sorted({m.warehouse_id for m in moves}), edges, q)
        new: dict[int, int] = {}
        for wh in order:
            pool = _pool(s, company.id, item_id, wh)
            mv = [m for m in moves if m.warehouse_id == wh]
            dm = [
                domain.Move(
                    m.valuation,
                    m.qty_e4,
                    -new[m.peer_move_id]
                    if m.valuation == domain.TRANSFER_IN and m.peer_move_id in new
                    else m.value_minor,
                )
                for m in mv
            ]
            oq, ov = opening.get(wh, (0, 0))
            fallback = pool.unit_cost / domain.QTY_SCALE if pool.unit_cost is not None else None
            unit = domain.month_average(oq, ov, dm, fallback)
            values = domain.cost_month(oq, ov, dm, unit)
            delta = 0
            qty, value = oq, ov
            for m, v in zip(mv, values, strict=True):
                new[m.id] = v
                if v != m.value_minor:
                    changes.append(_Change(m, m.value_minor, v))
                    delta += v - m.value_minor
                    m.value_minor = v
                m.cost_pending = False
                qty, value = qty + m.qty_e4, value + v
                m.bal_qty_e4, m.bal_value_minor = qty, value
            pool.value_minor += delta
            if unit is not None:
                pool.unit_cost = unit * domain.QTY_SCALE
            if delta:  # later months open with a different value
                _mark_pending(s, company.id, item_id, wh, q.next().first_day, exclude=0)
    return _post_revaluation(uow, company, changes, reason=MONTH_END, day=q.last_day)


def _warehouse_order(
    s: Session, item_id: int, warehouses: list[int], edges: set[tuple[int, int]], q: Period
) -> list[int]:
    """Warehouses so that every transfer's source is costed before its target (Kahn)."""
    order: list[int] = []
    remaining = set(warehouses)
    while remaining:
        ready = sorted(w for w in remaining if not any(b == w and a in remaining for a, b in edges))
        if not ready:  # refused when the transfer was made; kept as an assertion of that rule
            a, b = next((a, b) for a, b in edges if a in remaining and b in remaining)
            item = s.get(Item, item_id)
            wa, wb = s.get(Warehouse, a), s.get(Warehouse, b)
            raise TransferCycle(
                item=item.code if item else item_id,
                source=wa.code if wa else a,
                target=wb.code if wb else b,
                period=str(q),
            )
        order += ready
        remaining -= set(ready)
    return order


def pending_costing(s: Session, company: Company, p: Period) -> CostPending | None:
    """The refusal closing ``p`` meets while moves up to it wait for the month-end cost run."""
    count, first = s.execute(
        select(func.count(), func.min(StockMove.date)).where(
            StockMove.company_id == company.id,
            StockMove.cost_pending.is_(True),
            StockMove.date <= p.last_day,
        )
    ).one()
    if not count:
        return None
    return CostPending(
        count=int(count),
        period=str(p),
        first=first.isoformat() if hasattr(first, "isoformat") else str(first),
        field="period",
    )


register_pre_close_check(pending_costing)


# --- stock valuation (库存余额表) ------------------------------------------------------------------

VALUATION_COLUMNS = ["item_code", "item_name", "warehouse_code", "unit", "quantity", "amount", "unit_cost"]


def stock_valuation(
    uow: UnitOfWork,
    company_code: str,
    *,
    period: str | None = None,
    day: date | None = None,
    warehouse: str | None = None,
) -> dict[str, Any]:
    """库存余额表: quantity, amount and average unit cost per item and warehouse, now or at the
    end of a period / a date (the sum of the moves up to then), with the total."""
    cutoff = day or (Period.parse(period).last_day if period else None)
    with uow:
        company = uow.company(company_code, Perm.REPORT_VIEW)
        s = uow.session
        if cutoff is None:
            base = select(
                StockBalance.item_id,
                StockBalance.warehouse_id,
                StockBalance.qty_e4.label("qty"),
                StockBalance.value_minor.label("value"),
            ).where(StockBalance.company_id == company.id)
        else:
            base = (
                select(
                    StockMove.item_id,
                    StockMove.warehouse_id,
                    func.sum(StockMove.qty_e4).label("qty"),
                    func.sum(StockMove.value_minor).label("value"),
                )
                .where(StockMove.company_id == company.id, StockMove.date <= cutoff)
                .group_by(StockMove.item_id, StockMove.warehouse_id)
            )
        sub = base.subquery()
        q = (
            select(Item.code, Item.name, Warehouse.code, Item.unit, sub.c.qty, sub.c.value)
            .join(Item, Item.id == sub.c.item_id)
            .join(Warehouse, Warehouse.id == sub.c.warehouse_id)
        )
        if warehouse:
            md.warehouse_by_code(s, company.id, warehouse)
            q = q.where(Warehouse.code == warehouse)
        rows = s.execute(q.order_by(Item.code, Warehouse.code)).all()
        cur = company.base_currency
    out_rows = []
    total_qty = total = 0
    for code, name, wh, unit, qty, value in rows:
        qty, value = int(qty or 0), int(value or 0)
        if not qty and not value:
            continue
        total += value
        total_qty += qty
        out_rows.append(
            {
                "item_code": code,
                "item_name": name,
                "warehouse_code": wh,
                "unit": unit,
                "quantity": qty_text(qty) if qty >= 0 else "-" + qty_text(-qty),
                "amount": format_minor(value, cur),
                "unit_cost": str((Decimal(value) * domain.QTY_SCALE / qty / 100).quantize(Decimal("0.0001")))
                if qty
                else "",
            }
        )
    return {
        "company": company_code,
        "as_of": cutoff.isoformat() if cutoff else None,
        "warehouse": warehouse,
        "rows": out_rows,
        "total_minor": total,
        "total": format_minor(total, cur),
    }


def valuation_total(s: Session, company_id: int) -> int:
    return int(
        s.execute(
            select(func.sum(StockBalance.value_minor)).where(StockBalance.company_id == company_id)
        ).scalar_one()
        or 0
    )


def on_hand(
    uow: UnitOfWork, company_code: str, *, item: str | None = None, warehouse: str | None = None
) -> list[dict[str, Any]]:
    """库存余额: quantity and value per item and warehouse (non-zero rows)."""
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        q = (
            select(
                Item.code, Item.name, Item.unit, Warehouse.code, StockBalance.qty_e4, StockBalance.value_minor
            )
            .join(Item, Item.id == StockBalance.item_id)
            .join(Warehouse, Warehouse.id == StockBalance.warehouse_id)
            .where(StockBalance.company_id == company.id)
        )
        if item:
            q = q.where(Item.code == item)
        if warehouse:
            q = q.where(Warehouse.code == warehouse)
        rows = uow.session.execute(q.order_by(Item.code, Warehouse.code)).all()
    return [
        {
            "item": code,
            "name": name,
            "unit": unit,
            "warehouse": wh,
            "qty": qty_text(qty),
            "value": format_minor(value),
            "unit_cost": str((Decimal(value) * domain.QTY_SCALE / qty / 100).quantize(Decimal("0.0001")))
            if qty
            else "",
        }
        for code, name, unit, wh, qty, value in rows
        if qty or value
    ]


# --- stock receipts (入库单) -------------------------------------------------------------------


def _receipt_snapshot(
    r: StockReceipt, supplier: Supplier, wh: Warehouse, items: dict[int, Item]
) -> dict[str, Any]:
    lines = []
    for ln in r.lines:
        it = items[ln.item_id]
        lines.append(
            {
                "line": {"no": ln.line_no},
                "item": {
                    "code": it.code,
                    "name": it.name,
                    "category": it.category,
                    "kind": it.kind,
                    "unit": it.unit,
                },
                "amounts": {"cost": ln.cost_minor},
            }
        )
    return {
        "doc": {"no": r.no, "date": r.date.isoformat(), "type": SOURCE_RECEIPT},
        "supplier": {
            "code": supplier.code,
            "name": supplier.name,
            "group": supplier.group,
            "tax_id": supplier.tax_id,
        },
        "warehouse": {"code": wh.code, "name": wh.name},
        "amounts": {"cost": sum(ln.cost_minor for ln in r.lines)},
        "lines": lines,
    }


def create_stock_receipt(
    uow: UnitOfWork,
    company_code: str,
    *,
    supplier: str,
    warehouse: str,
    day: date,
    lines: Sequence[tuple[str, str | Decimal, str | Decimal]],
    note: str = "",
    post: bool = True,
) -> dict[str, Any]:
    """入库单: lines are (item code, quantity, total cost in yuan); posted at once unless post=False."""
    if not lines:
        raise FieldRequired(field_name="lines", field="lines")
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_CREATE)
        s = uow.session
        sup = md.supplier_by_code(s, company.id, supplier)
        wh = md.warehouse_by_code(s, company.id, warehouse)
        r = StockReceipt(
            company_id=company.id,
            no=posting.next_document_no(s, company.id, SOURCE_RECEIPT, "RK", day.year),
            date=day,
            supplier_id=sup.id,
            warehouse_id=wh.id,
            note=note[:200],
        )
        for i, (code, qty, cost) in enumerate(lines[:LINES_MAX], start=1):
            it = md.item_by_code(s, company.id, code, field=f"lines[{i}].item")
            cost_minor = to_minor(cost)
            if cost_minor < 0:
                raise InvalidCost(value=cost, field=f"lines[{i}].cost", row=i)
            r.lines.append(
                StockReceiptLine(
                    line_no=i, item_id=it.id, qty_e4=to_qty_e4(qty, f"lines[{i}].qty"), cost_minor=cost_minor
                )
            )
        r.total_minor = sum(ln.cost_minor for ln in r.lines)
        s.add(r)
        s.flush()
        uow.audit("stock_receipt.create", SOURCE_RECEIPT, r.id, company_id=company.id, after={"no": r.no})
        if post:
            _post_receipt(uow, company, r)
        uow.commit()
        return _receipt_view(s, company, r)


def post_stock_receipt(uow: UnitOfWork, company_code: str, receipt_id: int) -> dict[str, Any]:
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_CREATE)
        r = _load_receipt(uow.session, company, receipt_id, for_update=True)
        _post_receipt(uow, company, r)
        uow.commit()
        return _receipt_view(uow.session, company, r)


def _post_receipt(uow: UnitOfWork, company: Company, r: StockReceipt) -> None:
    if r.status != "draft":
        raise DocumentWrongState(doc=r.no, status=r.status, action="post", field="status")
    s = uow.session
    items = {
        i.id: i for i in s.execute(select(Item).where(Item.id.in_([ln.item_id for ln in r.lines]))).scalars()
    }
    wh = s.get(Warehouse, r.warehouse_id)
    sup = s.get(Supplier, r.supplier_id)
    assert wh is not None and sup is not None
    for ln in r.lines:
        stock_in(
            uow,
            company,
            items[ln.item_id],
            wh,
            ln.qty_e4,
            ln.cost_minor,
            r.date,
            source_type=SOURCE_RECEIPT,
            source_id=r.id,
            source_line_id=ln.id,
        )
    r.status = "posted"
    posting.post_event(
        uow,
        company,
        "stock_receipt.posted",
        _receipt_snapshot(r, sup, wh, items),
        source_id=r.id,
        audit="stock_receipt.post",
        payload={"total": format_minor(r.total_minor)},
        before={"status": "draft"},
        after={"status": "posted"},
    )


def _load_receipt(s: Session, company: Company, receipt_id: int, *, for_update: bool = False) -> StockReceipt:
    q = (
        select(StockReceipt)
        .options(selectinload(StockReceipt.lines))
        .where(StockReceipt.company_id == company.id, StockReceipt.id == receipt_id)
    )
    if for_update:
        q = q.with_for_update()
    r = s.execute(q).scalar_one_or_none()
    if r is None:
        raise NotFound(what="stock receipt", key=receipt_id, field="id")
    return r


def _receipt_view(s: Session, company: Company, r: StockReceipt, *, vouchers: bool = True) -> dict[str, Any]:
    items = {
        i.id: i for i in s.execute(select(Item).where(Item.id.in_([ln.item_id for ln in r.lines]))).scalars()
    }
    sup = s.get(Supplier, r.supplier_id)
    wh = s.get(Warehouse, r.warehouse_id)
    out: dict[str, Any] = {
        "id": r.id,
        "no": r.no,
        "date": r.date.isoformat(),
        "supplier": sup.code if sup else "",
        "warehouse": wh.code if wh else "",
        "status": r.status,
        "total": format_minor(r.total_minor),
        "lines": [
            {
                "line_no": ln.line_no,
                "item": items[ln.item_id].code,
                "qty": qty_text(ln.qty_e4),
                "cost": format_minor(ln.cost_minor),
            }
            for ln in r.lines
        ],
    }
    if vouchers:
        out["vouchers"] = posting.document_vouchers(s, company, SOURCE_RECEIPT, r.id)
    return out


def get_stock_receipt(uow: UnitOfWork, company_code: str, receipt_id: int) -> dict[str, Any]:
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        return _receipt_view(uow.session, company, _load_receipt(uow.session, company, receipt_id))


def list_stock_receipts(
    uow: UnitOfWork,
    company_code: str,
    *,
    status: str | None = None,
    supplier: str | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        s = uow.session
        q = (
            select(StockReceipt)
            .options(selectinload(StockReceipt.lines))
            .where(StockReceipt.company_id == company.id)
        )
        if status:
            q = q.where(StockReceipt.status == status)
        if supplier:
            q = q.join(Supplier, Supplier.id == StockReceipt.supplier_id).where(Supplier.code == supplier)
        rows = s.execute(q.order_by(StockReceipt.id).limit(max(1, min(limit, 1000)))).scalars().all()
        return [_receipt_view(s, company, r, vouchers=False) for r in rows]


def preview_stock_receipt(uow: UnitOfWork, company_code: str, receipt_id: int) -> dict[str, Any]:
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        s = uow.session
        r = _load_receipt(s, company, receipt_id)
        items = {
            i.id: i
            for i in s.execute(select(Item).where(Item.id.in_([ln.item_id for ln in r.lines]))).scalars()
        }
        sup, wh = s.get(Supplier, r.supplier_id), s.get(Warehouse, r.warehouse_id)
        assert sup is not None and wh is not None
        return posting.preview(s, company, "stock_receipt.posted", _receipt_snapshot(r, sup, wh, items))
