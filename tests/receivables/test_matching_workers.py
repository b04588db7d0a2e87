"""The first look at every receipt split over forked processes: the proposals are exactly those
of one process, whether the children answer or fail. Real forks, no database."""

from __future__ import annotations

import os
import random
from datetime import date, timedelta

import pytest

from yecai.receivables.domain import forked, matching
from yecai.receivables.domain.matching import BankReceipt, Memory, OpenItem, Proposal, Settings, match

pytestmark = pytest.mark.skipif(not forked.can_fork(), reason="fork is used on Linux only")

BRANDS = "华东 远航 宏达 金鼎 瑞丰 恒信 东方 新华 永盛 天成 海川 博远".split()
TRADES = ["商贸", "电子科技", "机械", "物流", "建材"]


def batch(n_items: int, n_receipts: int, seed: int = 3) -> tuple[list[BankReceipt], list[OpenItem], Memory]:
    """A mixed batch: references in full and bare, names cut or whole, known and unknown
    accounts, exact amounts, fees, two invoices in one receipt, strangers."""
    rnd = random.Random(seed)
    customers = [
        (f"C{k:03d}", f"上海{rnd.choice(BRANDS)}{rnd.choice(TRADES)}有限公司", f"62220000{k:08d}")
        for k in range(60)
    ]
    start = date(2025, 1, 1)
    items = []
    for k in range(n_items):
        code, name, _acct = rnd.choice(customers)
        day = start + timedelta(days=rnd.randrange(120))
        amount = rnd.choice([rnd.randrange(10_000, 5_000_000), 1_000_000, 2_260_000])
        items.append(
            OpenItem(f"I{k}", code, name, f"INV-2025-{k:06d}", day, day + timedelta(days=30), amount)
        )
    receipts = []
    for k in range(n_receipts):
        it = rnd.choice(items)
        name = next(n for c, n, _a in customers if c == it.customer_code)
        acct = next(a for c, _n, a in customers if c == it.customer_code)
        style = rnd.randrange(6)
        amount = it.open_minor - (rnd.choice([0, 0, 0, 1_500]) if style < 5 else 0)
        remark = [it.doc_no, f"No.{it.item_id[1:]}", "货款", "", f"付{it.doc_no[4:]}货款", "预付款"][style]
        if style == 3:
            other = rnd.choice([i for i in items[:50] if i.customer_code == it.customer_code] or [it])
            amount += other.open_minor if other is not it else 0
        payer = [name, name[2:-4], name[:8], "张三"][rnd.randrange(4)]
        account = [acct, acct, f"9{k:09d}"][rnd.randrange(3)]
        if k % 17 == 0:
            payer, account, amount = "某某供应商有限公司", f"7{k:09d}", rnd.randrange(1_000, 90_000)
        receipts.append(
            BankReceipt(
                f"T{k}", start + timedelta(days=rnd.randrange(150)), amount, "CNY", payer, account, remark
            )
        )
    memory = Memory.of(accounts=[(a, c) for c, _n, a in customers[::2]])
    return receipts, items, memory


def flat(proposals: list[Proposal]) -> list[tuple[object, ...]]:
    return [
        (p.txn_id, p.customer_code, p.applications, p.confidence, tuple(map(str, p.reasons)), p.auto)
        for p in proposals
    ]


@pytest.fixture
def small_forks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(matching, "FORK_RECEIPTS_MIN", 50)  # fork for a small batch too


def test_proposals_with_workers_are_those_of_one_process(
    small_forks: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    receipts, items, memory = batch(1_500, 1_200)
    one = flat(match(receipts, items, memory, Settings()))
    assert sum(1 for p in one if p[2]) > 600  # the batch exercises the engine
    answers: list[int] = []
    take = matching.Matcher._import_look

    def counted(self: matching.Matcher, receipts: list[BankReceipt], data: bytes) -> None:
        answers.append(len(data))
        take(self, receipts, data)

    monkeypatch.setattr(matching.Matcher, "_import_look", counted)
    assert flat(match(receipts, items, memory, Settings(workers=2))) == one
    assert len(answers) == 1  # one child answered for its share
    assert flat(match(receipts, items, memory, Settings(workers=3))) == one
    assert len(answers) == 3


def test_a_child_that_fails_leaves_its_share_to_this_process(
    small_forks: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    receipts, items, memory = batch(600, 500, seed=5)
    one = flat(match(receipts, items, memory, Settings()))
    parent = os.getpid()

    def broken(self: matching.Matcher, receipts: object, share: object) -> bytes:
        assert os.getpid() != parent, "the share is exported by a child"
        raise RuntimeError("the child fails")

    monkeypatch.setattr(matching.Matcher, "_export_look", broken)
    assert flat(match(receipts, items, memory, Settings(workers=2))) == one


def test_in_children_answers_in_order_and_none_for_a_failed_job() -> None:
    ran: list[str] = []

    def fails() -> bytes:
        raise ValueError("no")

    got = forked.in_children(
        [lambda: b"first " + str(os.getpid()).encode(), fails, lambda: b""], lambda: ran.append("own")
    )
    assert ran == ["own"]
    assert got[0] is not None and got[0].startswith(b"first ") and got[0] != f"first {os.getpid()}".encode()
    assert got[1] is None and got[2] == b""


def test_in_children_ends_the_children_when_the_own_share_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    def own() -> None:
        raise KeyError("own share")

    # Note the children's pids (the real fork runs): other tests of this worker process may have
    # children of their own, so "no child at all" cannot be asked, only "not these".
    forked_pids: list[int] = []
    real_fork = os.fork

    def noting_fork() -> int:
        pid = real_fork()
        if pid:
            forked_pids.append(pid)
        return pid

    monkeypatch.setattr(forked.os, "fork", noting_fork)
    with pytest.raises(KeyError):
        forked.in_children([lambda: b"x" * 1_000_000], own)
    assert len(forked_pids) == 1
    with pytest.raises(ChildProcessError):
        os.waitpid(forked_pids[0], os.WNOHANG)  # killed and reaped: nothing left of it
