"""Sales arithmetic and refusals, pure: line amounts, VAT split, what may still be delivered or
invoiced.

VAT is computed per rate on the document's total at that rate (as 开票 does) and spread over the
lines with largest-remainder allocation, so the line taxes always sum to the document's tax.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from yecai.core.errors import YecaiError
from yecai.core.money import allocate
from yecai.inventory.domain import QTY_SCALE

PRICE_PLACES_MAX = 6


class InvalidPrice(YecaiError):
    code = "sales.invalid_price"
    template = "Unit price {value} must be zero or positive with at most 6 decimal places"


class OverDelivery(YecaiError):
    code = "sales.over_delivery"
    template = "Order {order} line {line}: delivering {qty} but only {remaining} remain to deliver"
    http_status = 409


class OverInvoicing(YecaiError):
    code = "sales.over_invoicing"
    template = (
        "Order {order} line {line}: invoicing {qty} but only {remaining} delivered and not yet invoiced"
    )
    http_status = 409


class NothingToDo(YecaiError):
    code = "sales.nothing_to_do"
    template = "Nothing left to {action} on {doc}"
    http_status = 409


class CustomerMismatch(YecaiError):
    code = "sales.customer_mismatch"
    template = "Order {order} belongs to customer {found}, not {expected}"


class ReceiptExceedsInvoice(YecaiError):
    code = "sales.receipt_exceeds_invoice"
    template = "Receipt {amount} exceeds what is open on invoice {invoice} ({open})"
    http_status = 409


class InvalidReceiptAmount(YecaiError):
    code = "sales.invalid_receipt_amount"
    template = "Receipt amount {amount} must be positive"


class InvalidMethod(YecaiError):
    code = "sales.invalid_method"
    template = "Receipt method {value!r} must be bank or cash"


class OrderHasDeliveries(YecaiError):
    code = "sales.order_has_deliveries"
    template = "Order {order} has deliveries; it can no longer be cancelled"
    http_status = 409


RECEIPT_METHODS = ("bank", "cash")


def check_price(value: Decimal) -> Decimal:
    if not value.is_finite() or value < 0 or -value.as_tuple().exponent > PRICE_PLACES_MAX:  # type: ignore[operator]
        raise InvalidPrice(value=value, field="unit_price")
    return value


def line_amount_minor(qty_e4: int, unit_price: Decimal) -> int:
    """quantity × unit price in fen, rounded half up (四舍五入)."""
    value = Decimal(qty_e4) * unit_price * 100 / QTY_SCALE
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Split:
    net_minor: int
    tax_minor: int
    total_minor: int


def split_tax(lines: Sequence[tuple[int, Decimal, bool]]) -> list[Split]:
    """Lines of (amount in fen, VAT rate, amount includes tax) → net / tax / total per line.

    Per (rate, inclusive) group: tax = total × r / (1 + r) or net × r, rounded half up on the
    group's sum, then allocated to its lines by largest remainder.
    """
    out: list[Split | None] = [None] * len(lines)
    groups: dict[tuple[Decimal, bool], list[int]] = {}
    for i, (_amount, rate, inclusive) in enumerate(lines):
        groups.setdefault((rate, inclusive), []).append(i)
    for (rate, inclusive), idx in groups.items():
        amounts = [lines[i][0] for i in idx]
        base = sum(amounts)
        factor = rate / (1 + rate) if inclusive else rate
        tax_total = int((Decimal(base) * factor).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        if base == 0 or tax_total == 0:
            taxes = [0] * len(idx)
        else:
            taxes = allocate(tax_total, [abs(a) for a in amounts]) if any(amounts) else [0] * len(idx)
        for i, amount, tax in zip(idx, amounts, taxes, strict=True):
            out[i] = Split(amount - tax, tax, amount) if inclusive else Split(amount, tax, amount + tax)
    assert all(s is not None for s in out)
    return [s for s in out if s is not None]
