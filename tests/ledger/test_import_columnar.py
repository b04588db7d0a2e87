"""The column-wise import (bulk_columnar, for plain UTF-8 CSV) gives exactly what the row-wise
import gives — which test_import.py holds to the domain and to the normal path — on files made
to tell them apart: odd amounts and whitespace, blank and ragged rows, CRLF, a BOM, rows of a
voucher too far apart, foreign currency, re-runs. Every voucher the column-wise fast check takes
is also checked against the domain here (CHECK_ALL), not only one a chunk.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_company
from tests.ledger.test_import import HEADER, balances, line_sums, run_import, stored, verify
from yecai.ledger import bulk_columnar
from yecai.ledger import service as ledger
from yecai.ledger.importer import file_facts
from yecai.store.db import Database
from yecai.store.uow import Actor, UnitOfWork

WIDE = [*HEADER, "voucher_type", "currency", "original_amount", "rate", "department"]


@pytest.fixture(autouse=True)
def check_every_voucher(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk_columnar, "CHECK_ALL", True)


def books(db: Database, admin: Actor) -> str:
    code = make_company(db, admin)
    ledger.add_dimension_values(
        UnitOfWork(db, admin),
        code,
        [("customer", "C1", "华东客户"), ("customer", "C2", "华南客户"), ("supplier", "S1", "供应商")]
        + [("department", "D1", "销售部")],
    )
    ledger.add_account(UnitOfWork(db, admin), code, code="660288", name="测试费用", parent_code="6602")
    ledger.set_account_enabled(UnitOfWork(db, admin), code, "660288", False)
    return code


def write_plain(
    path: Path, rows: list[list[str]], header: list[str] = WIDE, *, eol: str = "\n", bom: bool = False
) -> Path:
    """A CSV without any quoting (the cells hold no comma, quote or line break)."""
    lines = [",".join(header)] + [",".join(r) for r in rows]
    for line in lines:
        assert '"' not in line and "\n" not in line and "\r" not in line, line
    path.write_bytes(("\ufeff" if bom else "").encode() + (eol.join(lines) + eol).encode("utf-8"))
    assert file_facts(path).plain_csv
    return path


def tricky_rows() -> list[list[str]]:
    amounts = ["1", "1.5", "1.50", "0001.50", "12.", ".5", "-5", " 5 ", "1e3", "5.001", "0", "", "１２"]
    amounts += ["1_000", "+5", "99999999999999.99", "9999999999999.99", "²", "5\u3000", "\x1c5", "٣"]
    accounts = ["1001", " 1001", "1001\x1c", "\u30001001", "1002", "660288", "9999", "1122"]
    rows: list[list[str]] = []
    n = 0
    for amount in amounts:
        for acc in accounts:
            for cust in ("", "C1", " C2 ", "C9", "\xa0C1"):
                n += 1
                no = f"F{n}"
                rows.append([no, "2025-03-05", " 摘要 ", acc, amount, "", cust, "", "", "", "", "", ""])
                rows.append([no, "2025-03-05", "摘要", "100201", "", amount, "", "", "记", "", "", "", ""])
    rows += [
        # voucher words, mixed or unknown
        ["W1", "2025-03-05", "x", "1001", "5", "", "", "", "收", "", "", "", ""],
        ["W1", "2025-03-05", "x", "100201", "", "5", "", "", "付", "", "", "", ""],
        ["W2", "2025-03-05", "x", "1001", "5", "", "", "", "借", "", "", "", ""],
        ["W2", "2025-03-05", "x", "100201", "", "5", "", "", "借", "", "", "", ""],
        ["W3", "2025-03-05", "x", "1001", "5", "", "", "", " 转 ", "", "", "", ""],
        ["W3", "2025-03-05", "x", "100201", "", "5", "", "", "转", "", "", "", ""],
        # foreign currency (the domain decides), and a stated base currency
        ["FX", "2025-03-05", "x", "100201", "70.00", "", "", "", "", "USD", "10", "7", ""],
        ["FX", "2025-03-05", "x", "1001", "", "70.00", "", "", "", "CNY", "", "", ""],
        # a department on an account without it; dates written three ways, and not dates
        ["DP", "2025-03-05", "x", "1001", "5", "", "", "", "", "", "", "", "D1"],
        ["DP", "2025-03-05", "x", "100201", "", "5", "", "", "", "", "", "", ""],
        ["DT", "2025/3/6", "x", "1001", "5", "", "", "", "", "", "", "", ""],
        ["DT", "20250306", "x", "100201", "", "5", "", "", "", "", "", "", ""],
        ["DX", "2025-02-30", "x", "1001", "5", "", "", "", "", "", "", "", ""],
        ["DX", "2025-02-30", "x", "100201", "", "5", "", "", "", "", "", "", ""],
        ["DY", "２０２５-０３-０７", "x", "1001", "5", "", "", "", "", "", "", "", ""],
        ["DY", "２０２５-０３-０７", "x", "100201", "", "5", "", "", "", "", "", "", ""],
        ["DZ", "2025-01-15", "x", "1001", "5", "", "", "", "", "", "", "", ""],
        ["DZ", "2025-01-15", "x", "100201", "", "5", "", "", "", "", "", "", ""],
        ["DN", "2031-01-15", "x", "1001", "5", "", "", "", "", "", "", "", ""],
        ["DN", "2031-01-15", "x", "100201", "", "5", "", "", "", "", "", "", ""],
        # summaries that JSON escapes, long ones, an empty voucher_no, one line, a long number
        ["JS", "2025-03-05", "a\\b\x01\x1f\x7f", "1001", "5", "", "", "", "", "", "", "", ""],
        ["JS", "2025-03-05", "\t制表\u2028" + "长" * 250, "100201", "", "5", "", "", "", "", "", "", ""],
        ["", "2025-03-05", "x", "1001", "5", "", "", "", "", "", "", "", ""],
        ["", "2025-03-05", "x", "100201", "", "5", "", "", "", "", "", "", ""],
        ["ONE", "2025-03-05", "x", "1001", "5", "", "", "", "", "", "", "", ""],
        ["N" * 120, "2025-03-05", "x", "1001", "5", "", "", "", "", "", "", "", ""],
        ["N" * 120, "2025-03-05", "x", "100201", "", "5", "", "", "", "", "", "", ""],
        # blank rows, a whitespace-only row, ragged rows (short: padded; long: cut)
        [],
        [" ", "\u3000", "", "", "", "", "", "", "", "", "", "", ""],
        ["RG", "2025-03-08", "x", "1001", "5"],
        ["RG", "2025-03-08", "x", "100201", "", "5", "", "", "", "", "", "", "", "extra", "more"],
    ]
    return rows


def outcome(db: Database, code: str, s: Any) -> tuple[Any, ...]:
    issues = sorted((i.row, i.column, i.code, i.message.replace(code, "<company>"), i.rows) for i in s.issues)
    counts = (s.rows, s.vouchers_imported, s.vouchers_rejected, s.vouchers_skipped, s.lines_imported)
    return counts, issues, stored(db, code), balances(db, code)


def both_ways(db: Database, admin: Actor, path: Path, **kw: Any) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    a, b = books(db, admin), books(db, admin)
    sa = run_import(db, admin, a, path, columnar=True, **kw)
    sb = run_import(db, admin, b, path, columnar=False, **kw)
    return outcome(db, a, sa), outcome(db, b, sb)


def test_python_whitespace_is_what_str_strip_strips() -> None:
    assert bulk_columnar.PY_WHITESPACE == "".join(chr(c) for c in range(0x110000) if chr(c).isspace())


@pytest.mark.parametrize("post", [True, False])
def test_tricky_file_same_as_row_wise(db: Database, admin: Actor, tmp_path: Path, post: bool) -> None:
    path = write_plain(tmp_path / "tricky.csv", tricky_rows())
    columnar, row_wise = both_ways(db, admin, path, post=post, chunk_vouchers=50)
    assert columnar == row_wise
    counts, issues, vouchers, _ = columnar
    assert counts[1] > 100 and counts[2] > 100 and len(vouchers) == counts[1]  # both kinds, many


@pytest.mark.parametrize(("eol", "bom"), [("\r\n", True), ("\n", False)])
def test_line_endings_bom_and_line_numbers(
    db: Database, admin: Actor, tmp_path: Path, eol: str, bom: bool
) -> None:
    rows = tricky_rows()[-40:]
    path = write_plain(tmp_path / "v.csv", rows, eol=eol, bom=bom)
    columnar, row_wise = both_ways(db, admin, path, post=True)
    assert columnar == row_wise
    assert columnar[1]  # errors, at file lines


def test_rows_apart_and_chunk_edges(db: Database, admin: Actor, tmp_path: Path) -> None:
    """Rows of one voucher spread over chunks: kept within the look-ahead window, reported
    (import.rows_apart) beyond it, whatever block or chunk boundary they fall on."""
    rows: list[list[str]] = []
    for i in range(60):
        rows.append([f"V{i}", "2025-03-05", "x", "1001", f"{i + 1}", "", "", "", "", "", "", "", ""])
    for i in range(60):  # the second lines, in reverse, up to 59 vouchers later
        j = 59 - i
        rows.append([f"V{j}", "2025-03-05", "x", "100201", "", f"{j + 1}", "", "", "", "", "", "", ""])
    rows.append(["V3", "2025-03-05", "x", "100201", "", "1", "", "", "", "", "", "", ""])  # far too late
    path = write_plain(tmp_path / "apart.csv", rows)
    codes = {}
    for chunk in (1, 7, 100):
        columnar, row_wise = both_ways(db, admin, path, post=True, chunk_vouchers=chunk)
        assert columnar == row_wise, chunk
        codes[chunk] = {code for _, _, code, _, _ in columnar[1]}
    assert "import.rows_apart" in codes[7] and "import.rows_apart" not in codes[100]


def test_small_blocks(db: Database, admin: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The file read a few hundred bytes at a time: lines and vouchers cut anywhere."""
    monkeypatch.setattr(bulk_columnar, "BLOCK_BYTES", 300)
    path = write_plain(tmp_path / "v.csv", tricky_rows()[:300] + tricky_rows()[-40:])
    columnar, row_wise = both_ways(db, admin, path, post=True, chunk_vouchers=9)
    assert columnar == row_wise


