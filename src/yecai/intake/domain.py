"""What intake reads, as plain values: invoices, their cross-checks and confidence; bank statements.

Parsers (einvoice, pdftext, bankformats) fill these; the service and shells only render or
store them. Amounts are Decimal here and strings in the extract-only JSON contract.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from yecai.core.errors import YecaiError

# ---------------------------------------------------------------------------------------------
# Invoices
# ---------------------------------------------------------------------------------------------

INVOICE_KEYS = (
    "invoice_type",
    "invoice_code",
    "invoice_number",
    "issue_date",
    "seller_name",
    "seller_tax_id",
    "buyer_name",
    "buyer_tax_id",
    "total_net",
    "total_tax",
    "total_with_tax",
    "currency",
    "check_code",
    "remarks",
    "lines",
    "confidence",
    "checks",
)
LINE_KEYS = ("name", "spec", "unit", "quantity", "unit_price", "amount", "tax_rate", "tax")
# The fields that carry a confidence (lines are judged as one field).
CONFIDENCE_FIELDS = tuple(k for k in INVOICE_KEYS if k not in ("confidence", "checks"))

# How much a source is trusted before any check: data the issuer embedded as XML is exact;
# text read from a rendered page depends on where the words landed.
SOURCE_CONFIDENCE = {"xml": 1.0, "ofd_tags": 0.95, "ofd_text": 0.8, "pdf_cn": 0.85, "pdf_generic": 0.6}


class NoInvoiceData(YecaiError):
    code = "intake.no_invoice_data"
    template = "No invoice data was found in the file ({detail})"


@dataclass(frozen=True)
class InvoiceLine:
    name: str = ""
    spec: str = ""
    unit: str = ""
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    amount: Decimal | None = None
    tax_rate: Decimal | None = None  # 0.13 for 13%; None for 免税/不征税 or unknown
    tax: Decimal | None = None
    tax_rate_text: str = ""  # as printed (13%, 免税, ***), kept for the contract


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool | None  # None: not applicable / skipped (detail says why)
    detail: str
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class Invoice:
    source: str  # key of SOURCE_CONFIDENCE
    invoice_type: str = ""
    invoice_code: str = ""
    invoice_number: str = ""
    issue_date: date | None = None
    seller_name: str = ""
    seller_tax_id: str = ""
    buyer_name: str = ""
    buyer_tax_id: str = ""
    total_net: Decimal | None = None
    total_tax: Decimal | None = None
    total_with_tax: Decimal | None = None
    total_in_words: str = ""  # 价税合计(大写) as printed, when seen
    currency: str = "CNY"
    check_code: str = ""
    remarks: str = ""
    lines: tuple[InvoiceLine, ...] = ()
    # Per-field confidence of the reading itself before checks (e.g. a guessed issuer).
    field_confidence: dict[str, float] = field(default_factory=dict)


# --- small value parsers shared by the readers ------------------------------------------------

_NUM = re.compile(r"-?\d+(?:\.\d+)?")


def dec(text: str | None) -> Decimal | None:
    """'¥4,197.17' → Decimal('4197.17'); '' / '***' / nonsense → None."""
    if text is None:
        return None
    s = str(text).strip().replace(",", "").replace("¥", "").replace("￥", "").replace(" ", "")
    if not s:
        return None
    m = _NUM.fullmatch(s) or _NUM.search(s)
    if not m:
        return None
    try:
        return Decimal(m.group(0))
    except InvalidOperation:
        return None


def tax_dec(text: str | None) -> Decimal | None:
    """A tax amount: '***' (printed on exempt / 免税 lines) is zero tax, not a missing one."""
    if text is not None and text.strip() and set(text.strip()) == {"*"}:
        return Decimal("0.00")
    return dec(text)


def rate(text: str | None) -> Decimal | None:
    """'13%' → 0.13, '0.06' → 0.06, '免税'/'不征税'/'***' → None."""
    if not text:
        return None
    s = text.strip()
    value = dec(s.rstrip("%"))
    if value is None:
        return None
    return (value / 100).normalize() if s.endswith("%") or value >= 1 else value.normalize()


_CN_DATE = re.compile(r"(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})")


def cn_date(text: str | None) -> date | None:
    """'2020年07月23日', '2022-09-01', '20200723' → date."""
    if not text:
        return None
    s = text.strip()
    m = _CN_DATE.search(s)
    try:
        if m:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if re.fullmatch(r"\d{8}", s):
            return date(int(s[:4]), int(s[4:6]), int(s[6:]))
    except ValueError:
        return None
    return None


def clean_tax_id(text: str | None) -> str:
    return re.sub(r"\s+", "", text or "").upper()


# --- cross-checks ------------------------------------------------------------------------------


def _sum(values: list[Decimal | None]) -> Decimal | None:
    if not values or any(v is None for v in values):
        return None
    return sum((v for v in values if v is not None), Decimal(0))


def _uscc_valid(tax_id: str) -> bool | None:
    """True/False for an 18-character 统一社会信用代码; None for other (older 15/20-digit) ids."""
    if len(tax_id) != 18:
        return None
    from stdnum.cn import uscc
    from stdnum.exceptions import ValidationError

    try:
        uscc.validate(tax_id)
    except ValidationError:
        return False
    return True


def cross_checks(
    inv: Invoice, *, company_tax_id: str | None = None, company_given: bool = False
) -> list[Check]:
    """Every check the invoice admits; each says what it compared."""
    from yecai.intake.words import AmountWordsInvalid, parse_amount_words

    checks: list[Check] = []
    net, tax, gross = inv.total_net, inv.total_tax, inv.total_with_tax

    if net is not None and tax is not None and gross is not None:
        ok = net + tax == gross
        checks.append(
            Check("net_plus_tax_equals_total", ok, f"{net} + {tax} = {net + tax}, total {gross}",
                  ("total_net", "total_tax", "total_with_tax"))
        )  # fmt: skip
    else:
        checks.append(Check("net_plus_tax_equals_total", None, "totals incomplete"))

    if inv.lines:
        line_net = _sum([ln.amount for ln in inv.lines])
        line_tax = _sum([ln.tax for ln in inv.lines])
        if line_net is not None and net is not None:
            ok = line_net == net
            checks.append(
                Check("lines_sum_to_net", ok, f"lines {line_net}, total_net {net}", ("lines", "total_net"))
            )
        else:
            checks.append(Check("lines_sum_to_net", None, "line amounts or total_net missing"))
        if line_tax is not None and tax is not None:
            ok = line_tax == tax
            checks.append(
                Check("lines_sum_to_tax", ok, f"lines {line_tax}, total_tax {tax}", ("lines", "total_tax"))
            )
        else:
            checks.append(Check("lines_sum_to_tax", None, "line taxes or total_tax missing"))
    else:
        checks.append(Check("lines_sum_to_net", None, "no lines read"))

    if inv.total_in_words:
        try:
            words = parse_amount_words(inv.total_in_words)
        except AmountWordsInvalid as exc:
            checks.append(Check("amount_in_words", False, exc.render("en"), ("total_with_tax",)))
        else:
            ok = gross is not None and words == gross
            checks.append(
                Check("amount_in_words", ok, f"{inv.total_in_words} = {words}, figure {gross}",
                      ("total_with_tax",))
            )  # fmt: skip
    else:
        checks.append(Check("amount_in_words", None, "no amount in words on the invoice"))

    for who in ("seller", "buyer"):
        tid = getattr(inv, f"{who}_tax_id")
        if not tid:
            checks.append(Check(f"{who}_tax_id_valid", None, "no tax id"))
            continue
        valid = _uscc_valid(tid)
        if valid is None:
            checks.append(Check(f"{who}_tax_id_valid", None, f"{tid} is not an 18-character USCC"))
        else:
            detail = f"{tid} check digit " + ("ok" if valid else "wrong")
            checks.append(Check(f"{who}_tax_id_valid", valid, detail, (f"{who}_tax_id",)))

    if not company_given:
        checks.append(Check("buyer_is_company", None, "no --company given"))
    elif not company_tax_id:
        checks.append(Check("buyer_is_company", None, "the company has no tax id on record"))
    else:
        ok = clean_tax_id(company_tax_id) == inv.buyer_tax_id
        checks.append(
            Check("buyer_is_company", ok, f"buyer {inv.buyer_tax_id or '-'}, company {company_tax_id}",
                  ("buyer_tax_id",))
        )  # fmt: skip
    return checks


_REQUIRED_CN = ("invoice_number", "issue_date", "seller_name", "total_with_tax")


def confidence(inv: Invoice, checks: list[Check]) -> dict[str, float]:
    """Start from how the field was read; missing fields score 0; each failed check halves the
    confidence of the fields it covers (so a person looks at them)."""
    base = SOURCE_CONFIDENCE.get(inv.source, 0.5)
    out: dict[str, float] = {}
    for key in CONFIDENCE_FIELDS:
        value = getattr(inv, key)
        empty = value is None or value == "" or value == ()
        out[key] = 0.0 if empty else inv.field_confidence.get(key, base)
    for chk in checks:
        if chk.passed is False:
            for f in chk.fields:
                out[f] = out.get(f, 0.0) * 0.5
    return {k: round(v, 3) for k, v in out.items()}


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def to_contract(
    inv: Invoice, *, company_tax_id: str | None = None, company_given: bool = False
) -> dict[str, Any]:
    """The extract-only JSON contract: exactly INVOICE_KEYS, amounts as decimal strings."""
    checks = cross_checks(inv, company_tax_id=company_tax_id, company_given=company_given)
    out: dict[str, Any] = {
        "invoice_type": inv.invoice_type,
        "invoice_code": inv.invoice_code,
        "invoice_number": inv.invoice_number,
        "issue_date": inv.issue_date.isoformat() if inv.issue_date else None,
        "seller_name": inv.seller_name,
        "seller_tax_id": inv.seller_tax_id,
        "buyer_name": inv.buyer_name,
        "buyer_tax_id": inv.buyer_tax_id,
        "total_net": _s(inv.total_net),
        "total_tax": _s(inv.total_tax),
        "total_with_tax": _s(inv.total_with_tax),
        "currency": inv.currency,
        "check_code": inv.check_code,
        "remarks": inv.remarks,
        "lines": [
            {
                "name": ln.name,
                "spec": ln.spec,
                "unit": ln.unit,
                "quantity": _s(ln.quantity),
                "unit_price": _s(ln.unit_price),
                "amount": _s(ln.amount),
                "tax_rate": ln.tax_rate_text or (None if ln.tax_rate is None else f"{ln.tax_rate * 100:g}%"),
                "tax": _s(ln.tax),
            }
            for ln in inv.lines
        ],
        "confidence": confidence(inv, checks),
        "checks": [{"name": c.name, "passed": c.passed, "detail": c.detail} for c in checks],
    }
    assert tuple(out) == INVOICE_KEYS
    return out


def with_defaults(inv: Invoice) -> Invoice:
    """Fill what follows from the rest: net = Σ lines, tax = Σ line taxes, total = net + tax."""
    net, tax, gross = inv.total_net, inv.total_tax, inv.total_with_tax
    conf = dict(inv.field_confidence)
    if inv.lines:
        if net is None:
            net = _sum([ln.amount for ln in inv.lines])
            conf["total_net"] = 0.7
        if tax is None:
            tax = _sum([ln.tax for ln in inv.lines])
            conf["total_tax"] = 0.7
    if gross is None and net is not None and tax is not None:
        gross = net + tax
        conf["total_with_tax"] = 0.7
    return replace(inv, total_net=net, total_tax=tax, total_with_tax=gross, field_confidence=conf)
