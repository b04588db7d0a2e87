"""Moving weighted average and quantities (pure), and the VAT split of sales lines."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yecai.inventory.domain import CostLayer, InvalidQuantity, NegativeStock, qty_text, to_qty_e4
from yecai.sales.domain import split_tax


def test_quantities() -> None:
    assert to_qty_e4("1.2345") == 12345 and qty_text(12345) == "1.2345" and qty_text(20000) == "2"
    for bad in ("0", "-1", "1.23456", "abc", "NaN"):
        with pytest.raises(InvalidQuantity):
            to_qty_e4(bad)


def test_moving_average_two_receipts_and_the_last_unit_takes_the_rest() -> None:
    layer = CostLayer().receive(30000, 100000).receive(30000, 110000)  # 3 @ 1000.00, 3 @ 1100.00
    cost, layer = layer.issue(10000, allow_negative=False)
    assert cost == 35000  # 2100.00 / 6
    cost2, layer = layer.issue(20000, allow_negative=False)
    assert cost2 == 70000
    cost3, layer = layer.issue(30000, allow_negative=False)
    assert cost3 == 105000 and layer.qty_e4 == 0 and layer.value_minor == 0
    with pytest.raises(NegativeStock):
        layer.issue(1, allow_negative=False)
    cost4, layer = layer.issue(10000, allow_negative=True)
    assert cost4 == 35000 and layer.qty_e4 == -10000  # at the last average


@given(
    st.lists(
        st.tuples(st.integers(1, 10**9), st.sampled_from(["0.13", "0.09", "0.06", "0"]), st.booleans()),
        min_size=1,
        max_size=8,
    )
)
def test_line_taxes_sum_to_the_rate_totals(lines: list[tuple[int, str, bool]]) -> None:
    splits = split_tax([(a, Decimal(r), inc) for a, r, inc in lines])
    for sp, (amount, _r, inc) in zip(splits, lines, strict=True):
        assert sp.net_minor + sp.tax_minor == sp.total_minor
        assert (sp.total_minor if inc else sp.net_minor) == amount
    for rate in {r for _a, r, _i in lines}:
        for inc in (True, False):
            idx = [i for i, (_a, r, i2) in enumerate(lines) if r == rate and i2 == inc]
            if idx:
                base = sum(lines[i][0] for i in idx)
                factor = Decimal(rate) / (1 + Decimal(rate)) if inc else Decimal(rate)
                expected = int((base * factor).quantize(Decimal(1), rounding="ROUND_HALF_UP"))
                assert sum(splits[i].tax_minor for i in idx) == expected
