"""Exchange rates and period-end revaluation (期末调汇 → 660303 汇兑损益)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.conftest import make_company, make_user
from yecai.core.errors import PermissionDenied, YecaiError
from yecai.core.money import UnknownCurrency
from yecai.ledger import closing, fx
from yecai.ledger import service as ledger
from yecai.ledger.domain import LineDraft, VoucherDraft
from yecai.ledger.models import Account, Company, VoucherLine
from yecai.store.db import Database
from yecai.store.uow import Actor, UnitOfWork

PARTIES = [("customer", "C1", "美国客户"), ("customer", "C2", "英国客户"), ("supplier", "S1", "美国供应商")]


@pytest.fixture
def books(db: Database, admin: Actor) -> str:
    code = make_company(db, admin)
    ledger.add_dimension_values(UnitOfWork(db, admin), code, PARTIES)
    return code


def fx_line(
    account: str,
    side: str,
    base: str,
    original: str,
    rate: str,
    currency: str = "USD",
    dims: dict[str, str] | None = None,
) -> LineDraft:
    return LineDraft(
        summary="外币业务",
        account_code=account,
        debit=Decimal(base) if side == "debit" else Decimal(0),
        credit=Decimal(base) if side == "credit" else Decimal(0),
        currency=currency,
        original_amount=Decimal(original),
        rate=Decimal(rate),
        dims=dims or {},
    )


def sale(
    day: str, base: str, original: str, rate: str, customer: str = "C1", currency: str = "USD"
) -> VoucherDraft:
    return VoucherDraft(
        date=date.fromisoformat(day),
        lines=(
            fx_line("1122", "debit", base, original, rate, currency, {"customer": customer}),
            LineDraft(summary="外币销售", account_code="6001", credit=Decimal(base)),
        ),
    )


def post(db: Database, actor: Actor, company: str, d: VoucherDraft) -> ledger.VoucherView:
    return ledger.create_voucher(UnitOfWork(db, actor), company, d, post=True)


def set_rate(
    db: Database, actor: Actor, company: str, currency: str, period: str, rate: str
) -> dict[str, str]:
    return fx.set_rate(UnitOfWork(db, actor), company, currency, period, rate)


def revalue(db: Database, actor: Actor, company: str, period: str) -> ledger.VoucherView | None:
    return fx.revalue(UnitOfWork(db, actor), company, period)


def base_balance(db: Database, company: str, code: str, currency: str | None = "USD") -> int:
    """Net base amount of one account's posted lines in ``currency`` (all periods)."""
    with UnitOfWork(db, readonly=True) as uow:
        cid = uow.session.execute(select(Company.id).where(Company.code == company)).scalar_one()
        q = (
            select(func.coalesce(func.sum(VoucherLine.debit_minor - VoucherLine.credit_minor), 0))
            .join(Account, Account.id == VoucherLine.account_id)
            .where(Account.company_id == cid, Account.code == code)
        )
        if currency is not None:
            q = q.where(VoucherLine.currency == currency)
        return int(uow.session.execute(q).scalar_one())


def refused(fn: object) -> YecaiError:
    with pytest.raises(YecaiError) as info:
        fn()  # type: ignore[operator]
    return info.value


def test_rates(db: Database, admin: Actor, books: str) -> None:
    assert set_rate(db, admin, books, "usd", "2025-03", "7.1234") == {
        "currency": "USD",
        "period": "2025-03",
        "rate": "7.1234",
    }
    set_rate(db, admin, books, "USD", "2025-03", "7.2")  # a correction replaces the rate
    set_rate(db, admin, books, "JPY", "2025-03", "0.048312")
    assert fx.list_rates(UnitOfWork(db, admin), books) == [
        {"currency": "JPY", "period": "2025-03", "rate": "0.048312"},
        {"currency": "USD", "period": "2025-03", "rate": "7.2"},
    ]
    for bad in ("0", "-1", "abc", "7.12345678901"):
        err = refused(lambda b=bad: set_rate(db, admin, books, "USD", "2025-03", b))
        assert isinstance(err, fx.RateInvalid) and err.field == "rate"
    err = refused(lambda: set_rate(db, admin, books, "CNY", "2025-03", "1"))
    assert isinstance(err, fx.RateForBaseCurrency)
    err = refused(lambda: set_rate(db, admin, books, "US", "2025-03", "7"))
    assert isinstance(err, UnknownCurrency) and err.field == "currency"
    accountant = make_user(db, "accountant", books)
    with pytest.raises(PermissionDenied):
        set_rate(db, accountant, books, "USD", "2025-03", "7.3")
    closing.close_period(UnitOfWork(db, admin), books, "2025-01")
    with pytest.raises(ledger.PeriodClosed):
        set_rate(db, admin, books, "USD", "2025-01", "7.3")


