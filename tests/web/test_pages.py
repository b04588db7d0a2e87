"""The web workspace through FastAPI's TestClient: every page renders with the right figures,
navigation follows the role, the language switches, refusals show next to their field."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import date

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from yecai.core.i18n import gettext
from yecai.core.money import to_minor
from yecai.ledger import reports
from yecai.ledger import service as ledger
from yecai.security import service as security
from yecai.store.db import Database
from yecai.store.uow import UnitOfWork
from yecai.web import fmt
from yecai.web.pages import CHART_MONTHS

from .conftest import DEMO, PASSWORD

pytestmark = pytest.mark.xdist_group("web")
Login = Callable[[str], TestClient]
DEC = "2025-12"


def admin_uow(db: Database) -> UnitOfWork:
    return UnitOfWork(db, security.actor_for(db, "admin", source="test"))


def nav_keys(html: str) -> set[str]:
    return set(re.findall(r'data-nav="([a-z_]+)"', html))


# --- formatting ----------------------------------------------------------------------------------


def test_money_is_formatted_the_chinese_way() -> None:
    assert fmt.money(123450) == "¥1,234.50"
    assert fmt.money(-5) == '<span class="neg">-¥0.05</span>'
    assert fmt.amt(0) == ""
    assert fmt.amt(100000000) == "1,000,000.00"
    assert fmt.period_label("2025-03") == "2025年3月"
    assert fmt.period_label("2025-03", "en") == "Mar 2025"
    assert fmt.capital_amount(123450) == "壹仟贰佰叁拾肆元伍角"
    assert fmt.capital_amount(10000) == "壹佰元整"
    assert fmt.capital_amount(-1230) == "负壹拾贰元叁角"


# --- login, switches ---------------------------------------------------------------------------------


def test_pages_need_a_login(web_app: object) -> None:
    client = TestClient(web_app)  # type: ignore[arg-type]
    r = client.get("/books/trial-balance?from=2025-03", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=%2Fbooks%2Ftrial-balance%3Ffrom%3D2025-03"
    assert client.get("/login").status_code == 200


def test_wrong_password_is_shown_next_to_the_field_and_keeps_the_username(web_app: object) -> None:
    client = TestClient(web_app)  # type: ignore[arg-type]
    r = client.post("/login", data={"username": "accountant", "password": "nope"})
    assert r.status_code == 401
    assert 'data-code="auth.login_failed"' in r.text
    assert 'class="field-error"' in r.text
    assert 'value="accountant"' in r.text
    assert gettext("Wrong username or password", "zh_CN") in r.text


def test_login_follows_only_local_next_urls(web_app: object) -> None:
    client = TestClient(web_app)  # type: ignore[arg-type]
    r = client.post(
        "/login",
        data={"username": "auditor", "password": PASSWORD, "next": "//evil.example/x"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_logout_ends_the_session(login: Login) -> None:
    client = login("auditor")
    assert client.post("/logout", follow_redirects=False).status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303


def test_language_switch_is_stored_in_a_cookie(login: Login) -> None:
    client = login("auditor")
    zh = client.get(f"/books/balance-sheet?period={DEC}")
    assert '<html lang="zh-CN"' in zh.text and "货币资金" in zh.text and "2025年12月" in zh.text
    r = client.get("/lang/en?next=/books/balance-sheet", follow_redirects=False)
    assert r.status_code == 303 and "yecai_lang=en" in r.headers["set-cookie"]
    client.cookies.set("yecai_lang", "en")
    en = client.get(f"/books/balance-sheet?period={DEC}")
    assert '<html lang="en"' in en.text and "Monetary funds" in en.text and "Dec 2025" in en.text
    assert "货币资金" not in en.text


def test_company_switcher_offers_only_granted_companies(login: Login, web_db: Database) -> None:
    other = "WEBOTHER"
    if not any(c["code"] == other for c in ledger.list_companies(admin_uow(web_db))):
        ledger.create_company(admin_uow(web_db), code=other, name="另一家公司", start="2025-01")
    accountant = login("accountant").get("/")
    assert f'value="{DEMO}"' in accountant.text and f'value="{other}"' not in accountant.text
    admin = login("admin")
    assert f'value="{other}"' in admin.get("/").text
    r = login("accountant").post("/company", data={"company": other, "next": "/"}, follow_redirects=False)
    assert r.status_code == 404
    r = admin.post("/company", data={"company": other, "next": "/accounts"}, follow_redirects=False)
    assert r.status_code == 303 and f"yecai_company={other}" in r.headers["set-cookie"]


# --- navigation by role --------------------------------------------------------------------------


def test_navigation_follows_the_role(login: Login) -> None:
    # a cashier sees home and the cash documents (invoices and receipts, bills and payments,
    # expense claims to pay)
    assert nav_keys(login("cashier").get("/").text) == {"home", "sales", "purchasing", "expenses"}
    accountant = nav_keys(login("accountant").get("/").text)
    assert {"voucher_new", "vouchers", "books"} <= accountant and "closing" not in accountant
    reviewer = nav_keys(login("reviewer").get("/").text)
    assert "voucher_new" not in reviewer and "books" in reviewer
    assert "closing" in nav_keys(login("finance_manager").get("/").text)


def test_a_cashier_sees_no_figures_and_cannot_open_the_books(login: Login) -> None:
    cashier = login("cashier")
    home = cashier.get("/")
    assert home.status_code == 200 and 'data-figure="cash"' not in home.text
    r = cashier.get(f"/books/trial-balance?from={DEC}")
    assert r.status_code == 403 and "permission_denied" in r.text


# --- dashboard -------------------------------------------------------------------------------------


def test_dashboard_shows_cash_receivables_payables_and_the_month(login: Login, web_db: Database) -> None:
    html = login("finance_manager").get(f"/?period={DEC}").text
    tb = {r.account_code: r for r in reports.trial_balance(admin_uow(web_db), DEMO, DEC, level_max=1)}

    def net(code: str) -> int:
        r = tb.get(code)
        return 0 if r is None else r.closing_debit - r.closing_credit

    assert str(fmt.money(net("1001") + net("1002"))) in html
    assert str(fmt.money(net("1122"))) in html
    assert str(fmt.money(-net("2202"))) in html
    income = {r.key: r.amount for r in reports.income_statement(admin_uow(web_db), DEMO, DEC)}
    assert str(fmt.money(income["operating_revenue"])) in html
    assert 'hx-get="/dashboard/trend?period=2025-12"' in html
    assert "data-count=" in html  # needs my action
    trend = (
        login("finance_manager").get(f"/dashboard/trend?period={DEC}", headers={"HX-Request": "true"}).text
    )
    assert "<html" not in trend and "/static/vendor/echarts/echarts.min.js" in trend
    assert trend.count('<a href="/books/income-statement?from=') == CHART_MONTHS
    assert str(fmt.amt(income["operating_revenue"], blank_zero=False)) in trend
    assert "<html" in login("finance_manager").get(f"/dashboard/trend?period={DEC}").text  # without JS


# --- books -----------------------------------------------------------------------------------------


def test_trial_balance_totals_and_drill_links(login: Login, web_db: Database) -> None:
    client = login("auditor")
    html = client.get(f"/books/trial-balance?from=2025-01&to={DEC}").text
    rows = reports.trial_balance(admin_uow(web_db), DEMO, "2025-01", DEC)
    totals = reports.trial_balance_totals(rows)
    assert str(fmt.amt(totals["period_debit"])) in html
    assert totals["period_debit"] == totals["period_credit"]
    assert "/books/subledger?account=1122&amp;from=2025-01&amp;to=2025-12" in html
    level1 = client.get(f"/books/trial-balance?from={DEC}&level=1").text
    assert 'data-code="100201"' not in level1 and 'data-code="1002"' in level1


def test_books_export_to_xlsx(login: Login, web_db: Database) -> None:
    client = login("auditor")
    r = client.get(f"/books/trial-balance?from=2025-01&to={DEC}&format=xlsx")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxml")
    ws = load_workbook(io.BytesIO(r.content)).active
    last = list(ws.iter_rows(values_only=True))[-1]
    totals = reports.trial_balance_totals(reports.trial_balance(admin_uow(web_db), DEMO, "2025-01", DEC))
    assert to_minor(str(last[4])) == totals["period_debit"]
    for url in (
        f"/books/general-ledger?from={DEC}&format=xlsx",
        f"/books/subledger?account=1122&from={DEC}&format=xlsx",
        f"/books/balance-sheet?period={DEC}&format=xlsx",
        f"/books/income-statement?from={DEC}&format=xlsx",
    ):
        r = client.get(url)
        assert r.status_code == 200 and r.content[:2] == b"PK", url


def test_balance_sheet_figure_drills_to_subledger_then_voucher(login: Login, web_db: Database) -> None:
    client = login("auditor")
    html = client.get(f"/books/balance-sheet?period={DEC}").text
    bs = {r.key: r for r in reports.balance_sheet(admin_uow(web_db), DEMO, DEC)}
    assert str(fmt.amt(bs["accounts_receivable"].amount, blank_zero=False)) in html
    link = re.search(r'<a href="([^"]+)" data-drill="accounts_receivable"', html)
    assert link is not None
    drill = client.get(link.group(1).replace("&amp;", "&")).text
    if "/books/trial-balance" in link.group(1):  # a line of several accounts: choose one
        assert 'data-code="1122"' in drill and 'data-code="1001"' not in drill
        drill = client.get(f"/books/subledger?account=1122&from=2025-01&to={DEC}").text
    sub = drill
    assert "1122" in sub and gettext("Opening balance", "zh_CN") in sub
    voucher_link = re.search(r'href="/vouchers/(\d+)" data-voucher', sub)
    assert voucher_link is not None
    v = client.get(f"/vouchers/{voucher_link.group(1)}").text
    assert "1122" in v and 'data-status="posted"' in v


def test_general_ledger_income_statement_and_subledger_pages(login: Login, web_db: Database) -> None:
    client = login("auditor")
    gl = client.get(f"/books/general-ledger?from={DEC}").text
    assert "1122" in gl and "2025年12月" in gl
    inc = client.get(f"/books/income-statement?from={DEC}").text
    rows = {r.key: r for r in reports.income_statement(admin_uow(web_db), DEMO, DEC)}
    assert "营业收入" in inc and str(fmt.amt(rows["net_profit"].amount, blank_zero=False)) in inc
    sub = client.get(f"/books/subledger?account=1122&from={DEC}&dimension=customer&value=C001")
    assert sub.status_code == 200 and "C001" in sub.text
    bad = client.get(f"/books/subledger?account=1122&from={DEC}&to=2025-01")
    assert bad.status_code == 422 and "report.period_range" in bad.text


# --- vouchers --------------------------------------------------------------------------------------


def entry(**lines: str) -> dict[str, object]:
    return lines


def post_voucher_form(client: TestClient, lines: list[dict[str, str]], **head: str) -> object:
    data: dict[str, object] = {"date": "2025-12-15", "word": "记", "attachments": "1", "action": "save_new"}
    data.update(head)
    for field in (
        "summary",
        "account",
        "debit",
        "credit",
        "customer",
        "supplier",
        "department",
        "project",
        "employee",
    ):
        data[field] = [ln.get(field, "") for ln in lines]
    return client.post("/vouchers/new", data=data, follow_redirects=False)


def test_voucher_entry_page_has_the_keyboard_form(login: Login) -> None:
    html = login("accountant").get("/vouchers/new").text
    assert "data-voucher-entry" in html and html.count('class="line"') >= 4
    assert 'value="2025-12-31"' in html  # the working period of the demo
    assert "/static/yecai/voucher.js" in html and 'list="dl-customer"' in html and "C001" in html


def test_unbalanced_voucher_is_refused_next_to_the_amounts_without_losing_input(login: Login) -> None:
    client = login("accountant")
    r = post_voucher_form(
        client,
        [
            {"summary": "收到货款测试", "account": "100201", "debit": "100"},
            {"summary": "收到货款测试", "account": "1122", "credit": "90", "customer": "C001"},
        ],
    )
    assert r.status_code == 422
    assert 'data-code="voucher.unbalanced"' in r.text
    assert 'value="收到货款测试"' in r.text and 'value="90"' in r.text and 'value="C001"' in r.text


def test_unknown_account_and_bad_amount_are_shown_on_their_line(login: Login) -> None:
    client = login("accountant")
    r = post_voucher_form(
        client,
        [
            {"summary": "x", "account": "1001", "debit": "10"},
            {"summary": "x", "account": "9999", "credit": "10"},
        ],
    )
    assert r.status_code == 422 and 'data-code="account.not_found"' in r.text
    cell = re.search(r'<td class="acct-cell has-error">.*?</td>', r.text, re.S)
    assert cell is not None and 'value="9999"' in cell.group(0) and "field-error" in cell.group(0)
    r = post_voucher_form(
        client,
        [
            {"summary": "x", "account": "1001", "debit": "1O.5"},
            {"summary": "x", "account": "6001", "credit": "10"},
        ],
    )
    assert r.status_code == 422 and 'value="1O.5"' in r.text
    assert re.search(r'<td class="has-error">\s*<input name="debit" value="1O.5"', r.text)


def test_missing_dimension_shows_at_the_dimension_field(login: Login) -> None:
    r = post_voucher_form(
        login("accountant"),
        [
            {"summary": "x", "account": "100201", "debit": "10"},
            {"summary": "x", "account": "1122", "credit": "10"},
        ],
    )
    assert r.status_code == 422 and 'data-code="dimension.required"' in r.text
    assert re.search(r'class="dim on has-error" data-dim="customer"', r.text)


def test_voucher_save_review_post_reverse_by_role(login: Login, web_db: Database) -> None:
    accountant, reviewer = login("accountant"), login("reviewer")
    r = post_voucher_form(
        accountant,
        [
            {"summary": "网页录入", "account": "100201", "debit": "1,234.50"},
            {"summary": "网页录入", "account": "1122", "credit": "1234.5", "customer": "C002"},
        ],
    )
    assert r.status_code == 303
    vid = int(re.search(r"saved=(\d+)", r.headers["location"]).group(1))  # type: ignore[union-attr]
    assert "date=2025-12-15" in r.headers["location"]
    again = accountant.get(r.headers["location"]).text
    assert gettext("Voucher {no} saved", "zh_CN").split("{")[0] in again and 'value="2025-12-15"' in again
    page = accountant.get(f"/vouchers/{vid}").text
    assert 'data-status="draft"' in page and "1,234.50" in page
    assert 'id="action-review"' not in page  # an accountant never reviews
    rv = reviewer.get(f"/vouchers/{vid}").text
    assert 'id="action-review"' in rv and 'id="action-post"' not in rv
    assert reviewer.post(f"/vouchers/{vid}/review", follow_redirects=False).status_code == 303
    assert reviewer.post(f"/vouchers/{vid}/post").status_code == 403
    done = accountant.post(f"/vouchers/{vid}/post", follow_redirects=True)
    assert 'data-status="posted"' in done.text and 'id="action-reverse"' in done.text
    rev = accountant.post(f"/vouchers/{vid}/reverse", follow_redirects=False)
    assert rev.status_code == 303
    again = accountant.post(f"/vouchers/{vid}/reverse")
    assert again.status_code == 409 and 'data-code="voucher.already_reversed"' in again.text


def test_voucher_list_filters_and_paginates(login: Login, web_db: Database) -> None:
    client = login("auditor")
    html = client.get("/vouchers").text
    total = ledger.list_vouchers(admin_uow(web_db), DEMO, page_size=1)["total"]
    assert gettext("{n} vouchers", "zh_CN").format(n=total) in html and "page=2" in html
    assert html.count('<tr class="status-') == 50
    only = client.get("/vouchers?period=2025-03&account=1122&text=销售").text
    expected = ledger.list_vouchers(admin_uow(web_db), DEMO, period="2025-03", account="1122", text="销售")
    assert html != only and only.count('<tr class="status-') == expected["total"]
    partial = client.get("/vouchers?status=posted&page=2", headers={"HX-Request": "true"}).text
    assert "<html" not in partial and 'id="voucher-results"' in partial


def test_voucher_prints_to_pdf(login: Login, web_db: Database) -> None:
    vid = ledger.list_vouchers(admin_uow(web_db), DEMO, period=DEC, page_size=1)["items"][0].id
    r = login("auditor").get(f"/vouchers/{vid}.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF") and b"STSong-Light" in r.content


def test_search_finds_accounts_by_pinyin_and_vouchers_by_number(login: Login) -> None:
    client = login("auditor")
    html = client.get("/search?q=yszk").text
    assert "1122 应收账款" in html
    assert "转-0001" in client.get("/search?q=转-1").text
    assert "转-0001" in client.get("/search?q=2025-03/转-0001").text
    partial = client.get("/search?q=yszk&partial=1").text
    assert "<html" not in partial and "应收账款" in partial
    suggestions = client.get("/ui/accounts?q=yszk").json()
    assert suggestions[0] == {"code": "1122", "name": "应收账款", "dims": ["customer"]}
    assert all(
        s["code"] != "1002" for s in client.get("/ui/accounts?q=100").json()
    )  # parents aren't postable


# --- master data and closing -----------------------------------------------------------------------


def test_accounts_list_and_add_sub_account(login: Login) -> None:
    client = login("finance_manager")
    html = client.get("/accounts").text
    assert "1001" in html and 'id="add-account"' in html and "page=2" in html
    assert 'id="add-account"' not in login("auditor").get("/accounts").text
    form = client.get("/accounts?parent=660201").text
    assert 'value="66020101"' in form
    bad = client.post("/accounts", data={"parent_code": "6602", "code": "66029", "name": "测试"})
    assert bad.status_code == 422 and "field-error" in bad.text and 'value="测试"' in bad.text
    code = "660299"
    ok = client.post(
        "/accounts",
        data={"parent_code": "6602", "code": code, "name": "网页新增费用"},
        follow_redirects=False,
    )
    if ok.status_code == 409:  # a rerun on the same database
        return
    assert ok.status_code == 303 and f"added={code}" in ok.headers["location"]
    assert "网页新增费用" in client.get(ok.headers["location"]).text


def test_dimension_values_import_csv_and_refusal(login: Login) -> None:
    client = login("accountant")
    assert "华东精密机械有限公司" in client.get("/dimensions?type=customer").text
    csv_bytes = "type,code,name\ncustomer,C900,网页导入客户\nproject,P900,网页导入项目\n".encode("gb18030")
    r = client.post(
        "/dimensions/import", files={"file": ("values.csv", csv_bytes, "text/csv")}, follow_redirects=False
    )
    assert r.status_code == 303 and "imported=2" in r.headers["location"]
    assert "网页导入客户" in client.get("/dimensions?type=customer").text
    bad = "type,code,name\nplanet,X1,火星\n".encode()
    r = client.post("/dimensions/import", files={"file": ("bad.csv", bad, "text/csv")})
    assert r.status_code == 422 and "error-box" in r.text and "planet" in r.text
    r = client.post("/dimensions/import", files={"file": ("bad.csv", b"code,name\nX,Y\n", "text/csv")})
    assert r.status_code == 422 and "type" in r.text


def test_closing_screen_checklist_close_and_reopen(login: Login, web_db: Database) -> None:
    admin = admin_uow(web_db)
    code = f"WC{date.today():%H%M%S}"[:20]
    if not any(c["code"] == code for c in ledger.list_companies(admin)):
        ledger.create_company(admin_uow(web_db), code=code, name="结账测试公司", start="2025-01")
        security.grant(
            admin_uow(web_db), username="finance_manager", company_code=code, role="finance_manager"
        )
    client = login("finance_manager")
    client.cookies.set("yecai_company", code)
    html = client.get("/closing").text
    assert 'id="checklist"' in html and "2025年1月" in html
    r = client.post("/closing/2025-01/close", follow_redirects=True)
    assert r.status_code == 200 and gettext("Period closed", "zh_CN") in r.text
    refused = client.post("/closing/2025-01/close")
    assert refused.status_code == 409 and 'data-code="period.already_closed"' in refused.text
    r = client.post("/closing/2025-01/reopen", data={"reason": "补录凭证"}, follow_redirects=True)
    assert gettext("Period reopened", "zh_CN") in r.text
    assert 'data-nav="closing"' not in login("accountant").get("/").text


def test_web_errors_are_pages_and_the_api_keeps_json(login: Login) -> None:
    client = login("auditor")
    r = client.get("/vouchers/999999")
    assert r.status_code == 404 and "<html" in r.text and "not_found" in r.text
    r = client.get(f"/api/companies/{DEMO}/vouchers/999999")
    assert r.headers["content-type"].startswith("application/json")


def test_vendor_libraries_come_from_node_modules_only(web_app: object) -> None:
    client = TestClient(web_app)  # type: ignore[arg-type]
    assert client.get("/static/vendor/htmx/../../package.json").status_code == 404
    assert client.get("/static/vendor/nope/x.js").status_code == 404
    assert client.get("/static/yecai/yecai.css").status_code == 200


def test_a_user_without_a_company_is_told_so(web_app: object, web_db: Database) -> None:
    if not any(u.username == "nobody" for u in security.list_users(admin_uow(web_db))):
        security.create_user(admin_uow(web_db), username="nobody", password=PASSWORD)
    client = TestClient(web_app)  # type: ignore[arg-type]
    client.post("/login", data={"username": "nobody", "password": PASSWORD})
    home = client.get("/")
    assert home.status_code == 200 and nav_keys(home.text) == set()
    r = client.get("/vouchers")
    assert r.status_code == 403 and "web.no_company" in r.text
