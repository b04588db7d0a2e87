"""Customer statements (对账单): the figures, and the PDF and XLSX read back (pdfplumber,
openpyxl) in Chinese and in English."""

from __future__ import annotations

import io
from datetime import date

import pdfplumber
from openpyxl import load_workbook

from tests.receivables.test_items import receipt
from tests.receivables.test_service import invoice
from tests.sales.books import setup_books
from yecai.receivables import items, statements
from yecai.sales import returns
from yecai.store.db import Database
from yecai.store.uow import Actor


def test_statement_running_balance_pdf_and_xlsx(db: Database, admin: Actor) -> None:
    b = setup_books(db, admin)
    i0 = invoice(b, "C1", "1", "113.00", day="2025-03-03")  # before the period: opening balance
    i1 = invoice(b, "C1", "2", "226.00", day="2025-04-02")
    r = receipt(b, "C1", "200.00", day="2025-04-10")
    items.apply(b.uow(), b.company, receipt_id=r["id"], invoice_id=i0["id"], amount="113.00")
    cn = returns.create_credit_note(
        b.uow(), b.company, invoice_id=i1["id"], day=date(2025, 4, 15), lines=[(1, "1")]
    )
    invoice(b, "C1", "1", "99.00", day="2025-05-02")  # after the period: left out
    data = statements.statement(
        b.uow(), b.company, "C1", date_from=date(2025, 4, 1), date_to=date(2025, 4, 30)
    )
    assert data["opening"] == "113.00"
    assert [(ln["doc_no"], ln["debit"], ln["credit"], ln["balance"]) for ln in data["lines"]] == [
        (i1["no"], "452.00", "", "565.00"),
        (r["no"], "", "200.00", "365.00"),
        (cn["no"], "", "226.00", "139.00"),
    ]
    assert data["closing"] == "139.00"
    # 452 − 226 (credit note) = 226 open on i1, and 87 of the receipt unapplied
    assert {(it["doc_no"], it["open_amount"]) for it in data["open_items"]} == {
        (i1["no"], "226.00"),
        (r["no"], "-87.00"),
    }

    pdf = statements.statement_pdf(data, "zh_CN")
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        text = "".join(p.extract_text() or "" for p in doc.pages)
    for expected in ("客户对账单", "华东商贸", i1["no"], "565.00", "139.00", "期初余额", "未核销"):
        assert expected in text, expected
    pdf_en = statements.statement_pdf(data, "en")
    with pdfplumber.open(io.BytesIO(pdf_en)) as doc:
        text_en = "".join(p.extract_text() or "" for p in doc.pages)
    assert "Customer statement" in text_en and "Opening balance" in text_en

    wb = load_workbook(io.BytesIO(statements.statement_xlsx(data, "zh_CN")))
    ws = wb.active
    rows = [[c for c in row] for row in ws.iter_rows(values_only=True)]
    assert "客户对账单" in str(rows[0][0])
    flat = [str(v) for row in rows for v in row if v is not None]
    assert i1["no"] in flat and cn["no"] in flat
    closing = next(row for row in rows if row[2] == "期末余额")
    assert tuple(closing[3:6]) == (452, 426, 139)  # debits, credits, closing balance (numbers)


def test_statement_of_many_lines_runs_over_pages(db: Database, admin: Actor) -> None:
    b = setup_books(db, admin)
    inv = invoice(b, "C2", "1", "1000.00", day="2025-03-05")
    for day in range(6, 31):
        receipt(b, "C2", "10.00", day=f"2025-03-{day:02d}", invoice_id=inv["id"])
        receipt(b, "C2", "1.00", day=f"2025-03-{day:02d}")
    data = statements.statement(
        b.uow(), b.company, "C2", date_from=date(2025, 3, 1), date_to=date(2025, 3, 31)
    )
    assert len(data["lines"]) == 51 and data["closing"] == "725.00"
    with pdfplumber.open(io.BytesIO(statements.statement_pdf(data))) as doc:
        assert len(doc.pages) >= 2
        assert "725.00" in "".join(p.extract_text() or "" for p in doc.pages)
