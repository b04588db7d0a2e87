"""End to end in Debian's Chromium (see test_e2e.py for the server and browser): editing a draft
voucher by keyboard alone, a work order from release to finished goods, an expense claim from
submission to payment across roles, and screenshots of the new screens at desktop and phone width
(the read-only ones fit the phone without sideways scrolling)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from yecai.ledger import service as ledger
from yecai.ledger.domain import LineDraft, VoucherDraft
from yecai.security import service as security
from yecai.store.db import Database
from yecai.store.uow import UnitOfWork

from .conftest import OPS
from .ops_fixture import OpsCompany
from .test_e2e import PHONE, SHOTS, active, browser, log_in, new_page, server, shot  # noqa: F401

pytestmark = [pytest.mark.xdist_group("web"), pytest.mark.slow]


def test_edit_a_draft_voucher_by_keyboard(browser: Any, server: str, web_db: Database) -> None:  # noqa: F811
    accountant = security.actor_for(web_db, "accountant", source="test")
    draft = ledger.create_voucher(
        UnitOfWork(web_db, accountant),
        "WEBDEMO",
        VoucherDraft(
            date=date(2025, 12, 29),
            lines=(
                LineDraft("报销差旅费", "1001", debit=Decimal("300")),
                LineDraft("报销差旅费", "6001", credit=Decimal("300")),
            ),
        ),
    )
    page = new_page(browser, server)
    log_in(page, "accountant")
    page.goto(f"/vouchers/{draft.id}")
    page.click("#edit-voucher")
    page.wait_for_url(re.compile(rf".*/vouchers/{draft.id}/edit$"))
    page.wait_for_function("document.activeElement && document.activeElement.classList.contains('summary')")
    assert active(page)["value"] == "报销差旅费"
    kb = page.keyboard
    kb.type("报销差旅费（北京）")  # the summary is selected on focus: typing replaces it
    kb.press("Enter")
    assert active(page)["name"] == "account"
    kb.press("Enter")  # keep 1001: on to its amount
    page.wait_for_function("document.activeElement && document.activeElement.name === 'debit'")
    kb.type("320")
    kb.press("Enter")  # the next line's summary (its own, kept)
    assert active(page) == {"name": "summary", "cls": "summary", "value": "报销差旅费"}
    kb.press("Enter")
    kb.press("Enter")  # keep 6001
    page.wait_for_function("document.activeElement && document.activeElement.name === 'debit'")
    kb.press("Enter")
    assert active(page)["name"] == "credit"
    kb.type("=")  # balance: 320.00
    assert active(page)["value"] == "320.00"
    shot(page, "voucher-edit-desktop")
    kb.press("Control+Enter")  # saves the changes
    page.wait_for_url(re.compile(rf".*/vouchers/{draft.id}\?done=updated$"))
    assert page.locator(".flash").count() == 1
    after = ledger.get_voucher(UnitOfWork(web_db, accountant), "WEBDEMO", draft.id)
    assert after.voucher_no == draft.voucher_no
    assert [(ln.summary, ln.debit, ln.credit) for ln in after.lines] == [
        ("报销差旅费（北京）", "320.00", ""),
        ("报销差旅费", "", "320.00"),  # a line keeps its own summary
    ]
    page.context.close()


def test_work_order_from_release_to_finished_goods(
    browser: Any,  # noqa: F811
    server: str,  # noqa: F811
    ops_company: OpsCompany,
) -> None:
    page = new_page(browser, server)
    log_in(page, "accountant", company=OPS)
    page.goto("/production/boms")
    page.click("a[data-bom]")
    page.click("#new-work-order")
    page.wait_for_url(re.compile(r".*/production/work-orders/new\?item=P$"))
    assert page.input_value("#f-item") == "P"
    page.fill("#f-qty", "2")
    page.fill("#f-date", "2025-12-27")
    page.click("#save-doc")
    page.wait_for_url(re.compile(r".*/production/work-orders/\d+\?done=created$"))
    assert page.get_attribute("[data-status]", "data-status") == "released"
    shot(page, "work-order-desktop")
    page.select_option("#issue-wh", "W1")
    page.click("#submit-issue")
    page.wait_for_url(re.compile(r".*\?done=issued.*"))
    page.fill("#collect_cost-amount", "150")
    page.click("#submit-collect_cost")
    page.wait_for_url(re.compile(r".*\?done=collected.*"))
    page.select_option("#receive_fg-wh", "W2")
    page.click("#submit-receive_fg")
    page.wait_for_url(re.compile(r".*\?done=received.*"))
    assert page.locator("#vouchers a[data-voucher]").count() == 3
    assert "2" in page.inner_text("[data-meta=received]")
    page.context.close()


def test_expense_claim_from_submission_to_payment(
    browser: Any,  # noqa: F811
    server: str,  # noqa: F811
    ops_company: OpsCompany,
) -> None:
    page = new_page(browser, server)
    log_in(page, "accountant", company=OPS)
    page.goto("/expenses/claims/new")
    page.fill("#f-employee", "E2")
    page.fill("#f-department", "ADM")
    page.fill("#f-date", "2025-12-28")
    row = page.locator("#lines tr.line").first
    row.locator("select[name=category]").select_option("办公费")
    row.locator("input[name=amount]").fill("226")
    row.locator("input[name=tax]").fill("26")
    row.locator("select[name=invoice_type]").select_option("special")
    shot(page, "expense-claim-form-desktop")
    page.click("#save-doc")
    page.wait_for_url(re.compile(r".*/expenses/claims/\d+\?done=created$"))
    url = page.url.split("?")[0]
    assert page.locator("#action-approve").count() == 0  # the submitter does not approve
    reviewer = new_page(browser, server)
    log_in(reviewer, "reviewer", company=OPS)
    reviewer.goto(url)
    reviewer.click("#action-approve")
    reviewer.wait_for_selector('[data-status="approved"]')
    reviewer.context.close()
    page.goto(url)
    page.click("#submit-pay_claim")
    page.wait_for_selector('[data-status="paid"]')
    assert page.locator("#vouchers a[data-voucher]").count() == 2
    shot(page, "expense-claim-paid-desktop")
    page.context.close()


def test_screenshots_of_the_operations_screens(
    browser: Any,  # noqa: F811
    server: str,  # noqa: F811
    ops_company: OpsCompany,
) -> None:
    ids = ops_company.ids
    screens = {
        "work-orders": "/production/work-orders",
        "work-order-view": f"/production/work-orders/{ids['work_order'][0]}",
        "boms": "/production/boms",
        "bom-view": f"/production/boms/{ids['bom'][0]}",
        "expense-claims": "/expenses/claims",
        "expense-claim-view": f"/expenses/claims/{ids['expense_claim'][-1]}",
        "stock-count-view": f"/inventory/counts/{ids['stock_count'][0]}",
        "sales-return-view": f"/sales/returns/{ids['sales_return'][0]}",
        "credit-note-view": f"/sales/credit-notes/{ids['sales_credit_note'][0]}",
        "books-pdf-links": "/books/trial-balance?from=2025-12",
    }
    wide_ok = {"count-sheet", "costing"}  # entry forms may scroll sideways on a phone
    for label, viewport in (("desktop", None), ("phone", PHONE)):
        page = new_page(browser, server, viewport) if viewport else new_page(browser, server)
        log_in(page, "finance_manager", company=OPS)
        for name, url in {**screens, "count-sheet": "/inventory/counts/new?warehouse=W1"}.items():
            page.goto(url)
            shot(page, f"{name}-{label}")
            if label == "phone" and name not in wide_ok and name != "books-pdf-links":
                width = page.evaluate("() => document.documentElement.scrollWidth")
                assert width <= PHONE["width"] + 1, f"{name} is {width}px wide on a phone"
        page.context.close()
    assert (SHOTS / "work-order-view-phone.png").stat().st_size > 10_000
