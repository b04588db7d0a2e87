"""Sales invoices out to the invoicing software: the 开票软件 import XML (GBK) and the 数电票 batch
workbook carry exactly the posted invoices, their buyer and lines; CLI, API and the web page."""

from __future__ import annotations

from datetime import date
from xml.etree import ElementTree as ET

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from typer.testing import CliRunner

from tests.conftest import make_user
from tests.sales.books import TAX_ID, setup_books
from yecai.api.app import create_app
from yecai.core.errors import YecaiError
from yecai.intake import taxexport
from yecai.sales import service as sales
from yecai.store.db import Database
from yecai.store.uow import Actor

D = date.fromisoformat


def _parse_gbk_xml(data: bytes) -> ET.Element:
    """expat reads no GBK: decode, then parse the text without its declaration."""
    text = data.decode("gbk")
    assert text.startswith('<?xml version="1.0" encoding="GBK"?>')
    return ET.fromstring(text.split("\n", 1)[1])


PW = "password-123"


def _books(db: Database, admin: Actor) -> tuple[object, dict]:
    b = setup_books(db, admin)
    o = sales.create_order(
        b.uow(),
        b.company,
        customer="C1",
        day=D("2025-03-03"),
        prices_include_tax=False,
        lines=[
            {"item": "A", "qty": "3", "unit_price": "200.00"},
            {"item": "SV", "qty": "1", "unit_price": "50.00"},
        ],
    )
    sales.create_delivery(b.uow(), b.company, order_id=o["id"], day=D("2025-03-05"), warehouse="W1")
    inv = sales.create_invoice(b.uow(), b.company, customer="C1", day=D("2025-03-10"), orders=[o["id"]])
    return b, inv


def test_kp_xml_and_sdp_xlsx(db: Database, admin: Actor, tmp_path) -> None:  # type: ignore[no-untyped-def]
    b, inv = _books(db, admin)
    data, n, suffix = taxexport.export(b.uow(), b.company, "kp-xml", D("2025-03-01"), D("2025-03-31"))
    assert (n, suffix) == (1, ".xml") and data.startswith(b'<?xml version="1.0" encoding="GBK"?>')
    root = _parse_gbk_xml(data)
    assert root.tag == "Kp" and root.findtext("Version") == "2.0" and root.findtext("Fpxx/Zsl") == "1"
    fp = root.find("Fpxx/Fpsj/Fp")
    assert fp is not None
    assert (fp.findtext("Djh"), fp.findtext("Gfmc"), fp.findtext("Gfsh"), fp.findtext("Hsbz")) == (
        inv["no"],
        "华东商贸",
        TAX_ID,
        "0",
    )
    lines = [
        (
            s.findtext("Xh"),
            s.findtext("Spmc"),
            s.findtext("Jldw"),
            s.findtext("Sl"),
            s.findtext("Dj"),
            s.findtext("Je"),
            s.findtext("Slv"),
            s.findtext("Se"),
        )
        for s in fp.iter("Sph")
    ]
    assert lines == [
        ("1", "电机", "台", "3", "200", "600.00", "0.13", "78.00"),
        ("2", "安装服务", "次", "1", "50", "50.00", "0.06", "3.00"),
    ]
    data, n, suffix = taxexport.export(b.uow(), b.company, "sdp-xlsx", D("2025-03-01"), D("2025-03-31"))
    f = tmp_path / "x.xlsx"
    f.write_bytes(data)
    wb = load_workbook(f)
    head = list(wb["发票基本信息"].iter_rows(values_only=True))
    assert head[0][:6] == (
        "发票流水号",
        "发票类型",
        "特定业务类型",
        "是否含税",
        "购买方名称",
        "购买方纳税人识别号",
    )
    assert head[1][0] == inv["no"] and head[1][4] == "华东商贸" and head[1][-1] == pytest.approx(731.0)
    detail = list(wb["发票明细信息"].iter_rows(values_only=True))
    assert [r[1] for r in detail[1:]] == ["电机", "安装服务"] and all(r[0] == inv["no"] for r in detail[1:])
    with pytest.raises(YecaiError) as exc:
        taxexport.export(b.uow(), b.company, "kp-xml", D("2025-04-01"), D("2025-04-30"))
    assert exc.value.code == "taxexport.nothing"
    with pytest.raises(YecaiError) as exc:
        taxexport.export(b.uow(), b.company, "pdf", D("2025-03-01"), D("2025-03-31"))
    assert exc.value.code == "taxexport.unknown_format"


def test_cli_api_and_web(db: Database, admin: Actor, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from yecai.cli.main import app

    b, inv = _books(db, admin)
    monkeypatch.setenv("YECAI_DATABASE_URL", db.url)
    monkeypatch.setenv("YECAI_LANG", "en")
    out = tmp_path / "kp.xml"
    r = CliRunner().invoke(
        app,
        [
            "tax",
            "export-invoices",
            "-c",
            b.company,
            "--from",
            "2025-03-01",
            "--to",
            "2025-03-31",
            "--out",
            str(out),
        ],
    )
    assert r.exit_code == 0, r.output
    assert (
        "1 invoice(s)" in r.output
        and _parse_gbk_xml(out.read_bytes()).findtext("Fpxx/Fpsj/Fp/Djh") == inv["no"]
    )

    user = make_user(db, "accountant", b.company)
    client = TestClient(create_app(db))
    token = client.post("/api/auth/login", json={"username": user.username, "password": PW}).json()["token"]
    r = client.get(
        f"/api/companies/{b.company}/tax/invoices-export",
        params={"from": "2025-03-01", "to": "2025-03-31", "format": "sdp-xlsx"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert (
        r.status_code == 200 and r.content[:2] == b"PK" and "attachment" in r.headers["content-disposition"]
    )

    r = client.post("/login", data={"username": user.username, "password": PW}, follow_redirects=False)
    client.cookies.set("yecai_company", b.company)
    page = client.get("/sales/tax-export")
    assert page.status_code == 200 and 'id="tax-export"' in page.text and "导出到开票软件" in page.text
    r = client.get("/sales/tax-export", params={"start": "2025-03-01", "end": "2025-03-31", "go": "1"})
    assert r.status_code == 200 and r.content.startswith(b"<?xml") and b"<Djh>" in r.content
    r = client.get("/sales/tax-export", params={"start": "2025-05-01", "end": "2025-05-31", "go": "1"})
    assert r.status_code == 404 and 'id="export-error"' in r.text
