"""XLSX downloads of the books (openpyxl; amounts are exact Decimals shown as #,##0.00)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from fastapi.responses import Response

from yecai.core.money import from_minor

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
AMOUNT_FORMAT = "#,##0.00;[Red]-#,##0.00"


class Money(int):
    """Marks an integer of minor units as an amount column value."""


def xlsx_response(
    filename: str, title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]], *, heading: str = ""
) -> Response:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title[:31] or "Sheet1"
    if heading:
        ws.append([heading])
        ws.cell(row=1, column=1).font = Font(bold=True, size=13)
    ws.append(list(headers))
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for row in rows:
        values: list[Any] = []
        for v in row:
            values.append(from_minor(int(v)) if isinstance(v, Money) else v)
        ws.append(values)
        for cell, v in zip(ws[ws.max_row], row, strict=False):
            if isinstance(v, Money):
                cell.number_format = AMOUNT_FORMAT
    for col in ws.columns:
        letter = col[0].column_letter
        widest = max(len(str(c.value)) if not isinstance(c.value, Decimal) else 14 for c in col[1:] or col)
        ws.column_dimensions[letter].width = max(10, min(48, widest + 2))
    buf = io.BytesIO()
    wb.save(buf)
    return Response(
        buf.getvalue(),
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )
