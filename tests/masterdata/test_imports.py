"""Master data import: per-row report (file, row, column, code), duplicates and bad tax ids,
GBK CSV and XLSX, all-or-nothing, dry run, the CLI report file."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import make_company
from yecai.ledger.importer import MissingColumns
from yecai.masterdata import service as md
from yecai.masterdata.imports import import_items, import_parties
from yecai.store.db import Database
from yecai.store.uow import Actor, UnitOfWork

TAX_ID = "91110000600037341L"


def test_customers_per_row_report_and_gbk(db: Database, admin: Actor, tmp_path: Path) -> None:
    c = make_company(db, admin)
    f = tmp_path / "customers.csv"
    f.write_bytes(
        (
            "code,name,tax_id,credit_days,credit_limit\n"
            f"C1,华东商贸,{TAX_ID},30,5000\n"
            "C2,西南百货,91110000600037341X,,\n"
            "C1,重复,,,\n"
            "C3,北方,,abc,\n"
            "C4,南方,,,\n"
        ).encode("gbk")
    )
    s = import_parties(UnitOfWork(db, admin), c, "customer", f)
    assert (s.imported, s.rejected, s.created) == (2, 3, ["C1", "C4"])
    assert [(i.row, i.column, i.code) for i in sorted(s.issues, key=lambda i: i.row or 0)] == [
        (3, "tax_id", "masterdata.invalid_tax_id"),
        (4, "code", "conflict"),
        (5, "credit_days", "import.invalid_number"),
    ]
    assert all(i.file == "customers.csv" for i in s.issues)
    view = md.get_party(UnitOfWork(db, admin), c, "customer", "C1")
    assert (view.name, view.credit_days, view.credit_limit) == ("华东商贸", 30, "5000.00")


def test_all_or_nothing_and_dry_run(db: Database, admin: Actor, tmp_path: Path) -> None:
    c = make_company(db, admin)
    f = tmp_path / "suppliers.csv"
    f.write_text("code,name\nS1,江南制造\nS2,北方钢铁\nS1,again\n", encoding="utf-8")
    s = import_parties(UnitOfWork(db, admin), c, "supplier", f, all_or_nothing=True)
    assert (s.imported, s.ok) == (0, False) and [(i.row, i.code) for i in s.issues] == [(4, "conflict")]
    assert md.list_parties(UnitOfWork(db, admin), c, "supplier") == []
    f.write_text("code,name\nS1,江南制造\nS2,北方钢铁\n", encoding="utf-8")
    s = import_parties(UnitOfWork(db, admin), c, "supplier", f, dry_run=True)
    assert s.ok and s.imported == 0 and md.list_parties(UnitOfWork(db, admin), c, "supplier") == []
    s = import_parties(UnitOfWork(db, admin), c, "supplier", f, all_or_nothing=True)
    assert s.ok and s.created == ["S1", "S2"]
    f.write_text("code,title\nS1,x\n", encoding="utf-8")
    with pytest.raises(MissingColumns):
        import_parties(UnitOfWork(db, admin), c, "supplier", f)


def test_items_xlsx_and_cli(
    db: Database, admin: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openpyxl import Workbook

    from yecai.cli.main import app

    c = make_company(db, admin)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in (
        ("code", "name", "unit", "category", "tax_rate", "kind"),
        ("A", "电机", "台", "产成品", "13%", "stock"),
        ("SV", "安装服务", "次", "服务", 0.06, "service"),
        ("B", "坏税率", "个", "", "0.07", ""),
        ("C", "坏类型", "个", "", "", "goods"),
    ):
        ws.append(row)
    f = tmp_path / "items.xlsx"
    wb.save(f)
    s = import_items(UnitOfWork(db, admin), c, f)
    assert s.created == ["A", "SV"]
    assert [(i.row, i.column, i.code) for i in s.issues] == [
        (4, "tax_rate", "masterdata.invalid_tax_rate"),
        (5, "kind", "masterdata.invalid_item_kind"),
    ]
    rates = {i["code"]: i["tax_rate"] for i in md.list_items(UnitOfWork(db, admin), c)}
    assert rates == {"A": "0.13", "SV": "0.06"}

    monkeypatch.setenv("YECAI_DATABASE_URL", db.url)
    monkeypatch.setenv("YECAI_LANG", "en")
    report = tmp_path / "report.csv"
    r = CliRunner().invoke(app, ["item", "import", str(f), "-c", c, "--report", str(report)])
    assert r.exit_code == 2
    with report.open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["file", "row", "column", "code", "message"]
    assert [(x[1], x[2], x[3]) for x in rows[1:]] == [
        ("2", "code", "conflict"),
        ("3", "code", "conflict"),
        ("4", "tax_rate", "masterdata.invalid_tax_rate"),
        ("5", "kind", "masterdata.invalid_item_kind"),
    ]
    good = tmp_path / "c.csv"
    good.write_text("code,name\nK1,客户一\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["customer", "import", str(good), "-c", c])
    assert r.exit_code == 0 and "Imported: 1" in r.stdout
