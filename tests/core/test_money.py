"""Money is exact: what a user typed is what the books hold, and splits always sum to the whole."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yecai.core.money import (
    AMOUNT_MINOR_MAX,
    AmountOutOfRange,
    AmountTooPrecise,
    InvalidAmount,
    UnknownCurrency,
    allocate,
    format_minor,
    from_minor,
    minor_unit,
    parse_decimal,
    round_minor,
    to_minor,
)


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        ("0", 0),
        ("1", 100),
        ("1.5", 150),
        ("1.50", 150),
        ("-0.01", -1),
        ("1,234.56", 123456),
        (" 12 ", 1200),
        ("¥3.00", 300),
        ("￥3.10", 310),
        ("1.2300", 123),  # trailing zeros are not extra precision
        (Decimal("7.77"), 777),
        (5, 500),
    ],
)
def test_to_minor_accepts_what_people_write(text: str | Decimal | int, minor: int) -> None:
    assert to_minor(text) == minor


@pytest.mark.parametrize(
    ("text", "currency"), [("0.001", "CNY"), ("1.234", "CNY"), ("-5.005", "USD"), ("1.5", "JPY")]
)
def test_to_minor_refuses_extra_decimals(text: str, currency: str) -> None:
    with pytest.raises(AmountTooPrecise) as info:
        to_minor(text, currency)
    assert info.value.code == "money.too_precise"
    assert info.value.params["currency"] == currency
    assert info.value.params["places"] == minor_unit(currency)


@pytest.mark.parametrize("text", ["abc", "", "1.2.3", "NaN", "Infinity", "-inf", "1e"])
def test_not_an_amount(text: str) -> None:
    with pytest.raises(InvalidAmount) as info:
        to_minor(text)
    assert info.value.code == "money.invalid_amount"


def test_out_of_range() -> None:
    with pytest.raises(AmountOutOfRange) as info:
        to_minor(Decimal(AMOUNT_MINOR_MAX) / 100)
    assert info.value.code == "money.out_of_range"
    assert to_minor(Decimal(AMOUNT_MINOR_MAX - 1) / 100) == AMOUNT_MINOR_MAX - 1


@pytest.mark.parametrize("currency", ["cny", "RMB1", "", "US", "YUAN"])
def test_unknown_currency(currency: str) -> None:
    with pytest.raises(UnknownCurrency) as info:
        to_minor("1", currency)
    assert info.value.code == "money.unknown_currency"


def test_minor_units_per_currency() -> None:
    assert to_minor("1500", "JPY") == 1500
    assert from_minor(1500, "JPY") == Decimal("1500")
    assert to_minor("1", "XYZ") == 100  # an ISO-shaped code we don't list defaults to 2 places
    assert format_minor(123456) == "1234.56"
    assert format_minor(-5) == "-0.05"
    assert format_minor(0) == "0.00"
    assert str(from_minor(100)) == "1.00"


def test_parse_decimal_never_uses_float() -> None:
    value = parse_decimal("0.1")
    assert isinstance(value, Decimal)
    assert value + parse_decimal("0.2") == Decimal("0.3")


@given(st.integers(min_value=-(AMOUNT_MINOR_MAX - 1), max_value=AMOUNT_MINOR_MAX - 1))
def test_minor_round_trip(minor: int) -> None:
    assert to_minor(from_minor(minor)) == minor
    assert to_minor(format_minor(minor)) == minor


@given(st.decimals(min_value=-(10**12), max_value=10**12, places=4, allow_nan=False, allow_infinity=False))
def test_to_minor_refuses_or_is_exact(value: Decimal) -> None:
    try:
        minor = to_minor(value)
    except AmountTooPrecise:
        assert value * 100 != (value * 100).to_integral_value()
    else:
        assert from_minor(minor) == value


def test_round_minor_half_away_from_zero() -> None:
    assert round_minor(Decimal("2.5")) == 3
    assert round_minor(Decimal("-2.5")) == -3
    assert round_minor(Decimal("2.4999")) == 2


@settings(max_examples=300)
@given(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=20).filter(lambda w: sum(w) > 0),
)
def test_allocate_parts_sum_to_total(total: int, weights: list[int]) -> None:
    parts = allocate(total, weights)
    assert sum(parts) == total
    assert len(parts) == len(weights)
    weight_sum = sum(weights)
    for part, w in zip(parts, weights, strict=True):
        exact = Decimal(total) * w / weight_sum
        assert abs(Decimal(part) - exact) < 1  # each part is within one minor unit of its share
        if w == 0:
            assert part == 0
        elif total:
            assert part == 0 or (part > 0) == (total > 0)  # never the opposite sign


@given(
    st.integers(min_value=0, max_value=10**9),
    st.lists(
        st.decimals(min_value=0, max_value=1000, places=3, allow_nan=False, allow_infinity=False),
        min_size=1,
        max_size=10,
    ).filter(lambda w: sum(w) > 0),
)
def test_allocate_decimal_weights(total: int, weights: list[Decimal]) -> None:
    assert sum(allocate(total, weights)) == total


def test_allocate_is_deterministic_and_ties_go_first() -> None:
    assert allocate(100, [1, 1, 1]) == [34, 33, 33]
    assert allocate(-100, [1, 1, 1]) == [-34, -33, -33]
    assert allocate(1, [1, 1]) == [1, 0]
    assert allocate(10, [0, 1]) == [0, 10]


def test_allocate_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        allocate(100, [])
    with pytest.raises(ValueError):
        allocate(100, [0, 0])
