"""The payment-matching queue through its shells on a real database: the REST API (bearer token),
the web page (session cookie: run, confirm, correct, reject; a cashier decides, an auditor only
looks) and the CLI."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.payables.books import PASSWORD, S3_ACCOUNT, Bank, bill, payables_books, user_with_role
from tests.payables.test_review import paid, queue
from yecai.api.app import create_app
from yecai.store.db import Database
from yecai.store.uow import Actor


@pytest.fixture
def client(db: Database) -> TestClient:
    return TestClient(create_app(db))


def _login(client: TestClient, username: str, password: str, company: str) -> None:
    r = client.post("/login", data={"username": username, "password": password}, follow_redirects=False)
    assert r.status_code == 303
    client.cookies.set("yecai_company", company)
    client.cookies.set("yecai_lang", "zh_CN")


def test_api_run_list_correct_reject(db: Database, admin: Actor, client: TestClient) -> None:
    b = payables_books(db, admin)
    x1 = bill(b, "S3", "900.00")
    s1 = bill(b, "S1", "420.00")
    Bank(b).statement(
        ("2025-04-01", "900.00", "上海远航电子科技有限公司", S3_ACCOUNT, x1["no"]),
        ("2025-04-02", "420.00", "李四", "6217 0000 1234 0009", "材料款"),
        ("2025-04-03", "50.00", "某某", "", "转账"),
    )
    token = client.post("/api/auth/login", json={"username": "admin", "password": "admin-password"}).json()[
        "token"
    ]
    h = {"Authorization": f"Bearer {token}"}
    base = f"/api/companies/{b.company}/payables/payment-matching"
    assert client.get(base + "/proposals").status_code == 401  # behind authentication
    r = client.post(base + "/run", headers=h)
    assert r.status_code == 200 and r.json()["auto_applied"] == 1, r.json()
    q = client.get(base + "/proposals", headers=h).json()
    assert q["counts"]["proposed"] == 2 and q["counts"]["auto_applied"] == 1 and q["threshold"] == "0.95"
    person, stranger = q["proposals"]
    assert person["line"]["payee_name"] == "李四" and person["line"]["amount"] == "420.00"
    # A correction that does not take the whole line is refused with the field; nothing written.
    bad = client.post(
        base + f"/proposals/{person['id']}/correct",
        headers=h,
        json={"supplier": "S1", "items": [{"bill": s1["no"], "amount": "400.00"}]},
    )
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "payables.allocation_not_line"
    assert client.get(base + f"/proposals/{person['id']}", headers=h).json()["status"] == "proposed"
    ok = client.post(
        base + f"/proposals/{person['id']}/correct",
        headers=h,
        json={"supplier": "S1", "items": [{"bill": s1["no"], "amount": "420.00"}], "note": "业务员"},
    )
    assert ok.status_code == 200 and ok.json()["status"] == "corrected" and ok.json()["payments"]
    rej = client.post(base + f"/proposals/{stranger['id']}/reject", headers=h, json={"note": "个人转账"})
    assert rej.json()["status"] == "rejected"
    again = client.post(base + f"/proposals/{stranger['id']}/confirm", headers=h)
    assert again.status_code == 409 and again.json()["error"]["code"] == "payables.proposal_not_open"
    assert client.put(base + "/threshold", headers=h, json={"threshold": "1.2"}).status_code == 422
    assert client.put(base + "/threshold", headers=h, json={"threshold": "0.9"}).json() == {
        "auto_apply_threshold": "0.9"
    }
    assert client.get(base + "/proposals?status=bogus", headers=h).status_code == 422
    assert (paid(b, x1["id"]), paid(b, s1["id"])) == (90000, 42000)


def test_web_queue_cashier_decides_auditor_looks(db: Database, admin: Actor, client: TestClient) -> None:
    b = payables_books(db, admin)
    s2 = bill(b, "S2", "226.00")
    s1 = bill(b, "S1", "100.00")
    Bank(b).statement(
        ("2025-04-02", "226.00", "华北材料贸易", "6217 0000 9999 0002", "货款"),
        ("2025-04-03", "100.00", "陌生人", "", "往来款"),
        ("2025-04-04", "30.00", "某餐厅", "", "招待"),
        ("2025-04-04", "5.50", "", "", "手续费"),
    )
    auditor = user_with_role(db, admin, b.company, "auditor")
    cashier = user_with_role(db, admin, b.company, "cashier")

    _login(client, auditor.username, PASSWORD, b.company)
    page = client.get("/payables/review")
    assert page.status_code == 200 and "付款核销复核" in page.text and 'data-tab="ap_review"' in page.text
    assert 'action="/payables/review/run"' not in page.text  # the auditor only looks
    refused = client.post("/payables/review/run")
    assert refused.status_code == 403 and queue(b, None) == []

    client.cookies.clear()
    _login(client, cashier.username, PASSWORD, b.company)
    run = client.post("/payables/review/run")
    assert run.status_code == 200 and 'id="run-result"' in run.text and "1 笔银行手续费" in run.text
    waiting, stranger, meal = queue(b)
    assert "收款户名与供应商名称相似" in run.text  # reasons in Chinese
    assert 'action="/payables/review/threshold"' not in run.text  # settings are the manager's
    r = client.post(
        f"/payables/review/{waiting['id']}/confirm", data={"status": "proposed"}, follow_redirects=False
    )
    assert r.status_code == 303 and "done=confirm" in r.headers["location"]
    r = client.post(
        f"/payables/review/{stranger['id']}/correct",
        data={"supplier": "S1", "items": f"{s1['no']}=100.00", "note": "电话确认"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    # A refused decision is shown on the page, with nothing written.
    r = client.post(f"/payables/review/{meal['id']}/correct", data={"supplier": "NOPE", "items": "X=30.00"})
    assert r.status_code == 404 and "NOPE" in r.text
    r = client.post(f"/payables/review/{meal['id']}/reject", data={"note": "报销"}, follow_redirects=False)
    assert r.status_code == 303
    done = client.get("/payables/review?status=all")
    statuses = re.findall(r'data-proposal="\d+" data-status="(\w+)"', done.text)
    assert sorted(statuses) == ["confirmed", "corrected", "rejected"]
    assert (paid(b, s2["id"]), paid(b, s1["id"])) == (22600, 10000)


def test_cli_review(db: Database, admin: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    from yecai.cli.main import app

    b = payables_books(db, admin)
    s1 = bill(b, "S1", "339.00")
    Bank(b).statement(("2025-04-02", "339.00", "王老板", "6217 0000 9999 0002", "货款"))
    monkeypatch.setenv("YECAI_DATABASE_URL", db.url)
    monkeypatch.setenv("YECAI_LANG", "en")
    runner = CliRunner()
    env = {"YECAI_LANG": "en"}
    res = runner.invoke(app, ["payables", "review", "run", "-c", b.company], env=env)
    assert res.exit_code == 0, res.output
    said = " ".join(res.output.split())  # Rich wraps long lines
    assert "1 outgoing lines: 0 paid automatically, 1 waiting for review (0 without a supplier)" in said
    res = runner.invoke(app, ["payables", "review", "list", "-c", b.company, "-f", "json"], env=env)
    (row,) = json.loads(res.output)
    assert row["payee_name"] == "王老板" and row["status"] == "proposed"
    assert row["supplier"] == "S1" and row["bills"] == f"{s1['no']}:339.00"  # the amount alone
    assert row["reasons"].startswith("amount_unique") and float(row["confidence"]) < 0.95
    res = runner.invoke(app, ["payables", "review", "confirm", "-c", b.company, str(row["id"])], env=env)
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["payables", "review", "reject", "-c", b.company, str(row["id"])], env=env)
    assert res.exit_code != 0 and "already confirmed" in res.output
    res = runner.invoke(
        app, ["payables", "review", "correct", "-c", b.company, "1", "--supplier", "S1"], env=env
    )
    assert res.exit_code != 0  # a correction names the bills
    assert paid(b, s1["id"]) == 33900
