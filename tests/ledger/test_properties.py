"""Property-based: for any sequence of valid vouchers, reversals and closings,

* the trial balance balances (opening, period and closing pairs),
* the balance sheet balances (total assets = total liabilities and equity),
* a reversal nets to zero with its original on every account,
* the hash chain verifies, and any single changed byte or value of a posted voucher is detected,
* and the books agree with an in-memory model of every account's balance.

Each example is one fresh company (start 2025-01). Hypothesis drives a state machine over the
real services and database (SQLite always; PostgreSQL with fewer examples when reachable).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select, update

from tests.conftest import admin_actor, make_company, new_code
from tests.ledger.test_tamper import LINE, VOUCHER, nudge, write_raw
from yecai.core.money import to_minor
from yecai.core.periods import Period
from yecai.ledger import closing, reports
from yecai.ledger import service as ledger
from yecai.ledger.domain import LineDraft, VoucherDraft, voucher_hash
from yecai.ledger.models import Company, Voucher
from yecai.security import service as security
from yecai.store.db import Database
from yecai.store.immutability import drop_triggers, install_triggers
from yecai.store.uow import Actor, UnitOfWork

YEAR = 2025
# Leaf accounts of every category; 1122/2202/660202/500101 require a dimension, 100201/1122 keep FX.
ACCOUNTS: dict[str, str | None] = {
    "1001": None,
    "100201": None,
    "1122": "customer",
    "1403": None,
    "1601": None,
    "2001": None,
    "2202": "supplier",
    "22210102": None,
    "4001": None,
    "500101": "project",
    "6001": None,
    "6401": None,
    "660202": "department",
    "660301": None,
    "6711": None,
}
PROFIT_LOSS = {code for code in ACCOUNTS if code.startswith("6")}
PROFIT_ACCOUNT = "4103"
DIM_VALUES = {
    "customer": ["C1", "C2"],
    "supplier": ["S1"],
    "project": ["P1"],
    "department": ["D1", "D2"],
}
WORDS = ["记", "收", "付", "转"]
# Keys, numbers and the chain position: changing them moves a row (or collides with a unique key)
# rather than altering it; tests/ledger/test_tamper.py covers each of them one by one.
MOVES = {"id", "company_id", "chain_seq", "voucher_id", "line_no", "period", "number"}

amounts = st.one_of(
    st.integers(min_value=1, max_value=10**8),  # up to ¥1,000,000.00
    st.integers(min_value=-(10**6), max_value=-1),  # red (negative) amounts
)
line_specs = st.lists(
    st.tuples(st.sampled_from(sorted(ACCOUNTS)), amounts, st.booleans(), st.integers(0, 1)),
    min_size=1,
    max_size=4,
)


def make_lines(specs: list[tuple[str, int, bool, int]], balancing: str) -> tuple[LineDraft, ...]:
    """Lines from (account, amount in fen, debit?, dimension pick) plus one line that balances them."""
    lines = []
    diff = 0
    for code, minor, is_debit, pick in specs:
        amount = Decimal(minor).scaleb(-2)
        lines.append(line(code, amount if is_debit else Decimal(0), Decimal(0) if is_debit else amount, pick))
        diff += minor if is_debit else -minor
    if diff:
        lines.append(line(balancing, Decimal(0), Decimal(diff).scaleb(-2), 0))
    return tuple(lines)


def line(code: str, debit: Decimal, credit: Decimal, pick: int) -> LineDraft:
    dim = ACCOUNTS[code]
    dims = {dim: DIM_VALUES[dim][pick % len(DIM_VALUES[dim])]} if dim else {}
    return LineDraft(summary=f"测试 {code}", account_code=code, debit=debit, credit=credit, dims=dims)


class LedgerMachine(RuleBasedStateMachine):
    db: ClassVar[Database]
    reviewer_name: ClassVar[str]

    def __init__(self) -> None:
        super().__init__()
        self.admin = admin_actor(self.db)
        self.company = ""
        self.first_open = 1  # month
        self.expected: dict[tuple[str, int], int] = defaultdict(int)  # (account, YYYYMM) → net fen
        self.posted: list[int] = []  # manual vouchers not yet reversed
        self.pairs: list[tuple[int, int]] = []  # (original, reversal)

    def uow(self, actor: Actor | None = None) -> UnitOfWork:
        return UnitOfWork(self.db, actor or self.admin)

    @initialize()
    def new_company(self) -> None:
        self.company = make_company(self.db, self.admin, start=f"{YEAR}-01")
        ledger.add_dimension_values(
            self.uow(), self.company, [(d, v, v) for d, values in DIM_VALUES.items() for v in values]
        )
        security.grant(self.uow(), username=self.reviewer_name, company_code=self.company, role="reviewer")
        self.reviewer = security.actor_for(self.db, self.reviewer_name, source="test")

    # --- actions ---------------------------------------------------------------------------

    @rule(
        specs=line_specs,
        balancing=st.sampled_from(sorted(ACCOUNTS)),
        month_ahead=st.integers(0, 2),
        day=st.integers(1, 28),
        word=st.sampled_from(WORDS),
    )
    def post_voucher(self, specs: list[Any], balancing: str, month_ahead: int, day: int, word: str) -> None:
        month = min(12, self.first_open + month_ahead)
        d = VoucherDraft(date=date(YEAR, month, day), lines=make_lines(specs, balancing), word=word)
        v = ledger.create_voucher(self.uow(), self.company, d, post=True)
        assert v.status == "posted"
        self.record(d.lines, month)
        self.posted.append(v.id)

    @precondition(lambda self: bool(self.posted))
    @rule(pick=st.integers(min_value=0), day=st.integers(1, 28))
    def reverse_voucher(self, pick: int, day: int) -> None:
        original = self.posted.pop(pick % len(self.posted))
        view = ledger.get_voucher(self.uow(), self.company, original)
        month = Period.parse(view.period).month
        on = None if month >= self.first_open else date(YEAR, self.first_open, day)  # closed: reverse later
        rev = ledger.reverse_voucher(self.uow(), self.company, original, on=on)
        assert rev.status == "draft"
        ledger.review_voucher(self.uow(self.reviewer), self.company, rev.id)
        rev = ledger.post_voucher(self.uow(), self.company, rev.id)
        assert (rev.status, rev.reverses_id) == ("posted", original)
        for ln in view.lines:
            net = to_minor(ln.debit or "0") - to_minor(ln.credit or "0")
            self.expected[(ln.account_code, Period.parse(rev.period).key)] -= net
        self.pairs.append((original, rev.id))

    @precondition(lambda self: self.first_open < 12)  # December's year-end is left to closing's tests
    @rule()
    def close_period(self) -> None:
        p = Period(YEAR, self.first_open)
        result = closing.close_period(self.uow(), self.company, str(p))
        profit = 0
        for (code, period), net in list(self.expected.items()):
            if period == p.key and code in PROFIT_LOSS and net:
                self.expected[(code, period)] -= net
                self.expected[(PROFIT_ACCOUNT, period)] += net
                profit -= net
        assert to_minor(result.profit) == profit
        self.first_open += 1

    @precondition(lambda self: bool(self.posted))
    @rule(pick=st.integers(min_value=0), data=st.data())
    def changed_byte_is_detected(self, pick: int, data: st.DataObject) -> None:
        """Any single changed byte of a posted voucher's canonical content changes its hash."""
        vid = self.posted[pick % len(self.posted)]
        with self.db.session() as s:
            company = s.execute(select(Company).where(Company.code == self.company)).scalar_one()
            row = s.get(Voucher, vid)
            assert row is not None
            payload = ledger.payload_of(company, row, ledger.LedgerIndex(s, company))
            assert voucher_hash(row.prev_hash or "", payload) == row.hash
            i = data.draw(st.integers(0, len(payload) - 1), label="byte")
            flip = data.draw(st.integers(1, 255), label="xor")
            changed = payload[:i] + bytes([payload[i] ^ flip]) + payload[i + 1 :]
            assert voucher_hash(row.prev_hash or "", changed) != row.hash

    @precondition(lambda self: bool(self.posted))
    @rule(pick=st.integers(min_value=0), data=st.data())
    def changed_value_is_detected(self, pick: int, data: st.DataObject) -> None:
        """Change one stored value of a posted voucher behind the triggers' back: verify names it."""
        vid = self.posted[pick % len(self.posted)]
        table = data.draw(st.sampled_from([VOUCHER, LINE]), label="table")
        columns = [c for c in table.columns if c.name not in MOVES]
        col = data.draw(st.sampled_from(columns), label="column")
        with self.db.engine.connect() as conn:
            where = table.c.id == vid if table is VOUCHER else table.c.voucher_id == vid
            rows = [dict(r._mapping) for r in conn.execute(select(table).where(where))]
            seq = conn.execute(select(VOUCHER.c.chain_seq).where(VOUCHER.c.id == vid)).scalar_one()
        row = data.draw(st.sampled_from(rows), label="row")
        old, new = row[col.name], nudge(col, row[col.name])
        with self.db.engine.begin() as conn:
            drop_triggers(conn)
        try:
            write_raw(self.db, update(table).where(table.c.id == row["id"]).values({col.name: new}))
            report = ledger.verify_chain(self.uow(), self.company)
            assert not report.ok, f"{table.name}.{col.name} {old!r} → {new!r} went unnoticed"
            assert report.first_broken_seq == seq, report
            write_raw(self.db, update(table).where(table.c.id == row["id"]).values({col.name: old}))
        finally:
            with self.db.engine.begin() as conn:
                install_triggers(conn)

    # --- invariants ------------------------------------------------------------------------

    @invariant()
    def books_hold(self) -> None:
        if not self.company:
            return
        uow = self.uow()
        rows = reports.trial_balance(uow, self.company, f"{YEAR}-01", f"{YEAR}-12")
        totals = reports.trial_balance_totals(rows)
        assert totals["opening_debit"] == totals["opening_credit"] == 0
        assert totals["period_debit"] == totals["period_credit"]
        assert totals["closing_debit"] == totals["closing_credit"]
        # The model: every leaf's closing balance is what we posted to it.
        found = {r.account_code: r.closing_debit - r.closing_credit for r in rows if r.is_leaf}
        want: dict[str, int] = defaultdict(int)
        for (code, _), net in self.expected.items():
            want[code] += net
        assert {k: v for k, v in found.items() if v} == {k: v for k, v in want.items() if v}

        # A month in the middle: its opening is what came before.
        p = f"{YEAR}-{self.first_open:02d}"
        totals = reports.trial_balance_totals(reports.trial_balance(uow, self.company, p))
        for side in ("opening", "period", "closing"):
            assert totals[f"{side}_debit"] == totals[f"{side}_credit"], (side, totals)

        sheet = {r.key: r.amount for r in reports.balance_sheet(uow, self.company, f"{YEAR}-12")}
        assert sheet["total_assets"] == sheet["total_liabilities_and_equity"], sheet

        report = ledger.verify_chain(uow, self.company)
        assert report.ok, report

    @invariant()
    def reversals_net_to_zero(self) -> None:
        for original, reversal in self.pairs[-3:]:  # older pairs were checked when they were new
            net: dict[tuple[str, tuple[tuple[str, str], ...]], int] = defaultdict(int)
            for vid in (original, reversal):
                for ln in ledger.get_voucher(self.uow(), self.company, vid).lines:
                    key = (ln.account_code, tuple(sorted(ln.dims.items())))
                    net[key] += to_minor(ln.debit or "0") - to_minor(ln.credit or "0")
            assert set(net.values()) == {0}, net

    def record(self, lines: tuple[LineDraft, ...], month: int) -> None:
        for ln in lines:
            self.expected[(ln.account_code, YEAR * 100 + month)] += to_minor(ln.debit) - to_minor(ln.credit)


