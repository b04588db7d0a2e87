"""Master data rules, pure: codes, tax ids (统一社会信用代码), item kinds, VAT tax codes.

Departments, projects and employees stay ledger dimension values (辅助核算); customers and
suppliers live here and are mirrored into the ledger's dimension values under the same code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from stdnum import exceptions as stdnum_errors
from stdnum.cn import uscc

from yecai.core.errors import YecaiError

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
ITEM_KINDS: tuple[str, ...] = ("stock", "service")
PARTY_KINDS: tuple[str, ...] = ("customer", "supplier")
CREDIT_DAYS_MAX = 3650


class InvalidCode(YecaiError):
    code = "masterdata.invalid_code"
    template = "Code {value!r} must be 1–40 letters, digits, '.', '-' or '_', starting with a letter or digit"


class InvalidTaxId(YecaiError):
    code = "masterdata.invalid_tax_id"
    template = "Tax id {value!r} is not a valid unified social credit code (统一社会信用代码): {reason}"


class InvalidItemKind(YecaiError):
    code = "masterdata.invalid_item_kind"
    template = "Item kind {value!r} must be stock or service"


class InvalidCreditTerms(YecaiError):
    code = "masterdata.invalid_credit_terms"
    template = "Credit terms {value} must be between 0 and {max} days"


class InvalidTaxRate(YecaiError):
    code = "masterdata.invalid_tax_rate"
    template = "Tax rate {value} is not one of the VAT rates {rates}"


class InvalidCreditLimit(YecaiError):
    code = "masterdata.invalid_credit_limit"
    template = "Credit limit {value} must not be negative"


def check_code(value: str, field: str = "code") -> str:
    v = value.strip()
    if not CODE_RE.match(v):
        raise InvalidCode(value=value, field=field)
    return v


def normalize_tax_id(value: str | None, field: str = "tax_id") -> str:
    """'' when empty; otherwise the validated 18-character code, upper case."""
    text = (value or "").strip().upper().replace(" ", "").replace("-", "")
    if not text:
        return ""
    try:
        return str(uscc.validate(text))
    except stdnum_errors.InvalidChecksum:
        reason = "check digit does not match"
    except stdnum_errors.InvalidLength:
        reason = "must be 18 characters"
    except stdnum_errors.ValidationError:
        reason = "wrong format"
    raise InvalidTaxId(value=value, reason=reason, field=field)


def check_item_kind(kind: str) -> str:
    if kind not in ITEM_KINDS:
        raise InvalidItemKind(value=kind, field="kind")
    return kind


def check_credit_days(days: int) -> int:
    if not 0 <= days <= CREDIT_DAYS_MAX:
        raise InvalidCreditTerms(value=days, max=CREDIT_DAYS_MAX, field="credit_days")
    return days


# --- VAT tax codes ------------------------------------------------------------------------------

VAT_RATES: tuple[Decimal, ...] = (
    Decimal("0.13"),
    Decimal("0.09"),
    Decimal("0.06"),
    Decimal("0.03"),
    Decimal(0),
)
OUTPUT_VAT_ACCOUNT = "22210102"  # 销项税额
INPUT_VAT_ACCOUNT = "22210101"  # 进项税额
SIMPLE_VAT_ACCOUNT = "222112"  # 简易计税: a general taxpayer's 3% levy


@dataclass(frozen=True)
class TaxCodeSpec:
    code: str
    name: str
    rate: Decimal
    direction: str  # output (sales) | input (purchases)
    account_code: str


def _rate_label(rate: Decimal) -> str:
    return str(int(rate * 100))


def default_tax_codes() -> tuple[TaxCodeSpec, ...]:
    """OUT13 … OUT0 (销项) and IN13 … IN0 (进项), each mapped to its 2221 sub-account."""
    out: list[TaxCodeSpec] = []
    for rate in VAT_RATES:
        label = _rate_label(rate)
        out_account = SIMPLE_VAT_ACCOUNT if rate == Decimal("0.03") else OUTPUT_VAT_ACCOUNT
        out.append(TaxCodeSpec(f"OUT{label}", f"销项税 {label}%", rate, "output", out_account))
        out.append(TaxCodeSpec(f"IN{label}", f"进项税 {label}%", rate, "input", INPUT_VAT_ACCOUNT))
    return tuple(out)


def check_tax_rate(rate: Decimal) -> Decimal:
    if rate not in VAT_RATES:
        raise InvalidTaxRate(value=rate, rates="13%/9%/6%/3%/0%", field="tax_rate")
    return rate


def output_tax_code(rate: Decimal) -> str:
    return f"OUT{_rate_label(check_tax_rate(rate))}"


def input_tax_code(rate: Decimal) -> str:
    return f"IN{_rate_label(check_tax_rate(rate))}"
