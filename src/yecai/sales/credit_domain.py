"""Credit control (信用控制), pure: the company's mode, a customer's exposure and the decision."""

from __future__ import annotations

from dataclasses import dataclass

from yecai.core.errors import YecaiError

REFUSE = "refuse"
APPROVE = "approve"
OFF = "off"
MODES: tuple[str, ...] = (REFUSE, APPROVE, OFF)
DEFAULT_MODE = REFUSE
PENDING_APPROVAL = "pending_approval"


class InvalidCreditControl(YecaiError):
    code = "sales.invalid_credit_control"
    template = "Credit control {value!r} must be one of {modes}"


class CreditLimitExceeded(YecaiError):
    code = "sales.credit_limit_exceeded"
    template = (
        "Customer {customer}: exposure {exposure} (open receivables {receivables} + open orders "
        "{orders}) would exceed the credit limit {limit} by {excess}"
    )
    http_status = 409


class CustomerOnCreditHold(YecaiError):
    code = "sales.credit_hold"
    template = "Customer {customer} is on credit hold ({reason}); orders and deliveries are refused until it is released"
    http_status = 409


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise InvalidCreditControl(value=mode, modes=" | ".join(MODES), field="credit_control")
    return mode


@dataclass(frozen=True)
class Exposure:
    """A customer's exposure in fen: open receivables on 1122 plus open orders not yet invoiced
    (incl. VAT), and what a new document adds."""

    receivables_minor: int
    orders_minor: int
    adding_minor: int
    limit_minor: int  # 0: no limit

    @property
    def total_minor(self) -> int:
        return self.receivables_minor + self.orders_minor + self.adding_minor

    @property
    def excess_minor(self) -> int:
        return max(0, self.total_minor - self.limit_minor) if self.limit_minor else 0

    @property
    def over(self) -> bool:
        return self.excess_minor > 0


def uninvoiced_minor(total_minor: int, qty_e4: int, invoiced_e4: int) -> int:
    """The part of an order line's total (incl. VAT) not yet invoiced, rounded half up."""
    left = max(0, qty_e4 - invoiced_e4)
    if qty_e4 <= 0 or left == 0:
        return 0
    if left == qty_e4:
        return total_minor
    return (total_minor * left * 2 + qty_e4) // (2 * qty_e4)
