"""The AR workbench pages (TestClient, the web database): the customer list with aging, a
customer's open items, applying and un-applying from the page, the aging report's drill-down,
statement downloads, and what a read-only role sees."""

from __future__ import annotations

import io
import re
from datetime import date

import pdfplumber
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.receivables.test_service import invoice
from tests.sales.books import Books, setup_books
from yecai.sales import service as sales
from yecai.security import service as security
from yecai.store.db import Database
from yecai.store.uow import UnitOfWork

from .conftest import PASSWORD


@pytest.fixture
def ar_books(web_db: Database) -> tuple[Books, dict]:
    admin = security.actor_for(web_db, "admin", source="test")
    b = setup_books(web_db, admin)
    for role in ("accountant", "auditor"):
        security.grant(UnitOfWork(web_db, admin), username=role, company_code=b.company, role=role)
    docs = {
        "i1": invoice(b, "C1", "1", "113.00", day="2025-03-05"),
        "i2": invoice(b, "C1", "2", "226.00", day="2025-03-06"),
        "i3": invoice(b, "C2", "1", "56.50", day="2025-03-07"),
    }
    docs["r"] = sales.create_receipt(
        b.uow(), b.company, customer="C1", day=date(2025, 3, 20), amount="200.00"
    )
    return b, docs


def client_for(web_app: object, role: str, company: str) -> TestClient:
    c = TestClient(web_app)  # type: ignore[arg-type]
    r = c.post("/login", data={"username": role, "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 303
    c.cookies.set("yecai_company", company)
    c.cookies.set("yecai_lang", "zh_CN")
    return c


def test_workbench_customer_apply_unapply(web_app: object, ar_books: tuple[Books, dict]) -> None:
    b, docs = ar_books
    c = client_for(web_app, "accountant", b.company)
    page = c.get("/receivables", params={"as_of": "2025-04-30"})
    assert page.status_code == 200
    html = page.text
    assert 'data-nav="receivables"' in html and "应收" in html
    row = re.search(r'<tr data-customer="C1">(.*?)</tr>', html, re.S)
    assert row and "565.00" in row.group(1) and "-200.00" in row.group(1) and "365.00" in row.group(1)
    assert '<tr data-customer="C2">' in html

    page = c.get("/receivables/customers/C1", params={"as_of": "2025-04-30"})
    assert page.status_code == 200 and "华东商贸" in page.text and docs["i2"]["no"] in page.text
    assert 'id="ar-apply-form"' in page.text
    r = c.post(
        "/receivables/customers/C1/apply",
        data={
            "source": f"sales_receipt:{docs['r']['id']}",
            "invoice": str(docs["i2"]["id"]),
            "amount": "200.00",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].endswith("done=apply")
    page = c.get(r.headers["location"])
    assert "已核销" in page.text
    doc_row = re.search(rf'<tr data-doc="{docs["i2"]["no"]}".*?</tr>', page.text, re.S)
    assert doc_row and "252.00" in doc_row.group(0)
    # too much: the page shows the refusal in Chinese, nothing is written
    r = c.post(
        "/receivables/customers/C1/apply",
        data={
            "source": f"sales_receipt:{docs['r']['id']}",
            "invoice": str(docs["i1"]["id"]),
            "amount": "5.00",
        },
    )
    assert r.status_code == 409 and "未核销余额只有 0.00" in r.text
    app_id = int(re.search(r'<tr data-application="(\d+)"', page.text).group(1))  # type: ignore[union-attr]
    r = c.post(
        f"/receivables/applications/{app_id}/unapply",
        data={"customer": "C1", "reason": "客户要求改付 i1"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = c.get(r.headers["location"])
    assert "已反核销" in page.text and "客户要求改付 i1" in page.text
    assert page.text.count("unapply-form") == 0  # the only application is reversed

    # statements download in the user's language
    pdf = c.get(
        "/receivables/customers/C1/statement", params={"date_from": "2025-03-01", "date_to": "2025-03-31"}
    )
    assert pdf.headers["content-type"] == "application/pdf"
    with pdfplumber.open(io.BytesIO(pdf.content)) as doc:
        assert "客户对账单" in (doc.pages[0].extract_text() or "")
    xlsx = c.get("/receivables/customers/C1/statement", params={"format": "xlsx", "date_to": "2025-03-31"})
    assert "客户对账单" in str(load_workbook(io.BytesIO(xlsx.content)).active["A1"].value)


def test_aging_report_drill_down_and_export(web_app: object, ar_books: tuple[Books, dict]) -> None:
    b, docs = ar_books
    c = client_for(web_app, "auditor", b.company)
    page = c.get("/receivables/aging", params={"as_of": "2025-05-10"})
    assert page.status_code == 200
    links = re.findall(r'href="(/receivables/aging/items\?[^"]*bucket=61-90[^"]*)"', page.text)
    c1 = [link for link in links if "key=C1" in link]
    assert c1
    drill = c.get(c1[0].replace("&amp;", "&"))
    assert drill.status_code == 200
    assert (
        docs["i1"]["no"] in drill.text
        and docs["i2"]["no"] in drill.text
        and docs["i3"]["no"] not in drill.text
    )
    by_inv = c.get(
        "/receivables/aging", params={"as_of": "2025-05-10", "basis": "invoice", "buckets": "0-45,46+"}
    )
    assert "46+" in by_inv.text
    bad = c.get("/receivables/aging", params={"buckets": "10-20"})
    assert bad.status_code == 422 and "账龄区间" in bad.text
    xlsx = c.get("/receivables/aging", params={"as_of": "2025-05-10", "format": "xlsx"})
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    assert [ws.cell(row=3, column=1).value, ws.cell(row=4, column=1).value] == ["C1", "C2"]
    # a read-only role sees no apply form
    page = c.get("/receivables/customers/C1", params={"as_of": "2025-04-30"})
    assert page.status_code == 200 and 'id="ar-apply-form"' not in page.text


def test_login_required(web_app: object) -> None:
    r = TestClient(web_app).get("/receivables", follow_redirects=False)  # type: ignore[arg-type]
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_owner_form_feeds_aging_by_salesperson(web_app: object, ar_books: tuple[Books, dict]) -> None:
    b, _docs = ar_books
    c = client_for(web_app, "accountant", b.company)
    r = c.post(
        "/receivables/customers/C1/owner",
        data={"salesperson": "赵六", "department": "D2"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = c.get(r.headers["location"])
    assert "已保存" in page.text and 'value="赵六"' in page.text
    aging = c.get("/receivables/aging", params={"as_of": "2025-05-10", "by": "salesperson"})
    assert '<tr data-key="赵六">' in aging.text and "（未指定）" in aging.text
    auditor = client_for(web_app, "auditor", b.company)
    assert 'id="ar-owner-form"' not in auditor.get("/receivables/customers/C1").text
