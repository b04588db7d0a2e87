"""Inventory on both databases: transfers, stock counts, month-end weighted average with its
cost run and the closing refusal, back-dated re-costing, and the stock valuation report."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.inventory.books import Books, D, setup_books
from yecai.checks.service import run_checks
from yecai.inventory import documents
from yecai.inventory import service as inventory
from yecai.inventory.domain import CostingMethodLocked, CostPending, NegativeStock, TransferCycle
from yecai.ledger import closing
from yecai.posting import service as posting
from yecai.store.db import Database
from yecai.store.uow import Actor


def lines(view: dict, event: str) -> list[tuple[str, str, str]]:
    (posted,) = [v for v in view["vouchers"] if v["event"] == event]
    return [(ln["account_code"], ln["debit"], ln["credit"]) for ln in posted["lines"]]


def valuation(b: Books, **kw: Any) -> dict:
    return inventory.stock_valuation(b.uow(), b.company, **kw)


def rows(b: Books, **kw: Any) -> list[tuple[str, str, str, str]]:
    return [
        (r["item_code"], r["warehouse_code"], r["quantity"], r["amount"]) for r in valuation(b, **kw)["rows"]
    ]


def assert_books_hold(b: Books) -> None:
    assert valuation(b)["total_minor"] == b.inventory_accounts()
    assert run_checks(b.uow(), b.company) == []


def test_transfer_moves_value_between_warehouses_without_a_voucher(db: Database, admin: Actor) -> None:
    b = setup_books(db, admin)
    b.receive("2025-03-01", "A", "10", "1000.00")
    b.receive("2025-03-02", "A", "10", "1300.00")  # moving average 115.00
    t = documents.create_transfer(
        b.uow(), b.company, from_warehouse="W1", to_warehouse="W2", day=D("2025-03-05"), lines=[("A", "4")]
    )
    assert t["cost"] == "460.00"
    assert [v["voucher_id"] for v in t["vouchers"]] == [None]  # same account 1405: the moves carry it
    assert rows(b) == [("A", "W1", "16", "1840.00"), ("A", "W2", "4", "460.00")]
    assert valuation(b)["total"] == "2300.00"
    assert_books_hold(b)
    # delivering from W2 takes W2's own cost
    d = b.deliver("2025-03-06", "A", "1", wh="W2")
    assert d["cost"] == "115.00"
    with pytest.raises(NegativeStock):
        b.deliver("2025-03-06", "A", "4", wh="W2")
    assert_books_hold(b)


def test_transfer_posts_when_the_warehouses_are_on_different_accounts(db: Database, admin: Actor) -> None:
    b = setup_books(db, admin)
    rules = posting.default_rules()
    stock_in = rules["events"]["stock_transfer.posted"]["lines"][0]
    stock_in["account"] = [{"when": "to_warehouse.code == 'W2'", "account": "1403"}, {"account": "1405"}]
    posting.save_rule_set(b.uow(), b.company, rules, effective_from=D("2025-01-01"))
    b.receive("2025-03-01", "A", "10", "1000.00")
    t = documents.create_transfer(
        b.uow(), b.company, from_warehouse="W1", to_warehouse="W2", day=D("2025-03-05"), lines=[("A", "3")]
    )
    assert lines(t, "stock_transfer.posted") == [("1403", "300.00", ""), ("1405", "", "300.00")]
    assert_books_hold(b)


def test_stock_count_posts_gains_and_losses_then_processing_clears_1901(db: Database, admin: Actor) -> None:
    b = setup_books(db, admin)
    b.receive("2025-03-01", "A", "10", "1000.00")
    b.receive("2025-03-01", "R", "3", "61.00")  # 20.3333… a unit
    c = documents.create_count(
        b.uow(), b.company, warehouse="W1", day=D("2025-03-31"), lines=[("A", "8"), ("R", "4")]
    )
    assert [(ln["book"], ln["difference"], ln["value"]) for ln in c["lines"]] == [
        ("10", "-2", "-200.00"),
        ("3", "1", "20.33"),
    ]
    assert lines(c, "stock_count.confirmed") == [
        ("1403", "20.33", ""),
        ("1901", "", "20.33"),
        ("1901", "200.00", ""),
        ("1405", "", "200.00"),
    ]
    assert b.account("1901") == 20000 - 2033
    assert_books_hold(b)
    p = documents.process_count(b.uow(), b.company, c["id"], cause="management", department="D1")
    assert p["processed"] is True
    assert lines(p, "stock_count.processed") == [
        ("1901", "20.33", ""),
        ("660299", "", "20.33"),
        ("660299", "200.00", ""),
        ("1901", "", "200.00"),
    ]
    assert b.account("1901") == 0
    assert_books_hold(b)


def test_abnormal_losses_go_to_non_operating_expenses(db: Database, admin: Actor) -> None:
    b = setup_books(db, admin)
    b.receive("2025-03-01", "A", "10", "1000.00")
    c = documents.create_count(b.uow(), b.company, warehouse="W1", day=D("2025-03-31"), lines=[("A", "0")])
    p = documents.process_count(b.uow(), b.company, c["id"], cause="abnormal")
    assert lines(p, "stock_count.processed") == [("6711", "1000.00", ""), ("1901", "", "1000.00")]
    assert b.account("1901") == 0 and valuation(b)["rows"] == []


def test_month_end_average_by_hand_and_closing_waits_for_the_cost_run(db: Database, admin: Actor) -> None:
    b = setup_books(db, admin, costing="monthly_average")
    b.receive("2025-02-01", "A", "2", "190.00")
    with pytest.raises(CostingMethodLocked):
        inventory.set_settings(b.uow(), b.company, costing="moving_average")
    b.deliver("2025-02-10", "A", "1")  # February: 2 @ 95.00 in, 1 out
    closing.close_period(b.uow(), b.company, "2025-01")
    with pytest.raises(CostPending):
        closing.close_period(b.uow(), b.company, "2025-02")
    assert closing.close_checklist(b.uow(), b.company, "2025-02")["can_close"] is False
    run = inventory.run_month_end_costing(b.uow(), b.company, "2025-02")
    assert run["months"] == ["2025-02"] and [r["total"] for r in run["revaluations"]] == ["-95.00"]
    closing.close_period(b.uow(), b.company, "2025-02")

    # March: opening 1 @ 95.00, receipts 3 @ 100.00 and 4 @ 101.00, deliveries 2, 2 and 4.
    b.receive("2025-03-01", "A", "3", "300.00")
    d1 = b.deliver("2025-03-05", "A", "2")
    b.receive("2025-03-10", "A", "4", "404.00")
    b.deliver("2025-03-15", "A", "2")
    b.deliver("2025-03-20", "A", "4")
    assert d1["cost"] == "0.00" and [v["voucher_id"] for v in d1["vouchers"]] == [None]  # cost pending
    assert_books_hold(b)  # the pending issues are in neither the valuation nor the books yet
    average = (Decimal("95.00") + Decimal("300.00") + Decimal("404.00")) / (1 + 3 + 4)
    assert average == Decimal("99.875")
    with pytest.raises(CostPending):
        closing.close_period(b.uow(), b.company, "2025-03")
    run = inventory.run_month_end_costing(b.uow(), b.company, "2025-03")
    (reval,) = run["revaluations"]
    assert reval["date"] == "2025-03-31" and reval["total"] == "-799.00"
    assert _revaluation_lines(b, reval["id"]) == [
        ("6401", "199.75", ""),
        ("6401", "199.75", ""),
        ("6401", "399.50", ""),
        ("1405", "", "199.75"),
        ("1405", "", "199.75"),
        ("1405", "", "399.50"),
    ]
    assert valuation(b, period="2025-03")["rows"] == [] and b.inventory_accounts() == 0
    assert_books_hold(b)
    # a late receipt makes March pending again; re-running posts only the difference
    b.receive("2025-03-25", "A", "8", "800.00")
    with pytest.raises(CostPending):
        closing.close_period(b.uow(), b.company, "2025-03")
    run = inventory.run_month_end_costing(b.uow(), b.company, "2025-03")
    # (95 + 300 + 404 + 800) / 16 = 99.9375: the 8 issued cost 799.50, 0.50 more
    assert [r["total"] for r in run["revaluations"]] == ["-0.50"]
    assert rows(b) == [("A", "W1", "8", "799.50")]
    assert_books_hold(b)
    closing.close_period(b.uow(), b.company, "2025-03")


def test_month_end_transfers_cost_the_source_first_and_refuse_circles(db: Database, admin: Actor) -> None:
    b = setup_books(db, admin, costing="monthly_average")
    b.receive("2025-03-01", "A", "10", "1000.00")
    b.receive("2025-03-02", "A", "10", "1200.00", wh="W2")
    documents.create_transfer(
        b.uow(), b.company, from_warehouse="W1", to_warehouse="W2", day=D("2025-03-03"), lines=[("A", "5")]
    )
    with pytest.raises(TransferCycle):
        documents.create_transfer(
            b.uow(),
            b.company,
            from_warehouse="W2",
            to_warehouse="W1",
            day=D("2025-03-04"),
            lines=[("A", "1")],
        )
    b.deliver("2025-03-10", "A", "15", wh="W2")
    inventory.run_month_end_costing(b.uow(), b.company, "2025-03")
    # W1 average 100.00 → 5 moved at 500.00; W2 (1200 + 500) / 15 → all 15 issued at 1700.00
    assert rows(b) == [("A", "W1", "5", "500.00")]
    assert_books_hold(b)


def test_back_dated_receipt_re_costs_only_its_item_and_warehouse(db: Database, admin: Actor) -> None:
    b = setup_books(db, admin)
    b.receive("2025-03-01", "A", "10", "1000.00")
    b.receive("2025-03-01", "A", "10", "2000.00", wh="W2")
    b.receive("2025-03-01", "R", "10", "500.00")
    d1 = b.deliver("2025-03-10", "A", "5")
    d2 = b.deliver("2025-03-20", "A", "3")
    b.deliver("2025-03-15", "A", "2", wh="W2")
    b.deliver("2025-03-15", "R", "2")
    assert (d1["cost"], d2["cost"]) == ("500.00", "300.00")
    before = {m[0]: m for m in b.moves()}

    b.receive("2025-03-05", "A", "10", "1300.00")  # back-dated: W1 holds 20 @ 115.00 on 03-10

    after = {m[0]: m for m in b.moves()}
    rewritten = {i for i in before if before[i] != after[i]}
    a_item, w1 = before[min(before)][1:3]  # the first receipt: A into W1
    delivery_moves = {i for i, m in before.items() if m[4] < 0 and m[1:3] == (a_item, w1)}
    assert rewritten == delivery_moves and len(rewritten) == 2  # the two A/W1 deliveries, nothing else
    assert sorted(after[i][5] for i in rewritten) == [-57500, -34500]  # 5 × 115, 3 × 115
    # the difference is posted on the deliveries' dates, the delivery vouchers stay as they were
    assert b.account("6401") == 57500 + 34500 + 40000 and b.account("6402") == 10000
    assert rows(b) == [("A", "W1", "12", "1380.00"), ("A", "W2", "8", "1600.00"), ("R", "W1", "8", "400.00")]
    assert rows(b, day=D("2025-03-15")) == [
        ("A", "W1", "15", "1725.00"),
        ("A", "W2", "8", "1600.00"),
        ("R", "W1", "8", "400.00"),
    ]
    assert_books_hold(b)
    # a back-dated delivery that would leave a later issue short is refused when negative stock is
    with pytest.raises(NegativeStock):
        b.deliver("2025-03-02", "A", "11")
    assert b.moves() == list(after.values())


def test_stock_valuation_report_on_the_command_line(
    db: Database, admin: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from yecai.cli.main import app

    monkeypatch.setenv("YECAI_DATABASE_URL", db.url)
    b = setup_books(db, admin)
    b.receive("2025-03-01", "A", "3", "100.00")
    b.receive("2025-03-01", "R", "2", "50.00", wh="W2")
    result = CliRunner().invoke(
        app, ["report", "stock-valuation", "--company", b.company, "--period", "2025-03", "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "item_code,item_name,warehouse_code,unit,quantity,amount,unit_cost",
        "A,电机,W1,台,3,100.00,33.3333",
        "R,钢材,W2,吨,2,50.00,25.0000",
    ]


def _revaluation_lines(b: Books, reval_id: int) -> list[tuple[str, str, str]]:
    from sqlalchemy import select

    from yecai.ledger.models import Company

    with b.uow() as u:
        company = u.session.execute(select(Company).where(Company.code == b.company)).scalar_one()
        (doc,) = posting.document_vouchers(u.session, company, "stock_revaluation", reval_id)
    return [(ln["account_code"], ln["debit"], ln["credit"]) for ln in doc["lines"]]


def test_api(db: Database, admin: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi.testclient import TestClient

    from yecai.api import app as api_app
    from yecai.api.app import create_app
    from yecai.security import service as security

    monkeypatch.setattr(api_app, "ROUTERS", ("yecai.inventory.api",))
    token, _user = security.login(db, "admin", "admin-password", kind="api", source="test")
    client = TestClient(create_app(db))
    client.headers["Authorization"] = f"Bearer {token}"
    b = setup_books(db, admin)
    b.receive("2025-03-01", "A", "10", "1000.00")
    base = f"/api/companies/{b.company}"
    r = client.post(
        f"{base}/stock/transfers",
        json={
            "from_warehouse": "W1",
            "to_warehouse": "W1",
            "date": "2025-03-02",
            "lines": [{"item": "A", "qty": "1"}],
        },
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "inventory.transfer_same_warehouse"
    r = client.post(
        f"{base}/stock/transfers",
        json={
            "from_warehouse": "W1",
            "to_warehouse": "W2",
            "date": "2025-03-02",
            "lines": [{"item": "A", "qty": "2"}],
        },
    )
    assert r.status_code == 201 and r.json()["cost"] == "200.00"
    r = client.post(
        f"{base}/stock/counts",
        json={"warehouse": "W1", "date": "2025-03-31", "lines": [{"item": "A", "counted": "7"}]},
    )
    assert r.status_code == 201 and r.json()["lines"][0]["value"] == "-100.00"
    r = client.post(f"{base}/stock/counts/{r.json()['id']}/process", json={"cause": "abnormal"})
    assert r.status_code == 200 and r.json()["processed"] is True
    r = client.post(f"{base}/stock/cost-runs", json={"period": "2025-03"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "inventory.not_month_end_costing"
    r = client.get(f"{base}/reports/stock-valuation", params={"period": "2025-03", "warehouse": "W2"})
    assert r.status_code == 200
    assert [(x["item_code"], x["quantity"], x["amount"]) for x in r.json()["rows"]] == [("A", "2", "200.00")]
    assert client.get(f"{base}/reports/stock-valuation").json()["total"] == "900.00"


def test_check_names_a_pool_that_disagrees_with_its_moves(db: Database, admin: Actor) -> None:
    from sqlalchemy import select, update

    from yecai.inventory.models import StockBalance
    from yecai.ledger.models import Company

    b = setup_books(db, admin)
    b.receive("2025-03-01", "A", "2", "100.00")
    with b.uow() as u:
        company_id = select(Company.id).where(Company.code == b.company).scalar_subquery()
        u.session.execute(
            update(StockBalance)
            .where(StockBalance.company_id == company_id)
            .values(value_minor=StockBalance.value_minor + 1)
        )
        u.commit()
    found = {(d.check, d.message) for d in run_checks(b.uow(), b.company)}
    assert ("stock_pool", "A in W1: pool 2 / 100.01 ≠ its moves 2 / 100.00") in found
    assert any(check == "stock_valuation" for check, _m in found)