def test_rerun_skips_and_chain_verifies(db: Database, admin: Actor, tmp_path: Path) -> None:
    path = write_plain(tmp_path / "v.csv", tricky_rows()[:400])
    code = books(db, admin)
    first = run_import(db, admin, code, path, post=True, chunk_vouchers=30)
    again = run_import(db, admin, code, path, post=True, chunk_vouchers=30)
    assert first.vouchers_imported > 0
    assert (again.vouchers_imported, again.vouchers_skipped) == (0, first.vouchers_imported)
    assert again.vouchers_rejected == first.vouchers_rejected
    assert verify(db, admin, code).ok
    assert balances(db, code) == line_sums(db, code)


def test_writer_process_ingests_arrow(sqlite_db: Database, tmp_path: Path) -> None:
    """The writer process (Arrow through ADBC) stores what the in-process writer stores."""
    from tests.conftest import admin_actor

    db = sqlite_db
    admin = admin_actor(db)
    path = write_plain(tmp_path / "v.csv", tricky_rows())
    a, b = books(db, admin), books(db, admin)
    sa = run_import(db, admin, a, path, post=True, parallel=True, chunk_vouchers=40)
    sb = run_import(db, admin, b, path, post=True, parallel=False, chunk_vouchers=40)
    assert outcome(db, a, sa) == outcome(db, b, sb)
    assert verify(db, admin, a).ok
    assert balances(db, a) == line_sums(db, a)
    # the same SQLite types as the row-wise writer binds
    con = sqlite3.connect(db.url.split("///", 1)[1])
    try:
        types = con.execute(
            "SELECT DISTINCT typeof(v.date), typeof(v.created_at), typeof(v.hash), typeof(l.debit_minor),"
            " typeof(l.customer_id), typeof(l.currency) FROM voucher v JOIN voucher_line l ON l.voucher_id = v.id"
            " JOIN company c ON c.id = v.company_id WHERE c.code IN (?, ?)",
            (a, b),
        ).fetchall()
    finally:
        con.close()
    assert set(types) <= {
        ("text", "text", "text", "integer", t1, t2) for t1 in ("integer", "null") for t2 in ("text", "null")
    }


