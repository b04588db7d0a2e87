"""A voucher printed in the 记账凭证 layout, as PDF (reportlab, CJK through the built-in
STSong-Light CID font, so no font file is needed).

The printed voucher is the statutory paper form of 会计基础工作规范 (art. 51): its captions are
the form's own Chinese captions in every UI language, like a printed 发票.
"""

from __future__ import annotations

import io
from datetime import date

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from yecai.core.money import to_minor
from yecai.ledger.service import VoucherView
from yecai.web.fmt import capital_amount, grouped

FONT = "STSong-Light"
PAGE = (240 * mm, 140 * mm)  # the common 记账凭证 paper size
LINES_PER_PAGE = 5
MARGIN = 12 * mm
COLS = (62 * mm, 84 * mm, 35 * mm, 35 * mm)  # 摘要 会计科目 借方金额 贷方金额
ROW_H = 10 * mm
STATUS_ZH = {"draft": "未审核", "reviewed": "已审核", "posted": "已记账", "void": "作废"}

_font_ready = False


def _font() -> str:
    global _font_ready
    if not _font_ready:
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        _font_ready = True
    return FONT


def _fit(c: canvas.Canvas, text: str, width: float, size: float) -> tuple[str, float]:
    """Shrink the font a little, then cut, so a long summary or account stays in its cell."""
    while size > 6 and c.stringWidth(text, FONT, size) > width:
        size -= 0.5
    while text and c.stringWidth(text, FONT, size) > width:
        text = text[:-2] + "…"
    return text, size


def _amount(c: canvas.Canvas, minor: int, x_right: float, y: float, size: float = 10) -> None:
    if minor == 0:
        return
    c.setFillColor(colors.red if minor < 0 else colors.black)
    c.setFont(FONT, size)
    c.drawRightString(x_right, y, ("-" if minor < 0 else "") + grouped(abs(minor)))
    c.setFillColor(colors.black)


def voucher_pdf_bytes(v: VoucherView, *, company_name: str = "", currency: str = "CNY") -> bytes:
    _font()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=PAGE)
    c.setTitle(f"记账凭证 {v.period} {v.voucher_no}")
    c.setAuthor("yecai")
    width, height = PAGE
    day = date.fromisoformat(v.date)
    pages = max(1, -(-len(v.lines) // LINES_PER_PAGE))
    debit_total = sum(to_minor(ln.debit, currency) for ln in v.lines if ln.debit)
    credit_total = sum(to_minor(ln.credit, currency) for ln in v.lines if ln.credit)
    xs = [MARGIN]
    for w in COLS:
        xs.append(xs[-1] + w)
    for page_no in range(pages):
        lines = v.lines[page_no * LINES_PER_PAGE : (page_no + 1) * LINES_PER_PAGE]
        top = height - MARGIN
        # title with the form's double rule
        c.setFont(FONT, 18)
        c.drawCentredString(width / 2, top - 6 * mm, "记 账 凭 证")
        c.setLineWidth(0.8)
        c.line(width / 2 - 28 * mm, top - 8 * mm, width / 2 + 28 * mm, top - 8 * mm)
        c.line(width / 2 - 28 * mm, top - 9 * mm, width / 2 + 28 * mm, top - 9 * mm)
        c.setFont(FONT, 10)
        y = top - 16 * mm
        c.drawString(MARGIN, y, f"核算单位：{company_name}"[:40])
        c.drawCentredString(width / 2, y, f"{day.year}年{day.month:02d}月{day.day:02d}日")
        no = f"{v.word}字第 {v.number:04d} 号"
        if pages > 1:
            no += f"  ({page_no + 1}/{pages})"
        c.drawRightString(xs[-1], y, no)
        c.drawRightString(xs[-1], top - 6 * mm, f"附单据 {v.attachments} 张")
        if v.status != "posted":
            c.setFillColor(colors.grey)
            c.drawString(MARGIN, top - 6 * mm, STATUS_ZH.get(v.status, v.status))
            c.setFillColor(colors.black)
        # the grid: header, LINES_PER_PAGE lines, total
        grid_top = y - 4 * mm
        rows = LINES_PER_PAGE + 2
        grid_bottom = grid_top - rows * ROW_H
        c.setLineWidth(0.6)
        c.rect(xs[0], grid_bottom, xs[-1] - xs[0], grid_top - grid_bottom)
        for i in range(1, rows):
            c.line(xs[0], grid_top - i * ROW_H, xs[-1], grid_top - i * ROW_H)
        for i, x in enumerate(xs[1:-1], start=1):
            # the total row's 大写 text spans 摘要 and 会计科目
            c.line(x, grid_top, x, grid_bottom + (ROW_H if i == 1 else 0))
        c.setFont(FONT, 11)
        for i, caption in enumerate(("摘  要", "会 计 科 目", "借方金额", "贷方金额")):
            c.drawCentredString((xs[i] + xs[i + 1]) / 2, grid_top - ROW_H + 3.5 * mm, caption)
        for i, ln in enumerate(lines):
            base = grid_top - (i + 2) * ROW_H + 3.5 * mm
            text, size = _fit(c, ln.summary, COLS[0] - 3 * mm, 10)
            c.setFont(FONT, size)
            c.drawString(xs[0] + 1.5 * mm, base, text)
            account = f"{ln.account_code} {ln.account_name}"
            if ln.dims:
                account += " [" + " ".join(ln.dims.values()) + "]"
            text, size = _fit(c, account, COLS[1] - 3 * mm, 10)
            c.setFont(FONT, size)
            c.drawString(xs[1] + 1.5 * mm, base, text)
            _amount(c, to_minor(ln.debit, currency) if ln.debit else 0, xs[3] - 1.5 * mm, base)
            _amount(c, to_minor(ln.credit, currency) if ln.credit else 0, xs[4] - 1.5 * mm, base)
        base = grid_bottom + 3.5 * mm
        c.setFont(FONT, 10)
        if page_no == pages - 1:
            text, size = _fit(
                c, f"合  计：人民币（大写）{capital_amount(debit_total)}", xs[2] - xs[0] - 3 * mm, 10
            )
            c.setFont(FONT, size)
            c.drawString(xs[0] + 1.5 * mm, base, text)
            _amount(c, debit_total, xs[3] - 1.5 * mm, base)
            _amount(c, credit_total, xs[4] - 1.5 * mm, base)
        else:
            c.drawString(xs[0] + 1.5 * mm, base, "过 次 页")
        # signatures of the form: 会计主管 记账 审核 出纳 制单
        c.setFont(FONT, 10)
        sig_y = grid_bottom - 7 * mm
        parts = [
            ("会计主管", ""),
            ("记账", v.poster or ""),
            ("审核", v.reviewer or ""),
            ("出纳", ""),
            ("制单", v.maker or ""),
        ]
        step = (xs[-1] - xs[0]) / len(parts)
        for i, (caption, name) in enumerate(parts):
            c.drawString(xs[0] + i * step, sig_y, f"{caption}：{name}")
        c.showPage()
    c.save()
    return buf.getvalue()
