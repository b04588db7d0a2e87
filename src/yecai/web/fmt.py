"""Formatting for people, the Chinese way: ¥1,234.50 (negatives in red), 2025年3月, 大写 amounts.

Amounts arrive as integer minor units (分) and are only turned into text here; nothing is
computed in floating point.
"""

from __future__ import annotations

from decimal import Decimal

import cn2an
from markupsafe import Markup, escape

from yecai.core.money import from_minor
from yecai.core.periods import Period

EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def grouped(minor: int, currency: str = "CNY") -> str:
    """'1,234.50' / '-1,234.50' (exact: the Decimal is formatted, never a float)."""
    return f"{from_minor(minor, currency):,}"


def amount_text(minor: int, currency: str = "CNY", *, symbol: bool = True) -> str:
    sign = "-" if minor < 0 else ""
    sym = "¥" if symbol and currency == "CNY" else ""
    return f"{sign}{sym}{grouped(abs(minor), currency)}"


def money(minor: int | None, currency: str = "CNY") -> Markup:
    """¥1,234.50 for headline figures; a negative amount is red (class ``neg``)."""
    if minor is None:
        return Markup("")
    text = escape(amount_text(minor, currency))
    return Markup(f'<span class="neg">{text}</span>') if minor < 0 else Markup(text)


def amt(minor: int | None, currency: str = "CNY", *, blank_zero: bool = True) -> Markup:
    """1,234.50 for table columns (no symbol); zero is blank as in printed books."""
    if minor is None or (blank_zero and minor == 0):
        return Markup("")
    text = escape(amount_text(minor, currency, symbol=False))
    return Markup(f'<span class="neg">{text}</span>') if minor < 0 else Markup(text)


def period_label(value: str | int | Period | None, locale: str = "zh_CN") -> str:
    """'2025年3月' in Chinese, 'Mar 2025' in English."""
    if value is None or value == "":
        return ""
    p = value if isinstance(value, Period) else Period.from_int(value) if isinstance(value, int) else None
    if p is None:
        p = Period.parse(str(value))
    return p.label_zh() if locale != "en" else f"{EN_MONTHS[p.month - 1]} {p.year}"


def capital_amount(minor: int, currency: str = "CNY") -> str:
    """人民币大写 of an amount: 123450 → 壹仟贰佰叁拾肆元伍角; a negative reads 负…."""
    if minor == 0:
        return "零元整"
    return str(cn2an.an2cn(str(from_minor(minor, currency)), "rmb"))


def dec(text: str | None) -> Markup:
    """A decimal text a service returned ('-1234.50') as 1,234.50 with grouping; negatives red."""
    if not text:
        return Markup("")
    value = Decimal(text)
    out = escape(f"{value:,}")
    return Markup(f'<span class="neg">{out}</span>') if value < 0 else Markup(out)
