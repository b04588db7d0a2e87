"""Purchasing arithmetic and refusals, pure: the three-way match of order, receipt and bill,
clearing of the goods-received-not-billed accrual (暂估), and the share of a price difference that
goes back into stock.

How a purchase moves through the books (the default rules):

* goods receipt (收货/入库): stock in at the order's net price; Dr 1403/1405, Cr 2202 with the
  supplier, summary 暂估入库 — the payable is estimated until the bill comes.
* vendor bill (采购发票): the estimate for the billed quantity is cleared (Dr 2202 ``accrued``),
  input VAT is booked on the tax code's account, the real payable is credited (Cr 2202
  ``total``), and the difference between the billed net and the estimate goes to stock for the
  part still on hand (``to_stock``, which also re-prices the moving average) and to cost of
  sales for the rest (``net - accrued - to_stock``).
* payment: Dr 2202, Cr bank/cash; never more than is open.
* a bill line without an order (rent, utilities, services, small purchases): no match, no
  estimate; its net is the ``expense`` booked by its expense category (费用类别, those of expense
  claims) and department (sales → 6601xx, others → 6602xx, with the department), its tax on the
  tax code's account, its total in the payable. A bill may mix order lines and such lines; the
  three-way match applies to the order lines only.

Quantities are ten-thousandths (``*_e4``), money fen, prices exact decimals, tolerances percent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from yecai.core.errors import YecaiError
from yecai.inventory.domain import qty_text

TOLERANCE_PCT_MAX = Decimal(100)
PAYMENT_METHODS = ("bank", "cash")


class InvalidTolerance(YecaiError):
    code = "purchasing.invalid_tolerance"
    template = "Tolerance {value!r} must be a percentage between 0 and 100"


class NotAStockItem(YecaiError):
    code = "purchasing.not_stock_item"
    template = (
        "Item {item} is a service; purchase orders take stock items (services come with expense claims)"
    )


class OverReceipt(YecaiError):
    code = "purchasing.over_receipt"
    template = "Order {order} line {line}: receiving {qty} but only {remaining} remain to receive"
    http_status = 409


class OverBilling(YecaiError):
    code = "purchasing.over_billing"
    template = "Order {order} line {line}: billing {qty} but nothing is received and not yet billed"
    http_status = 409


class ThreeWayMatchFailed(YecaiError):
    code = "purchasing.three_way_match"
    template = (
        "Bill does not match order and receipts (tolerance: quantity {qty_tolerance}%, "
        "price {price_tolerance}%): {lines}"
    )
    http_status = 409

    def __init__(
        self, mismatches: Sequence[Mismatch], *, qty_tolerance: Decimal, price_tolerance: Decimal
    ) -> None:
        self.mismatches = list(mismatches)
        super().__init__(
            qty_tolerance=qty_tolerance,
            price_tolerance=price_tolerance,
            lines="; ".join(m.text() for m in mismatches),
            field="lines",
        )


class PaymentExceedsOpen(YecaiError):
    code = "purchasing.payment_exceeds_open"
    template = "Payment {amount} exceeds what is open {what} ({open})"
    http_status = 409


class InvalidPaymentAmount(YecaiError):
    code = "purchasing.invalid_payment_amount"
    template = "Payment amount {amount} must be positive"


class InvalidMethod(YecaiError):
    code = "purchasing.invalid_method"
    template = "Payment method {value!r} must be bank or cash"


class SupplierMismatch(YecaiError):
    code = "purchasing.supplier_mismatch"
    template = "Order {order} belongs to supplier {found}, not {expected}"


class OrderHasReceipts(YecaiError):
    code = "purchasing.order_has_receipts"
    template = "Order {order} has goods receipts; it can no longer be cancelled"
    http_status = 409


class OverReturn(YecaiError):
    code = "purchasing.over_return"
    template = "Receipt {receipt} line {line}: returning {qty} but only {remaining} can be returned (received, not returned and not billed)"
    http_status = 409


class NothingToDo(YecaiError):
    code = "purchasing.nothing_to_do"
    template = "Nothing left to {action} on {doc}"
    http_status = 409


class BillLineWithoutKind(YecaiError):
    code = "purchasing.bill_line_without_kind"
    template = (
        "Bill line {line}: name an order line (order_id and line_no) or, for a bill without an "
        "order, an expense category"
    )


class BillLineBothKinds(YecaiError):
    code = "purchasing.bill_line_both_kinds"
    template = (
        "Bill line {line}: an order line takes its account from the order; give either an order line "
        "or an expense category, not both"
    )


class StockItemNeedsOrder(YecaiError):
    code = "purchasing.stock_item_needs_order"
    template = (
        "Bill line {line}: item {item} is a stock item; stock comes in through a purchase order and "
        "a goods receipt (lines without an order take services and expense categories)"
    )


class InvalidLineAmount(YecaiError):
    code = "purchasing.invalid_line_amount"
    template = "Bill line {line}: {what} {value} must be more than zero"


class LineTaxMismatch(YecaiError):
    code = "purchasing.line_tax_mismatch"
    template = (
        "Bill line {line}: tax {tax} does not follow from net {net} at {rate} (expected {expected}, "
        "one fen either way)"
    )


class RulesLackExpenseLines(YecaiError):
    code = "purchasing.rules_lack_expense_lines"
    template = (
        "The posting rules in force on {date} (version {version}) have no rule for bill lines without "
        "an order (amount 'expense' in vendor_bill.posted); save a new rule set version from that "
        "date with the default vendor_bill.posted rules (see docs/documents.md)"
    )
    http_status = 409


TAX_TOLERANCE_MINOR = 1  # an invoice rounds its tax per line; one fen either way is the same tax


def direct_line_amounts(
    line: int, *, net_minor: int | None, tax_minor: int | None, total_minor: int | None, rate: Decimal
) -> tuple[int, int, int]:
    """(net, tax, total) in fen of a bill line without an order, from what the invoice shows: the
    net (不含税金额) with or without its tax, or the total (价税合计) with or without its tax. A
    missing tax is net × rate (or total × rate / (1 + rate)) rounded half up; a given tax must be
    that within one fen."""
    for what, value in (("net", net_minor), ("tax", tax_minor), ("total", total_minor)):
        if value is not None and (value < 0 or (value == 0 and what != "tax")):
            raise InvalidLineAmount(
                line=line, what=what, value=_yuan(value), field=f"lines[{line}].{what}", row=line
            )
    if net_minor is None:
        assert total_minor is not None
        if tax_minor is None:
            tax_minor = _round(Decimal(total_minor) * rate / (1 + rate))
        net_minor = total_minor - tax_minor
        if net_minor <= 0:
            raise InvalidLineAmount(
                line=line, what="net", value=_yuan(net_minor), field=f"lines[{line}].tax", row=line
            )
    elif tax_minor is None and total_minor is not None:
        tax_minor = total_minor - net_minor
    expected = _round(Decimal(net_minor) * rate)
    if tax_minor is None:
        tax_minor = expected
    elif abs(tax_minor - expected) > TAX_TOLERANCE_MINOR:
        raise LineTaxMismatch(
            line=line,
            tax=_yuan(tax_minor),
            net=_yuan(net_minor),
            rate=f"{(rate * 100).normalize():f}%",
            expected=_yuan(expected),
            field=f"lines[{line}].tax",
            row=line,
        )
    total = net_minor + tax_minor
    if total_minor is not None and total != total_minor:
        raise LineTaxMismatch(
            line=line,
            tax=_yuan(tax_minor),
            net=_yuan(net_minor),
            rate=f"{(rate * 100).normalize():f}%",
            expected=_yuan(total_minor - net_minor),
            field=f"lines[{line}].total",
            row=line,
        )
    return net_minor, tax_minor, total


def _yuan(minor: int) -> str:
    return str(Decimal(minor).scaleb(-2).quantize(Decimal("0.01")))


def parse_tolerance(value: str | Decimal | int, field: str) -> Decimal:
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidTolerance(value=str(value), field=field) from None
    if not d.is_finite() or d < 0 or d > TOLERANCE_PCT_MAX:
        raise InvalidTolerance(value=str(value), field=field)
    return d


@dataclass(frozen=True)
class Tolerance:
    qty_pct: Decimal = Decimal(0)
    price_pct: Decimal = Decimal(0)


@dataclass(frozen=True)
class MatchLine:
    """One bill line against its order line: what was ordered, received and billed before."""

    ref: str  # 'PO-2025-0001/1 A', for messages
    order_price: Decimal
    bill_price: Decimal
    qty_e4: int
    received_e4: int
    billed_e4: int


@dataclass(frozen=True)
class Mismatch:
    ref: str
    what: str  # qty | price
    expected: str
    found: str
    deviation_pct: str

    def text(self) -> str:
        return f"{self.ref} {self.what} {self.found} ≠ {self.expected} ({self.deviation_pct}%)"


def _pct(found: Decimal, expected: Decimal) -> Decimal | None:
    """Deviation in percent, None when the expected value is zero (any deviation is infinite)."""
    if expected == 0:
        return None if found != 0 else Decimal(0)
    return (found - expected) * 100 / expected


def _pct_text(pct: Decimal | None) -> str:
    if pct is None:
        return "∞"
    return f"{pct.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):+}"


def three_way_match(lines: Sequence[MatchLine], tolerance: Tolerance) -> list[Mismatch]:
    """Mismatches beyond tolerance (empty when the bill may post).

    Quantity: the billed quantity against what is received and not yet billed; billing less is a
    partial bill and always matches. Price: the bill's unit price against the order's, both in
    the order's tax basis, either way. A line with nothing received-not-billed is refused apart,
    as over-billing (see ``check_billable``).
    """
    out: list[Mismatch] = []
    for ln in lines:
        open_e4 = ln.received_e4 - ln.billed_e4
        if ln.qty_e4 > open_e4:
            pct = _pct(Decimal(ln.qty_e4), Decimal(open_e4))
            if pct is None or pct > tolerance.qty_pct:
                out.append(Mismatch(ln.ref, "qty", qty_text(open_e4), qty_text(ln.qty_e4), _pct_text(pct)))
        pct = _pct(ln.bill_price, ln.order_price)
        if pct is None or abs(pct) > tolerance.price_pct:
            out.append(Mismatch(ln.ref, "price", str(ln.order_price), str(ln.bill_price), _pct_text(pct)))
    return out


def clear_accrual(accrued_open_minor: int, open_e4: int, qty_e4: int) -> int:
    """The part of the open estimate (暂估) a bill of ``qty_e4`` clears: all of it when the bill
    covers every received-not-billed unit, otherwise in proportion, rounded half up — so the
    estimate of a fully billed line always ends at zero."""
    if open_e4 <= 0 or accrued_open_minor == 0:
        return 0
    if qty_e4 >= open_e4:
        return accrued_open_minor
    return _round(Decimal(accrued_open_minor) * qty_e4 / open_e4)


def stock_share(difference_minor: int, qty_e4: int, on_hand_e4: int, pool_value_minor: int) -> int:
    """The part of a bill line's price difference that goes back into stock.

    Simple on-hand share: the billed units still on hand in the receiving warehouse carry their
    share of the difference, ``difference × min(on hand, billed) / billed``; units already issued
    (sold, consumed) have left stock, so their share goes to cost of sales. A negative difference
    never takes the pool's value below zero; whatever it cannot take goes to cost of sales too.
    """
    if difference_minor == 0 or qty_e4 <= 0 or on_hand_e4 <= 0:
        return 0
    share = _round(Decimal(difference_minor) * min(on_hand_e4, qty_e4) / qty_e4)
    if pool_value_minor + share < 0:
        share = -pool_value_minor
    return share


def return_cost(
    receipt_cost_minor: int,
    receipt_qty_e4: int,
    returned_before_e4: int,
    qty_e4: int,
    returned_cost_before: int,
) -> int:
    """Cost of returning ``qty_e4`` of a receipt line at the receipt's own unit cost; the last unit
    takes what is left, so a fully returned line returns exactly its cost."""
    if returned_before_e4 + qty_e4 >= receipt_qty_e4:
        return receipt_cost_minor - returned_cost_before
    return _round(Decimal(receipt_cost_minor) * qty_e4 / receipt_qty_e4)


def return_stock_value(cost_minor: int, issued_minor: int, left_e4: int, left_value_minor: int) -> int:
    """What a return takes out of the pool to leave at the receipt's cost.

    ``issued_minor`` is what the moving average gave for the returned units and (``left_e4``,
    ``left_value_minor``) the pool after that issue. The pool gives the receipt cost when it can,
    re-pricing what stays; when nothing stays it gives everything it holds; it never goes below
    zero. The caller books ``cost - stock`` (if any) to cost of sales.
    """
    if left_e4 <= 0:
        return issued_minor + left_value_minor
    adjust = cost_minor - issued_minor  # more (or less) than the average gave
    adjust = min(adjust, left_value_minor)
    return issued_minor + adjust


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
