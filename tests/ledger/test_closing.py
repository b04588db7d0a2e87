"""Period closing (结转损益, 结账), year end (结转本年利润), reopening (反结账), the checklist and shells."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select, update

from tests.conftest import cash_sale, draft, make_company, make_user
from yecai.core.errors import PermissionDenied, YecaiError
from yecai.ledger import closing
from yecai.ledger import service as ledger
from yecai.ledger.models import Account, AccountBalance, Company, Voucher, VoucherLine
from yecai.ledger.models import Period as PeriodRow
from yecai.security.models import AuditLog
from yecai.store.db import Database
from yecai.store.uow import Actor, UnitOfWork

DEPT = [("department", "D1", "销售一部"), ("department", "D2", "销售二部")]


@pytest.fixture
def books(db: Database, admin: Actor) -> str:
    code = make_company(db, admin)
    ledger.add_dimension_values(UnitOfWork(db, admin), code, DEPT)
    return code


def post(db: Database, actor: Actor, company: str, d: object) -> ledger.VoucherView:
    return ledger.create_voucher(UnitOfWork(db, actor), company, d, post=True)  # type: ignore[arg-type]


def close(db: Database, actor: Actor, company: str, period: str) -> closing.CloseResult:
    return closing.close_period(UnitOfWork(db, actor), company, period)


def refused(fn: object) -> YecaiError:
    with pytest.raises(YecaiError) as info:
        fn()  # type: ignore[operator]
    return info.value


def balances(db: Database, company: str, period: int) -> dict[str, int]:
    """Net (debit - credit) per account code for one period, from account_balance."""
    with UnitOfWork(db, readonly=True) as uow:
        rows = uow.session.execute(
            select(Account.code, AccountBalance.debit_minor - AccountBalance.credit_minor)
            .join(Account, Account.id == AccountBalance.account_id)
            .where(Account.company_id == ledger_company_id(uow, company), AccountBalance.period == period)
        ).all()
    return {code: int(net) for code, net in rows}


def cumulative(db: Database, company: str, code: str) -> int:
    with UnitOfWork(db, readonly=True) as uow:
        return int(
            uow.session.execute(
                select(func.coalesce(func.sum(AccountBalance.debit_minor - AccountBalance.credit_minor), 0))
                .join(Account, Account.id == AccountBalance.account_id)
                .where(Account.company_id == ledger_company_id(uow, company), Account.code == code)
            ).scalar_one()
        )


def ledger_company_id(uow: UnitOfWork, company: str) -> int:
    from yecai.ledger.models import Company

    return uow.session.execute(select(Company.id).where(Company.code == company)).scalar_one()


def pl_nets_by_dimension(db: Database, company: str, period: int) -> dict[tuple[str, int | None], int]:
    with UnitOfWork(db, readonly=True) as uow:
        rows = uow.session.execute(
            select(
                Account.code,
                VoucherLine.department_id,
                func.sum(VoucherLine.debit_minor - VoucherLine.credit_minor),
            )
            .join(Account, Account.id == VoucherLine.account_id)
            .join(Voucher, Voucher.id == VoucherLine.voucher_id)
            .where(
                Account.company_id == ledger_company_id(uow, company),
                Account.category == "profit_loss",
                VoucherLine.period == period,
                Voucher.status == "posted",
            )
            .group_by(Account.code, VoucherLine.department_id)
        ).all()
    return {(code, dept): int(net) for code, dept, net in rows}


def audit_rows(db: Database, action: str, entity_id: str, company: str) -> list[dict[str, object]]:
    """The company's audit rows (other tests close the same periods of their own companies)."""
    with UnitOfWork(db, readonly=True) as uow:
        company_id = select(Company.id).where(Company.code == company).scalar_subquery()
        return [
            json.loads(r.after_json or "{}")
            for r in uow.session.execute(
                select(AuditLog).where(
                    AuditLog.action == action,
                    AuditLog.entity_id == entity_id,
                    AuditLog.company_id == company_id,
                )
            ).scalars()
        ]


def chain_ok(db: Database, actor: Actor, company: str) -> bool:
    return ledger.verify_chain(UnitOfWork(db, actor), company).ok


