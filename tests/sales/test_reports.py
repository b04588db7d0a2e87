"""`yecai report ar-balances` and `document-vouchers`: figures, exact CSV headers, JSON/XLSX,
filters, and their API endpoints."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.sales.books import Books, setup_books
from yecai.sales import returns
from yecai.sales import service as sales
from yecai.store.db import Database
from yecai.store.uow import Actor

D = date.fromisoformat


def _books(db: Database, admin: Actor) -> Books:
    """C1: invoice 678.00 in March, receipt 200.00 in March, credit note 226.00 in April."""
    b = setup_books(db, admin)
    o = sales.create_order(
        b.uow(),
        b.company,
        customer="C1",
        day=D("2025-03-03"),
        lines=[{"item": "A", "qty": "3", "unit_price": "226"}],
    )
    sales.create_delivery(b.uow(), b.company, order_id=o["id"], day=D("2025-03-05"), warehouse="W1")
    inv = sales.create_invoice(b.uow(), b.company, customer="C1", day=D("2025-03-10"), orders=[o["id"]])
    sales.create_receipt(
        b.uow(), b.company, customer="C1", day=D("2025-03-20"), amount="200", invoice_id=inv["id"]
    )
    returns.create_credit_note(
        b.uow(), b.company, invoice_id=inv["id"], day=D("2025-04-02"), lines=[(1, "1")]
    )
    return b


def test_cli_reports(db: Database, admin: Actor, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from yecai.cli.main import app

    monkeypatch.setenv("YECAI_DATABASE_URL", db.url)
    monkeypatch.setenv("YECAI_LANG", "en")
    b = _books(db, admin)
    runner = CliRunner()

    def cli(*args: str) -> tuple[int, str]:
        r = runner.invoke(app, ["--user", "admin", *args])
        return r.exit_code, r.stdout

    code, out = cli("report", "ar-balances", "-c", b.company, "--period", "2025-03", "-f", "csv")
    assert code == 0
    assert out.splitlines() == [
        "customer,name,period,to,opening,period_debit,period_credit,closing",
        "C1,华东商贸,2025-03,2025-03,0.00,678.00,200.00,478.00",
    ]
    code, out = cli(
        "report", "ar-balances", "-c", b.company, "-p", "2025-04", "--to", "2025-05", "-f", "json"
    )
    assert code == 0 and json.loads(out) == [
        {
            "customer": "C1",
            "name": "华东商贸",
            "period": "2025-04",
            "to": "2025-05",
            "opening": "478.00",
            "period_debit": "-226.00",
            "period_credit": "0.00",
            "closing": "252.00",
        }
    ]
    code, out = cli("report", "document-vouchers", "-c", b.company, "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and out.splitlines()[0] == (
        "document_type,document_no,date,event,voucher_id,voucher_no,amount,rule_set_version"
    )
    assert [
        (r["document_type"], r["document_no"], r["date"], r["amount"], r["rule_set_version"]) for r in rows
    ] == [
        ("stock_receipt", "RK-2025-0001", "2025-03-01", "1000.00", "0"),
        ("stock_receipt", "RK-2025-0002", "2025-03-02", "1300.00", "0"),
        ("sales_delivery", "DN-2025-0001", "2025-03-05", "345.00", "0"),
        ("sales_invoice", "SI-2025-0001", "2025-03-10", "678.00", "0"),
        ("sales_receipt", "SR-2025-0001", "2025-03-20", "200.00", "0"),
        ("sales_credit_note", "CN-2025-0001", "2025-04-02", "-226.00", "0"),
    ]
    assert all(r["voucher_no"] and r["voucher_id"] for r in rows)
    code, out = cli(
        "report",
        "document-vouchers",
        "-c",
        b.company,
        "--type",
        "sales_invoice",
        "-p",
        "2025-03",
        "-f",
        "json",
    )
    got = json.loads(out)
    assert code == 0 and [(r["document_no"], r["event"]) for r in got] == [
        ("SI-2025-0001", "sales_invoice.posted")
    ]
    code, out = cli("report", "document-vouchers", "-c", b.company, "-p", "2025-04", "-f", "csv")
    assert [r["document_no"] for r in csv.DictReader(io.StringIO(out))] == ["CN-2025-0001"]
    xlsx = tmp_path / "ar.xlsx"
    code, _out = cli("report", "ar-balances", "-c", b.company, "-p", "2025-03", "-f", "xlsx", "-o", str(xlsx))
    from openpyxl import load_workbook

    ws = load_workbook(xlsx).active
    assert code == 0 and ws is not None and ws.cell(2, 1).value == "C1" and ws.cell(2, 8).value == 478
    code, _out = cli("report", "ar-balances", "-c", b.company, "-p", "2025-03", "-f", "xlsx")
    assert code == 2
    code, out = cli("report", "ar-balances", "-c", b.company, "-p", "2025-03", "-f", "table")
    assert code == 0 and "C1" in out


def test_api_reports(db: Database, admin: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi.testclient import TestClient

    from yecai.api import app as api_app
    from yecai.api.app import create_app
    from yecai.security import service as security

    monkeypatch.setattr(api_app, "ROUTERS", ("yecai.sales.api_reports",))
    token, _user = security.login(db, "admin", "admin-password", kind="api", source="test")
    client = TestClient(create_app(db))
    client.headers["Authorization"] = f"Bearer {token}"
    b = _books(db, admin)
    base = f"/api/companies/{b.company}/reports"
    r = client.get(f"{base}/ar-balances", params={"period": "2025-03", "to": "2025-04"})
    assert r.status_code == 200
    assert [(x["customer"], x["opening"], x["period_debit"], x["closing"]) for x in r.json()["rows"]] == [
        ("C1", "0.00", "452.00", "252.00")
    ]
    r = client.get(f"{base}/document-vouchers", params={"type": "sales_credit_note"})
    assert r.status_code == 200 and [x["amount"] for x in r.json()["rows"]] == ["-226.00"]
    r = client.get(f"{base}/ar-balances", params={"period": "2025-13"})
    assert r.status_code == 422
