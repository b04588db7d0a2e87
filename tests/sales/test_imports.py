"""Sales order import: rows grouped by order_no, the per-row report, all-or-nothing, --confirm
delivering from warehouse_code, the CLI and the upload endpoint."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.sales.books import setup_books
from yecai.sales import service as sales
from yecai.sales.imports import import_orders
from yecai.store.db import Database
from yecai.store.uow import Actor

HEADER = "order_no,date,customer_code,item_code,quantity,unit_price,tax_code,price_includes_tax,warehouse_code,remark\n"


def test_orders_grouped_and_reported(db: Database, admin: Actor, tmp_path: Path) -> None:
    b = setup_books(db, admin)
    f = tmp_path / "orders.csv"
    f.write_bytes(
        (
            HEADER
            + "X1,2025-03-03,C1,A,12,226,,是,W1,首单\n"
            + "X1,2025-03-03,C1,SV,1,106,OUT6,,,\n"
            + "X2,2025/3/4,C2,A,2,100,,否,W1,\n"
            + "X3,2025-03-05,C9,A,1,1,,,W1,\n"  # unknown customer
            + "X4,2025-03-05,C1,A,-1,1,,,W1,\n"  # bad quantity
            + "X4,2025-03-06,C1,ZZ,1,1,,,W1,\n"  # date differs from its first row
            + "X5,2025-03-05,C1,ZZ,1,1,,,W1,\n"  # unknown item (the service says so)
        ).encode("gbk")
    )
    s = import_orders(b.uow(), b.company, f)
    assert (s.imported, s.rejected) == (2, 3) and s.created == ["SO-2025-0001", "SO-2025-0002"]
    got = sorted((i.row, i.column, i.code) for i in s.issues)
    assert got == [
        (5, "customer_code", "not_found"),
        (6, "quantity", "inventory.invalid_quantity"),
        (7, "date", "import.order_rows_differ"),
        (8, "item_code", "not_found"),
    ]
    o1, o2 = sales.list_orders(b.uow(), b.company)
    assert (o1["customer"], o1["total"], len(o1["lines"]), o1["lines"][1]["tax_code"]) == (
        "C1",
        "2818.00",
        2,
        "OUT6",
    )
    assert (o2["customer"], o2["prices_include_tax"], o2["total"]) == ("C2", False, "226.00")


def test_all_or_nothing_and_confirm(db: Database, admin: Actor, tmp_path: Path) -> None:
    b = setup_books(db, admin)
    f = tmp_path / "orders.csv"
    f.write_text(
        HEADER + "X1,2025-03-03,C1,A,2,226,,,W1,\nX2,2025-03-03,C1,A,1,abc,,,W1,\n", encoding="utf-8"
    )
    s = import_orders(b.uow(), b.company, f, all_or_nothing=True)
    assert s.imported == 0 and [(i.row, i.column) for i in s.issues] == [(3, "unit_price")]
    assert sales.list_orders(b.uow(), b.company) == []
    f.write_text(HEADER + "X1,2025-03-03,C1,A,2,226,,,W1,\nX2,2025-03-03,C2,A,30,1,,,W1,\n", encoding="utf-8")
    s = import_orders(b.uow(), b.company, f, all_or_nothing=True, confirm=True)  # 30 > 20 on hand
    assert s.imported == 0 and [(i.row, i.code) for i in s.issues] == [(3, "inventory.negative_stock")]
    assert sales.list_orders(b.uow(), b.company) == [] and sales.list_deliveries(b.uow(), b.company) == []
    f.write_text(HEADER + "X1,2025-03-03,C1,A,2,226,,,W1,\n", encoding="utf-8")
    s = import_orders(b.uow(), b.company, f, confirm=True)
    assert s.ok and [d["cost"] for d in sales.list_deliveries(b.uow(), b.company)] == ["230.00"]


def test_cli_and_upload(db: Database, admin: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi.testclient import TestClient

    from yecai.api import app as api_app
    from yecai.api.app import create_app
    from yecai.cli.main import app
    from yecai.masterdata import imports
    from yecai.security import service as security

    b = setup_books(db, admin)
    monkeypatch.setenv("YECAI_DATABASE_URL", db.url)
    monkeypatch.setenv("YECAI_LANG", "en")
    f = tmp_path / "orders.csv"
    f.write_text(HEADER + "X1,2025-03-03,C1,A,2,226,,,,\nX2,2025-03-03,C1,A,1,1,OUT99,,,\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["sales", "order", "import", str(f), "-c", b.company, "--dry-run"])
    assert r.exit_code == 2 and "Dry run" in r.stdout and "OUT99" in r.output
    assert sales.list_orders(b.uow(), b.company) == []

    monkeypatch.setattr(api_app, "ROUTERS", ("yecai.masterdata.api_import",))
    token, _user = security.login(db, "admin", "admin-password", kind="api", source="test")
    client = TestClient(create_app(db))
    client.headers["Authorization"] = f"Bearer {token}"
    url = f"/api/companies/{b.company}/sales/orders/import"
    r = client.post(url, files={"file": ("orders.csv", f.read_bytes(), "text/csv")})
    body = r.json()
    assert r.status_code == 200 and body["created"] == ["SO-2025-0001"]
    assert [(e["row"], e["column"], e["code"]) for e in body["errors"]] == [(3, "tax_code", "not_found")]
    monkeypatch.setattr(imports, "UPLOAD_BYTES_MAX", 100)
    r = client.post(url, files={"file": ("orders.csv", b"x" * 200, "text/csv")})
    assert r.status_code == 413 and r.json()["error"]["code"] == "import.too_large"
