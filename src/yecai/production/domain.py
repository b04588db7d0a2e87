"""Production arithmetic and refusals, pure: bill-of-materials requirements, what may still be
issued or received, and how a work order's accumulated cost is shared out.

Costs are kept per element (material 直接材料, labour 直接人工, overhead 制造费用) so that
every relief credits the same 5001 sub-account it was charged to. A finished-goods receipt takes
a proportional share of what is still in process: per element, ``remaining × qty / qty still to
receive``; the receipt that completes the order takes everything left, so rounding never strands
a fen in work in process. What remains when an order is closed (more material or labour than the
output absorbed, or an order closed short) is written off as a variance.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from yecai.core.errors import YecaiError
from yecai.inventory.domain import QTY_SCALE

ELEMENTS: tuple[str, ...] = ("material", "labour", "overhead")
COST_KINDS: tuple[str, ...] = ("labour", "overhead")
SCRAP_PCT_MAX = Decimal(100)
QTY_PER_PLACES_MAX = 6


class InvalidBomQuantity(YecaiError):
    code = "production.invalid_bom_quantity"
    template = "Quantity per unit {value} must be positive with at most 6 decimal places"


class InvalidScrap(YecaiError):
    code = "production.invalid_scrap"
    template = "Scrap {value}% must be between 0 and 100"


class BomSelfReference(YecaiError):
    code = "production.bom_self_reference"
    template = "Item {item} cannot be a component of its own bill of materials"


class BomDuplicateComponent(YecaiError):
    code = "production.bom_duplicate_component"
    template = "Component {item} appears more than once; give it one line"


class NoActiveBom(YecaiError):
    code = "production.no_active_bom"
    template = "Item {item} has no active bill of materials"
    http_status = 409


class OverIssue(YecaiError):
    code = "production.over_issue"
    template = "Work order {order}: issuing {qty} of {item} but the bill of materials leaves only {remaining} to issue"
    http_status = 409


class NotInBom(YecaiError):
    code = "production.not_in_bom"
    template = "Work order {order}: {item} is not a component of its bill of materials"


class OverReceipt(YecaiError):
    code = "production.over_receipt"
    template = "Work order {order}: receiving {qty} but only {remaining} remain to be completed"
    http_status = 409


class InvalidCostKind(YecaiError):
    code = "production.invalid_cost_kind"
    template = "Cost kind {value!r} must be labour or overhead"


class InvalidCostAmount(YecaiError):
    code = "production.invalid_cost_amount"
    template = "Amount {value} must be positive"


class InvalidSourceAccount(YecaiError):
    code = "production.invalid_source_account"
    template = "Account {account} cannot be a cost source: {reason}"


class CostingNotSupported(YecaiError):
    code = "production.costing_not_supported"
    template = (
        "Company {company} costs stock by {costing}; production issues need moving-average costing "
        "(a month-end average is not known when materials are issued)"
    )
    http_status = 409


class NotAStockItem(YecaiError):
    code = "production.not_a_stock_item"
    template = "Item {item} is a service; bills of materials hold stock items only"


class NothingToIssue(YecaiError):
    code = "production.nothing_to_issue"
    template = "Work order {order}: every component has been issued"
    http_status = 409


class InvalidHours(YecaiError):
    code = "production.invalid_hours"
    template = "Labour hours {value} must be a number, zero or more"


class NothingToAllocate(YecaiError):
    code = "production.nothing_to_allocate"
    template = "Overhead allocation needs at least one open work order with positive labour hours"


def check_qty_per(value: Decimal, field: str) -> Decimal:
    if not value.is_finite() or value <= 0 or -value.as_tuple().exponent > QTY_PER_PLACES_MAX:  # type: ignore[operator]
        raise InvalidBomQuantity(value=value, field=field)
    return value


def check_scrap(value: Decimal, field: str) -> Decimal:
    if not value.is_finite() or value < 0 or value >= SCRAP_PCT_MAX:
        raise InvalidScrap(value=value, field=field)
    return value


def required_e4(order_qty_e4: int, qty_per: Decimal, scrap_pct: Decimal) -> int:
    """Component quantity for an order: qty × per-unit × (1 + scrap%), half up to 0.0001."""
    exact = Decimal(order_qty_e4) * qty_per * (1 + scrap_pct / 100)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Costs:
    """Money per element, in fen."""

    material: int = 0
    labour: int = 0
    overhead: int = 0

    @property
    def total(self) -> int:
        return self.material + self.labour + self.overhead

    def __sub__(self, other: Costs) -> Costs:
        return Costs(
            self.material - other.material, self.labour - other.labour, self.overhead - other.overhead
        )

    def __add__(self, other: Costs) -> Costs:
        return Costs(
            self.material + other.material, self.labour + other.labour, self.overhead + other.overhead
        )


def receipt_share(in_process: Costs, qty_e4: int, to_receive_e4: int) -> Costs:
    """The part of ``in_process`` that ``qty_e4`` of the ``to_receive_e4`` still expected carries."""
    assert 0 < qty_e4 <= to_receive_e4
    if qty_e4 == to_receive_e4:
        return in_process

    def share(v: int) -> int:
        return int((Decimal(v) * qty_e4 / to_receive_e4).quantize(Decimal(1), rounding=ROUND_HALF_UP))

    return Costs(share(in_process.material), share(in_process.labour), share(in_process.overhead))


def unit_cost_text(value_minor: int, qty_e4: int) -> str:
    """Yuan per unit to 4 places (for display only)."""
    if not qty_e4:
        return ""
    return str((Decimal(value_minor) * QTY_SCALE / qty_e4 / 100).quantize(Decimal("0.0001")))