def january_activity(db: Database, admin: Actor, books: str) -> None:
    post(db, admin, books, cash_sale("2025-01-05", "1000.00"))
    post(
        db,
        admin,
        books,
        draft("2025-01-06", ("结转成本", "6401", "600", ""), ("结转成本", "1405", "", "600")),
    )
    post(
        db,
        admin,
        books,
        draft(
            "2025-01-10",
            ("工资", "660101", "100", "", {"department": "D1"}),
            ("工资", "660101", "50", "", {"department": "D2"}),
            ("广告", "660102", "40", "", {"department": "D1"}),
            ("付款", "1001", "", "190"),
        ),
    )
    # Red amounts (红字) count like any other movement.
    post(
        db,
        admin,
        books,
        draft("2025-01-12", ("冲减收入", "6001", "", "-30"), ("冲减收入", "1001", "-30", "")),
    )
    # An income account left with a net debit balance must end at zero too.
    post(db, admin, books, draft("2025-01-15", ("退款", "6051", "20", ""), ("退款", "1001", "", "20")))
    # Interest income booked as a red expense (660302 利息收入 under 财务费用).
    post(db, admin, books, draft("2025-01-20", ("利息", "1001", "5", ""), ("利息", "660302", "", "5")))


# --- 结转损益 ---------------------------------------------------------------------------------------


def test_close_carries_profit_and_loss_to_4103(db: Database, admin: Actor, books: str) -> None:
    january_activity(db, admin, books)
    res = close(db, admin, books, "2025-01")
    # 1000 - 30 - 20 - 600 - 190 + 5
    assert res.profit == "165.00"
    assert len(res.vouchers) == 1 and res.vouchers[0].startswith("转-")
    assert not res.year_end and res.year_profit is None

    figures = balances(db, books, 202501)
    pl_codes = {c for c in figures if c[0] == "6"}
    assert pl_codes >= {"6001", "6051", "6401", "660101", "660102", "660302"}
    assert all(figures[c] == 0 for c in pl_codes), figures
    assert figures["4103"] == -16500  # a credit balance: the profit
    # Per department too: the closing lines carry the dimension values.
    assert all(net == 0 for net in pl_nets_by_dimension(db, books, 202501).values())

    v = ledger.get_voucher(UnitOfWork(db, admin), books, res.voucher_ids[0])
    assert (v.status, v.source_type, v.source_ref, v.word, v.date) == (
        "posted",
        "closing",
        "2025-01/结转损益",
        "转",
        "2025-01-31",
    )
    assert {ln.summary for ln in v.lines} == {"结转损益"}
    assert all(not (ln.debit or ln.credit).startswith("-") for ln in v.lines)
    sides = {(ln.account_code, ln.dims.get("department")): (ln.debit, ln.credit) for ln in v.lines}
    assert sides[("6001", None)] == ("970.00", "")
    assert sides[("6051", None)] == ("", "20.00")  # the income account's debit balance is credited
    assert sides[("660101", "D1")] == ("", "100.00")
    assert sides[("660101", "D2")] == ("", "50.00")
    assert sides[("660302", None)] == ("5.00", "")
    assert sides[("4103", None)] != ("", "")
    assert chain_ok(db, admin, books)
    period = next(p for p in closing.list_periods(UnitOfWork(db, admin), books) if p["period"] == "2025-01")
    assert period["status"] == "closed" and period["closed_by"] == "admin" and period["closed_at"]
    assert period["posted_count"] == 7
    assert audit_rows(db, "period.close", "2025-01", books)[0]["vouchers"] == res.vouchers


def test_nothing_to_carry_makes_no_voucher(db: Database, admin: Actor, books: str) -> None:
    post(db, admin, books, draft("2025-01-03", ("存现", "100201", "10", ""), ("存现", "1001", "", "10")))
    res = close(db, admin, books, "2025-01")
    assert res.vouchers == [] and res.profit == "0.00"


def test_closed_period_refuses_vouchers_and_posting(db: Database, admin: Actor, books: str) -> None:
    close(db, admin, books, "2025-01")
    with pytest.raises(ledger.PeriodClosed):
        post(db, admin, books, cash_sale("2025-01-20"))
    # A voucher reviewed in an open period cannot be posted once the period is closed. (Closing
    # refuses while it is unposted, so the period is closed behind its back here.)
    reviewer = make_user(db, "reviewer", books)
    pending = ledger.create_voucher(UnitOfWork(db, admin), books, cash_sale("2025-02-10"))
    ledger.review_voucher(UnitOfWork(db, reviewer), books, pending.id)
    with UnitOfWork(db) as uow:
        cid = ledger_company_id(uow, books)
        uow.session.execute(
            update(PeriodRow)
            .where(PeriodRow.company_id == cid, PeriodRow.period == 202502)
            .values(status="closed")
        )
        uow.commit()
    with pytest.raises(ledger.PeriodClosed):
        ledger.post_voucher(UnitOfWork(db, admin), books, pending.id)


