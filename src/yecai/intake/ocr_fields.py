"""From OCR text boxes to invoice fields: the same Invoice the PDF and OFD readers produce.

Pure code over plain values. The boxes come deskewed (axis-aligned) from intake.ocr. They are
grouped into rows, the rows joined into one text in reading order, and each field is found by
its printed label (发票号码, 开票日期, 名称, 纳税人识别号, 价税合计 …). Every character of that text
remembers the box it came from, so a field's confidence is the lowest recognition score of
the boxes it was read from, times the quality of the scan. The item table is read by columns:
the header row (项目名称 规格型号 单位 数量 单价 金额 税率 税额) gives each column's position and every
cell below goes to the nearest column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from yecai.intake.domain import Invoice, InvoiceLine, NoInvoiceData, cn_date, dec, rate, with_defaults
from yecai.intake.words import looks_like_amount_words

SOURCE = "ocr"


@dataclass(frozen=True)
class Box:
    """One recognised piece of text, in pixels of the deskewed page image."""

    text: str
    score: float
    x0: float
    y0: float
    x1: float
    y1: float
    page: int = 0

    @property
    def xc(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def yc(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def h(self) -> float:
        return max(1.0, self.y1 - self.y0)


_NORMALISE = str.maketrans(
    {
        "：": ":",
        "（": "(",
        "）": ")",
        "￥": "¥",
        "，": ",",
        "；": ";",
        "＊": "*",
        "％": "%",
        "／": "/",
        "　": " ",
    }
)


def normalise(text: str) -> str:
    return text.translate(_NORMALISE).strip()


def rows_of(boxes: list[Box]) -> list[list[Box]]:
    """Group boxes into text rows (top to bottom), each row left to right."""
    rows: list[list[Box]] = []
    for b in sorted(boxes, key=lambda b: (b.page, b.yc)):
        if rows:
            row = rows[-1]
            yc = sum(x.yc for x in row) / len(row)
            h = min(b.h, min(x.h for x in row))
            if row[0].page == b.page and abs(b.yc - yc) < 0.55 * h:
                row.append(b)
                continue
        rows.append([b])
    return [sorted(r, key=lambda b: b.x0) for r in rows]


class Doc:
    """The page text in reading order; each character knows the box it came from."""

    def __init__(self, rows: list[list[Box]]) -> None:
        parts: list[str] = []
        owners: list[Box | None] = []
        for row in rows:
            for i, b in enumerate(row):
                if i:
                    parts.append("  ")
                    owners += [None, None]
                t = normalise(b.text)
                parts.append(t)
                owners += [b] * len(t)
            parts.append("\n")
            owners.append(None)
        self.text = "".join(parts)
        self.owners = owners

    def score(self, start: int, end: int) -> float:
        scores = [b.score for b in self.owners[start:end] if b is not None]
        return min(scores) if scores else 0.0

    def find(self, pattern: str, flags: int = 0) -> tuple[str, float]:
        m = re.search(pattern, self.text, flags)
        if not m:
            return "", 0.0
        return m.group(1).strip(), self.score(m.start(1), m.end(1))

    def find_all(self, pattern: str) -> list[tuple[str, float, int]]:
        return [
            (m.group(1).strip(), self.score(m.start(1), m.end(1)), m.start(1))
            for m in re.finditer(pattern, self.text)
        ]


# --- tax ids: repair the usual OCR confusions with the check digit ------------------------------

_CONFUSIONS = {"O": "0", "0": "O", "I": "1", "1": "I", "Z": "2", "2": "Z", "S": "5", "5": "S", "B": "8",
               "8": "B", "D": "0", "G": "6", "Q": "0", "U": "V", "V": "U"}  # fmt: skip


def _uscc_ok(value: str) -> bool:
    from stdnum.cn import uscc
    from stdnum.exceptions import ValidationError

    try:
        uscc.validate(value)
    except ValidationError:
        return False
    return True


def repair_tax_id(value: str) -> tuple[str, bool]:
    """(tax id, repaired). An 18-character id whose check digit fails is tried with one OCR
    confusion fixed (O↔0, I↔1, …); only a single candidate that validates is taken."""
    v = re.sub(r"\s", "", value).upper()
    if len(v) != 18 or _uscc_ok(v):
        return v, False
    found = {
        v[:i] + alt + v[i + 1 :]
        for i, ch in enumerate(v)
        for alt in (_CONFUSIONS.get(ch),)
        if alt and _uscc_ok(v[:i] + alt + v[i + 1 :])
    }
    if len(found) == 1:
        return found.pop(), True
    return v, False


# --- the item table ----------------------------------------------------------------------------

_HEADERS = (
    ("name", ("项目名称", "货物或应税劳务、服务名称", "货物或应税劳务", "服务名称", "名称")),
    ("spec", ("规格型号", "规格")),
    ("unit", ("单位",)),
    ("quantity", ("数量",)),
    ("unit_price", ("单价",)),
    ("amount", ("金额",)),
    ("tax_rate", ("税率/征收率", "税率", "征收率")),
    ("tax", ("税额",)),
)
_AMOUNT = r"-?\d[\d,]*\.\d{2}"


def _header_columns(row: list[Box]) -> dict[str, float]:
    """Column key → x centre, from the header row (a box may hold several labels)."""
    cols: dict[str, float] = {}
    for b in row:
        t = normalise(b.text)
        for key, labels in _HEADERS:
            if key in cols:
                continue
            for label in labels:
                i = t.find(label)
                if i >= 0:
                    if key == "tax" and t[max(0, i - 1) : i] == "含":
                        continue
                    frac = (i + len(label) / 2) / max(1, len(t))
                    cols[key] = b.x0 + (b.x1 - b.x0) * frac
                    break
    return cols


def _is_header(row: list[Box]) -> bool:
    cols = _header_columns(row)
    return "amount" in cols and ("name" in cols or "tax" in cols) and len(cols) >= 4


def _cells(row: list[Box], cols: dict[str, float]) -> dict[str, tuple[str, float]]:
    """Assign each box (or each token of a box that spans columns) to the nearest column."""
    order = sorted(cols.items(), key=lambda kv: kv[1])
    cells: dict[str, list[tuple[float, str, float]]] = {}

    def nearest(x: float) -> str:
        return min(order, key=lambda kv: abs(kv[1] - x))[0]

    for b in row:
        t = normalise(b.text)
        tokens = t.split()
        first = nearest(b.x0 + min(b.h, (b.x1 - b.x0) / 2))
        if len(tokens) > 1 and first != "name" and nearest(b.x1 - b.h) != first:
            # OCR merged neighbouring cells: place each token by its share of the box width
            pos = 0
            for tok in tokens:
                i = t.find(tok, pos)
                pos = i + len(tok)
                x = b.x0 + (b.x1 - b.x0) * (i + len(tok) / 2) / max(1, len(t))
                cells.setdefault(nearest(x), []).append((x, tok, b.score))
        else:
            key = "name" if first == "name" else nearest(b.xc)
            cells.setdefault(key, []).append((b.xc, t, b.score))
    return {k: (" ".join(t for _x, t, _s in sorted(v)), min(s for _x, _t, s in v)) for k, v in cells.items()}


def _rate_text(text: str) -> str:
    t = text.replace(" ", "")
    m = re.search(r"\d{1,2}(?:\.\d+)?%", t)
    if m:
        return m.group(0)
    for word in ("免税", "不征税"):
        if word in t:
            return word
    return "***" if "*" in t else t


def _clean_name(text: str) -> str:
    """'计算机配套产品*键盘.' → '*计算机配套产品*键盘': the category stars and no stray dots."""
    name = text.replace(" ", "").rstrip(".,。，")
    if name.count("*") == 1 and not name.startswith("*") and name.index("*") > 0:
        name = "*" + name
    return name


def read_lines(rows: list[list[Box]]) -> tuple[tuple[InvoiceLine, ...], float]:
    """Item rows between the table header and the 合计 row; (lines, their lowest confidence)."""
    start = next((i for i, r in enumerate(rows) if _is_header(r)), None)
    if start is None:
        return (), 0.0
    cols = _header_columns(rows[start])
    lines: list[InvoiceLine] = []
    scores: list[float] = []
    for row in rows[start + 1 :]:
        joined = normalise("".join(b.text for b in row)).replace(" ", "")
        if "合计" in joined or "价税" in joined or "小写" in joined:
            break
        cells = _cells(row, cols)
        amount = dec(cells.get("amount", ("", 0))[0]) if "amount" in cells else None
        name = _clean_name(cells.get("name", ("", 1.0))[0])
        if amount is None or not re.search(r"\d\.\d{2}", cells.get("amount", ("", 0))[0]):
            if name and lines and not any(k in cells for k in ("quantity", "unit_price", "tax")):
                lines[-1] = replace(lines[-1], name=lines[-1].name + name)  # a wrapped item name
            continue
        quantity = dec(cells["quantity"][0]) if "quantity" in cells else None
        price = dec(cells["unit_price"][0]) if "unit_price" in cells else None
        if quantity is None and price:
            # a lone digit is the cell OCR misses most; amount / price gives it back when exact
            q = (amount / price).quantize(Decimal("0.0001"))
            if q > 0 and (q * price).quantize(Decimal("0.01")) == amount and q == q.to_integral_value():
                quantity = q.quantize(Decimal(1))
        rate_text = _rate_text(cells.get("tax_rate", ("", 0))[0])
        tax_text = cells.get("tax", ("", 0))[0].replace(" ", "")
        lines.append(
            InvoiceLine(
                name=name,
                spec=cells.get("spec", ("", 0))[0].rstrip(".,。，"),
                unit=cells.get("unit", ("", 0))[0].replace(" ", ""),
                quantity=quantity,
                unit_price=price,
                amount=amount,
                tax_rate=rate(rate_text),
                tax_rate_text=rate_text,
                tax=Decimal("0.00") if set(tax_text) == {"*"} else dec(tax_text),
            )
        )
        scores.append(min(s for _t, s in cells.values()))
    return tuple(lines), (min(scores) if scores else 0.0)


# --- the whole invoice ------------------------------------------------------------------------

_TYPE = r"(电子发票\((?:增值税专用发票|普通发票)\)|增值税电子(?:专用|普通)发票|增值税(?:专用|普通)发票)"
_DATE = r"(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日?|\d{4}-\d{1,2}-\d{1,2})"


def _first_date(doc: Doc) -> tuple[date | None, float]:
    text, conf = doc.find(r"开\s*票\s*日\s*期\s*:?\s*" + _DATE)
    if not text:
        text, conf = doc.find(_DATE)
    d = cn_date(text.replace("日", "") + ("日" if "年" in text else ""))
    return d, (conf if d else 0.0)


def _words(doc: Doc) -> tuple[str, float]:
    for m in re.finditer(r"([零壹贰叁肆伍陆柒捌玖拾佰仟万亿圆元角分整正]{2,})", doc.text):
        if looks_like_amount_words(m.group(1)):
            return m.group(1), doc.score(m.start(1), m.end(1))
    return "", 0.0


def _totals_row(doc: Doc) -> tuple[Decimal | None, Decimal | None, float]:
    for line in doc.text.split("\n"):
        squashed = line.replace(" ", "")
        if "合计" in squashed and "价税" not in squashed:
            start = doc.text.find(line)
            after = line[line.find("计") + 1 :] if "计" in line else line
            values = re.findall(r"[¥Y半]?\s*(" + _AMOUNT + r"|\*{3})", after)
            if not values:
                continue
            off = start + (len(line) - len(after))
            conf = doc.score(off, start + len(line))
            net = dec(values[0])
            tax = (Decimal("0.00") if values[1] == "***" else dec(values[1])) if len(values) > 1 else None
            return net, tax, conf
    return None, None, 0.0


def _names(doc: Doc) -> tuple[tuple[str, float], tuple[str, float]]:
    """(buyer, seller): 名称 labels in reading order; the buyer comes first (left or above)."""
    found = doc.find_all(r"名\s*称\s*:?\s*([^\s:]{2,80})")
    found = [f for f in found if not f[0].startswith(("规格", "单位"))]
    buyer: tuple[str, float] = ("", 0.0)
    seller: tuple[str, float] = ("", 0.0)
    if len(found) >= 2:
        buyer, seller = found[0][:2], found[1][:2]
    elif found:
        before = doc.text[: found[0][2]]
        if before.rfind("销售方") > before.rfind("购买方"):
            seller = found[0][:2]
        else:
            buyer = found[0][:2]
    return buyer, seller


def invoice_from_boxes(boxes: list[Box], *, quality: float = 1.0) -> Invoice:
    """Read a Chinese VAT invoice from OCR boxes. ``quality`` (0..1) scales every confidence:
    a skewed or noisy scan is trusted less, so a person confirms it."""
    if not boxes:
        raise NoInvoiceData(detail="no text was recognised in the image")
    rows = rows_of(boxes)
    doc = Doc(rows)
    squashed = doc.text.replace(" ", "")
    if sum(1 for m in ("发票号码", "价税合计", "开票日期", "纳税人识别号") if m in squashed) < 2:
        raise NoInvoiceData(detail="the image does not look like a Chinese VAT invoice")
    conf: dict[str, float] = {}

    def keep(key: str, value: str, c: float) -> str:
        conf[key] = c
        return value

    number = keep("invoice_number", *doc.find(r"发\s*票\s*号\s*码\s*:?\s*(\d{8,20})"))
    code = keep("invoice_code", *doc.find(r"发\s*票\s*代\s*码\s*:?\s*(\d{10,12})"))
    issue, conf["issue_date"] = _first_date(doc)
    check_raw, conf["check_code"] = doc.find(r"校\s*验\s*码\s*:?\s*((?:\d\s*){20})")
    buyer, seller = _names(doc)
    tax_ids = doc.find_all(
        r"(?:统一社会信用代码\s*/?\s*)?纳\s*税\s*人\s*识\s*别\s*号\s*:?\s*([0-9A-Za-z]{15,20})"
    )
    ids: list[tuple[str, float]] = []
    for value, c, _pos in tax_ids:
        fixed, repaired = repair_tax_id(value)
        ids.append((fixed, c * (0.9 if repaired else 1.0)))
    words, conf["total_in_words"] = _words(doc)
    gross_text, conf["total_with_tax"] = doc.find(r"小\s*写\s*\)?\s*[¥Y半]?\s*(" + _AMOUNT + ")")
    net, tax, totals_conf = _totals_row(doc)
    remarks, conf["remarks"] = doc.find(r"备\s*注\s*:?\s*([^\n]*)")
    remarks = re.split(r"\s{2,}(?:开票人|收款人|复核)", remarks)[0].strip()
    kind, conf["invoice_type"] = doc.find(_TYPE)
    lines, conf["lines"] = read_lines(rows)
    currency_seen = "¥" in doc.text or "小写" in squashed
    conf.update(
        buyer_name=buyer[1],
        seller_name=seller[1],
        buyer_tax_id=ids[0][1] if ids else 0.0,
        seller_tax_id=ids[1][1] if len(ids) > 1 else 0.0,
        total_net=totals_conf,
        total_tax=totals_conf,
        currency=1.0 if currency_seen else 0.5,
    )
    inv = Invoice(
        source=SOURCE,
        invoice_type=kind or ("电子发票(数电票)" if len(number) == 20 else "增值税发票"),
        invoice_code=code,
        invoice_number=number,
        issue_date=issue,
        buyer_name=buyer[0],
        seller_name=seller[0],
        buyer_tax_id=ids[0][0] if ids else "",
        seller_tax_id=ids[1][0] if len(ids) > 1 else "",
        total_net=net,
        total_tax=tax,
        total_with_tax=dec(gross_text),
        total_in_words=words,
        check_code=re.sub(r"\s", "", check_raw),
        remarks=remarks,
        lines=lines,
        field_confidence={},
    )
    if not kind:
        conf["invoice_type"] = 0.6
    inv = with_defaults(replace(inv, field_confidence=conf))
    q = max(0.0, min(1.0, quality))
    return replace(inv, field_confidence={k: round(v * q, 3) for k, v in inv.field_confidence.items()})
