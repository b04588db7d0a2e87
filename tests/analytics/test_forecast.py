"""The cash forecast: the weeks add up, the band is ordered, the same seed gives the same band,
and recurring items are found in the bank lines."""

from __future__ import annotations

from datetime import date, timedelta

from yecai.analytics.domain.forecast import (
    BankLine,
    Inflow,
    Outflow,
    Recurring,
    recurring_items,
    seen_this_month,
    simulate,
)

AS_OF = date(2025, 6, 30)  # a Monday; week 1 runs 07-01 … 07-07


def _inflows() -> list[Inflow]:
    return [
        Inflow("A", 100_000_00, AS_OF + timedelta(days=3), (0,)),  # week 1, for sure
        Inflow("B", 50_000_00, AS_OF + timedelta(days=10), (-5, 0, 10, 30, 200)),
        Inflow("C", 33_333_33, AS_OF - timedelta(days=20), (25, 40, 60)),  # overdue
        Inflow("D", 20_000_00, AS_OF - timedelta(days=60), (0,)),  # "should" have come: tomorrow
    ]


def test_weeks_add_up_and_the_band_is_ordered() -> None:
    f = simulate(
        as_of=AS_OF,
        opening_minor=500_000_00,
        inflows=_inflows(),
        outflows=[
            Outflow("B1", 80_000_00, AS_OF + timedelta(days=15)),
            Outflow("B0", 5_000_00, AS_OF - timedelta(days=3)),
        ],
        recurring=[
            Recurring("发放工资", -60_000_00, 10, 6, "发放月工资"),
            Recurring("利息", 1_000_00, 21, 6, "利息"),
        ],
        weeks=13,
        simulations=500,
        seed=7,
    )
    assert [w.week for w in f.weeks] == list(range(1, 14))
    assert f.weeks[0].start == date(2025, 7, 1) and f.weeks[-1].end == AS_OF + timedelta(days=91)
    closing = f.opening_minor
    for w in f.weeks:
        assert (
            w.net_minor == w.receipts_minor + w.recurring_in_minor - w.recurring_out_minor - w.payables_minor
        )
        closing += w.net_minor
        assert w.closing_minor == closing
        assert w.closing_p10_minor <= w.closing_p50_minor <= w.closing_p90_minor
        assert w.receipts_p10_minor <= w.receipts_p90_minor
    # A (week 1 for sure) and D (overdue, due "tomorrow") arrive in week 1 in every simulation
    assert f.weeks[0].receipts_p10_minor >= 120_000_00
    # every receivable is either inside the horizon or after it (up to a fen of rounding a week)
    total = sum(i.amount_minor for i in _inflows())
    assert abs(sum(w.receipts_minor for w in f.weeks) + f.beyond_minor - total) <= 13
    assert f.beyond_minor > 0  # B is paid 200 days late in a fifth of the runs
    # the overdue bill is paid in week 1, the other in week 3
    assert [w.payables_minor for w in f.weeks[:3]] == [5_000_00, 0, 80_000_00]
    # payroll on the 10th of July, August, September; interest on the 21st
    assert sum(w.recurring_out_minor for w in f.weeks) == 3 * 60_000_00
    assert sum(w.recurring_in_minor for w in f.weeks) == 3 * 1_000_00


def test_the_same_seed_gives_the_same_band() -> None:
    kw = dict(as_of=AS_OF, opening_minor=0, inflows=_inflows(), outflows=[], weeks=8, simulations=300)
    assert simulate(**kw, seed=1) == simulate(**kw, seed=1)  # type: ignore[arg-type]
    assert simulate(**kw, seed=1) != simulate(**kw, seed=2)  # type: ignore[arg-type]


def test_recurring_items_are_found_in_bank_lines() -> None:
    lines = []
    for month in range(1, 7):
        lines.append(
            BankLine(date(2025, month, 10), -(60_000_00 + month * 100), f"发放{month - 1 or 12}月工资")
        )
        lines.append(BankLine(date(2025, month, 28), -300_00, "银行手续费"))
        lines.append(
            BankLine(date(2025, month, 3 + month), -1_000_00 * month, f"报销 员工{month}", "expense_claim")
        )
    lines.append(BankLine(date(2025, 3, 15), -250_000_00, "购买设备"))  # once: not recurring
    lines.append(BankLine(date(2025, 1, 20), 5_000_00, "租金收入"))  # twice, long ago: not recurring
    lines.append(BankLine(date(2025, 2, 20), 5_000_00, "租金收入"))
    found = {r.key: r for r in recurring_items(lines, AS_OF)}
    assert set(found) == {"发放月工资", "银行手续费", "doc:expense_claim"}
    payroll = found["发放月工资"]
    assert payroll.amount_minor == -(60_000_00 + 500) and payroll.day_of_month == 10
    assert payroll.label == "发放5月工资" and payroll.months_seen == 6
    assert found["doc:expense_claim"].label == "报销" and found["doc:expense_claim"].amount_minor == -5_000_00
    # June's payroll and fee are booked: not expected again before July
    assert seen_this_month(lines, list(found.values()), AS_OF) == frozenset(found)
    f = simulate(
        as_of=date(2025, 6, 20),
        opening_minor=0,
        inflows=[],
        outflows=[],
        recurring=[payroll],
        recurring_seen=frozenset({payroll.key}),
        weeks=4,
        simulations=1,
    )
    assert sum(w.recurring_out_minor for w in f.weeks) == -payroll.amount_minor  # July only


def test_a_customers_invoices_move_together() -> None:
    """Two invoices of one customer, each paid tomorrow or in 200 days: in every run both come or
    neither does, so the median week-1 total is never one invoice; two customers are independent."""
    spread = (1, 200)

    def median_week1(payers: tuple[str, str]) -> int:
        inflows = [
            Inflow(k, 1_000_00, AS_OF, spread, payer) for k, payer in zip(("X", "Y"), payers, strict=True)
        ]
        f = simulate(
            as_of=AS_OF, opening_minor=0, inflows=inflows, outflows=[], weeks=1, simulations=2000, seed=5
        )
        return f.weeks[0].closing_p50_minor

    assert median_week1(("C1", "C1")) in (0, 2_000_00)
    assert median_week1(("C1", "C2")) == 1_000_00
