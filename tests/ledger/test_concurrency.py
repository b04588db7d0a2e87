"""Concurrent posting: several processes posting to the same accounts end with exactly the
balances a serial run gives, gapless voucher numbers per (period, word) and an intact chain.

PostgreSQL: 4 processes × 25 vouchers (row locks on the counter and the company's chain head).
SQLite: 2 processes (writers serialize on BEGIN IMMEDIATE, waiting up to busy_timeout).
"""

from __future__ import annotations

import multiprocessing as mp
from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.conftest import admin_actor, make_company, make_user
from yecai.ledger import service as ledger
from yecai.ledger.domain import WORDS, LineDraft, VoucherDraft
from yecai.ledger.models import Account, AccountBalance, Company, Voucher, VoucherLine
from yecai.store.db import Database
from yecai.store.uow import UnitOfWork

PERIOD = 202503
START_TIMEOUT_S = 120
RUN_TIMEOUT_S = 300


def voucher_for(worker: int, i: int) -> VoucherDraft:
    """The i-th voucher of a worker: every worker hits the same accounts, in all four words."""
    a = Decimal(worker * 1000 + i + 1).scaleb(-2)  # distinct, so a lost or doubled update shows
    b = Decimal(i % 7 + 1)
    lines = (
        LineDraft(summary=f"w{worker} #{i}", account_code="1122", debit=a + b, dims={"customer": "C1"}),
        LineDraft(summary=f"w{worker} #{i}", account_code="6001", credit=a),
        LineDraft(summary=f"w{worker} #{i}", account_code="1001", credit=b),
    )
    if i % 5 == 4:  # a red line now and then
        lines += (
            LineDraft(summary="红字", account_code="100201", debit=Decimal("-1.00")),
            LineDraft(summary="红字", account_code="2202", credit=Decimal("-1.00"), dims={"supplier": "S1"}),
        )
    return VoucherDraft(date=date(2025, 3, 1 + i % 28), lines=lines, word=WORDS[(worker + i) % len(WORDS)])


def four_eyes(i: int) -> bool:
    """Every third voucher goes maker → reviewer → poster; the rest are posted directly."""
    return i % 3 == 0


def _worker(url: str, company: str, worker: int, count: int, names: dict[str, str], start: Any) -> None:
    from yecai.security.service import actor_for

    db = Database(url)
    try:
        admin = actor_for(db, "admin", source="test")
        maker = actor_for(db, names["maker"], source="test")
        reviewer = actor_for(db, names["reviewer"], source="test")
        if not start.wait(START_TIMEOUT_S):
            raise RuntimeError("the other workers did not start")
        for i in range(count):
            d = voucher_for(worker, i)
            if four_eyes(i):
                v = ledger.create_voucher(UnitOfWork(db, maker), company, d)
                ledger.review_voucher(UnitOfWork(db, reviewer), company, v.id)
                ledger.post_voucher(UnitOfWork(db, admin), company, v.id)
            else:
                ledger.create_voucher(UnitOfWork(db, admin), company, d, post=True)
    finally:
        db.dispose()


def run_workers(db: Database, workers: int, count: int) -> str:
    admin = admin_actor(db)
    company = make_company(db, admin)
    ledger.add_dimension_values(
        UnitOfWork(db, admin), company, [("customer", "C1", "客户"), ("supplier", "S1", "供应商")]
    )
    names = {
        "maker": make_user(db, "accountant", company).username,
        "reviewer": make_user(db, "reviewer", company).username,
    }
    ctx = mp.get_context("spawn")
    start = ctx.Event()
    procs = [
        ctx.Process(target=_worker, args=(db.url, company, w, count, names, start), daemon=True)
        for w in range(workers)
    ]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(RUN_TIMEOUT_S)
    for p in procs:
        if p.is_alive():
            p.kill()
    assert [p.exitcode for p in procs] == [0] * workers, "a worker failed (its traceback is above)"
    return company


