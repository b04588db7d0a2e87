"""Dunning in a real browser: Playwright drives Debian's Chromium against a uvicorn server this test
starts on a free loopback port, with a real SMTP server (aiosmtpd) receiving the reminders.

Preview the run as of a date, run it, see the reminder arrive, open the customer's timeline and
record a promise to pay through its form. Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.receivables.test_dunning import Mailbox, free_port, invoice, levels, smtp_server
from tests.sales.books import Books, setup_books
from yecai.masterdata import service as md
from yecai.receivables import dunning
from yecai.security import service as security
from yecai.store.db import get_database, upgrade

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage"]
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
TIMEOUT_MS = 15_000


def _need_browser() -> None:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing at /usr/bin/chromium; CI must run the browser tests")
        pytest.skip("browser tests need Debian's Chromium at /usr/bin/chromium")


@pytest.fixture(scope="module")
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as box:
        yield box


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, mailbox: Mailbox) -> Iterator[tuple[str, Books]]:
    _need_browser()
    url = f"sqlite:///{tmp_path_factory.mktemp('dunning-e2e') / 'yecai.db'}"
    upgrade(url)
    db = get_database(url)
    security.ensure_admin(db, "admin", "admin-password")
    b = setup_books(db, security.actor_for(db, "admin", source="test"))
    md.update_party(b.uow(), b.company, "customer", "C1", credit_days=30)
    dunning.save_policy(b.uow(), b.company, code="STD", name="标准催收", levels=levels())
    dunning.set_smtp(b.uow(), b.company, host="127.0.0.1", port=mailbox.port, sender="ar@yecai.example.cn")
    dunning.set_contact(b.uow(), b.company, "C1", email="ap@huadong.example.cn")
    invoice(b, "C1", "10", "113.00", "2025-03-05")
    port = free_port()
    env = dict(os.environ, YECAI_DATABASE_URL=url, YECAI_DATA_DIR=str(tmp_path_factory.mktemp("data")))
    log = (tmp_path_factory.mktemp("log") / "uvicorn.log").open("w")
    cmd = [sys.executable, "-m", "uvicorn", "yecai.api.app:create_app", "--factory", "--port", str(port)]
    proc = subprocess.Popen([*cmd, "--host", "127.0.0.1"], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120  # a loaded machine starts uvicorn slowly
    while True:
        try:
            with urllib.request.urlopen(base + "/api/health", timeout=2):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"the server did not start: {Path(log.name).read_text()[-2000:]}")
            time.sleep(0.3)
    try:
        yield base, b
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()
        db.dispose()


def test_preview_run_and_promise_in_the_browser(site: tuple[str, Books], mailbox: Mailbox) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, b = site
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        page: Any = browser.new_context(
            base_url=base, locale="zh-CN", viewport={"width": 1280, "height": 900}
        ).new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto("/login")
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", "admin-password")
        page.click("button[type=submit]")
        page.wait_for_url(lambda u: "/login" not in u)
        page.context.add_cookies([{"name": "yecai_company", "value": b.company, "url": base}])

        page.goto("/receivables/dunning?as_of=2025-04-06")
        row = page.locator('#dunning-preview tr[data-customer="C1"]')
        expect(row).to_contain_text("升级")
        expect(row).to_contain_text("电子邮件")
        page.screenshot(path=str(SHOTS / "ar_dunning.png"), full_page=True)
        page.click("#dunning-run-form button")
        expect(page.locator(".flash")).to_contain_text("发送 1 条")
        assert len(mailbox.messages) == 1 and mailbox.messages[0][0] == ["ap@huadong.example.cn"]

        page.click('#dunning-customers a:has-text("C1")')
        expect(page.locator("#dunning-level")).to_have_text("1")
        expect(page.locator('#dunning-timeline tr[data-kind="email"]')).to_contain_text("完成")
        page.fill("#promise_date", "2025-04-30")
        page.fill("#amount", "1130.00")
        page.fill("#note", "财务电话确认")
        page.click('#dunning-promise button:has-text("记录承诺")')
        expect(page.locator("#dunning-promise")).to_contain_text("2025-04-30")
        expect(page.locator('#dunning-timeline tr[data-kind="promise_set"]')).to_be_visible()
        page.screenshot(path=str(SHOTS / "ar_dunning_customer.png"), full_page=True)
        browser.close()
    assert dunning.customer_state(b.uow(), b.company, "C1")["promise"]["amount"] == "1130.00"
