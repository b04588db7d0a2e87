"""CLI and REST API over the purchasing documents, the AP balances report and `check`."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.purchasing.books import setup_books
from yecai.store.db import Database
from yecai.store.uow import Actor


def test_cli(db: Database, admin: Actor, monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    from yecai.cli.main import app

    monkeypatch.setenv("YECAI_DATABASE_URL", db.url)
    monkeypatch.setenv("YECAI_LANG", "en")
    b = setup_books(db, admin, qty_tolerance="0", price_tolerance="0")
    c = b.company
    runner = CliRunner()

    def cli(*args: str) -> tuple[int, str]:
        r = runner.invoke(app, ["--user", "admin", *args])
        return r.exit_code, r.output

    code, out = cli("purchase", "settings", "-c", c, "--price-tolerance", "2")
    assert code == 0 and json.loads(out)["price_tolerance_pct"] == "2"
    code, out = cli("purchase", "settings", "-c", c, "--qty-tolerance", "101")
    assert code == 2 and "purchasing.invalid_tolerance" in out
    code, out = cli(
        "purchase",
        "order",
        "create",
        "-c",
        c,
        "--supplier",
        "S1",
        "--date",
        "2025-03-01",
        "--line",
        "A:10:113",
    )
    assert code == 0 and "PO-2025-0001" in out and "1130.00" in out
    receipt = ["purchase", "receipt", "create", "-c", c, "--order", "PO-2025-0001", "--warehouse", "W1"]
    code, out = cli(*receipt, "--date", "2025-03-02", "--line", "1:11")
    assert code == 2 and "purchasing.over_receipt" in out
    code, out = cli(*receipt, "--date", "2025-03-02", "--line", "1:4", "--draft")
    assert code == 0 and "GR-2025-0001 draft" in out
    code, out = cli("purchase", "receipt", "preview", "-c", c, "GR-2025-0001")
    assert code == 0 and [ln["rule"] for ln in json.loads(out)["lines"]] == ["stock", "accrued_payable"]
    code, out = cli("purchase", "receipt", "post", "-c", c, "GR-2025-0001")
    assert code == 0 and "posted" in out and "转-" in out
    bill = ["purchase", "bill", "create", "-c", c, "--supplier", "S1", "--date", "2025-03-05"]
    code, out = cli(*bill, "--line", "PO-2025-0001:1:4:116")  # +2.65 % > 2 %
    assert code == 2 and "purchasing.three_way_match" in out and "PO-2025-0001/1 A price" in out
    code, out = cli(*bill, "--line", "PO-2025-0001:1:4:115", "--invoice-no", "0001", "--draft")
    assert code == 0 and "VB-2025-0001 draft" in out
    code, out = cli("purchase", "bill", "preview", "-c", c, "VB-2025-0001")
    preview = json.loads(out)
    assert preview["errors"] == [] and preview["lines"][0]["rule"] == "clear_accrual"
    code, out = cli("purchase", "bill", "post", "-c", c, "VB-2025-0001")
    assert code == 0 and "VB-2025-0001 posted" in out
    code, out = cli("purchase", "bill", "show", "-c", c, "VB-2025-0001")
    shown = json.loads(out)
    # 4 × 115 incl. VAT = 460.00 → net 407.08, VAT 52.92; the estimate was 4 × 100.00
    assert (shown["net"], shown["tax"], shown["accrued"], shown["to_stock"]) == (
        "407.08",
        "52.92",
        "400.00",
        "7.08",
    )
    code, out = cli("voucher", "source", "-c", c, str(shown["vouchers"][0]["voucher_id"]))
    assert json.loads(out)["document"]["no"] == "VB-2025-0001"
    pay = ["purchase", "payment", "create", "-c", c, "--supplier", "S1", "--date", "2025-03-06"]
    code, out = cli(*pay, "--amount", "460.01", "--bill", "VB-2025-0001")
    assert code == 2 and "purchasing.payment_exceeds_open" in out
    code, out = cli(*pay, "--amount", "460", "--bill", "VB-2025-0001")
    assert code == 0 and "PP-2025-0001 posted" in out and "付-" in out
    code, out = cli(*receipt, "--date", "2025-03-07")
    assert code == 0 and "GR-2025-0002 posted" in out
    code, out = cli(
        "purchase",
        "return",
        "create",
        "-c",
        c,
        "--receipt",
        "GR-2025-0002",
        "--date",
        "2025-03-08",
        "--line",
        "1:1",
    )
    assert code == 0 and "PR-2025-0001 posted" in out
    code, out = cli("purchase", "receipt", "list", "-c", c, "--supplier", "S1", "--format", "json")
    assert [r["cost"] for r in json.loads(out)] == ["400.00", "600.00"]
    code, out = cli("purchase", "order", "show", "-c", c, "PO-2025-0001")
    assert json.loads(out)["lines"][0]["received"] == "9"
    for doc in ("order", "bill", "payment", "return"):
        code, out = cli("purchase", doc, "list", "-c", c, "--format", "json")
        assert code == 0 and len(json.loads(out)) == 1, (doc, out)
    code, out = cli("report", "ap-balances", "-c", c, "--period", "2025-03", "--format", "csv")
    assert code == 0
    assert out.splitlines() == [
        "supplier,name,period,opening,period_debit,period_credit,closing",
        # credits: 400.00 + 460.00 + 600.00; debits: cleared 400.00, paid 460.00, returned 100.00
        "S1,江南制造,2025-03,0.00,960.00,1460.00,500.00",
    ]
    code, out = cli("report", "ap-balances", "-c", c, "--format", "xlsx")
    assert code == 2
    code, out = cli("check", "-c", c)
    assert code == 0, out


def test_api(db: Database, admin: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi.testclient import TestClient

    from yecai.api import app as api_app
    from yecai.api.app import create_app
    from yecai.security import service as security

    monkeypatch.setattr(api_app, "ROUTERS", ("yecai.ledger.api", "yecai.posting.api", "yecai.purchasing.api"))
    token, _user = security.login(db, "admin", "admin-password", kind="api", source="test")
    client = TestClient(create_app(db))
    client.headers["Authorization"] = f"Bearer {token}"
    b = setup_books(db, admin)
    base = f"/api/companies/{b.company}/purchasing"
    r = client.put(f"{base}/settings", json={"qty_tolerance_pct": "0", "price_tolerance_pct": "0"})
    assert r.status_code == 200 and r.json() == {"qty_tolerance_pct": "0", "price_tolerance_pct": "0"}
    r = client.post(
        f"{base}/orders",
        json={
            "supplier": "S1",
            "date": "2025-03-01",
            "prices_include_tax": False,
            "lines": [{"item": "R", "qty": "50", "unit_price": "4"}],
        },
    )
    assert r.status_code == 201 and r.json()["total"] == "226.00"
    oid = r.json()["id"]
    r = client.post(
        f"{base}/receipts", json={"order_id": oid, "date": "2025-03-02", "warehouse": "W1", "post": False}
    )
    assert r.status_code == 201 and r.json()["status"] == "draft"
    rid = r.json()["id"]
    assert client.get(f"{base}/receipts/{rid}/preview").json()["lines"][0]["account_code"] == "1403"
    r = client.post(f"{base}/receipts/{rid}/post")
    assert r.status_code == 200 and r.json()["vouchers"][0]["total"] == "200.00"
    r = client.post(f"{base}/receipts", json={"order_id": oid, "date": "2025-03-02", "warehouse": "W1"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "purchasing.nothing_to_do"
    line = {"order_id": oid, "line_no": 1, "qty": "50", "unit_price": "4.01"}
    r = client.post(f"{base}/bills", json={"supplier": "S1", "date": "2025-03-03", "lines": [line]})
    assert r.status_code == 409 and r.json()["error"]["code"] == "purchasing.three_way_match"
    assert "price 4.01 ≠ 4" in r.json()["error"]["params"]["lines"]
    r = client.post(
        f"{base}/bills", json={"supplier": "S1", "date": "2025-03-03", "orders": [oid], "post": False}
    )
    bill = r.json()
    assert r.status_code == 201 and bill["status"] == "draft" and bill["vouchers"] == []
    r = client.post(f"{base}/bills/{bill['id']}/post")
    assert r.status_code == 200 and [ln["account_code"] for ln in r.json()["vouchers"][0]["lines"]] == [
        "2202",
        "22210101",
        "2202",
    ]
    assert (
        client.get(f"{base}/bills", params={"status": "posted", "supplier": "S1"}).json()[0]["open"]
        == "226.00"
    )
    r = client.post(f"{base}/bills", json={"supplier": "S1", "date": "2025-03-04", "orders": [oid]})
    assert r.status_code == 409 and r.json()["error"]["code"] == "purchasing.nothing_to_do"
    r = client.post(f"{base}/payments", json={"supplier": "S1", "date": "2025-03-05", "amount": "300"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "purchasing.payment_exceeds_open"
    r = client.post(
        f"{base}/payments",
        json={"supplier": "S1", "date": "2025-03-05", "amount": "26", "bill_id": bill["id"]},
    )
    assert r.status_code == 201
    pid = r.json()["id"]
    assert client.get(f"{base}/payments/{pid}").json()["bill"] == bill["no"]
    vid = client.get(f"{base}/bills/{bill['id']}").json()["vouchers"][0]["voucher_id"]
    assert (
        client.get(f"/api/companies/{b.company}/vouchers/{vid}/source").json()["document"]["id"] == bill["id"]
    )
    r = client.post(f"{base}/returns", json={"receipt_id": rid, "date": "2025-03-06"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "purchasing.nothing_to_do"  # all billed
    assert client.get(f"{base}/orders/{oid}").json()["status"] == "closed"
    r = client.get(f"/api/companies/{b.company}/reports/ap-balances", params={"period": "2025-03"})
    assert r.json()["rows"] == [
        {
            "supplier": "S1",
            "name": "江南制造",
            "period": "2025-03",
            "opening": "0.00",
            "period_debit": "226.00",
            "period_credit": "426.00",
            "closing": "200.00",
        }
    ]
    assert client.get(f"/api/companies/{b.company}/check").json() == {"ok": True, "discrepancies": []}
