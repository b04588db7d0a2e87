"""CLI and REST API over expense claims and advances."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.conftest import make_company, make_user
from yecai.expenses import service as expenses
from yecai.ledger import service as ledger
from yecai.store.db import Database
from yecai.store.uow import Actor, UnitOfWork


def _company(db: Database, admin: Actor) -> str:
    c = make_company(db, admin)
    ledger.add_dimension_values(
        UnitOfWork(db, admin), c, [("employee", "E1", "张三"), ("department", "SAL", "销售部")]
    )
    return c


def test_cli(db: Database, admin: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    from yecai.cli.main import app

    monkeypatch.setenv("YECAI_DATABASE_URL", db.url)
    monkeypatch.setenv("YECAI_LANG", "en")
    c = _company(db, admin)
    approver = make_user(db, "finance_manager", c)
    runner = CliRunner()

    def cli(*args: str, user: str = "admin") -> tuple[int, str]:
        r = runner.invoke(app, ["--user", user, *args])
        return r.exit_code, r.output

    code, out = cli("expense", "department-kind", "-c", c, "SAL", "sales")
    assert code == 0 and json.loads(out) == {"SAL": "sales"}
    code, out = cli(
        "expense", "advance", "create", "-c", c, "--employee", "E1", "--date", "2025-03-01", "--amount", "500"
    )
    assert code == 0 and "EA-2025-0001 posted" in out and "付-" in out
    code, out = cli(
        "expense",
        "claim",
        "create",
        "-c",
        c,
        "--employee",
        "E1",
        "--department",
        "SAL",
        "--date",
        "2025-03-02",
        "--line",
        "差旅费:109:9",
        "--line",
        "业务招待费:300",
        "--attachments",
        "2",
    )
    assert code == 0 and "EC-2025-0001 draft" in out
    code, out = cli("expense", "claim", "approve", "-c", c, "EC-2025-0001")
    assert code == 2 and "expenses.self_approval" in out
    code, out = cli("expense", "claim", "approve", "-c", c, "EC-2025-0001", user=approver.username)
    assert code == 0 and "EC-2025-0001 approved" in out
    code, out = cli(
        "expense", "claim", "pay", "-c", c, "EC-2025-0001", "--date", "2025-03-03", "--offset", "400"
    )
    assert code == 0 and "EC-2025-0001 paid" in out
    code, out = cli("expense", "claim", "show", "-c", c, "EC-2025-0001")
    shown = json.loads(out)
    assert (shown["total"], shown["tax"], shown["offset"], shown["paid"]) == (
        "409.00",
        "9.00",
        "400.00",
        "9.00",
    )
    assert [ln["account_code"] for ln in shown["vouchers"][0]["lines"]] == [
        "660104",
        "660106",
        "22210101",
        "2241",
    ]
    code, out = cli("expense", "claim", "list", "-c", c, "--status", "paid", "--format", "json")
    assert [r["no"] for r in json.loads(out)] == ["EC-2025-0001"]
    code, out = cli("check", "-c", c)
    assert code == 0, out


def test_api(db: Database, admin: Actor) -> None:
    from fastapi.testclient import TestClient

    from yecai.api.app import create_app
    from yecai.security import service as security

    c = _company(db, admin)
    token, _user = security.login(db, "admin", "admin-password", kind="api", source="test")
    client = TestClient(create_app(db))
    client.headers["Authorization"] = f"Bearer {token}"
    base = f"/api/companies/{c}/expenses"
    line = {"category": "办公费", "amount": "113", "tax": "13", "invoice_type": "special"}
    r = client.post(
        f"{base}/claims", json={"employee": "E1", "department": "SAL", "date": "2025-03-02", "lines": [line]}
    )
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    assert client.get(f"{base}/claims/{cid}/preview").json()["lines"][0]["account_code"] == "660202"
    r = client.post(f"{base}/claims/{cid}/approve", json={})
    assert r.status_code == 403 and r.json()["error"]["code"] == "expenses.self_approval"
    assert expenses.get_claim(UnitOfWork(db, admin), c, cid)["status"] == "draft"
    r = client.post(f"{base}/claims/{cid}/cancel")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    r = client.post(
        f"{base}/advances", json={"employee": "E1", "date": "2025-03-01", "amount": "50", "method": "cash"}
    )
    assert r.status_code == 201 and r.json()["vouchers"][0]["lines"][1]["account_code"] == "1001"
    assert client.get(f"{base}/advances", params={"employee": "E1"}).json()[0]["open"] == "50.00"
