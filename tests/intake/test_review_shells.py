"""The invoice review queue through its shells: REST API (bearer token), web pages (session cookie:
upload, review screen with the image, correct, accept, reject) and the CLI. E-invoice XML keeps
these fast; the OCR path is tested in test_ocr / test_review."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.intake import builders as b
from tests.intake.test_ocr import png_claiming
from yecai.api.app import create_app
from yecai.intake import review
from yecai.store.db import Database
from yecai.store.uow import Actor, UnitOfWork


@pytest.fixture
def client(db: Database) -> TestClient:
    return TestClient(create_app(db))


def _token(client: TestClient) -> dict[str, str]:
    token = client.post("/api/auth/login", json={"username": "admin", "password": "admin-password"}).json()[
        "token"
    ]
    return {"Authorization": f"Bearer {token}"}


def test_api_submit_correct_accept_and_duplicate(
    db: Database, admin: Actor, company: str, client: TestClient
) -> None:
    base = f"/api/companies/{company}/intake/invoices"
    assert client.get(base).status_code == 401
    h = _token(client)
    r = client.put(f"/api/companies/{company}/tax-id", headers=h, json={"tax_id": b.BUYER_ID[:-1] + "0"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "masterdata.invalid_tax_id"
    r = client.put(f"/api/companies/{company}/tax-id", headers=h, json={"tax_id": b.BUYER_ID})
    assert r.status_code == 200 and r.json()["tax_id"] == b.BUYER_ID
    bad_words = b.sdp_xml(words="壹仟圆整").encode()
    r = client.post(base, headers=h, files={"file": ("sdp.xml", bad_words, "application/xml")})
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["status"] == "queued"
    assert [x["id"] for x in client.get(base, headers=h).json()] == [got["id"]]
    r = client.post(base + f"/{got['id']}/correct", headers=h, json={"changes": {"total_with_tax": "abc"}})
    assert r.status_code == 422 and r.json()["error"]["code"] == "intake.invalid_correction"
    r = client.post(base + f"/{got['id']}/accept", headers=h)
    assert r.status_code == 422 and r.json()["error"]["code"] == "intake.checks_failed"
    r = client.post(
        base + f"/{got['id']}/correct", headers=h, json={"changes": {"total_in_words": "壹仟零陆拾圆整"}}
    )
    assert r.status_code == 200 and r.json()["corrections"][0]["to"] == "壹仟零陆拾圆整"
    r = client.post(base + f"/{got['id']}/accept", headers=h)
    assert r.status_code == 200 and r.json()["status"] == "drafted"
    assert client.get(base + f"/{got['id']}/image", headers=h).status_code == 404  # XML: no page image
    again = client.post(base, headers=h, files={"file": ("again.xml", bad_words, "application/xml")})
    assert again.status_code == 409 and again.json()["error"]["code"] == "intake.duplicate_invoice"
    bomb = client.post(
        base, headers=h, files={"file": ("bomb.png", png_claiming(40_000, 40_000), "image/png")}
    )
    assert bomb.status_code == 413 and bomb.json()["error"]["code"] == "intake.image_too_large"
    assert client.get(base + "?status=all", headers=h).json()[0]["status"] == "drafted"


def test_web_inbox_review_screen_and_decisions(
    db: Database, admin: Actor, company: str, client: TestClient
) -> None:
    review.set_company_tax_id(UnitOfWork(db, admin), company, b.BUYER_ID)
    r = client.post(
        "/login", data={"username": "admin", "password": "admin-password"}, follow_redirects=False
    )
    assert r.status_code == 303
    client.cookies.set("yecai_company", company)
    client.cookies.set("yecai_lang", "zh_CN")
    inbox = client.get("/intake/invoices")
    assert inbox.status_code == 200 and "发票收件箱" in inbox.text and 'href="/intake/invoices"' in inbox.text
    r = client.post(
        "/intake/invoices/upload",
        files={"files": ("inv.xml", b.FP_XML.encode(), "application/xml")},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    detail = client.get(r.headers["location"])
    assert detail.status_code == 200
    # a new supplier: it waits, the fields are shown with their confidence and the proposal
    assert (
        'data-reason="new_supplier"' in detail.text
        and 'name="f_invoice_number" value="12345678"' in detail.text
    )
    assert 'data-check="amount_in_words"' in detail.text
    inv_id = int(r.headers["location"].rsplit("/", 1)[1])
    r = client.post(
        f"/intake/invoices/{inv_id}/correct",
        data={"f_remarks": "合同号 HT-7 已核对", "l1_amount": "600.00", "category_1": "办公费"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    shown = review.show(UnitOfWork(db, admin), company, inv_id)
    assert shown["fields"]["remarks"] == "合同号 HT-7 已核对"
    assert shown["proposal"]["lines"][0]["category"] == "办公费"
    r = client.post(f"/intake/invoices/{inv_id}/correct", data={"f_total_with_tax": "x1"})
    assert r.status_code == 422 and "x1" in r.text  # refused on the page, nothing written
    r = client.post(f"/intake/invoices/{inv_id}/accept", follow_redirects=False)
    assert r.status_code == 303 and "done=accept" in r.headers["location"]
    page = client.get(r.headers["location"])
    assert "已生成采购发票草稿" in page.text or "drafted" in page.text
    assert "没有匹配的采购订单" in page.text  # the note in the page's language
    client.cookies.set("yecai_lang", "en")
    assert "no purchase order fits" in client.get(f"/intake/invoices/{inv_id}").text
    client.cookies.set("yecai_lang", "zh_CN")
    # the category the person chose is remembered for the next invoice with that item
    second = review.submit(UnitOfWork(db, admin), company, b.sdp_xml().encode(), "b.xml")
    assert second["status"] == "drafted"
    third_xml = b.FP_XML.replace("12345678", "87654321").replace("2025年03月05日", "2025年03月06日")
    third = review.submit(UnitOfWork(db, admin), company, third_xml.encode(), "c.xml")
    assert third["proposal"]["lines"][0]["category"] == "办公费"


def test_cli_invoice_queue_show_correct_accept(
    db: Database, admin: Actor, company: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from yecai.cli.main import app

    monkeypatch.setenv("YECAI_DATABASE_URL", db.url)
    monkeypatch.setenv("YECAI_LANG", "en")
    runner = CliRunner()

    def cli(*args: str) -> tuple[int, str, str]:
        r = runner.invoke(app, ["--user", "admin", *args])
        return r.exit_code, r.stdout, r.stderr

    code, out, err = cli("intake", "set-tax-id", b.BUYER_ID, "--company", company)
    assert code == 0, err
    (tmp_path / "a.xml").write_text(b.sdp_xml(words="壹圆整"), encoding="utf-8")
    code, out, err = cli("intake", "invoice", str(tmp_path / "a.xml"), "--company", company, "-f", "json")
    assert code == 0, err
    got = json.loads(out.splitlines()[0])
    assert got["status"] == "queued" and any("大写" in r for r in got["reasons"])
    code, out, _err = cli("intake", "queue", "--company", company, "-f", "json")
    assert [r["id"] for r in json.loads(out)] == [got["id"]]
    code, out, _err = cli("intake", "show", str(got["id"]), "--company", company)
    assert code == 0 and "amount_in_words" in out
    code, out, err = cli(
        "intake",
        "correct",
        str(got["id"]),
        "--company",
        company,
        "--set",
        "total_in_words=壹仟零陆拾圆整",
        "-f",
        "json",
    )
    assert code == 0, err
    code, out, err = cli("intake", "accept", str(got["id"]), "--company", company, "-f", "json")
    assert code == 0 and json.loads(out)["status"] == "drafted"
    code, out, _err = cli("intake", "show", str(got["id"]), "--company", company)
    assert code == 0 and "no purchase order fits" in out  # the note in the CLI's language
    code, out, err = cli("intake", "invoice", str(tmp_path / "a.xml"), "--company", company)
    assert code == 2 and "intake.duplicate_invoice" in err
    code, out, err = cli("intake", "accept", "99999", "--company", company)
    assert code == 2 and "not_found" in err
