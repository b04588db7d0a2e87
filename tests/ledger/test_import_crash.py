"""A voucher import killed with SIGKILL part-way leaves only whole vouchers, a chain that verifies
and balances that equal the lines; running the same import again completes it.

The import runs as a real `yecai voucher import` process (with its writer process) on a SQLite
file; the whole process group is killed as soon as the first chunk is committed.
"""

from __future__ import annotations

import csv
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import admin_actor
from yecai.ledger import service as ledger
from yecai.security import service as security
from yecai.store.db import Database, get_database, upgrade
from yecai.store.uow import UnitOfWork

VOUCHERS = 20_000
CHUNK = 1_000
COMPANY = "CRASH"


def write_file(path: Path) -> Counter[str]:
    """VOUCHERS vouchers of 2 or 3 lines; returns lines per voucher_no."""
    lines: Counter[str] = Counter()
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["voucher_no", "date", "summary", "account_code", "debit", "credit", "customer"])
        for i in range(VOUCHERS):
            no = f"V{i:06d}"
            day = f"2025-{1 + i * 12 // VOUCHERS:02d}-{1 + i % 28:02d}"
            amount = f"{100 + i % 9000}.{i % 100:02d}"
            if i % 3:
                rows = [("销售", "1122", amount, "", f"C{i % 5}"), ("销售", "6001", "", amount, "")]
            else:
                half = f"{50 + i % 4000}.00"
                rest = f"{float(amount) - float(half):.2f}"
                rows = [
                    ("提现", "1001", amount, "", ""),
                    ("提现", "100201", "", half, ""),
                    ("提现", "100201", "", rest, ""),
                ]
            for summary, account, debit, credit, customer in rows:
                w.writerow([no, day, summary, account, debit, credit, customer])
                lines[no] += 1
    return lines


def yecai(db_url: str, *args: str, **kw: object) -> subprocess.Popen[bytes]:
    env = dict(os.environ, YECAI_DATABASE_URL=db_url, YECAI_LANG="en")
    return subprocess.Popen(  # type: ignore[call-overload,no-any-return]
        [sys.executable, "-m", "yecai", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kw,
    )


def check_books(db: Database, path: Path, expected_lines: Counter[str]) -> int:
    """Whole vouchers only, the chain verifies, balances are the sums of the lines. Returns count."""
    con = sqlite3.connect(path)
    try:
        cid = con.execute("SELECT id FROM company WHERE code = ?", (COMPANY,)).fetchone()[0]
        counts = con.execute(
            "SELECT v.source_ref, count(l.id) FROM voucher v LEFT JOIN voucher_line l ON l.voucher_id = v.id "
            "WHERE v.company_id = ? GROUP BY v.id",
            (cid,),
        ).fetchall()
        partial = [(ref, n) for ref, n in counts if n != expected_lines[ref]]
        assert partial == [], f"vouchers with missing lines: {partial[:5]}"
        assert len({ref for ref, _ in counts}) == len(counts), "a voucher was imported twice"
        mismatched = con.execute(
            "SELECT b.account_id, b.period FROM account_balance b LEFT JOIN ("
            "  SELECT l.account_id, l.period, sum(l.debit_minor) d, sum(l.credit_minor) c FROM voucher_line l"
            "  JOIN voucher v ON v.id = l.voucher_id WHERE v.company_id = ? AND v.status = 'posted'"
            "  GROUP BY l.account_id, l.period) s ON s.account_id = b.account_id AND s.period = b.period "
            "WHERE b.company_id = ? AND (b.debit_minor != coalesce(s.d, 0) OR b.credit_minor != coalesce(s.c, 0))",
            (cid, cid),
        ).fetchall()
        assert mismatched == []
        numbers = con.execute(
            "SELECT period, word, count(*), max(number) FROM voucher WHERE company_id = ? GROUP BY period, word",
            (cid,),
        ).fetchall()
        assert all(n == last for _, _, n, last in numbers), "voucher numbers have gaps"
    finally:
        con.close()
    report = ledger.verify_chain(UnitOfWork(db, admin_actor(db)), COMPANY)
    assert report.ok, report
    return len(counts)


@pytest.mark.slow
def test_killed_import_keeps_whole_vouchers_and_resumes(tmp_path: Path) -> None:
    path = tmp_path / "crash.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    db = get_database(url)
    security.ensure_admin(db, "admin", "admin-password")
    admin = admin_actor(db)
    ledger.create_company(UnitOfWork(db, admin), code=COMPANY, name="崩溃测试", start="2025-01")
    ledger.add_dimension_values(
        UnitOfWork(db, admin), COMPANY, [("customer", f"C{i}", f"客户{i}") for i in range(5)]
    )
    data = tmp_path / "vouchers.csv"
    expected = write_file(data)
    args = ("voucher", "import", str(data), "--company", COMPANY, "--post", "--chunk-vouchers", str(CHUNK))

    proc = yecai(url, *args, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        con = sqlite3.connect(path, timeout=30)
        while time.monotonic() < deadline and proc.poll() is None:
            if con.execute("SELECT count(*) FROM voucher").fetchone()[0] > 0:
                break
            time.sleep(0.02)
        con.close()
        assert proc.poll() is None, f"the import ended before it could be killed: {proc.communicate()}"
        os.killpg(proc.pid, signal.SIGKILL)  # the import and its writer process, mid-way
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL

    done = check_books(db, path, expected)
    assert CHUNK <= done < VOUCHERS

    rerun = yecai(url, *args)
    out, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, err.decode()
    text = " ".join(out.decode().split())
    assert f"Vouchers imported: {VOUCHERS - done} " in text
    assert f"skipped (already imported): {done};" in text

    assert check_books(db, path, expected) == VOUCHERS
    db.dispose()
