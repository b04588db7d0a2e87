"""Voucher import (CSV/XLSX): the file contract, every error at its row and column, partial and
all-or-nothing imports, posting with the hash chain, resuming, and the CLI and API shells.

The import's fast path must store exactly what the normal path (create_voucher) stores and refuse
exactly what the domain refuses; several tests compare the two directly.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from typer.testing import CliRunner

from tests.conftest import make_company, make_user
from yecai.core.errors import PermissionDenied
from yecai.ledger import bulk, domain
from yecai.ledger import service as ledger
from yecai.ledger.bulk import ImportSummary, import_vouchers
from yecai.ledger.domain import LineDraft, VoucherDraft
from yecai.ledger.importer import DuplicateColumns, MissingColumns, UnknownColumns, parse_date
from yecai.ledger.models import (
    Account,
    AccountBalance,
    Company,
    DimensionValue,
    ImportBatch,
    Voucher,
    VoucherLine,
)
from yecai.ledger.models import Period as PeriodRow
from yecai.store.db import Database
from yecai.store.uow import Actor, UnitOfWork

HEADER = ["voucher_no", "date", "summary", "account_code", "debit", "credit", "customer", "supplier"]


@pytest.fixture
def books(db: Database, admin: Actor, company: str) -> str:
    ledger.add_dimension_values(
        UnitOfWork(db, admin),
        company,
        [("customer", "C1", "华东客户"), ("customer", "C2", "华南客户"), ("supplier", "S1", "供应商")],
    )
    return company


def write_csv(
    path: Path, rows: Sequence[Sequence[str]], header: Sequence[str] = HEADER, encoding: str = "utf-8"
) -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def sale(no: str, day: str, amount: str, customer: str = "C1") -> list[list[str]]:
    return [
        [no, day, f"销售{no}", "1122", amount, "", customer, ""],
        [no, day, f"销售{no}", "6001", "", amount, "", ""],
    ]


def run_import(db: Database, actor: Actor, company: str, path: Path, **kw: Any) -> ImportSummary:
    return import_vouchers(UnitOfWork(db, actor), company, path, **kw)


def company_id(db: Database, code: str) -> int:
    with db.session() as s:
        return int(s.execute(select(Company.id).where(Company.code == code)).scalar_one())


def stored(db: Database, company: str) -> list[dict[str, Any]]:
    """Every stored voucher and line, minus what differs by construction (ids, times, source)."""
    cid = company_id(db, company)
    with db.session() as s:
        codes = dict(s.execute(select(Account.id, Account.code).where(Account.company_id == cid)).all())
        dims = dict(
            s.execute(
                select(DimensionValue.id, DimensionValue.code).where(DimensionValue.company_id == cid)
            ).all()
        )
        out = []
        for v in s.execute(select(Voucher).where(Voucher.company_id == cid).order_by(Voucher.id)).scalars():
            lines = s.execute(
                select(VoucherLine).where(VoucherLine.voucher_id == v.id).order_by(VoucherLine.line_no)
            )
            out.append(
                {
                    "period": v.period,
                    "word": v.word,
                    "number": v.number,
                    "date": v.date,
                    "status": v.status,
                    "summary": v.summary,
                    "total": v.total_minor,
                    "attachments": v.attachments,
                    "chain_seq": v.chain_seq,
                    "has_hash": v.hash is not None,
                    "lines": [
                        (
                            ln.line_no,
                            ln.period,
                            ln.summary,
                            codes[ln.account_id],
                            ln.debit_minor,
                            ln.credit_minor,
                            ln.currency,
                            ln.original_minor,
                            ln.rate,
                            *(dims.get(getattr(ln, f"{d}_id")) for d in domain.DIMENSIONS),
                        )
                        for ln in lines.scalars()
                    ],
                }
            )
        return out


def balances(db: Database, company: str) -> dict[tuple[str, int], tuple[int, int]]:
    cid = company_id(db, company)
    with db.session() as s:
        rows = s.execute(
            select(
                Account.code, AccountBalance.period, AccountBalance.debit_minor, AccountBalance.credit_minor
            )
            .join(Account, Account.id == AccountBalance.account_id)
            .where(AccountBalance.company_id == cid)
        ).all()
        return {(c, p): (d, cr) for c, p, d, cr in rows if d or cr}


def line_sums(db: Database, company: str) -> dict[tuple[str, int], tuple[int, int]]:
    """Balances recomputed from the posted lines."""
    cid = company_id(db, company)
    sums: dict[tuple[str, int], list[int]] = {}
    with db.session() as s:
        rows = s.execute(
            select(Account.code, VoucherLine.period, VoucherLine.debit_minor, VoucherLine.credit_minor)
            .join(Account, Account.id == VoucherLine.account_id)
            .join(Voucher, Voucher.id == VoucherLine.voucher_id)
            .where(Voucher.company_id == cid, Voucher.status == "posted")
        ).all()
    for code, p, d, c in rows:
        b = sums.setdefault((code, p), [0, 0])
        b[0] += d
        b[1] += c
    return {k: (d, c) for k, (d, c) in sums.items() if d or c}


def issues_by_code(summary: ImportSummary) -> set[tuple[int | None, str, str]]:
    return {(i.row, i.column, i.code) for i in summary.issues}


def verify(db: Database, actor: Actor, company: str) -> ledger.ChainReport:
    return ledger.verify_chain(UnitOfWork(db, actor), company)


# --- the file contract -------------------------------------------------------------------------


def test_parse_date_accepts_the_three_forms_and_refuses_others() -> None:
    assert parse_date("2025-03-05") == parse_date("2025/3/5") == parse_date("20250305") == date(2025, 3, 5)
    for bad in ("2025-13-01", "05/03/2025", "2025.3.5", "", "2025-02-30"):
        with pytest.raises(bulk.YecaiError) as info:
            parse_date(bad)
        assert info.value.code == "import.invalid_date"


def test_header_contract(db: Database, admin: Actor, books: str, tmp_path: Path) -> None:
    # Column order is free and optional columns may be left out.
    header = ["credit", "account_code", "debit", "summary", "date", "voucher_no", "customer"]
    rows = [
        ["", "1122", "10.00", "销售", "2025-03-05", "V1", "C1"],
        ["10.00", "6001", "", "销售", "2025-03-05", "V1", ""],
    ]
    s = run_import(db, admin, books, write_csv(tmp_path / "a.csv", rows, header))
    assert (s.vouchers_imported, s.lines_imported, s.ok) == (1, 2, True)

    with pytest.raises(MissingColumns) as missing:
        run_import(db, admin, books, write_csv(tmp_path / "b.csv", [], ["voucher_no", "date", "summary"]))
    assert (missing.value.row, missing.value.params["columns"]) == (1, "account_code,debit,credit")

    with pytest.raises(UnknownColumns) as unknown:
        run_import(db, admin, books, write_csv(tmp_path / "c.csv", [], [*HEADER, "备注", "memo"]))
    assert unknown.value.params["columns"] == "备注,memo"
    assert "voucher_type" in unknown.value.params["allowed"] and "employee" in unknown.value.params["allowed"]

    with pytest.raises(DuplicateColumns):
        run_import(db, admin, books, write_csv(tmp_path / "d.csv", [], [*HEADER, "debit"]))


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8"])
def test_encodings(db: Database, admin: Actor, books: str, tmp_path: Path, encoding: str) -> None:
    rows = sale("凭证1", "2025-03-05", "1,234.50")
    s = run_import(db, admin, books, write_csv(tmp_path / "v.csv", rows, encoding=encoding))
    assert s.ok and s.vouchers_imported == 1
    (v,) = stored(db, books)
    assert (v["summary"], v["total"]) == ("销售凭证1", 123450)


def test_xlsx_file(db: Database, admin: Actor, books: str, tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["voucher_no", "date", "summary", "account_code", "debit", "credit", "customer"])
    ws.append(["X1", date(2025, 3, 5), "销售", 1122, 1234.5, None, "C1"])
    ws.append(["X1", date(2025, 3, 5), "销售", 6001, None, 1234.5, None])
    ws.append([None, None, None, None, None, None, None])  # blank rows are skipped
    ws.append(["X2", "2025/3/6", "提现", 1001, 100, None, None])
    ws.append(["X2", "20250306", "提现", 100201, None, "oops", None])
    path = tmp_path / "v.xlsx"
    wb.save(path)
    s = run_import(db, admin, books, path)
    assert (s.vouchers_imported, s.vouchers_rejected) == (1, 1)
    assert issues_by_code(s) == {(6, "credit", "money.invalid_amount")}
    (v,) = stored(db, books)
    assert v["total"] == 123450 and v["date"] == date(2025, 3, 5)


def test_rows_grouped_by_voucher_no_and_date(db: Database, admin: Actor, books: str, tmp_path: Path) -> None:
    a = sale("V1", "2025-03-05", "10.00")
    b = sale("V1", "2025-03-06", "20.00")  # same number, other date: another voucher
    rows = [a[0], b[0], ["V2", "2025/3/5", "提现", "1001", "5", "", "", ""], a[1], b[1]]
    rows.append(["V2", "20250305", "提现", "100201", "", "5", "", ""])  # same date, written differently
    s = run_import(db, admin, books, write_csv(tmp_path / "v.csv", rows))
    assert (s.vouchers_imported, s.lines_imported, s.ok) == (3, 6, True)
    got = [(v["date"].isoformat(), v["total"], v["number"]) for v in stored(db, books)]
    assert got == [("2025-03-05", 1000, 1), ("2025-03-06", 2000, 2), ("2025-03-05", 500, 3)]
    with db.session() as s2:
        refs = s2.execute(
            select(Voucher.source_type, Voucher.source_ref).where(Voucher.company_id == company_id(db, books))
        ).all()
    assert sorted(refs) == [("import", "V1"), ("import", "V1"), ("import", "V2")]


# --- every error at its row and column -----------------------------------------------------------

ERROR_FILE = [
    # row 2-3: fine
    ["OK1", "2025-03-05", "销售", "1122", "100", "", "C1", ""],
    ["OK1", "2025-03-05", "销售", "6001", "", "100", "", ""],
    # row 4-5: unbalanced -> both rows
    ["UNB", "2025-03-05", "销售", "1122", "100", "", "C1", ""],
    ["UNB", "2025-03-05", "销售", "6001", "", "90", "", ""],
    # row 6-7: unknown account on row 7
    ["ACC", "2025-03-05", "x", "1001", "5", "", "", ""],
    ["ACC", "2025-03-05", "x", "9999", "", "5", "", ""],
    # row 8-9: a parent account (1002 has sub-accounts) on row 8
    ["PAR", "2025-03-05", "x", "1002", "5", "", "", ""],
    ["PAR", "2025-03-05", "x", "1001", "", "5", "", ""],
    # row 10-11: 1122 without its customer (row 10), and an unknown supplier on 2202 (row 11)
    ["DIM", "2025-03-05", "x", "1122", "5", "", "", ""],
    ["DIM", "2025-03-05", "x", "2202", "", "5", "", "S404"],
    # row 12-13: not a date
    ["DAT", "2025-02-30", "x", "1001", "5", "", "", ""],
    ["DAT", "2025-02-30", "x", "100201", "", "5", "", ""],
    # row 14-15: not an amount (row 15), too many decimals (row 14)
    ["AMT", "2025-03-05", "x", "1001", "5.001", "", "", ""],
    ["AMT", "2025-03-05", "x", "100201", "", "abc", "", ""],
    # row 16-17: a closed period (2025-01)
    ["CLO", "2025-01-15", "x", "1001", "5", "", "", ""],
    ["CLO", "2025-01-15", "x", "100201", "", "5", "", ""],
    # row 18: a voucher of one line; row 19-20: a line with both sides, an empty summary (the
    # domain reports a zero amount only on a line without other errors)
    ["ONE", "2025-03-05", "x", "1001", "5", "", "", ""],
    ["BTH", "2025-03-05", "x", "1001", "5", "5", "", ""],
    ["BTH", "2025-03-05", "", "100201", "", "0", "", ""],
    # row 21-22: a period of a year that was never opened
    ["OPN", "2030-03-05", "x", "1001", "5", "", "", ""],
    ["OPN", "2030-03-05", "x", "100201", "", "5", "", ""],
    # row 23-24: fine, and written by default although the file has errors
    ["OK2", "2025-03-06", "提现", "1001", "1,000.00", "", "", ""],
    ["OK2", "2025-03-06", "提现", "100201", "", "1000", "", ""],
]
ERRORS = {
    (4, "debit", "voucher.unbalanced"),
    (7, "account_code", "account.not_found"),
    (8, "account_code", "account.not_leaf"),
    (10, "customer", "dimension.required"),
    (11, "supplier", "dimension.unknown"),
    (12, "date", "import.invalid_date"),
    (13, "date", "import.invalid_date"),
    (14, "debit", "money.too_precise"),
    (15, "credit", "money.invalid_amount"),
    (16, "date", "period.closed"),
    (18, "voucher_no", "voucher.too_few_lines"),
    (19, "credit", "line.both_sides"),
    (20, "summary", "line.summary_missing"),
    (21, "date", "period.not_opened"),
}


def close_period(db: Database, company: str, period: int) -> None:
    with db.session() as s:
        s.execute(
            update(PeriodRow)
            .where(PeriodRow.company_id == company_id(db, company), PeriodRow.period == period)
            .values(status="closed")
        )
        s.commit()


def test_every_error_kind_names_row_and_column(
    db: Database, admin: Actor, books: str, tmp_path: Path
) -> None:
    close_period(db, books, 202501)
    s = run_import(db, admin, books, write_csv(tmp_path / "errors.csv", ERROR_FILE))
    assert issues_by_code(s) == ERRORS
    assert (s.vouchers_imported, s.vouchers_rejected, s.rows) == (2, 10, 23)
    assert all(i.file == "errors.csv" for i in s.issues)
    by_code = {i.code: i for i in s.issues}
    # An error about a whole voucher carries all of its rows.
    assert by_code["voucher.unbalanced"].rows == (4, 5)
    assert by_code["period.closed"].rows == (16, 17)
    assert by_code["account.not_found"].rows == ()
    assert "9999" in by_code["account.not_found"].message
    # Nothing of a rejected voucher was written; the good ones were.
    assert [v["total"] for v in stored(db, books)] == [10000, 100000]


def test_errors_are_the_domains(db: Database, admin: Actor, books: str, tmp_path: Path) -> None:
    """For every voucher of the error file, the import reports what validate_voucher reports."""
    close_period(db, books, 202501)
    s = run_import(db, admin, books, write_csv(tmp_path / "errors.csv", ERROR_FILE))
    with UnitOfWork(db, admin) as uow:
        index = ledger.LedgerIndex(uow.session, uow.company(books, "company.view"))
        uow.commit()  # keeps the company loaded after the block
    groups: dict[tuple[str, str], list[int]] = {}
    for row_no, r in enumerate(ERROR_FILE, start=2):
        groups.setdefault((r[0], r[1]), []).append(row_no)
    for (no, day), rows in groups.items():
        reported = {i.code for i in s.issues if i.row in rows}
        if no == "DAT":
            assert reported == {"import.invalid_date"}
            continue
        lines = []
        for row_no in rows:
            r = ERROR_FILE[row_no - 2]
            amount = {"abc": "0"}.get
            lines.append(
                LineDraft(
                    summary=r[2],
                    account_code=r[3],
                    debit=Decimal((amount(r[4]) or r[4] or "0").replace(",", "")),
                    credit=Decimal((amount(r[5]) or r[5] or "0").replace(",", "")),
                    dims={"customer": r[6], "supplier": r[7]},
                )
            )
        d = parse_date(day)
        _, errors = domain.validate_voucher(
            VoucherDraft(date=d, lines=tuple(lines)),
            index.account,
            dimension_exists=index.dimension_exists,
        )
        expected = {e.code for e in errors}
        if no == "AMT":  # the unreadable amount is reported by the reader, the rest by the domain
            expected = (expected - {"line.zero"}) | {"money.invalid_amount"}
        if not expected:
            status = index.periods.get(d.year * 100 + d.month)
            expected = set() if status == "open" else {"period.closed" if status else "period.not_opened"}
        assert reported == expected, no


def test_fast_check_agrees_with_the_domain(db: Database, admin: Actor, books: str, tmp_path: Path) -> None:
    """The fast check accepts only what validate_voucher accepts, with the same values."""
    ledger.add_account(UnitOfWork(db, admin), books, code="660288", name="测试费用", parent_code="6602")
    ledger.set_account_enabled(UnitOfWork(db, admin), books, "660288", False)
    amounts = [
        "1",
        "1.5",
        "1.50",
        "0001.50",
        "1,234.50",
        "12.",
        ".5",
        "-5",
        " 5 ",
        "1e3",
        "5.001",
        "0",
        "",
        "１２",
        "1_000",
        "+5",
        "99999999999999.99",
        "9999999999999.99",
        "²",
    ]
    accounts = ["1001", " 1001", "1002", "660288", "9999", "1122"]
    header = [*HEADER, "voucher_type", "currency", "original_amount", "rate", "department"]
    rows = []
    n = 0
    for amount in amounts:
        for acc in accounts:
            for extra in ([], ["C1"], [" C2 "], ["C9"]):
                n += 1
                no = f"F{n}"
                cust = extra[0] if extra else ""
                rows.append([no, "2025-03-05", " 摘要 ", acc, amount, "", cust, "", "", "", "", "", ""])
                rows.append([no, "2025-03-05", "摘要", "100201", "", amount, "", "", "记", "", "", "", ""])
    rows += [
        ["W1", "2025-03-05", "x", "1001", "5", "", "", "", "收", "", "", "", ""],
        ["W1", "2025-03-05", "x", "100201", "", "5", "", "", "付", "", "", "", ""],
        ["W2", "2025-03-05", "x", "1001", "5", "", "", "", "借", "", "", "", ""],
        ["W2", "2025-03-05", "x", "100201", "", "5", "", "", "借", "", "", "", ""],
        ["FX", "2025-03-05", "x", "100201", "70.00", "", "", "", "", "USD", "10", "7", ""],
        ["FX", "2025-03-05", "x", "1001", "", "70.00", "", "", "", "CNY", "", "", ""],
        ["DP", "2025-03-05", "x", "1001", "5", "", "", "", "", "", "", "", "D1"],
        ["DP", "2025-03-05", "x", "100201", "", "5", "", "", "", "", "", "", ""],
    ]
    path = write_csv(tmp_path / "tricky.csv", rows, header)
    with UnitOfWork(db, admin) as uow:
        index = ledger.LedgerIndex(uow.session, uow.company(books, "company.view"))
        uow.commit()  # keeps the company loaded after the block
    from yecai.ledger.importer import check_header, file_facts, stream_rows

    facts = file_facts(path)
    fast_taken = 0
    with stream_rows(path, facts.encoding) as (head, reader):
        cols = bulk._Cols.of(
            check_header(head, required=bulk.VOUCHER_REQUIRED, optional=bulk.VOUCHER_OPTIONAL, file="t"),
            len(head),
        )
        v = bulk._Validator(index, cols, "t")
        groups: dict[tuple[str, str], list[list[Any]]] = {}
        for cells in reader:
            cells.append(reader.line_num)
            groups.setdefault((cells[0], cells[1]), []).append(cells)
    for (no, day), g in groups.items():
        fast = v.fast(no, day, g)
        slow, issues = v.slow(no, day, g)
        if fast is not None:
            fast_taken += 1
            assert not issues and fast == slow, no
    assert 20 <= fast_taken < len(groups) - 20  # both paths were exercised


# --- partial, all or nothing, permissions ------------------------------------------------------


def test_all_or_nothing_writes_nothing_on_any_error(
    db: Database, admin: Actor, books: str, tmp_path: Path
) -> None:
    rows = (
        sale("A", "2025-03-05", "10")
        + sale("B", "2025-03-05", "20")
        + [["C", "2025-03-05", "x", "9999", "1", "", "", ""]]
    )
    path = write_csv(tmp_path / "v.csv", rows)
    s = run_import(db, admin, books, path, all_or_nothing=True, chunk_vouchers=1)
    assert (s.vouchers_imported, s.vouchers_rejected, s.ok) == (0, 3, False)
    assert stored(db, books) == []
    with db.session() as ss:
        batch = ss.get(ImportBatch, s.batch_id)
        assert batch is not None and batch.status == "failed"
    ok = run_import(db, admin, books, write_csv(tmp_path / "w.csv", rows[:4]), all_or_nothing=True, post=True)
    assert (ok.vouchers_imported, ok.ok) == (2, True)
    assert verify(db, admin, books).ok


def test_post_needs_the_import_post_permission(db: Database, books: str, tmp_path: Path) -> None:
    accountant = make_user(db, "accountant", books)
    path = write_csv(tmp_path / "v.csv", sale("A", "2025-03-05", "10"))
    with pytest.raises(PermissionDenied):
        run_import(db, accountant, books, path, post=True)
    assert stored(db, books) == []
    s = run_import(db, accountant, books, path)
    assert s.ok and stored(db, books)[0]["status"] == "draft"


# --- the same books as the normal path -----------------------------------------------------------


def normal_path(db: Database, actor: Actor, company: str, rows: Sequence[Sequence[str]], post: bool) -> None:
    """Create the file's vouchers one by one through ledger.create_voucher."""
    groups: dict[tuple[str, str], list[Sequence[str]]] = {}
    for r in rows:
        groups.setdefault((r[0], r[1]), []).append(r)
    for (no, day), g in groups.items():
        lines = tuple(
            LineDraft(
                summary=r[2],
                account_code=r[3],
                debit=Decimal(r[4] or 0),
                credit=Decimal(r[5] or 0),
                dims={"customer": r[6], "supplier": r[7]},
            )
            for r in g
        )
        d = VoucherDraft(date=parse_date(day), lines=lines, source_type="import", source_ref=no)
        ledger.create_voucher(UnitOfWork(db, actor), company, d, post=post)


