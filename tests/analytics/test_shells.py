"""CLI, REST API and web pages over the analytics service."""

from __future__ import annotations

import csv
import io
import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.analytics.books import AS_OF, build
from tests.conftest import make_company, make_user
from yecai.api.app import create_app
from yecai.security import service as security
from yecai.store.db import Database
from yecai.store.uow import Actor


def test_cli(db: Database, admin: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    from yecai.cli.main import app

    ab = build(db, admin)
    monkeypatch.setenv("YECAI_DATABASE_URL", db.url)
    monkeypatch.setenv("YECAI_LANG", "en")
    runner = CliRunner()

    def cli(*args: str) -> tuple[int, str]:
        r = runner.invoke(app, ["analytics", *args])
        return r.exit_code, r.output

    code, out = cli("risk", "--company", ab.company, "--as-of", AS_OF.isoformat(), "--format", "json")
    assert code == 0, out
    rows = json.loads(out[out.index("[") :])
    assert [r["invoice"] for r in rows] == [ab.late_invoice, ab.punctual_invoice]
    assert rows[0]["factors"][0]["text"].startswith("Paid 6 of 6 earlier invoices late")
    code, out = cli("risk", "-c", ab.company, "--as-of", AS_OF.isoformat(), "-f", "csv")
    table = list(csv.DictReader(io.StringIO(out[out.index("invoice,") :])))
    assert table[0]["invoice"] == ab.late_invoice and float(table[0]["p_late"]) > 0.6
    assert "Paid 6 of 6 earlier invoices late" in table[0]["factors"]
    code, out = cli("risk", "-c", ab.company, "--as-of", AS_OF.isoformat(), "--customer", "C1", "-f", "json")
    assert code == 0 and [r["invoice"] for r in json.loads(out[out.index("[") :])] == [ab.punctual_invoice]
    code, out = cli("risk", "-c", ab.company, "--as-of", AS_OF.isoformat())
    assert code == 0 and f"Late-payment risk as of {AS_OF.isoformat()}" in out and "rules, too little" in out

    code, out = cli("forecast", "-c", ab.company, "--as-of", AS_OF.isoformat(), "--weeks", "4", "-f", "csv")
    assert code == 0, out
    weeks = list(csv.DictReader(io.StringIO(out[out.index("week,") :])))
    assert [w["week"] for w in weeks] == ["1", "2", "3", "4"] and weeks[0]["payables"] == "1000.00"
    code, out = cli("forecast", "-c", ab.company, "--as-of", AS_OF.isoformat(), "-f", "json")
    assert code == 0 and len(json.loads(out[out.index("{") :])["weeks"]) == 13
    code, out = cli("forecast", "-c", ab.company, "--weeks", "60")
    assert code == 2 and "analytics.invalid_weeks" in out and "between 1 and 52" in out
    code, out = cli("forecast", "-c", ab.company, "--as-of", "2025-13-01")
    assert code == 2 and "Not a date" in out
    code, out = cli("evaluate", "-c", ab.company, "--cutoff", "2025-05-01", "--end", AS_OF.isoformat())
    assert code == 0, out
    ev = json.loads(out)
    assert ev["method"] == "rules" and ev["test_invoices"] > 0 and "reliability" in ev


def test_api(db: Database, admin: Actor) -> None:
    ab = build(db, admin)
    token, _user = security.login(db, "admin", "admin-password", kind="api", source="test")
    client = TestClient(create_app(db))
    client.headers["Authorization"] = f"Bearer {token}"
    base = f"/api/companies/{ab.company}/analytics"
    r = client.get(f"{base}/risk", params={"as_of": AS_OF.isoformat(), "lang": "en"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["method"] == "rules" and body["invoices"][0]["invoice"] == ab.late_invoice
    assert body["invoices"][0]["factors"][0]["text"].startswith("Paid 6 of 6")
    r = client.get(f"{base}/forecast", params={"as_of": AS_OF.isoformat(), "weeks": 5, "seed": 1})
    assert r.status_code == 200 and len(r.json()["weeks"]) == 5
    assert r.json()["weeks"][0]["payables"] == "1000.00"
    assert client.get(f"{base}/forecast", params={"weeks": 0}).status_code == 422
    r = client.get(f"{base}/evaluation", params={"cutoff": "2030-01-01"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "analytics.invalid_cutoff"
    assert TestClient(create_app(db)).get(f"{base}/risk").status_code == 401
    # a user without a role in the company does not see it; an auditor (read-only) does
    outsider = make_user(db, "accountant", make_company(db, admin))
    auditor = make_user(db, "auditor", ab.company)
    for user, status in ((outsider, 404), (auditor, 200)):
        tok, _u = security.login(db, user.username, "password-123", kind="api", source="test")
        r = TestClient(create_app(db)).get(f"{base}/risk", headers={"Authorization": f"Bearer {tok}"})
        assert r.status_code == status, r.text


def test_web_pages(sqlite_db: Database) -> None:
    db = sqlite_db
    admin = security.actor_for(db, "admin", source="test")
    ab = build(db, admin)
    client = TestClient(create_app(db))
    r = client.post(
        "/login", data={"username": "admin", "password": "admin-password"}, follow_redirects=False
    )
    assert r.status_code == 303
    client.cookies.set("yecai_company", ab.company)
    r = client.get("/analytics/forecast", params={"as_of": AS_OF.isoformat(), "weeks": 6})
    assert r.status_code == 200
    html = r.text
    assert "现金流预测" in html and 'id="forecast-chart"' in html and "echarts.min.js" in html
    data = json.loads(
        html.split('<script type="application/json" id="forecast-data">')[1].split("</script>")[0]
    )
    assert len(data["p10"]) == 6 and all(
        float(a) <= float(b) for a, b in zip(data["p10"], data["p90"], strict=True)
    )
    assert html.count('<tr data-week="') == 6 and 'data-nav="analytics"' in html
    r = client.get("/analytics/risk", params={"as_of": AS_OF.isoformat()})
    assert r.status_code == 200
    assert f'data-invoice="{ab.late_invoice}"' in r.text and "6 张发票中 6 张逾期付款" in r.text
    assert '<a href="/sales/invoices/' in r.text  # drill-down to the invoice
    assert r.text.index(ab.late_invoice) < r.text.index(ab.punctual_invoice)
    assert 'id="risk-customers"' in r.text and 'data-customer="C2"' in r.text
    r = client.get("/analytics/risk", params={"as_of": AS_OF.isoformat(), "customer": "C1"})
    assert r.status_code == 200 and ab.punctual_invoice in r.text and ab.late_invoice not in r.text
    r = client.get("/analytics/forecast", params={"as_of": "tomorrow"})
    assert r.status_code == 422 and "tomorrow" in r.text
    r = TestClient(create_app(db)).get("/analytics/risk", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_the_cli_does_not_load_scikit_learn_until_an_analytics_command_runs() -> None:
    import subprocess
    import sys

    from yecai.analytics import cli, service

    assert cli.SIMULATIONS_DEFAULT == service.SIMULATIONS_DEFAULT
    code = "import sys, yecai.cli.main; print('sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
