"""CLI and REST API over sales returns, red credit notes and credit control (approvals, holds)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from typer.testing import CliRunner

from tests.conftest import make_user
from tests.sales.books import Books, setup_books
from yecai.masterdata import service as md
from yecai.sales import service as sales
from yecai.store.db import Database
from yecai.store.uow import Actor

D = date.fromisoformat


def _sold(b: Books, qty: str = "4") -> tuple[dict, dict, dict]:
    o = sales.create_order(
        b.uow(),
        b.company,
        customer="C1",
        day=D("2025-03-03"),
        lines=[{"item": "A", "qty": qty, "unit_price": "113"}],
    )
    d = sales.create_delivery(b.uow(), b.company, order_id=o["id"], day=D("2025-03-04"), warehouse="W1")
    inv = sales.create_invoice(b.uow(), b.company, customer="C1", day=D("2025-03-05"), orders=[o["id"]])
    return o, d, inv


def test_cli(db: Database, admin: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    from yecai.cli.main import app

    monkeypatch.setenv("YECAI_DATABASE_URL", db.url)
    monkeypatch.setenv("YECAI_LANG", "en")
    b = setup_books(db, admin)
    c = b.company
    _o, d, inv = _sold(b)
    runner = CliRunner()

    def cli(*args: str) -> tuple[int, str]:
        r = runner.invoke(app, ["--user", "admin", "sales", *args])
        return r.exit_code, r.output

    # returns
    code, out = cli(
        "return", "create", "-c", c, "--delivery", d["no"], "--date", "2025-03-10", "--line", "1:5"
    )
    assert code == 2 and "sales.over_return" in out, out
    code, out = cli("return", "create", "-c", c, "--delivery", d["no"], "--date", "2025-03-10", "--line", "1")
    assert code == 2 and "--line must be DELIVERY_LINE_NO:QTY" in out
    code, out = cli(
        "return",
        "create",
        "-c",
        c,
        "--delivery",
        d["no"],
        "--date",
        "2025-03-10",
        "--line",
        "1:1",
        "--reason",
        "破损",
    )
    assert code == 0 and "RT-2025-0001 posted" in out and "→ " in out, out
    code, out = cli("return", "list", "-c", c, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and [(r["no"], r["delivery"], r["cost"], r["reason"]) for r in rows] == [
        ("RT-2025-0001", d["no"], "115.00", "破损")
    ]
    code, out = cli("return", "show", "-c", c, "RT-2025-0001")
    shown = json.loads(out)
    assert (
        code == 0
        and shown["lines"][0]["qty"] == "1"
        and shown["vouchers"][0]["event"] == "sales_return.posted"
    )
    code, out = cli("return", "show", "-c", c, "RT-2025-0099")
    assert code == 2 and "not_found" in out

    # red credit notes
    code, out = cli(
        "credit-note", "create", "-c", c, "--invoice", inv["no"], "--date", "2025-03-11", "--line", "1:1"
    )
    assert code == 0 and "posted" in out, out
    code, out = cli("credit-note", "list", "-c", c, "--format", "json")
    notes = json.loads(out)
    assert code == 0 and [(n["invoice"], n["total"]) for n in notes] == [(inv["no"], "113.00")]
    code, out = cli("credit-note", "show", "-c", c, notes[0]["no"])
    assert code == 0 and json.loads(out)["vouchers"][0]["event"] == "sales_credit_note.posted"
    code, out = cli(
        "credit-note", "create", "-c", c, "--invoice", inv["no"], "--date", "2025-03-11", "--line", "1:9"
    )
    assert code == 2 and "(sales." in out

    # credit control: held for approval, approved; hold and release
    md.update_party(b.uow(), c, "customer", "C1", credit_limit="500.00")
    code, out = cli("credit", "control", "-c", c, "approve")
    assert code == 0 and "approve" in out
    code, out = cli("credit", "control", "-c", c, "sometimes")
    assert code == 2 and "sales.invalid_credit_control" in out
    held = sales.create_order(
        b.uow(), c, customer="C1", day=D("2025-03-12"), lines=[{"item": "A", "qty": "5", "unit_price": "113"}]
    )
    assert held["status"] == "pending_approval"
    code, out = cli("credit", "pending", "-c", c, "--format", "csv")
    assert code == 0 and [r["no"] for r in csv.DictReader(io.StringIO(out))] == [held["no"]]
    code, out = cli("credit", "show", "-c", c, "C1")
    assert code == 0 and json.loads(out)["credit_limit"] == "500.00"
    code, out = cli("credit", "approve", "-c", c, held["no"], "--note", "老客户")
    assert code == 0 and f"{held['no']} open" in out
    code, out = cli("credit", "approve", "-c", c, held["no"])
    assert code == 2 and "document.wrong_state" in out
    code, out = cli("credit", "hold", "-c", c, "C1", "--reason", "逾期")
    assert code == 0 and "on credit hold" in out
    assert json.loads(cli("credit", "show", "-c", c, "C1")[1])["on_hold"] is True
    code, out = cli("credit", "release", "-c", c, "C1")
    assert code == 0 and json.loads(cli("credit", "show", "-c", c, "C1")[1])["on_hold"] is False


def test_api(db: Database, admin: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi.testclient import TestClient

    from yecai.api import app as api_app
    from yecai.api.app import create_app
    from yecai.security import service as security

    monkeypatch.setattr(api_app, "ROUTERS", ("yecai.sales.api",))
    b = setup_books(db, admin)
    c = b.company
    _o, d, inv = _sold(b)
    token, _user = security.login(db, "admin", "admin-password", kind="api", source="test")
    client = TestClient(create_app(db))
    base = f"/api/companies/{c}/sales"
    assert client.get(f"{base}/returns").status_code == 401
    client.headers["Authorization"] = f"Bearer {token}"

    r = client.post(
        f"{base}/returns",
        json={"delivery_id": d["id"], "date": "2025-03-10", "lines": [{"line_no": 1, "qty": "9"}]},
    )
    assert r.status_code in (409, 422) and r.json()["error"]["field"]
    r = client.post(f"{base}/returns", json={"delivery_id": d["id"], "date": "2025-03-10", "reason": "质量"})
    assert r.status_code == 201, r.text
    ret = r.json()
    assert ret["lines"][0]["qty"] == "4" and ret["cost"] == "460.00" and ret["vouchers"]
    assert [x["no"] for x in client.get(f"{base}/returns", params={"customer": "C1"}).json()] == [ret["no"]]
    assert client.get(f"{base}/returns/{ret['id']}").json()["reason"] == "质量"
    assert client.get(f"{base}/returns/999999").status_code == 404

    r = client.post(f"{base}/credit-notes", json={"invoice_id": inv["id"], "date": "2025-03-11"})
    assert r.status_code == 201, r.text
    cn = r.json()
    assert cn["total"] == "452.00" and cn["vouchers"][0]["event"] == "sales_credit_note.posted"
    assert client.get(f"{base}/credit-notes").json()[0]["no"] == cn["no"]
    assert client.get(f"{base}/credit-notes/{cn['id']}").json()["invoice"] == inv["no"]
    r = client.post(f"{base}/credit-notes", json={"invoice_id": inv["id"], "date": "2025-03-11"})
    assert r.status_code in (409, 422)  # nothing left to credit
    assert r.json()["error"]["code"].startswith("sales.")

    md.update_party(b.uow(), c, "customer", "C1", credit_limit="500.00")
    r = client.put(f"{base}/settings/credit-control", json={"mode": "approve"})
    assert r.status_code == 200 and r.json() == {"credit_control": "approve"}
    assert client.put(f"{base}/settings/credit-control", json={"mode": "x"}).status_code == 422
    held = sales.create_order(
        b.uow(), c, customer="C1", day=D("2025-03-12"), lines=[{"item": "A", "qty": "5", "unit_price": "113"}]
    )
    assert [x["no"] for x in client.get(f"{base}/credit/pending").json()] == [held["no"]]
    r = client.post(f"{base}/orders/{held['id']}/credit-rejection", json={"note": "超限"})
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    r = client.post(f"{base}/orders/{held['id']}/credit-approval", json={})
    assert r.status_code == 409 and r.json()["error"]["code"] == "document.wrong_state"
    r = client.put(f"{base}/customers/C1/credit-hold", json={"on_hold": True, "reason": "逾期"})
    assert r.status_code == 200 and r.json()["on_hold"] is True
    assert client.get(f"{base}/customers/C1/credit").json()["hold_reason"] == "逾期"

    # a clerk without company.manage may not approve or hold
    clerk = make_user(db, "accountant", c)
    ctoken, _u = security.login(db, clerk.username, "password-123", kind="api", source="test")
    client.headers["Authorization"] = f"Bearer {ctoken}"
    r = client.put(f"{base}/customers/C1/credit-hold", json={"on_hold": False})
    assert r.status_code == 403