@pytest.mark.parametrize("post", [True, False])
def test_import_stores_what_the_normal_path_stores(
    db: Database, admin: Actor, tmp_path: Path, post: bool
) -> None:
    rows: list[list[str]] = []
    for i in range(1, 40):
        day = f"2025-{3 + i % 3:02d}-{1 + i % 27:02d}"
        rows += sale(f"S{i}", day, f"{i * 37}.{i % 100:02d}", "C1" if i % 2 else "C2")
        rows += [
            [f"P{i}", day, "采购", "1405", f"{i}.00", "", "", ""],
            [f"P{i}", day, "采购", "22210101", "0.13", "", "", ""],
            [f"P{i}", day, "采购", "2202", "", f"{i}.13", "", "S1"],
        ]
    dims = [("customer", "C1", "甲"), ("customer", "C2", "乙"), ("supplier", "S1", "丙")]
    imported, normal = make_company(db, admin), make_company(db, admin)
    for c in (imported, normal):
        ledger.add_dimension_values(UnitOfWork(db, admin), c, dims)
    s = run_import(db, admin, imported, write_csv(tmp_path / "v.csv", rows), post=post, chunk_vouchers=7)
    assert (s.vouchers_imported, s.ok) == (78, True)
    normal_path(db, admin, normal, rows, post)
    assert stored(db, imported) == stored(db, normal)
    assert balances(db, imported) == balances(db, normal)
    if post:
        assert balances(db, imported) == line_sums(db, imported) != {}
        report = verify(db, admin, imported)
        assert (report.ok, report.checked) == (True, 78)
    else:
        assert balances(db, imported) == {}
        # Imported drafts go on through the normal review and posting.
        reviewer = make_user(db, "finance_manager", imported)
        with db.session() as ss:
            ids = (
                ss.execute(select(Voucher.id).where(Voucher.company_id == company_id(db, imported)))
                .scalars()
                .all()
            )
        for vid in ids[:5]:
            ledger.review_voucher(UnitOfWork(db, reviewer), imported, vid)
            ledger.post_voucher(UnitOfWork(db, reviewer), imported, vid)
        assert verify(db, admin, imported).ok
        assert balances(db, imported) == line_sums(db, imported)


