"""Accounting periods: monthly, named 'YYYY-MM', stored as the integer YYYYMM."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from yecai.core.errors import YecaiError

_PERIOD_RE = re.compile(r"^(\d{4})-?(\d{1,2})$")


class InvalidPeriod(YecaiError):
    code = "period.invalid"
    template = "Not a period: {text!r} (expected YYYY-MM, e.g. 2025-03)"


@dataclass(frozen=True, order=True)
class Period:
    year: int
    month: int

    def __post_init__(self) -> None:
        if not (1 <= self.month <= 12) or not (1900 <= self.year <= 9999):
            raise InvalidPeriod(text=f"{self.year}-{self.month}")

    @classmethod
    def parse(cls, text: str) -> Period:
        m = _PERIOD_RE.match(text.strip())
        if not m:
            raise InvalidPeriod(text=text)
        return cls(int(m.group(1)), int(m.group(2)))

    @classmethod
    def of(cls, day: date) -> Period:
        return cls(day.year, day.month)

    @classmethod
    def from_int(cls, value: int) -> Period:
        return cls(value // 100, value % 100)

    def __int__(self) -> int:
        return self.year * 100 + self.month

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def key(self) -> int:
        return self.year * 100 + self.month

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def next(self) -> Period:
        return Period(self.year + 1, 1) if self.month == 12 else Period(self.year, self.month + 1)

    def prev(self) -> Period:
        return Period(self.year - 1, 12) if self.month == 1 else Period(self.year, self.month - 1)

    def contains(self, day: date) -> bool:
        return day.year == self.year and day.month == self.month

    def label_zh(self) -> str:
        return f"{self.year}年{self.month}月"


def period_range(first: Period, last: Period) -> list[Period]:
    out = []
    p = first
    while p <= last:
        out.append(p)
        p = p.next()
    return out
