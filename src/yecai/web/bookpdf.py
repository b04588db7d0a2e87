"""The books printed to PDF (reportlab): trial balance, general ledger, subledger, balance sheet,
income statement, laid out the Chinese way.

The same rows as the XLSX export go into a table with the company, the book's title and its
period on top (编制单位 / 期间 / 单位：元), a header row repeated on every page, amounts
right-aligned as ¥1,234.50 (negatives red, zero blank as in printed books) and 第 n 页 at the
foot. CJK text uses reportlab's built-in STSong-Light CID font, so no font file is needed.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi.responses import Response
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from yecai.web.export import Money
from yecai.web.fmt import amount_text
from yecai.web.pdf import FONT, _font

MARGIN = 12 * mm
ROWS_MAX = 20_000  # a book larger than this is exported to XLSX, not printed
BODY_PT = 8.5


@dataclass(frozen=True)
class PdfBook:
    filename: str
    title: str  # 科目余额表 …
    company: str
    period: str  # 2025年1月 – 2025年12月
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]  # text, or Money (minor units)
    widths: Sequence[float]  # relative column widths
    landscape: bool = True
    bold_rows: frozenset[int] = frozenset()  # header lines of a statement, the total row
    indents: Sequence[int] = ()  # per row: levels to indent the first column
    labels: tuple[str, str, str, str] = ("Company", "Period", "Unit: yuan", "Page {n}")


def _cell(value: Any, currency: str) -> tuple[str, bool, bool]:
    """(text, is_amount, is_negative)"""
    if isinstance(value, Money):
        minor = int(value)
        return ("" if minor == 0 else amount_text(minor, currency), True, minor < 0)
    return ("" if value is None else str(value), False, False)


def book_pdf_bytes(book: PdfBook, currency: str = "CNY") -> bytes:
    _font()
    page = landscape(A4) if book.landscape else A4
    buf = io.BytesIO()
    company_label, period_label, unit_label, page_label = book.labels
    doc = SimpleDocTemplate(
        buf,
        pagesize=page,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        title=f"{book.title} {book.period}",
        author="yecai",
    )
    title_style = ParagraphStyle("t", fontName=FONT, fontSize=16, leading=20, alignment=1)
    meta_style = ParagraphStyle("m", fontName=FONT, fontSize=9, leading=12)
    text_style = ParagraphStyle("c", fontName=FONT, fontSize=BODY_PT, leading=BODY_PT + 2)
    head_style = ParagraphStyle("h", parent=text_style, alignment=1)
    usable = page[0] - 2 * MARGIN
    total = sum(book.widths)
    col_widths = [usable * w / total for w in book.widths]

    data: list[list[Any]] = [[Paragraph(_esc(h), head_style) for h in book.headers]]
    style: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), FONT, BODY_PT),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92)),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    for i, row in enumerate(book.rows[:ROWS_MAX], start=1):
        cells: list[Any] = []
        for j, value in enumerate(row):
            text, is_amount, negative = _cell(value, currency)
            if is_amount:
                cells.append(text)
                style.append(("ALIGN", (j, i), (j, i), "RIGHT"))
                if negative:
                    style.append(("TEXTCOLOR", (j, i), (j, i), colors.red))
            else:
                indent = book.indents[i - 1] if j == 0 and i - 1 < len(book.indents) else 0
                if indent:
                    style.append(("LEFTPADDING", (j, i), (j, i), 6 + indent * 3 * mm))
                # A plain string draws far faster than a Paragraph; wrap only what does not fit.
                room = col_widths[j] - 12 - indent * 3 * mm
                if stringWidth(text, FONT, BODY_PT) <= room:
                    cells.append(text)
                else:
                    cells.append(Paragraph(_esc(text), text_style))
        data.append(cells)
        if i - 1 in book.bold_rows:
            style.append(("BACKGROUND", (0, i), (-1, i), colors.Color(0.97, 0.97, 0.97)))
    table = Table(data, colWidths=col_widths, repeatRows=1)
    table.setStyle(TableStyle(style))

    meta = Table(
        [
            [
                Paragraph(_esc(f"{company_label}：{book.company}"), meta_style),
                Paragraph(
                    _esc(f"{period_label}：{book.period}"),
                    ParagraphStyle("mc", parent=meta_style, alignment=1),
                ),
                Paragraph(_esc(unit_label), ParagraphStyle("mr", parent=meta_style, alignment=2)),
            ]
        ],
        colWidths=[usable * 0.45, usable * 0.35, usable * 0.2],
    )
    meta.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))

    def footer(canvas: Any, _doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.drawCentredString(
            page[0] / 2, MARGIN / 2 + 2 * mm, page_label.format(n=canvas.getPageNumber())
        )
        canvas.restoreState()

    doc.build(
        [Paragraph(_esc(book.title), title_style), Spacer(1, 3 * mm), meta, Spacer(1, 2 * mm), table],
        onFirstPage=footer,
        onLaterPages=footer,
    )
    return buf.getvalue()


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def pdf_response(book: PdfBook, currency: str = "CNY") -> Response:
    return Response(
        book_pdf_bytes(book, currency),
        media_type="application/pdf",
        headers={"Content-Disposition": f"inline; filename*=UTF-8''{quote(book.filename)}"},
    )
