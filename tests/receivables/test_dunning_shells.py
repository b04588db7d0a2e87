"""Dunning through its shells on a real database: the REST API, the CLI and the web pages, each a
thin call of receivables.dunning (the behaviour itself is tested in test_dunning.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.conftest import make_user
from tests.receivables.test_dunning import Mailbox, invoice, levels, smtp_server
from tests.sales.books import Books, setup_books
from yecai.api.app import create_app
from yecai.masterdata import service as md
from yecai.receivables import dunning
from yecai.store.db import Database
from yecai.store.uow import Actor

ADMIN_PASSWORD = "admin-password"


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as box:
        yield box


def overdue_books(db: Database, admin: Actor) -> tuple[Books, dict]:
    b = setup_books(db, admin)
    md.update_party(b.uow(), b.company, "customer", "C1", credit_days=30)
    inv = invoice(b, "C1", "10", "113.00", "2025-03-05")  # due 2025-04-04
    return b, inv


def bearer(client: TestClient) -> dict[str, str]:
    r = client.post("/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD, "kind": "api"})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def test_api_policy_preview_promise_and_timeline(db: Database, admin: Actor) -> None:
    b, inv = overdue_books(db, admin)
    client = TestClient(create_app(db))
    h = bearer(client)
    base = f"/api/companies/{b.company}/receivables/dunning"

    r = client.put(
        f"{base}/policies/STD",
        headers=h,
        json={"name": "标准", "levels": [{"days_overdue": 10, "actions": [{"type": "fax"}]}]},
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "dunning.action_unknown"
    r = client.put(f"{base}/policies/STD", headers=h, json={"name": "标准", "levels": levels()})
    assert r.status_code == 200 and r.json()["default"] is True
    assert [p["code"] for p in client.get(f"{base}/policies", headers=h).json()] == ["STD"]

    r = client.put(
        f"{base}/smtp",
        headers=h,
        json={"host": "127.0.0.1", "port": 2525, "sender": "ar@x.cn", "password": "pw-秘密"},
    )
    assert r.status_code == 200 and "pw-秘密" not in r.text and r.json()["password_set"] is True
    assert "pw-秘密" not in client.get(f"{base}/smtp", headers=h).text

    r = client.post(f"{base}/run", headers=h, json={"as_of": "2025-04-20", "dry_run": True})
    assert r.status_code == 200, r.text
    (row,) = r.json()["customers"]
    assert (row["customer"], row["new_level"], row["overdue"], row["oldest_days"]) == ("C1", 2, "1130.00", 16)

    letter = client.get(
        f"{base}/customers/C1/letter", headers=h, params={"as_of": "2025-04-20", "language": "en"}
    ).json()
    assert letter["level"] == 2 and letter["language"] == "en"
    assert letter["subject"].startswith("Payment reminder (催告)")
    assert "16 days overdue" in letter["body"] and inv["no"] in letter["body"]
    letter = client.get(f"{base}/customers/C1/letter", headers=h, params={"as_of": "2025-04-06"}).json()
    assert letter["language"] == "zh_CN" and letter["body"].startswith("华东商贸：") and letter["level"] == 1

    r = client.post(
        f"{base}/customers/C1/promise",
        headers=h,
        json={"date": "2025-04-30", "amount": "1130.00", "note": "下周付"},
    )
    assert r.status_code == 201
    r = client.post(f"{base}/run", headers=h, json={"as_of": "2025-04-20"})
    assert r.json()["customers"][0]["paused_by"] == "promise"
    r = client.post(f"{base}/customers/C1/disputes", headers=h, json={"reason": "数量不符", "doc_no": "NOPE"})
    assert r.status_code == 404
    r = client.post(
        f"{base}/customers/C1/disputes", headers=h, json={"reason": "数量不符", "doc_no": inv["no"]}
    )
    assert r.status_code == 201
    timeline = client.get(f"{base}/customers/C1/timeline", headers=h).json()
    assert [e["kind"] for e in timeline][:2] == ["dispute_set", "promise_set"]
    assert client.delete(f"{base}/customers/C1/promise", headers=h).status_code == 200
    assert client.delete(f"{base}/customers/C1/promise", headers=h).status_code == 409
    assert client.get(f"{base}/customers/C1", headers=h).json()["disputes"][0]["doc_no"] == inv["no"]
    assert client.get(f"{base}/tasks", headers=h).json() == []
    assert client.post(f"{base}/run", json={"dry_run": True}).status_code == 401  # no token
    # An accountant may look (preview, timeline) but not run, set promises or change policies.
    make_user(db, "accountant", b.company, username=f"acc{b.company}".lower())
    r = client.post(
        "/api/auth/login",
        json={"username": f"acc{b.company}".lower(), "password": "password-123", "kind": "api"},
    )
    acc = {"Authorization": f"Bearer {r.json()['token']}"}
    assert (
        client.post(f"{base}/run", headers=acc, json={"as_of": "2025-04-20", "dry_run": True}).status_code
        == 200
    )
    r = client.post(f"{base}/run", headers=acc, json={"as_of": "2025-04-20"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "permission_denied"
    assert client.put(f"{base}/policies/STD", headers=acc, json={"levels": levels()}).status_code == 403


def test_cli_policy_run_and_timeline(
    db: Database,
    admin: Actor,
    mailbox: Mailbox,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    from yecai.cli.main import app

    monkeypatch.setenv("YECAI_DATABASE_URL", db.url)
    monkeypatch.setenv("YECAI_LANG", "en")
    b, inv = overdue_books(db, admin)
    policy = tmp_path / "policy.json"
    policy.write_text(
        json.dumps({"name": "Standard", "language": "en", "levels": levels()}), encoding="utf-8"
    )
    cli = CliRunner()

    def ok(*args: str) -> str:
        r = cli.invoke(app, list(args))
        assert r.exit_code == 0, r.output
        return r.stdout

    ok(
        "receivables", "dunning", "policy-set", "-c", b.company, "--code", "BASIC"
    )  # the shipped default levels
    assert [lv["name"] for lv in dunning.get_policy(b.uow(), b.company, "BASIC")["levels"]][0] == "到期提醒"
    ok(
        "receivables",
        "dunning",
        "policy-set",
        "-c",
        b.company,
        "--code",
        "STD",
        "--file",
        str(policy),
        "--default",
    )
    assert "Standard" in ok("receivables", "dunning", "policy-list", "-c", b.company, "--format", "csv")
    ok(
        "receivables",
        "dunning",
        "smtp-set",
        "-c",
        b.company,
        "--host",
        "127.0.0.1",
        "--port",
        str(mailbox.port),
        "--sender",
        "ar@yecai.example.cn",
    )
    ok(
        "receivables",
        "dunning",
        "contact",
        "-c",
        b.company,
        "--customer",
        "C1",
        "--email",
        "ap@huadong.example.cn",
    )

    preview = json.loads(
        ok(
            "receivables",
            "dunning",
            "run",
            "-c",
            b.company,
            "--as-of",
            "2025-04-06",
            "--dry-run",
            "--format",
            "json",
        )
    )
    assert preview[0]["customer"] == "C1" and preview[0]["actions"] == "email" and mailbox.messages == []
    ok("receivables", "dunning", "run", "-c", b.company, "--as-of", "2025-04-06")
    ((rcpt, msg),) = mailbox.messages
    assert msg["Subject"].startswith("Payment reminder (友好提醒): CNY 1,130.00 overdue")
    assert inv["no"] in msg.get_content() and "2 days overdue" in msg.get_content()

    listed = json.loads(ok("receivables", "dunning", "customers", "-c", b.company, "--format", "json"))
    assert [(c["customer"], c["level"], c["email"]) for c in listed] == [("C1", 1, "ap@huadong.example.cn")]
    events = json.loads(
        ok("receivables", "dunning", "timeline", "-c", b.company, "--customer", "C1", "--format", "json")
    )
    assert [(e["kind"], e["status"]) for e in events[:2]] == [("email", "done"), ("level_reached", "info")]

    r = cli.invoke(app, ["receivables", "dunning", "run", "-c", b.company, "--as-of", "2025-13-01"])
    assert r.exit_code == 2
    r = cli.invoke(
        app,
        [
            "receivables",
            "dunning",
            "promise",
            "-c",
            b.company,
            "--customer",
            "C1",
            "--date",
            "2025-05-01",
            "--amount",
            "-5",
        ],
    )
    assert r.exit_code == 2 and "greater than zero" in r.output
    ok(
        "receivables",
        "dunning",
        "promise",
        "-c",
        b.company,
        "--customer",
        "C1",
        "--date",
        "2025-05-01",
        "--amount",
        "500",
    )
    assert dunning.customer_state(b.uow(), b.company, "C1")["promise"]["amount"] == "500.00"


def test_web_preview_run_and_customer_page(db: Database, admin: Actor, mailbox: Mailbox) -> None:
    b, inv = overdue_books(db, admin)
    dunning.save_policy(b.uow(), b.company, code="STD", name="标准催收", levels=levels())
    dunning.set_smtp(b.uow(), b.company, host="127.0.0.1", port=mailbox.port, sender="ar@yecai.example.cn")
    dunning.set_contact(b.uow(), b.company, "C1", email="ap@huadong.example.cn")
    client = TestClient(create_app(db))
    r = client.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD}, follow_redirects=False)
    assert r.status_code == 303
    client.cookies.set("yecai_company", b.company)

    page = client.get("/receivables/dunning?as_of=2025-04-06")
    assert page.status_code == 200
    html = page.text
    assert "催收" in html and "标准催收" in html and 'data-customer="C1"' in html and "升级" in html
    assert 'data-nav="dunning"' in html

    r = client.post("/receivables/dunning/run", data={"as_of": "2025-04-06"}, follow_redirects=False)
    assert r.status_code == 303 and "sent=1" in r.headers["location"]
    assert len(mailbox.messages) == 1

    page = client.get("/receivables/dunning/customers/C1")
    assert (
        page.status_code == 200 and 'data-kind="email"' in page.text and 'id="dunning-level">1<' in page.text
    )
    # Today's letter (long overdue by now: the last level), in Chinese or English
    assert "付款提醒（停止赊销）" in page.text and inv["no"] in page.text
    assert "Payment reminder (停止赊销)" in client.get("/receivables/dunning/customers/C1?letter=en").text

    r = client.post(
        "/receivables/dunning/customers/C1/promise", data={"promise_date": "not-a-date", "amount": "1"}
    )
    assert r.status_code == 422 and "承诺付款" in r.text
    r = client.post(
        "/receivables/dunning/customers/C1/promise",
        data={"promise_date": "2025-04-30", "amount": "1130.00", "note": "电话"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = client.get("/receivables/dunning/customers/C1")
    assert "2025-04-30" in page.text and 'data-kind="promise_set"' in page.text
    assert dunning.run(b.uow(), b.company, as_of=date(2025, 4, 20)).customers[0]["paused_by"] == "promise"
    # The same pages in English
    client.get("/lang/en?next=/receivables/dunning")
    html = client.get("/receivables/dunning?as_of=2025-04-21").text
    assert "Dunning" in html and "Paused" in html and "Promise to pay" in html and "催收策略" not in html
    assert "Timeline" in client.get("/receivables/dunning/customers/C1").text
