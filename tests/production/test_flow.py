"""A work order from release to close on both databases, with every figure computed by hand:
two material issues at different moving averages, labour, overhead allocated by hours, two
partial finished-goods receipts, the variance at close; the refusals, closed periods,
traceability and `yecai check`."""

from __future__ import annotations

import pytest

from tests.conftest import draft
from tests.production.books import D, setup_books, vlines
from yecai.checks.service import run_checks
from yecai.core.errors import NotFound
from yecai.inventory import service as inventory
from yecai.inventory.domain import NegativeStock
from yecai.ledger import closing
from yecai.ledger import service as ledger
from yecai.ledger.service import PeriodClosed
from yecai.posting import service as posting
from yecai.posting.domain import DocumentWrongState
from yecai.production import domain
from yecai.production import service as production
from yecai.store.db import Database
from yecai.store.uow import Actor


def _on_hand(b: object) -> list[tuple[str, str, str, str]]:
    return [(r["item"], r["warehouse"], r["qty"], r["value"]) for r in inventory.on_hand(b.uow(), b.company)]  # type: ignore[attr-defined]


def test_work_order_from_release_to_close(db: Database, admin: Actor) -> None:
    b = setup_books(db, admin)
    c = b.company
    wo = production.create_work_order(b.uow(), c, item="P", qty="10", day=D("2025-03-02"))
    assert (wo["no"], wo["status"], wo["project"]) == ("WO-2025-0001", "released", "WO-2025-0001")
    # 10 × 2 kg × 1.05 = 21 kg of R1; 10 × 1 of R2
    assert [(ln["item"], ln["required"]) for ln in wo["lines"]] == [("R1", "21"), ("R2", "10")]
    assert {"type": "project", "code": "WO-2025-0001", "name": "WO-2025-0001 电机"} in (
        ledger.list_dimension_values(b.uow(), c, "project")
    )
    wo2 = production.create_work_order(b.uow(), c, item="P", qty="5", day=D("2025-03-02"))

    # issue 1 at the opening averages: 10 kg × 2.00 + 10 × 5.00
    mi1 = production.issue_materials(
        b.uow(), c, order_id=wo["id"], day=D("2025-03-05"), warehouse="W1", lines=[("R1", "10"), ("R2", "10")]
    )
    assert mi1["cost"] == "70.00"
    assert vlines(mi1) == [
        ("500101", "70.00", "", "WO-2025-0001"),
        ("1403", "", "20.00", ""),
        ("1403", "", "50.00", ""),
    ]
    assert [ln["rule"] for ln in mi1["vouchers"][0]["lines"]] == ["wip_material", "stock", "stock"]
    # 50 kg more at 2.60: 90 kg for 180.00 + 130.00 → 140 kg for 310.00
    inventory.create_stock_receipt(
        b.uow(), c, supplier="S1", warehouse="W1", day=D("2025-03-06"), lines=[("R1", "50", "130.00")]
    )
    # issue 2 (the rest): 11 kg × 310.00 / 140 = 24.357 → 24.36
    mi2 = production.issue_materials(b.uow(), c, order_id=wo["id"], day=D("2025-03-07"), warehouse="W1")
    assert [(ln["item"], ln["qty"], ln["cost"]) for ln in mi2["lines"]] == [("R1", "11", "24.36")]
    with pytest.raises(domain.OverIssue) as over:
        production.issue_materials(
            b.uow(), c, order_id=wo["id"], day=D("2025-03-07"), warehouse="W1", lines=[("R1", "0.5")]
        )
    assert over.value.params["remaining"] == "0" and over.value.code == "production.over_issue"
    with pytest.raises(domain.NothingToIssue):
        production.issue_materials(b.uow(), c, order_id=wo["id"], day=D("2025-03-07"), warehouse="W1")

    lab = production.collect_cost(
        b.uow(), c, order_id=wo["id"], day=D("2025-03-08"), kind="labour", amount="300.00"
    )
    assert vlines(lab) == [("500102", "300.00", "", "WO-2025-0001"), ("221101", "", "300.00", "")]
    # 150.00 of overhead by hours 3 : 4 → 64.2857 / 85.7143 → 64.29 / 85.71 (largest remainder)
    ovh = production.allocate_overhead(
        b.uow(), c, day=D("2025-03-09"), amount="150.00", hours=[(wo["id"], "3"), (wo2["id"], "4")]
    )
    assert [(d["work_order"], d["amount"]) for d in ovh] == [
        ("WO-2025-0001", "64.29"),
        ("WO-2025-0002", "85.71"),
    ]
    assert vlines(ovh[0]) == [("500103", "64.29", "", "WO-2025-0001"), ("5101", "", "64.29", "")]
    # charged: 94.36 + 300.00 + 64.29 = 458.65
    assert production.get_work_order(b.uow(), c, wo["id"])["charged"] == {
        "material": "94.36",
        "labour": "300.00",
        "overhead": "64.29",
        "total": "458.65",
    }

    # receipt 1: 4 of 10 → 37.74 + 120.00 + 25.72 (each element × 4/10, half up)
    pv = production.preview_receipt(b.uow(), c, wo["id"], day=D("2025-03-10"), warehouse="W2", qty="4")
    assert [(ln["account_code"], ln["debit"], ln["credit"]) for ln in pv["lines"]][0] == (
        "1405",
        "183.46",
        "",
    )
    fg1 = production.receive_finished(
        b.uow(), c, order_id=wo["id"], day=D("2025-03-10"), warehouse="W2", qty="4"
    )
    assert (fg1["material"], fg1["labour"], fg1["overhead"], fg1["cost"]) == (
        "37.74",
        "120.00",
        "25.72",
        "183.46",
    )
    assert vlines(fg1) == [
        ("1405", "183.46", "", ""),
        ("500101", "", "37.74", "WO-2025-0001"),
        ("500102", "", "120.00", "WO-2025-0001"),
        ("500103", "", "25.72", "WO-2025-0001"),
    ]
    with pytest.raises(domain.OverReceipt) as over_r:
        production.receive_finished(
            b.uow(), c, order_id=wo["id"], day=D("2025-03-11"), warehouse="W2", qty="7"
        )
    assert over_r.value.params["remaining"] == "6"
    # receipt 2: 5 of the 6 left → 56.62 × 5/6 = 47.18, 180.00 × 5/6 = 150.00, 38.57 × 5/6 = 32.14
    fg2 = production.receive_finished(
        b.uow(), c, order_id=wo["id"], day=D("2025-03-12"), warehouse="W2", qty="5"
    )
    assert (fg2["material"], fg2["labour"], fg2["overhead"], fg2["cost"]) == (
        "47.18",
        "150.00",
        "32.14",
        "229.32",
    )
    assert ("P", "W2", "9", "412.78") in _on_hand(b)

    # closing short (9 of 10): 9.44 + 30.00 + 6.43 = 45.87 in process goes to 6401
    closed = production.close_work_order(b.uow(), c, wo["id"], day=D("2025-03-31"))
    assert closed["status"] == "closed" and closed["variance"]["total"] == "45.87"
    assert closed["in_process"]["total"] == "0.00"
    assert [(ln["account_code"], ln["debit"], ln["credit"]) for ln in closed["vouchers"][0]["lines"]] == [
        ("6401", "45.87", ""),
        ("500101", "", "9.44"),
        ("500102", "", "30.00"),
        ("500103", "", "6.43"),
    ]
    # finished goods + variance == everything charged to the order
    assert 18346 + 22932 + 4587 == 45865
    with pytest.raises(DocumentWrongState):
        production.collect_cost(b.uow(), c, order_id=wo["id"], day=D("2025-03-31"), kind="labour", amount="1")

    # traceability: document → voucher → document and rule
    vid = fg2["vouchers"][0]["voucher_id"]
    trace = posting.trace_voucher(b.uow(), c, vid)
    assert trace["document"] == {"type": "production_receipt", "id": fg2["id"], "no": fg2["no"]}
    assert trace["line_rules"] == {"1": "finished", "2": "material", "3": "labour", "4": "overhead"}
    view = production.get_work_order(b.uow(), c, wo["id"])
    assert [d["no"] for d in view["documents"]["production_receipt"]] == [fg1["no"], fg2["no"]]
    assert [r["no"] for r in production.list_work_orders(b.uow(), c, status="released")] == ["WO-2025-0002"]
    assert len(production.list_issues(b.uow(), c, work_order="WO-2025-0001")) == 2

    assert run_checks(b.uow(), c) == []
    # a manual voucher on the order's WIP without a document is caught, with the amounts
    ledger.create_voucher(
        b.uow(),
        c,
        draft(
            "2025-03-31",
            ("调整", "500101", "10", "", {"project": "WO-2025-0002"}),
            ("调整", "1001", "", "10"),
        ),
        post=True,
    )
    found = run_checks(b.uow(), c)
    assert [f.check for f in found] == ["production_wip"]
    assert "WO-2025-0002" in found[0].message and "85.71" in found[0].message and "95.71" in found[0].message


