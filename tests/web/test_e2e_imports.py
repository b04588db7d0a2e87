"""The import wizard in a real browser (Debian's Chromium through Playwright): upload a GBK CSV
from another system, see the guessed columns and each cleaning change, undo one, import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .conftest import OPS
from .ops_fixture import OpsCompany
from .test_e2e import browser, log_in, new_page, server, shot  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.xdist_group("web"), pytest.mark.slow]


def test_import_customers_from_another_system(browser: Any, server: str, tmp_path: Path) -> None:  # noqa: F811
    f = tmp_path / "客户档案.csv"
    f.write_bytes(
        "客户编码,客户名称,账期,备注\nETL01,东方 贸易 (苏州) 有限公司,30天,\nETL02,,45,无名称\n".encode("gbk")
    )
    page = new_page(browser, server)
    log_in(page, "finance_manager")
    page.goto("/imports")
    page.select_option("#kind", "customer")
    page.fill("#source", "旧ERP")
    page.set_input_files("#file", str(f))
    page.click("#import-start button[type=submit]")
    page.wait_for_selector("#changes")
    assert page.locator("#mapping select[name='map:客户编码']").input_value() == "code"
    assert page.locator("#mapping select[name='map:备注']").input_value() == ""
    change = page.locator("#changes tr[data-key='2:客户名称']")
    assert "东方贸易（苏州）有限公司" in change.inner_text()
    assert page.locator("#problems tr.rejected").count() == 1  # ETL02 has no name
    shot(page, "import-preview-desktop")
    change.locator("input[type=checkbox]").check()  # keep the name as it is in the file
    page.click("#run-import")
    page.wait_for_selector("#import-result")
    assert "ETL01" in page.inner_text("#import-result")
    page.goto("/masterdata/customers/ETL01")
    assert "东方 贸易 (苏州) 有限公司" in page.inner_text("main")
    page.context.close()


def test_import_the_tax_bureau_list_of_input_invoices(
    browser: Any,  # noqa: F811
    server: str,  # noqa: F811
    ops_company: OpsCompany,
    tmp_path: Path,
) -> None:
    """The 进项发票 list of the 电子税务局, as downloaded: a voided invoice is refused with its reason,
    the empty category and department are filled on the page, and the bill is posted."""
    f = tmp_path / "进项发票.csv"
    f.write_bytes(
        (
            "发票代码,发票号码,销方名称,开票日期,金额,税额,价税合计,发票状态\n"
            ",25322000000000000777,江南钢铁,2025-12-08,1000.00,60.00,1060.00,正常\n"
            ",25322000000000000778,江南钢铁,2025-12-09,500.00,30.00,530.00,作废\n"
        ).encode("gbk")
    )
    page = new_page(browser, server)
    log_in(page, "accountant", company=OPS)
    page.goto("/imports")
    page.select_option("#kind", "vendor_bill")
    page.set_input_files("#file", str(f))
    page.click("#import-start button[type=submit]")
    page.wait_for_selector("#changes")
    assert page.locator("#mapping select[name='map:发票号码']").input_value() == "invoice_no"
    assert page.locator("#mapping select[name='map:发票状态']").input_value() == "status"
    assert "作废" in page.inner_text("#problems")  # the voided invoice, with its status
    page.select_option("#default-category", "中介服务费")
    page.fill("#default-department", "ADM")
    page.click("#import-form button[type=submit]:not(#run-import)")  # preview again
    page.wait_for_selector("#changes")
    assert page.locator("#problems tr.rejected").count() == 1, page.inner_text("#problems")
    page.check("#post-bills")
    page.click("#run-import")
    page.wait_for_selector("#import-result")
    assert "VB-" in page.inner_text("#import-result")
    page.context.close()
