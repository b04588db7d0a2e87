"""posting.get_document and posting.list_documents, what every document service's get_<document> and
list_<documents> are: company scoping, the filters in their order, the bounded page."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests.purchasing.books import po, setup_books
from yecai.core.errors import NotFound
from yecai.ledger.models import Company
from yecai.masterdata.models import Supplier
from yecai.posting import service as posting
from yecai.purchasing.models import PurchaseOrder, PurchasePayment
from yecai.store.db import Database
from yecai.store.uow import Actor


def _view(s: Session, o: PurchaseOrder, *, company: Company | None = None) -> dict[str, Any]:
    return {"no": o.no, "lines": len(o.lines), "company": company.code if company else None}


def test_get_document(db: Database, admin: Actor) -> None:
    b = setup_books(db, admin)
    other = setup_books(db, admin)
    mine = po(b, ("A", "2", "100"), ("R", "1", "5"))
    theirs = po(other, ("A", "1", "100"))
    got = posting.get_document(b.uow(), b.company, PurchaseOrder, _view, mine["id"])
    assert got == {"no": mine["no"], "lines": 2, "company": b.company}
    with pytest.raises(NotFound) as refused:  # another company's document is not there at all
        posting.get_document(b.uow(), b.company, PurchaseOrder, _view, theirs["id"])
    assert refused.value.code == "not_found" and refused.value.field == "id"
    with pytest.raises(NotFound):
        posting.get_document(b.uow(), b.company, PurchasePayment, _view, 999_999, lines=False)


def test_list_documents(db: Database, admin: Actor) -> None:
    b = setup_books(db, admin)
    other = setup_books(db, admin)
    po(b, ("A", "1", "100"), day="2025-03-02")
    po(b, ("A", "1", "100"), supplier="S2", day="2025-03-01")
    po(b, ("A", "1", "100"), day="2025-04-01")
    po(other, ("A", "1", "100"), day="2025-03-01")

    def nos(**kw: Any) -> list[str]:
        kw = {"status": None, "date_from": None, "date_to": None, "limit": 200, "limit_max": 1000} | kw
        return [r["no"] for r in posting.list_documents(b.uow(), b.company, PurchaseOrder, _view, **kw)]

    assert nos() == ["PO-2025-0002", "PO-2025-0001", "PO-2025-0003"]  # by date, then id
    assert nos(date_from=date(2025, 3, 2), date_to=date(2025, 3, 31)) == ["PO-2025-0001"]
    assert nos(status="open") == nos() and nos(status="cancelled") == []
    assert nos(limit=0) == ["PO-2025-0002"] and nos(limit=5, limit_max=2) == ["PO-2025-0002", "PO-2025-0001"]

    def s2(s: Session, company: Company, q: Any) -> Any:
        return q.join(Supplier, Supplier.id == PurchaseOrder.supplier_id).where(Supplier.code == "S2")

    assert nos(narrow=s2) == ["PO-2025-0002"]
    listed = posting.list_documents(
        b.uow(),
        b.company,
        PurchaseOrder,
        _view,
        status=None,
        date_from=None,
        date_to=None,
        limit=1,
        limit_max=1,
    )
    assert listed == [{"no": "PO-2025-0002", "lines": 1, "company": None}]  # lists carry no vouchers


def test_resolve_document_id(db: Database, admin: Actor) -> None:
    b = setup_books(db, admin)
    other = setup_books(db, admin)
    mine = po(b, ("A", "1", "100"))
    theirs = po(other, ("A", "1", "100"))

    def resolve(ref: str) -> int:
        return posting.resolve_document_id(b.uow(), b.company, PurchaseOrder, "purchase_order", ref)

    assert resolve(mine["no"]) == resolve(f" {mine['id']} ") == mine["id"]
    assert theirs["no"] == mine["no"] and resolve(theirs["no"]) == mine["id"]  # numbers are per company
    for ref in (str(theirs["id"]), "PO-2099-0001"):
        with pytest.raises(NotFound) as refused:
            resolve(ref)
        assert refused.value.params == {"what": "purchase order", "key": ref}
