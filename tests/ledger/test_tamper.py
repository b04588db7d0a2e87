"""The ledger is tamper-evident: with the triggers out of the way, any change to any stored value
of a posted voucher — header or line, one unit or one character — breaks the hash chain, and
``verify`` names the first broken link (the CLI too, with a non-zero exit).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Column, Table, delete, select, update
from typer.testing import CliRunner

from tests.conftest import cash_sale, make_user
from yecai.ledger import service as ledger
from yecai.ledger.domain import LineDraft, VoucherDraft
from yecai.ledger.models import Company, Voucher, VoucherLine
from yecai.store.base import DecimalText
from yecai.store.db import Database
from yecai.store.immutability import drop_triggers, install_triggers
from yecai.store.uow import Actor, UnitOfWork

VOUCHER: Table = Voucher.__table__  # type: ignore[assignment]
LINE: Table = VoucherLine.__table__  # type: ignore[assignment]


@dataclass
class Chain:
    company: str
    company_id: int
    ids: list[int]  # posted vouchers in chain order

    @property
    def middle(self) -> int:
        return self.ids[1]


def middle_voucher() -> VoucherDraft:
    """A voucher that fills every nullable line column somewhere: dimensions, foreign currency."""

    def line(code: str, debit: str = "0", credit: str = "0", **kw: Any) -> LineDraft:
        return LineDraft(
            summary="调整分录", account_code=code, debit=Decimal(debit), credit=Decimal(credit), **kw
        )

    return VoucherDraft(
        date=date(2025, 3, 10),
        word="转",
        attachments=2,
        lines=(
            line("660202", "50.00", dims={"department": "D1"}),
            line("500101", "30.00", dims={"project": "P1"}),
            line("1221", "20.00", dims={"employee": "E1"}),
            line(
                "1122",
                "710.00",
                currency="USD",
                original_amount=Decimal("100"),
                rate=Decimal("7.1"),
                dims={"customer": "C1"},
            ),
            line("2202", credit="100.00", dims={"supplier": "S1"}),
            line("6001", credit="710.00"),
        ),
    )


def build_chain(db: Database, admin: Actor, company: str) -> Chain:
    """Three posted vouchers; the middle one made, reviewed and posted by three different users."""
    ledger.add_dimension_values(
        UnitOfWork(db, admin),
        company,
        [
            ("customer", "C1", "客户"),
            ("supplier", "S1", "供应商"),
            ("department", "D1", "行政部"),
            ("project", "P1", "项目"),
            ("employee", "E1", "张三"),
        ],
    )
    maker = make_user(db, "accountant", company)
    reviewer = make_user(db, "reviewer", company)
    first = ledger.create_voucher(UnitOfWork(db, admin), company, cash_sale("2025-03-01"), post=True)
    mid = ledger.create_voucher(UnitOfWork(db, maker), company, middle_voucher())
    ledger.review_voucher(UnitOfWork(db, reviewer), company, mid.id)
    ledger.post_voucher(UnitOfWork(db, admin), company, mid.id)
    last = ledger.create_voucher(UnitOfWork(db, admin), company, cash_sale("2025-03-20"), post=True)
    with db.session() as s:
        cid = s.execute(select(Company.id).where(Company.code == company)).scalar_one()
    report = verify(db, admin, company)
    assert (report.ok, report.checked) == (True, 3)
    return Chain(company, cid, [first.id, mid.id, last.id])


@pytest.fixture
def chain(db: Database, admin: Actor, company: str) -> Chain:
    return build_chain(db, admin, company)


_shared: dict[str, Chain] = {}


@pytest.fixture
def shared_chain(db: Database, admin: Actor) -> Chain:
    """One chain per database for the many one-column tests, each of which restores what it changed.

    (Making users hashes passwords on purpose slowly; a chain per column would take a minute.)
    """
    found = _shared.get(db.url)
    if found is None or not verify(db, admin, found.company).ok:
        from tests.conftest import make_company

        found = _shared[db.url] = build_chain(db, admin, make_company(db, admin))
    return found


@pytest.fixture
def no_triggers(db: Database) -> Iterator[None]:
    """Drop the immutability triggers for one test (as an attacker with DBA rights could)."""
    with db.engine.begin() as conn:
        drop_triggers(conn)
    try:
        yield
    finally:
        with db.engine.begin() as conn:
            install_triggers(conn)


def verify(db: Database, actor: Actor, company: str) -> ledger.ChainReport:
    return ledger.verify_chain(UnitOfWork(db, actor), company)


def write_raw(db: Database, *statements: Any) -> None:
    """Run statements with foreign-key checks off, so that any value can be written."""
    with db.engine.connect() as conn:
        if db.is_sqlite:
            # Must be set outside a transaction; the driver connection is in autocommit mode.
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        else:
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        try:
            for stmt in statements:
                conn.execute(stmt)
            conn.commit()
        finally:
            if db.is_sqlite:
                conn.rollback()
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


def nudge(col: Column[Any], value: Any) -> Any:
    """The smallest change to a stored value: one unit, one character, one microsecond."""
    if value is None:
        if isinstance(col.type, DecimalText):
            return Decimal(1)
        return {int: 1, str: "X", datetime: datetime(2025, 3, 1, tzinfo=UTC)}[col.type.python_type]
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        if col.primary_key:
            return value + 1_000_000  # +1 would collide with the next row's key
        if col.name == "chain_seq":
            return value + 10  # +1 would collide with the next voucher's link
        return value + 1
    if isinstance(value, Decimal):
        return value + Decimal(1).scaleb(value.as_tuple().exponent)  # type: ignore[arg-type]
    if isinstance(value, datetime):
        return value + timedelta(microseconds=1)
    if isinstance(value, date):
        return value + timedelta(days=1)
    if isinstance(value, str):
        if not value:
            return "x"
        i = len(value) // 2
        c = value[i]
        if c in "0123456789abcdef":
            repl = "0123456789abcdef"[("0123456789abcdef".index(c) + 1) % 16]
        else:
            repl = chr(ord(c) + 1)
        return value[:i] + repl + value[i + 1 :]
    raise AssertionError(f"no nudge for {col.name}={value!r}")


def line_to_change(db: Database, voucher_id: int, col: Column[Any]) -> dict[str, Any]:
    """The last line for keys (changing them collides with no other row), else one that uses the column."""
    with db.engine.connect() as conn:
        lines = [
            dict(r._mapping)
            for r in conn.execute(
                select(LINE).where(LINE.c.voucher_id == voucher_id).order_by(LINE.c.line_no)
            )
        ]
    if col.name in ("line_no", "voucher_id"):
        return lines[-1]
    return next((ln for ln in lines if ln[col.name] is not None), lines[-1])


# Changing these takes the voucher out of its place in the chain: the break shows at the next link.
MOVES_OUT_OF_CHAIN = {"company_id", "chain_seq"}


@pytest.mark.parametrize("column", [c.name for c in VOUCHER.columns])
def test_any_changed_voucher_value_is_detected(
    db: Database, admin: Actor, shared_chain: Chain, no_triggers: None, column: str
) -> None:
    chain = shared_chain
    col = VOUCHER.c[column]
    with db.engine.connect() as conn:
        row = dict(conn.execute(select(VOUCHER).where(VOUCHER.c.id == chain.middle)).one()._mapping)
    old, new = row[column], nudge(col, row[column])
    assert new != old
    name = f"2025-03/{row['word']}-{row['number']:04d}"
    new_id = new if column == "id" else chain.middle

    # The id is the voucher's identity; its lines follow it only if the attacker moves them too.
    write_raw(db, update(VOUCHER).where(VOUCHER.c.id == chain.middle).values({column: new}))
    report = verify(db, admin, chain.company)
    assert not report.ok, f"changing voucher.{column} {old!r} → {new!r} went unnoticed"
    if column in MOVES_OUT_OF_CHAIN:
        assert report.first_broken_seq == 3
        assert report.reason and "missing" in report.reason
    else:
        assert report.first_broken_seq == 2, report
        if column not in ("period", "word", "number"):  # those are the name itself
            assert report.first_broken_voucher == name

    write_raw(db, update(VOUCHER).where(VOUCHER.c.id == new_id).values({column: old}))
    assert verify(db, admin, chain.company).ok


@pytest.mark.parametrize("column", [c.name for c in LINE.columns])
def test_any_changed_line_value_is_detected(
    db: Database, admin: Actor, shared_chain: Chain, no_triggers: None, column: str
) -> None:
    chain = shared_chain
    col = LINE.c[column]
    line = line_to_change(db, chain.middle, col)
    old, new = line[column], nudge(col, line[column])
    assert new != old
    line_id = line["id"]
    new_id = new if column == "id" else line_id

    write_raw(db, update(LINE).where(LINE.c.id == line_id).values({column: new}))
    report = verify(db, admin, chain.company)
    assert not report.ok, f"changing voucher_line.{column} {old!r} → {new!r} went unnoticed"
    assert report.first_broken_seq == 2, report
    assert report.first_broken_voucher == "2025-03/转-0001"

    write_raw(db, update(LINE).where(LINE.c.id == new_id).values({column: old}))
    assert verify(db, admin, chain.company).ok


def test_moving_the_id_with_its_lines_is_detected(
    db: Database, admin: Actor, chain: Chain, no_triggers: None
) -> None:
    """Renumbering a voucher's id (and its lines with it) still breaks its hash."""
    new_id = chain.middle + 1_000_000
    write_raw(
        db,
        update(VOUCHER).where(VOUCHER.c.id == chain.middle).values(id=new_id),
        update(LINE).where(LINE.c.voucher_id == chain.middle).values(voucher_id=new_id),
    )
    report = verify(db, admin, chain.company)
    assert (report.ok, report.first_broken_seq, report.first_broken_voucher) == (False, 2, "2025-03/转-0001")


def test_an_added_line_is_detected(
    db: Database, admin: Actor, shared_chain: Chain, no_triggers: None
) -> None:
    chain = shared_chain
    """Two lines that cancel out keep the voucher balanced, but not its hash."""
    line = line_to_change(db, chain.middle, LINE.c.line_no)
    extra = [
        {**line, "id": line["id"] + 1_000_000 + i, "line_no": 10 + i, "debit_minor": d, "credit_minor": c}
        for i, (d, c) in enumerate([(500, 0), (0, 500)])
    ]
    for row in extra:
        row.update(currency=None, original_minor=None, rate=None)
    from sqlalchemy import insert

    write_raw(db, insert(LINE).values(extra))
    report = verify(db, admin, chain.company)
    assert (report.ok, report.first_broken_seq) == (False, 2)
    write_raw(db, delete(LINE).where(LINE.c.id.in_([r["id"] for r in extra])))
    assert verify(db, admin, chain.company).ok


def test_deleting_a_voucher_from_the_middle(
    db: Database, admin: Actor, chain: Chain, no_triggers: None
) -> None:
    write_raw(
        db,
        delete(LINE).where(LINE.c.voucher_id == chain.middle),
        delete(VOUCHER).where(VOUCHER.c.id == chain.middle),
    )
    report = verify(db, admin, chain.company)
    assert not report.ok
    assert (report.first_broken_seq, report.first_broken_voucher) == (3, "2025-03/记-0002")
    assert report.reason and "missing" in report.reason


def test_deleting_the_last_voucher_breaks_the_chain_head(
    db: Database, admin: Actor, chain: Chain, no_triggers: None
) -> None:
    write_raw(
        db,
        delete(LINE).where(LINE.c.voucher_id == chain.ids[-1]),
        delete(VOUCHER).where(VOUCHER.c.id == chain.ids[-1]),
    )
    report = verify(db, admin, chain.company)
    assert (report.ok, report.checked, report.first_broken_seq) == (False, 2, 3)
    assert report.reason and "chain head" in report.reason


@pytest.mark.parametrize("column", ["chain_seq", "chain_head"])
def test_a_changed_chain_head_is_detected(
    db: Database, admin: Actor, shared_chain: Chain, column: str
) -> None:
    chain = shared_chain
    table: Table = Company.__table__  # type: ignore[assignment]
    with db.engine.connect() as conn:
        old = conn.execute(select(table.c[column]).where(table.c.id == chain.company_id)).scalar_one()
    write_raw(
        db, update(table).where(table.c.id == chain.company_id).values({column: nudge(table.c[column], old)})
    )
    report = verify(db, admin, chain.company)
    assert not report.ok
    write_raw(db, update(table).where(table.c.id == chain.company_id).values({column: old}))
    assert verify(db, admin, chain.company).ok


def test_a_posted_voucher_outside_the_chain_is_detected(
    db: Database, admin: Actor, chain: Chain, no_triggers: None
) -> None:
    draft = ledger.create_voucher(UnitOfWork(db, admin), chain.company, cash_sale("2025-03-25"))
    write_raw(db, update(VOUCHER).where(VOUCHER.c.id == draft.id).values(status="posted"))
    report = verify(db, admin, chain.company)
    assert not report.ok
    assert report.reason and "outside the chain" in report.reason


def test_triggers_are_back(db: Database, admin: Actor, shared_chain: Chain) -> None:
    chain = shared_chain
    """The fixture restores the triggers: the database refuses again."""
    from sqlalchemy.exc import DBAPIError

    with pytest.raises(DBAPIError, match="yecai: "), db.engine.begin() as conn:
        conn.execute(update(VOUCHER).where(VOUCHER.c.id == chain.middle).values(summary="x"))


def test_verify_needs_permission(db: Database, shared_chain: Chain) -> None:
    chain = shared_chain
    from yecai.core.errors import PermissionDenied

    maker = make_user(db, "accountant", chain.company)
    with pytest.raises(PermissionDenied):
        verify(db, maker, chain.company)
    assert verify(db, make_user(db, "auditor", chain.company), chain.company).ok


def test_verify_in_another_session_time_zone(db: Database, admin: Actor, shared_chain: Chain) -> None:
    chain = shared_chain
    """The chain holds whatever time zone the database session runs in (timestamps are hashed in UTC)."""
    if db.is_sqlite:
        pytest.skip("SQLite has no session time zone")
    other = Database(db.url + "?options=-c%20timezone%3DAsia%2FShanghai")
    try:
        with other.engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW timezone").scalar_one() == "Asia/Shanghai"
        report = verify(other, admin, chain.company)
        assert report.ok, report
        # And a voucher posted from such a session verifies from a UTC one.
        ledger.create_voucher(UnitOfWork(other, admin), chain.company, cash_sale("2025-03-28"), post=True)
        assert verify(db, admin, chain.company).ok
    finally:
        other.dispose()


# --- the CLI --------------------------------------------------------------------------------------


def run_verify(db: Database, company: str) -> Any:
    from yecai.cli.main import app

    env = {"YECAI_DATABASE_URL": db.url, "YECAI_USER": "admin", "COLUMNS": "200", "YECAI_LANG": "en"}
    return CliRunner().invoke(app, ["ledger", "verify", "--company", company], env=env)


def test_cli_verify(db: Database, admin: Actor, chain: Chain, no_triggers: None) -> None:
    result = run_verify(db, chain.company)
    assert result.exit_code == 0, result.output
    assert "3" in result.output

    write_raw(
        db,
        update(LINE).where(LINE.c.voucher_id == chain.middle, LINE.c.line_no == 1).values(debit_minor=5001),
    )
    result = run_verify(db, chain.company)
    assert result.exit_code != 0
    assert "2025-03/转-0001" in result.output


def test_disabled_master_data_keeps_the_chain(db: Database, admin: Actor, chain: Chain) -> None:
    """Switching off an account or a dimension value that posted vouchers use is not tampering."""
    from yecai.ledger.models import DimensionValue

    ledger.set_account_enabled(UnitOfWork(db, admin), chain.company, "1122", False)
    with db.session() as s:
        s.execute(
            update(DimensionValue)
            .where(DimensionValue.company_id == chain.company_id, DimensionValue.code == "C1")
            .values(enabled=False)
        )
        s.commit()
    report = verify(db, admin, chain.company)
    assert report.ok, report
    assert ledger.get_voucher(UnitOfWork(db, admin), chain.company, chain.middle).lines[3].dims == {
        "customer": "C1"
    }


def test_verify_reads_the_payload_of_every_voucher(db: Database, admin: Actor, shared_chain: Chain) -> None:
    """verify_chain's plain-row payloads are byte for byte what payload_of gives for the ORM rows
    (the chain covers every nullable column: dimensions, foreign currency, reviewers)."""
    vt, lt = VOUCHER, LINE
    with db.session() as s:
        company = s.execute(select(Company).where(Company.id == shared_chain.company_id)).scalar_one()
        index = ledger.LedgerIndex(s, company)
        payloads = ledger._ChainPayloads(company, index)
        for vid in shared_chain.ids:
            row = s.get(Voucher, vid)
            assert row is not None
            head = s.execute(select(*(vt.c[k] for k in ledger._CHAIN_HEAD)).where(vt.c.id == vid)).one()
            lines = s.execute(
                select(*(lt.c[k] for k in ledger._CHAIN_LINE))
                .where(lt.c.voucher_id == vid)
                .order_by(lt.c.line_no)
            ).all()
            assert payloads.payload(head, lines) == ledger.payload_of(company, row, index)


def test_verify_across_batches(
    db: Database, admin: Actor, chain: Chain, no_triggers: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Vouchers are read a batch at a time; links and lines hold across a batch's edge."""
    monkeypatch.setattr(ledger, "VERIFY_BATCH", 2)
    assert (verify(db, admin, chain.company).ok, verify(db, admin, chain.company).checked) == (True, 3)
    write_raw(
        db, update(LINE).where(LINE.c.voucher_id == chain.ids[2], LINE.c.line_no == 2).values(summary="改")
    )
    report = verify(db, admin, chain.company)
    assert (report.ok, report.checked, report.first_broken_seq) == (False, 2, 3)
    assert report.reason == "content does not match its hash (the voucher was altered)"