def test_refusals_write_nothing(db: Database, admin: Actor) -> None:
    b = setup_books(db, admin)
    c = b.company
    with pytest.raises(domain.NoActiveBom):
        production.create_work_order(b.uow(), c, item="R1", qty="1", day=D("2025-03-02"))
    with pytest.raises(NotFound):
        production.create_work_order(b.uow(), c, item="P", qty="1", day=D("2025-03-02"), project="NOPE")
    with pytest.raises(domain.BomSelfReference):
        production.create_bom(b.uow(), c, item="P", lines=[{"item": "P", "qty_per": "1"}])
    with pytest.raises(domain.InvalidScrap):
        production.create_bom(
            b.uow(), c, item="P", lines=[{"item": "R1", "qty_per": "1", "scrap_pct": "100"}]
        )
    draft_wo = production.create_work_order(
        b.uow(), c, item="P", qty="100", day=D("2025-03-02"), release=False
    )
    with pytest.raises(DocumentWrongState):
        production.issue_materials(b.uow(), c, order_id=draft_wo["id"], day=D("2025-03-03"), warehouse="W1")
    wo = production.release_work_order(b.uow(), c, draft_wo["id"])
    # 210 kg required, 100 on hand: negative stock is forbidden, and nothing is written
    with pytest.raises(NegativeStock) as neg:
        production.issue_materials(
            b.uow(), c, order_id=wo["id"], day=D("2025-03-03"), warehouse="W1", lines=[("R1", "150")]
        )
    assert neg.value.params["on_hand"] == "100"
    with pytest.raises(domain.NotInBom):
        production.issue_materials(
            b.uow(), c, order_id=wo["id"], day=D("2025-03-03"), warehouse="W1", lines=[("P", "1")]
        )
    with pytest.raises(domain.InvalidSourceAccount):
        production.collect_cost(
            b.uow(),
            c,
            order_id=wo["id"],
            day=D("2025-03-03"),
            kind="labour",
            amount="5",
            source_account="6602",
        )
    assert production.list_issues(b.uow(), c) == []
    assert production.get_work_order(b.uow(), c, wo["id"])["lines"][0]["issued"] == "0"
    assert _on_hand(b) == [("R1", "W1", "100", "200.00"), ("R2", "W1", "20", "100.00")]
    # a new BOM version replaces the active one; the order keeps its own
    v2 = production.create_bom(b.uow(), c, item="P", lines=[{"item": "R1", "qty_per": "3"}])
    assert v2["version"] == 2
    assert [x["version"] for x in production.list_boms(b.uow(), c, item="P", active_only=True)] == [2]
    assert production.get_work_order(b.uow(), c, wo["id"])["bom_version"] == 1
    assert run_checks(b.uow(), c) == []


