"""Synthetic Chinese VAT invoices drawn as images, with the fields they carry.

The OCR tests, the accuracy benchmark and the demo use these instead of real scans: each image
comes with its ground truth in the extract-only contract shape. Two layouts are drawn (the
fully-digital 数电票 with buyer and seller side by side, and the older VAT invoice with 发票代码,
校验码, buyer above and seller below), at any resolution, rotated and with noise.

Needs a CJK font (Debian's fonts-noto-cjk); the font is looked up, never downloaded.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from yecai.core.errors import YecaiError

FONT_PATHS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)


class NoCjkFont(YecaiError):
    code = "intake.no_cjk_font"
    template = "No Chinese font was found to draw sample invoices (install fonts-noto-cjk)"


def font_path() -> str:
    for p in FONT_PATHS:
        if Path(p).exists():
            return p
    raise NoCjkFont()


@dataclass(frozen=True)
class SampleLine:
    name: str
    spec: str
    unit: str
    quantity: str
    unit_price: str
    amount: str
    tax_rate: str  # as printed: 13%
    tax: str


@dataclass(frozen=True)
class SampleInvoice:
    invoice_number: str
    issue_date: str  # ISO
    buyer_name: str
    buyer_tax_id: str
    seller_name: str
    seller_tax_id: str
    lines: tuple[SampleLine, ...]
    total_net: str
    total_tax: str
    total_with_tax: str
    total_in_words: str
    invoice_code: str = ""
    check_code: str = ""
    remarks: str = ""
    invoice_type: str = "电子发票(增值税专用发票)"
    extra: dict[str, Any] = field(default_factory=dict)

    def expected(self) -> dict[str, Any]:
        """The fields in the extract-only contract shape (no confidence/checks)."""
        return {
            "invoice_type": self.invoice_type,
            "invoice_code": self.invoice_code,
            "invoice_number": self.invoice_number,
            "issue_date": self.issue_date,
            "seller_name": self.seller_name,
            "seller_tax_id": self.seller_tax_id,
            "buyer_name": self.buyer_name,
            "buyer_tax_id": self.buyer_tax_id,
            "total_net": self.total_net,
            "total_tax": self.total_tax,
            "total_with_tax": self.total_with_tax,
            "check_code": self.check_code,
            "remarks": self.remarks,
            "lines": [
                {
                    "name": ln.name,
                    "spec": ln.spec,
                    "unit": ln.unit,
                    "quantity": ln.quantity,
                    "unit_price": ln.unit_price,
                    "amount": ln.amount,
                    "tax_rate": ln.tax_rate,
                    "tax": ln.tax,
                }
                for ln in self.lines
            ],
        }


# --- random but valid invoices -----------------------------------------------------------------

_GOODS = (
    ("*办公用品*打印纸", "A4", "箱", "13%"),
    ("*办公用品*墨盒", "HP678", "个", "13%"),
    ("*计算机配套产品*键盘", "K120", "个", "13%"),
    ("*信息技术服务*技术服务费", "", "次", "6%"),
    ("*现代服务*咨询费", "", "项", "6%"),
    ("*电子元件*电容器", "100uF", "只", "13%"),
    ("*金属制品*螺栓", "M8x30", "套", "13%"),
    ("*运输服务*运费", "", "次", "9%"),
)
_NAMES = (
    "北京测试卖方有限公司",
    "上海华东电子科技有限公司",
    "深圳市南山精密机械有限公司",
    "杭州西湖信息技术有限公司",
    "广州天河办公用品有限公司",
    "成都锦江物流有限公司",
)
BUYER_NAME = "上海测试买方有限公司"


def uscc_with_check(base17: str) -> str:
    from stdnum.cn import uscc

    return base17 + uscc.calc_check_digit(base17)


BUYER_TAX_ID = uscc_with_check("91310115MA1K4XYP0")


def amount_words(value: Decimal) -> str:
    """1130.00 → 壹仟壹佰叁拾圆整 (the form printed on VAT invoices)."""
    digits = "零壹贰叁肆伍陆柒捌玖"
    units = ["", "拾", "佰", "仟"]
    fen_total = int((value * 100).to_integral_value())
    yuan, rest = divmod(fen_total, 100)
    jiao, fen = divmod(rest, 10)

    def section(n: int) -> str:
        out = ""
        zero = False
        for i in range(3, -1, -1):
            d = (n // 10**i) % 10
            if d == 0:
                zero = bool(out)
                continue
            if zero:
                out += "零"
                zero = False
            out += digits[d] + units[i]
        return out

    parts = []
    big = ["", "万", "亿"]
    n = yuan
    idx = 0
    while n:
        n, sec = divmod(n, 10000)
        if sec:
            text = section(sec) + big[idx]
            if parts and sec < 1000:
                text += "零"
            parts.insert(0, text)
        elif parts and not parts[0].startswith("零"):
            parts.insert(0, "零")
        idx += 1
    text = "".join(parts).replace("零零", "零").rstrip("零")
    out = (text + "圆") if yuan else ""
    if jiao == 0 and fen == 0:
        return out + "整"
    if jiao:
        out += digits[jiao] + "角"
    elif yuan:
        out += "零"
    if fen:
        out += digits[fen] + "分"
    return out


def random_invoice(rng: random.Random, *, layout: str = "sdp") -> SampleInvoice:
    from datetime import date, timedelta

    seller = rng.choice(_NAMES)
    seller_id = uscc_with_check(
        f"9144030{rng.randint(0, 9)}MA5{rng.randint(10000, 99999)}{rng.randint(0, 9)}"
    )
    n_lines = rng.randint(1, 3)
    lines = []
    for name, spec, unit, rate_text in rng.sample(_GOODS, n_lines):
        qty = rng.randint(1, 20)
        price = Decimal(rng.randint(500, 90000)) / 100
        amount = (price * qty).quantize(Decimal("0.01"))
        tax = (amount * Decimal(rate_text.rstrip("%")) / 100).quantize(Decimal("0.01"))
        lines.append(
            SampleLine(name, spec, unit, str(qty), f"{price:.2f}", f"{amount:.2f}", rate_text, f"{tax:.2f}")
        )
    net = sum((Decimal(ln.amount) for ln in lines), Decimal(0))
    tax_total = sum((Decimal(ln.tax) for ln in lines), Decimal(0))
    gross = net + tax_total
    day = date(2025, 1, 1) + timedelta(days=rng.randint(0, 300))
    if layout == "sdp":
        number = f"25{rng.randint(10**17, 10**18 - 1)}"
        code, check, kind = "", "", "电子发票(增值税专用发票)"
    else:
        number = f"{rng.randint(10**7, 10**8 - 1)}"
        code = f"0{rng.randint(10**10, 10**11 - 1)}"
        check = " ".join(f"{rng.randint(0, 99999):05d}" for _ in range(4))
        kind = "增值税电子普通发票"
    return SampleInvoice(
        invoice_number=number,
        issue_date=day.isoformat(),
        buyer_name=BUYER_NAME,
        buyer_tax_id=BUYER_TAX_ID,
        seller_name=seller,
        seller_tax_id=seller_id,
        lines=tuple(lines),
        total_net=f"{net:.2f}",
        total_tax=f"{tax_total:.2f}",
        total_with_tax=f"{gross:.2f}",
        total_in_words=amount_words(gross),
        invoice_code=code,
        check_code=check.replace(" ", ""),
        remarks=f"合同号 HT-{rng.randint(100, 999)}",
        invoice_type=kind,
    )


# --- drawing -----------------------------------------------------------------------------------

WIDTH_MM = 240
HEIGHT_MM = 140


def render(
    inv: SampleInvoice,
    *,
    layout: str = "sdp",
    dpi: int = 150,
    rotate_deg: float = 0.0,
    noise: float = 0.0,
    seed: int = 0,
    fmt: str = "PNG",
) -> bytes:
    """Draw the invoice; ``noise`` 0..1 adds speckle and blur like a poor scan."""
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    px = dpi / 25.4
    w, h = int(WIDTH_MM * px), int(HEIGHT_MM * px)
    img = Image.new("L", (w, h), 255)
    d = ImageDraw.Draw(img)
    path = font_path()

    def font(size_mm: float) -> Any:
        return ImageFont.truetype(path, max(6, int(size_mm * px)))

    small, normal, title = font(2.8), font(3.2), font(5.0)

    def text(x_mm: float, y_mm: float, s: str, f: Any = normal, anchor: str = "la") -> None:
        d.text((x_mm * px, y_mm * px), s, fill=0, font=f, anchor=anchor)

    def rect(x0: float, y0: float, x1: float, y1: float) -> None:
        d.rectangle((x0 * px, y0 * px, x1 * px, y1 * px), outline=0, width=max(1, int(px * 0.25)))

    def hline(x0: float, x1: float, y: float) -> None:
        d.line((x0 * px, y * px, x1 * px, y * px), fill=0, width=max(1, int(px * 0.2)))

    text(WIDTH_MM / 2, 10, inv.invoice_type, title, "mm")
    if layout == "sdp":
        text(170, 16, f"发票号码：{inv.invoice_number}")
        text(170, 22, f"开票日期：{_cn_date(inv.issue_date)}")
        rect(10, 28, 230, 50)
        d.line((120 * px, 28 * px, 120 * px, 50 * px), fill=0, width=max(1, int(px * 0.2)))
        text(13, 33, "购买方信息", small)
        text(123, 33, "销售方信息", small)
        text(13, 39, f"名称：{inv.buyer_name}")
        text(123, 39, f"名称：{inv.seller_name}")
        text(13, 45, f"统一社会信用代码/纳税人识别号：{inv.buyer_tax_id}", small)
        text(123, 45, f"统一社会信用代码/纳税人识别号：{inv.seller_tax_id}", small)
        table_top = 50
    else:
        text(150, 16, f"发票代码：{inv.invoice_code}")
        text(150, 21, f"发票号码：{inv.invoice_number}")
        text(150, 26, f"开票日期：{_cn_date(inv.issue_date)}")
        check = " ".join(inv.check_code[i : i + 5] for i in range(0, len(inv.check_code), 5))
        text(12, 26, f"校验码：{check}", small)
        rect(10, 30, 230, 48)
        text(13, 34, "购买方", small)
        text(30, 36, f"名称：{inv.buyer_name}")
        text(30, 43, f"纳税人识别号：{inv.buyer_tax_id}")
        table_top = 48
    cols = (("项目名称", 12, 60), ("规格型号", 62, 88), ("单位", 88, 102), ("数量", 102, 118),
            ("单价", 118, 142), ("金额", 142, 170), ("税率/征收率", 170, 196), ("税额", 196, 228))  # fmt: skip
    rect(10, table_top, 230, table_top + 52)
    y = table_top + 5
    for label, x0, x1 in cols:
        text((x0 + x1) / 2, y, label, small, "mm")
    y += 7
    for ln in inv.lines:
        values = (ln.name, ln.spec, ln.unit, ln.quantity, ln.unit_price, ln.amount, ln.tax_rate, ln.tax)
        for (_label, x0, x1), v in zip(cols, values, strict=True):
            if _label == "项目名称":
                text(x0, y, v, small, "lm")
            else:
                text((x0 + x1) / 2, y, v, small, "mm")
        y += 7
    text(30, table_top + 40, "合计", normal, "mm")
    text(156, table_top + 40, f"¥{inv.total_net}", normal, "mm")
    text(212, table_top + 40, f"¥{inv.total_tax}", normal, "mm")
    hline(10, 230, table_top + 45)
    text(13, table_top + 49, "价税合计（大写）", normal, "lm")
    text(55, table_top + 49, f"⊗{inv.total_in_words}", normal, "lm")
    text(160, table_top + 49, f"（小写）¥{inv.total_with_tax}", normal, "lm")
    bottom = table_top + 52
    if layout == "sdp":
        rect(10, bottom, 230, bottom + 14)
        text(13, bottom + 7, "备注", small, "lm")
        text(30, bottom + 7, inv.remarks, small, "lm")
        text(20, bottom + 20, "开票人：张三", small, "lm")
    else:
        rect(10, bottom, 230, bottom + 18)
        text(13, bottom + 5, "销售方", small, "lm")
        text(30, bottom + 5, f"名称：{inv.seller_name}", normal, "lm")
        text(30, bottom + 12, f"纳税人识别号：{inv.seller_tax_id}", normal, "lm")
        text(160, bottom + 9, f"备注：{inv.remarks}", small, "lm")
        text(20, bottom + 24, "收款人：李四  复核：王五  开票人：张三", small, "lm")

    if noise > 0:
        rng = random.Random(seed)
        pixels = img.load()
        assert pixels is not None
        count = int(w * h * 0.02 * noise)
        for _ in range(count):
            x, yy = rng.randrange(w), rng.randrange(h)
            pixels[x, yy] = 0 if rng.random() < 0.5 else 255
        img = img.filter(ImageFilter.GaussianBlur(radius=noise * px * 0.12))
    if rotate_deg:
        img = img.rotate(rotate_deg, expand=True, fillcolor=255, resample=Image.Resampling.BICUBIC)
    buf = io.BytesIO()
    img.convert("RGB").save(buf, format=fmt, **({"quality": 85} if fmt == "JPEG" else {}))
    return buf.getvalue()


def _cn_date(iso: str) -> str:
    y, m, dd = iso.split("-")
    return f"{y}年{m}月{dd}日"