def test_unposted_vouchers_block_close(db: Database, admin: Actor, books: str) -> None:
    reviewer = make_user(db, "reviewer", books)
    a = ledger.create_voucher(UnitOfWork(db, admin), books, cash_sale("2025-01-03"))
    b = ledger.create_voucher(UnitOfWork(db, admin), books, cash_sale("2025-01-04"))
    c = ledger.create_voucher(UnitOfWork(db, admin), books, cash_sale("2025-01-05"))
    ledger.review_voucher(UnitOfWork(db, reviewer), books, b.id)
    ledger.void_voucher(UnitOfWork(db, admin), books, c.id)  # a void voucher is fine
    err = refused(lambda: close(db, admin, books, "2025-01"))
    assert isinstance(err, closing.UnpostedVouchers)
    assert err.code == "period.unposted_vouchers"
    assert (err.params["count"], err.params["vouchers"]) == (2, f"{a.voucher_no}, {b.voucher_no}")
    assert a.voucher_no in str(err) and c.voucher_no not in str(err)
    ledger.post_voucher(UnitOfWork(db, admin), books, b.id)
    ledger.void_voucher(UnitOfWork(db, admin), books, a.id)
    assert close(db, admin, books, "2025-01").profit == "100.00"


def test_close_in_order_and_other_refusals(db: Database, admin: Actor, books: str) -> None:
    err = refused(lambda: close(db, admin, books, "2025-02"))
    assert isinstance(err, closing.EarlierPeriodOpen)
    assert (err.params["earlier"], err.params["period"]) == ("2025-01", "2025-02")
    close(db, admin, books, "2025-01")
    err = refused(lambda: close(db, admin, books, "2025-01"))
    assert isinstance(err, closing.PeriodAlreadyClosed) and err.code == "period.already_closed"
    err = refused(lambda: close(db, admin, books, "2030-01"))
    assert isinstance(err, closing.PeriodNotFound) and err.code == "period.not_found"
    accountant = make_user(db, "accountant", books)
    with pytest.raises(PermissionDenied):
        close(db, accountant, books, "2025-02")


# --- 反结账 ---------------------------------------------------------------------------------------


def test_reopen_rules_and_reclose(db: Database, admin: Actor, books: str) -> None:
    post(db, admin, books, cash_sale("2025-01-05", "100.00"))
    close(db, admin, books, "2025-01")
    post(db, admin, books, cash_sale("2025-02-05", "200.00"))
    close(db, admin, books, "2025-02")

    accountant = make_user(db, "accountant", books)
    with pytest.raises(PermissionDenied):
        closing.reopen_period(UnitOfWork(db, accountant), books, "2025-02", reason="改错")
    for blank in ("", "   "):
        err = refused(
            lambda b=blank: closing.reopen_period(UnitOfWork(db, admin), books, "2025-02", reason=b)
        )
        assert isinstance(err, closing.ReopenReasonRequired) and err.field == "reason"
    err = refused(lambda: closing.reopen_period(UnitOfWork(db, admin), books, "2025-01", reason="改错"))
    assert isinstance(err, closing.NotLatestClosedPeriod)
    assert (err.params["latest"], err.params["period"]) == ("2025-02", "2025-01")
    err = refused(lambda: closing.reopen_period(UnitOfWork(db, admin), books, "2025-03", reason="改错"))
    assert isinstance(err, closing.PeriodNotClosed)

    manager = make_user(db, "finance_manager", books)
    closing.reopen_period(UnitOfWork(db, manager), books, "2025-02", reason="补录二月费用")
    assert audit_rows(db, "period.reopen", "2025-02", books)[0] == {
        "status": "open",
        "reason": "补录二月费用",
    }
    assert len(audit_rows(db, "period.close", "2025-02", books)) == 1

    # The first closing voucher stays; closing again carries only the new activity.
    post(
        db,
        admin,
        books,
        draft("2025-02-20", ("费用", "660201", "30", "", {"department": "D2"}), ("费用", "1001", "", "30")),
    )
    res = close(db, admin, books, "2025-02")
    assert res.profit == "-30.00" and len(res.vouchers) == 1
    figures = balances(db, books, 202502)
    assert figures["6001"] == 0 and figures["660201"] == 0
    assert figures["4103"] == -17000
    closing_vouchers = ledger.list_vouchers(UnitOfWork(db, admin), books, period="2025-02", word="转")[
        "items"
    ]
    assert [v.source_type for v in closing_vouchers] == ["closing", "closing"]
    assert chain_ok(db, admin, books)


