"""Quantities and costing, pure.

Quantities are Decimal with at most 4 places at the edges and integer ten-thousandths
(``*_e4``) inside; values are integer fen. The cost pool of one item in one warehouse is a
``CostLayer`` (quantity, value). Moving weighted average (移动加权平均): a receipt adds to the
pool; an issue takes value × issued / on-hand, and the last unit takes whatever value is left,
so the pool never keeps a rounding residue once it is empty.

Every move says how its value is found (``valuation``): ``fixed`` (a receipt: the value is
given), ``issue`` (out at the pool's cost), ``gain`` (in at the pool's cost: 盘盈) and
``transfer_in`` (in at the cost its paired transfer-out took).

Moving weighted average values ``issue``/``gain`` when they happen; a back-dated move replays
the pool of that item and warehouse from its date (``replay_moving``).

Month-end weighted average (月末一次加权) leaves them pending until the month's cost run
(``cost_month``): average = (opening value + receipts value) / (opening qty + receipts qty),
where transfer-ins count as receipts at the source's cost; issues and gains are valued at that
average, and when the month ends with nothing on hand the last issue takes the rounding rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from yecai.core.errors import YecaiError

QTY_PLACES = 4
QTY_SCALE = 10**QTY_PLACES
QTY_E4_MAX = 10**15
MOVING_AVERAGE = "moving_average"
MONTHLY_AVERAGE = "monthly_average"
COSTING_METHODS: tuple[str, ...] = (MOVING_AVERAGE, MONTHLY_AVERAGE)

FIXED = "fixed"
ISSUE = "issue"
GAIN = "gain"
TRANSFER_IN = "transfer_in"
VALUATIONS: tuple[str, ...] = (FIXED, ISSUE, GAIN, TRANSFER_IN)


class InvalidQuantity(YecaiError):
    code = "inventory.invalid_quantity"
    template = "Quantity {value!r} must be a positive number with at most 4 decimal places"


class NegativeStock(YecaiError):
    code = "inventory.negative_stock"
    template = "Not enough {item} in warehouse {warehouse}: {on_hand} on hand, {needed} needed (negative stock is not allowed)"
    http_status = 409


class InvalidCostingMethod(YecaiError):
    code = "inventory.invalid_costing"
    template = "Costing method {value!r} is not available (available: {available})"


class InvalidCost(YecaiError):
    code = "inventory.invalid_cost"
    template = "Cost {value} must not be negative"


class InvalidCountedQuantity(YecaiError):
    code = "inventory.invalid_counted_quantity"
    template = "Counted quantity {value!r} must be zero or a positive number with at most 4 decimal places"


class TransferSameWarehouse(YecaiError):
    code = "inventory.transfer_same_warehouse"
    template = "A transfer needs two different warehouses, found {warehouse} twice"


class TransferCycle(YecaiError):
    code = "inventory.transfer_cycle"
    template = (
        "Under month-end costing {item} cannot go from {source} to {target} in {period}: it already "
        "went from {target} back to {source} that month, and the month's averages would depend on each other"
    )
    http_status = 409


class CostPending(YecaiError):
    code = "inventory.cost_pending"
    template = (
        "{count} stock movement(s) up to {period} still wait for the month-end cost run "
        "(first: {first}); run `yecai stock cost-run` first"
    )
    http_status = 409


class NotMonthEndCosting(YecaiError):
    code = "inventory.not_month_end_costing"
    template = "Company {company} costs stock by {costing}; the month-end cost run is for monthly_average"
    http_status = 409


class CostingMethodLocked(YecaiError):
    code = "inventory.costing_locked"
    template = "The costing method cannot change once stock has moved ({count} movement(s) recorded)"
    http_status = 409


def to_qty_e4(value: str | Decimal | int, field: str = "qty") -> int:
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidQuantity(value=str(value), field=field) from None
    if not d.is_finite() or d <= 0:
        raise InvalidQuantity(value=str(value), field=field)
    scaled = d.scaleb(QTY_PLACES)
    if scaled != scaled.to_integral_value() or scaled >= QTY_E4_MAX:
        raise InvalidQuantity(value=str(value), field=field)
    return int(scaled)


def counted_qty_e4(value: str | Decimal | int, field: str = "counted") -> int:
    """A counted quantity: zero is allowed (nothing found)."""
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidCountedQuantity(value=str(value), field=field) from None
    if d == 0:
        return 0
    try:
        return to_qty_e4(d, field)
    except InvalidQuantity:
        raise InvalidCountedQuantity(value=str(value), field=field) from None


def qty_decimal(qty_e4: int) -> Decimal:
    return Decimal(qty_e4).scaleb(-QTY_PLACES).normalize() if qty_e4 else Decimal(0)


def qty_text(qty_e4: int) -> str:
    return format(qty_decimal(qty_e4), "f")


@dataclass(frozen=True)
class CostLayer:
    qty_e4: int = 0
    value_minor: int = 0
    unit_cost: Decimal | None = None  # fen per unit, the last average (used while on hand ≤ 0)

    def receive(self, qty_e4: int, value_minor: int) -> CostLayer:
        assert qty_e4 > 0 and value_minor >= 0
        qty, value = self.qty_e4 + qty_e4, self.value_minor + value_minor
        unit = Decimal(value) * QTY_SCALE / qty if qty > 0 else Decimal(value_minor) * QTY_SCALE / qty_e4
        return CostLayer(qty, value, unit)

    def revalue(self, value_minor: int) -> CostLayer:
        """Value without quantity (a price difference on goods on hand): re-prices the average."""
        value = self.value_minor + value_minor
        unit = Decimal(value) * QTY_SCALE / self.qty_e4 if self.qty_e4 > 0 else self.unit_cost
        return CostLayer(self.qty_e4, value, unit)

    def issue(self, qty_e4: int, *, allow_negative: bool) -> tuple[int, CostLayer]:
        """(cost of the issue in fen, the pool after it). Raises NegativeStock when short."""
        assert qty_e4 > 0
        if qty_e4 > self.qty_e4 and not allow_negative:
            raise NegativeStock(item="", warehouse="", on_hand=qty_text(self.qty_e4), needed=qty_text(qty_e4))
        if qty_e4 == self.qty_e4:
            cost = self.value_minor
        elif self.qty_e4 > 0:
            cost = _round(Decimal(self.value_minor) * qty_e4 / self.qty_e4)
        else:
            cost = _round((self.unit_cost or Decimal(0)) * qty_e4 / QTY_SCALE)
        return cost, CostLayer(self.qty_e4 - qty_e4, self.value_minor - cost, self.unit_cost)


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def value_at(unit_e4: Decimal | None, qty_e4: int) -> int:
    """The value in fen of ``qty_e4`` at ``unit_e4`` fen per ten-thousandth."""
    return _round((unit_e4 or Decimal(0)) * qty_e4)


@dataclass(frozen=True)
class Move:
    """One stock move as the costing sees it (values signed: + in, - out)."""

    valuation: str
    qty_e4: int
    value_minor: int


def replay_moving(
    start: CostLayer, moves: list[Move], *, allow_negative: bool
) -> list[tuple[int, CostLayer]]:
    """Moving average over ``moves`` in date order from ``start``: each move's (value, pool after).

    ``fixed`` and ``transfer_in`` moves keep their value; ``issue`` and ``gain`` are valued at the
    pool as it stands before them. Raises NegativeStock (with ``row`` = the move's index) when an
    issue finds too little and negative stock is forbidden.
    """
    out: list[tuple[int, CostLayer]] = []
    layer = start
    for i, m in enumerate(moves):
        if m.valuation == ISSUE:
            try:
                cost, layer = layer.issue(-m.qty_e4, allow_negative=allow_negative)
            except NegativeStock as exc:
                raise exc.located(row=i) from None
            out.append((-cost, layer))
            continue
        if m.valuation == GAIN:
            unit = (
                Decimal(layer.value_minor) / layer.qty_e4
                if layer.qty_e4 > 0
                else (layer.unit_cost or Decimal(0)) / QTY_SCALE
            )
            value = value_at(unit, m.qty_e4)
        else:
            value = m.value_minor
        layer = layer.receive(m.qty_e4, value) if m.qty_e4 else layer.revalue(value)
        out.append((value, layer))
    return out


def month_average(
    opening_qty_e4: int, opening_value_minor: int, moves: list[Move], fallback_unit_e4: Decimal | None
) -> Decimal | None:
    """月末一次加权 unit cost in fen per ten-thousandth: (opening + receipts) / (opening qty +
    receipt qty); receipts are ``fixed`` and ``transfer_in`` moves. The fallback (the last known
    average) applies when that quantity is not positive."""
    qty = opening_qty_e4 + sum(m.qty_e4 for m in moves if m.valuation in (FIXED, TRANSFER_IN))
    value = opening_value_minor + sum(m.value_minor for m in moves if m.valuation in (FIXED, TRANSFER_IN))
    if qty > 0:
        return Decimal(value) / qty
    return fallback_unit_e4


def cost_month(
    opening_qty_e4: int, opening_value_minor: int, moves: list[Move], unit_e4: Decimal | None
) -> list[int]:
    """The month's value of every move at ``unit_e4``: ``fixed``/``transfer_in`` keep theirs,
    ``issue``/``gain`` take the average. The month closes at exactly closing quantity × average
    (nothing when nothing is left): the last issue takes the rounding rest (倒挤), so the pool
    never keeps a residue of the per-move rounding."""
    values = [
        -value_at(unit_e4, -m.qty_e4)
        if m.valuation == ISSUE
        else value_at(unit_e4, m.qty_e4)
        if m.valuation == GAIN
        else m.value_minor
        for m in moves
    ]
    closing_qty = opening_qty_e4 + sum(m.qty_e4 for m in moves)
    issues = [i for i, m in enumerate(moves) if m.valuation == ISSUE]
    if issues and closing_qty >= 0:
        rest = opening_value_minor + sum(values) - value_at(unit_e4, closing_qty)
        values[issues[-1]] -= rest
    return values