def test_import_continues_a_chain_made_by_the_normal_path(
    db: Database, admin: Actor, books: str, tmp_path: Path
) -> None:
    normal_path(db, admin, books, sale("N1", "2025-03-01", "1"), post=True)
    s = run_import(
        db,
        admin,
        books,
        write_csv(tmp_path / "v.csv", sale("I1", "2025-03-02", "2") + sale("I2", "2025-03-02", "3")),
        post=True,
    )
    assert s.ok
    normal_path(db, admin, books, sale("N2", "2025-03-03", "4"), post=True)
    report = verify(db, admin, books)
    assert (report.ok, report.checked) == (True, 4)
    assert [v["number"] for v in stored(db, books)] == [1, 2, 3, 4]
    assert balances(db, books) == line_sums(db, books)


def test_writer_process_path(sqlite_db: Database, tmp_path: Path) -> None:
    """SQLite's parallel writer (a child process) stores the same as the in-process writer."""
    from tests.conftest import admin_actor

    db = sqlite_db
    admin = admin_actor(db)
    rows: list[list[str]] = []
    for i in range(1, 60):
        rows += sale(f"S{i}", f"2025-03-{1 + i % 28:02d}", f"{i}.{i:02d}")
    a, b = make_company(db, admin), make_company(db, admin)
    for c in (a, b):
        ledger.add_dimension_values(UnitOfWork(db, admin), c, [("customer", "C1", "甲")])
    path = write_csv(tmp_path / "v.csv", rows)
    sa = run_import(db, admin, a, path, post=True, parallel=True, chunk_vouchers=10)
    sb = run_import(db, admin, b, path, post=True, parallel=False, chunk_vouchers=10)
    assert (sa.vouchers_imported, sb.vouchers_imported) == (59, 59)
    assert stored(db, a) == stored(db, b)
    assert balances(db, a) == balances(db, b) == line_sums(db, a)
    assert verify(db, admin, a).ok


