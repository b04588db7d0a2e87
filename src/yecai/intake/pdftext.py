"""Invoices from a PDF's text layer (no OCR here): Chinese VAT e-invoices by their printed
labels, other invoices by keyword rules in English, French, German and Dutch.

Text comes from pdfplumber, page by page, after guard.check_pdf has vetted the file. The
rules are deliberately plain regular expressions over lines: what they cannot find stays
empty with confidence 0, and a guessed field (the issuer of a foreign invoice) says so with
a low confidence, so that a person reviews it.
"""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal, InvalidOperation

from yecai.intake.domain import (
    Invoice,
    InvoiceLine,
    NoInvoiceData,
    clean_tax_id,
    cn_date,
    dec,
    rate,
    with_defaults,
)
from yecai.intake.guard import DEFAULT_LIMITS, Limits, MalformedPdf, check_pdf

TEXT_CHARS_MAX = 2_000_000


def pdf_text(data: bytes, limits: Limits = DEFAULT_LIMITS) -> str:
    check_pdf(data, limits)
    import pdfplumber

    parts: list[str] = []
    size = 0
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for page in pdf.pages:
                text = page.extract_text() or ""
                size += len(text)
                if size > TEXT_CHARS_MAX:
                    break
                parts.append(text)
    except Exception as exc:  # pdfminer raises ad-hoc types on damaged streams
        raise MalformedPdf(detail=type(exc).__name__) from None
    return "\n".join(parts)


def read_pdf_invoice(data: bytes, limits: Limits = DEFAULT_LIMITS) -> Invoice:
    text = pdf_text(data, limits)
    if not text.strip():
        raise NoInvoiceData(detail="the PDF has no text layer (a scan needs OCR)")
    return read_text_invoice(text)


def read_text_invoice(text: str) -> Invoice:
    if _is_chinese_vat(text):
        return with_defaults(chinese_vat(text))
    return generic(text)


# --- Chinese VAT e-invoices --------------------------------------------------------------------

_CN_MARKERS = ("发票号码", "价税合计", "开票日期")


def _is_chinese_vat(text: str) -> bool:
    return sum(1 for m in _CN_MARKERS if m in _squash(text)) >= 2


def _squash(text: str) -> str:
    """Drop the spaces layout puts between CJK characters ('发 票 号 码' → '发票号码')."""
    return re.sub(r"(?<=[\u4e00-\u9fff])[ \t]+(?=[\u4e00-\u9fff])", "", text)


_SEP = r"\s*[:：]?\s*"
_USCC = r"[0-9A-Z]{15,20}"
_AMT = r"-?[\d,]+\.\d{2}"
_RATE = r"(?:\d+(?:\.\d+)?%|免税|不征税|\*{3})"


def _one(pattern: str, text: str) -> str:
    m = re.search(pattern, text)
    return m.group(1).strip() if m else ""


def _lab(label: str) -> str:
    """A label as a pattern that tolerates the spaces layout puts between its characters."""
    return r"\s*".join(re.escape(ch) for ch in label)


