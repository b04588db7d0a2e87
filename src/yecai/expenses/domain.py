"""Expense claims (费用报销) and employee advances (备用金), pure: categories, invoice types, the
deductible-VAT split of a line and the refusals.

A line's amount is what the employee paid, tax included. Only a special VAT invoice
(增值税专用发票) makes its VAT deductible input tax (22210101); with an ordinary invoice or none,
the whole amount is the expense. The expense account is chosen by the posting rules from the
line's category and the department's kind (sales → 6601xx 销售费用, otherwise 6602xx 管理费用).
"""

from __future__ import annotations

from dataclasses import dataclass

from yecai.core.errors import YecaiError
from yecai.core.money import format_minor

CATEGORIES: tuple[str, ...] = (
    "差旅费",
    "办公费",
    "业务招待费",
    "运输费",
    "广告宣传费",
    "租赁费",
    "水电费",
    "中介服务费",
    "研发费用",
    "其他",
)
INVOICE_TYPES: tuple[str, ...] = ("special", "ordinary", "none")  # 专票 | 普票 | 无票
DEPARTMENT_KINDS: tuple[str, ...] = ("admin", "sales")
PAYMENT_METHODS: tuple[str, ...] = ("bank", "cash")
ATTACHMENTS_MAX = 999


class InvalidCategory(YecaiError):
    code = "expenses.invalid_category"
    template = "Expense category {value!r} is not one of {known}"


class InvalidInvoiceType(YecaiError):
    code = "expenses.invalid_invoice_type"
    template = "Invoice type {value!r} must be special (专票), ordinary (普票) or none"


class InvalidExpenseAmount(YecaiError):
    code = "expenses.invalid_amount"
    template = "Amount {value} must be positive"


class TaxNotDeductible(YecaiError):
    code = "expenses.tax_not_deductible"
    template = "Tax {tax} is deductible only on a special VAT invoice (专票); this line has {invoice_type}"


class InvalidTax(YecaiError):
    code = "expenses.invalid_tax"
    template = "Tax {tax} must be zero or more and less than the amount {amount}"


class SelfApproval(YecaiError):
    code = "expenses.self_approval"
    template = "{user} submitted claim {claim} and may not approve it; someone else must"
    http_status = 403


class InvalidDepartmentKind(YecaiError):
    code = "expenses.invalid_department_kind"
    template = "Department kind {value!r} must be admin or sales"


class InvalidPaymentMethod(YecaiError):
    code = "expenses.invalid_method"
    template = "Payment method {value!r} must be bank or cash"


class InvalidAttachments(YecaiError):
    code = "expenses.invalid_attachments"
    template = "Attachments {value} must be between 0 and 999"


class OffsetExceedsAdvance(YecaiError):
    code = "expenses.offset_exceeds_advance"
    template = "Offsetting {offset} but employee {employee} has only {open} of advances open"
    http_status = 409


class OffsetExceedsClaim(YecaiError):
    code = "expenses.offset_exceeds_claim"
    template = "Offsetting {offset} against claim {claim} of only {total}"


def check_category(value: str, field: str) -> str:
    v = value.strip()
    if v not in CATEGORIES:
        raise InvalidCategory(value=value, known="/".join(CATEGORIES), field=field)
    return v


def check_invoice_type(value: str, field: str) -> str:
    if value not in INVOICE_TYPES:
        raise InvalidInvoiceType(value=value, field=field)
    return value


def check_method(value: str) -> str:
    if value not in PAYMENT_METHODS:
        raise InvalidPaymentMethod(value=value, field="method")
    return value


def check_attachments(value: int) -> int:
    if not 0 <= value <= ATTACHMENTS_MAX:
        raise InvalidAttachments(value=value, field="attachments")
    return value


@dataclass(frozen=True)
class LineSplit:
    net_minor: int  # the expense
    tax_minor: int  # deductible input VAT
    total_minor: int  # what the employee paid


def split_line(amount_minor: int, tax_minor: int, invoice_type: str, *, field: str) -> LineSplit:
    if amount_minor <= 0:
        raise InvalidExpenseAmount(value=format_minor(amount_minor), field=f"{field}.amount")
    if tax_minor and invoice_type != "special":
        raise TaxNotDeductible(tax=format_minor(tax_minor), invoice_type=invoice_type, field=f"{field}.tax")
    if tax_minor < 0 or tax_minor >= amount_minor:
        raise InvalidTax(tax=format_minor(tax_minor), amount=format_minor(amount_minor), field=f"{field}.tax")
    return LineSplit(amount_minor - tax_minor, tax_minor, amount_minor)
