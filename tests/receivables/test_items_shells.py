"""The open-items ledger through its shells: `yecai receivables …` (CLI) and the REST API, on
SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pdfplumber
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from typer.testing import CliRunner

from tests.receivables.test_items import receipt
from tests.receivables.test_service import invoice
from tests.sales.books import setup_books
from yecai.api.app import create_app
from yecai.security import service as security
from yecai.store.db import Database
from yecai.store.uow import Actor, UnitOfWork


def test_cli(db: Database, admin: Actor, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from yecai.cli.main import app

    monkeypatch.setenv("YECAI_DATABASE_URL", db.url)
    monkeypatch.setenv("YECAI_LANG", "en")
    b = setup_books(db, admin)
    c = b.company
    i1 = invoice(b, "C1", "1", "113.00")
    i2 = invoice(b, "C1", "1", "226.00")
    r = receipt(b, "C1", "300.00")
    runner = CliRunner()

    def cli(*args: str) -> tuple[int, str]:
        res = runner.invoke(app, ["--user", "admin", "receivables", *args])
        return res.exit_code, res.output

    code, out = cli("open-items", "-c", c, "--format", "csv")
    assert code == 0, out
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {(x["item_id"], x["open_amount"]) for x in rows} == {
        (i1["no"], "113.00"),
        (i2["no"], "226.00"),
        (r["no"], "-300.00"),
    }
    code, out = cli("apply", "-c", c, "--receipt", r["no"], "--invoice", i1["no"], "--amount", "113.00")
    assert code == 0 and i1["no"] in out, out
    code, out = cli("apply", "-c", c, "--receipt", r["no"], "--invoice", i2["no"], "--amount", "500")
    assert code == 2 and "receivables.over_application" in out
    code, out = cli("applications", "-c", c, "--format", "json")
    apps = json.loads(out)
    assert [(a["source"], a["invoice"], a["amount"]) for a in apps] == [(r["no"], i1["no"], "113.00")]
    code, out = cli("unapply", "-c", c, str(apps[0]["id"]), "--reason", "wrong invoice")
    assert code == 0, out
    code, out = cli("open-items", "-c", c, "--customer", "C1", "--format", "json")
    assert {x["item_id"]: x["open_amount"] for x in json.loads(out)}[i1["no"]] == "113.00"

    code, out = cli("owner", "-c", c, "--customer", "C1", "--salesperson", "Li", "--department", "D1")
    assert code == 0, out
    code, out = cli("aging", "-c", c, "--as-of", "2025-05-10", "--by", "salesperson", "--format", "csv")
    assert code == 0, out
    aging_rows = list(csv.DictReader(io.StringIO(out)))
    assert aging_rows[0]["key"] == "Li" and aging_rows[0]["61-90"] == "339.00"
    assert aging_rows[0]["credits"] == "-300.00" and aging_rows[-1]["key"] == "Total"
    code, out = cli(
        "aging", "-c", c, "--as-of", "2025-05-10", "--drill", "C1", "--bucket", "61-90", "--format", "csv"
    )
    assert {x["item_id"] for x in csv.DictReader(io.StringIO(out))} == {i1["no"], i2["no"]}
    code, out = cli("aging", "-c", c, "--buckets", "0-30,20-40")
    assert code == 2 and "receivables.invalid_buckets" in out
    xlsx = tmp_path / "aging.xlsx"
    assert cli("aging", "-c", c, "--as-of", "2025-05-10", "--format", "xlsx", "--out", str(xlsx))[0] == 0
    assert load_workbook(xlsx).active.max_row == 3  # header, C1, total

    pdf = tmp_path / "st.pdf"
    code, out = cli(
        "statement",
        "-c",
        c,
        "--customer",
        "C1",
        "--from",
        "2025-03-01",
        "--to",
        "2025-03-31",
        "--out",
        str(pdf),
        "--lang",
        "zh_CN",
    )
    assert code == 0, out
    with pdfplumber.open(pdf) as doc:
        text = "".join(p.extract_text() or "" for p in doc.pages)
    assert "客户对账单" in text and "39.00" in text  # 113 + 226 − 300
    code, out = cli(
        "statement",
        "-c",
        c,
        "--customer",
        "C1",
        "--from",
        "2025-04-01",
        "--to",
        "2025-03-01",
        "--out",
        str(pdf),
    )
    assert code == 2 and "receivables.statement_range" in out
    code, out = cli("timeline", "-c", c, "--customer", "C1", "--format", "json")
    kinds = {e["kind"] for e in json.loads(out)}
    assert {"invoice", "receipt", "apply", "unapply"} <= kinds


def test_api(db: Database, admin: Actor) -> None:
    b = setup_books(db, admin)
    c = b.company
    i1 = invoice(b, "C1", "1", "113.00")
    r = receipt(b, "C1", "200.00")
    client = TestClient(create_app(db))
    token, _user = security.login(db, "admin", "admin-password")
    h = {"Authorization": f"Bearer {token}"}
    base = f"/api/companies/{c}/receivables"
    assert client.get(f"{base}/open-items").status_code == 401
    body = {"receipt": r["no"], "invoice": i1["no"], "amount": "113.00", "idempotency_key": "k1"}
    first = client.post(f"{base}/applications", json=body, headers=h)
    assert first.status_code == 201, first.text
    again = client.post(f"{base}/applications", json=body, headers=h)
    assert again.json()["id"] == first.json()["id"]
    over = client.post(
        f"{base}/applications", json=body | {"idempotency_key": None, "amount": "1.00"}, headers=h
    )
    assert over.status_code == 409 and over.json()["error"]["code"] == "receivables.over_application"
    items = client.get(f"{base}/open-items", params={"customer": "C1"}, headers=h).json()
    assert [(x["item_id"], x["open_minor"]) for x in items] == [(r["no"], -8700)]
    un = client.post(f"{base}/applications/{first.json()['id']}/unapply", json={"reason": "测试"}, headers=h)
    assert un.status_code == 201 and un.json()["amount"] == "-113.00"
    aging = client.get(f"{base}/aging", params={"as_of": "2025-04-30"}, headers=h).json()
    assert aging["total"]["balance"] == "-87.00" and aging["rows"][0]["buckets"]["31-60"] == "113.00"
    cell = client.get(
        f"{base}/aging/items", params={"as_of": "2025-04-30", "key": "C1", "bucket": "31-60"}, headers=h
    )
    assert [x["item_id"] for x in cell.json()] == [i1["no"]]
    st = client.get(
        f"{base}/customers/C1/statement",
        params={"date_from": "2025-03-01", "date_to": "2025-03-31"},
        headers=h,
    )
    assert st.json()["closing"] == "-87.00"
    pdf = client.get(f"{base}/customers/C1/statement", params={"format": "pdf", "lang": "en"}, headers=h)
    assert pdf.headers["content-type"] == "application/pdf"
    with pdfplumber.open(io.BytesIO(pdf.content)) as doc:
        assert "Customer statement" in (doc.pages[0].extract_text() or "")
    xlsx = client.get(f"{base}/customers/C1/statement", params={"format": "xlsx"}, headers=h)
    assert load_workbook(io.BytesIO(xlsx.content)).active["A1"].value.endswith("客户对账单")
    assert (
        client.put(f"{base}/customers/C1/owner", json={"salesperson": "王五"}, headers=h).status_code == 200
    )
    tl = client.get(f"{base}/customers/C1/timeline", headers=h).json()
    assert any(e["kind"] == "receivables.owner" for e in tl)
    # an auditor reads but may not apply
    security.create_user(UnitOfWork(db, admin), username=f"aud{c}".lower()[:30], password="password-123")
    security.grant(UnitOfWork(db, admin), username=f"aud{c}".lower()[:30], company_code=c, role="auditor")
    tok2, _u = security.login(db, f"aud{c}".lower()[:30], "password-123")
    h2 = {"Authorization": f"Bearer {tok2}"}
    assert client.get(f"{base}/open-items", headers=h2).status_code == 200
    refused = client.post(f"{base}/applications", json=body | {"idempotency_key": None}, headers=h2)
    assert refused.status_code == 403
    assert date.fromisoformat(aging["as_of"]) == date(2025, 4, 30)