# --- year end -------------------------------------------------------------------------------------


def test_year_end_carries_profit_and_opens_next_year(db: Database, admin: Actor) -> None:
    books = make_company(db, admin, start="2025-11")
    ledger.add_dimension_values(UnitOfWork(db, admin), books, DEPT)
    post(db, admin, books, cash_sale("2025-11-05", "500.00"))
    post(db, admin, books, cash_sale("2025-12-05", "300.00"))
    post(
        db,
        admin,
        books,
        draft("2025-12-08", ("差旅", "660203", "120", "", {"department": "D1"}), ("差旅", "1001", "", "120")),
    )
    assert not close(db, admin, books, "2025-11").year_end
    res = close(db, admin, books, "2025-12")
    assert res.year_end and res.profit == "180.00" and res.year_profit == "680.00"
    assert res.opened_year == 2026 and len(res.vouchers) == 2

    assert cumulative(db, books, "4103") == 0
    assert cumulative(db, books, "410499") == -68000
    year_end = ledger.get_voucher(UnitOfWork(db, admin), books, res.voucher_ids[1])
    assert (year_end.source_type, year_end.source_ref, year_end.date) == (
        "closing",
        "2025-12/结转本年利润",
        "2025-12-31",
    )
    assert [(ln.account_code, ln.debit, ln.credit, ln.summary) for ln in year_end.lines] == [
        ("4103", "680.00", "", "结转本年利润"),
        ("410499", "", "680.00", "结转本年利润"),
    ]
    periods = {p["period"]: p["status"] for p in closing.list_periods(UnitOfWork(db, admin), books)}
    assert [p for p in periods if p.startswith("2026")] == [f"2026-{m:02d}" for m in range(1, 13)]
    assert all(periods[f"2026-{m:02d}"] == "open" for m in range(1, 13))
    v = post(db, admin, books, cash_sale("2026-01-10", "50.00"))
    assert v.status == "posted" and v.period == "2026-01"
    assert chain_ok(db, admin, books)

    # Reopening December leaves 2026 as it is; closing again carries only the new activity.
    closing.reopen_period(UnitOfWork(db, admin), books, "2025-12", reason="年末补提费用")
    post(db, admin, books, draft("2025-12-31", ("补提", "6403", "80", ""), ("补提", "1001", "", "80")))
    res = close(db, admin, books, "2025-12")
    assert (res.profit, res.year_profit) == ("-80.00", "-80.00")
    assert cumulative(db, books, "4103") == 0
    assert cumulative(db, books, "410499") == -60000
    assert chain_ok(db, admin, books)


def test_loss_year(db: Database, admin: Actor) -> None:
    books = make_company(db, admin, start="2025-12")
    post(db, admin, books, draft("2025-12-01", ("税金", "6403", "70", ""), ("税金", "1001", "", "70")))
    res = close(db, admin, books, "2025-12")
    assert (res.profit, res.year_profit) == ("-70.00", "-70.00")
    v = ledger.get_voucher(UnitOfWork(db, admin), books, res.voucher_ids[1])
    assert [(ln.account_code, ln.debit, ln.credit) for ln in v.lines] == [
        ("410499", "70.00", ""),
        ("4103", "", "70.00"),
    ]
    assert cumulative(db, books, "4103") == 0 and cumulative(db, books, "410499") == 7000


def test_prior_year_adjustment_goes_to_retained_earnings(db: Database, admin: Actor, books: str) -> None:
    post(db, admin, books, draft("2025-01-09", ("调整", "1001", "15", ""), ("调整", "6901", "", "15")))
    post(db, admin, books, cash_sale("2025-01-10", "100.00"))
    res = close(db, admin, books, "2025-01")
    assert res.profit == "100.00"
    figures = balances(db, books, 202501)
    assert (figures["6901"], figures["4103"], figures["410499"]) == (0, -10000, -1500)


# --- checklist ------------------------------------------------------------------------------------