def test_closed_period_refuses_and_writes_nothing(db: Database, admin: Actor) -> None:
    b = setup_books(db, admin, start="2025-03")
    c = b.company
    wo = production.create_work_order(b.uow(), c, item="P", qty="2", day=D("2025-03-02"))
    closing.close_period(b.uow(), c, "2025-03")
    with pytest.raises(PeriodClosed):
        production.issue_materials(b.uow(), c, order_id=wo["id"], day=D("2025-03-20"), warehouse="W1")
    with pytest.raises(PeriodClosed):
        production.collect_cost(
            b.uow(), c, order_id=wo["id"], day=D("2025-03-20"), kind="labour", amount="10"
        )
    with pytest.raises(PeriodClosed):
        production.close_work_order(b.uow(), c, wo["id"], day=D("2025-03-31"))
    view = production.get_work_order(b.uow(), c, wo["id"])
    assert view["status"] == "released" and view["charged"]["total"] == "0.00"
    assert view["lines"][0]["issued"] == "0"
    assert production.list_issues(b.uow(), c) == [] and production.list_costs(b.uow(), c) == []
    assert _on_hand(b) == [("R1", "W1", "100", "200.00"), ("R2", "W1", "20", "100.00")]
    # April is open: the same issue goes through there
    mi = production.issue_materials(b.uow(), c, order_id=wo["id"], day=D("2025-04-01"), warehouse="W1")
    assert mi["cost"] == "18.40"  # 4.2 kg × 2.00 + 2 × 5.00
    assert run_checks(b.uow(), c) == []


def test_month_end_costing_companies_are_refused_issues(db: Database, admin: Actor) -> None:
    from tests.conftest import make_company
    from tests.sales.books import Books
    from yecai.masterdata import service as md

    c = make_company(db, admin)
    b = Books(db, admin, c)
    inventory.set_settings(b.uow(), c, costing="monthly_average")
    md.create_item(b.uow(), c, code="P", name="电机", category="产成品")
    md.create_item(b.uow(), c, code="R1", name="钢材", category="原材料")
    md.create_warehouse(b.uow(), c, code="W1", name="原料库")
    production.create_bom(b.uow(), c, item="P", lines=[{"item": "R1", "qty_per": "1"}])
    wo = production.create_work_order(b.uow(), c, item="P", qty="1", day=D("2025-03-02"))
    with pytest.raises(domain.CostingNotSupported):
        production.issue_materials(b.uow(), c, order_id=wo["id"], day=D("2025-03-03"), warehouse="W1")
