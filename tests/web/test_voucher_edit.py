"""Editing a draft voucher in the browser: the same entry grid filled with the draft, saved
through ``ledger.update_voucher``; reviewed and posted vouchers are read-only."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from yecai.core.i18n import gettext
from yecai.ledger import service as ledger
from yecai.security import service as security
from yecai.store.db import Database
from yecai.store.uow import UnitOfWork

from .conftest import DEMO
from .test_pages import post_voucher_form

pytestmark = pytest.mark.xdist_group("web")
Login = Callable[[str], TestClient]
FIELDS = (
    "summary",
    "account",
    "debit",
    "credit",
    "customer",
    "supplier",
    "department",
    "project",
    "employee",
)


def admin_uow(db: Database) -> UnitOfWork:
    return UnitOfWork(db, security.actor_for(db, "admin", source="test"))


def make_draft(client: TestClient) -> int:
    r = post_voucher_form(
        client,
        [
            {"summary": "待修改凭证", "account": "100201", "debit": "500"},
            {"summary": "待修改凭证", "account": "1122", "credit": "500", "customer": "C001"},
        ],
        date="2025-12-10",
    )
    assert r.status_code == 303, r.text  # type: ignore[attr-defined]
    return int(re.search(r"saved=(\d+)", r.headers["location"]).group(1))  # type: ignore[attr-defined,union-attr]


def edit_form(client: TestClient, vid: int, lines: list[dict[str, str]], **head: str) -> object:
    data: dict[str, object] = {"date": "2025-12-10", "word": "记", "attachments": "2", "action": "save"}
    data.update(head)
    for name in FIELDS:
        data[name] = [ln.get(name, "") for ln in lines]
    return client.post(f"/vouchers/{vid}/edit", data=data, follow_redirects=False)


def test_a_draft_opens_in_the_entry_grid_and_saves_its_changes(login: Login, web_db: Database) -> None:
    client = login("accountant")
    vid = make_draft(client)
    before = ledger.get_voucher(admin_uow(web_db), DEMO, vid)
    page = client.get(f"/vouchers/{vid}").text
    assert f'href="/vouchers/{vid}/edit"' in page
    assert f'data-edit="{vid}"' in client.get("/vouchers?status=draft&period=2025-12").text
    form = client.get(f"/vouchers/{vid}/edit").text
    assert "data-voucher-entry" in form and f'action="/vouchers/{vid}/edit"' in form
    assert 'value="待修改凭证"' in form and 'value="500.00"' in form and 'value="C001"' in form
    assert before.voucher_no in form
    r = edit_form(
        client,
        vid,
        [
            {"summary": "已修改凭证", "account": "100201", "debit": "620.40"},
            {"summary": "已修改凭证", "account": "1122", "credit": "600.40", "customer": "C002"},
            {"summary": "已修改凭证", "account": "6001", "credit": "20"},
            {},
        ],
        date="2025-12-12",
    )
    assert r.status_code == 303 and r.headers["location"] == f"/vouchers/{vid}?done=updated"  # type: ignore[attr-defined]
    after = ledger.get_voucher(admin_uow(web_db), DEMO, vid)
    assert after.voucher_no == before.voucher_no and after.status == "draft"
    assert after.date == "2025-12-12" and after.attachments == 2
    assert [(ln.account_code, ln.debit, ln.credit) for ln in after.lines] == [
        ("100201", "620.40", ""),
        ("1122", "", "600.40"),
        ("6001", "", "20.00"),
    ]
    assert after.lines[1].dims == {"customer": "C002"}
    shown = client.get(f"/vouchers/{vid}?done=updated").text
    assert gettext("Voucher changes saved", "zh_CN") in shown and "620.40" in shown


def test_a_refused_edit_keeps_the_input_and_changes_nothing(login: Login, web_db: Database) -> None:
    client = login("accountant")
    vid = make_draft(client)
    before = ledger.get_voucher(admin_uow(web_db), DEMO, vid)
    r = edit_form(
        client,
        vid,
        [
            {"summary": "不平衡", "account": "100201", "debit": "700"},
            {"summary": "不平衡", "account": "1122", "credit": "690", "customer": "C001"},
        ],
    )
    assert r.status_code == 422 and 'data-code="voucher.unbalanced"' in r.text  # type: ignore[attr-defined]
    assert 'value="不平衡"' in r.text and 'value="690"' in r.text  # type: ignore[attr-defined]
    assert f'action="/vouchers/{vid}/edit"' in r.text  # type: ignore[attr-defined]
    # out of its period: the number belongs to December, so the date is refused next to the field
    moved = edit_form(
        client,
        vid,
        [
            {"summary": "x", "account": "100201", "debit": "500"},
            {"summary": "x", "account": "1122", "credit": "500", "customer": "C001"},
        ],
        date="2026-01-05",
    )
    assert moved.status_code in (409, 422)  # type: ignore[attr-defined]
    assert re.search(r'class="field has-error">\s*<label for="date"', moved.text)  # type: ignore[attr-defined]
    assert 'value="2026-01-05"' in moved.text  # type: ignore[attr-defined]
    assert ledger.get_voucher(admin_uow(web_db), DEMO, vid) == before


def test_reviewed_and_posted_vouchers_are_read_only(login: Login, web_db: Database) -> None:
    accountant, reviewer = login("accountant"), login("reviewer")
    vid = make_draft(accountant)
    assert 'id="edit-voucher"' not in reviewer.get(f"/vouchers/{vid}").text  # a reviewer makes no vouchers
    assert reviewer.get(f"/vouchers/{vid}/edit").status_code == 403
    assert reviewer.post(f"/vouchers/{vid}/review", follow_redirects=False).status_code == 303
    page = accountant.get(f"/vouchers/{vid}").text
    assert 'id="edit-voucher"' not in page
    r = accountant.get(f"/vouchers/{vid}/edit")
    assert r.status_code == 409 and 'data-code="voucher.wrong_state"' in r.text
    assert "reviewed" not in r.text.split('data-code="voucher.wrong_state"')[1][:300]  # status in Chinese
    refused = edit_form(accountant, vid, [{"summary": "x", "account": "100201", "debit": "1"}])
    assert refused.status_code == 409  # type: ignore[attr-defined]
    assert ledger.get_voucher(admin_uow(web_db), DEMO, vid).lines[0].summary == "待修改凭证"