def chinese_vat(raw: str) -> Invoice:
    text = raw.replace("（", "(").replace("）", ")").replace("￥", "¥").replace("：", ":")
    number = _one(_lab("发票号码") + _SEP + r"(\d{8,20})", text)
    code = _one(_lab("发票代码") + _SEP + r"(\d{10,12})", text)
    issue = cn_date(
        _one(_lab("开票日期") + _SEP + r"(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|\d{4}-\d{2}-\d{2})", text)
    )
    check = re.sub(r"\s", "", _one(_lab("校验码") + _SEP + r"((?:\d{5}\s?){3}\d{5}|\d{20})", text))
    names = re.findall(_lab("名称") + r"\s*:\s*([^\s:]{2,80})", text)
    tax_ids = re.findall(
        r"(?:" + _lab("纳税人识别号") + "|" + _lab("统一社会信用代码") + r")" + _SEP + r"(" + _USCC + r")",
        text,
    )
    words = _one(
        _lab("价税合计")
        + r"\s*\(?\s*大\s*写\s*\)?"
        + _SEP
        + r"[⊗ⓧ]?\s*([零壹贰叁肆伍陆柒捌玖拾佰仟万亿圆元角分整正负数()]+)",
        text,
    )
    gross = dec(_one(r"\(?\s*小\s*写\s*\)?" + _SEP + r"¥?\s*(" + _AMT + r")", text))
    totals = re.search(r"合\s*计\s*¥?\s*(" + _AMT + r")\s*¥?\s*(" + _AMT + r"|\*{3})", text)
    remarks = _one(_lab("备注") + r"\s*:\s*([^\n]*)", text)
    kind = _one(
        r"(电子发票\((?:增值税专用发票|普通发票)\)|增值税电子(?:专用|普通)发票|增值税(?:专用|普通)发票)", text
    )
    lines = tuple(_cn_lines(text))
    net = dec(totals.group(1)) if totals else None
    tax = (Decimal("0.00") if totals.group(2) == "***" else dec(totals.group(2))) if totals else None
    return Invoice(
        source="pdf_cn",
        invoice_type=kind or ("电子发票(数电票)" if len(number) == 20 else "增值税发票"),
        invoice_code=code,
        invoice_number=number,
        issue_date=issue,
        buyer_name=names[0] if names else "",
        seller_name=names[1] if len(names) > 1 else "",
        buyer_tax_id=clean_tax_id(tax_ids[0]) if tax_ids else "",
        seller_tax_id=clean_tax_id(tax_ids[1]) if len(tax_ids) > 1 else "",
        total_net=net,
        total_tax=tax,
        total_with_tax=gross,
        total_in_words=words,
        check_code=check,
        remarks=remarks,
        lines=lines,
    )


_LINE_TAIL = re.compile(
    r"^(\*[^*\s]+\*\S*)\s+(.*?)\s*(-?[\d.]+)?\s+(-?[\d.]+)?\s+("
    + _AMT
    + r")\s+("
    + _RATE
    + r")\s+("
    + _AMT
    + r"|\*{3})\s*$"
)


def _cn_lines(text: str) -> list[InvoiceLine]:
    """Item rows: *类别*名称 [规格] [单位] [数量] [单价] 金额 税率 税额."""
    out = []
    for row in text.splitlines():
        m = _LINE_TAIL.match(row.strip())
        if not m:
            continue
        name, middle, qty, price, amount, rate_text, tax = m.groups()
        words = middle.split()
        unit = words[-1] if words else ""
        spec = " ".join(words[:-1])
        out.append(
            InvoiceLine(
                name=name,
                spec=spec,
                unit=unit,
                quantity=dec(qty),
                unit_price=dec(price),
                amount=dec(amount),
                tax_rate=rate(rate_text),
                tax_rate_text=rate_text,
                tax=Decimal("0.00") if tax == "***" else dec(tax),
            )  # fmt: skip
        )
    return out


# --- other invoices ----------------------------------------------------------------------------

_MONTHS = {
    # English, French, German, Dutch (lower case, without dots)
    "jan": 1, "january": 1, "janvier": 1, "januar": 1, "januari": 1,
    "feb": 2, "february": 2, "février": 2, "fevrier": 2, "februar": 2, "februari": 2,
    "mar": 3, "march": 3, "mars": 3, "märz": 3, "maerz": 3, "maart": 3,
    "apr": 4, "april": 4, "avril": 4,
    "may": 5, "mai": 5, "mei": 5,
    "jun": 6, "june": 6, "juin": 6, "juni": 6,
    "jul": 7, "july": 7, "juillet": 7, "juli": 7,
    "aug": 8, "august": 8, "août": 8, "aout": 8, "augustus": 8,
    "sep": 9, "sept": 9, "september": 9, "septembre": 9,
    "oct": 10, "october": 10, "octobre": 10, "oktober": 10, "okt": 10,
    "nov": 11, "november": 11, "novembre": 11,
    "dec": 12, "december": 12, "décembre": 12, "decembre": 12, "dezember": 12, "dez": 12,
}  # fmt: skip

_DATE_PATTERNS = (
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), "ymd"),
    (re.compile(r"\b(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"), "ymd"),
    (re.compile(r"\b([A-Za-zéû]{3,9})\.?\s+(\d{1,2})\s*,\s*(\d{4})\b"), "Mdy"),
    (re.compile(r"\b(\d{1,2})\.?\s+([A-Za-zéûä]{3,9})\.?\s+(\d{4})\b"), "dMy"),
    (re.compile(r"\b(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})\b"), "dmy"),
)

