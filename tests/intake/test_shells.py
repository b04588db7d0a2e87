"""`yecai intake …` and the upload endpoints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.intake import builders as b
from yecai.api.app import create_app
from yecai.intake import api as intake_api
from yecai.intake.domain import INVOICE_KEYS
from yecai.store.db import Database


@pytest.fixture
def cli(db: Database, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    from yecai.cli.main import app

    monkeypatch.setenv("YECAI_DATABASE_URL", db.url)
    monkeypatch.setenv("YECAI_LANG", "en")
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str, str]:
        r = runner.invoke(app, ["--user", "admin", *args])
        return r.exit_code, r.stdout, r.stderr

    return run


def test_cli_invoice_json_lines(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a.ofd").write_bytes(b.ofd_with_tags())
    (tmp_path / "b.xml").write_text(b.FP_XML, encoding="utf-8")
    (tmp_path / "c.ofd").write_bytes(b"PK\x03\x04broken")
    code, out, _err = cli("intake", "invoice", str(tmp_path / "a.ofd"), "--extract-only", "--format", "json")
    assert code == 0
    one = json.loads(out)  # one file: exactly one JSON object
    assert tuple(one) == INVOICE_KEYS and one["invoice_number"] == "25112000000048542163"
    code, out, err = cli(
        "intake",
        "invoice",
        *(str(tmp_path / n) for n in ("a.ofd", "b.xml", "c.ofd")),
        "--extract-only",
        "-f",
        "json",
    )
    lines = [json.loads(x) for x in out.splitlines()]
    assert code == 2 and len(lines) == 3
    assert lines[1]["invoice_number"] == "12345678"
    assert lines[2]["error"]["code"] == "intake.malformed_zip" and lines[2]["file"].endswith("c.ofd")
    code, out, err = cli("intake", "invoice", str(tmp_path / "b.xml"))
    assert code == 2 and "intake.extract_only_required" in err


def test_cli_bank_statement(cli, company: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "s.ofx"
    path.write_bytes(b.ofx(["100.00", "-30.50"], "569.50"))
    code, out, _ = cli("intake", "bank-statement", str(path), "--extract-only", "--format", "json")
    assert code == 0 and json.loads(out)["opening_balance"] == "500.00"
    code, out, _ = cli("intake", "bank-statement", str(path), "--company", company, "-f", "json")
    assert code == 0 and json.loads(out)["lines_imported"] == 2
    code, out, _ = cli("intake", "bank-statement", str(path), "--company", company)
    assert code == 0 and "skipped (already imported): 2" in out
    wrong = tmp_path / "w.ofx"
    wrong.write_bytes(b.ofx(["1.00"], "1.00").replace(b"<TRNAMT>1.00</TRNAMT>", b""))
    code, _, err = cli("intake", "bank-statement", str(wrong), "--company", company)
    assert code == 2 and "intake.statement_incomplete" in err


@pytest.fixture
def token(db: Database, monkeypatch: pytest.MonkeyPatch) -> str:
    client = TestClient(create_app(db))
    r = client.post("/api/auth/login", json={"username": "admin", "password": "admin-password"})
    assert r.status_code == 200, r.text
    return str(r.json()["token"])


def test_api_uploads(db: Database, company: str, token: str, monkeypatch: pytest.MonkeyPatch) -> None:
    client = TestClient(create_app(db))
    h = {"Authorization": f"Bearer {token}"}
    r = client.post(
        f"/api/companies/{company}/intake/invoices/extract",
        headers=h,
        files={"file": ("a.ofd", b.ofd_with_attachment())},
    )
    assert r.status_code == 200 and tuple(r.json()) == INVOICE_KEYS
    r = client.post(
        f"/api/companies/{company}/intake/invoices/extract",
        headers=h,
        files={"file": ("x.xml", b"<a><b></a>")},
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "intake.malformed_xml"
    monkeypatch.setattr(intake_api, "UPLOAD_BYTES_MAX", 1000)
    r = client.post(
        f"/api/companies/{company}/intake/invoices/extract", headers=h, files={"file": ("a.ofd", b"x" * 5000)}
    )
    assert r.status_code == 413 and r.json()["error"]["code"] == "intake.upload_too_large"
    monkeypatch.setattr(intake_api, "UPLOAD_BYTES_MAX", 10**6)
    url = f"/api/companies/{company}/intake/bank-statements"
    r = client.post(
        url, headers=h, files={"file": ("s.xml", b.camt053("0.00", "5.00", [("5.00", "CRDT", "x", "R")]))}
    )
    assert r.status_code == 200 and r.json()["lines_imported"] == 1
    r = client.post(
        url, headers=h, params={"extract_only": "true"}, files={"file": ("s.sta", b.MT940.encode())}
    )
    assert r.status_code == 200 and r.json()["statements"][0]["closing_balance"] == "1299.50"
    r = client.post(
        url, headers=h, files={"file": ("s.xml", b.camt053("0.00", "6.00", [("5.00", "CRDT", "x", "R9")]))}
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "intake.statement_unbalanced"
