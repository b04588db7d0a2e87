"""The books print to PDF beside their XLSX export: Chinese captions in a CJK font, the company
and period on top, amounts right-aligned as ¥1,234.50 and equal to the books' own figures."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import pdfplumber
import pytest
from fastapi.testclient import TestClient

from yecai.ledger import reports
from yecai.ledger import service as ledger
from yecai.security import service as security
from yecai.store.db import Database
from yecai.store.uow import UnitOfWork
from yecai.web.fmt import amount_text

from .conftest import DEMO

pytestmark = pytest.mark.xdist_group("web")
Login = Callable[[str], TestClient]
DEC = "2025-12"


def admin_uow(db: Database) -> UnitOfWork:
    return UnitOfWork(db, security.actor_for(db, "admin", source="test"))


def pdf_of(client: TestClient, url: str) -> tuple[str, list[list[dict[str, Any]]]]:
    r = client.get(url)
    assert r.status_code == 200, r.text[:500]
    assert r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF")
    with pdfplumber.open(io.BytesIO(r.content)) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
        words = [page.extract_words() for page in pdf.pages]
    return text, words


def company_name(db: Database) -> str:
    return next(c["name"] for c in ledger.list_companies(admin_uow(db)) if c["code"] == DEMO)


def test_trial_balance_pdf_has_the_books_totals_right_aligned(login: Login, web_db: Database) -> None:
    client = login("auditor")
    text, words = pdf_of(client, f"/books/trial-balance?from=2025-01&to={DEC}&format=pdf")
    assert "科目余额表" in text.replace(" ", "") or "试算平衡表" in text.replace(" ", "")
    assert company_name(web_db) in text and "2025年1月 – 2025年12月" in text and "单位：元" in text
    assert "第 1 页" in text
    rows = reports.trial_balance(admin_uow(web_db), DEMO, "2025-01", DEC)
    totals = reports.trial_balance_totals(rows)
    total_text = amount_text(totals["period_debit"])
    assert total_text.startswith("¥") and total_text in text
    # amounts of one column end at the same x: right-aligned
    cash = next(r for r in rows if r.account_code == "1001")
    last_page = words[-1]
    total_word = next(w for w in last_page if w["text"] == total_text)
    column = [
        w
        for page in words
        for w in page
        if re.fullmatch(r"-?¥[\d,]+\.\d\d", w["text"]) and abs(w["x1"] - total_word["x1"]) < 2
    ]
    assert len(column) >= 3
    assert amount_text(cash.period_debit) in text


def test_every_book_prints_with_its_chinese_title(login: Login, web_db: Database) -> None:
    client = login("finance_manager")
    books = {
        f"/books/general-ledger?from=2025-01&to={DEC}&format=pdf": "总账",
        f"/books/subledger?account=1122&from=2025-01&to={DEC}&format=pdf": "明细账",
        f"/books/balance-sheet?period={DEC}&format=pdf": "资产负债表",
        f"/books/income-statement?from=2025-01&to={DEC}&format=pdf": "利润表",
    }
    for url, title in books.items():
        text, _words = pdf_of(client, url)
        assert title in text.replace(" ", ""), url
        assert company_name(web_db) in text, url
    bs_text, _ = pdf_of(client, f"/books/balance-sheet?period={DEC}&format=pdf")
    rows = reports.balance_sheet(admin_uow(web_db), DEMO, DEC)
    total_assets = next(r for r in rows if r.key == "total_assets")
    assert amount_text(total_assets.amount) in bs_text
    assert "负债和所有者权益" in bs_text.replace(" ", "") or "负债及所有者权益" in bs_text.replace(" ", "")
    is_text, _ = pdf_of(client, f"/books/income-statement?from={DEC}&to={DEC}&format=pdf")
    net = next(r for r in reports.income_statement(admin_uow(web_db), DEMO, DEC) if r.key == "net_profit")
    assert amount_text(net.amount) in is_text


def test_book_pages_link_to_their_pdf(login: Login) -> None:
    client = login("auditor")
    html = client.get(f"/books/trial-balance?from={DEC}").text
    assert "format=pdf" in html and "data-export-pdf" in html
    html = client.get(f"/books/subledger?account=1122&from={DEC}").text
    assert re.search(r'href="/books/subledger\?[^"]*format=pdf"', html.replace("&amp;", "&"))


def test_english_pdf_keeps_english_captions(login: Login) -> None:
    client = login("auditor")
    client.cookies.set("yecai_lang", "en")
    text, _ = pdf_of(client, f"/books/income-statement?from={DEC}&format=pdf")
    assert "Income statement" in text and "Dec 2025" in text and "Page 1" in text
