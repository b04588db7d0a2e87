"""Customer statements (客户对账单): the opening balance, every invoice, receipt and credit note
of the period with a running balance, the closing balance, and the items still open with their
age. As data, as PDF (reportlab with the built-in STSong-Light CID font, so no font file) and as
XLSX; captions in the reader's language (Chinese by default, English for English users).
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from sqlalchemy import select

from yecai.core.errors import YecaiError
from yecai.core.i18n import N_, gettext
from yecai.core.money import format_minor
from yecai.receivables import items as ar
from yecai.receivables.domain.aging import NOT_DUE, AgingItem, age, parse_buckets
from yecai.sales.models import SalesInvoice, SalesReceipt
from yecai.sales.models_returns import SalesCreditNote
from yecai.security.domain import Perm
from yecai.store.uow import UnitOfWork

FONT = "STSong-Light"
KIND_LABELS = {
    "invoice": N_("Sales invoice"),
    "receipt": N_("Receipt"),
    "credit_note": N_("Credit note"),
    "charge": N_("Late fee / interest"),
}


class StatementRange(YecaiError):
    code = "receivables.statement_range"
    template = "The statement starts on {date_from}, after its end {date_to}"


def statement(
    uow: UnitOfWork,
    company_code: str,
    customer: str,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    buckets: str | None = None,
) -> dict[str, Any]:
    """对账单 of ``customer`` for ``date_from`` … ``date_to`` (default: the month of today)."""
    date_to = date_to or date.today()
    date_from = date_from or date_to.replace(day=1)
    if date_from > date_to:
        raise StatementRange(date_from=date_from.isoformat(), date_to=date_to.isoformat(), field="date_from")
    spec = parse_buckets(buckets)
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        s = uow.session
        cust = ar._customer(s, company, customer)
        currency = company.base_currency or "CNY"
        opening = 0
        lines: list[dict[str, Any]] = []
        for kind, model, amount_col, sign in (
            ("invoice", SalesInvoice, SalesInvoice.total_minor, 1),
            ("receipt", SalesReceipt, SalesReceipt.amount_minor, -1),
            ("credit_note", SalesCreditNote, SalesCreditNote.total_minor, -1),
        ):
            for no, day, amount in s.execute(
                select(model.no, model.date, amount_col).where(
                    model.company_id == company.id,
                    model.customer_id == cust.id,
                    model.status == "posted",
                    model.date <= date_to,
                )
            ):
                signed = sign * int(amount)
                if day < date_from:
                    opening += signed
                else:
                    lines.append({"date": day, "doc_no": no, "kind": kind, "signed": signed})
        lines.sort(key=lambda ln: (ln["date"], ln["doc_no"]))
        balance = opening
        out_lines = []
        debit_total = credit_total = 0
        for ln in lines:
            balance += ln["signed"]
            debit = ln["signed"] if ln["signed"] > 0 else 0
            credit = -ln["signed"] if ln["signed"] < 0 else 0
            debit_total += debit
            credit_total += credit
            out_lines.append(
                {
                    "date": ln["date"].isoformat(),
                    "doc_no": ln["doc_no"],
                    "kind": ln["kind"],
                    "debit": format_minor(debit, currency) if debit else "",
                    "credit": format_minor(credit, currency) if credit else "",
                    "balance": format_minor(balance, currency),
                    "debit_minor": debit,
                    "credit_minor": credit,
                    "balance_minor": balance,
                }
            )
        its, apps = ar.load_items(
            s, company.id, customer_id=cust.id, as_of=date_to, open_only=True, with_apps=False
        )
        its = [it for it in its if it.open_minor != 0]
        open_views = ar.item_views(s, company, its, apps, today=date_to, with_applications=False)
        aged = age(
            (AgingItem(cust.code, it.date, it.due_date, it.open_minor) for it in its),
            date_to,
            "due",
            spec,
        )
        total = aged.total
        assert total is not None
        assert total.balance == balance, "statement balance ≠ open items"
        return {
            "company": {"code": company.code, "name": company.name},
            "customer": {
                "code": cust.code,
                "name": cust.name,
                "tax_id": cust.tax_id,
                "credit_days": cust.credit_days,
            },
            "currency": currency,
            "date_from": date_from.isoformat(),
            "date_to": date_to.isoformat(),
            "opening": format_minor(opening, currency),
            "opening_minor": opening,
            "lines": out_lines,
            "debit_total": format_minor(debit_total, currency),
            "credit_total": format_minor(credit_total, currency),
            "closing": format_minor(balance, currency),
            "closing_minor": balance,
            "open_items": open_views,
            "aging": {
                "buckets": [b.label for b in spec],
                NOT_DUE: format_minor(total.not_due, currency),
                "values": {k: format_minor(v, currency) for k, v in total.buckets.items()},
                "credits": format_minor(total.credits, currency),
                "overdue": format_minor(total.overdue, currency),
            },
        }


def grouped(amount: str) -> str:
    """'-1234567.80' → '-1,234,567.80' (thousands separators for print; the text stays exact)."""
    sign, digits = ("-", amount[1:]) if amount.startswith("-") else ("", amount)
    whole, _sep, frac = digits.partition(".")
    if not whole.isdigit():
        return amount
    return sign + f"{int(whole):,}" + ("." + frac if frac else "")


def _t(locale: str) -> Any:
    def tr(msgid: str, **params: Any) -> str:
        text = gettext(msgid, locale)
        return text.format(**params) if params else text

    return tr


def statement_xlsx(data: dict[str, Any], locale: str = "zh_CN") -> bytes:
    """The statement as one worksheet: heading, transactions with a running balance, open items."""
    from decimal import Decimal

    from openpyxl import Workbook
    from openpyxl.styles import Font

    _ = _t(locale)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _("Customer statement")[:31]
    amount_fmt = "#,##0.00;[Red]-#,##0.00"

    def dec(text: str) -> Decimal | str:
        return Decimal(text.replace(",", "")) if text else ""

    ws.append([f"{data['company']['name']} {_('Customer statement')}"])
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    ws.append([_("Customer"), f"{data['customer']['code']} {data['customer']['name']}"])
    ws.append([_("Period"), f"{data['date_from']} – {data['date_to']}"])
    ws.append([_("Currency"), data["currency"]])
    ws.append([])
    ws.append([_("Date"), _("Document"), _("Type"), _("Debit"), _("Credit"), _("Balance")])
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    ws.append(["", "", _("Opening balance"), "", "", dec(data["opening"])])
    for ln in data["lines"]:
        ws.append(
            [
                ln["date"],
                ln["doc_no"],
                _(KIND_LABELS[ln["kind"]]),
                dec(ln["debit"]),
                dec(ln["credit"]),
                dec(ln["balance"]),
            ]
        )
    ws.append(
        [
            "",
            "",
            _("Closing balance"),
            dec(data["debit_total"]),
            dec(data["credit_total"]),
            dec(data["closing"]),
        ]
    )
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    ws.append([])
    ws.append([_("Open items")])
    ws.cell(row=ws.max_row, column=1).font = Font(bold=True)
    ws.append(
        [_("Date"), _("Document"), _("Type"), _("Due date"), _("Days overdue"), _("Amount"), _("Open amount")]
    )
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for it in data["open_items"]:
        ws.append(
            [
                it["date"],
                it["doc_no"],
                _(KIND_LABELS[it["kind"]]),
                it["due_date"],
                it["days_overdue"],
                dec(it["amount"]),
                dec(it["open_amount"]),
            ]
        )
    for row in ws.iter_rows(min_row=6):
        for cell in row:
            if isinstance(cell.value, Decimal):
                cell.number_format = amount_fmt
    for letter, width in zip("ABCDEFG", (12, 18, 14, 14, 14, 16, 16), strict=True):
        ws.column_dimensions[letter].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def statement_pdf(data: dict[str, Any], locale: str = "zh_CN") -> bytes:
    """The statement on A4 portrait, CJK text in STSong-Light; continues over pages."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    _ = _t(locale)
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    title = _("Customer statement")
    c.setTitle(f"{title} {data['customer']['code']} {data['date_from']}–{data['date_to']}")
    c.setAuthor("yecai")
    width, height = A4
    margin = 15 * mm
    row_h = 6.5 * mm
    cols = [
        margin,
        margin + 24 * mm,
        margin + 62 * mm,
        margin + 92 * mm,
        margin + 122 * mm,
        margin + 152 * mm,
    ]
    right = width - margin
    y = height - margin

    def text(x: float, yy: float, s: str, size: float = 9, align: str = "left") -> None:
        c.setFont(FONT, size)
        if align == "right":
            c.drawRightString(x, yy, s)
        elif align == "center":
            c.drawCentredString(x, yy, s)
        else:
            c.drawString(x, yy, s)

    def new_page() -> float:
        c.showPage()
        return height - margin

    def need(yy: float, rows: int = 1) -> float:
        return new_page() if yy - rows * row_h < margin + 10 * mm else yy

    text(width / 2, y - 6 * mm, f"{data['company']['name']}", 12, "center")
    text(width / 2, y - 14 * mm, title, 16, "center")
    y -= 24 * mm
    text(margin, y, f"{_('Customer')}: {data['customer']['code']} {data['customer']['name']}", 10)
    text(right, y, f"{_('Period')}: {data['date_from']} – {data['date_to']}", 10, "right")
    y -= row_h
    text(margin, y, f"{_('Currency')}: {data['currency']}", 10)
    if data["customer"]["tax_id"]:
        text(right, y, f"{_('Tax ID')}: {data['customer']['tax_id']}", 10, "right")
    y -= row_h * 1.5
    heads = [_("Date"), _("Document"), _("Type"), _("Debit"), _("Credit"), _("Balance")]

    def header(yy: float) -> float:
        c.setLineWidth(0.6)
        c.line(margin, yy + row_h - 2 * mm, right, yy + row_h - 2 * mm)
        for i, h in enumerate(heads):
            if i >= 3:
                text(cols[i + 1] - 2 * mm if i + 1 < len(cols) else right, yy, h, 9, "right")
            else:
                text(cols[i], yy, h, 9)
        c.line(margin, yy - 2 * mm, right, yy - 2 * mm)
        return yy - row_h

    def money_cells(yy: float, values: list[str]) -> None:
        xs = [cols[4] - 2 * mm, cols[5] - 2 * mm, right]
        for x, v in zip(xs, values, strict=True):
            if v:
                c.setFillColor(colors.red if v.startswith("-") else colors.black)
                text(x, yy, grouped(v), 9, "right")
                c.setFillColor(colors.black)

    y = header(y)
    text(cols[2], y, _("Opening balance"), 9)
    money_cells(y, ["", "", data["opening"]])
    y -= row_h
    for ln in data["lines"]:
        if y - row_h < margin + 10 * mm:
            y = header(new_page())
        text(cols[0], y, ln["date"], 9)
        text(cols[1], y, ln["doc_no"], 9)
        text(cols[2], y, _(KIND_LABELS[ln["kind"]]), 9)
        money_cells(y, [ln["debit"], ln["credit"], ln["balance"]])
        y -= row_h
    y = need(y, 2)
    c.line(margin, y + row_h - 2 * mm, right, y + row_h - 2 * mm)
    text(cols[2], y, _("Closing balance"), 9)
    money_cells(y, [data["debit_total"], data["credit_total"], data["closing"]])
    y -= row_h * 2
    y = need(y, 4)
    text(margin, y, _("Open items"), 11)
    y -= row_h
    open_heads = [_("Date"), _("Document"), _("Type"), _("Due date"), _("Days overdue"), _("Open amount")]
    for i, h in enumerate(open_heads):
        text(
            cols[i] if i < 4 else (cols[i + 1] - 2 * mm if i + 1 < len(cols) else right),
            y,
            h,
            9,
            "left" if i < 4 else "right",
        )
    y -= row_h
    for it in data["open_items"]:
        y = need(y)
        text(cols[0], y, it["date"], 9)
        text(cols[1], y, it["doc_no"], 9)
        text(cols[2], y, _(KIND_LABELS[it["kind"]]), 9)
        if it["kind"] == "invoice":
            text(cols[3], y, it["due_date"], 9)
            text(cols[5] - 2 * mm, y, str(it["days_overdue"]), 9, "right")
        money_cells(y, ["", "", it["open_amount"]])
        y -= row_h
    y -= row_h * 0.5
    y = need(y, 3)
    ag = data["aging"]
    text(margin, y, _("Aging (days overdue)"), 11)
    y -= row_h
    cells = [(_("Not due"), ag[NOT_DUE])] + [(label, ag["values"][label]) for label in ag["buckets"]]
    cells.append((_("Unapplied credits"), ag["credits"]))
    step = (right - margin) / len(cells)
    c.setLineWidth(0.4)
    c.rect(margin, y - row_h - 2 * mm, right - margin, 2 * row_h)
    c.line(margin, y - 2 * mm, right, y - 2 * mm)
    for i, (label, value) in enumerate(cells):
        x = margin + (i + 1) * step - 2 * mm
        text(x, y, label, 8, "right")
        c.setFillColor(colors.red if value.startswith("-") else colors.black)
        text(x, y - row_h, grouped(value), 8, "right")
        c.setFillColor(colors.black)
    y -= row_h * 3
    y = need(y, 3)
    text(margin, y, _("Please check this statement and tell us of any difference within 10 days."), 9)
    y -= row_h * 1.5
    text(margin, y, f"{_('Confirmed by the customer (seal)')}:", 9)
    text(width / 2 + 10 * mm, y, f"{_('Date')}:", 9)
    c.showPage()
    c.save()
    return buf.getvalue()
