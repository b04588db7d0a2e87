"""CLI and REST API over the sales documents, master data, rules and `check`."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.conftest import draft
from tests.sales.books import TAX_ID, setup_books
from yecai.ledger import service as ledger
from yecai.store.db import Database
from yecai.store.uow import Actor


def test_cli(db: Database, admin: Actor, monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    from yecai.cli.main import app

    monkeypatch.setenv("YECAI_DATABASE_URL", db.url)
    monkeypatch.setenv("YECAI_LANG", "en")
    b = setup_books(db, admin)
    c = b.company
    runner = CliRunner()

    def cli(*args: str) -> tuple[int, str]:
        r = runner.invoke(app, ["--user", "admin", *args])
        return r.exit_code, r.output

    assert cli("customer", "add", "-c", c, "--code", "C9", "--name", "新客户", "--tax-id", TAX_ID)[0] == 0
    code, out = cli("customer", "add", "-c", c, "--code", "C9", "--name", "again")
    assert code == 2 and "conflict" in out
    code, out = cli(
        "customer", "add", "-c", c, "--code", "C8", "--name", "x", "--tax-id", "91110000600037341X"
    )
    assert code == 2 and "masterdata.invalid_tax_id" in out
    code, out = cli(
        "sales", "order", "create", "-c", c, "--customer", "C1", "--date", "2025-03-03", "--line", "A:4:113"
    )
    assert code == 0 and "SO-2025-0001" in out and "452.00" in out
    code, out = cli(
        "sales",
        "delivery",
        "create",
        "-c",
        c,
        "--order",
        "SO-2025-0001",
        "--warehouse",
        "W1",
        "--date",
        "2025-03-04",
        "--line",
        "1:5",
    )
    assert code == 2 and "sales.over_delivery" in out
    code, out = cli(
        "sales",
        "delivery",
        "create",
        "-c",
        c,
        "--order",
        "SO-2025-0001",
        "--warehouse",
        "W1",
        "--date",
        "2025-03-04",
        "--draft",
    )
    assert code == 0 and "DN-2025-0001 draft" in out
    code, out = cli("sales", "delivery", "preview", "-c", c, "DN-2025-0001")
    assert code == 0 and json.loads(out)["lines"][0]["rule"] == "cogs"
    code, out = cli("sales", "delivery", "confirm", "-c", c, "DN-2025-0001")
    assert code == 0 and "confirmed" in out and "转-" in out
    code, out = cli(
        "sales",
        "invoice",
        "create",
        "-c",
        c,
        "--customer",
        "C1",
        "--date",
        "2025-03-05",
        "--order",
        "SO-2025-0001",
    )
    assert code == 0 and "SI-2025-0001 posted" in out
    code, out = cli("sales", "invoice", "list", "-c", c, "--customer", "C1", "--format", "json")
    assert code == 0 and json.loads(out)[0]["total"] == "452.00"
    code, out = cli("sales", "invoice", "show", "-c", c, "SI-2025-0001")
    shown = json.loads(out)
    assert shown["vouchers"][0]["lines"][0]["account_code"] == "1122"
    code, out = cli("voucher", "source", "-c", c, str(shown["vouchers"][0]["voucher_id"]))
    assert json.loads(out)["document"]["no"] == "SI-2025-0001"
    code, out = cli(
        "sales",
        "receipt",
        "create",
        "-c",
        c,
        "--customer",
        "C1",
        "--date",
        "2025-03-06",
        "--amount",
        "452",
        "--invoice",
        "SI-2025-0001",
    )
    assert code == 0 and "SR-2025-0001 posted" in out and "收-" in out
    code, out = cli("stock", "on-hand", "-c", c, "--format", "json")
    assert json.loads(out)[0]["qty"] == "16" and json.loads(out)[0]["unit_cost"] == "115.0000"
    code, out = cli("rules", "show", "-c", c)
    assert code == 0 and "sales_invoice.posted" in json.loads(out)["events"]
    code, out = cli("check", "-c", c)
    assert code == 0, out
    ledger.create_voucher(
        b.uow(),
        c,
        draft("2025-03-20", ("x", "1122", "10", "", {"customer": "C2"}), ("x", "6001", "", "10")),
        post=True,
    )
    code, out = cli("check", "-c", c)
    assert code == 1 and out.startswith("ar_documents: customer C2") and "10.00" in out


def test_api(db: Database, admin: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi.testclient import TestClient

    from yecai.api import app as api_app
    from yecai.api.app import create_app
    from yecai.security import service as security

    monkeypatch.setattr(api_app, "ROUTERS", ("yecai.masterdata.api", "yecai.posting.api", "yecai.sales.api"))
    token, _user = security.login(db, "admin", "admin-password", kind="api", source="test")
    client = TestClient(create_app(db))
    client.headers["Authorization"] = f"Bearer {token}"
    b = setup_books(db, admin)
    base = f"/api/companies/{b.company}"
    r = client.post(f"{base}/customers", json={"code": "C5", "name": "五号", "tax_id": "bad"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "tax_id"
    assert client.post(f"{base}/items", json={"code": "A", "name": "dup"}).status_code == 409
    assert [i["code"] for i in client.get(f"{base}/items").json()] == ["A", "SV"]
    r = client.post(
        f"{base}/sales/orders",
        json={
            "customer": "C1",
            "date": "2025-03-03",
            "lines": [{"item": "A", "qty": "2", "unit_price": "113"}],
        },
    )
    assert r.status_code == 201
    oid = r.json()["id"]
    r = client.post(
        f"{base}/sales/deliveries",
        json={
            "order_id": oid,
            "date": "2025-03-04",
            "warehouse": "W1",
            "lines": [{"line_no": 1, "qty": "3"}],
        },
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "sales.over_delivery"
    r = client.post(
        f"{base}/sales/deliveries", json={"order_id": oid, "date": "2025-03-04", "warehouse": "W1"}
    )
    assert r.status_code == 201 and r.json()["cost"] == "230.00"
    r = client.post(
        f"{base}/sales/invoices",
        json={"customer": "C1", "date": "2025-03-05", "orders": [oid], "post": False},
    )
    inv = r.json()
    assert r.status_code == 201 and inv["status"] == "draft" and inv["vouchers"] == []
    p = client.get(f"{base}/sales/invoices/{inv['id']}/preview").json()
    assert [ln["rule"] for ln in p["lines"]] == ["receivable", "revenue", "output_vat"]
    r = client.post(f"{base}/sales/invoices/{inv['id']}/post")
    assert r.status_code == 200 and r.json()["vouchers"][0]["total"] == "226.00"
    assert client.get(f"{base}/sales/invoices", params={"status": "posted"}).json()[0]["no"] == inv["no"]
    vid = r.json()["vouchers"][0]["voucher_id"]
    assert client.get(f"{base}/vouchers/{vid}/source").json()["document"]["id"] == inv["id"]
    r = client.post(
        f"{base}/sales/receipts",
        json={"customer": "C1", "date": "2025-03-06", "amount": "100", "invoice_id": inv["id"]},
    )
    assert r.status_code == 201
    content = client.get(f"{base}/posting-rules/current").json()["content"]
    content["events"]["sales_receipt.posted"]["lines"][0]["amount"] = "amount * 2"
    r = client.post(f"{base}/posting-rules", json={"effective_from": "2025-04-01", "content": content})
    assert r.status_code == 422 and r.json()["error"]["code"] == "posting.unbalanced"
    assert client.get(f"{base}/check").json() == {"ok": True, "discrepancies": []}
