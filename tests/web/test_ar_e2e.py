"""The AR workbench in a real browser (Playwright on Debian's Chromium, the server of test_e2e):
from the customer list to a customer, apply a receipt to an invoice, un-apply it with a reason,
drill from an aging cell to its items, and download the statement PDF."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pdfplumber
import pytest

from tests.receivables.test_service import invoice
from tests.sales.books import setup_books
from yecai.sales import service as sales
from yecai.security import service as security
from yecai.store.db import Database
from yecai.store.uow import UnitOfWork

from .test_e2e import browser, log_in, new_page, server, shot  # noqa: F401 - fixtures

pytestmark = [pytest.mark.xdist_group("web"), pytest.mark.slow]


def test_ar_workbench_apply_unapply_drill_and_statement(browser: Any, server: str, web_db: Database) -> None:  # noqa: F811
    admin = security.actor_for(web_db, "admin", source="test")
    b = setup_books(web_db, admin)
    security.grant(
        UnitOfWork(web_db, admin), username="accountant", company_code=b.company, role="accountant"
    )
    i1 = invoice(b, "C1", "1", "113.00", day="2025-03-05")
    i2 = invoice(b, "C1", "1", "226.00", day="2025-03-06")
    r = sales.create_receipt(b.uow(), b.company, customer="C1", day=date(2025, 3, 20), amount="300.00")

    page = new_page(browser, server)
    log_in(page, "accountant", company=b.company)
    page.goto("/receivables?as_of=2025-05-10")
    assert page.get_attribute('a[data-nav="receivables"]', "class") == "on"
    row = page.locator('tr[data-customer="C1"]')
    assert "339.00" in row.inner_text() and "-300.00" in row.inner_text()
    shot(page, "ar-workbench-desktop")
    row.locator("td.text a").click()
    page.wait_for_url(re.compile(r".*/receivables/customers/C1\?as_of=2025-05-10$"))

    page.select_option("#ar-source", f"sales_receipt:{r['id']}")
    page.select_option("#ar-invoice", str(i2["id"]))
    page.fill("#ar-amount", "226.00")
    page.fill("#ar-note", "按回单")
    page.click("#ar-apply-form button[type=submit]")
    page.wait_for_url(re.compile(r".*done=apply$"))
    assert "已核销" in page.inner_text("p.flash")
    assert page.locator(f'#ar-open-items tr[data-doc="{i2["no"]}"]').count() == 0  # settled
    assert "-74.00" in page.inner_text(f'#ar-open-items tr[data-doc="{r["no"]}"]')
    shot(page, "ar-customer-desktop")

    form = page.locator("#ar-applications form.unapply-form").first
    form.locator("input[name=reason]").fill("付款用途有误")
    form.locator("button").click()
    page.wait_for_url(re.compile(r".*done=unapply$"))
    assert "226.00" in page.inner_text(f'#ar-open-items tr[data-doc="{i2["no"]}"]')
    assert "付款用途有误" in page.inner_text("#ar-applications")
    assert page.locator("#ar-applications form.unapply-form").count() == 0

    with page.expect_download() as info:
        page.click('#ar-statement button[value="pdf"]')
    path = info.value.path()
    with pdfplumber.open(path) as doc:
        assert "客户对账单" in "".join(p.extract_text() or "" for p in doc.pages)

    page.goto("/receivables/aging?as_of=2025-05-10")
    page.click('#ar-aging tr[data-key="C1"] a[data-bucket="61-90"]')
    page.wait_for_url(re.compile(r".*/receivables/aging/items\?.*bucket=61-90.*"))
    docs = [page.locator("#ar-aging-items tbody tr").nth(i).get_attribute("data-doc") for i in range(2)]
    assert sorted(docs) == sorted([i1["no"], i2["no"]])
    shot(page, "ar-aging-drill-desktop")
    page.context.close()
