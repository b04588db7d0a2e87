"""Random receipts, deliveries, transfers and counts on random days (so many are back-dated),
under both costing methods: after every step the stock valuation equals 1403 + 1405 in the
ledger to the fen, each pool equals the sum of its moves, and stock never goes negative where
the company forbids it."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.inventory.books import Books, setup_books
from yecai.checks.service import run_checks
from yecai.inventory import documents
from yecai.inventory import service as inventory
from yecai.inventory.domain import NegativeStock, TransferCycle
from yecai.inventory.models import StockBalance, StockMove
from yecai.ledger.models import Company
from yecai.store.db import Database
from yecai.store.uow import Actor

ITEMS = st.sampled_from(["A", "R"])
WAREHOUSES = st.sampled_from(["W1", "W2"])
DAYS = st.integers(1, 28).map(lambda d: date(2025, 3, d))
QTY = st.integers(1, 12).map(str)

OPS = st.one_of(
    st.tuples(
        st.just("receive"),
        ITEMS,
        WAREHOUSES,
        DAYS,
        QTY,
        st.integers(0, 300_000).map(lambda f: f"{f // 100}.{f % 100:02d}"),
    ),
    st.tuples(st.just("deliver"), ITEMS, WAREHOUSES, DAYS, QTY),
    st.tuples(st.just("transfer"), ITEMS, WAREHOUSES, DAYS, QTY),
    st.tuples(st.just("count"), ITEMS, WAREHOUSES, DAYS, st.integers(0, 15).map(str)),
)


def _apply(b: Books, op: tuple) -> None:
    kind, item, wh, day = op[:4]
    try:
        if kind == "receive":
            b.receive(day.isoformat(), item, op[4], op[5], wh=wh)
        elif kind == "deliver":
            b.deliver(day.isoformat(), item, op[4], wh=wh)
        elif kind == "transfer":
            other = "W2" if wh == "W1" else "W1"
            documents.create_transfer(
                b.uow(), b.company, from_warehouse=wh, to_warehouse=other, day=day, lines=[(item, op[4])]
            )
        else:
            documents.create_count(b.uow(), b.company, warehouse=wh, day=day, lines=[(item, op[4])])
    except (NegativeStock, TransferCycle):
        pass  # refused as a whole: nothing was written


def _pools_hold(b: Books, *, allow_negative: bool) -> None:
    with b.uow() as u:
        s = u.session
        company = s.execute(select(Company).where(Company.code == b.company)).scalar_one()
        moves = s.execute(
            select(StockMove).where(StockMove.company_id == company.id).order_by(StockMove.date, StockMove.id)
        ).scalars()
        running: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
        for m in moves:
            r = running[(m.item_id, m.warehouse_id)]
            r[0] += m.qty_e4
            r[1] += m.value_minor
            assert allow_negative or r[0] >= 0, "negative stock where the company forbids it"
        pools = {
            (p.item_id, p.warehouse_id): [p.qty_e4, p.value_minor]
            for p in s.execute(select(StockBalance).where(StockBalance.company_id == company.id)).scalars()
        }
        assert {k: v for k, v in pools.items() if v != [0, 0]} == {
            k: v for k, v in running.items() if v != [0, 0]
        }


@settings(
    max_examples=6,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    costing=st.sampled_from(["moving_average", "monthly_average"]),
    allow_negative=st.booleans(),
    ops=st.lists(OPS, min_size=1, max_size=10),
)
def test_valuation_equals_the_ledger_after_any_sequence(
    db: Database, admin: Actor, costing: str, allow_negative: bool, ops: list[tuple]
) -> None:
    b = setup_books(db, admin, costing=costing, allow_negative=allow_negative)
    for op in ops:
        _apply(b, op)
        assert inventory.stock_valuation(b.uow(), b.company)["total_minor"] == b.inventory_accounts()
        _pools_hold(b, allow_negative=allow_negative)
    if costing == "monthly_average":
        inventory.run_month_end_costing(b.uow(), b.company, "2025-03")
        assert inventory.stock_valuation(b.uow(), b.company)["total_minor"] == b.inventory_accounts()
        _pools_hold(b, allow_negative=allow_negative)
    assert run_checks(b.uow(), b.company) == []