def test_writer_lets_sqlite_number_rows_as_planned(tmp_path: Path) -> None:
    """The writer process inserts Arrow rows without their ids (SQLite gives each the next one,
    which is the planned one) and refuses a chunk whose rows did not get the planned ids."""
    import pyarrow as pa

    from yecai.ledger import bulk_writer
    from yecai.store.db import upgrade

    # A database file of its own: ADBC links its own copy of SQLite, and two copies in one
    # process must never open the same file (closing one drops the other's POSIX locks, and
    # the next writer there fails with "disk I/O error"). yecai only ever runs this writer in
    # a child process for that reason.
    path = tmp_path / "writer.db"
    upgrade(f"sqlite:///{path}")
    con = bulk_writer._Connection(str(path))
    assert con.adbc
    cur = con.cur
    try:
        cid = 1  # the writer checks foreign keys per chunk in apply_plan, not here
        top = 0
        columns = ["id", "period", "word", "number", "date", "summary", "source_ref", "total_minor"]
        consts = {"company_id": cid, "attachments": 0, "status": "draft", "source_type": "import"}
        consts |= {"created_at": "2025-03-01 00:00:00+00:00"}

        def plan(first: int, number: int, planned_last: int) -> dict[str, Any]:
            ids = [first, first + 1]
            rows = pa.table(
                {
                    "id": ids,
                    "period": [202503, 202503],
                    "word": ["记", "记"],
                    "number": [number, number + 1],
                    "date": ["2025-03-01", "2025-03-01"],
                    "summary": ["甲", "乙"],
                    "source_ref": ["A", "B"],
                    "total_minor": [100, 200],
                }
            )
            return {
                "vouchers": rows,
                "vouchers_columns": columns,
                "vouchers_consts": consts,
                "expect": {"voucher_max_id": first - 1},
                "voucher_ids": [first, planned_last],
            }

        cur.execute("BEGIN IMMEDIATE")
        bulk_writer._insert(cur, plan(top + 1, 1, top + 2), "vouchers", "qmark", True)
        cur.execute("SELECT id, number, summary FROM voucher WHERE company_id = ? ORDER BY id", (cid,))
        assert cur.fetchall() == [(top + 1, 1, "甲"), (top + 2, 2, "乙")]
        with pytest.raises(RuntimeError, match=rf"voucher ids {top + 4} after the chunk, planned {top + 5}"):
            bulk_writer._insert(cur, plan(top + 3, 3, top + 5), "vouchers", "qmark", True)
        cur.execute("ROLLBACK")
    finally:
        con.close()


