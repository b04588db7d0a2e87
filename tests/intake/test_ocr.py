"""OCR of generated invoice scans (real rapidocr, bundled models) and the image guard.

OCR is CPU heavy: two pages are read in this module, nothing more.
"""

from __future__ import annotations

import io
import struct
import zlib

import pytest

from yecai.intake import ocr
from yecai.intake.domain import to_contract
from yecai.intake.guard import FileTooLarge, Limits
from yecai.intake.ocr_fields import Box, invoice_from_boxes, repair_tax_id, rows_of
from yecai.intake.ocr_sample import (
    BUYER_TAX_ID,
    SampleInvoice,
    SampleLine,
    amount_words,
    render,
    uscc_with_check,
)
from yecai.intake.service import read_invoice
from yecai.intake.words import parse_amount_words

CLEAN = SampleInvoice(
    invoice_number="25442000000123456789",
    issue_date="2025-06-18",
    buyer_name="上海测试买方有限公司",
    buyer_tax_id=BUYER_TAX_ID,
    seller_name="深圳市南山精密机械有限公司",
    seller_tax_id=uscc_with_check("91440300MA5F12345"),
    lines=(
        SampleLine("*金属制品*螺栓", "M8x30", "套", "12", "35.50", "426.00", "13%", "55.38"),
        SampleLine("*运输服务*运费", "", "次", "1", "200.00", "200.00", "9%", "18.00"),
    ),
    total_net="626.00",
    total_tax="73.38",
    total_with_tax="699.38",
    total_in_words="陆佰玖拾玖圆叁角捌分",
    remarks="订单PO-7",
)


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width × height (a decompression bomb's shape)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def _scanned_pdf(png: bytes) -> bytes:
    """A PDF holding only the page image: no text layer, like a scanner's."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(680, 397))
    c.drawImage(ImageReader(io.BytesIO(png)), 0, 0, width=680, height=397)
    c.showPage()
    c.save()
    return buf.getvalue()


def test_amount_words_of_the_generator_round_trip() -> None:
    for v in ("1130.00", "100030000.00", "1005.00", "0.53", "102.05", "10.00", "100500.00", "699.38"):
        from decimal import Decimal

        assert parse_amount_words(amount_words(Decimal(v))) == Decimal(v)


def test_scanned_pdf_is_read_by_ocr_with_the_right_fields() -> None:
    inv = CLEAN
    pdf = _scanned_pdf(render(inv, layout="sdp", dpi=200))
    d = to_contract(read_invoice(pdf, "scan.pdf"), company_tax_id=BUYER_TAX_ID, company_given=True)
    assert d["invoice_number"] == inv.invoice_number
    assert d["issue_date"] == "2025-06-18"
    assert (d["total_net"], d["total_tax"], d["total_with_tax"]) == ("626.00", "73.38", "699.38")
    assert d["seller_tax_id"] == inv.seller_tax_id and d["buyer_tax_id"] == BUYER_TAX_ID
    assert [ln["amount"] for ln in d["lines"]] == ["426.00", "200.00"]
    assert [ln["tax_rate"] for ln in d["lines"]] == ["13%", "9%"]
    checks = {c["name"]: c["passed"] for c in d["checks"]}
    assert checks["amount_in_words"] is True and checks["lines_sum_to_net"] is True
    assert checks["buyer_is_company"] is True and checks["net_plus_tax_equals_total"] is True
    for key in ("invoice_number", "issue_date", "total_with_tax", "seller_tax_id"):
        assert d["confidence"][key] >= 0.9, key


def test_rotated_noisy_photo_is_trusted_less() -> None:
    inv = CLEAN
    jpeg = render(inv, layout="vat", dpi=150, rotate_deg=-3.5, noise=0.5, seed=3, fmt="JPEG")
    got = to_contract(read_invoice(jpeg, "photo.jpg"))
    conf = got["confidence"]
    assert max(conf[k] for k in ("invoice_number", "issue_date", "total_with_tax")) < 0.9
    # deskewed before OCR, the totals are still read
    assert got["total_with_tax"] == "699.38"


def test_pixel_bomb_and_broken_images_are_refused_before_decoding() -> None:
    with pytest.raises(ocr.ImageTooLarge) as exc:
        read_invoice(png_claiming(50_000, 50_000), "bomb.png")
    assert "50000" in exc.value.render("en")
    with pytest.raises(ocr.ImageTooLarge):
        ocr.check_image(png_claiming(20_000, 10))  # one side too long
    with pytest.raises(ocr.MalformedImage):
        read_invoice(b"\xff\xd8\xff\xe0" + b"garbage" * 10, "x.jpg")
    with pytest.raises(FileTooLarge):
        read_invoice(png_claiming(10, 10), "x.png", Limits(file_bytes_max=20))


def _box(text: str, x: float, y: float, w: float = 80, score: float = 0.99) -> Box:
    return Box(text, score, x, y, x + w, y + 20)


def test_fields_from_boxes_without_ocr() -> None:
    """The layout reading itself, on hand-made boxes (fast, no model)."""
    boxes = [
        _box("电子发票（增值税专用发票）", 400, 10, 300),
        _box("发票号码：", 800, 50),
        _box("25312000000087654321", 885, 51, 200, 0.97),
        _box("开票日期：2025年06月18日", 800, 80, 250),
        _box("名称：上海测试买方有限公司", 50, 140, 250),
        _box("名称：北京测试卖方有限公司", 600, 141, 250),
        _box("统一社会信用代码/纳税人识别号：91310115MA1K4XYP0M", 50, 170, 400),
        _box("统一社会信用代码/纳税人识别号：" + BUYER_TAX_ID.replace("0", "O", 1), 600, 170, 400),
        _box("项目名称", 100, 220),
        _box("单位", 380, 220, 40),
        _box("数量", 450, 220, 40),
        _box("单价", 520, 220, 40),
        _box("金额", 600, 220, 40),
        _box("税率/征收率", 680, 220, 100),
        _box("税额", 820, 220, 40),
        _box("*办公用品*打印纸", 50, 260, 160),
        _box("箱", 390, 260, 20),
        _box("6", 460, 261, 10),
        _box("100", 520, 259, 40),
        _box("600.00", 595, 260, 60),
        _box("13%", 700, 260, 40),
        _box("78.00", 815, 260, 60),
        _box("合计", 100, 320, 40),
        _box("¥600.00", 590, 320, 70),
        _box("¥78.00", 810, 320, 70),
        _box("价税合计（大写）", 50, 360, 150),
        _box("⊗陆佰柒拾捌圆整", 250, 361, 150),
        _box("（小写）¥678.00", 700, 360, 150),
        _box("备注：合同号 HT-9", 50, 400, 200),
    ]
    assert len(rows_of(boxes)) == 10
    inv = invoice_from_boxes(boxes)
    d = to_contract(inv)
    assert d["invoice_number"] == "25312000000087654321"
    assert d["confidence"]["invoice_number"] == 0.97
    assert (d["buyer_name"], d["seller_name"]) == ("上海测试买方有限公司", "北京测试卖方有限公司")
    assert d["seller_tax_id"] == BUYER_TAX_ID  # the O read for 0 repaired by the check digit
    assert d["lines"] == [
        {"name": "*办公用品*打印纸", "spec": "", "unit": "箱", "quantity": "6", "unit_price": "100",
         "amount": "600.00", "tax_rate": "13%", "tax": "78.00"}
    ]  # fmt: skip
    assert (d["total_net"], d["total_tax"], d["total_with_tax"]) == ("600.00", "78.00", "678.00")
    assert d["remarks"] == "合同号 HT-9"
    assert all(c["passed"] is not False for c in d["checks"])
    assert invoice_from_boxes(boxes, quality=0.5).field_confidence["invoice_number"] == pytest.approx(0.485)


def test_tax_id_repair_takes_only_a_single_valid_candidate() -> None:
    assert repair_tax_id(BUYER_TAX_ID) == (BUYER_TAX_ID, False)
    assert repair_tax_id(BUYER_TAX_ID.replace("0", "O", 1)) == (BUYER_TAX_ID, True)
    assert repair_tax_id("123")[0] == "123"
