"""Every document list exports what its filters select (all pages, not one) to XLSX and CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from fastapi.testclient import TestClient
from openpyxl import load_workbook

Login = Callable[[str], TestClient]


def test_invoice_list_exports_the_filtered_rows(docs_login: Login) -> None:
    client = docs_login("accountant")
    page = client.get("/sales/invoices?period=2025-03")
    assert page.status_code == 200 and 'id="export-xlsx"' in page.text
    shown = page.text.count("data-doc=")
    r = client.get("/sales/invoices?period=2025-03&format=csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["单号", "日期", "客户"] and rows[0][-1] == "状态"
    assert len(rows) - 1 >= shown > 0 and all(row[1].startswith("2025-03") for row in rows[1:])
    r = client.get("/sales/invoices?period=2025-03&format=xlsx")
    wb = load_workbook(io.BytesIO(r.content))
    ws = wb.active
    assert ws is not None and ws.max_row == len(rows)
    # the whole list, not one page: no period filter gives at least as many rows as pages hold
    everything = list(
        csv.reader(io.StringIO(client.get("/sales/invoices?format=csv").content.decode("utf-8-sig")))
    )
    assert len(everything) > len(rows)