def test_revaluation_gain_and_rerun(db: Database, admin: Actor, books: str) -> None:
    post(db, admin, books, sale("2025-03-05", "710.00", "100.00", "7.10"))
    set_rate(db, admin, books, "USD", "2025-03", "7.20")
    v = revalue(db, admin, books, "2025-03")
    assert v is not None
    assert (v.status, v.source_type, v.word, v.date, v.source_ref) == (
        "posted",
        "fx_revaluation",
        "转",
        "2025-03-31",
        "2025-03/期末调汇",
    )
    lines = [
        (ln.account_code, ln.debit, ln.credit, ln.currency, ln.original_amount, ln.rate, ln.dims)
        for ln in v.lines
    ]
    assert lines == [
        ("1122", "10.00", "", "USD", "0.00", "7.20", {"customer": "C1"}),
        ("660303", "", "10.00", None, None, None, {}),
    ]
    assert base_balance(db, books, "1122") == 72000  # 100 USD × 7.20
    assert base_balance(db, books, "660303", None) == -1000  # a gain: credit
    # Nothing changed since: a second run posts nothing.
    assert revalue(db, admin, books, "2025-03") is None
    # New postings: only the new difference is posted.
    post(db, admin, books, sale("2025-03-20", "357.50", "50.00", "7.15"))
    v = revalue(db, admin, books, "2025-03")
    assert v is not None and [(ln.account_code, ln.debit, ln.credit) for ln in v.lines] == [
        ("1122", "2.50", ""),
        ("660303", "", "2.50"),
    ]
    assert base_balance(db, books, "1122") == 108000  # 150 USD × 7.20
    assert revalue(db, admin, books, "2025-03") is None
    assert ledger.verify_chain(UnitOfWork(db, admin), books).ok
    # The closing that follows carries the gain like any other P&L balance.
    closing.close_period(UnitOfWork(db, admin), books, "2025-01")
    closing.close_period(UnitOfWork(db, admin), books, "2025-02")
    res = closing.close_period(UnitOfWork(db, admin), books, "2025-03")
    assert res.profit == "1080.00"  # 710 + 357.50 of sales + 12.50 of exchange gain


def test_revaluation_loss_on_payables_and_several_currencies(db: Database, admin: Actor, books: str) -> None:
    post(
        db,
        admin,
        books,
        VoucherDraft(
            date=date(2025, 4, 3),
            lines=(
                LineDraft(summary="进口材料", account_code="1403", debit=Decimal("1420.00")),
                fx_line("2202", "credit", "1420.00", "200.00", "7.10", dims={"supplier": "S1"}),
            ),
        ),
    )
    post(db, admin, books, sale("2025-04-08", "910.00", "100.00", "9.10", customer="C2", currency="GBP"))
    err = refused(lambda: revalue(db, admin, books, "2025-04"))
    assert isinstance(err, fx.RateMissing) and err.code == "fx.rate_missing"
    assert err.params["currencies"] == "GBP, USD"
    set_rate(db, admin, books, "USD", "2025-04", "7.25")
    err = refused(lambda: revalue(db, admin, books, "2025-04"))
    assert isinstance(err, fx.RateMissing) and err.params["currencies"] == "GBP"
    set_rate(db, admin, books, "GBP", "2025-04", "9.05")
    v = revalue(db, admin, books, "2025-04")
    assert v is not None
    # USD payable 200 × (7.25 - 7.10) = 30 more owed (a loss); GBP receivable 100 × -0.05 = 5 less.
    assert [(ln.account_code, ln.debit, ln.credit, ln.currency, ln.dims) for ln in v.lines] == [
        ("1122", "", "5.00", "GBP", {"customer": "C2"}),
        ("2202", "", "30.00", "USD", {"supplier": "S1"}),
        ("660303", "35.00", "", None, {}),
    ]
    assert base_balance(db, books, "2202") == -145000
    assert base_balance(db, books, "1122", "GBP") == 90500
    assert revalue(db, admin, books, "2025-04") is None


