"""The analytics service on real documents and books: scores open invoices (rules on this short
history), forecasts cash from the cash accounts, the open invoices and the vendor bill."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from tests.analytics.books import AS_OF, build, sell
from tests.conftest import make_company
from tests.sales.books import setup_books
from yecai.analytics import service
from yecai.core.errors import NotFound
from yecai.ledger import reports
from yecai.masterdata import service as md
from yecai.receivables import items
from yecai.sales import service as sales
from yecai.store.db import Database
from yecai.store.uow import Actor, UnitOfWork


def test_risk_and_forecast_on_real_documents(db: Database, admin: Actor) -> None:
    ab = build(db, admin)
    u = lambda: UnitOfWork(db, admin)  # noqa: E731
    res = service.risk(u(), ab.company, as_of=AS_OF, locale="zh_CN")
    assert res["as_of"] == AS_OF.isoformat() and res["method"] == "rules" and res["trained_on"] == 12
    by_no = {r["invoice"]: r for r in res["invoices"]}
    assert set(by_no) == {ab.late_invoice, ab.punctual_invoice}  # everything else is paid
    late, punctual = by_no[ab.late_invoice], by_no[ab.punctual_invoice]
    assert float(late["p_late"]) > 0.6 > 0.4 > float(punctual["p_late"])
    assert res["invoices"][0]["invoice"] == ab.late_invoice  # riskiest first
    assert late["expected_date"] > punctual["expected_date"]
    assert 20 <= late["expected_days_late"] <= 40 and punctual["expected_days_late"] < 10
    assert late["due_date"] == (AS_OF - timedelta(days=5) + timedelta(days=30)).isoformat()
    assert late["open_amount"] == "2000.00"  # prices include VAT
    assert any("6 张发票中 6 张逾期付款" in f["text"] for f in late["factors"])
    # per customer: the open amount, and the part expected late (weighted by the probability)
    summary = {c["customer"]: c for c in res["customers"]}
    assert [c["customer"] for c in res["customers"]] == ["C2", "C1"]
    assert summary["C2"]["open_amount"] == "2000.00" and summary["C2"]["open_invoices"] == 1
    assert Decimal(summary["C2"]["expected_late_amount"]) == (
        Decimal("2000.00") * Decimal(f"{float(late['p_late']):.4f}")
    ).quantize(Decimal("0.01"))
    only = service.risk(u(), ab.company, as_of=AS_OF, customer="C1")
    assert [r["invoice"] for r in only["invoices"]] == [ab.punctual_invoice]
    with pytest.raises(NotFound):
        service.risk(u(), ab.company, as_of=AS_OF, customer="C404")

    f = service.forecast(u(), ab.company, as_of=AS_OF, weeks=6, simulations=400, seed=3)
    cash = sum(reports.account_balance_at(u(), ab.company, a, AS_OF) for a in ("1001", "1002"))
    assert Decimal(f["opening"]) == Decimal(cash) / 100
    assert f["receivables_open"] == "4000.00"
    bill_total = f["payables_open"]
    assert Decimal(bill_total) == Decimal("1000.00")  # 10 × 100 (VAT included), due 09-04: week 1
    assert f["weeks"][0]["payables"] == bill_total
    closing = Decimal(f["opening"])
    for w in f["weeks"]:
        net = (
            Decimal(w["receipts"])
            + Decimal(w["recurring_in"])
            - Decimal(w["recurring_out"])
            - Decimal(w["payables"])
        )
        assert Decimal(w["net"]) == net
        closing += net
        assert Decimal(w["closing"]) == closing
        assert Decimal(w["closing_p10"]) <= Decimal(w["closing_p50"]) <= Decimal(w["closing_p90"])
    inside = sum(Decimal(w["receipts"]) for w in f["weeks"])
    assert abs(inside + Decimal(f["receipts_beyond"]) - Decimal("4000.00")) <= Decimal("0.06")
    # the same seed gives the same forecast
    assert service.forecast(u(), ab.company, as_of=AS_OF, weeks=6, simulations=400, seed=3) == f

    # without a day, the analysis stands on the last posted voucher (the books end before today)
    assert service.risk(u(), ab.company)["as_of"] == (AS_OF - timedelta(days=5)).isoformat()


def test_bad_parameters_are_refused_by_name(db: Database, admin: Actor) -> None:
    ab = build(db, admin)
    with pytest.raises(service.InvalidWeeks) as e:
        service.forecast(UnitOfWork(db, admin), ab.company, weeks=0)
    assert e.value.field == "weeks" and "1" in e.value.message("en")
    with pytest.raises(service.InvalidSimulations):
        service.forecast(UnitOfWork(db, admin), ab.company, simulations=10**6)
    with pytest.raises(service.InvalidCutoff) as c:
        service.evaluation(UnitOfWork(db, admin), ab.company, cutoff=date(2026, 1, 1), end=AS_OF)
    assert c.value.field == "cutoff" and "2026-01-01" in c.value.message("zh_CN")


def test_a_company_without_invoices(db: Database, admin: Actor) -> None:
    """Nothing to score, cash stays where it is, and evaluating says why it cannot."""
    company = make_company(db, admin)
    u = lambda: UnitOfWork(db, admin)  # noqa: E731
    assert service.risk(u(), company, as_of=AS_OF)["invoices"] == []
    f = service.forecast(u(), company, as_of=AS_OF, weeks=2, simulations=10)
    assert [w["closing_p10"] for w in f["weeks"]] == ["0.00", "0.00"] and f["receivables_open"] == "0.00"
    with pytest.raises(service.NoHistory) as e:
        service.evaluation(u(), company)
    assert "没有已过账的销售发票" in e.value.message("zh_CN")


def test_applications_say_when_an_invoice_was_paid(db: Database, admin: Actor) -> None:
    """A receipt on account pays the oldest open invoice on its own date, until a person applies
    it (核销): then the application's date counts, and un-applying opens the invoice again."""
    b = setup_books(db, admin, receipts=False)
    md.update_party(b.uow(), b.company, "customer", "C1", credit_days=30)
    inv = sell(b, "C1", date(2025, 3, 3), "1000.00")  # due 04-02
    receipt = sales.create_receipt(b.uow(), b.company, customer="C1", day=date(2025, 4, 1), amount="1000.00")

    def open_on(day: date) -> list[str]:
        return [r["invoice"] for r in service.risk(UnitOfWork(db, admin), b.company, as_of=day)["invoices"]]

    assert open_on(date(2025, 4, 15)) == []  # paid on account on 04-01
    app = items.apply(
        b.uow(),
        b.company,
        receipt_id=receipt["id"],
        invoice_id=inv["id"],
        amount="1000.00",
        day=date(2025, 4, 20),
    )
    assert open_on(date(2025, 4, 15)) == [inv["no"]]  # applied on 04-20: open (and late) before that
    assert open_on(date(2025, 4, 20)) == []
    items.unapply(b.uow(), b.company, app["id"], reason="错配", day=date(2025, 4, 25))
    assert open_on(date(2025, 4, 26)) == [inv["no"]]
    # new terms for the customer do not move the due date of an invoice made under the old ones
    md.update_party(b.uow(), b.company, "customer", "C1", credit_days=90)
    listed = service.risk(UnitOfWork(db, admin), b.company, as_of=date(2025, 4, 26))["invoices"]
    assert listed[0]["due_date"] == "2025-04-02" and listed[0]["p_late"] == "1.000"
