"""Properties of bills without an order: the amounts of a line always add up (net + tax = total,
the tax within one fen of net × rate, whichever of net or total the invoice gives), and any mix of
such lines posts a balanced voucher whose payable is the bill's total, with `yecai check` clean."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.purchasing.books import D, setup_books
from yecai.checks.service import run_checks
from yecai.expenses import domain as expenses_domain
from yecai.expenses import service as expenses
from yecai.ledger import service as ledger
from yecai.purchasing import domain
from yecai.purchasing import service as purchasing
from yecai.store.db import Database
from yecai.store.uow import Actor

RATES = [Decimal("0.13"), Decimal("0.09"), Decimal("0.06"), Decimal("0.03"), Decimal(0)]


@given(
    amount=st.integers(min_value=1, max_value=10**11),
    rate=st.sampled_from(RATES),
    from_total=st.booleans(),
)
def test_line_amounts_add_up_whichever_figure_is_given(amount: int, rate: Decimal, from_total: bool) -> None:
    if from_total:
        net, tax, total = domain.direct_line_amounts(
            1, net_minor=None, tax_minor=None, total_minor=amount, rate=rate
        )
        assert total == amount
    else:
        net, tax, total = domain.direct_line_amounts(
            1, net_minor=amount, tax_minor=None, total_minor=None, rate=rate
        )
        assert net == amount
        assert tax == int((Decimal(amount) * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    assert net + tax == total and net > 0 and tax >= 0
    assert abs(Decimal(tax) - Decimal(net) * rate) <= domain.TAX_TOLERANCE_MINOR
    # the invoice's own figures (net, tax, total) are taken back exactly
    assert domain.direct_line_amounts(1, net_minor=net, tax_minor=tax, total_minor=total, rate=rate) == (
        net,
        tax,
        total,
    )


_LINE = st.fixed_dictionaries(
    {
        "category": st.sampled_from(expenses_domain.CATEGORIES),
        "department": st.sampled_from(["ADM", "SAL"]),
        "net": st.integers(min_value=1, max_value=10**9).map(lambda n: str(Decimal(n).scaleb(-2))),
        "tax_code": st.sampled_from(["IN13", "IN9", "IN6", "IN3", "IN0"]),
    }
)


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(bills=st.lists(st.lists(_LINE, min_size=1, max_size=4), min_size=1, max_size=3), pay=st.booleans())
def test_any_bills_without_an_order_post_balanced_and_check_clean(
    db: Database, admin: Actor, bills: list[list[dict[str, Any]]], pay: bool
) -> None:
    b = setup_books(db, admin)
    ledger.add_dimension_values(
        b.uow(), b.company, [("department", "ADM", "行政部"), ("department", "SAL", "销售部")]
    )
    expenses.set_department_kind(b.uow(), b.company, "SAL", "sales")
    for lines in bills:
        bill = purchasing.create_bill(b.uow(), b.company, supplier="S2", day=D("2025-03-05"), lines=lines)
        voucher = bill["vouchers"][0]
        debit = sum(Decimal(ln["debit"] or 0) for ln in voucher["lines"])
        credit = sum(Decimal(ln["credit"] or 0) for ln in voucher["lines"])
        assert debit == credit == Decimal(bill["total"])
        expense_accounts = [
            ln["account_code"] for ln in voucher["lines"] if ln["account_code"].startswith("660")
        ]
        assert len(expense_accounts) == len(lines)
        for ln, account in zip(lines, expense_accounts, strict=True):
            assert account.startswith("6601" if ln["department"] == "SAL" else "6602")
        if pay:
            purchasing.create_payment(
                b.uow(),
                b.company,
                supplier="S2",
                day=D("2025-03-06"),
                amount=bill["total"],
                bill_id=bill["id"],
            )
    assert run_checks(b.uow(), b.company) == []