def test_revaluation_rounds_half_up_and_reverses(db: Database, admin: Actor, books: str) -> None:
    # 33.33 USD × 7.1234 = 237.422922 → 237.42; at 7.10 it was booked as 236.64.
    post(db, admin, books, sale("2025-05-05", "236.64", "33.33", "7.10"))
    set_rate(db, admin, books, "USD", "2025-05", "7.1234")
    v = revalue(db, admin, books, "2025-05")
    assert v is not None and v.lines[0].debit == "0.78"
    # A revaluation voucher can be reversed like any other (the original-0 line validates).
    red = ledger.reverse_voucher(UnitOfWork(db, admin), books, v.id)
    assert red.lines[0].debit == "-0.78" and red.lines[0].currency == "USD"


def test_revaluation_refusals(db: Database, admin: Actor, books: str) -> None:
    assert revalue(db, admin, books, "2025-01") is None  # no foreign currency at all
    closing.close_period(UnitOfWork(db, admin), books, "2025-01")
    with pytest.raises(ledger.PeriodClosed):
        revalue(db, admin, books, "2025-01")
    with pytest.raises(closing.PeriodNotFound):
        revalue(db, admin, books, "2031-01")
    accountant = make_user(db, "accountant", books)
    with pytest.raises(PermissionDenied):
        revalue(db, accountant, books, "2025-02")


def test_shells(db: Database, admin: Actor, books: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi.testclient import TestClient
    from typer.testing import CliRunner

    from yecai.api import app as api_app
    from yecai.cli.main import app
    from yecai.security import service as security

    monkeypatch.setenv("YECAI_DATABASE_URL", db.url)
    monkeypatch.setenv("YECAI_LANG", "en")
    post(db, admin, books, sale("2025-03-05", "710.00", "100.00", "7.10"))
    runner = CliRunner()

    def cli(*args: str) -> tuple[int, str]:
        r = runner.invoke(app, ["--user", "admin", *args])
        return r.exit_code, r.output

    code, out = cli("fx", "revalue", "--company", books, "--period", "2025-03")
    assert code == 2 and "fx.rate_missing" in out and "USD" in out
    code, out = cli(
        "fx", "rate", "--company", books, "--currency", "USD", "--period", "2025-03", "--rate", "7.2"
    )
    assert code == 0 and "7.2" in out
    code, out = cli("fx", "rates", "--company", books, "--format", "json")
    assert code == 0 and '"rate": "7.2"' in out
    code, out = cli("fx", "revalue", "--company", books, "--period", "2025-03")
    assert code == 0 and "转-0001" in out

    monkeypatch.setattr(api_app, "ROUTERS", ("yecai.ledger.api_period",))
    token, _user = security.login(db, "admin", "admin-password", kind="api", source="test")
    client = TestClient(api_app.create_app(db))
    client.headers["Authorization"] = f"Bearer {token}"
    base = f"/api/companies/{books}"
    r = client.put(f"{base}/fx-rates/USD/2025-03", json={"rate": "7.25"})
    assert r.status_code == 200 and r.json()["rate"] == "7.25"
    r = client.put(f"{base}/fx-rates/USD/2025-03", json={"rate": "-1"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "fx.rate_invalid"
    assert client.get(f"{base}/fx-rates").json() == [{"currency": "USD", "period": "2025-03", "rate": "7.25"}]
    r = client.post(f"{base}/periods/2025-03/fx-revaluation")
    assert r.status_code == 200 and r.json()["voucher"]["lines"][0]["debit"] == "5.00"
    r = client.post(f"{base}/periods/2025-03/fx-revaluation")
    assert r.json() == {"voucher": None}