_DATE_KEYS = (
    r"invoice\s*date", r"date\s*of\s*invoice", r"rechnungsdatum", r"f\s?actuurdatum", r"factuur\s*datum",
    r"date\s*de\s*facture", r"facture\s*n\S*\s*\S+\s*du", r"data\s*wystawienia", r"issue\s*date",
    r"\bdate\b", r"\bdatum\b",
)  # fmt: skip


def _date_in(text: str, us: bool) -> date | None:
    best: tuple[int, date] | None = None
    for pattern, kind in _DATE_PATTERNS:
        m = pattern.search(text)
        if not m:
            continue
        try:
            if kind == "ymd":
                d = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            elif kind == "Mdy":
                month = _MONTHS.get(m.group(1).lower())
                if not month:
                    continue
                d = date(int(m.group(3)), month, int(m.group(2)))
            elif kind == "dMy":
                month = _MONTHS.get(m.group(2).lower())
                if not month:
                    continue
                d = date(int(m.group(3)), month, int(m.group(1)))
            else:
                a, b = int(m.group(1)), int(m.group(2))
                day, month = (b, a) if us and a <= 12 else (a, b)
                d = date(int(m.group(3)), month, day)
        except ValueError:
            continue
        if best is None or m.start() < best[0]:
            best = (m.start(), d)
    return best[1] if best else None


def _find_date(lines: list[str], us: bool) -> date | None:
    for key in _DATE_KEYS:
        for i, line in enumerate(lines):
            m = re.search(key, line, re.IGNORECASE)
            if not m:
                continue
            # the date follows the label on its line, or sits on the next line (table headers)
            for candidate in (line[m.end() :], lines[i + 1] if i + 1 < len(lines) else ""):
                d = _date_in(candidate, us)
                if d:
                    return d
    return None


_NUMBER_KEYS = (
    r"invoice\s*(?:number|no\.?|#)\s*[:.]?\s*#?\s*",
    r"facture\s*n[°ºo]\.?\s*",
    r"faktura\s*(?:vat\s*)?nr\.?\s*:?\s*",
    r"rechnungs?n(?:umme)?r\.?\s*",
    r"f\s?actuurnummer\s*:?\s*",
    r"invoice\s+(?=[A-Z]{2,}[/\-]?\d)",
    r"^#\s*",
)


def _find_number(lines: list[str], text: str) -> str:
    for key in _NUMBER_KEYS:
        for line in lines:
            m = re.search(key + r"([A-Z0-9][A-Za-z0-9/_\-]{2,40})", line, re.IGNORECASE)
            if m and re.search(r"\d", m.group(1)):
                return m.group(1)
    # a header row 'Factuur … ' with the value under it (Dutch table layout)
    for i, line in enumerate(lines[:-1]):
        heads = line.split()
        if "Factuur" in heads:
            values = lines[i + 1].split()
            last = len(heads) - 1 - heads[::-1].index("Factuur")
            idx = last + (len(values) - len(heads))
            if 0 <= idx < len(values):
                return values[idx]
    return ""


_AMOUNT = r"(?<![\d.,])(-?\d{1,3}(?:[ .,]\d{3})*(?:[.,]\d{1,2})?|-?\d+(?:[.,]\d{1,2})?)(?![\d%]|[.,]\d)"
_TOTAL_KEYS = (
    r"total\s*for\s*this\s*invoice", r"grand\s*total", r"total\s*ttc", r"somme\s*à\s*payer",
    r"factuur\s*totaal", r"totaal", r"gesamtbetrag", r"rechnungsbetrag", r"total\s*amount\s*due",
    r"amount\s*due", r"balance\s*due", r"należność\s*ogółem", r"do\s*zapłaty", r"\btotal\b(?!\s*(?:ht|hors|net|excl|tax|vat))",
)  # fmt: skip
_NET_KEYS = (r"total\s*ht", r"exclusief\s*btw", r"total\s*net", r"subtotal", r"nettobetrag", r"zwischensumme")
_TAX_KEYS = (r"\btva\s*\d+\s*%", r"\bbtw\s*\d+\s*%", r"\bmwst\.?\s*\d+", r"\bvat\b", r"\btax\b(?!\s*\()")


