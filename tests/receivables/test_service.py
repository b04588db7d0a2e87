"""Open items from the sales documents, the payer memory, and the batch CLI contract, on a real
database (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.sales.books import Books, setup_books
from yecai.core.errors import ValidationFailed
from yecai.receivables import service
from yecai.receivables.domain.matching import BankReceipt, match
from yecai.sales import service as sales
from yecai.store.db import Database
from yecai.store.uow import Actor

BANK_HEADER = "txn_id,date,amount,currency,payer_name,payer_account,remark"
ITEMS_HEADER = "item_id,customer_code,customer_name,doc_no,date,due_date,open_amount,currency"


def invoice(b: Books, customer: str, qty: str, price: str, day: str = "2025-03-05") -> dict:
    """Order, deliver and invoice ``qty`` of item A at ``price`` (VAT included); returns the invoice."""
    o = sales.create_order(
        b.uow(),
        b.company,
        customer=customer,
        day=date.fromisoformat(day),
        lines=[{"item": "A", "qty": qty, "unit_price": price}],
    )
    sales.create_delivery(b.uow(), b.company, order_id=o["id"], day=date.fromisoformat(day), warehouse="W1")
    return sales.create_invoice(
        b.uow(), b.company, customer=customer, day=date.fromisoformat(day), orders=[o["id"]]
    )


def test_open_items_are_posted_invoices_less_receipts(db: Database, admin: Actor) -> None:
    b = setup_books(db, admin)
    i1 = invoice(b, "C1", "2", "113.00")
    i2 = invoice(b, "C2", "1", "226.00")
    sales.create_receipt(
        b.uow(), b.company, customer="C1", day=date(2025, 3, 9), amount="100.00", invoice_id=i1["id"]
    )
    items = {it.item_id: it for it in service.open_items(b.uow(), b.company)}
    assert set(items) == {i1["no"], i2["no"]}
    assert items[i1["no"]].open_minor == 12600 and items[i1["no"]].customer_code == "C1"
    assert items[i2["no"]].open_minor == 22600 and items[i2["no"]].customer_name == "西南百货"
    sales.create_receipt(
        b.uow(), b.company, customer="C2", day=date(2025, 3, 9), amount="226.00", invoice_id=i2["id"]
    )
    assert [it.item_id for it in service.open_items(b.uow(), b.company)] == [i1["no"]]


def test_a_confirmed_correction_is_used_next_time(db: Database, admin: Actor) -> None:
    b = setup_books(db, admin, receipts=True)
    i1 = invoice(b, "C1", "1", "339.00")
    i2 = invoice(b, "C2", "1", "339.00")  # the same amount: only the payer tells them apart
    r = BankReceipt("T1", date(2025, 4, 1), 33900, "CNY", "王老板", "6222 0200 1234 5678", "货款")

    def proposal() -> tuple[str | None, bool]:
        items = service.open_items(b.uow(), b.company)
        (p,) = match([r], items, service.load_memory(b.uow(), b.company))
        return (p.applications[0].item_id if p.applications else None), p.auto

    assert proposal() == (None, False)  # a person, two invoices for the amount: nothing to say
    service.confirm_match(b.uow(), b.company, customer="C1", payer_account="6222020012345678")
    assert proposal() == (i1["no"], True)
    # The clerk corrects: this account is C2's boss, not C1's.
    service.correct_match(b.uow(), b.company, customer="C2", payer_account="6222-0200-1234-5678")
    assert proposal() == (i2["no"], True)
    memory = service.load_memory(b.uow(), b.company)
    assert memory.accounts == {"6222020012345678": frozenset({"C2"})}


def test_bad_bank_file_is_refused_with_row_and_field(tmp_path: Path) -> None:
    bank = tmp_path / "bank.csv"
    bank.write_text(
        BANK_HEADER + "\nT1,2025-07-01,abc,CNY,x,,\nT1,2025-07-01,1.00,CNY,x,,\nT3,2025-13-01,1.00,CNY,x,,\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed) as e:
        service.read_bank_file(bank)
    assert [(x.code, x.row, x.field) for x in e.value.errors] == [
        ("money.invalid_amount", 2, "amount"),
        ("receivables.duplicate_id", 3, "txn_id"),
        ("receivables.invalid_date", 4, "date"),
    ]


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def test_cli_contract_files(tmp_path: Path) -> None:
    from yecai.cli.main import app

    bank = tmp_path / "bank.csv"
    items = tmp_path / "items.csv"
    out = tmp_path / "matches.csv"
    # GBK, as Chinese Excel saves it.
    bank.write_bytes(
        (
            BANK_HEADER + "\n"
            "B1,2025-07-01,1130.00,CNY,上海华东商贸有限公司,,付INV-2025-0012货款\n"
            "B2,2025-07-02,300.00,CNY,远航电子,,INV-2025-0013、0014\n"
            "B3,2025-07-03,12.34,CNY,中国工商银行,,结息\n"
        ).encode("gbk")
    )
    items.write_text(
        ITEMS_HEADER + "\n"
        "I12,C1,上海华东商贸有限公司,INV-2025-0012,2025-03-01,2025-04-01,1130.00,CNY\n"
        "I13,C2,北京远航电子有限公司,INV-2025-0013,2025-03-02,2025-04-02,100.00,CNY\n"
        "I14,C2,北京远航电子有限公司,INV-2025-0014,2025-03-03,2025-04-03,200.00,CNY\n",
        encoding="utf-8",
    )
    r = CliRunner().invoke(
        app, ["receivables", "match", "--bank", str(bank), "--open-items", str(items), "--out", str(out)]
    )
    assert r.exit_code == 0, r.output
    header, rows = _read(out)
    assert header == ["txn_id", "item_id", "applied_amount", "confidence", "auto"]
    # One row per application; the interest receipt B3 has none.
    assert [(x["txn_id"], x["item_id"], x["applied_amount"], x["auto"]) for x in rows] == [
        ("B1", "I12", "1130.00", "true"),
        ("B2", "I13", "100.00", "true"),
        ("B2", "I14", "200.00", "true"),
    ]
    assert all(0 < float(x["confidence"]) <= 1 for x in rows)
    r = CliRunner().invoke(
        app,
        ["receivables", "match", "--bank", str(bank), "--open-items", str(items), "--out", str(out)]
        + ["--threshold", "1"],
    )
    assert r.exit_code == 0 and {x["auto"] for x in _read(out)[1]} == {"false"}
    r = CliRunner().invoke(app, ["receivables", "match", "--bank", str(bank), "--out", str(out)])
    assert r.exit_code == 2 and "receivables.open_items_source_required" in r.output


def test_cli_uses_the_company_open_items_and_memory(
    db: Database, admin: Actor, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from yecai.cli.main import app

    monkeypatch.setenv("YECAI_DATABASE_URL", db.url)
    monkeypatch.setenv("YECAI_LANG", "en")
    b = setup_books(db, admin)
    i1 = invoice(b, "C1", "3", "113.00")
    i2 = invoice(b, "C2", "1", "150.00")
    bank = tmp_path / "bank.csv"
    bank.write_text(
        BANK_HEADER + "\n"
        f"B1,2025-07-01,339.00,CNY,华东商贸,,{i1['no']}\n"
        "B2,2025-07-02,150.00,CNY,李四,6222000099998888,转账\n",
        encoding="utf-8",
    )
    out = tmp_path / "m.csv"
    runner = CliRunner()
    args = ["--user", "admin", "receivables", "match", "--bank", str(bank), "--company", b.company]
    r = runner.invoke(app, [*args, "--out", str(out)])
    assert r.exit_code == 0, r.output
    rows = _read(out)[1]
    assert [(x["txn_id"], x["item_id"], x["auto"]) for x in rows] == [
        ("B1", i1["no"], "true"),
        ("B2", i2["no"], "false"),  # the amount alone: for review
    ]
    r = runner.invoke(
        app,
        ["--user", "admin", "receivables", "confirm", "-c", b.company, "--customer", "C2"]
        + ["--payer-account", "6222000099998888"],
    )
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, [*args, "--out", str(out)])
    assert [(x["txn_id"], x["item_id"], x["auto"]) for x in _read(out)[1]][1] == ("B2", i2["no"], "true")