def test_checklist(db: Database, admin: Actor, books: str) -> None:
    january_activity(db, admin, books)
    draft_v = ledger.create_voucher(UnitOfWork(db, admin), books, cash_sale("2025-02-02"))
    feb = closing.close_checklist(UnitOfWork(db, admin), books, "2025-02")
    assert feb["earlier_open"] == ["2025-01"]
    assert feb["unposted_count"] == 1 and feb["unposted"][0]["voucher_no"] == draft_v.voucher_no
    assert not feb["can_close"]

    jan = closing.close_checklist(UnitOfWork(db, admin), books, "2025-01")
    assert jan["can_close"] and jan["status"] == "open" and not jan["year_end"]
    assert jan["trial_balance"]["balanced"]
    assert jan["trial_balance"]["period_debit"] == jan["trial_balance"]["period_credit"]
    assert jan["profit"] == "165.00"
    rows = {(r["account_code"], r["dims"].get("department")): r for r in jan["profit_loss"]}
    assert rows[("660101", "D1")]["net"] == "100.00" and rows[("6001", None)]["net"] == "-970.00"
    assert all(r["carry_to"] == "4103" for r in jan["profit_loss"])

    close(db, admin, books, "2025-01")
    after = closing.close_checklist(UnitOfWork(db, admin), books, "2025-01")
    assert after["status"] == "closed" and after["profit_loss"] == [] and not after["can_close"]
    listed = {p["period"]: p for p in closing.list_periods(UnitOfWork(db, admin), books)}
    assert (listed["2025-02"]["draft_count"], listed["2025-02"]["status"]) == (1, "open")
    assert len(listed) == 12


# --- shells ---------------------------------------------------------------------------------------


def test_cli(db: Database, admin: Actor, books: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from yecai.cli.main import app

    monkeypatch.setenv("YECAI_DATABASE_URL", db.url)
    monkeypatch.setenv("YECAI_LANG", "en")
    post(db, admin, books, cash_sale("2025-01-05", "100.00"))
    runner = CliRunner()

    def cli(*args: str) -> tuple[int, str]:
        r = runner.invoke(app, ["--user", "admin", *args])
        return r.exit_code, r.output

    code, out = cli("period", "checklist", "--company", books, "--period", "2025-01")
    assert code == 0 and "Ready to close" in out
    code, out = cli("period", "close", "--company", books, "--period", "2025-02")
    assert code == 2 and "period.earlier_open" in out
    code, out = cli("period", "close", "--company", books, "--period", "2025-01")
    assert code == 0 and "转-0001" in out and "Period 2025-01 closed" in out
    code, out = cli("period", "list", "--company", books, "--format", "json")
    assert code == 0 and json.loads(out)[0]["status"] == "closed"
    code, out = cli("period", "reopen", "--company", books, "--period", "2025-01")
    assert code == 2 and "period.reopen_reason_required" in out
    code, out = cli("period", "reopen", "--company", books, "--period", "2025-01", "--reason", "fix")
    assert code == 0 and "reopened" in out


def test_api(db: Database, admin: Actor, books: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi.testclient import TestClient

    from yecai.api import app as api_app
    from yecai.api.app import create_app
    from yecai.security import service as security

    # Only this module's routes: the test should not depend on other packages' routers.
    monkeypatch.setattr(api_app, "ROUTERS", ("yecai.ledger.api_period",))
    token, _user = security.login(db, "admin", "admin-password", kind="api", source="test")
    client = TestClient(create_app(db))
    client.headers["Authorization"] = f"Bearer {token}"
    post(db, admin, books, cash_sale("2025-01-05", "100.00"))
    base = f"/api/companies/{books}"
    r = client.get(f"{base}/periods/2025-01/checklist")
    assert r.status_code == 200 and r.json()["can_close"]
    r = client.post(f"{base}/periods/2025-02/close")
    assert r.status_code == 409 and r.json()["error"]["code"] == "period.earlier_open"
    r = client.post(f"{base}/periods/2025-01/close")
    assert r.status_code == 200 and r.json()["profit"] == "100.00"
    r = client.get(f"{base}/periods")
    assert r.json()[0]["status"] == "closed"
    r = client.post(f"{base}/periods/2025-01/reopen", json={"reason": ""})
    assert r.status_code == 422 and r.json()["error"]["code"] == "period.reopen_reason_required"
    r = client.post(f"{base}/periods/2025-01/reopen", json={"reason": "补录"})
    assert r.status_code == 200 and r.json()["status"] == "open"
