"""Vendor bills (采购发票) through the import wizard, on SQLite and PostgreSQL: the 进项发票 list of
the tax bureau's platform (GBK CSV) mapped by its own header with a default category and
department; voided and reversed invoices, unknown suppliers, invoices twice in the file or already
billed refused per row; the preview writes nothing; an XLSX of lines over a received order and
lines without one, posted with --post; the CLI, its report CSV and the API."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.conftest import make_user
from tests.purchasing.books import D, po, setup_books
from yecai.intake import etl
from yecai.ledger import service as ledger
from yecai.masterdata import service as md
from yecai.purchasing import service as purchasing
from yecai.store.db import Database
from yecai.store.uow import Actor

TAX_ID = "91110000600037341L"
# 电子税务局 → 发票查询 → 进项发票 export, as downloaded (GBK)
HEADER = (
    "序号,发票代码,发票号码,销方识别号,销方名称,购方识别号,开票日期,金额,税额,价税合计,发票状态,发票票种,备注"
)
TAX_LIST = HEADER + (
    f"\n1,,25312000000000000001,{TAX_ID},上海物业管理有限公司,,2025-03-05,10000.00,900.00,10900.00,正常,数电专票,3月房租"
    f"\n2,,25312000000000000002,{TAX_ID},上海物业管理有限公司,,2025-03-06,500.00,65.00,565.00,作废,数电专票,"
    '\n3,,25312000000000000003,,华北材料 有限公司,,2025/3/7,"1,000.00",130.00,"1,130.00",正常,数电普票,'
    f"\n4,,25312000000000000001,{TAX_ID},上海物业管理有限公司,,2025-03-05,10000.00,900.00,10900.00,正常,数电专票,3月房租"
    "\n5,,25312000000000000004,,不存在的公司,,2025-03-08,100.00,6.00,106.00,正常,数电专票,"
    f"\n6,,25312000000000000005,{TAX_ID},上海物业管理有限公司,,2025-03-09,200.00,18.00,218.00,正常,数电专票,"
    f"\n7,,25312000000000000006,{TAX_ID},上海物业管理有限公司,,2025-03-10,300.00,27.00,327.00,已红冲,数电专票,"
    "\n"
)
DEFAULTS = {"category": "租赁费", "department": "ADM"}


def _books(db: Database, admin: Actor) -> Any:
    b = setup_books(db, admin)
    ledger.add_dimension_values(
        b.uow(), b.company, [("department", "ADM", "行政部"), ("project", "P1", "新厂房")]
    )
    md.create_party(b.uow(), b.company, "supplier", code="S3", name="上海物业管理有限公司", tax_id=TAX_ID)
    # invoice …0005 of S3 is already billed
    purchasing.create_bill(
        b.uow(),
        b.company,
        supplier="S3",
        day=D("2025-03-09"),
        lines=[{"category": "租赁费", "department": "ADM", "net": "200", "tax_code": "IN9"}],
        invoice_no="25312000000000000005",
        post=False,
    )
    return b


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    f = tmp_path / name
    f.write_bytes(text.encode(encoding))
    return f


def test_the_tax_bureau_list_of_input_invoices_becomes_draft_bills(
    db: Database, admin: Actor, tmp_path: Path
) -> None:
    b = _books(db, admin)
    f = _write(tmp_path, "进项发票.csv", TAX_LIST, "gbk")
    p = etl.preview(b.uow(), b.company, "vendor_bill", f, defaults=DEFAULTS)
    assert p.mapping == {
        "发票号码": "invoice_no",
        "销方识别号": "supplier_tax_id",
        "销方名称": "supplier_name",
        "开票日期": "date",
        "金额": "net",
        "税额": "tax",
        "价税合计": "total",
        "发票状态": "status",
        "备注": "description",
    }
    assert {(i.row, i.column, i.code) for i in p.problems} == {
        (3, "发票状态", "etl.invoice_void"),  # 作废
        (5, "发票号码", "etl.duplicate_in_file"),  # …0001 again
        (6, "销方名称", "etl.unknown_supplier"),
        (7, "发票号码", "etl.invoice_already_billed"),
        (8, "发票状态", "etl.invoice_void"),  # 已红冲
    }
    assert (p.rows, p.rejected, p.imported) == (7, 5, 0)
    assert len(purchasing.list_bills(b.uow(), b.company)) == 1  # the preview wrote nothing
    void = next(i for i in p.problems if i.row == 3)
    assert "25312000000000000002" in void.message and "作废" in void.message

    r = etl.run(b.uow(), b.company, "vendor_bill", f, defaults=DEFAULTS, source="电子税务局")
    assert (r.imported, r.rejected) == (2, 5)
    bills = {x["invoice_no"]: x for x in purchasing.list_bills(b.uow(), b.company)}
    rent = purchasing.get_bill(b.uow(), b.company, bills["25312000000000000001"]["id"])
    assert (rent["supplier"], rent["status"], rent["net"], rent["tax"], rent["total"]) == (
        "S3",
        "draft",
        "10000.00",
        "900.00",
        "10900.00",
    )
    ln = rent["lines"][0]
    assert (ln["category"], ln["department"], ln["tax_code"], ln["description"]) == (
        "租赁费",
        "ADM",
        "IN9",
        "3月房租",
    )
    other = purchasing.get_bill(b.uow(), b.company, bills["25312000000000000003"]["id"])
    assert (other["supplier"], other["date"], other["lines"][0]["tax_code"]) == ("S2", "2025-03-07", "IN13")

    # the same list again: every invoice is billed now, the source remembers its defaults
    again = etl.preview(b.uow(), b.company, "vendor_bill", f, source="电子税务局")
    assert again.defaults == DEFAULTS
    assert {i.code for i in again.problems if i.row in (2, 4)} == {"etl.invoice_already_billed"}
    assert again.rejected == 7


def test_bills_over_a_received_order_and_without_one_from_xlsx_posted(
    db: Database, admin: Actor, tmp_path: Path
) -> None:
    b = _books(db, admin)
    o = po(b, ("R", "10", "10"), ("A", "2", "100"))
    purchasing.create_receipt(b.uow(), b.company, order_id=o["id"], day=D("2025-03-02"), warehouse="W1")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(
        [
            "发票号码",
            "开票日期",
            "供应商编码",
            "订单号",
            "存货编码",
            "数量",
            "单价",
            "税率",
            "费用类别",
            "部门",
            "项目",
            "金额",
            "税额",
            "价税合计",
        ]
    )
    ws.append(["INV-1", "2025-03-05", "S1", o["no"], "R", 10, 10, "13%", None, None, None, None, None, None])
    ws.append(
        ["INV-1", "2025-03-05", "S1", None, None, None, None, "9%", "运输费", "ADM", "P1", 50, None, None]
    )
    ws.append(
        ["INV-2", "2025-03-06", "S1", o["no"], "A", None, None, None, None, None, None, None, None, None]
    )
    ws.append(
        ["INV-3", "2025-03-06", "S1", None, None, None, None, "6%", "买飞机", "ADM", None, 10, None, None]
    )
    ws.append(["INV-4", "2025-03-06", "S1", "PO-NONE", "R", 1, 10, None, None, None, None, None, None, None])
    ws.append(
        ["INV-5", "2025-03-06", "S1", None, None, None, None, None, "办公费", "ADM", None, 10, None, None]
    )
    ws.append(
        ["INV-1", "2025-03-07", "S1", None, None, None, None, "6%", "中介服务费", "ADM", None, 1, None, None]
    )
    f = tmp_path / "采购发票.xlsx"
    wb.save(f)
    r = etl.run(b.uow(), b.company, "vendor_bill", f, post=True)
    assert {(i.row, i.column, i.code) for i in r.problems} == {
        (5, "费用类别", "expenses.invalid_category"),
        (6, "订单号", "not_found"),
        (7, "税率", "etl.tax_rate_unknown"),  # no rate, no tax: nothing to tell it from
        (8, "发票号码", "etl.duplicate_in_file"),  # INV-1 again, after other invoices
    }
    assert (r.imported, r.rejected) == (2, 4)
    bills = {x["invoice_no"]: x for x in purchasing.list_bills(b.uow(), b.company)}
    one = purchasing.get_bill(b.uow(), b.company, bills["INV-1"]["id"])
    assert one["status"] == "posted"
    assert [(ln["net"], ln["tax_code"]) for ln in one["lines"]] == [("100.00", "IN13"), ("50.00", "IN9")]
    two = purchasing.get_bill(b.uow(), b.company, bills["INV-2"]["id"])
    assert (two["status"], two["net"], two["lines"][0]["qty"]) == ("posted", "200.00", "2")  # all received


def test_refusals_of_the_whole_file_and_the_shells(
    db: Database, admin: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from yecai.api.app import create_app
    from yecai.cli.main import app
    from yecai.security import service as sec

    monkeypatch.setenv("YECAI_DATABASE_URL", db.url)
    monkeypatch.setenv("YECAI_LANG", "en")
    monkeypatch.setattr(sec, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    b = _books(db, admin)
    f = _write(tmp_path, "进项发票.csv", TAX_LIST, "gbk")
    # without a supplier column, or a status the service does not know, nothing is read
    no_supplier = _write(tmp_path, "x.csv", "发票号码,开票日期,金额\n1,2025-03-01,10\n")
    r = etl.preview(b.uow(), b.company, "vendor_bill", no_supplier)
    assert [(i.row, i.code) for i in r.problems] == [(2, "etl.supplier_missing")]

    runner = CliRunner()
    report = tmp_path / "report.csv"
    out = runner.invoke(
        app,
        [
            "import", "run", "vendor_bill", str(f), "--company", b.company,
            "--default", "category=租赁费", "--default", "department=ADM", "--post",
            "--report", str(report),
        ],
    )  # fmt: skip
    assert out.exit_code == 2, out.output
    assert "etl.invoice_void" in out.output
    rows = list(csv.reader(report.open(encoding="utf-8-sig")))
    assert rows[0] == ["row", "column", "type", "rule", "before", "after", "message"]
    assert ("3", "发票状态", "rejected", "etl.invoice_void") in {tuple(x[:4]) for x in rows[1:]}
    bills = [x for x in purchasing.list_bills(b.uow(), b.company) if x["invoice_no"].endswith("0001")]
    assert [x["status"] for x in bills] == ["posted"]

    client = TestClient(create_app(db))
    user = make_user(db, "finance_manager", b.company)
    login = client.post("/api/auth/login", json={"username": user.username, "password": "password-123"})
    headers = {"Authorization": f"Bearer {login.json()['token']}"}
    res = client.post(
        f"/api/companies/{b.company}/imports/vendor_bill/preview",
        files={"file": ("进项发票.csv", TAX_LIST.encode("gbk"), "text/csv")},
        data={"defaults": '{"category": "租赁费", "department": "ADM"}'},
        headers=headers,
    )
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["rejected"] == 7 and body["imported"] == 0
    assert {p["code"] for p in body["problems"]} >= {"etl.invoice_already_billed", "etl.invoice_void"}
    one = "发票号码,开票日期,供应商编码,费用类别,部门,价税合计,税率\nW-1,2025-03-12,S2,水电费,ADM,565,13%\n"
    res = client.post(
        f"/api/companies/{b.company}/imports/vendor_bill/run",
        files={"file": ("水电.csv", one.encode("utf-8"), "text/csv")},
        data={"post": "true"},
        headers=headers,
    )
    assert res.status_code == 200 and res.json()["imported"] == 1, res.text
    bill = next(x for x in purchasing.list_bills(b.uow(), b.company) if x["invoice_no"] == "W-1")
    assert (bill["status"], bill["net"], bill["tax"]) == ("posted", "500.00", "65.00")


def test_web_wizard_fills_the_category_and_posts(
    db: Database, admin: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from yecai.api.app import create_app
    from yecai.security import service as sec

    monkeypatch.setenv("YECAI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(sec, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    b = _books(db, admin)
    user = make_user(db, "finance_manager", b.company)
    client = TestClient(create_app(db))
    r = client.post(
        "/login", data={"username": user.username, "password": "password-123"}, follow_redirects=False
    )
    assert r.status_code == 303
    client.cookies.set("yecai_company", b.company)
    assert "采购发票" in client.get("/imports").text  # the kind is offered
    r = client.post(
        "/imports/preview",
        data={"kind": "vendor_bill"},
        files={"file": ("进项发票.csv", TAX_LIST.encode("gbk"), "text/csv")},
    )
    assert r.status_code == 200, r.text
    assert 'name="default:category"' in r.text and 'id="post-bills"' in r.text
    assert "purchasing.bill_line_without_kind" in r.text  # no category yet: the rows say so
    token = r.text.split('name="token" value="')[1].split('"')[0]
    form = {
        "token": token,
        "file_name": "进项发票.csv",
        "kind": "vendor_bill",
        "mapped": "1",
        "map:发票号码": "invoice_no",
        "map:销方识别号": "supplier_tax_id",
        "map:销方名称": "supplier_name",
        "map:开票日期": "date",
        "map:金额": "net",
        "map:税额": "tax",
        "map:价税合计": "total",
        "map:发票状态": "status",
        "default:category": "租赁费",
        "default:department": "ADM",
        "default:project": "",
        "post": "1",
    }
    r = client.post("/imports/preview", data=form)
    assert r.status_code == 200 and "purchasing.bill_line_without_kind" not in r.text, r.text
    assert 'value="租赁费" selected' in r.text
    r = client.post("/imports/run", data=form)
    assert r.status_code == 200 and 'id="import-result"' in r.text, r.text
    posted = [x for x in purchasing.list_bills(b.uow(), b.company) if x["status"] == "posted"]
    assert sorted(x["invoice_no"][-1] for x in posted) == ["1", "3"]
