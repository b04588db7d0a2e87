"""Imports from other systems with cleaning, on SQLite and PostgreSQL: the preview writes
nothing and shows what the import will do; duplicates under two spellings are caught; the
source's mapping is remembered and its codes land on the same records next time; opening
balances become one balanced draft voucher."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import make_company
from yecai.core.errors import YecaiError
from yecai.intake import etl
from yecai.ledger import service as ledger
from yecai.masterdata import service as md
from yecai.store.db import Database
from yecai.store.uow import Actor, UnitOfWork

TAX_ID = "91110000600037341L"
CUSTOMERS = (
    "客户编码,客户名称,纳税人识别号,开户银行,银行账号,账期,信用额度,备注\n"
    f" KH001 ,华东 商贸 (上海) 有限公司,{TAX_ID.lower()},工商银行,6222 0210 0101 2345,30天,5万元,老客户\n"
    'KH002,西南百货,,,,45,"1,000.00",\n'
    "KH003,华东商贸（上海）,,,,,,同一家公司的简称\n"
    "KH004,北方钢铁,91110000600037341X,,,,,税号错\n"
    "KH002,重复编码,,,,,,\n"
)


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    f = tmp_path / name
    f.write_bytes(text.encode(encoding))
    return f


def test_preview_writes_nothing_and_run_imports_the_clean_rows(
    db: Database, admin: Actor, tmp_path: Path
) -> None:
    c = make_company(db, admin)
    f = _write(tmp_path, "客户.csv", CUSTOMERS, "gbk")
    p = etl.preview(UnitOfWork(db, admin), c, "customer", f, source="用友U8")
    assert p.mapping == {
        "客户编码": "code",
        "客户名称": "name",
        "纳税人识别号": "tax_id",
        "开户银行": "bank_name",
        "银行账号": "bank_account",
        "账期": "credit_days",
        "信用额度": "credit_limit",
    }
    assert p.unmapped == ["备注"]
    assert {(i.row, i.column, i.code) for i in p.problems} == {
        (4, "客户名称", "etl.possible_duplicate"),  # 华东商贸（上海） = 华东商贸（上海）有限公司 of row 2
        (5, "纳税人识别号", "masterdata.invalid_tax_id"),
        (6, "客户编码", "etl.duplicate_in_file"),
    }
    assert p.rejected == 3 and p.imported == 0 and p.actions == {"create": 2}
    assert ("2:客户名称", "华东 商贸 (上海) 有限公司", "华东商贸（上海）有限公司") in {
        (ch.key, ch.before, ch.after) for ch in p.changes
    }
    assert md.list_parties(UnitOfWork(db, admin), c, "customer") == []
    assert etl.list_profiles(UnitOfWork(db, admin), c) == []  # a preview saves nothing either

    r = etl.run(UnitOfWork(db, admin), c, "customer", f, source="用友U8")
    assert (r.imported, r.rejected, r.created) == (2, 3, ["KH001", "KH002"])
    v = md.get_party(UnitOfWork(db, admin), c, "customer", "KH001")
    assert (v.name, v.tax_id, v.bank_account, v.credit_days, v.credit_limit) == (
        "华东商贸（上海）有限公司",
        TAX_ID,
        "6222021001012345",
        30,
        "50000.00",
    )
    report = r.report_rows("zh_CN")
    assert {"row", "column", "type", "rule", "before", "after", "message"} == set(report[0])
    assert any(x["type"] == "rejected" and x["row"] == 5 for x in report)


def test_keep_duplicates_and_undo(db: Database, admin: Actor, tmp_path: Path) -> None:
    c = make_company(db, admin)
    f = _write(tmp_path, "c.csv", "编码,名称\nA1,江南 制造\nA2,江南制造有限公司\n")
    p = etl.preview(UnitOfWork(db, admin), c, "customer", f)
    assert [i.code for i in p.problems] == ["etl.possible_duplicate"]
    r = etl.run(UnitOfWork(db, admin), c, "customer", f, keep_duplicates=True, undo=["2:名称"])
    assert r.imported == 2
    assert md.get_party(UnitOfWork(db, admin), c, "customer", "A1").name == "江南 制造"
    # a duplicate of a customer already in the books, under another code
    f2 = _write(tmp_path, "c2.csv", "编码,名称\nB9,江南制造\n")
    p = etl.preview(UnitOfWork(db, admin), c, "customer", f2)
    assert [(i.code, "A1 江南 制造、A2 江南制造有限公司" in i.message) for i in p.problems] == [
        ("etl.possible_duplicate", True)
    ]


def test_same_source_lands_on_the_same_records(db: Database, admin: Actor, tmp_path: Path) -> None:
    c = make_company(db, admin)
    f = _write(tmp_path, "s.csv", "供应商代码,供应商名称,账期\nGYS-1,江南钢铁,30\n")
    etl.run(
        UnitOfWork(db, admin),
        c,
        "supplier",
        f,
        source="kingdee",
        mapping={"供应商代码": "code", "供应商名称": "name", "账期": "credit_days"},
    )
    # The next file from the same source: no mapping given, the saved profile is used; the code
    # is known, so the supplier is updated instead of refused as a duplicate.
    f = _write(tmp_path, "s2.csv", "供应商代码,供应商名称,账期\nGYS-1,江南钢铁,60\n")
    r = etl.run(UnitOfWork(db, admin), c, "supplier", f, source="kingdee")
    assert (r.imported, r.rejected, r.actions) == (1, 0, {"update": 1})
    assert md.get_party(UnitOfWork(db, admin), c, "supplier", "GYS-1").credit_days == 60
    # A code map entry sends another system's code to an existing record.
    etl.set_code(UnitOfWork(db, admin), c, source="old", kind="supplier", external_code="S0009", code="GYS-1")
    assert {"source": "old", "kind": "supplier", "external_code": "S0009", "code": "GYS-1"} in etl.list_codes(
        UnitOfWork(db, admin), c
    )
    with pytest.raises(YecaiError) as exc:
        etl.set_code(UnitOfWork(db, admin), c, source="old", kind="supplier", external_code="S1", code="NOPE")
    assert exc.value.code == "not_found"


def test_opening_balances_become_one_balanced_draft_voucher(
    db: Database, admin: Actor, tmp_path: Path
) -> None:
    c = make_company(db, admin)
    md.create_party(UnitOfWork(db, admin), c, "customer", code="C001", name="华东商贸")
    etl.set_code(UnitOfWork(db, admin), c, source="u8", kind="customer", external_code="KH1", code="C001")
    text = (
        "科目编码,科目名称,方向,期初余额,客户\n"
        '100201,基本存款账户,借,"100,000.00",\n'
        "1122,应收账款,借,2万元,KH1\n"
        '4001,实收资本,贷,"120,000.00",\n'
    )
    f = _write(tmp_path, "期初.csv", text)
    r = etl.run(UnitOfWork(db, admin), c, "opening", f, source="u8", opening_date=date(2025, 1, 1))
    assert r.ok and r.imported == 1, r.problems
    v = ledger.get_voucher(
        UnitOfWork(db, admin), c, ledger.find_voucher_id(UnitOfWork(db, admin), c, r.created[0])
    )
    assert v.status == "draft" and v.date == "2025-01-01" and v.source_type == "opening_balances"
    lines = [(ln.account_code, str(ln.debit), str(ln.credit), dict(ln.dims)) for ln in v.lines]
    assert lines == [
        ("100201", "100000.00", "", {}),
        ("1122", "20000.00", "", {"customer": "C001"}),
        ("4001", "", "120000.00", {}),
    ]
    # Unbalanced: refused as a whole, nothing written.
    f = _write(tmp_path, "bad.csv", text.replace("120,000.00", "119,000.00"))
    before = len(ledger.list_vouchers(UnitOfWork(db, admin), c))
    r = etl.run(UnitOfWork(db, admin), c, "opening", f)
    assert r.imported == 0 and r.problems and len(ledger.list_vouchers(UnitOfWork(db, admin), c)) == before


def test_bad_mapping_and_files_are_refused_clearly(db: Database, admin: Actor, tmp_path: Path) -> None:
    c = make_company(db, admin)
    f = _write(tmp_path, "x.csv", "编码,名称\nI1,螺丝\n")
    with pytest.raises(YecaiError) as exc:
        etl.preview(UnitOfWork(db, admin), c, "item", f, mapping={"编码": "code"})
    assert exc.value.code == "etl.required_unmapped"
    with pytest.raises(YecaiError) as exc:
        etl.preview(UnitOfWork(db, admin), c, "item", f, mapping={"编码": "code", "品名": "name"})
    assert exc.value.code == "import.missing_columns"
    with pytest.raises(YecaiError) as exc:
        etl.preview(UnitOfWork(db, admin), c, "gadgets", f)
    assert exc.value.code == "etl.unknown_kind"


def test_cli_preview_run_report_and_codes(
    db: Database, admin: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from yecai.cli.main import app

    monkeypatch.setenv("YECAI_DATABASE_URL", db.url)
    monkeypatch.setenv("YECAI_LANG", "en")
    c = make_company(db, admin)
    f = _write(
        tmp_path,
        "items.csv",
        "存货编码,存货名称,规格型号,计量单位,税率\nM1,螺丝,M6*20,个,13%\nM2,螺母,,个,9\n",
    )
    runner = CliRunner()
    out = runner.invoke(app, ["import", "preview", "item", str(f), "--company", c, "--format", "json"])
    assert out.exit_code == 0, out.output
    assert '"ok": true' in out.output and md.list_items(UnitOfWork(db, admin), c) == []
    report = tmp_path / "report.csv"
    out = runner.invoke(
        app,
        ["import", "run", "item", str(f), "--company", c, "--source", "erp", "--report", str(report)],
    )
    assert out.exit_code == 0, out.output
    assert [i["code"] for i in md.list_items(UnitOfWork(db, admin), c)] == ["M1", "M2"]
    with report.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["row", "column", "type", "rule", "before", "after", "message"]
    assert {(r["row"], r["column"], r["after"]) for r in rows} >= {
        ("2", "税率", "0.13"),
        ("3", "税率", "0.09"),
    }
    out = runner.invoke(app, ["import", "codes", "--company", c, "--format", "csv"])
    assert out.exit_code == 0 and "erp,item,M1,M1" in out.output
    bad = _write(tmp_path, "bad.csv", "存货编码,存货名称\nM3,\n")
    out = runner.invoke(app, ["import", "run", "item", str(bad), "--company", c])
    assert out.exit_code == 2 and "row 2" in out.output and "etl.required" in out.output


def test_orders_from_another_system(db: Database, admin: Actor, tmp_path: Path) -> None:
    from tests.sales.books import setup_books
    from yecai.sales import service as sales

    b = setup_books(db, admin, receipts=False)
    etl.set_code(b.uow(), b.company, source="erp", kind="item", external_code="CP-001", code="A")
    text = (
        "单据号,单据日期,客户编码,存货编码,数量,含税单价,税率,备注\n"
        'XS1,2025/3/5,C1,CP-001,"1,000",￥113.00,13%,首单\n'
        "XS1,2025/3/5,C1,SV,1,10.6,6%,\n"
        "XS2,2025年3月6日,C2,CP-001,2,226,13%,\n"
        "XS3,2025-03-07,C9,CP-001,1,1,13%,\n"
    )
    f = _write(tmp_path, "销售订单.csv", text, "gbk")
    r = etl.run(b.uow(), b.company, "sales_order", f, source="erp")
    assert (r.imported, r.rejected) == (2, 1), r.problems
    assert [(p.row, p.column) for p in r.problems] == [(5, "客户编码")]  # C9 is no customer
    orders = sales.list_orders(b.uow(), b.company)
    first = next(o for o in orders if o["no"] == r.created[0])  # XS1, the first order of the file
    view = sales.get_order(b.uow(), b.company, first["id"])
    assert [(ln["item"], ln["qty"], ln["tax_code"]) for ln in view["lines"]] == [
        ("A", "1000", "OUT13"),
        ("SV", "1", "OUT6"),
    ]
    assert view["total"] == "113010.60"


def test_receipts_payments_and_expense_claims(db: Database, admin: Actor, tmp_path: Path) -> None:
    from tests.sales.books import setup_books
    from yecai.expenses import service as expenses
    from yecai.sales import service as sales

    b = setup_books(db, admin)
    o = sales.create_order(
        b.uow(),
        b.company,
        customer="C1",
        day=date(2025, 3, 3),
        lines=[{"item": "A", "qty": "2", "unit_price": "113"}],
    )
    sales.create_delivery(b.uow(), b.company, order_id=o["id"], day=date(2025, 3, 4), warehouse="W1")
    inv = sales.create_invoice(b.uow(), b.company, customer="C1", day=date(2025, 3, 5), orders=[o["id"]])
    f = _write(
        tmp_path,
        "收款.csv",
        f'收款日期,客户编码,收款金额,发票号,结算方式\n2025-03-20,C1,100.00,{inv["no"]},电汇\n2025-03-21,C1,"1,000.00",{inv["no"]},\n',
    )
    r = etl.run(b.uow(), b.company, "sales_receipt", f)
    assert (r.imported, r.rejected) == (1, 1)
    assert [(p.row, p.code) for p in r.problems] == [(3, "sales.receipt_exceeds_invoice")]
    assert sales.get_invoice(b.uow(), b.company, inv["id"])["open"] == "126.00"

    ledger.add_dimension_values(
        b.uow(), b.company, [("employee", "E1", "张三"), ("department", "D1", "行政部")]
    )
    f = _write(
        tmp_path,
        "报销.csv",
        "报销单号,报销日期,报销人,部门,费用类别,报销金额,税额,发票类型,事由\n"
        "BX1,2025-03-08,E1,D1,差旅费,530.00,30.00,专票,出差上海\n"
        "BX1,2025-03-08,E1,D1,业务招待费,200,,普票,\n"
        "BX2,2025-03-09,E1,D1,买飞机,10,,,\n",
    )
    r = etl.run(b.uow(), b.company, "expense_claim", f)
    assert (r.imported, r.rejected) == (1, 1) and [(p.row, p.column) for p in r.problems] == [(4, "费用类别")]
    claim = expenses.get_claim(
        b.uow(), b.company, expenses.find_document_id(b.uow(), b.company, "expense_claim", r.created[0])
    )
    assert [(ln["category"], ln["total"], ln["invoice_type"]) for ln in claim["lines"]] == [
        ("差旅费", "530.00", "special"),
        ("业务招待费", "200.00", "ordinary"),
    ]

    # a payment goes through the payment service and meets its rules: nothing is billed yet
    f = _write(tmp_path, "付款.csv", "付款日期,供应商编码,付款金额\n2025-03-22,S1,10\n2025-03-22,S9,10\n")
    r = etl.preview(b.uow(), b.company, "purchase_payment", f)
    assert r.rejected == 2 and {p.row for p in r.problems} == {2, 3}
    assert all(p.code.startswith(("purchasing.", "not_found")) for p in r.problems), r.problems
