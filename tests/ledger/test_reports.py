"""The books: every figure below was computed by hand from the small ledger in ``books``.

Each test runs on SQLite and (when reachable) PostgreSQL through the ``db`` fixture; the CLI
tests run on the SQLite database only (the CLI reads YECAI_DATABASE_URL).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from tests.conftest import draft, make_company, make_user
from yecai.core.errors import NotFound, PermissionDenied
from yecai.core.money import to_minor
from yecai.core.periods import Period
from yecai.ledger import reports
from yecai.ledger import service as ledger
from yecai.ledger.domain import VoucherDraft
from yecai.store.db import Database
from yecai.store.uow import Actor, UnitOfWork

C1 = {"customer": "C1"}
C2 = {"customer": "C2"}
S1 = {"supplier": "S1"}
D1 = {"department": "D1"}


def Y(text: str) -> int:
    """Yuan as written in the expectations → minor units."""
    return to_minor(text)


def post(db: Database, actor: Actor, company: str, d: VoucherDraft) -> int:
    return ledger.create_voucher(UnitOfWork(db, actor), company, d, post=True).id


def closing(d: VoucherDraft) -> VoucherDraft:
    """The same voucher marked as a month-end closing voucher (结转损益)."""
    return VoucherDraft(date=d.date, lines=d.lines, word=d.word, source_type="closing")


def make_books(db: Database, admin: Actor, start: str = "2025-01") -> tuple[str, dict[str, int]]:
    """Jan: capital, a sale to C1. Feb: C1 pays half, a sale to C2, a purchase.
    Mar: cash withdrawal, an office expense, a sale to C1, cost of sales. Returns voucher ids."""
    company = make_company(db, admin, start=start)
    ledger.add_dimension_values(
        UnitOfWork(db, admin),
        company,
        [
            ("customer", "C1", "华东客户"),
            ("customer", "C2", "华南客户"),
            ("supplier", "S1", "供应商"),
            ("department", "D1", "行政部"),
        ],
    )
    v = {}
    v["capital"] = post(
        db,
        admin,
        company,
        draft("2025-01-10", ("投资", "100201", "10000", ""), ("投资", "4001", "", "10000")),
    )
    v["sale1"] = post(
        db,
        admin,
        company,
        draft(
            "2025-01-20",
            ("销售", "1122", "1130", "", C1),
            ("销售", "6001", "", "1000"),
            ("销项税", "22210102", "", "130"),
        ),
    )
    v["receipt"] = post(
        db,
        admin,
        company,
        draft("2025-02-05", ("收款", "100201", "565", ""), ("收款", "1122", "", "565", C1)),
    )
    v["sale2"] = post(
        db,
        admin,
        company,
        draft(
            "2025-02-15",
            ("销售", "1122", "226", "", C2),
            ("销售", "6001", "", "200"),
            ("销项税", "22210102", "", "26"),
        ),
    )
    v["purchase"] = post(
        db,
        admin,
        company,
        draft(
            "2025-02-20",
            ("采购", "1405", "1000", ""),
            ("进项税", "22210101", "130", ""),
            ("采购", "2202", "", "1130", S1),
        ),
    )
    v["withdraw"] = post(
        db, admin, company, draft("2025-03-03", ("提现", "1001", "500", ""), ("提现", "100201", "", "500"))
    )
    v["office"] = post(
        db,
        admin,
        company,
        draft("2025-03-10", ("办公费", "660202", "120", "", D1), ("办公费", "1001", "", "120")),
    )
    v["sale3"] = post(
        db,
        admin,
        company,
        draft(
            "2025-03-20",
            ("销售", "1122", "339", "", C1),
            ("销售", "6001", "", "300"),
            ("销项税", "22210102", "", "39"),
        ),
    )
    v["cost"] = post(
        db,
        admin,
        company,
        draft("2025-03-25", ("结转成本", "6401", "400", ""), ("结转成本", "1405", "", "400")),
    )
    return company, v


@pytest.fixture
def books(db: Database, admin: Actor) -> tuple[str, dict[str, int]]:
    return make_books(db, admin)


def u(db: Database, actor: Actor) -> UnitOfWork:
    return UnitOfWork(db, actor)


def tb_map(rows: list[reports.TrialBalanceRow]) -> dict[str, tuple[int, ...]]:
    return {
        r.account_code: (
            r.opening_debit,
            r.opening_credit,
            r.period_debit,
            r.period_credit,
            r.closing_debit,
            r.closing_credit,
        )
        for r in rows
    }


# --- trial balance -----------------------------------------------------------------------------


def test_trial_balance_march_with_opening_from_prior_periods_and_parent_rollup(db, admin, books):
    company, _ = books
    rows = reports.trial_balance(u(db, admin), company, "2025-03")
    tb = tb_map(rows)
    assert tb == {
        "1001": (0, 0, Y("500"), Y("120"), Y("380"), 0),
        "1002": (Y("10565"), 0, 0, Y("500"), Y("10065"), 0),
        "100201": (Y("10565"), 0, 0, Y("500"), Y("10065"), 0),
        "1122": (Y("791"), 0, Y("339"), 0, Y("1130"), 0),
        "1405": (Y("1000"), 0, 0, Y("400"), Y("600"), 0),
        "2202": (0, Y("1130"), 0, 0, 0, Y("1130")),
        # 应交税费: input VAT 130 (a debit balance) and output VAT 156 net to a credit of 26.
        "2221": (0, Y("26"), 0, Y("39"), 0, Y("65")),
        "222101": (0, Y("26"), 0, Y("39"), 0, Y("65")),
        "22210101": (Y("130"), 0, 0, 0, Y("130"), 0),
        "22210102": (0, Y("156"), 0, Y("39"), 0, Y("195")),
        "4001": (0, Y("10000"), 0, 0, 0, Y("10000")),
        "6001": (0, Y("1200"), 0, Y("300"), 0, Y("1500")),
        "6401": (0, 0, Y("400"), 0, Y("400"), 0),
        "6602": (0, 0, Y("120"), 0, Y("120"), 0),
        "660202": (0, 0, Y("120"), 0, Y("120"), 0),
    }
    assert [r.account_code for r in rows] == sorted(tb)
    by_code = {r.account_code: r for r in rows}
    assert by_code["2221"].level == 1 and not by_code["2221"].is_leaf
    assert by_code["22210102"].level == 3 and by_code["22210102"].is_leaf
    assert by_code["2221"].direction == "credit"
    totals = reports.trial_balance_totals(rows)
    assert totals == {
        "opening_debit": Y("12486"),
        "opening_credit": Y("12486"),
        "period_debit": Y("1359"),
        "period_credit": Y("1359"),
        "closing_debit": Y("12825"),
        "closing_credit": Y("12825"),
    }


def test_trial_balance_range_level_limit_and_zero_rows(db, admin, books):
    company, _ = books
    rows = reports.trial_balance(u(db, admin), company, "2025-01", "2025-03")
    tb = tb_map(rows)
    assert tb["1122"] == (0, 0, Y("1695"), Y("565"), Y("1130"), 0)
    assert tb["6001"] == (0, 0, 0, Y("1500"), 0, Y("1500"))
    totals = reports.trial_balance_totals(rows)
    assert totals["opening_debit"] == totals["opening_credit"] == 0
    assert totals["period_debit"] == totals["period_credit"] == Y("14410")
    assert totals["closing_debit"] == totals["closing_credit"] == Y("12825")

    level1 = reports.trial_balance(u(db, admin), company, "2025-01", "2025-03", level_max=1)
    assert all(r.level == 1 for r in level1)
    assert {r.account_code for r in level1} >= {"1002", "2221", "6602"}
    level1_totals = reports.trial_balance_totals(level1)
    # Parents net their children (2221: input VAT 130 Dr against output VAT 195 Cr), so only
    # the period columns keep the leaf totals; every pair still balances.
    assert level1_totals["period_debit"] == level1_totals["period_credit"] == Y("14410")
    assert level1_totals["closing_debit"] == level1_totals["closing_credit"] == Y("12825") - Y("130")

    everything = reports.trial_balance(u(db, admin), company, "2025-03", include_zero=True)
    assert len(everything) > len(rows)
    assert tb_map(everything)["1012"] == (0, 0, 0, 0, 0, 0)
    # A period before any posting: nothing to show.
    assert reports.trial_balance(u(db, admin), company, "2024-12") == []


def test_trial_balance_refuses_a_backwards_range(db, admin, books):
    company, _ = books
    with pytest.raises(reports.ReportPeriodRange) as info:
        reports.trial_balance(u(db, admin), company, "2025-03", "2025-01")
    assert info.value.code == "report.period_range"


def test_balance_at_a_date_inside_a_period(db, admin, books):
    company, _ = books
    at = lambda code, d: reports.account_balance_at(u(db, admin), company, code, date.fromisoformat(d))  # noqa: E731
    assert at("1001", "2025-03-02") == 0
    assert at("1001", "2025-03-03") == Y("500")
    assert at("1001", "2025-03-09") == Y("500")
    assert at("1001", "2025-03-10") == Y("380")
    assert at("1002", "2025-03-05") == Y("10065")  # a parent: sum of its sub-accounts
    assert at("1122", "2025-02-10") == Y("565")
    assert at("2221", "2025-03-31") == -Y("65")  # credit balance: negative net
    with pytest.raises(NotFound):
        at("9999", "2025-03-31")


# --- general ledger ----------------------------------------------------------------------------


def test_general_ledger_per_period_with_year_to_date(db, admin, books):
    company, _ = books
    rows = reports.general_ledger(u(db, admin), company, "2025-02", "2025-03")
    by = {(r["account_code"], r["period"]): r for r in rows}
    feb = by[("1122", "2025-02")]
    assert (feb["opening"], feb["period_debit"], feb["period_credit"]) == (Y("1130"), Y("226"), Y("565"))
    assert (feb["ytd_debit"], feb["ytd_credit"], feb["closing"]) == (Y("1356"), Y("565"), Y("791"))
    mar = by[("1122", "2025-03")]
    assert (mar["opening"], mar["ytd_debit"], mar["closing"]) == (Y("791"), Y("1695"), Y("1130"))
    assert mar["closing_direction"] == "借" and mar["closing_balance"] == Y("1130")
    tax = by[("2221", "2025-03")]
    assert (tax["closing"], tax["closing_balance"], tax["closing_direction"]) == (-Y("65"), Y("65"), "贷")
    assert by[("1001", "2025-02")]["opening_direction"] == "平"
    # first-level accounts only, unless one account is asked for
    assert all(len(r["account_code"]) == 4 for r in rows)
    one = reports.general_ledger(u(db, admin), company, "2025-03", account_code="22210102")
    assert [(r["account_code"], r["closing"]) for r in one] == [("22210102", -Y("195"))]


# --- subledger ---------------------------------------------------------------------------------


def test_subledger_running_balance_and_period_totals(db, admin, books):
    company, v = books
    result = reports.subledger(u(db, admin), company, "1122", "2025-02", "2025-03")
    assert result["opening"] == Y("1130") and result["closing"] == Y("1130") and result["total"] == 3
    got = [
        (r["kind"], r["voucher_id"], r["debit"], r["credit"], r["net"], r["direction"])
        for r in result["rows"]
    ]
    assert got == [
        ("opening", None, 0, 0, Y("1130"), "借"),
        ("line", v["receipt"], 0, Y("565"), Y("565"), "借"),
        ("line", v["sale2"], Y("226"), 0, Y("791"), "借"),
        ("month_total", None, Y("226"), Y("565"), Y("791"), "借"),
        ("year_total", None, Y("1356"), Y("565"), Y("791"), "借"),
        ("line", v["sale3"], Y("339"), 0, Y("1130"), "借"),
        ("month_total", None, Y("339"), 0, Y("1130"), "借"),
        ("year_total", None, Y("1695"), Y("565"), Y("1130"), "借"),
    ]
    line = result["rows"][1]
    assert line["date"] == "2025-02-05" and line["voucher_no"] == "记-0001" and line["summary"] == "收款"
    assert line["account_code"] == "1122" and line["period"] == "2025-02"


def test_subledger_of_a_parent_includes_sub_accounts(db, admin, books):
    company, v = books
    result = reports.subledger(u(db, admin), company, "2221", "2025-01", "2025-03")
    lines = [r for r in result["rows"] if r["kind"] == "line"]
    assert [r["account_code"] for r in lines] == ["22210102", "22210102", "22210101", "22210102"]
    assert [r["net"] for r in lines] == [-Y("130"), -Y("156"), -Y("26"), -Y("65")]
    assert lines[-1]["direction"] == "贷" and lines[-1]["balance"] == Y("65")


def test_subledger_pages_keep_the_running_balance(db, admin, books):
    company, v = books
    pages = [
        reports.subledger(u(db, admin), company, "1122", "2025-02", "2025-03", page=p, page_size=1)
        for p in (1, 2, 3)
    ]
    assert [p["pages"] for p in pages] == [3, 3, 3]
    kinds = [[(r["kind"], r["net"]) for r in p["rows"]] for p in pages]
    assert kinds == [
        [("opening", Y("1130")), ("line", Y("565"))],
        [("line", Y("791")), ("month_total", Y("791")), ("year_total", Y("791"))],
        [("line", Y("1130")), ("month_total", Y("1130")), ("year_total", Y("1130"))],
    ]


def test_customer_subledger_and_dimension_balances(db, admin, books):
    company, v = books
    result = reports.subledger(
        u(db, admin), company, "1122", "2025-02", "2025-03", dimension="customer", value="C1"
    )
    lines = [(r["voucher_id"], r["net"]) for r in result["rows"] if r["kind"] == "line"]
    assert result["opening"] == Y("1130")
    assert lines == [(v["receipt"], Y("565")), (v["sale3"], Y("904"))]
    assert result["closing"] == Y("904")

    rows = reports.dimension_balances(u(db, admin), company, "1122", "customer", "2025-03")
    assert [
        (r["code"], r["name"], r["opening_debit"], r["period_debit"], r["closing_debit"]) for r in rows
    ] == [
        ("C1", "华东客户", Y("565"), Y("339"), Y("904")),
        ("C2", "华南客户", Y("226"), 0, Y("226")),
    ]
    # a department ledger on the expense parent
    dept = reports.subledger(u(db, admin), company, "6602", "2025-03", dimension="department", value="D1")
    assert [r["net"] for r in dept["rows"] if r["kind"] == "line"] == [Y("120")]

    with pytest.raises(reports.ReportDimensionInvalid):
        reports.subledger(u(db, admin), company, "1122", "2025-03", dimension="colour", value="red")
    with pytest.raises(NotFound):
        reports.subledger(u(db, admin), company, "1122", "2025-03", dimension="customer", value="NOPE")
    with pytest.raises(reports.ReportDimensionValueWithoutDimension):
        reports.subledger(u(db, admin), company, "1122", "2025-03", value="C1")


# --- statements --------------------------------------------------------------------------------


def amounts(rows: list[reports.StatementRow]) -> dict[str, tuple[int, int]]:
    return {r.key: (r.amount, r.comparative) for r in rows if not r.is_header}


def test_balance_sheet_balances_before_and_after_profit_and_loss(db, admin, books):
    company, _ = books
    for period in ("2025-01", "2025-02", "2025-03"):
        bs = amounts(reports.balance_sheet(u(db, admin), company, period))
        assert bs["total_assets"][0] == bs["total_liabilities_and_equity"][0], period
    bs = amounts(reports.balance_sheet(u(db, admin), company, "2025-03"))
    assert bs["monetary_funds"] == (Y("10445"), 0)
    assert bs["accounts_receivable"] == (Y("1130"), 0)
    assert bs["inventories"] == (Y("600"), 0)
    assert bs["total_assets"] == (Y("12175"), 0)
    assert bs["accounts_payable"] == (Y("1130"), 0)
    assert bs["taxes_payable"] == (Y("65"), 0)
    assert bs["undistributed_profit"] == (Y("980"), 0)  # P&L not yet closed: carried through PL
    assert bs["total_liabilities_and_equity"] == (Y("12175"), 0)
    rows = reports.balance_sheet(u(db, admin), company, "2025-03")
    header = next(r for r in rows if r.key == "current_assets")
    assert header.is_header and header.amount == 0
    receivable = next(r for r in rows if r.key == "accounts_receivable")
    assert receivable.accounts == ("1122", "1231") and receivable.side == "asset"


def test_balance_sheet_comparative_is_previous_year_end(db, admin):
    company = make_company(db, admin, start="2024-12")
    with UnitOfWork(db, admin) as w:  # open the next fiscal year (the year-end close will do this)
        ledger.open_periods(
            w.session, w.company(company, "company.manage"), Period(2025, 1), Period(2025, 12)
        )
        w.commit()
    post(
        db, admin, company, draft("2024-12-15", ("投资", "100201", "5000", ""), ("投资", "4001", "", "5000"))
    )
    post(db, admin, company, draft("2024-12-20", ("现销", "1001", "100", ""), ("现销", "6001", "", "100")))
    post(db, admin, company, draft("2025-01-08", ("现销", "1001", "50", ""), ("现销", "6001", "", "50")))
    bs = amounts(reports.balance_sheet(u(db, admin), company, "2025-01"))
    assert bs["monetary_funds"] == (Y("5150"), Y("5100"))
    assert bs["undistributed_profit"] == (Y("150"), Y("100"))
    assert bs["total_assets"] == bs["total_liabilities_and_equity"] == (Y("5150"), Y("5100"))
    # the income statement's year to date starts in January; the trial balance's opening does not
    inc = amounts(reports.income_statement(u(db, admin), company, "2025-01"))
    assert inc["operating_revenue"] == (Y("50"), Y("50"))
    tb = tb_map(reports.trial_balance(u(db, admin), company, "2025-01"))
    assert tb["6001"] == (0, Y("100"), 0, Y("50"), 0, Y("150"))


def test_income_statement_period_range_and_year_to_date(db, admin, books):
    company, _ = books
    inc = amounts(reports.income_statement(u(db, admin), company, "2025-03"))
    assert inc["operating_revenue"] == (Y("300"), Y("1500"))
    assert inc["operating_costs"] == (Y("400"), Y("400"))
    assert inc["administrative_expenses"] == (Y("120"), Y("120"))
    assert inc["operating_profit"] == (-Y("220"), Y("980"))
    assert inc["net_profit"] == (-Y("220"), Y("980"))
    ranged = amounts(reports.income_statement(u(db, admin), company, "2025-02", "2025-03"))
    assert ranged["operating_revenue"] == (Y("500"), Y("1500"))
    assert ranged["net_profit"] == (Y("-20"), Y("980"))


def test_income_statement_excludes_closing_vouchers(db, admin, books):
    company, _ = books
    before = amounts(reports.income_statement(u(db, admin), company, "2025-03"))
    post(
        db,
        admin,
        company,
        closing(
            draft(
                "2025-03-31",
                ("结转收入", "6001", "1500", ""),
                ("结转费用", "6401", "", "400"),
                ("结转费用", "660202", "", "120", D1),
                ("结转本年利润", "4103", "", "980"),
            )
        ),
    )
    assert amounts(reports.income_statement(u(db, admin), company, "2025-03")) == before
    # The balance sheet still balances; the profit now sits in 本年利润 instead of PL.
    bs = amounts(reports.balance_sheet(u(db, admin), company, "2025-03"))
    assert bs["undistributed_profit"] == (Y("980"), 0)
    assert bs["total_assets"] == bs["total_liabilities_and_equity"] == (Y("12175"), 0)
    tb = tb_map(reports.trial_balance(u(db, admin), company, "2025-03"))
    assert tb["6001"][4:] == (0, 0) and tb["4103"][4:] == (0, Y("980"))


# --- authorization -----------------------------------------------------------------------------


def test_company_isolation(db, admin, books):
    company, _ = books
    other = make_company(db, admin)
    outsider = make_user(db, "accountant", other)
    for call in (
        lambda w: reports.trial_balance(w, company, "2025-03"),
        lambda w: reports.balance_sheet(w, company, "2025-03"),
        lambda w: reports.subledger(w, company, "1122", "2025-03"),
        lambda w: reports.account_balance_at(w, company, "1001", date(2025, 3, 31)),
    ):
        with pytest.raises(NotFound) as info:
            call(u(db, outsider))
        assert info.value.code == "not_found"
    cashier = make_user(db, "cashier", company)  # may see the company but not its reports
    with pytest.raises(PermissionDenied):
        reports.trial_balance(u(db, cashier), company, "2025-03")
    auditor = make_user(db, "auditor", company)
    assert reports.trial_balance(u(db, auditor), company, "2025-03")


# --- CLI ---------------------------------------------------------------------------------------


@pytest.fixture
def cli(sqlite_db: Database, monkeypatch: pytest.MonkeyPatch, tmp_path):
    from tests.conftest import admin_actor

    monkeypatch.setenv("YECAI_DATABASE_URL", sqlite_db.url)
    monkeypatch.setenv("YECAI_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("YECAI_LANG", "en")
    company, v = make_books(sqlite_db, admin_actor(sqlite_db))
    from yecai.cli.main import app

    runner = CliRunner()

    def invoke(*args: str) -> str:
        result = runner.invoke(app, [*args])
        assert result.exit_code == 0, result.output
        return result.stdout

    return invoke, company, v


def test_cli_trial_balance_csv_contract(cli):
    invoke, company, _ = cli
    out = invoke("report", "trial-balance", "--company", company, "--period", "2025-03", "--format", "csv")
    lines = out.splitlines()
    assert lines[0] == (
        "account_code,account_name,opening_debit,opening_credit,period_debit,period_credit,closing_debit,closing_credit"
    )
    assert "1122,应收账款,791.00,0.00,339.00,0.00,1130.00,0.00" in lines
    assert "2221,应交税费,0.00,26.00,0.00,39.00,0.00,65.00" in lines
    ranged = invoke(
        "report",
        "trial-balance",
        "-c",
        company,
        "--period",
        "2025-01",
        "--to",
        "2025-03",
        "--level",
        "1",
        "-f",
        "csv",
    )
    assert "1122,应收账款,0.00,0.00,1695.00,565.00,1130.00,0.00" in ranged.splitlines()
    assert "22210102" not in ranged
    table = invoke("report", "trial-balance", "--company", company, "--period", "2025-03")
    assert "Total" in table and "库存" in table


def test_cli_json_and_xlsx(cli, tmp_path):
    from openpyxl import load_workbook

    invoke, company, _ = cli
    rows = json.loads(invoke("report", "trial-balance", "-c", company, "-p", "2025-03", "-f", "json"))
    assert {"account_code": "1001", "closing_debit": "380.00"}.items() <= rows[0].items()
    path = tmp_path / "tb.xlsx"
    invoke("report", "trial-balance", "-c", company, "-p", "2025-03", "-f", "xlsx", "--out", str(path))
    sheet = load_workbook(path).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert len(values[0]) == 8
    # (the shared XLSX writer stores decimal-looking text, the account code too, as a number)
    assert str(values[1][0]) == "1001" and values[1][1] == "库存现金" and values[1][6] == Decimal("380.00")


def test_cli_other_reports_csv_headers(cli):
    invoke, company, v = cli
    gl = invoke("report", "general-ledger", "-c", company, "-p", "2025-03", "-f", "csv").splitlines()
    assert gl[0] == (
        "account_code,account_name,period,opening_balance,opening_direction,period_debit,period_credit,"
        "ytd_debit,ytd_credit,closing_balance,closing_direction"
    )
    assert "1122,应收账款,2025-03,791.00,借,339.00,0.00,1695.00,565.00,1130.00,借" in gl
    sl = list(
        csv.reader(
            io.StringIO(
                invoke(
                    "report", "subledger", "-c", company, "-p", "2025-03", "--account", "1122",
                    "--dimension", "customer", "--value", "C1", "-f", "csv",
                )
            )
        )
    )  # fmt: skip
    assert sl[0] == [
        "date",
        "period",
        "voucher_id",
        "voucher_no",
        "summary",
        "debit",
        "credit",
        "direction",
        "balance",
    ]
    assert sl[1] == ["", "2025-03", "", "", "Opening balance", "", "", "借", "565.00"]
    assert sl[2] == [
        "2025-03-20",
        "2025-03",
        str(v["sale3"]),
        "记-0003",
        "销售",
        "339.00",
        "0.00",
        "借",
        "904.00",
    ]
    bs = invoke("report", "balance-sheet", "-c", company, "-p", "2025-03", "-f", "csv").splitlines()
    assert bs[0] == "line_no,key,name,amount,comparative"
    assert "1,current_assets,流动资产：,," in bs
    assert any(line.startswith("36,total_assets,资产总计,12175.00,0.00") for line in bs)
    inc = invoke("report", "income-statement", "-c", company, "-p", "2025-03", "-f", "csv").splitlines()
    assert inc[0] == "line_no,key,name,amount,comparative"
    assert "1,operating_revenue,一、营业收入,300.00,1500.00" in inc


def test_cli_reports_a_refusal_with_exit_code_2(cli):
    _, company, _ = cli
    from yecai.cli.main import app

    result = CliRunner().invoke(app, ["report", "trial-balance", "-c", company, "-p", "2025-13"])
    assert result.exit_code == 2
    assert "period.invalid" in result.output


# --- API ---------------------------------------------------------------------------------------


def test_api_reports(db, admin, books, monkeypatch):
    from fastapi.testclient import TestClient

    from yecai.api import app as api_app

    # The REST API only: the web workspace is not part of what is tested here.
    monkeypatch.setattr(
        api_app, "ROUTERS", tuple(r for r in api_app.ROUTERS if not r.startswith("yecai.web"))
    )
    create_app = api_app.create_app
    company, v = books
    client = TestClient(create_app(db))
    token = client.post("/api/auth/login", json={"username": "admin", "password": "admin-password"}).json()[
        "token"
    ]
    h = {"Authorization": f"Bearer {token}"}
    base = f"/api/companies/{company}"
    tb = client.get(f"{base}/reports/trial-balance", params={"period": "2025-03"}, headers=h)
    assert tb.status_code == 200, tb.text
    row = next(r for r in tb.json()["rows"] if r["account_code"] == "1122")
    assert (row["opening_debit"], row["period_debit"], row["closing_debit"]) == (
        "791.00",
        "339.00",
        "1130.00",
    )
    assert tb.json()["totals"]["closing_debit"] == "12825.00"
    sl = client.get(
        f"{base}/reports/subledger",
        params={"period": "2025-03", "account": "1122", "dimension": "customer", "value": "C1"},
        headers=h,
    ).json()
    assert [(r["voucher_id"], r["balance"]) for r in sl["rows"] if r["kind"] == "line"] == [
        (v["sale3"], "904.00")
    ]
    bs = client.get(f"{base}/reports/balance-sheet", params={"period": "2025-03"}, headers=h).json()
    total = next(r for r in bs["rows"] if r["key"] == "total_assets")
    assert total["amount"] == "12175.00"
    inc = client.get(f"{base}/reports/income-statement", params={"period": "2025-03"}, headers=h).json()
    assert next(r for r in inc["rows"] if r["key"] == "net_profit")["comparative"] == "980.00"
    gl = client.get(
        f"{base}/reports/general-ledger", params={"period": "2025-03", "account": "1001"}, headers=h
    )
    assert gl.json()["rows"][0]["closing_balance"] == "380.00"
    dims = client.get(
        f"{base}/reports/dimension-balances",
        params={"period": "2025-03", "account": "1122", "dimension": "customer"},
        headers=h,
    ).json()
    assert [r["closing_debit"] for r in dims["rows"]] == ["904.00", "226.00"]
    bal = client.get(
        f"{base}/reports/account-balance", params={"account": "2221", "on": "2025-03-31"}, headers=h
    )
    assert bal.json()["balance"] == "65.00" and bal.json()["direction"] == "贷"
    export = client.get(f"{base}/export/beancount", headers=h)
    assert export.status_code == 200 and "Assets:1122" in export.text

    bad = client.get(
        f"{base}/reports/trial-balance", params={"period": "2025-03", "to": "2025-01"}, headers=h
    )
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "report.period_range"

    other = make_company(db, admin)
    outsider = make_user(db, "accountant", other)
    token2 = client.post(
        "/api/auth/login", json={"username": outsider.username, "password": "password-123"}
    ).json()["token"]
    denied = client.get(
        f"{base}/reports/trial-balance",
        params={"period": "2025-03"},
        headers={"Authorization": f"Bearer {token2}"},
    )
    assert denied.status_code == 404