def parse_amount(text: str) -> Decimal | None:
    """'1.234,56' (European), '1,234.56', '4.11', '319' → Decimal."""
    s = text.strip().replace(" ", "").replace("\u202f", "")
    if not s:
        return None
    if "," in s and "." in s:
        s = s.replace(".", "").replace(",", ".") if s.rfind(",") > s.rfind(".") else s.replace(",", "")
    elif "," in s:
        head, _, tail = s.rpartition(",")
        s = f"{head.replace(',', '')}.{tail}" if len(tail) in (1, 2) else s.replace(",", "")
    elif s.count(".") > 1 or re.fullmatch(r"-?\d{1,3}\.\d{3}", s):
        s = s.replace(".", "")
    try:
        return Decimal(s)
    except InvalidOperation:
        return None


def _amount_after(
    lines: list[str], keys: tuple[str, ...], *, last_line: bool = False, last_value: bool = False
) -> Decimal | None:
    """The amount printed after the first key that matches (keys in order of trust).

    ``last_line``: of several matching lines take the last (subtotals end with the grand one);
    ``last_value``: of several amounts on the line take the last ('Tax 15% on $ 112.90 $ 16.94').
    """
    for key in keys:
        hits = []
        for line in lines:
            m = re.search(key, line, re.IGNORECASE)
            if not m:
                continue
            values = [parse_amount(v) for v in re.findall(_AMOUNT, line[m.end() :])]
            values = [v for v in values if v is not None]
            if values:
                hits.append(values[-1] if last_value else values[0])
        if hits:
            return hits[-1] if last_line else hits[0]
    return None


_CURRENCY_SIGNS = (("€", "EUR"), ("$", "USD"), ("₹", "INR"), ("Rs", "INR"), ("£", "GBP"), ("zł", "PLN"))
_CODES = ("EUR", "USD", "INR", "GBP", "PLN", "CHF", "CNY", "HKD", "JPY")


def _currency(text: str) -> str:
    counts: dict[str, int] = {}
    for code in _CODES:
        counts[code] = len(re.findall(rf"\b{code}\b", text))
    for sign, code in _CURRENCY_SIGNS:
        pattern = r"\bRs\b" if sign == "Rs" else re.escape(sign)
        counts[code] = counts.get(code, 0) + len(re.findall(pattern, text))
    code, n = max(counts.items(), key=lambda kv: kv[1])
    return code if n else ""


_ISSUER_NOISE = re.compile(r"\b(invoice|factuur|facture|rechnung|receipt|payment|bill)\b\.?", re.IGNORECASE)


_ISSUER_LABEL = re.compile(r"^(?:issuer|seller|vendor|sprzedawca|verkäufer|fournisseur)\s*:\s*(.+)$", re.I)


def _issuer(lines: list[str]) -> tuple[str, bool]:
    """(issuer, found under a label). Without a label it is a guess: the first line that looks
    like a name; a person confirms it."""
    for line in lines:
        m = _ISSUER_LABEL.match(line)
        if m:
            return m.group(1).strip(), True
    for line in lines[:5]:
        s = _ISSUER_NOISE.sub("", line.split(" - ")[0]).strip(" .:-/")
        if len(s) >= 2 and re.search(r"[A-Za-z]", s) and not re.search(r"\d{3}", s):
            return s, False
    return "", False


def generic(text: str) -> Invoice:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise NoInvoiceData(detail="no text")
    currency = _currency(text)
    us = currency == "USD"
    number = _find_number(lines, text)
    issue = _find_date(lines, us)
    gross = _amount_after(lines, _TOTAL_KEYS)
    net = _amount_after(lines, _NET_KEYS, last_line=True)
    tax = _amount_after(lines, _TAX_KEYS, last_value=True)
    if tax is not None and (net is None or gross is None or net + tax != gross):
        tax = None  # a 'tax' keyword that was not the tax total
    issuer, issuer_labelled = _issuer(lines)
    if not (number or gross is not None):
        raise NoInvoiceData(detail="neither an invoice number nor a total was found")
    return Invoice(
        source="pdf_generic",
        invoice_type="invoice",
        invoice_number=number,
        issue_date=issue,
        seller_name=issuer,
        total_net=net,
        total_tax=tax,
        total_with_tax=gross,
        currency=currency or "CNY",
        field_confidence={
            "seller_name": 0.8 if issuer_labelled else 0.3,
            "currency": 0.6 if currency else 0.1,
        },
    )
