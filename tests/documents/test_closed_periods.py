"""Every document state change with a date is refused in a closed period with the named error —
also those that post no voucher (nothing there for the ledger to refuse) — and nothing is written."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from tests.sales.books import setup_books
from yecai.inventory import documents as stock_docs
from yecai.inventory.models import StockCount
from yecai.ledger import closing
from yecai.ledger.service import PeriodClosed
from yecai.posting.models import DocumentVoucher
from yecai.store.db import Database
from yecai.store.uow import Actor

D = date.fromisoformat


def test_a_stock_count_without_differences_into_a_closed_period_is_refused(
    db: Database, admin: Actor
) -> None:
    b = setup_books(db, admin)  # 20 of item A received in March
    closing.close_period(b.uow(), b.company, "2025-01")
    with db.session() as s:
        before = s.execute(select(func.count(DocumentVoucher.id))).scalar_one()
    # nothing on hand on 31 January and nothing counted: no gain, no loss, no voucher
    with pytest.raises(PeriodClosed) as exc:
        stock_docs.create_count(b.uow(), b.company, warehouse="W1", day=D("2025-01-31"), lines=[("A", "0")])
    assert exc.value.field == "date" and "2025-01" in str(exc.value)
    with db.session() as s:
        assert s.execute(select(func.count(DocumentVoucher.id))).scalar_one() == before
        assert (
            s.execute(
                select(func.count(StockCount.id)).where(StockCount.date == D("2025-01-31"))
            ).scalar_one()
            == 0
        )
    # the same count in an open period is confirmed
    out = stock_docs.create_count(b.uow(), b.company, warehouse="W1", day=D("2025-02-28"), lines=[("A", "0")])
    assert out["status"] == "confirmed"
