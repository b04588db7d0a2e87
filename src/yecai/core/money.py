"""Exact money: Decimal in Python, integer minor units (分) in storage.

Nothing here rounds silently: an amount with more decimals than its currency allows is refused,
so that what a user typed is what the books hold.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from yecai.core.errors import YecaiError

# ISO 4217 minor units of the currencies a Chinese company meets most; others default to 2.
MINOR_UNITS: dict[str, int] = {
    "CNY": 2,
    "USD": 2,
    "EUR": 2,
    "HKD": 2,
    "GBP": 2,
    "JPY": 0,
    "KRW": 0,
    "TWD": 2,
    "SGD": 2,
    "AUD": 2,
    "CAD": 2,
    "CHF": 2,
    "MOP": 2,
    "THB": 2,
    "VND": 0,
    "RUB": 2,
}
AMOUNT_MINOR_MAX = 10**15  # ¥10 trillion: far above any voucher line, far below int64


class InvalidAmount(YecaiError):
    code = "money.invalid_amount"
    template = "Not an amount: {text!r}"


class AmountTooPrecise(YecaiError):
    code = "money.too_precise"
    template = "{text} has more decimal places than {currency} allows ({places})"


class AmountOutOfRange(YecaiError):
    code = "money.out_of_range"
    template = "Amount {text} is out of range"


class UnknownCurrency(YecaiError):
    code = "money.unknown_currency"
    template = "Unknown currency code {currency!r} (expected an ISO 4217 code such as CNY or USD)"


def minor_unit(currency: str) -> int:
    if len(currency) != 3 or not currency.isalpha() or not currency.isupper():
        raise UnknownCurrency(currency=currency)
    return MINOR_UNITS.get(currency, 2)


def parse_decimal(text: str | Decimal | int) -> Decimal:
    """Parse an amount as people write it: '1,234.50', ' 12 ', '¥3.00', '-5'."""
    if isinstance(text, Decimal):
        value = text
    elif isinstance(text, int):
        value = Decimal(text)
    else:
        cleaned = text.strip().replace(",", "").replace("¥", "").replace("￥", "").replace(" ", "")
        try:
            value = Decimal(cleaned)
        except InvalidOperation:
            raise InvalidAmount(text=text) from None
    if not value.is_finite():
        raise InvalidAmount(text=str(text))
    return value


def to_minor(amount: str | Decimal | int, currency: str = "CNY") -> int:
    """Decimal amount → integer minor units, refusing extra precision."""
    value = parse_decimal(amount)
    places = minor_unit(currency)
    scaled = value.scaleb(places)
    if scaled != scaled.to_integral_value():
        raise AmountTooPrecise(text=str(amount), currency=currency, places=places)
    minor = int(scaled)
    if abs(minor) >= AMOUNT_MINOR_MAX:
        raise AmountOutOfRange(text=str(amount))
    return minor


def from_minor(minor: int, currency: str = "CNY") -> Decimal:
    places = minor_unit(currency)
    return Decimal(minor).scaleb(-places).quantize(Decimal(1).scaleb(-places))


def format_minor(minor: int, currency: str = "CNY") -> str:
    """'1234.50' style text (no grouping), as written in CSV and JSON."""
    return str(from_minor(minor, currency))


def round_minor(value: Decimal) -> int:
    """Round a Decimal already expressed in minor units, half away from zero (四舍五入)."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def allocate(total_minor: int, weights: Sequence[int | Decimal]) -> list[int]:
    """Split total_minor in proportion to weights so the parts always sum to the total.

    Largest-remainder method; ties go to the earlier part, so the result is deterministic.
    """
    if not weights:
        raise ValueError("allocate needs at least one weight")
    weight_sum = sum(Decimal(w) for w in weights)
    if weight_sum == 0:
        raise ValueError("allocate needs a non-zero weight sum")
    sign = -1 if total_minor < 0 else 1
    total = abs(total_minor)
    exact = [Decimal(total) * Decimal(w) / weight_sum for w in weights]
    parts = [int(x) for x in exact]  # truncation toward zero
    remainder = total - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[:remainder]:
        parts[i] += 1
    assert sum(parts) == total
    return [sign * p for p in parts]
