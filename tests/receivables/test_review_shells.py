"""The review queue through its shells on a real database: the REST API (bearer token), the web
page (session cookie: run, confirm, correct, reject) and the CLI."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.receivables.test_review import Bank, invoice, open_of
from tests.sales.books import setup_books
from yecai.api.app import create_app
from yecai.receivables import review
from yecai.store.db import Database
from yecai.store.uow import Actor


@pytest.fixture
def client(db: Database) -> TestClient:
    return TestClient(create_app(db))


def test_api_run_list_correct_reject(db: Database, admin: Actor, client: TestClient) -> None:
    b = setup_books(db, admin)
    i1 = invoice(b, "C1", "339.00")
    i2 = invoice(b, "C2", "339.00")
    Bank(b).statement(
        ("2025-04-01", "339.00", "华东商贸有限公司", "6222 1000 0000 0001", f"付{i1['no']}"),
        ("2025-04-02", "339.00", "王老板", "6217 0000 9999 0002", "货款"),
        ("2025-04-03", "88.00", "某某", "", "转账"),
    )
    token = client.post("/api/auth/login", json={"username": "admin", "password": "admin-password"}).json()[
        "token"
    ]
    h = {"Authorization": f"Bearer {token}"}
    base = f"/api/companies/{b.company}/receivables/cash-application"
    assert client.get(base + "/proposals").status_code == 401  # behind authentication
    r = client.post(base + "/run", headers=h)
    assert r.status_code == 200 and r.json()["auto_applied"] == 1
    q = client.get(base + "/proposals", headers=h).json()
    assert q["counts"]["proposed"] == 2 and q["counts"]["auto_applied"] == 1 and q["threshold"] == "0.95"
    boss, stranger = q["proposals"]
    assert boss["line"]["payer_name"] == "王老板" and stranger["line"]["payer_name"] == "某某"
    # A correction naming another customer's invoice is refused with the field; nothing written.
    bad = client.post(
        base + f"/proposals/{boss['id']}/correct",
        headers=h,
        json={"customer": "C1", "items": [{"invoice": i2["no"], "amount": "339.00"}]},
    )
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "receivables.invoice_of_another_customer"
    assert client.get(base + f"/proposals/{boss['id']}", headers=h).json()["status"] == "proposed"
    ok = client.post(
        base + f"/proposals/{boss['id']}/correct",
        headers=h,
        json={"customer": "C2", "items": [{"invoice": i2["no"], "amount": "339.00"}], "note": "老板"},
    )
    assert ok.status_code == 200 and ok.json()["status"] == "corrected" and ok.json()["receipt"]
    rej = client.post(base + f"/proposals/{stranger['id']}/reject", headers=h, json={"note": "个人转账"})
    assert rej.json()["status"] == "rejected"
    again = client.post(base + f"/proposals/{stranger['id']}/confirm", headers=h)
    assert again.status_code == 409 and again.json()["error"]["code"] == "receivables.proposal_not_open"
    assert client.put(base + "/threshold", headers=h, json={"threshold": "1.2"}).status_code == 422
    assert client.put(base + "/threshold", headers=h, json={"threshold": "0.9"}).json() == {
        "auto_apply_threshold": "0.9"
    }
    assert client.get(base + "/proposals?status=bogus", headers=h).status_code == 422
    assert open_of(b) == {}


def test_web_queue_confirm_correct_reject(db: Database, admin: Actor, client: TestClient) -> None:
    b = setup_books(db, admin)
    i1 = invoice(b, "C1", "100.00")
    i2 = invoice(b, "C2", "226.00")
    Bank(b).statement(
        ("2025-04-02", "226.00", "王老板", "6217 0000 9999 0002", "货款"),
        ("2025-04-03", "100.00", "陌生人", "", "往来款"),
        ("2025-04-04", "12.00", "银行", "", "结息"),
    )
    r = client.post(
        "/login", data={"username": "admin", "password": "admin-password"}, follow_redirects=False
    )
    assert r.status_code == 303
    client.cookies.set("yecai_company", b.company)
    client.cookies.set("yecai_lang", "zh_CN")
    page = client.get("/receivables/review")
    assert page.status_code == 200 and "核销复核" in page.text and 'href="/receivables/review"' in page.text
    run = client.post("/receivables/review/run")
    assert run.status_code == 200 and 'id="run-result"' in run.text
    queue = review.list_proposals(b.uow(), b.company)["proposals"]
    boss, stranger, interest = queue
    assert f'data-proposal="{boss["id"]}"' in run.text and "付款人名称与客户相似" not in run.text
    assert "金额等于未清金额" in run.text or "唯一" in run.text  # reasons shown in Chinese
    r = client.post(
        f"/receivables/review/{boss['id']}/confirm", data={"status": "proposed"}, follow_redirects=False
    )
    assert r.status_code == 303 and "done=confirm" in r.headers["location"]
    r = client.post(
        f"/receivables/review/{stranger['id']}/correct",
        data={"customer": "C1", "items": f"{i1['no']}=100.00", "note": "电话确认"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    # A refused decision is shown on the page, translated, with nothing written.
    r = client.post(f"/receivables/review/{interest['id']}/correct", data={"customer": "NOPE"})
    assert r.status_code == 404 and "NOPE" in r.text
    r = client.post(
        f"/receivables/review/{interest['id']}/reject", data={"note": "利息"}, follow_redirects=False
    )
    assert r.status_code == 303
    done = client.get("/receivables/review?status=all")
    statuses = re.findall(r'data-proposal="\d+" data-status="(\w+)"', done.text)
    assert sorted(statuses) == ["confirmed", "corrected", "rejected"]
    assert open_of(b) == {}
    assert i2["no"] not in open_of(b)


def test_cli_review(db: Database, admin: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    from yecai.cli.main import app

    b = setup_books(db, admin)
    i1 = invoice(b, "C1", "339.00")
    Bank(b).statement(("2025-04-02", "339.00", "王老板", "6217 0000 9999 0002", "货款"))
    monkeypatch.setenv("YECAI_DATABASE_URL", db.url)
    monkeypatch.setenv("YECAI_LANG", "en")
    runner = CliRunner()
    env = {"YECAI_LANG": "en"}
    res = runner.invoke(app, ["receivables", "review", "run", "-c", b.company], env=env)
    assert res.exit_code == 0, res.output
    assert "1 lines: 0 applied automatically, 1 waiting for review" in res.output
    res = runner.invoke(app, ["receivables", "review", "list", "-c", b.company, "-f", "json"], env=env)
    (row,) = json.loads(res.output)
    assert (
        row["payer_name"] == "王老板"
        and row["status"] == "proposed"
        and row["invoices"] == f"{i1['no']}:339.00"
    )
    res = runner.invoke(
        app,
        [
            "receivables",
            "review",
            "correct",
            "-c",
            b.company,
            str(row["id"]),
            "--customer",
            "C1",
            "--invoice",
            f"{i1['no']}=339.00",
        ],
        env=env,
    )
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["receivables", "review", "reject", "-c", b.company, str(row["id"])], env=env)
    assert res.exit_code != 0 and "already corrected" in res.output
    assert open_of(b) == {}
