"""A vendor bill without a purchase order through the web form: refusals next to their line and
field (TestClient), then in Debian's Chromium (see test_e2e.py for the server and browser) typed
in, previewed and posted to 660208 租赁费 with its department."""

from __future__ import annotations

import re
from typing import Any

import pytest

from .conftest import OPS
from .ops_fixture import OpsCompany
from .test_e2e import browser, log_in, new_page, server, shot  # noqa: F401

pytestmark = [pytest.mark.xdist_group("web")]


def test_bill_form_refusals_stay_next_to_their_line(ops_login: Any, ops_company: OpsCompany) -> None:
    client = ops_login("accountant")
    page = client.get("/purchasing/bills/new")
    assert (
        page.status_code == 200
        and 'name="category"' in page.text
        and 'list="dl-line-department"' in page.text
    )
    assert client.get("/purchasing/bills").text.count('id="new-doc"') == 1
    data = {
        "supplier": "S1",
        "date": "2025-12-20",
        "invoice_no": "",
        "category": ["租赁费", ""],
        "department": ["NOPE", ""],
        "project": ["", ""],
        "description": ["12月房租", ""],
        "net": ["5000", ""],
        "tax_code": ["IN9", ""],
        "tax": ["", ""],
    }
    r = client.post("/purchasing/bills/new", data=data)
    assert r.status_code == 404 and "NOPE" in r.text and 'value="12月房租"' in r.text  # nothing typed lost
    r = client.post("/purchasing/bills/new", data={**data, "department": ["ADM", ""], "tax": ["10", ""]})
    assert r.status_code == 422 and "税额" in r.text and 'data-code="purchasing.line_tax_mismatch"' in r.text
    r = client.post("/purchasing/bills/new", data={**data, "department": ["ADM", ""]}, follow_redirects=False)
    assert r.status_code == 303, r.text[:2000]
    view = client.get(r.headers["location"])
    assert "12月房租" in view.text and "租赁费" in view.text
    # the draft is corrected on its edit form (as one drafted from an intake invoice would be)
    url = r.headers["location"].split("?")[0]
    assert 'id="edit-bill"' in view.text
    form = client.get(url + "/edit")
    assert form.status_code == 200 and 'value="12月房租"' in form.text and f'action="{url}/edit"' in form.text
    edited = {**data, "department": ["ADM", ""], "category": ["水电费", ""], "net": ["800", ""]}
    r = client.post(url + "/edit", data={**edited, "department": ["NOPE", ""]})
    assert r.status_code == 404 and "NOPE" in r.text and 'value="800"' in r.text
    r = client.post(url + "/edit", data=edited, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == url + "?done=created"
    view = client.get(url)
    assert "水电费" in view.text and "租赁费" not in view.text and "872.00" in view.text
    client.post(url + "/post")
    assert 'id="edit-bill"' not in client.get(url).text
    assert client.post(url + "/edit", data=edited).status_code == 409


@pytest.mark.slow
def test_a_rent_bill_without_an_order_in_the_browser(
    browser: Any,  # noqa: F811
    server: str,  # noqa: F811
    ops_company: OpsCompany,
) -> None:
    page = new_page(browser, server)
    log_in(page, "accountant", company=OPS)
    page.goto("/purchasing/bills")
    page.click("#new-doc")
    page.wait_for_url(re.compile(r".*/purchasing/bills/new$"))
    page.fill("#f-supplier", "S1")
    page.fill("#f-date", "2025-12-21")
    page.fill("#f-invoice_no", "25312000000099")
    row = page.locator("#lines tr.line").first
    row.locator("select[name=category]").select_option("租赁费")
    row.locator("input[name=department]").fill("ADM")
    row.locator("input[name=description]").fill("12月厂房租金")
    row.locator("input[name=net]").fill("10000")
    row.locator("select[name=tax_code]").select_option("IN9")
    shot(page, "vendor-bill-form-desktop")
    page.click("#save-doc")
    page.wait_for_url(re.compile(r".*/purchasing/bills/\d+\?done=created$"))
    assert page.locator('[data-status="draft"]').count() >= 1
    page.click("#action-post")
    page.wait_for_selector('[data-status="posted"]')
    assert page.locator("#vouchers a[data-voucher]").count() == 1
    page.locator("#vouchers a[data-voucher]").first.click()
    page.wait_for_url(re.compile(r".*/vouchers/\d+"))
    text = page.content()
    assert "660208" in text and "10,000.00" in text and "900.00" in text and "10,900.00" in text
    shot(page, "vendor-bill-voucher-desktop")
    page.context.close()