_reviewers: dict[str, str] = {}


def reviewer_for(db: Database) -> str:
    """One reviewer user per database (making users hashes passwords, slowly on purpose)."""
    name = _reviewers.get(db.url)
    if name is None:
        name = _reviewers[db.url] = new_code("rev")
        security.create_user(UnitOfWork(db, admin_actor(db)), username=name, password="password-123")
    return name


def test_ledger_promises_hold(db: Database) -> None:
    LedgerMachine.db = db
    LedgerMachine.reviewer_name = reviewer_for(db)
    examples = 12 if db.is_sqlite else 5
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )


def test_close_carries_profit_and_loss(db: Database) -> None:
    """A fixed example of the closing step the machine models: P&L nets to zero, profit to 4103."""
    admin = admin_actor(db)
    company = make_company(db, admin)
    d = VoucherDraft(
        date=date(YEAR, 1, 15), lines=make_lines([("6001", 100, False, 0), ("6401", 40, True, 0)], "1001")
    )
    ledger.create_voucher(UnitOfWork(db, admin), company, d, post=True)
    result = closing.close_period(UnitOfWork(db, admin), company, f"{YEAR}-01")
    assert result.profit == "0.60"
    assert len(result.voucher_ids) == 1
    assert ledger.get_voucher(UnitOfWork(db, admin), company, result.voucher_ids[0]).source_type == "closing"
    rows = {r.account_code: r for r in reports.trial_balance(UnitOfWork(db, admin), company, f"{YEAR}-01")}
    assert "6001" not in rows or rows["6001"].closing_debit == rows["6001"].closing_credit == 0
    assert rows[PROFIT_ACCOUNT].closing_credit == 60
    assert ledger.verify_chain(UnitOfWork(db, admin), company).ok
    with pytest.raises(ledger.PeriodClosed):
        ledger.create_voucher(UnitOfWork(db, admin), company, d, post=True)
