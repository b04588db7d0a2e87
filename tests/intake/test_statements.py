"""Bank statements: every format read in the test, the balance refusal, storing with the chain
check and idempotent re-import, and the hand-over to cash application."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from tests.conftest import admin_actor, make_user
from tests.intake import builders as b
from yecai.core.errors import NotFound, PermissionDenied
from yecai.intake import service
from yecai.intake.bankformats import StatementColumnsMissing
from yecai.intake.statement import (
    StatementGap,
    StatementIncomplete,
    StatementLineInvalid,
    StatementUnbalanced,
)
from yecai.security.models import AuditLog
from yecai.store.db import Database
from yecai.store.uow import UnitOfWork


def test_ofx() -> None:
    [st] = service.extract_statements(b.ofx(["100.00", "-30.50"], "569.50"), "s.ofx")
    assert st["format"] == "ofx" and st["currency"] == "CNY" and st["account"] == "102/6222000011112222"
    assert (st["opening_balance"], st["closing_balance"], st["opening_derived"]) == ("500.00", "569.50", True)
    assert [(ln["txn_id"], ln["amount"], ln["counterparty_name"], ln["remark"]) for ln in st["lines"]] == [
        ("F1", "100.00", "Payer 1", "INV-1"),
        ("F2", "-30.50", "Payer 2", "INV-2"),
    ]


def test_ofx_missing_amount_or_currency_refused() -> None:
    broken = b.ofx(["100.00", "-30.50"], "569.50").replace(b"<TRNAMT>-30.50</TRNAMT>", b"")
    with pytest.raises(StatementIncomplete) as exc:
        service.extract_statements(broken, "s.ofx")
    assert "Amount" in str(exc.value)
    with pytest.raises(StatementIncomplete):
        service.extract_statements(b.ofx(["1.00"], "1.00", currency=""), "s.ofx")


def test_camt053_and_unbalanced_refusal_names_both_figures() -> None:
    entries = [("250.00", "CRDT", "Kunde GmbH", "R1"), ("80.25", "DBIT", "Vermieter AG", "R2")]
    [st] = service.extract_statements(b.camt053("1000.00", "1169.75", entries), "c.xml")
    assert (st["account"], st["currency"], st["statement_id"]) == (
        "DE89370400440532013000",
        "EUR",
        "S-2025-03",
    )
    assert [ln["amount"] for ln in st["lines"]] == ["250.00", "-80.25"]
    assert st["lines"][0]["counterparty_name"] == "Kunde GmbH"
    assert st["lines"][1]["counterparty_account"] == "DE02100000000000001"
    assert st["lines"][0]["remark"] == "Invoice R1"
    with pytest.raises(StatementUnbalanced) as exc:
        service.extract_statements(b.camt053("1000.00", "1170.00", entries), "c.xml")
    assert exc.value.code == "intake.statement_unbalanced"
    assert "1169.75" in str(exc.value) and "1170.00" in str(exc.value)


def test_mt940() -> None:
    [st] = service.extract_statements(b.MT940.encode(), "s.sta")
    assert st["format"] == "mt940" and st["account"] == "10020030/1234567"
    assert (st["opening_balance"], st["closing_balance"]) == ("1000.00", "1299.50")
    assert [(ln["txn_id"], ln["amount"]) for ln in st["lines"]] == [("B1", "500.00"), ("B2", "-200.50")]
    with pytest.raises(StatementUnbalanced):
        service.extract_statements(
            b.MT940.replace(":62F:C250303EUR1299,50", ":62F:C250303EUR1300,00").encode()
        )


ROWS = [
    ("2025-03-01", "", "5000.00", "15000.00", "上海客户甲有限公司", "货款 INV-1"),
    ("2025-03-02", "1200.00", "", "13800.00", "房东乙", "房租"),
    ("2025/03/03", "", "300.50", "14100.50", "客户丙", "INV-2"),
]


def test_icbc_csv_gbk() -> None:
    [st] = service.extract_statements(b.icbc_csv(ROWS), "icbc.csv")
    assert st["format"] == "csv:icbc" and st["account"] == "6222020011112222" and st["currency"] == "CNY"
    assert (st["opening_balance"], st["closing_balance"]) == ("10000.00", "14100.50")
    assert [ln["amount"] for ln in st["lines"]] == ["5000.00", "-1200.00", "300.50"]
    assert st["lines"][0]["counterparty_name"] == "上海客户甲有限公司"
    assert st["lines"][0]["txn_id"] == "ICBC0001" and st["lines"][2]["date"] == "2025-03-03"


def test_csv_newest_first_and_running_balance_check() -> None:
    [st] = service.extract_statements(b.icbc_csv(list(reversed(ROWS))), "icbc.csv")
    assert [ln["amount"] for ln in st["lines"]] == ["5000.00", "-1200.00", "300.50"]
    bad = [ROWS[0], (*ROWS[1][:3], "13900.00", *ROWS[1][4:]), ROWS[2]]
    with pytest.raises((StatementLineInvalid, StatementUnbalanced)):
        service.extract_statements(b.icbc_csv(bad), "icbc.csv")


def test_xlsx_abc_style_signed_amount() -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["中国农业银行 账户明细"])
    ws.append(["账号: 1234 5678 9012"])
    ws.append(["交易日期", "交易金额", "收支标志", "账户余额", "对方户名", "对方账号", "交易用途"])
    ws.append(["2025-03-01", 800, "收", 1800, "客户丁", "62220001", "INV-7"])
    ws.append(["2025-03-02", 300.25, "支", 1499.75, "供应商戊", "62220002", "采购"])
    buf = io.BytesIO()
    wb.save(buf)
    [st] = service.extract_statements(buf.getvalue(), "abc.xlsx")
    assert st["format"].startswith("xlsx:") and st["account"] == "123456789012"
    assert (st["opening_balance"], st["closing_balance"]) == ("1000.00", "1499.75")
    assert [ln["amount"] for ln in st["lines"]] == ["800.00", "-300.25"]


def test_csv_without_header_or_balances_refused() -> None:
    with pytest.raises(StatementColumnsMissing):
        service.extract_statements(b"a,b,c\n1,2,3\n", "x.csv")
    with pytest.raises(StatementIncomplete):
        service.extract_statements("交易日期,交易金额,对方户名\n2025-03-01,100,甲\n".encode("gbk"), "x.csv")


# --- storing -------------------------------------------------------------------------------------


def _uow(db: Database) -> UnitOfWork:
    return UnitOfWork(db, admin_actor(db))


def test_import_chain_idempotent_and_matching(db: Database, company: str) -> None:
    march = b.icbc_csv(ROWS)
    r = service.import_bank_statement(_uow(db), company, march, file_name="m.csv", account_code="1002")
    assert (r.statements, r.lines_imported, r.lines_skipped) == (1, 3, 0)
    # the same file again: nothing new, nothing refused
    r = service.import_bank_statement(_uow(db), company, march, file_name="m.csv")
    assert (r.statements, r.lines_imported, r.lines_skipped) == (0, 0, 3)
    # a re-download that overlaps and adds a day: only the new line is stored
    more = [*ROWS, ("2025-03-04", "", "99.50", "14200.00", "客户己", "INV-3")]
    r = service.import_bank_statement(_uow(db), company, b.icbc_csv(more), file_name="m2.csv")
    assert (r.lines_imported, r.lines_skipped) == (1, 3)
    assert service.count_lines(_uow(db), company) == 4
    # a statement whose opening does not follow the last closing (14200.00) is refused
    gap = [("2025-03-10", "", "10.00", "14300.00", "客户庚", "x")]
    with pytest.raises(StatementGap) as exc:
        service.import_bank_statement(_uow(db), company, b.icbc_csv(gap, first_id=10), file_name="gap.csv")
    assert "14290.00" in str(exc.value) and "14200.00" in str(exc.value)
    assert service.count_lines(_uow(db), company) == 4
    rows = service.bank_lines_for_matching(_uow(db), company)
    assert list(rows[0]) == list(service.MATCHING_COLUMNS)
    assert [(r["amount"], r["payer_name"]) for r in rows] == [
        ("5000.00", "上海客户甲有限公司"), ("300.50", "客户丙"), ("99.50", "客户己"),
    ]  # fmt: skip
    assert rows[0]["txn_id"] == "ICBC0001" and rows[0]["date"] == "2025-03-01"
    assert len(service.bank_lines_for_matching(_uow(db), company, receipts_only=False)) == 4
    with _uow(db) as u:
        actions = u.session.execute(
            select(AuditLog.action).where(AuditLog.entity == "bank_statement")
        ).scalars()
        assert "bank_statement.refused" in set(actions)


def test_lines_without_bank_ids_are_deduplicated_by_hash(db: Database, company: str) -> None:
    data = "\n".join(
        ["账号：88889999", "交易日期,交易金额,余额,对方户名,摘要",
         "2025-03-01,100.00,100.00,甲,INV-1", "2025-03-01,100.00,200.00,甲,INV-1"]
    ).encode("gbk")  # fmt: skip
    r = service.import_bank_statement(_uow(db), company, data, file_name="a.csv")
    assert r.lines_imported == 2  # two identical lines are two receipts
    r = service.import_bank_statement(_uow(db), company, data, file_name="a.csv")
    assert (r.lines_imported, r.lines_skipped) == (0, 2)


def test_extract_only_or_refused_stores_nothing(db: Database, company: str) -> None:
    service.extract_statements(b.icbc_csv(ROWS), "m.csv")
    assert service.count_lines(_uow(db), company) == 0
    with pytest.raises(StatementUnbalanced):
        service.import_bank_statement(
            _uow(db), company, b.camt053("1.00", "2.00", [("5.00", "CRDT", "x", "R")]), file_name="c.xml"
        )
    assert service.count_lines(_uow(db), company) == 0
    with pytest.raises(NotFound):
        service.import_bank_statement(_uow(db), company, b.icbc_csv(ROWS), account_code="9999")


def test_permission(db: Database, company: str) -> None:
    auditor = make_user(db, "auditor", company)
    with pytest.raises(PermissionDenied):
        service.import_bank_statement(UnitOfWork(db, auditor), company, b.icbc_csv(ROWS), file_name="m.csv")