def test_writer_process_stops_cleanly_when_another_writer_slips_in(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A voucher created by someone else between two chunks makes the import stop with
    import.interrupted (the numbers it planned are taken); a re-run imports the rest."""
    from tests.conftest import admin_actor

    db = sqlite_db
    admin = admin_actor(db)
    company = make_company(db, admin)
    ledger.add_dimension_values(UnitOfWork(db, admin), company, [("customer", "C1", "甲")])
    rows: list[list[str]] = []
    for i in range(1, 41):
        rows += sale(f"S{i}", "2025-03-05", f"{i}.00")
    path = write_csv(tmp_path / "v.csv", rows)
    submit = bulk._ProcessWriter.submit
    intruded: list[int] = []

    def submit_then_intrude(self: Any, plan: Any) -> Any:
        done = submit(self, plan)
        if not intruded:
            intruded.append(1)
            normal_path(db, admin, company, sale("OTHER", "2025-03-05", "1.00"), post=True)
        return done

    monkeypatch.setattr(bulk._ProcessWriter, "submit", submit_then_intrude)
    with pytest.raises(bulk.ImportInterrupted) as info:
        run_import(db, admin, company, path, post=True, parallel=True, chunk_vouchers=10)
    done = info.value.params["done"]
    assert done in (0, 10)
    assert len(stored(db, company)) == done + 1
    assert verify(db, admin, company).ok
    monkeypatch.setattr(bulk._ProcessWriter, "submit", submit)
    again = run_import(db, admin, company, path, post=True, parallel=True, chunk_vouchers=10)
    assert (again.vouchers_imported, again.vouchers_skipped, again.ok) == (40 - done, done, True)
    assert len(stored(db, company)) == 41
    assert sorted(v["number"] for v in stored(db, company)) == list(range(1, 42))  # gapless
    assert verify(db, admin, company).ok
    assert balances(db, company) == line_sums(db, company)


# --- idempotent re-run ---------------------------------------------------------------------------


def test_reimport_skips_what_was_imported(db: Database, admin: Actor, books: str, tmp_path: Path) -> None:
    rows = (
        sale("A", "2025-03-05", "10")
        + sale("B", "2025-03-05", "20")
        + [["C", "2025-03-05", "x", "9999", "1", "", "", ""]]
    )
    path = write_csv(tmp_path / "v.csv", rows)
    first = run_import(db, admin, books, path, post=True)
    assert (first.vouchers_imported, first.vouchers_rejected, first.vouchers_skipped) == (2, 1, 0)
    again = run_import(db, admin, books, path, post=True)
    assert (again.vouchers_imported, again.vouchers_rejected, again.vouchers_skipped) == (0, 1, 2)
    assert len(stored(db, books)) == 2
    # Another file (another hash) with the same voucher numbers is imported again.
    other = write_csv(tmp_path / "w.csv", rows[:2])
    assert run_import(db, admin, books, other, post=True).vouchers_imported == 1
    assert verify(db, admin, books).ok


# --- the CLI ---------------------------------------------------------------------------------------


def cli(db: Database, *args: str) -> tuple[int, str, str]:
    from yecai.cli.main import app

    result = CliRunner().invoke(app, list(args), env={"YECAI_DATABASE_URL": db.url, "YECAI_LANG": "en"})
    return result.exit_code, result.stdout, result.stderr


def test_cli_exit_codes_summary_and_report(db: Database, books: str, tmp_path: Path) -> None:
    good = write_csv(tmp_path / "good.csv", sale("A", "2025-03-05", "10"))
    code, out, err = cli(db, "voucher", "import", str(good), "--company", books, "--post")
    assert code == 0, err
    assert "Vouchers imported: 1 (2 lines, posted); rejected: 0; skipped (already imported): 0" in " ".join(
        out.split()
    )

    code, out, err = cli(db, "voucher", "import", str(good), "--company", books, "--post")
    assert code == 0 and "skipped (already imported): 1" in " ".join(out.split())

    bad = write_csv(
        tmp_path / "bad.csv",
        sale("B", "2025-03-05", "20") + [["C", "2025-03-05", "x", "9999", "1", "", "", ""]],
    )
    report = tmp_path / "report.csv"
    code, out, err = cli(db, "voucher", "import", str(bad), "--company", books, "--report", str(report))
    assert code == 2
    assert "rejected: 1" in " ".join(out.split())
    assert "row 4" in err and "account.not_found" in err
    with report.open(encoding="utf-8-sig") as fh:
        lines = list(csv.reader(fh))
    assert lines[0] == ["file", "row", "column", "code", "message"]
    assert sorted(ln[:4] for ln in lines[1:]) == [
        ["bad.csv", "4", "account_code", "account.not_found"],
        ["bad.csv", "4", "voucher_no", "voucher.too_few_lines"],
    ]

    code, out, err = cli(db, "voucher", "import", str(bad), "--company", books, "--all-or-nothing")
    assert code == 2 and "nothing was written" in err
    assert len(stored(db, books)) == 2  # A, and B from the partial import

    unknown = write_csv(tmp_path / "u.csv", [], [*HEADER, "memo"])
    code, out, err = cli(db, "voucher", "import", str(unknown), "--company", books)
    assert code == 2 and "memo" in err and "import.unknown_columns" in err


# --- the API ---------------------------------------------------------------------------------------


def api_client(db: Database, actor: Actor) -> TestClient:
    from yecai.api.app import create_app
    from yecai.security import service as sec

    app = create_app(db)
    client = TestClient(app)
    token, _ = sec.login(db, actor.username, "password-123", kind="api")
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def test_api_upload(db: Database, books: str, tmp_path: Path) -> None:
    manager = make_user(db, "finance_manager", books)
    client = api_client(db, manager)
    body = write_csv(
        tmp_path / "v.csv",
        sale("A", "2025-03-05", "10") + [["C", "2025-03-05", "x", "9999", "1", "", "", ""]],
    ).read_bytes()
    url = f"/api/companies/{books}/vouchers/import"
    r = client.post(url, params={"post": "true"}, files={"file": ("凭证.csv", body, "text/csv")})
    assert r.status_code == 200, r.text
    data = r.json()
    assert (data["vouchers_imported"], data["vouchers_rejected"], data["ok"], data["posted"]) == (
        1,
        1,
        False,
        True,
    )
    errors = sorted(data["errors"], key=lambda e: e["code"])
    assert errors[0] | {"message": ""} == {
        "file": "凭证.csv",
        "row": 4,
        "column": "account_code",
        "code": "account.not_found",
        "message": "",
        "rows": [],
    }
    r = client.post(url, params={"all_or_nothing": "true"}, files={"file": ("v.csv", body, "text/csv")})
    assert r.status_code == 200 and r.json()["vouchers_imported"] == 0
    r = client.post(url, files={"file": ("v.csv", b"voucher_no,date\n", "text/csv")})
    assert r.status_code == 422 and r.json()["error"]["code"] == "import.missing_columns"
    assert len(stored(db, books)) == 1


def test_api_upload_size_limit(
    db: Database, books: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from yecai.ledger import api_import

    monkeypatch.setattr(api_import, "UPLOAD_BYTES_MAX", 1000)
    client = api_client(db, make_user(db, "finance_manager", books))
    body = write_csv(tmp_path / "v.csv", sale("A", "2025-03-05", "10") * 30).read_bytes()
    assert len(body) > 1000
    r = client.post(f"/api/companies/{books}/vouchers/import", files={"file": ("v.csv", body, "text/csv")})
    assert r.status_code == 413 and r.json()["error"]["code"] == "import.too_large"
    assert stored(db, books) == []
