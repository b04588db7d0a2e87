"""End to end in a real browser: Playwright drives Debian's Chromium (/usr/bin/chromium, never a
downloaded browser) against a uvicorn server this test starts on a free 127.0.0.1 port, on the
demo company's temporary SQLite database.

Covers: logging in, entering a voucher by keyboard alone and taking it through review and
posting, drilling from the balance sheet to a voucher, switching language; on WEBDOCS (a year of
business documents) the sales flow from order to receipt and the drill from the balance sheet to
the source document. Screenshots of the
main screens at desktop (1280×800) and phone (390×844) width go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from yecai.store.db import Database

from .conftest import DOCS, PASSWORD
from .docs_fixture import DocsCompany

pytestmark = [pytest.mark.xdist_group("web"), pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SERVER_START_S = 120  # generous: a loaded CI machine starts uvicorn slowly; only a failure waits this long
TIMEOUT_MS = 15_000


def _browser_available() -> None:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(
                "Chromium is missing at /usr/bin/chromium; CI must run the browser tests (.ci/run installs it)"
            )
        pytest.skip(
            "browser tests need Debian's Chromium: apt-get install -y chromium chromium-driver fonts-noto-cjk"
        )
    try:
        import playwright  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("the playwright package is missing (pip install -e '.[dev]')")
        pytest.skip("the playwright package is missing (pip install -e '.[dev]')")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(web_db: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    _browser_available()
    port = _free_port()
    env = dict(os.environ)
    env.update(
        YECAI_DATABASE_URL=web_db.url,
        YECAI_DATA_DIR=str(tmp_path_factory.mktemp("server-data")),
        YECAI_SECRET_KEY="e2e-test-secret",
    )
    log = (tmp_path_factory.mktemp("server-log") / "uvicorn.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "yecai.api.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + SERVER_START_S
    while True:
        try:
            with urllib.request.urlopen(base + "/api/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            log.close()
            pytest.fail(f"the server did not start: {Path(log.name).read_text()[-2000:]}")
        time.sleep(0.2)
    try:
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def new_page(browser: Any, server: str, viewport: dict[str, int] = DESKTOP) -> Any:
    context = browser.new_context(viewport=viewport, base_url=server, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def log_in(page: Any, username: str, password: str = PASSWORD, company: str = "WEBDEMO") -> None:
    """By keyboard: the username field has focus; Tab to the password; Enter submits."""
    page.goto("/login")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'username'")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/$"))
    page.context.add_cookies([{"name": "yecai_company", "value": company, "url": page.url}])


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def active(page: Any) -> dict[str, str]:
    return page.evaluate(
        "() => ({name: document.activeElement.name || '', cls: document.activeElement.className || '',"
        " value: document.activeElement.value || ''})"
    )


def test_login_page_and_wrong_password(browser: Any, server: str) -> None:
    page = new_page(browser, server)
    page.goto("/login")
    shot(page, "login-desktop")
    page.fill("#username", "accountant")
    page.fill("#password", "wrong-password")
    page.keyboard.press("Enter")
    page.wait_for_selector(".field-error")
    assert page.input_value("#username") == "accountant"
    page.context.close()


def test_enter_review_and_post_a_voucher_by_keyboard(browser: Any, server: str) -> None:
    page = new_page(browser, server)
    log_in(page, "accountant")
    shot(page, "home-desktop")
    page.goto("/vouchers/new")
    page.wait_for_function("document.activeElement && document.activeElement.classList.contains('summary')")
    kb = page.keyboard
    kb.type("收到客户现金货款")
    kb.press("Enter")
    assert active(page)["name"] == "account"
    kb.type("kcxj")  # 库存现金 by pinyin initials
    page.wait_for_selector("#acct-suggest div.on:has-text('1001')")
    kb.press("Enter")
    assert active(page)["name"] == "debit"
    kb.type("1234.5")
    kb.press("Enter")  # a debit line is complete: on to the next line's summary (carried over)
    assert active(page) == {"name": "summary", "cls": "summary", "value": "收到客户现金货款"}
    kb.press("Enter")
    kb.type("yszk")  # 应收账款
    page.wait_for_selector("#acct-suggest div.on:has-text('1122')")
    kb.press("Enter")
    assert active(page)["name"] == "customer"  # 1122 needs a customer: its field appeared
    kb.type("C003")
    kb.press("Enter")
    assert active(page)["name"] == "debit"
    kb.press("Enter")
    assert active(page)["name"] == "credit"
    kb.type("=")  # balance the voucher on this line
    assert active(page)["value"] == "1234.50"
    assert page.inner_text("#total-debit") == "1,234.50" == page.inner_text("#total-credit")
    page.locator("tr.line").nth(1).scroll_into_view_if_needed()
    shot(page, "voucher-entry-filled-desktop")
    kb.press("Control+Enter")  # save and start a new voucher
    page.wait_for_url(re.compile(r".*/vouchers/new\?saved=\d+.*"))
    assert page.locator(".flash").count() == 1
    voucher_id = int(re.search(r"saved=(\d+)", page.url).group(1))  # type: ignore[union-attr]
    page.wait_for_function("document.activeElement && document.activeElement.classList.contains('summary')")

    reviewer = new_page(browser, server)
    log_in(reviewer, "reviewer")
    reviewer.goto(f"/vouchers/{voucher_id}")
    reviewer.wait_for_function("document.activeElement && document.activeElement.id === 'action-review'")
    reviewer.keyboard.press("Enter")
    reviewer.wait_for_selector('[data-status="reviewed"]')
    reviewer.context.close()

    page.goto(f"/vouchers/{voucher_id}")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'action-post'")
    page.keyboard.press("Enter")
    page.wait_for_selector('[data-status="posted"]')
    assert "1,234.50" in page.inner_text("#view-debit")
    assert "C003" in page.inner_text("table.voucher-lines")
    shot(page, "voucher-view-desktop")
    page.context.close()


def test_drill_from_the_balance_sheet_to_a_voucher(browser: Any, server: str) -> None:
    page = new_page(browser, server)
    log_in(page, "auditor")
    page.goto("/books/balance-sheet?period=2025-12")
    shot(page, "balance-sheet-desktop")
    page.click('a[data-drill="accounts_receivable"]')
    page.wait_for_url(re.compile(r".*/books/(trial-balance|subledger)\?.*"))
    if "/trial-balance" in page.url:
        page.click('tr[data-code="1122"] td.text a')
        page.wait_for_url(re.compile(r".*/books/subledger\?.*account=1122.*"))
    shot(page, "subledger-desktop")
    first = page.locator("a[data-voucher]").first
    number = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r".*/vouchers/\d+$"))
    assert number in page.inner_text("h1")
    assert "1122" in page.inner_text("table.voucher-lines")
    page.context.close()


def test_switch_language(browser: Any, server: str) -> None:
    page = new_page(browser, server)
    log_in(page, "finance_manager")
    page.goto("/books/balance-sheet?period=2025-12")
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert page.locator("text=货币资金").count() >= 1
    page.click("nav.lang a[lang=en]")
    # The click navigates; while the new document loads documentElement may be null, so guard it.
    page.wait_for_function("document.documentElement !== null && document.documentElement.lang === 'en'")
    assert page.locator("text=Monetary funds").count() >= 1
    assert "Dec 2025" in page.inner_text("h1")
    shot(page, "balance-sheet-english-desktop")
    page.click("nav.lang a[lang=zh-CN]")
    page.wait_for_function("document.documentElement !== null && document.documentElement.lang === 'zh-CN'")
    assert "2025年12月" in page.inner_text("h1")
    page.context.close()


def test_global_search_by_pinyin_initials(browser: Any, server: str) -> None:
    page = new_page(browser, server)
    log_in(page, "accountant")
    page.click("form.search input")
    page.keyboard.type("yszk")
    if page.evaluate("() => !!window.htmx"):  # htmx from node_modules: results drop down while typing
        page.wait_for_selector("#search-pop a:has-text('1122 应收账款')")
        shot(page, "search-desktop")
    page.keyboard.press("Enter")  # without htmx the form still submits to the search page
    page.wait_for_url(re.compile(r".*/search\?q=yszk$"))
    page.click("main a:has-text('1122 应收账款')")
    page.wait_for_url(re.compile(r".*/books/subledger\?account=1122$"))
    page.context.close()


def test_trial_balance_levels_collapse_and_expand(browser: Any, server: str) -> None:
    page = new_page(browser, server)
    log_in(page, "auditor")
    page.goto("/books/trial-balance?from=2025-12")
    child = page.locator('tr[data-code="100201"]')
    assert child.is_visible()
    page.click('tr[data-code="1002"] .toggle')
    assert not child.is_visible()
    page.click('tr[data-code="1002"] .toggle')
    assert child.is_visible()
    page.click("[data-collapse-all]")
    assert not child.is_visible() and page.locator('tr[data-code="1002"]').is_visible()
    page.click("[data-expand-all]")
    assert child.is_visible()
    page.context.close()


def test_screenshots_of_the_main_screens(browser: Any, server: str) -> None:
    screens = {
        "home": "/?period=2025-12",
        "vouchers": "/vouchers?period=2025-12",
        "trial-balance": "/books/trial-balance?from=2025-12&level=2",
        "general-ledger": "/books/general-ledger?from=2025-12",
        "income-statement": "/books/income-statement?from=2025-12",
        "subledger": "/books/subledger?account=1122&from=2025-12",
        "closing": "/closing",
        "accounts": "/accounts",
        "dimensions": "/dimensions",
    }
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = new_page(browser, server, viewport)
        log_in(page, "finance_manager")
        for name, url in screens.items():
            page.goto(url)
            if name == "home" and page.evaluate("() => !!window.htmx"):
                page.wait_for_selector("#trend-table")  # loaded after the page by htmx (node_modules)
                if shutil.which("node") and (ROOT / "node_modules" / "echarts").exists():
                    page.wait_for_selector("#trend-chart canvas")
            shot(page, f"{name}-{label}")
        page.goto("/vouchers/new")
        shot(page, f"voucher-entry-{label}")
        page.context.close()
    assert (SHOTS / "home-phone.png").stat().st_size > 10_000


# --- business documents (WEBDOCS) -------------------------------------------------------------------


def test_sales_flow_from_order_to_receipt(browser: Any, server: str, docs_company: DocsCompany) -> None:
    page = new_page(browser, server)
    log_in(page, "accountant", company=DOCS)
    page.goto("/sales/orders/new")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'f-customer'")
    kb = page.keyboard
    kb.type("C03")
    page.click("#lines tr.line >> nth=0 >> input.item")
    kb.type("dj")  # 电机 by pinyin initials
    page.wait_for_selector("#item-suggest div.on:has-text('A100')")
    kb.press("Enter")  # picks the item and moves on to the quantity
    assert active(page)["name"] == "qty"
    assert "电机" in page.inner_text("#lines tr.line >> nth=0 >> .item-name")
    kb.type("2")
    kb.press("Enter")
    kb.type("339")
    kb.press("Enter")
    assert active(page)["name"] == "tax_code"
    assert page.inner_text("#total-amount") == "678.00" and page.inner_text("#total-tax") == "78.00"
    shot(page, "sales-order-form-desktop")
    kb.press("Control+Enter")
    page.wait_for_url(re.compile(r".*/sales/orders/\d+\?done=created$"))
    assert page.get_attribute("[data-status]", "data-status") == "open"
    assert "¥678.00" in page.inner_text("#doc-meta")
    shot(page, "sales-order-desktop")

    page.select_option("#deliver-wh", "W1")
    page.click("#submit-deliver")
    page.wait_for_url(re.compile(r".*/sales/deliveries/\d+\?done=created$"))
    if page.evaluate("() => !!window.htmx"):  # the voucher preview loads after the page
        page.wait_for_selector("#preview-lines")
        assert "6401" in page.inner_text("#preview-lines")
    shot(page, "sales-delivery-preview-desktop")
    page.click("#action-confirm")
    page.wait_for_selector('[data-status="confirmed"]')
    assert page.locator("#vouchers a[data-voucher]").count() == 1

    page.click("#doc-meta a[href^='/docs/sales_order/no/']")
    page.wait_for_url(re.compile(r".*/sales/orders/\d+$"))
    page.click("#submit-invoice")
    page.wait_for_url(re.compile(r".*/sales/invoices/\d+\?done=created$"))
    page.click("#action-post")
    page.wait_for_selector('[data-status="posted"]')
    assert page.input_value("#collect-amount") == "678.00"
    shot(page, "sales-invoice-desktop")
    page.click("#submit-collect")
    page.wait_for_url(re.compile(r".*/sales/receipts/\d+\?done=created$"))
    receipt_url = page.url.split("?")[0]
    assert "¥678.00" in page.inner_text("#doc-meta")
    shot(page, "sales-receipt-desktop")

    page.click("#vouchers a[data-voucher]")  # the receipt's voucher, and back to the receipt
    page.wait_for_url(re.compile(r".*/vouchers/\d+$"))
    assert "1122" in page.inner_text("table.voucher-lines")
    page.click("a[data-source-doc]")
    page.wait_for_url(receipt_url)
    page.context.close()


def test_drill_from_the_balance_sheet_to_the_source_document(
    browser: Any, server: str, docs_company: DocsCompany
) -> None:
    page = new_page(browser, server)
    log_in(page, "auditor", company=DOCS)
    page.goto("/books/balance-sheet?period=2025-12")
    page.click('a[data-drill="accounts_receivable"]')
    page.wait_for_url(re.compile(r".*/books/(trial-balance|subledger)\?.*"))
    if "/trial-balance" in page.url:
        page.click('tr[data-code="1122"] td.text a')
        page.wait_for_url(re.compile(r".*/books/subledger\?.*account=1122.*"))
    first = page.locator("a[data-voucher]").first
    voucher_id = first.get_attribute("data-voucher")
    first.click()
    page.wait_for_url(re.compile(r".*/vouchers/\d+$"))
    page.click("a[data-source-doc]")
    page.wait_for_url(re.compile(r".*/sales/(invoices|receipts)/\d+$"))
    assert page.locator(f'#vouchers a[data-voucher="{voucher_id}"]').count() == 1
    assert page.locator("#history li").count() >= 1  # the auditor reads the status history
    shot(page, "document-from-drill-desktop")
    page.context.close()


def test_screenshots_of_the_document_screens(browser: Any, server: str, docs_company: DocsCompany) -> None:
    ids = docs_company.ids
    screens = {
        "sales-orders": "/sales/orders",
        "sales-invoice-view": f"/sales/invoices/{ids['sales_invoice'][0]}",
        "delivery-draft": f"/sales/deliveries/{ids['sales_delivery'][-1]}",
        "purchase-order-view": f"/purchasing/orders/{ids['purchase_order'][-4]}",
        "vendor-bills": "/purchasing/bills",
        "on-hand": "/inventory/on-hand",
        "customers": "/masterdata/customers",
        "home-documents": "/",
    }
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = new_page(browser, server, viewport)
        log_in(page, "finance_manager", company=DOCS)
        for name, url in screens.items():
            page.goto(url)
            if name == "delivery-draft" and page.evaluate("() => !!window.htmx"):
                page.wait_for_selector("#preview-lines, [data-preview-errors]")
            shot(page, f"{name}-{label}")
            if label == "phone":  # read-only views fit the phone: no sideways scrolling of the page
                width = page.evaluate("() => document.documentElement.scrollWidth")
                assert width <= PHONE["width"] + 1, f"{name} is {width}px wide on a phone"
        page.context.close()
    assert (SHOTS / "sales-orders-phone.png").stat().st_size > 10_000
