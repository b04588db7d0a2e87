"""Master data: codes unique per company, tax ids validated, customers mirrored as dimension values."""

from __future__ import annotations

import pytest

from tests.conftest import make_company
from yecai.core.errors import Conflict
from yecai.ledger import service as ledger
from yecai.masterdata import domain
from yecai.masterdata import service as md
from yecai.store.db import Database
from yecai.store.uow import Actor, UnitOfWork

VALID = "91110000600037341L"


def test_tax_id_validation() -> None:
    assert domain.normalize_tax_id(" 91110000600037341l ") == VALID
    assert domain.normalize_tax_id("") == ""
    for bad, reason in (("91110000600037341X", "check digit"), ("9111000060003734", "18 characters")):
        with pytest.raises(domain.InvalidTaxId) as exc:
            domain.normalize_tax_id(bad)
        assert exc.value.field == "tax_id" and reason in str(exc.value)


def test_default_tax_codes_map_to_2221_leaves() -> None:
    codes = {t.code: t for t in domain.default_tax_codes()}
    assert len(codes) == 10
    assert codes["OUT13"].account_code == "22210102" and codes["IN9"].account_code == "22210101"
    assert codes["OUT3"].account_code == "222112"
    assert domain.output_tax_code(domain.VAT_RATES[0]) == "OUT13"


def test_customer_create_rename_and_refusals(db: Database, admin: Actor) -> None:
    company = make_company(db, admin)
    u = lambda: UnitOfWork(db, admin)  # noqa: E731
    c = md.create_party(
        u(),
        company,
        "customer",
        code="C1",
        name="华东商贸",
        tax_id=VALID,
        credit_days=30,
        credit_limit="50000",
    )
    assert (c.tax_id, c.credit_limit) == (VALID, "50000.00")
    assert {"type": "customer", "code": "C1", "name": "华东商贸"} in ledger.list_dimension_values(
        u(), company, "customer"
    )
    with pytest.raises(Conflict) as dup:
        md.create_party(u(), company, "customer", code="C1", name="另一家")
    assert dup.value.field == "code"
    with pytest.raises(domain.InvalidTaxId) as bad:
        md.create_party(u(), company, "customer", code="C2", name="坏税号", tax_id="91110000600037341X")
    assert bad.value.field == "tax_id"
    with pytest.raises(domain.InvalidCode):
        md.create_party(u(), company, "supplier", code="含 空格", name="x")
    md.update_party(u(), company, "customer", "C1", name="华东商贸集团")
    assert {"type": "customer", "code": "C1", "name": "华东商贸集团"} in ledger.list_dimension_values(
        u(), company, "customer"
    )
    # the same code may be a supplier too, and in another company
    md.create_party(u(), company, "supplier", code="C1", name="华东商贸集团")
    other = make_company(db, admin)
    md.create_party(u(), other, "customer", code="C1", name="别家")
    assert [p.code for p in md.list_parties(u(), company, "customer")] == ["C1"]


def test_items_and_warehouses(db: Database, admin: Actor) -> None:
    company = make_company(db, admin)
    u = lambda: UnitOfWork(db, admin)  # noqa: E731
    md.create_item(u(), company, code="A", name="电机", category="产成品")
    with pytest.raises(Conflict):
        md.create_item(u(), company, code="A", name="电机2")
    with pytest.raises(domain.InvalidTaxRate):
        md.create_item(u(), company, code="B", name="x", tax_rate="0.17")
    with pytest.raises(domain.InvalidItemKind):
        md.create_item(u(), company, code="B", name="x", kind="virtual")
    md.create_warehouse(u(), company, code="W1", name="成品库")
    with pytest.raises(Conflict):
        md.create_warehouse(u(), company, code="W1", name="again")
    assert [i["code"] for i in md.list_items(u(), company, category="产成品")] == ["A"]
    assert [t["code"] for t in md.list_tax_codes(u(), company)][:2] == ["OUT13", "IN13"]
