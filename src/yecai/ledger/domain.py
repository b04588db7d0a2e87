"""The ledger's domain core: vouchers and their invariants, plain Python over plain values.

``build_voucher`` is the one constructor of a valid voucher: it refuses an unbalanced voucher,
a line on a non-leaf or disabled account, a missing or unexpected dimension, a zero line or a
line with both a debit and a credit, foreign-currency amounts that don't agree with their rate.
``check_balanced`` is the balance invariant; the service runs it again just before commit.
``voucher_hash`` is the tamper-evident chain link.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from yecai.core.errors import YecaiError
from yecai.core.money import from_minor, minor_unit, to_minor
from yecai.core.periods import Period

WORDS: tuple[str, ...] = ("记", "收", "付", "转")
DIMENSIONS: tuple[str, ...] = ("customer", "supplier", "department", "project", "employee")
GENESIS_HASH = "0" * 64
LINES_MAX = 500  # a voucher with more lines than this is almost surely an import mistake
FX_TOLERANCE_MINOR = 1  # banks round original × rate their own way; one fen apart is accepted


# --- errors ------------------------------------------------------------------------------------


class VoucherUnbalanced(YecaiError):
    code = "voucher.unbalanced"
    template = "Voucher does not balance: debits {debit} ≠ credits {credit}"


class VoucherTooFewLines(YecaiError):
    code = "voucher.too_few_lines"
    template = "A voucher needs at least two lines, found {count}"


class VoucherTooManyLines(YecaiError):
    code = "voucher.too_many_lines"
    template = "A voucher may have at most {max} lines, found {count}"


class InvalidVoucherWord(YecaiError):
    code = "voucher.invalid_word"
    template = "Voucher word must be one of 记/收/付/转, found {word!r}"


class AccountNotFound(YecaiError):
    code = "account.not_found"
    template = "Line {line}: account {account} does not exist"


class AccountNotLeaf(YecaiError):
    code = "account.not_leaf"
    template = "Line {line}: account {account} has sub-accounts; post to one of them"


class AccountDisabled(YecaiError):
    code = "account.disabled"
    template = "Line {line}: account {account} is disabled"


class DimensionRequired(YecaiError):
    code = "dimension.required"
    template = "Line {line}: account {account} requires a {dimension} (辅助核算)"


class DimensionNotAllowed(YecaiError):
    code = "dimension.not_allowed"
    template = "Line {line}: account {account} does not take a {dimension}"


class DimensionUnknown(YecaiError):
    code = "dimension.unknown"
    template = "Line {line}: {dimension} {value!r} does not exist"


class LineZero(YecaiError):
    code = "line.zero"
    template = "Line {line}: both debit and credit are zero"


class LineBothSides(YecaiError):
    code = "line.both_sides"
    template = "Line {line}: has both a debit and a credit; put them on separate lines"


class SummaryMissing(YecaiError):
    code = "line.summary_missing"
    template = "Line {line}: the summary (摘要) is empty"


class ForeignCurrencyNotAllowed(YecaiError):
    code = "fx.not_allowed"
    template = "Line {line}: account {account} does not keep foreign currency ({currency})"


class ForeignAmountMissing(YecaiError):
    code = "fx.amount_missing"
    template = "Line {line}: a {currency} line needs both the original amount and the rate"


class ForeignAmountMismatch(YecaiError):
    code = "fx.amount_mismatch"
    template = "Line {line}: {original} {currency} × {rate} = {expected}, but the line says {found}"


class InvalidRate(YecaiError):
    code = "fx.invalid_rate"
    template = "Line {line}: exchange rate {rate} must be positive"


# --- values ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountInfo:
    """What posting needs to know about an account."""

    id: int
    code: str
    name: str
    is_leaf: bool
    enabled: bool
    dimensions: tuple[str, ...]
    allow_fx: bool
    direction: str = "debit"
    category: str = "asset"


@dataclass(frozen=True)
class LineDraft:
    """A voucher line as a person or a document entered it (amounts in the base currency)."""

    summary: str
    account_code: str
    debit: Decimal = Decimal(0)
    credit: Decimal = Decimal(0)
    currency: str | None = None
    original_amount: Decimal | None = None
    rate: Decimal | None = None
    dims: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class VoucherDraft:
    date: date
    lines: tuple[LineDraft, ...]
    word: str = "记"
    attachments: int = 0
    source_type: str = "manual"
    source_ref: str = ""


@dataclass(frozen=True)
class Line:
    line_no: int
    summary: str
    account: AccountInfo
    debit_minor: int
    credit_minor: int
    currency: str | None = None
    original_minor: int | None = None
    rate: Decimal | None = None
    dims: tuple[tuple[str, str], ...] = ()  # (dimension, value code), in DIMENSIONS order


@dataclass(frozen=True)
class ValidVoucher:
    date: date
    period: Period
    word: str
    attachments: int
    lines: tuple[Line, ...]
    total_minor: int
    source_type: str = "manual"
    source_ref: str = ""

    @property
    def summary(self) -> str:
        return self.lines[0].summary if self.lines else ""


def check_balanced(lines: Sequence[tuple[int, int]], currency: str = "CNY") -> int:
    """The balance invariant. Takes (debit_minor, credit_minor) pairs; returns the total."""
    debit = sum(d for d, _ in lines)
    credit = sum(c for _, c in lines)
    if debit != credit:
        raise VoucherUnbalanced(debit=from_minor(debit, currency), credit=from_minor(credit, currency))
    return debit


def build_voucher(
    draft: VoucherDraft,
    accounts: Callable[[str], AccountInfo | None],
    *,
    base_currency: str = "CNY",
    dimension_exists: Callable[[str, str], bool] | None = None,
) -> ValidVoucher:
    """Validate a draft into a voucher. Raises the first error; see ``voucher_errors`` for all."""
    voucher, errors = validate_voucher(
        draft, accounts, base_currency=base_currency, dimension_exists=dimension_exists
    )
    if errors:
        raise errors[0]
    assert voucher is not None
    return voucher


def validate_voucher(
    draft: VoucherDraft,
    accounts: Callable[[str], AccountInfo | None],
    *,
    base_currency: str = "CNY",
    dimension_exists: Callable[[str, str], bool] | None = None,
) -> tuple[ValidVoucher | None, list[YecaiError]]:
    """Validate every line, collecting all errors (an import report wants them all)."""
    errors: list[YecaiError] = []
    if draft.word not in WORDS:
        errors.append(InvalidVoucherWord(word=draft.word, field="voucher_type"))
    n = len(draft.lines)
    if n < 2:
        errors.append(VoucherTooFewLines(count=n))
    if n > LINES_MAX:
        errors.append(VoucherTooManyLines(count=n, max=LINES_MAX))
    lines: list[Line] = []
    for i, ld in enumerate(draft.lines, start=1):
        line = _validate_line(i, ld, accounts, base_currency, dimension_exists, errors)
        if line is not None:
            lines.append(line)
    if errors:
        return None, errors
    try:
        total = check_balanced([(ln.debit_minor, ln.credit_minor) for ln in lines], base_currency)
    except VoucherUnbalanced as exc:
        return None, [exc]
    return (
        ValidVoucher(
            date=draft.date,
            period=Period.of(draft.date),
            word=draft.word,
            attachments=draft.attachments,
            lines=tuple(lines),
            total_minor=total,
            source_type=draft.source_type,
            source_ref=draft.source_ref,
        ),
        [],
    )


def _validate_line(
    i: int,
    ld: LineDraft,
    accounts: Callable[[str], AccountInfo | None],
    base_currency: str,
    dimension_exists: Callable[[str, str], bool] | None,
    errors: list[YecaiError],
) -> Line | None:
    n_before = len(errors)
    code = ld.account_code.strip()
    if not ld.summary.strip():
        errors.append(SummaryMissing(line=i, field="summary"))
    account = accounts(code)
    if account is None:
        errors.append(AccountNotFound(line=i, account=code, field="account_code"))
    elif not account.is_leaf:
        errors.append(AccountNotLeaf(line=i, account=f"{account.code} {account.name}", field="account_code"))
    elif not account.enabled:
        errors.append(AccountDisabled(line=i, account=f"{account.code} {account.name}", field="account_code"))
    try:
        debit = to_minor(ld.debit, base_currency)
    except YecaiError as exc:
        errors.append(exc.located(field="debit"))
        debit = 0
    try:
        credit = to_minor(ld.credit, base_currency)
    except YecaiError as exc:
        errors.append(exc.located(field="credit"))
        credit = 0
    if len(errors) == n_before:
        if debit == 0 and credit == 0:
            errors.append(LineZero(line=i, field="debit"))
        elif debit != 0 and credit != 0:
            errors.append(LineBothSides(line=i, field="credit"))
    dims: list[tuple[str, str]] = []
    if account is not None:
        for dim in DIMENSIONS:
            value = (ld.dims.get(dim) or "").strip()
            if dim in account.dimensions:
                if not value:
                    errors.append(DimensionRequired(line=i, account=account.code, dimension=dim, field=dim))
                elif dimension_exists is not None and not dimension_exists(dim, value):
                    errors.append(DimensionUnknown(line=i, dimension=dim, value=value, field=dim))
                else:
                    dims.append((dim, value))
            elif value:
                errors.append(DimensionNotAllowed(line=i, account=account.code, dimension=dim, field=dim))
    currency, original_minor, rate = _validate_fx(i, ld, account, base_currency, debit or credit, errors)
    if len(errors) != n_before or account is None:
        return None
    return Line(
        line_no=i,
        summary=ld.summary.strip(),
        account=account,
        debit_minor=debit,
        credit_minor=credit,
        currency=currency,
        original_minor=original_minor,
        rate=rate,
        dims=tuple(dims),
    )


def _validate_fx(
    i: int,
    ld: LineDraft,
    account: AccountInfo | None,
    base_currency: str,
    base_minor: int,
    errors: list[YecaiError],
) -> tuple[str | None, int | None, Decimal | None]:
    currency = (ld.currency or "").strip().upper() or None
    if currency is None or currency == base_currency:
        return None, None, None
    try:
        minor_unit(currency)
    except YecaiError as exc:
        errors.append(exc.located(field="currency"))
        return None, None, None
    if account is not None and not account.allow_fx:
        errors.append(
            ForeignCurrencyNotAllowed(line=i, account=account.code, currency=currency, field="currency")
        )
        return None, None, None
    if ld.original_amount is None or ld.rate is None:
        errors.append(ForeignAmountMissing(line=i, currency=currency, field="original_amount"))
        return None, None, None
    if ld.rate <= 0:
        errors.append(InvalidRate(line=i, rate=ld.rate, field="rate"))
        return None, None, None
    try:
        original_minor = to_minor(ld.original_amount, currency)
    except YecaiError as exc:
        errors.append(exc.located(field="original_amount"))
        return None, None, None
    expected = fx_to_base(original_minor, currency, ld.rate, base_currency)
    # An original amount of exactly 0 marks an exchange-difference line (期末调汇 / 汇兑差额):
    # it moves only the base amount of the foreign-currency balance, so it is kept under its
    # currency (and a reversal of it validates too) but has no original × rate to agree with.
    if original_minor != 0 and abs(abs(expected) - abs(base_minor)) > FX_TOLERANCE_MINOR:
        errors.append(
            ForeignAmountMismatch(
                line=i,
                original=ld.original_amount,
                currency=currency,
                rate=ld.rate,
                expected=from_minor(expected, base_currency),
                found=from_minor(base_minor, base_currency),
                field="original_amount",
            )
        )
    return currency, original_minor, ld.rate


def fx_to_base(original_minor: int, currency: str, rate: Decimal, base_currency: str = "CNY") -> int:
    """original × rate, rounded half up to the base currency's minor unit."""
    value = from_minor(original_minor, currency) * rate
    return to_minor(
        value.quantize(Decimal(1).scaleb(-minor_unit(base_currency)), rounding=ROUND_HALF_UP), base_currency
    )


def reversal_lines(lines: Sequence[Line]) -> tuple[Line, ...]:
    """红字冲销: the same lines with negated amounts, so the pair nets to zero on every account."""
    return tuple(
        Line(
            line_no=ln.line_no,
            summary=ln.summary,
            account=ln.account,
            debit_minor=-ln.debit_minor,
            credit_minor=-ln.credit_minor,
            currency=ln.currency,
            original_minor=None if ln.original_minor is None else -ln.original_minor,
            rate=ln.rate,
            dims=ln.dims,
        )
        for ln in lines
    )


# --- hash chain --------------------------------------------------------------------------------


def voucher_payload(header: Mapping[str, Any], lines: Sequence[Mapping[str, Any]]) -> bytes:
    """Canonical bytes of everything stored for a posted voucher (excluding its own hash).

    Values must be JSON scalars already (str/int/None); the store turns dates, decimals and
    timestamps into text the same way when posting and when verifying.
    """
    doc = {"h": dict(header), "l": [dict(ln) for ln in lines]}
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def voucher_hash(prev_hash: str, payload: bytes) -> str:
    h = hashlib.sha256()
    h.update(prev_hash.encode("ascii"))
    h.update(b"\n")
    h.update(payload)
    return h.hexdigest()
