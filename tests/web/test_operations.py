"""Production, expense claims, stock counts, month-end costing, sales returns and credit notes in
the workspace (WEBOPS / WEBAVG, ops_fixture.py): each screen calls its service, shows the status
history and the vouchers, keeps the input on a refusal and follows the role."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from yecai.core.i18n import gettext
from yecai.expenses import service as expenses
from yecai.inventory import documents as inventory_docs
from yecai.production import service as production
from yecai.sales import returns as sales_returns
from yecai.sales import service as sales
from yecai.security import service as security
from yecai.store.db import Database
from yecai.store.uow import UnitOfWork

from .conftest import AVG, OPS
from .ops_fixture import OpsCompany

pytestmark = pytest.mark.xdist_group("web")
Login = Callable[..., TestClient]


def admin_uow(db: Database) -> UnitOfWork:
    return UnitOfWork(db, security.actor_for(db, "admin", source="test"))


def nav_keys(html: str) -> set[str]:
    return set(re.findall(r'data-nav="([a-z_]+)"', html))


def zh(msgid: str) -> str:
    return gettext(msgid, "zh_CN")


def voucher_ids(html: str) -> list[str]:
    return re.findall(r'data-voucher="(\d+)"', html)


# --- navigation and roles ----------------------------------------------------------------------------


def test_new_sections_follow_the_role(ops_login: Login) -> None:
    accountant = ops_login("accountant").get("/").text
    assert {"production", "expenses"} <= nav_keys(accountant)
    cashier = ops_login("cashier")
    assert "production" not in nav_keys(cashier.get("/").text)
    assert "expenses" in nav_keys(cashier.get("/").text)  # the cashier sees the claims to pay
    assert cashier.get("/production/work-orders").status_code == 403
    assert cashier.get("/production/boms").status_code == 403
    claims = cashier.get("/expenses/claims").text
    assert 'id="new-doc"' not in claims  # the cashier makes no claims
    tabs = ops_login("auditor").get("/inventory/counts").text
    assert 'data-tab="stock_count"' in tabs and 'data-tab="costing"' in tabs


# --- bills of materials and work orders --------------------------------------------------------------


def test_bom_list_view_and_a_refused_then_saved_new_version(
    ops_login: Login, ops_company: OpsCompany
) -> None:
    client = ops_login("accountant")
    listing = client.get("/production/boms").text
    assert 'data-bom="' in listing and "电机" in listing
    bom_id = ops_company.ids["bom"][0]
    page = client.get(f"/production/boms/{bom_id}").text
    assert "R1" in page and "钢材" in page and 'id="new-work-order"' in page
    form = {
        "item": "P",
        "note": "新工艺",
        "component": ["R1", "P", ""],
        "qty_per": ["2.1", "1", ""],
        "scrap_pct": ["5", "", ""],
    }
    r = client.post("/production/boms/new", data=form)
    assert (
        r.status_code == 422
        and 'data-code="production.bom_self_reference"' in r.text
        or r.status_code in (409, 422)
    )
    assert 'value="2.1"' in r.text and 'value="新工艺"' in r.text
    assert re.search(
        r'<tr class="line has-error">\s*<td class="no"></td>\s*<td><input name="component" value="P"', r.text
    )
    form.update(component=["R1", "R2", ""], qty_per=["2.1", "1", ""])
    ok = client.post("/production/boms/new", data=form, follow_redirects=False)
    assert ok.status_code == 303
    new = client.get(ok.headers["location"]).text
    assert "v2" in new and 'data-status="active"' in new


def test_work_order_life_cycle_with_history_and_vouchers(ops_login: Login, web_db: Database) -> None:
    accountant = ops_login("accountant")
    r = accountant.post(
        "/production/work-orders/new",
        data={"item": "P", "qty": "abc", "date": "2025-12-18", "project": "", "note": "测试工单"},
    )
    assert r.status_code == 422 and 'value="abc"' in r.text and 'value="测试工单"' in r.text
    r = accountant.post(
        "/production/work-orders/new",
        data={"item": "P", "qty": "3", "date": "2025-12-18", "project": "", "note": "测试工单"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    url = r.headers["location"].split("?")[0]
    wo_id = int(url.rsplit("/", 1)[1])
    page = accountant.get(url).text
    assert (
        'data-status="released"' in page and 'id="panel-issue"' in page and 'id="panel-collect_cost"' in page
    )
    # issue more than the order requires: refused next to the line, the quantity kept
    wo = production.get_work_order(admin_uow(web_db), OPS, wo_id)
    required = [ln["required"] for ln in wo["lines"]]
    too_much = accountant.post(
        f"{url}/issue", data={"date": "2025-12-18", "warehouse": "W1", "qty": ["999", required[1]]}
    )
    assert too_much.status_code in (409, 422)
    assert 'value="999"' in too_much.text and "data-line-error" in too_much.text
    issued = accountant.post(f"{url}/issue", data={"date": "2025-12-18", "warehouse": "W1", "qty": required})
    assert issued.status_code == 200 and zh("Materials issued: {doc}").split("{")[0] in issued.text
    accountant.post(
        f"{url}/collect_cost",
        data={"date": "2025-12-19", "kind": "labour", "amount": "300", "hours": "", "note": ""},
    )
    bad = accountant.post(
        f"{url}/collect_cost",
        data={"date": "2025-12-19", "kind": "overhead", "amount": "x", "hours": "", "note": "夜班"},
    )
    assert bad.status_code == 422 and 'value="夜班"' in bad.text
    accountant.post(f"{url}/receive_fg", data={"date": "2025-12-20", "warehouse": "W2", "qty": "3"})
    closed = accountant.post(f"{url}/close", data={"date": "2025-12-20"})
    assert closed.status_code == 200 and 'data-status="closed"' in closed.text
    wo = production.get_work_order(admin_uow(web_db), OPS, wo_id)
    assert wo["status"] == "closed" and wo["received"] == "3"
    costs = re.search(r'<tr data-cost="charged">.*?</tr>', closed.text, re.S)
    assert costs is not None and f"{Decimal(wo['charged']['total']):,}" in costs.group(0)
    # the page lists the vouchers of the order and of its issue, cost collection and receipt
    assert len(voucher_ids(closed.text)) >= 3
    history = ops_login("auditor").get(url).text
    assert history.count('<li><span class="muted">') >= 2  # created, released, closed
    assert zh("Released") in history and zh("Closed") in history


def test_a_draft_work_order_is_released_and_the_reviewer_cannot(
    ops_login: Login, ops_company: OpsCompany
) -> None:
    draft = ops_company.ids["work_order"][2]
    reviewer = ops_login("reviewer")
    page = reviewer.get(f"/production/work-orders/{draft}").text
    assert 'data-status="draft"' in page and 'id="action-release"' not in page
    assert reviewer.post(f"/production/work-orders/{draft}/release").status_code == 403
    accountant = ops_login("accountant")
    assert 'id="action-release"' in accountant.get(f"/production/work-orders/{draft}").text
    done = accountant.post(f"/production/work-orders/{draft}/release")
    assert 'data-status="released"' in done.text and zh("Work order released") in done.text


# --- expense claims ----------------------------------------------------------------------------------


def claim_form(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "employee": "E1",
        "department": "ADM",
        "date": "2025-12-22",
        "attachments": "1",
        "note": "出差",
        "category": ["差旅费", ""],
        "amount": ["545.00", ""],
        "tax": ["45.00", ""],
        "invoice_type": ["special", ""],
        "line_note": ["上海", ""],
    }
    data.update(over)
    return data


def test_expense_claim_submit_approve_pay(ops_login: Login, web_db: Database) -> None:
    accountant, reviewer, cashier = ops_login("accountant"), ops_login("reviewer"), ops_login("cashier")
    bad = accountant.post("/expenses/claims/new", data=claim_form(employee="E9"))
    assert bad.status_code == 404 and re.search(r'field has-error">\s*<label for="f-employee"', bad.text)
    assert 'value="545.00"' in bad.text and 'value="上海"' in bad.text
    assert "employee" not in bad.text.split('role="alert"')[1][:200]  # the field's name in Chinese
    r = accountant.post("/expenses/claims/new", data=claim_form(), follow_redirects=False)
    assert r.status_code == 303
    url = r.headers["location"].split("?")[0]
    claim_id = int(url.rsplit("/", 1)[1])
    mine = accountant.get(url).text
    assert (
        'data-status="draft"' in mine and 'id="action-approve"' not in mine and 'id="action-cancel"' in mine
    )
    assert 'id="action-approve"' in reviewer.get(url).text
    assert (
        'id="action-approve"' not in cashier.get(url).text
        and 'id="panel-pay_claim"' not in cashier.get(url).text
    )
    approved = reviewer.post(f"{url}/approve")
    assert 'data-status="approved"' in approved.text and len(voucher_ids(approved.text)) == 1
    assert zh("Special VAT invoice") in approved.text and ">special<" not in approved.text
    paid = accountant.post(f"{url}/pay_claim", data={"date": "2025-12-23", "method": "bank", "offset": "0"})
    assert 'data-status="paid"' in paid.text and len(voucher_ids(paid.text)) == 2
    assert zh("Bank") in paid.text.split('data-meta="method">')[1][:60]  # 银行, not "Bank"
    assert "张三" in paid.text.split('data-meta="employee">')[1][:60]  # E1 by its name
    assert expenses.get_claim(admin_uow(web_db), OPS, claim_id)["status"] == "paid"


def test_approving_twice_names_the_status_in_chinese(ops_login: Login, ops_company: OpsCompany) -> None:
    approved = ops_company.ids["expense_claim"][1]
    r = ops_login("reviewer").post(f"/expenses/claims/{approved}/approve")
    assert r.status_code == 409 and 'data-code="document.wrong_state"' in r.text
    box = r.text.split('data-code="document.wrong_state">')[1].split("</p>")[0]
    assert "已审批" in box and "审批" in box and "approved" not in box and "approve" not in box


# --- stock counts ------------------------------------------------------------------------------------


def test_count_sheet_lists_the_books_and_a_count_is_confirmed_and_processed(
    ops_login: Login, web_db: Database
) -> None:
    client = ops_login("accountant")
    sheet = client.get("/inventory/counts/new?warehouse=W1").text
    assert 'data-item="R1"' in sheet and 'data-item="R2"' in sheet and 'name="counted"' in sheet
    rows = re.findall(r'<tr class="line " data-item="(\w*)">', sheet)
    counted = ["" for _ in rows]
    counted[rows.index("R2")] = "abc"
    bad = client.post(
        "/inventory/counts/new",
        data={
            "warehouse": "W1",
            "date": "2025-12-24",
            "note": "年末盘点",
            "item": rows,
            "name": "",
            "counted": counted,
        },
    )
    assert bad.status_code in (409, 422) and 'value="abc"' in bad.text and 'value="年末盘点"' in bad.text
    counted[rows.index("R2")] = "150"
    r = client.post(
        "/inventory/counts/new",
        data={"warehouse": "W1", "date": "2025-12-24", "note": "年末盘点", "item": rows, "counted": counted},
        follow_redirects=False,
    )
    assert r.status_code == 303
    url = r.headers["location"].split("?")[0]
    count_id = int(url.rsplit("/", 1)[1])
    page = client.get(url).text
    assert 'data-status="draft"' in page and 'id="action-confirm"' in page
    confirmed = client.post(f"{url}/confirm")
    assert 'data-status="confirmed"' in confirmed.text and 'id="panel-process"' in confirmed.text
    view = inventory_docs.get_count(admin_uow(web_db), OPS, count_id)
    assert [ln["item"] for ln in view["lines"]] == ["R2"] and view["lines"][0]["difference"].startswith("-")
    no_dept = client.post(
        f"{url}/process", data={"date": "2025-12-24", "cause": "management", "department": ""}
    )
    assert no_dept.status_code in (404, 409, 422) and 'id="panel-process"' in no_dept.text
    done = client.post(
        f"{url}/process", data={"date": "2025-12-24", "cause": "management", "department": "ADM"}
    )
    assert done.status_code == 200 and zh("Gains and losses posted") in done.text
    assert inventory_docs.get_count(admin_uow(web_db), OPS, count_id)["processed"] is True
    assert len(voucher_ids(done.text)) >= 2


# --- month-end costing -------------------------------------------------------------------------------


def test_month_end_costing_runs_and_shows_its_vouchers(ops_login: Login) -> None:
    client = ops_login("accountant", AVG)
    page = client.get("/inventory/costing?period=2025-12").text
    assert 'id="run-costing"' in page and 'id="valuation"' in page
    r = client.post("/inventory/costing", data={"period": "2025-12"})
    assert r.status_code == 200 and 'data-month="2025-12"' in r.text and 'id="revaluations"' in r.text
    assert len(voucher_ids(r.text)) >= 1
    again = client.post("/inventory/costing", data={"period": "2025-12"})
    assert 'id="nothing-to-cost"' in again.text
    moving = ops_login("accountant").post("/inventory/costing", data={"period": "2025-12"})
    assert moving.status_code == 409 and 'data-code="inventory.not_month_end_costing"' in moving.text
    assert "移动加权平均" in moving.text and "moving_average" not in moving.text  # WEBOPS: moving average
    assert 'id="run-costing"' not in ops_login("auditor", AVG).get("/inventory/costing").text
    assert ops_login("cashier", AVG).get("/inventory/costing").status_code == 403


# --- sales returns and red credit notes ---------------------------------------------------------------


def test_return_from_a_delivery_and_credit_note_from_an_invoice(
    ops_login: Login, ops_company: OpsCompany, web_db: Database
) -> None:
    client = ops_login("accountant")
    delivery = ops_company.ids["sales_delivery"][0]
    page = client.get(f"/sales/deliveries/{delivery}").text
    assert 'id="panel-return"' in page
    too_many = client.post(
        f"/sales/deliveries/{delivery}/return",
        data={"date": "2025-12-26", "warehouse": "", "reason": "质量问题", "qty": ["99"]},
    )
    assert (
        too_many.status_code in (409, 422)
        and 'value="99"' in too_many.text
        and 'value="质量问题"' in too_many.text
    )
    r = client.post(
        f"/sales/deliveries/{delivery}/return",
        data={"date": "2025-12-26", "warehouse": "", "reason": "质量问题", "qty": ["1"]},
        follow_redirects=False,
    )
    assert r.status_code == 303 and "/sales/returns/" in r.headers["location"]
    ret = client.get(r.headers["location"]).text
    assert "质量问题" in ret and len(voucher_ids(ret)) == 1
    invoice = ops_company.ids["sales_invoice"][0]
    inv = sales.get_invoice(admin_uow(web_db), OPS, invoice)
    r = client.post(
        f"/sales/invoices/{invoice}/credit",
        data={"date": "2025-12-26", "reason": "退货", "qty": ["1"]},
        follow_redirects=False,
    )
    assert r.status_code == 303 and "/sales/credit-notes/" in r.headers["location"]
    cn_id = int(r.headers["location"].split("?")[0].rsplit("/", 1)[1])
    cn = sales_returns.get_credit_note(admin_uow(web_db), OPS, cn_id)
    assert cn["total"] == "900.00"  # one motor at 900.00, tax included
    after = sales.get_invoice(admin_uow(web_db), OPS, invoice)
    assert after["credited"] != inv["credited"]
    listing = client.get("/sales/credit-notes").text
    assert cn["no"] in listing


def test_english_pages_show_no_context_prefixes(ops_login: Login, ops_company: OpsCompany) -> None:
    """Context-prefixed msgids ('goods|Item') read as plain English words ('Item')."""
    client = ops_login("finance_manager")
    client.cookies.set("yecai_lang", "en")
    ids = ops_company.ids
    urls = [
        f"/production/work-orders/{ids['work_order'][0]}",
        f"/expenses/claims/{ids['expense_claim'][-1]}",
        f"/sales/invoices/{ids['sales_invoice'][0]}",
        "/inventory/counts/new?warehouse=W1",
        "/books/balance-sheet?period=2025-12",
        "/vouchers?status=posted",
    ]
    for url in urls:
        html = client.get(url).text
        assert not re.search(r"\b(goods|document|voucher|statement|amount|quantity|status|action)\|", html), (
            url
        )
    page = client.get(f"/production/work-orders/{ids['work_order'][0]}").text
    assert "Work order" in page and "Released" in page and ">Item<" in page
    r = ops_login("reviewer")
    r.cookies.set("yecai_lang", "en")
    refused = r.post(f"/expenses/claims/{ids['expense_claim'][1]}/approve").text
    assert "is approved; cannot approve" in refused


def test_overhead_allocation_by_labour_hours(ops_login: Login, web_db: Database) -> None:
    client = ops_login("accountant")
    assert ops_login("reviewer").get("/production/allocate").status_code == 403
    page = client.get("/production/allocate").text
    orders = re.findall(r'<input type="hidden" name="order" value="(\d+)">', page)
    assert orders and 'data-order="WO-2025-0001"' in page
    hours = ["" for _ in orders]
    hours[0] = "x"
    bad = client.post(
        "/production/allocate", data={"date": "2025-12-29", "amount": "100", "order": orders, "hours": hours}
    )
    assert bad.status_code == 422 and 'value="x"' in bad.text and 'class="has-error"' in bad.text
    before = production.get_work_order(admin_uow(web_db), OPS, int(orders[0]))["charged"]["overhead"]
    hours[0] = "3"
    ok = client.post(
        "/production/allocate", data={"date": "2025-12-29", "amount": "100", "order": orders, "hours": hours}
    )
    assert ok.status_code == 200 and 'id="allocation-result"' in ok.text and len(voucher_ids(ok.text)) == 1
    after = production.get_work_order(admin_uow(web_db), OPS, int(orders[0]))["charged"]["overhead"]
    assert Decimal(after) - Decimal(before) == Decimal("100.00")  # one order with hours takes it all
