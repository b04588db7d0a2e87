"""CLI and REST API over production: a BOM, a work order through issue, labour, receipt and close."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.production.books import setup_books
from yecai.store.db import Database
from yecai.store.uow import Actor


def test_cli(db: Database, admin: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    from yecai.cli.main import app

    monkeypatch.setenv("YECAI_DATABASE_URL", db.url)
    monkeypatch.setenv("YECAI_LANG", "en")
    b = setup_books(db, admin)
    c = b.company
    runner = CliRunner()

    def cli(*args: str) -> tuple[int, str]:
        r = runner.invoke(app, ["--user", "admin", *args])
        return r.exit_code, r.output

    code, out = cli(
        "production", "bom", "create", "-c", c, "--item", "P", "--line", "R1:2:5", "--line", "R2:1"
    )
    assert code == 0 and "version 2" in out
    code, out = cli(
        "production", "order", "create", "-c", c, "--item", "P", "--qty", "2", "--date", "2025-03-02"
    )
    assert code == 0 and "WO-2025-0001 released" in out
    issue = ["production", "issue", "create", "-c", c, "--order", "WO-2025-0001", "--warehouse", "W1"]
    code, out = cli(*issue, "--date", "2025-03-03", "--line", "R1:5")
    assert code == 2 and "production.over_issue" in out
    code, out = cli(*issue, "--date", "2025-03-03")
    assert code == 0 and "MI-2025-0001 posted" in out and "转-" in out
    code, out = cli(
        "production",
        "cost",
        "create",
        "-c",
        c,
        "--order",
        "WO-2025-0001",
        "--date",
        "2025-03-04",
        "--kind",
        "labour",
        "--amount",
        "100",
    )
    assert code == 0 and "MC-2025-0001 posted" in out
    receipt = ["production", "receipt", "create", "-c", c, "--order", "WO-2025-0001", "--warehouse", "W2"]
    code, out = cli(*receipt, "--date", "2025-03-05", "--qty", "2", "--preview")
    # 4.2 kg × 2.00 + 2 × 5.00 + 100.00 labour
    assert code == 0 and json.loads(out)["lines"][0]["debit"] == "118.40"
    code, out = cli(*receipt, "--date", "2025-03-05", "--qty", "2")
    assert code == 0 and "FG-2025-0001 posted" in out
    code, out = cli("production", "order", "close", "-c", c, "WO-2025-0001", "--date", "2025-03-31")
    assert code == 0 and "WO-2025-0001 closed" in out
    code, out = cli("production", "order", "list", "-c", c, "--format", "json")
    assert json.loads(out)[0]["status"] == "closed" and json.loads(out)[0]["charged"] == "118.40"
    code, out = cli("production", "receipt", "show", "-c", c, "FG-2025-0001")
    assert json.loads(out)["unit_cost"] == "59.2000"
    code, out = cli("check", "-c", c)
    assert code == 0, out


def test_api(db: Database, admin: Actor) -> None:
    from fastapi.testclient import TestClient

    from yecai.api.app import create_app
    from yecai.security import service as security

    b = setup_books(db, admin)
    token, _user = security.login(db, "admin", "admin-password", kind="api", source="test")
    client = TestClient(create_app(db))
    client.headers["Authorization"] = f"Bearer {token}"
    base = f"/api/companies/{b.company}/production"
    r = client.post(f"{base}/work-orders", json={"item": "P", "qty": "2", "date": "2025-03-02"})
    assert r.status_code == 201, r.text
    oid = r.json()["id"]
    r = client.post(f"{base}/issues", json={"order_id": oid, "date": "2025-03-03", "warehouse": "W1"})
    assert r.status_code == 201 and r.json()["cost"] == "18.40"
    r = client.post(
        f"{base}/costs/allocate-overhead",
        json={"date": "2025-03-04", "amount": "30", "hours": [{"order_id": oid, "hours": "2"}]},
    )
    assert r.status_code == 201 and r.json()[0]["amount"] == "30.00"
    r = client.post(
        f"{base}/receipts", json={"order_id": oid, "date": "2025-03-05", "warehouse": "W2", "qty": "3"}
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "production.over_receipt"
    r = client.post(
        f"{base}/receipts", json={"order_id": oid, "date": "2025-03-05", "warehouse": "W2", "qty": "1"}
    )
    assert r.status_code == 201 and r.json()["cost"] == "24.20"
    pv = client.get(f"{base}/work-orders/{oid}/close-preview", params={"date": "2025-03-31"}).json()
    assert [ln["credit"] for ln in pv["lines"][1:]] == ["9.20", "15.00"]
    r = client.post(f"{base}/work-orders/{oid}/close", json={"date": "2025-03-31"})
    assert r.status_code == 200 and r.json()["variance"]["total"] == "24.20"
    view = client.get(f"{base}/work-orders/{oid}").json()
    assert view["vouchers"][0]["lines"][0]["account_code"] == "6401"
    assert [x["no"] for x in client.get(f"{base}/issues", params={"work_order": view["no"]}).json()] == [
        "MI-2025-0001"
    ]
