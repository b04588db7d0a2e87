"""The ledger index documents post with is reused (per transaction; the chart between commands)
but never stale, and a document's voucher view reads exactly like the ledger's own view."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tests.sales.books import setup_books
from yecai.ledger import service as ledger
from yecai.ledger.domain import AccountDisabled, AccountNotLeaf
from yecai.ledger.models import Company, Voucher
from yecai.posting import service as posting
from yecai.posting.models import DocumentVoucher
from yecai.sales import service as sales
from yecai.store.db import Database
from yecai.store.uow import Actor

D = date.fromisoformat


def _sale(b, customer: str = "C1", day: str = "2025-03-10") -> dict:  # type: ignore[no-untyped-def]
    o = sales.create_order(
        b.uow(),
        b.company,
        customer=customer,
        day=D(day),
        lines=[{"item": "A", "qty": "2", "unit_price": "113"}],
    )
    sales.create_delivery(b.uow(), b.company, order_id=o["id"], day=D(day), warehouse="W1")
    return sales.create_invoice(b.uow(), b.company, customer=customer, day=D(day), orders=[o["id"]])


def test_document_voucher_view_reads_like_the_ledgers_view(db: Database, admin: Actor) -> None:
    b = setup_books(db, admin)
    inv = _sale(b)
    fresh = inv["vouchers"]  # built from what the command just wrote
    with db.session() as s:  # and from a cold session
        company = s.execute(select(Company).where(Company.code == b.company)).scalar_one()
        cold = posting.document_vouchers(s, company, "sales_invoice", inv["id"])
        link = s.execute(
            select(DocumentVoucher).where(DocumentVoucher.voucher_id == fresh[0]["voucher_id"])
        ).scalar_one()
        row = s.execute(
            select(Voucher).options(selectinload(Voucher.lines)).where(Voucher.id == link.voucher_id)
        ).scalar_one()
        (view,) = ledger.voucher_views(s, company, [row], users={})
    assert fresh == cold
    assert [{k: v for k, v in ln.items() if k != "rule"} for ln in cold[0]["lines"]] == [
        asdict(ln) for ln in view.lines
    ]
    assert (cold[0]["voucher_no"], cold[0]["period"], cold[0]["total"]) == (
        view.voucher_no,
        view.period,
        view.total,
    )
    assert [ln["dims"] for ln in cold[0]["lines"]][0] == {"customer": "C1"}


def test_a_changed_chart_is_never_served_from_the_cache(db: Database, admin: Actor) -> None:
    b = setup_books(db, admin)
    _sale(b)  # the chart is now cached
    ledger.set_account_enabled(b.uow(), b.company, "6001", False)
    with pytest.raises(AccountDisabled):
        _sale(b, day="2025-03-11")
    ledger.set_account_enabled(b.uow(), b.company, "6001", True)
    inv = _sale(b, day="2025-03-12")
    assert [ln["account_code"] for ln in inv["vouchers"][0]["lines"]] == ["1122", "6001", "22210102"]
    ledger.add_account(b.uow(), b.company, code="100101", name="库存现金-总部", parent_code="1001")
    # 1001 now has a sub-account: a cash receipt to it is refused as with a freshly built index
    with pytest.raises(AccountNotLeaf):
        sales.create_receipt(
            b.uow(), b.company, customer="C1", day=D("2025-03-13"), amount="10", method="cash"
        )


def test_one_index_per_transaction(db: Database, admin: Actor) -> None:
    b = setup_books(db, admin)
    with db.session() as s:
        company = s.execute(select(Company).where(Company.code == b.company)).scalar_one()
        first = posting.ledger_index(s, company)
        assert posting.ledger_index(s, company) is first
    with db.session() as s2:
        company = s2.execute(select(Company).where(Company.code == b.company)).scalar_one()
        second = posting.ledger_index(s2, company)
        assert second is not first and second.session is s2
        assert second.accounts is first.accounts  # the unchanged chart is shared