def check_books(db: Database, company: str, workers: int, count: int) -> None:
    # What a serial run gives: the sum of the inputs, per account and side.
    expected: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    per_word: dict[str, int] = defaultdict(int)
    for w in range(workers):
        for i in range(count):
            d = voucher_for(w, i)
            per_word[d.word] += 1
            for ln in d.lines:
                expected[ln.account_code][0] += int(ln.debit * 100)
                expected[ln.account_code][1] += int(ln.credit * 100)
    n = workers * count

    with db.session() as s:
        cid = s.execute(select(Company.id).where(Company.code == company)).scalar_one()
        vouchers = s.execute(
            select(Voucher.word, Voucher.number, Voucher.status, Voucher.chain_seq).where(
                Voucher.company_id == cid
            )
        ).all()
        stored = {
            code: [d, c]
            for code, d, c in s.execute(
                select(Account.code, AccountBalance.debit_minor, AccountBalance.credit_minor)
                .join(Account, Account.id == AccountBalance.account_id)
                .where(AccountBalance.company_id == cid, AccountBalance.period == PERIOD)
            )
        }
        from_lines = {
            code: [int(d), int(c)]
            for code, d, c in s.execute(
                select(Account.code, func.sum(VoucherLine.debit_minor), func.sum(VoucherLine.credit_minor))
                .join(Account, Account.id == VoucherLine.account_id)
                .join(Voucher, Voucher.id == VoucherLine.voucher_id)
                .where(VoucherLine.company_id == cid, Voucher.status == "posted")
                .group_by(Account.code)
            )
        }
        chain_seq = s.execute(select(Company.chain_seq).where(Company.id == cid)).scalar_one()

    assert len(vouchers) == n
    assert {v.status for v in vouchers} == {"posted"}
    assert stored == from_lines == dict(expected)
    numbers: dict[str, list[int]] = defaultdict(list)
    for v in vouchers:
        numbers[v.word].append(v.number)
    assert {w: sorted(ns) for w, ns in numbers.items()} == {
        w: list(range(1, k + 1)) for w, k in per_word.items()
    }
    assert sorted(v.chain_seq for v in vouchers) == list(range(1, n + 1))
    assert chain_seq == n
    report = ledger.verify_chain(UnitOfWork(db, admin_actor(db)), company)
    assert (report.ok, report.checked) == (True, n), report


@pytest.mark.xdist_group("concurrency")
def test_concurrent_posting_postgres(pg_db: Database) -> None:
    company = run_workers(pg_db, workers=4, count=25)
    check_books(pg_db, company, workers=4, count=25)


@pytest.mark.xdist_group("concurrency")
def test_concurrent_posting_sqlite(sqlite_db: Database) -> None:
    company = run_workers(sqlite_db, workers=2, count=15)
    check_books(sqlite_db, company, workers=2, count=15)


def _retry_worker(url: str, company: str, key: str, start: Any, out: Any) -> None:
    from yecai.security.service import actor_for

    db = Database(url)
    try:
        admin = actor_for(db, "admin", source="test")
        ledger.verify_chain(UnitOfWork(db, admin), company)  # warm up: imports, connection
        start.wait(START_TIMEOUT_S)
        v = ledger.create_voucher(
            UnitOfWork(db, admin), company, voucher_for(0, 1), idempotency_key=key, post=True
        )
        out.put(v.id)
    finally:
        db.dispose()


@pytest.mark.xdist_group("concurrency")
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_concurrent_retries_return_the_first_result(request: pytest.FixtureRequest, backend: str) -> None:
    """A client that retries while its first request is still running gets the same voucher."""
    db: Database = request.getfixturevalue("pg_db" if backend == "postgres" else "sqlite_db")
    admin = admin_actor(db)
    company = make_company(db, admin)
    ledger.add_dimension_values(
        UnitOfWork(db, admin), company, [("customer", "C1", "客户"), ("supplier", "S1", "供应商")]
    )
    ctx = mp.get_context("spawn")
    start, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_retry_worker, args=(db.url, company, "pay-1", start, out)) for _ in range(4)]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(RUN_TIMEOUT_S)
    assert [p.exitcode for p in procs] == [0] * 4, "a retry failed (its traceback is above)"
    ids = {out.get(timeout=5) for _ in procs}
    assert len(ids) == 1
    with db.session() as s:
        cid = s.execute(select(Company.id).where(Company.code == company)).scalar_one()
        assert (
            s.execute(select(func.count()).select_from(Voucher).where(Voucher.company_id == cid)).scalar_one()
            == 1
        )
