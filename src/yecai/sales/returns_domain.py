"""Sales returns and red credit notes, pure: what may still be returned or credited, at what
cost or amount, and the named refusals."""

from __future__ import annotations

from yecai.core.errors import YecaiError


class OverReturn(YecaiError):
    code = "sales.over_return"
    template = (
        "Delivery {delivery} line {line}: returning {qty} but only {remaining} delivered and not yet returned"
    )
    http_status = 409


class OverCredit(YecaiError):
    code = "sales.over_credit"
    template = (
        "Invoice {invoice} line {line}: crediting {qty} ({amount}) but only {remaining} "
        "({remaining_amount}) invoiced and not yet credited"
    )
    http_status = 409


class CreditExceedsOpen(YecaiError):
    code = "sales.credit_exceeds_open"
    template = (
        "Credit note {amount} exceeds what is still open on invoice {invoice} ({open}); "
        "refund the receipt first"
    )
    http_status = 409


class ReturnQuantityInvalid(YecaiError):
    code = "sales.return_qty_invalid"
    template = "Quantity {qty} must be positive"


def share(total: int, part_qty: int, whole_qty: int, done_qty: int, done_value: int) -> int:
    """The value of ``part_qty`` out of a line of ``whole_qty`` worth ``total``, of which
    ``done_qty`` worth ``done_value`` was already taken: proportional, rounded half up, and the
    last part takes exactly what is left so the parts always sum to the whole."""
    assert 0 < part_qty <= whole_qty - done_qty
    if done_qty + part_qty == whole_qty:
        return total - done_value
    sign = -1 if total < 0 else 1
    value = (abs(total) * part_qty * 2 + whole_qty) // (2 * whole_qty)
    return sign * value
