"""Beancount export: bean-check accepts the file and its balances equal yecai's trial balance."""

from __future__ import annotations

import subprocess
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import draft, make_company, make_user
from tests.ledger.test_reports import make_books, post
from yecai.core.errors import NotFound, PermissionDenied
from yecai.core.money import from_minor
from yecai.ledger import reports
from yecai.ledger.beancount_export import export_beancount
from yecai.store.db import Database
from yecai.store.uow import Actor, UnitOfWork

BEAN_CHECK = Path(sys.executable).with_name("bean-check")


def export(db: Database, actor: Actor, company: str, path: Path) -> None:
    with path.open("w", encoding="utf-8") as fh:
        export_beancount(UnitOfWork(db, actor), company, fh)


def bean_balances(path: Path) -> tuple[dict[str, Decimal], list]:
    from beancount import loader
    from beancount.core import data

    entries, errors, _ = loader.load_file(str(path))
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for entry in entries:
        if isinstance(entry, data.Transaction):
            for posting in entry.postings:
                assert posting.units.currency == "CNY"
                totals[posting.account] += posting.units.number
    return dict(totals), [e for e in entries if isinstance(e, data.Transaction)]


def test_export_passes_bean_check_and_matches_the_trial_balance(db, admin, tmp_path):
    company, v = make_books(db, admin)
    # a red (negative) correction and a line summary with quotes and a backslash
    post(
        db,
        admin,
        company,
        draft("2025-03-28", ('冲"红" \\ 更正', "1001", "-20", ""), ("冲红", "6001", "", "-20")),
    )
    path = tmp_path / "books.beancount"
    export(db, admin, company, path)

    check = subprocess.run([str(BEAN_CHECK), str(path)], capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr

    balances, transactions = bean_balances(path)
    assert len(transactions) == len(v) + 1
    tb = reports.trial_balance(UnitOfWork(db, admin), company, "2025-01", "2025-03")
    expected = {r.account_code: from_minor(r.closing_debit - r.closing_credit) for r in tb if r.is_leaf}
    got = {account.rsplit(":", 1)[1]: amount for account, amount in balances.items()}
    assert got == expected
    text = path.read_text(encoding="utf-8")
    assert "Liabilities:2221:222101:22210102" in text
    assert "Expenses:6602:660202" in text and "Income:6001" in text and "Equity:4001" in text
    assert "  Assets:1001  -20.00 CNY" in text
    first = transactions[0]
    assert first.meta["voucher_id"] == v["capital"] and first.meta["voucher_no"] == "记-0001"
    assert any(link.startswith(f"yecai-{company}-202501-ji-0001") for link in first.links)


def test_export_of_empty_books_and_permissions(db, admin, tmp_path):
    company = make_company(db, admin)
    path = tmp_path / "empty.beancount"
    export(db, admin, company, path)
    check = subprocess.run([str(BEAN_CHECK), str(path)], capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr

    outsider = make_user(db, "accountant", make_company(db, admin))
    with pytest.raises(NotFound):
        export(db, outsider, company, tmp_path / "x.beancount")
    cashier = make_user(db, "cashier", company)
    with pytest.raises(PermissionDenied):
        export(db, cashier, company, tmp_path / "y.beancount")


def test_cli_export(sqlite_db, monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from tests.conftest import admin_actor
    from yecai.cli.main import app

    monkeypatch.setenv("YECAI_DATABASE_URL", sqlite_db.url)
    monkeypatch.setenv("YECAI_DATA_DIR", str(tmp_path))
    company, _ = make_books(sqlite_db, admin_actor(sqlite_db))
    path = tmp_path / "cli.beancount"
    result = CliRunner().invoke(app, ["export", "beancount", "--company", company, str(path)])
    assert result.exit_code == 0, result.output
    check = subprocess.run([str(BEAN_CHECK), str(path)], capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr
