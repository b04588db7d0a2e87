"""Vouchers: every refusal names its error, numbering is gapless, posted vouchers never change.

Each test runs on SQLite and (when reachable) PostgreSQL through the ``db`` fixture.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from tests.conftest import cash_sale, draft, make_user
from yecai.core.errors import IdempotencyConflict, YecaiError
from yecai.core.money import AmountTooPrecise
from yecai.ledger import domain
from yecai.ledger import service as ledger
from yecai.ledger.domain import LineDraft, VoucherDraft
from yecai.ledger.models import Account, AccountBalance, Company, Voucher, VoucherLine
from yecai.ledger.models import Period as PeriodRow
from yecai.store.db import Database
from yecai.store.uow import Actor, UnitOfWork

CUSTOMER = {"customer": "C1"}


@pytest.fixture
def books(db: Database, admin: Actor, company: str) -> str:
    """A company with a customer and a supplier to post to 1122/2202."""
    ledger.add_dimension_values(
        UnitOfWork(db, admin),
        company,
        [("customer", "C1", "华东客户"), ("customer", "C2", "华南客户"), ("supplier", "S1", "供应商")],
    )
    return company


def create(db: Database, actor: Actor, company: str, d: VoucherDraft, **kw: object) -> ledger.VoucherView:
    return ledger.create_voucher(UnitOfWork(db, actor), company, d, **kw)  # type: ignore[arg-type]


def refused(db: Database, actor: Actor, company: str, d: VoucherDraft) -> YecaiError:
    """Create must refuse; return the error (and check nothing was written)."""
    before = voucher_count(db, company)
    with pytest.raises(YecaiError) as info:
        create(db, actor, company, d, post=True)
    assert voucher_count(db, company) == before
    return info.value


def voucher_count(db: Database, company: str) -> int:
    with db.session() as s:
        cid = s.execute(select(Company.id).where(Company.code == company)).scalar_one()
        return len(s.execute(select(Voucher.id).where(Voucher.company_id == cid)).all())


def balances(db: Database, company: str) -> dict[str, tuple[int, int]]:
    """account code → (debit_minor, credit_minor) over all periods, from the balance table."""
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    with db.session() as s:
        cid = s.execute(select(Company.id).where(Company.code == company)).scalar_one()
        rows = s.execute(
            select(Account.code, AccountBalance.debit_minor, AccountBalance.credit_minor)
            .join(Account, Account.id == AccountBalance.account_id)
            .where(AccountBalance.company_id == cid)
        ).all()
    for code, d, c in rows:
        out[code][0] += d
        out[code][1] += c
    return {k: (v[0], v[1]) for k, v in out.items()}


# --- the voucher is valid or it is refused --------------------------------------------------------


def test_balanced_voucher_posts(db: Database, admin: Actor, books: str) -> None:
    v = create(
        db,
        admin,
        books,
        draft(
            "2025-03-05",
            ("赊销", "1122", "113.00", "", CUSTOMER),
            ("赊销", "6001", "", "100"),
            ("销项", "22210102", "", "13"),
        ),
        post=True,
    )
    assert v.status == "posted"
    assert (v.period, v.word, v.number, v.voucher_no) == ("2025-03", "记", 1, "记-0001")
    assert v.total == "113.00"
    assert v.hash and len(v.hash) == 64
    assert v.lines[0].dims == {"customer": "C1"}
    assert balances(db, books)["1122"] == (11300, 0)
    assert balances(db, books)["6001"] == (0, 10000)


def test_unbalanced(db: Database, admin: Actor, books: str) -> None:
    err = refused(
        db, admin, books, draft("2025-03-05", ("现销", "1001", "100.00", ""), ("现销", "6001", "", "99.99"))
    )
    assert isinstance(err, domain.VoucherUnbalanced)
    assert err.code == "voucher.unbalanced"
    assert err.params["debit"] == Decimal("100.00")
    assert err.params["credit"] == Decimal("99.99")


def test_non_leaf_account(db: Database, admin: Actor, books: str) -> None:
    err = refused(
        db, admin, books, draft("2025-03-05", ("存款", "1002", "100", ""), ("现销", "6001", "", "100"))
    )
    assert isinstance(err, domain.AccountNotLeaf)
    assert err.code == "account.not_leaf"
    assert (err.params["line"], err.field) == (1, "account_code")


def test_disabled_account(db: Database, admin: Actor, books: str) -> None:
    ledger.set_account_enabled(UnitOfWork(db, admin), books, "1001", False)
    err = refused(db, admin, books, cash_sale())
    assert isinstance(err, domain.AccountDisabled)
    assert err.code == "account.disabled"
    ledger.set_account_enabled(UnitOfWork(db, admin), books, "1001", True)
    assert create(db, admin, books, cash_sale(), post=True).status == "posted"


def test_unknown_account(db: Database, admin: Actor, books: str) -> None:
    err = refused(
        db, admin, books, draft("2025-03-05", ("现销", "1001", "100", ""), ("?", "9999", "", "100"))
    )
    assert isinstance(err, domain.AccountNotFound)
    assert err.code == "account.not_found"
    assert (err.params["line"], err.params["account"]) == (2, "9999")


def test_missing_required_dimension(db: Database, admin: Actor, books: str) -> None:
    err = refused(
        db, admin, books, draft("2025-03-05", ("赊销", "1122", "100", ""), ("赊销", "6001", "", "100"))
    )
    assert isinstance(err, domain.DimensionRequired)
    assert err.code == "dimension.required"
    assert (err.params["dimension"], err.field) == ("customer", "customer")


def test_unknown_dimension_value(db: Database, admin: Actor, books: str) -> None:
    err = refused(
        db,
        admin,
        books,
        draft("2025-03-05", ("赊销", "1122", "100", "", {"customer": "NOPE"}), ("赊销", "6001", "", "100")),
    )
    assert isinstance(err, domain.DimensionUnknown)
    assert err.code == "dimension.unknown"
    assert err.params["value"] == "NOPE"


def test_dimension_on_account_that_does_not_take_it(db: Database, admin: Actor, books: str) -> None:
    err = refused(
        db,
        admin,
        books,
        draft("2025-03-05", ("现销", "1001", "100", "", CUSTOMER), ("现销", "6001", "", "100")),
    )
    assert isinstance(err, domain.DimensionNotAllowed)
    assert err.code == "dimension.not_allowed"
    # A supplier is not a customer: 1122 takes a customer only.
    err = refused(
        db,
        admin,
        books,
        draft(
            "2025-03-05",
            ("赊销", "1122", "100", "", {**CUSTOMER, "supplier": "S1"}),
            ("赊销", "6001", "", "100"),
        ),
    )
    assert err.code == "dimension.not_allowed"


def test_zero_line(db: Database, admin: Actor, books: str) -> None:
    err = refused(
        db,
        admin,
        books,
        draft("2025-03-05", ("现销", "1001", "100", ""), ("空", "1403", "", ""), ("现销", "6001", "", "100")),
    )
    assert isinstance(err, domain.LineZero)
    assert (err.code, err.params["line"]) == ("line.zero", 2)


def test_line_with_both_debit_and_credit(db: Database, admin: Actor, books: str) -> None:
    err = refused(
        db, admin, books, draft("2025-03-05", ("现销", "1001", "100", "100"), ("现销", "6001", "100", "100"))
    )
    assert isinstance(err, domain.LineBothSides)
    assert err.code == "line.both_sides"


def test_too_few_lines(db: Database, admin: Actor, books: str) -> None:
    err = refused(db, admin, books, draft("2025-03-05", ("现销", "1001", "100", "")))
    assert isinstance(err, domain.VoucherTooFewLines)
    assert (err.code, err.params["count"]) == ("voucher.too_few_lines", 1)
    err = refused(db, admin, books, draft("2025-03-05"))
    assert err.code == "voucher.too_few_lines"


def test_too_many_decimals(db: Database, admin: Actor, books: str) -> None:
    err = refused(
        db,
        admin,
        books,
        draft("2025-03-05", ("现销", "1001", "100.001", ""), ("现销", "6001", "", "100.001")),
    )
    assert isinstance(err, AmountTooPrecise)
    assert (err.code, err.field) == ("money.too_precise", "debit")


def test_empty_summary_and_bad_word(db: Database, admin: Actor, books: str) -> None:
    err = refused(db, admin, books, draft("2025-03-05", (" ", "1001", "1", ""), ("现销", "6001", "", "1")))
    assert err.code == "line.summary_missing"
    err = refused(
        db, admin, books, draft("2025-03-05", ("现销", "1001", "1", ""), ("现销", "6001", "", "1"), word="X")
    )
    assert err.code == "voucher.invalid_word"


def test_validate_collects_every_error() -> None:
    """An import report wants all the errors of a voucher, each with its line."""
    accounts = {
        "1001": domain.AccountInfo(1, "1001", "库存现金", True, True, (), False),
        "1002": domain.AccountInfo(2, "1002", "银行存款", False, True, (), True),
    }
    d = draft("2025-03-05", ("a", "1002", "1", ""), ("b", "1001", "", ""), ("c", "9999", "1", "1"))
    voucher, errors = domain.validate_voucher(d, accounts.get)
    assert voucher is None
    assert [(e.code, e.params.get("line")) for e in errors] == [
        ("account.not_leaf", 1),
        ("line.zero", 2),
        ("account.not_found", 3),
    ]


# --- periods --------------------------------------------------------------------------------------


def set_period_status(db: Database, company: str, period: int, status: str) -> None:
    with db.session() as s:
        cid = s.execute(select(Company.id).where(Company.code == company)).scalar_one()
        s.execute(
            update(PeriodRow)
            .where(PeriodRow.company_id == cid, PeriodRow.period == period)
            .values(status=status)
        )
        s.commit()


def test_closed_period_accepts_nothing(db: Database, admin: Actor, books: str) -> None:
    reviewer = make_user(db, "reviewer", books)
    pending = create(db, admin, books, cash_sale("2025-02-10"))
    ledger.review_voucher(UnitOfWork(db, reviewer), books, pending.id)
    set_period_status(db, books, 202502, "closed")
    err = refused(db, admin, books, cash_sale("2025-02-10"))
    assert isinstance(err, ledger.PeriodClosed)
    assert (err.code, err.params["period"], err.field) == ("period.closed", "2025-02", "date")
    # A voucher reviewed before the period closed cannot be posted into it either.
    with pytest.raises(ledger.PeriodClosed):
        ledger.post_voucher(UnitOfWork(db, admin), books, pending.id)
    assert ledger.get_voucher(UnitOfWork(db, admin), books, pending.id).status == "reviewed"


def test_period_not_opened(db: Database, admin: Actor, books: str) -> None:
    for day in ("2026-01-05", "2024-12-31"):
        err = refused(db, admin, books, cash_sale(day))
        assert isinstance(err, ledger.PeriodNotOpened)
        assert err.code == "period.not_opened"


# --- the voucher life cycle -----------------------------------------------------------------------


def test_create_review_post_by_different_users(db: Database, books: str) -> None:
    maker = make_user(db, "accountant", books)
    reviewer = make_user(db, "reviewer", books)
    v = create(db, maker, books, cash_sale())
    assert (v.status, v.maker) == ("draft", maker.username)
    assert balances(db, books) == {}
    with pytest.raises(YecaiError) as denied:  # 制单 may not review at all
        ledger.review_voucher(UnitOfWork(db, maker), books, v.id)
    assert denied.value.code == "permission_denied"
    with pytest.raises(ledger.VoucherWrongState) as state:
        ledger.post_voucher(UnitOfWork(db, maker), books, v.id)
    assert state.value.code == "voucher.wrong_state"
    assert state.value.params["status"] == "draft"
    v = ledger.review_voucher(UnitOfWork(db, reviewer), books, v.id)
    assert (v.status, v.reviewer) == ("reviewed", reviewer.username)
    with pytest.raises(ledger.VoucherWrongState):
        ledger.review_voucher(UnitOfWork(db, reviewer), books, v.id)
    v = ledger.post_voucher(UnitOfWork(db, maker), books, v.id)
    assert (v.status, v.poster) == ("posted", maker.username)
    assert balances(db, books) == {"1001": (10000, 0), "6001": (0, 10000)}


def test_review_by_maker(db: Database, books: str) -> None:
    """Even a user who may both make and review must not review their own voucher."""
    manager = make_user(db, "finance_manager", books)
    v = create(db, manager, books, cash_sale())
    with pytest.raises(ledger.ReviewBySameUser) as info:
        ledger.review_voucher(UnitOfWork(db, manager), books, v.id)
    assert info.value.code == "voucher.review_by_maker"
    assert info.value.params["user"] == manager.username
    assert ledger.get_voucher(UnitOfWork(db, manager), books, v.id).status == "draft"


def test_unreview_returns_to_draft_for_editing(db: Database, books: str) -> None:
    maker = make_user(db, "accountant", books)
    reviewer = make_user(db, "reviewer", books)
    v = create(db, maker, books, cash_sale(amount="10"))
    ledger.review_voucher(UnitOfWork(db, reviewer), books, v.id)
    with pytest.raises(ledger.VoucherWrongState):
        ledger.update_voucher(UnitOfWork(db, maker), books, v.id, cash_sale(amount="20"))
    ledger.unreview_voucher(UnitOfWork(db, reviewer), books, v.id)
    v2 = ledger.update_voucher(UnitOfWork(db, maker), books, v.id, cash_sale("2025-03-20", amount="20"))
    assert (v2.id, v2.number, v2.total, v2.date, v2.status) == (
        v.id,
        v.number,
        "20.00",
        "2025-03-20",
        "draft",
    )
    with pytest.raises(ledger.VoucherWrongState):  # a draft cannot move to another period
        ledger.update_voucher(UnitOfWork(db, maker), books, v.id, cash_sale("2025-04-01"))


def test_posted_voucher_cannot_be_edited_or_voided(db: Database, admin: Actor, books: str) -> None:
    v = create(db, admin, books, cash_sale(), post=True)
    with pytest.raises(ledger.VoucherWrongState) as info:
        ledger.update_voucher(UnitOfWork(db, admin), books, v.id, cash_sale(amount="1"))
    assert (info.value.code, info.value.params["action"]) == ("voucher.wrong_state", "edit")
    with pytest.raises(ledger.VoucherWrongState) as info:
        ledger.void_voucher(UnitOfWork(db, admin), books, v.id)
    assert info.value.params["action"] == "void"
    with pytest.raises(ledger.VoucherWrongState):
        ledger.post_voucher(UnitOfWork(db, admin), books, v.id)
    with pytest.raises(ledger.VoucherWrongState):
        ledger.unreview_voucher(UnitOfWork(db, admin), books, v.id)
    after = ledger.get_voucher(UnitOfWork(db, admin), books, v.id)
    assert after == v


def _raw(db: Database, sql: str, **params: object) -> None:
    with db.engine.begin() as conn:
        conn.execute(text(sql), params)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE voucher SET summary = 'changed' WHERE id = :vid",
        "UPDATE voucher SET status = 'draft' WHERE id = :vid",
        "UPDATE voucher SET total_minor = total_minor + 1 WHERE id = :vid",
        "DELETE FROM voucher WHERE id = :vid",
        "UPDATE voucher_line SET debit_minor = debit_minor + 1 WHERE voucher_id = :vid AND debit_minor <> 0",
        "UPDATE voucher_line SET summary = 'x' WHERE voucher_id = :vid",
        "DELETE FROM voucher_line WHERE voucher_id = :vid",
    ],
)
def test_database_refuses_changes_to_posted_vouchers(
    db: Database, admin: Actor, books: str, sql: str
) -> None:
    v = create(db, admin, books, cash_sale(), post=True)
    with pytest.raises(DBAPIError, match="yecai: "):
        _raw(db, sql, vid=v.id)
    assert ledger.get_voucher(UnitOfWork(db, admin), books, v.id) == v
    assert ledger.verify_chain(UnitOfWork(db, admin), books).ok


def test_database_allows_changes_to_drafts(db: Database, admin: Actor, books: str) -> None:
    """The triggers guard posted vouchers only; drafts are edited (through the service) in place."""
    v = create(db, admin, books, cash_sale())
    _raw(db, "UPDATE voucher SET summary = 'edited' WHERE id = :vid", vid=v.id)
    _raw(db, "UPDATE voucher_line SET summary = 'edited' WHERE voucher_id = :vid", vid=v.id)
    assert ledger.get_voucher(UnitOfWork(db, admin), books, v.id).summary == "edited"


def test_database_refuses_changes_to_the_audit_log(db: Database, admin: Actor, books: str) -> None:
    create(db, admin, books, cash_sale(), post=True)
    with pytest.raises(DBAPIError, match="yecai: "):
        _raw(db, "UPDATE audit_log SET action = 'nothing'")
    with pytest.raises(DBAPIError, match="yecai: "):
        _raw(db, "DELETE FROM audit_log")


# --- reversals ------------------------------------------------------------------------------------


def test_reversal_nets_to_zero(db: Database, admin: Actor, books: str) -> None:
    reviewer = make_user(db, "reviewer", books)
    v = create(
        db,
        admin,
        books,
        draft(
            "2025-03-05",
            ("赊销", "1122", "113.00", "", CUSTOMER),
            ("赊销", "6001", "", "100"),
            ("销项", "22210102", "", "13"),
        ),
        post=True,
    )
    r = ledger.reverse_voucher(UnitOfWork(db, admin), books, v.id, on=date(2025, 3, 31))
    assert (r.status, r.reverses_id, r.source_type, r.date) == ("draft", v.id, "reversal", "2025-03-31")
    assert [(ln.account_code, ln.debit, ln.credit, ln.dims) for ln in r.lines] == [
        ("1122", "-113.00", "", {"customer": "C1"}),
        ("6001", "", "-100.00", {}),
        ("22210102", "", "-13.00", {}),
    ]
    ledger.review_voucher(UnitOfWork(db, reviewer), books, r.id)
    ledger.post_voucher(UnitOfWork(db, admin), books, r.id)
    assert set(balances(db, books).values()) == {(0, 0)}
    assert ledger.verify_chain(UnitOfWork(db, admin), books).ok


def test_reverse_twice(db: Database, admin: Actor, books: str) -> None:
    v = create(db, admin, books, cash_sale(), post=True)
    first = ledger.reverse_voucher(UnitOfWork(db, admin), books, v.id)
    with pytest.raises(ledger.AlreadyReversed) as info:
        ledger.reverse_voucher(UnitOfWork(db, admin), books, v.id)
    assert info.value.code == "voucher.already_reversed"
    assert info.value.params["reversal"] == first.voucher_no
    # A voided reversal draft does not count: the voucher may be reversed again.
    ledger.void_voucher(UnitOfWork(db, admin), books, first.id)
    second = ledger.reverse_voucher(UnitOfWork(db, admin), books, v.id)
    assert second.number == first.number + 1


def test_only_posted_vouchers_are_reversed(db: Database, admin: Actor, books: str) -> None:
    v = create(db, admin, books, cash_sale())
    with pytest.raises(ledger.VoucherWrongState) as info:
        ledger.reverse_voucher(UnitOfWork(db, admin), books, v.id)
    assert info.value.params["action"] == "reverse"


# --- idempotency ----------------------------------------------------------------------------------


def test_idempotency_key(db: Database, admin: Actor, books: str) -> None:
    first = create(db, admin, books, cash_sale(), idempotency_key="order-42", post=True)
    again = create(db, admin, books, cash_sale(), idempotency_key="order-42", post=True)
    assert again == first
    assert voucher_count(db, books) == 1
    assert balances(db, books)["1001"] == (10000, 0)  # posted once
    with pytest.raises(IdempotencyConflict) as info:
        create(db, admin, books, cash_sale(amount="100.01"), idempotency_key="order-42", post=True)
    assert (info.value.code, info.value.field) == ("idempotency.key_reused", "idempotency_key")
    with pytest.raises(IdempotencyConflict):  # same lines, but a draft is not what was asked the first time
        create(db, admin, books, cash_sale(), idempotency_key="order-42")
    assert voucher_count(db, books) == 1
    # Another key is another voucher.
    assert create(db, admin, books, cash_sale(), idempotency_key="order-43", post=True).number == 2


# --- numbering ------------------------------------------------------------------------------------


def test_gapless_numbers_per_period_and_word(db: Database, admin: Actor, books: str) -> None:
    made: list[ledger.VoucherView] = []
    plan = [
        ("2025-03-01", "记"),
        ("2025-03-02", "收"),
        ("2025-03-03", "记"),
        ("2025-03-04", "付"),
        ("2025-04-01", "记"),
        ("2025-03-05", "收"),
        ("2025-03-06", "转"),
        ("2025-03-07", "记"),
    ]
    for i, (day, word) in enumerate(plan):
        if i == 3:  # refusals in between consume no number
            refused(db, admin, books, draft(day, ("x", "1001", "1", ""), ("x", "6001", "", "2"), word=word))
            refused(
                db,
                admin,
                books,
                draft("2025-03-31", ("x", "1001", "1", ""), ("x", "9999", "", "1"), word="记"),
            )
        d = draft(day, ("现销", "1001", "1", ""), ("现销", "6001", "", "1"), word=word)
        made.append(create(db, admin, books, d, post=i % 2 == 0))
    assert [(v.period, v.voucher_no) for v in made] == [
        ("2025-03", "记-0001"),
        ("2025-03", "收-0001"),
        ("2025-03", "记-0002"),
        ("2025-03", "付-0001"),
        ("2025-04", "记-0001"),
        ("2025-03", "收-0002"),
        ("2025-03", "转-0001"),
        ("2025-03", "记-0003"),
    ]
    # The same sequences in another company are independent.
    from tests.conftest import make_company

    other = make_company(db, admin)
    assert create(db, admin, other, cash_sale("2025-03-09")).voucher_no == "记-0001"


def test_voided_draft_keeps_its_number(db: Database, admin: Actor, books: str) -> None:
    a = create(db, admin, books, cash_sale())
    b = create(db, admin, books, cash_sale())
    voided = ledger.void_voucher(UnitOfWork(db, admin), books, a.id)
    assert (voided.status, voided.number) == ("void", 1)
    c = create(db, admin, books, cash_sale())
    assert (b.number, c.number) == (2, 3)
    listed = ledger.list_vouchers(UnitOfWork(db, admin), books, period="2025-03")
    assert [(v.number, v.status) for v in listed["items"]] == [(1, "void"), (2, "draft"), (3, "draft")]
    with pytest.raises(ledger.VoucherWrongState):  # a void voucher stays void
        ledger.review_voucher(UnitOfWork(db, make_user(db, "reviewer", books)), books, a.id)
    assert balances(db, books) == {}


# --- foreign currency -----------------------------------------------------------------------------


def fx_draft(
    account: str = "100201",
    debit: str = "710.00",
    currency: str | None = "USD",
    original: str | None = "100.00",
    rate: str | None = "7.1",
    dims: dict[str, str] | None = None,
) -> VoucherDraft:
    return VoucherDraft(
        date=date(2025, 3, 5),
        lines=(
            LineDraft(
                summary="美元收款",
                account_code=account,
                debit=Decimal(debit),
                currency=currency,
                original_amount=None if original is None else Decimal(original),
                rate=None if rate is None else Decimal(rate),
                dims=dims or {},
            ),
            LineDraft(summary="美元收款", account_code="6001", credit=Decimal(debit)),
        ),
    )


def test_foreign_currency_line(db: Database, admin: Actor, books: str) -> None:
    v = create(db, admin, books, fx_draft(), post=True)
    line = v.lines[0]
    assert (line.currency, line.original_amount, line.rate, line.debit) == ("USD", "100.00", "7.1", "710.00")
    # 1122 keeps foreign currency too, with its customer.
    v = create(db, admin, books, fx_draft("1122", dims=CUSTOMER), post=True)
    assert v.lines[0].currency == "USD"
    # The base currency written out is the same as none.
    v = create(db, admin, books, fx_draft(currency="CNY", original=None, rate=None))
    assert v.lines[0].currency is None
    # Banks round their own way: one fen apart is accepted, two are not.
    create(db, admin, books, fx_draft(debit="710.01"))
    err = refused(db, admin, books, fx_draft(debit="710.02"))
    assert err.code == "fx.amount_mismatch"
    assert verify(db, admin, books)


def test_foreign_currency_refusals(db: Database, admin: Actor, books: str) -> None:
    err = refused(db, admin, books, fx_draft(account="1001"))
    assert isinstance(err, domain.ForeignCurrencyNotAllowed)
    assert (err.code, err.params["currency"], err.field) == ("fx.not_allowed", "USD", "currency")
    for missing in ({"original": None}, {"rate": None}):
        err = refused(db, admin, books, fx_draft(**missing))  # type: ignore[arg-type]
        assert isinstance(err, domain.ForeignAmountMissing)
        assert err.code == "fx.amount_missing"
    err = refused(db, admin, books, fx_draft(debit="700.00"))
    assert isinstance(err, domain.ForeignAmountMismatch)
    assert err.code == "fx.amount_mismatch"
    assert err.params["expected"] == Decimal("710.00")
    err = refused(db, admin, books, fx_draft(rate="0"))
    assert err.code == "fx.invalid_rate"
    err = refused(db, admin, books, fx_draft(currency="usd1"))
    assert err.code == "money.unknown_currency"
    err = refused(db, admin, books, fx_draft(original="100.001"))
    assert (err.code, err.field) == ("money.too_precise", "original_amount")


def verify(db: Database, actor: Actor, company: str) -> bool:
    return ledger.verify_chain(UnitOfWork(db, actor), company).ok


def test_company_isolation(db: Database, admin: Actor, books: str) -> None:
    """A user with no grant in a company cannot see that it exists."""
    from tests.conftest import make_company

    other = make_company(db, admin)
    outsider = make_user(db, "accountant", other)
    v = create(db, admin, books, cash_sale(), post=True)
    for call in (
        lambda: ledger.get_voucher(UnitOfWork(db, outsider), books, v.id),
        lambda: create(db, outsider, books, cash_sale()),
    ):
        with pytest.raises(YecaiError) as info:
            call()
        assert info.value.code == "not_found"
    # A voucher id of another company is not found through one's own company either.
    with pytest.raises(YecaiError) as info:
        ledger.get_voucher(UnitOfWork(db, outsider), other, v.id)
    assert info.value.code == "not_found"


def test_lines_are_stored_as_entered(db: Database, admin: Actor, books: str) -> None:
    v = create(
        db,
        admin,
        books,
        draft("2025-03-05", ("红字", "1001", "-5.00", ""), ("红字", "6001", "", "-5.00")),
        post=True,
    )
    with db.session() as s:
        lines = (
            s.execute(select(VoucherLine).where(VoucherLine.voucher_id == v.id).order_by(VoucherLine.line_no))
            .scalars()
            .all()
        )
        assert [(ln.debit_minor, ln.credit_minor, ln.period) for ln in lines] == [
            (-500, 0, 202503),
            (0, -500, 202503),
        ]
