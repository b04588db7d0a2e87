"""The forecast and risk pages in a real browser: Playwright drives Debian's Chromium against a
uvicorn server on a free loopback port. When ECharts is installed (npm ci, or YECAI_NODE_MODULES)
the chart must be drawn; the page is usable without it. A screenshot goes to
test-artifacts/screenshots/analytics-forecast.png."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.analytics.books import AS_OF, AnalyticsBooks, build
from yecai.security import service as security
from yecai.store.db import get_database, upgrade
from yecai.web.app import node_modules_dir

pytestmark = [pytest.mark.xdist_group("web"), pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "screenshots"
TIMEOUT_MS = 15_000
SERVER_START_S = 120  # generous: a loaded CI machine starts uvicorn slowly; only a failure waits this long


def _need_browser() -> None:
    missing = not CHROMIUM.exists()
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing = True
    if missing:
        if os.environ.get("CI"):
            pytest.fail("browser tests need /usr/bin/chromium and the playwright package")
        pytest.skip("browser tests need Debian's Chromium and the playwright package")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, AnalyticsBooks]]:
    _need_browser()
    path = tmp_path_factory.mktemp("analytics-web") / "yecai.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    db = get_database(url)
    security.ensure_admin(db, "admin", "admin-password")
    books = build(db, security.actor_for(db, "admin", source="test"))
    db.dispose()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    env = dict(
        os.environ, YECAI_DATABASE_URL=url, YECAI_DATA_DIR=str(path.parent), YECAI_SECRET_KEY="analytics"
    )
    log = (path.parent / "uvicorn.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "yecai.api.app:create_app", "--factory", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + SERVER_START_S
    while True:
        try:
            with urllib.request.urlopen(base + "/api/health", timeout=2):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"the server did not start: {(path.parent / 'uvicorn.log').read_text()[-2000:]}")
            time.sleep(0.2)
    try:
        yield base, books
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def test_forecast_chart_and_risk_drill_down(served: tuple[str, AnalyticsBooks]) -> None:
    from playwright.sync_api import sync_playwright

    base, books = served
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run"],
        )
        context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=base, locale="zh-CN")
        context.set_default_timeout(TIMEOUT_MS)
        page: Any = context.new_page()
        page.goto("/login")
        page.fill("#username", "admin")
        page.fill("#password", "admin-password")
        page.press("#password", "Enter")
        page.wait_for_url(f"{base}/")
        context.add_cookies([{"name": "yecai_company", "value": books.company, "url": base}])
        page.goto("/")
        page.click('nav.mainnav a[data-nav="analytics"]')
        page.wait_for_url("**/analytics/forecast")
        assert page.inner_text("h1") == "现金流预测"
        page.fill('input[name="as_of"]', AS_OF.isoformat())
        page.fill('input[name="weeks"]', "8")
        page.click('form.filters button[type="submit"]')
        page.wait_for_url("**weeks=8**")
        assert page.locator("#forecast-table tbody tr").count() == 8
        first_week = page.locator('#forecast-table tr[data-week="1"] td').all_inner_texts()
        assert first_week[3] == "1,000.00"  # the vendor bill falls due in week 1 (grouped, the Chinese way)
        if (node_modules_dir() / "echarts" / "dist" / "echarts.min.js").exists():
            page.wait_for_selector("#forecast-chart canvas")
            assert page.locator("#forecast-chart").bounding_box()["height"] > 100
        page.screenshot(path=str(SHOTS / "analytics-forecast.png"))
        page.click('nav.tabs a[href="/analytics/risk"]')
        page.wait_for_url("**/analytics/risk")
        first = page.locator("#risk-table tbody tr").first
        assert first.get_attribute("data-invoice") == books.late_invoice
        page.fill('input[name="as_of"]', AS_OF.isoformat())
        page.click('form.filters button[type="submit"]')
        page.wait_for_url("**as_of=**")
        page.screenshot(path=str(SHOTS / "analytics-risk.png"))
        page.click(f'#risk-table a:has-text("{books.late_invoice}")')
        page.wait_for_url("**/sales/invoices/*")
        assert books.late_invoice in page.inner_text("main")
        browser.close()