def test_plain_csv_detection(tmp_path: Path) -> None:
    def facts(data: bytes) -> bool:
        p = tmp_path / "f.csv"
        p.write_bytes(data)
        return file_facts(p).plain_csv

    assert facts(b"a,b\r\n1,2\r\n")
    assert facts(b"a,b\n1,2")
    assert not facts(b'a,b\n"1,5",2\n')  # quoted: read row-wise
    assert not facts(b"a,b\r1,2\r")  # lone carriage returns
    assert not facts(b"a,b\n1,2\r")
    assert not facts(b"a,b\n1\x00,2\n")
    assert not facts("a,b\n销售,2\n".encode("gbk"))


def test_checkpointer_copies_the_wal_into_the_database_beside_the_writer(tmp_path: Path) -> None:
    """The writer's commits only append to the WAL; the checkpointer's thread copies committed
    pages into the database file (a file of its own: see the test above on ADBC)."""
    from yecai.ledger import bulk_writer

    path = tmp_path / "wal.db"
    writer = bulk_writer._Connection(str(path))
    try:
        writer.pragma("wal_autocheckpoint=0")  # as in serve(): the writer never copies
        writer.execute("CREATE TABLE t (x TEXT)")
        writer.execute("BEGIN IMMEDIATE")
        for i in range(2000):
            writer.execute(f"INSERT INTO t VALUES ('{'行' * 40}{i}')")
        writer.execute("COMMIT")
        assert path.stat().st_size < 64 * 1024  # committed, but only in the WAL so far
        checkpointer = bulk_writer._Checkpointer(str(path))
        checkpointer.poke()
        checkpointer.close()
        assert path.stat().st_size > 200 * 1024  # the rows' pages are in the database file
        writer.cur.execute("SELECT count(*) FROM t")
        assert writer.cur.fetchone() == (2000,)
    finally:
        writer.close()
