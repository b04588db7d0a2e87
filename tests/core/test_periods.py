"""Accounting periods: 'YYYY-MM' text, YYYYMM integers, and their calendar."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yecai.core.periods import InvalidPeriod, Period, period_range


@pytest.mark.parametrize(
    ("text", "year", "month"),
    [
        ("2025-03", 2025, 3),
        ("2025-3", 2025, 3),
        ("202503", 2025, 3),
        (" 2025-12 ", 2025, 12),
        ("1900-01", 1900, 1),
    ],
)
def test_parse(text: str, year: int, month: int) -> None:
    p = Period.parse(text)
    assert (p.year, p.month) == (year, month)


@pytest.mark.parametrize(
    "text", ["", "2025", "2025-13", "2025-00", "25-03", "2025/03", "abcd-ef", "1899-12", "2025-03-01"]
)
def test_parse_refuses(text: str) -> None:
    with pytest.raises(InvalidPeriod) as info:
        Period.parse(text)
    assert info.value.code == "period.invalid"


def test_constructor_refuses_bad_month() -> None:
    with pytest.raises(InvalidPeriod):
        Period(2025, 0)
    with pytest.raises(InvalidPeriod):
        Period(2025, 13)
    with pytest.raises(InvalidPeriod):
        Period.from_int(202513)


def test_text_and_int_forms() -> None:
    p = Period(2025, 3)
    assert str(p) == "2025-03"
    assert int(p) == p.key == 202503
    assert Period.from_int(202503) == p
    assert Period.of(date(2025, 3, 31)) == p
    assert p.label_zh() == "2025年3月"


def test_next_and_prev_cross_years() -> None:
    assert Period(2025, 12).next() == Period(2026, 1)
    assert Period(2026, 1).prev() == Period(2025, 12)
    assert Period(2025, 5).next() == Period(2025, 6)
    assert Period(2025, 5).prev() == Period(2025, 4)


def test_first_and_last_day() -> None:
    assert Period(2024, 2).last_day == date(2024, 2, 29)  # leap year
    assert Period(2025, 2).last_day == date(2025, 2, 28)
    assert Period(2025, 4).first_day == date(2025, 4, 1)
    assert Period(2025, 4).contains(date(2025, 4, 30))
    assert not Period(2025, 4).contains(date(2025, 5, 1))
    assert not Period(2025, 4).contains(date(2024, 4, 15))


def test_ordering_and_range() -> None:
    assert Period(2024, 12) < Period(2025, 1) < Period(2025, 2)
    r = period_range(Period(2024, 11), Period(2025, 2))
    assert [str(p) for p in r] == ["2024-11", "2024-12", "2025-01", "2025-02"]
    assert period_range(Period(2025, 2), Period(2025, 1)) == []


periods = st.builds(
    Period, st.integers(min_value=1901, max_value=9998), st.integers(min_value=1, max_value=12)
)


@given(periods)
def test_next_prev_inverse_and_round_trips(p: Period) -> None:
    assert p.next().prev() == p
    assert p.prev().next() == p
    assert p.prev() < p < p.next()
    assert Period.parse(str(p)) == p
    assert Period.from_int(int(p)) == p
    assert Period.of(p.first_day) == p == Period.of(p.last_day)
    assert (p.last_day - p.first_day).days in (27, 28, 29, 30)
