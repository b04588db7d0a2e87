"""The books: trial balance, general ledger, subledger, balance sheet, income statement.

Every figure drills down: statement line → the accounts behind it → subledger → voucher.
Each book exports to XLSX with ``?format=xlsx`` and prints to PDF with ``?format=pdf``.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from yecai.core.i18n import N_
from yecai.core.periods import Period
from yecai.ledger import reports
from yecai.ledger import service as ledger
from yecai.ledger.domain import DIMENSIONS
from yecai.web import pages
from yecai.web.bookpdf import PdfBook, pdf_response
from yecai.web.context import Ctx, web_ctx
from yecai.web.export import Money, xlsx_response
from yecai.web.vouchers import DIM_LABELS

router = APIRouter(include_in_schema=False)
WebCtx = Annotated[Ctx, Depends(web_ctx)]
From = Annotated[str | None, Query(alias="from")]
SUBLEDGER_PAGE_SIZE = 100
EXPORT_ROWS_MAX = reports.PAGE_SIZE_MAX

BOOKS = (
    ("trial_balance", N_("Trial balance"), "/books/trial-balance"),
    ("general_ledger", N_("General ledger"), "/books/general-ledger"),
    ("subledger", N_("Subledger"), "/books/subledger"),
    ("balance_sheet", N_("Balance sheet"), "/books/balance-sheet"),
    ("income_statement", N_("Income statement"), "/books/income-statement"),
)
KIND_LABELS = {
    "opening": N_("Opening balance"),
    "month_total": N_("Month total"),
    "year_total": N_("Year to date"),
}
DIRECTION_EN = {"借": "Dr", "贷": "Cr", "平": "—"}


EXPORT_FORMATS = ("xlsx", "pdf")


def _period_text(ctx: Ctx, first: Period, last: Period | None = None) -> str:
    if last is None or last == first:
        return ctx.period_label(first)
    return f"{ctx.period_label(first)} – {ctx.period_label(last)}"


def _pdf(
    ctx: Ctx,
    filename: str,
    title: str,
    period: str,
    headers: list[str],
    rows: list[list[Any]],
    widths: list[float],
    **layout: Any,
) -> Response:
    _ = ctx._
    book = PdfBook(
        filename=filename,
        title=title,
        company=str(ctx.company["name"]) if ctx.company else "",
        period=period,
        headers=headers,
        rows=rows,
        widths=widths,
        labels=(_("Prepared by"), _("Period"), _("Unit: yuan"), _("Page {n}")),
        **layout,
    )
    return pdf_response(book, ctx.currency)


def _range(ctx: Ctx, period_from: str | None, period_to: str | None) -> tuple[Period, Period]:
    first = Period.parse(period_from) if period_from else pages.working_period(ctx)
    last = Period.parse(period_to) if period_to else first
    return first, last


def _book(ctx: Ctx, template: str, book: str, title: str, **context: Any) -> Response:
    return pages.page(ctx, template, "books", title, books=BOOKS, book=book, main_class="wide", **context)


def _direction(ctx: Ctx, d: str) -> str:
    return DIRECTION_EN.get(d, d) if ctx.locale == "en" else d


def _english_names(ctx: Ctx) -> dict[str, str]:
    if ctx.locale != "en":
        return {}
    return {a.code: a.name_en for a in ledger.list_accounts(ctx.read(), ctx.code) if a.name_en}


# --- trial balance ---------------------------------------------------------------------------------


@router.get("/books/trial-balance")
def trial_balance(
    ctx: WebCtx,
    period_from: From = None,
    to: str | None = None,
    level: str = "",
    codes: str = "",
    format: str = "",
) -> Response:
    first, last = _range(ctx, period_from, to)
    return _tb(ctx, first, last, level, codes, format)


def _tb(ctx: Ctx, first: Period, last: Period, level: str, codes: str, fmt: str) -> Response:
    level_max = int(level) if level.isdigit() else None
    rows = reports.trial_balance(ctx.read(), ctx.code, str(first), str(last), level_max=level_max)
    prefixes = [c.strip() for c in codes.split(",") if c.strip()]
    if prefixes:
        rows = [r for r in rows if any(r.account_code.startswith(p) for p in prefixes)]
    totals = reports.trial_balance_totals(rows)
    names = _english_names(ctx)
    _ = ctx._
    if fmt in EXPORT_FORMATS:
        headers = [
            _("Account code"),
            _("Account name"),
            _("Opening debit"),
            _("Opening credit"),
            _("Debit"),
            _("Credit"),
            _("Closing debit"),
            _("Closing credit"),
        ]
        cols = reports.TOTAL_COLUMNS
        data: list[list[Any]] = [
            [r.account_code, names.get(r.account_code, r.account_name)] + [Money(getattr(r, c)) for c in cols]
            for r in rows
        ]
        data.append(["", _("Total")] + [Money(totals[c]) for c in cols])
        if fmt == "pdf":
            return _pdf(
                ctx,
                f"trial-balance-{first}-{last}.pdf",
                _("Trial balance"),
                _period_text(ctx, first, last),
                headers,
                data,
                [10, 22, 12, 12, 12, 12, 12, 12],
                bold_rows=frozenset({len(data) - 1} | {i for i, r in enumerate(rows) if r.level == 1}),
                indents=[r.level - 1 for r in rows] + [0],
            )
        return xlsx_response(
            f"trial-balance-{first}-{last}.xlsx",
            _("Trial balance"),
            headers,
            data,
            heading=f"{ctx.company['name'] if ctx.company else ''} {_('Trial balance')} {first}–{last}",
        )
    query = urlencode({"from": str(first), "to": str(last)})
    return _book(
        ctx,
        "books/trial_balance.html",
        "trial_balance",
        _("Trial balance"),
        rows=rows,
        totals=totals,
        names=names,
        first=first,
        last=last,
        level=level,
        codes=codes,
        query=query,
        export_url="/books/trial-balance?"
        + urlencode({"from": str(first), "to": str(last), "level": level, "codes": codes, "format": "xlsx"}),
    )


# --- general ledger --------------------------------------------------------------------------------


@router.get("/books/general-ledger")
def general_ledger(
    ctx: WebCtx, period_from: From = None, to: str | None = None, account: str = "", format: str = ""
) -> Response:
    first, last = _range(ctx, period_from, to)
    _ = ctx._
    rows = reports.general_ledger(ctx.read(), ctx.code, str(first), str(last), account_code=account or None)
    names = _english_names(ctx)
    if format in EXPORT_FORMATS:
        headers = [
            _("Account code"),
            _("Account name"),
            _("Period"),
            _("Opening balance"),
            _("Debit"),
            _("Credit"),
            _("Year-to-date debit"),
            _("Year-to-date credit"),
            _("Direction"),
            _("Closing balance"),
        ]
        data = [
            [
                r["account_code"],
                names.get(r["account_code"], r["account_name"]),
                r["period"],
                Money(r["opening"]),
                Money(r["period_debit"]),
                Money(r["period_credit"]),
                Money(r["ytd_debit"]),
                Money(r["ytd_credit"]),
                _direction(ctx, r["closing_direction"]),
                Money(r["closing_balance"]),
            ]
            for r in rows
        ]
        if format == "pdf":
            for row in data:
                row[2] = ctx.period_label(row[2])
            return _pdf(
                ctx,
                f"general-ledger-{first}-{last}.pdf",
                _("General ledger"),
                _period_text(ctx, first, last),
                headers,
                data,
                [9, 18, 9, 12, 12, 12, 12, 12, 5, 12],
            )
        return xlsx_response(f"general-ledger-{first}-{last}.xlsx", _("General ledger"), headers, data)
    groups: list[dict[str, Any]] = []
    for r in rows:
        if not groups or groups[-1]["code"] != r["account_code"]:
            groups.append(
                {
                    "code": r["account_code"],
                    "name": names.get(r["account_code"], r["account_name"]),
                    "rows": [],
                }
            )
        r = dict(r, opening_direction=_direction(ctx, r["opening_direction"]))
        r["closing_direction"] = _direction(ctx, r["closing_direction"])
        groups[-1]["rows"].append(r)
    return _book(
        ctx,
        "books/general_ledger.html",
        "general_ledger",
        _("General ledger"),
        groups=groups,
        first=first,
        last=last,
        account=account,
        export_url="/books/general-ledger?"
        + urlencode({"from": str(first), "to": str(last), "account": account, "format": "xlsx"}),
    )


# --- subledger -------------------------------------------------------------------------------------


@router.get("/books/subledger")
def subledger(
    ctx: WebCtx,
    account: str = "",
    period_from: From = None,
    to: str | None = None,
    dimension: str = "",
    value: str = "",
    page: int = 1,
    format: str = "",
) -> Response:
    _ = ctx._
    if period_from:
        first, last = _range(ctx, period_from, to)
    else:
        # Without a range the ledger of the year so far is what people look for.
        last = Period.parse(to) if to else pages.working_period(ctx)
        first = Period(last.year, 1)
    account = account.strip()
    result = None
    if account:
        exporting = format in EXPORT_FORMATS
        result = reports.subledger(
            ctx.read(),
            ctx.code,
            account,
            str(first),
            str(last),
            dimension=dimension or None,
            value=value.strip() or None,
            page=1 if exporting else page,
            page_size=EXPORT_ROWS_MAX if exporting else SUBLEDGER_PAGE_SIZE,
        )
        for r in result["rows"]:
            r["direction"] = _direction(ctx, r["direction"])
        if exporting:
            if ctx.locale == "en":
                result["account_name"] = _english_names(ctx).get(
                    result["account_code"], result["account_name"]
                )
            return _subledger_export(ctx, result, format)
        if ctx.locale == "en":
            result["account_name"] = _english_names(ctx).get(result["account_code"], result["account_name"])
    params = {"account": account, "from": str(first), "to": str(last), "dimension": dimension, "value": value}
    return _book(
        ctx,
        "books/subledger.html",
        "subledger",
        _("Subledger"),
        result=result,
        first=first,
        last=last,
        account=account,
        dimension=dimension,
        value=value,
        dimensions=DIMENSIONS,
        dim_labels=DIM_LABELS,
        kind_labels=KIND_LABELS,
        base_query=urlencode({k: v for k, v in params.items() if v}),
        export_url="/books/subledger?" + urlencode({**params, "format": "xlsx"}),
    )


def _subledger_export(ctx: Ctx, result: dict[str, Any], fmt: str) -> Response:
    _ = ctx._
    headers = [
        _("Date"),
        _("Voucher"),
        _("Account"),
        _("Summary"),
        _("Debit"),
        _("Credit"),
        _("Direction"),
        _("Balance"),
    ]
    data = []
    for r in result["rows"]:
        label = _(KIND_LABELS[r["kind"]]) if r["kind"] in KIND_LABELS else r["summary"]
        data.append(
            [
                r["date"] or r["period"],
                r["voucher_no"] or "",
                r["account_code"] or "",
                label,
                Money(r["debit"]),
                Money(r["credit"]),
                r["direction"],
                Money(r["balance"]),
            ]
        )
    stem = f"subledger-{result['account_code']}-{result['period_from']}-{result['period_to']}"
    if fmt == "pdf":
        first, last = Period.parse(result["period_from"]), Period.parse(result["period_to"])
        return _pdf(
            ctx,
            stem + ".pdf",
            f"{_('Subledger')} {result['account_code']} {result['account_name']}",
            _period_text(ctx, first, last),
            headers,
            data,
            [10, 10, 9, 30, 12, 12, 5, 12],
            bold_rows=frozenset(i for i, r in enumerate(result["rows"]) if r["kind"] in KIND_LABELS),
        )
    heading = (
        f"{result['account_code']} {result['account_name']} {result['period_from']}–{result['period_to']}"
    )
    return xlsx_response(stem + ".xlsx", _("Subledger"), headers, data, heading=heading)


# --- statements ------------------------------------------------------------------------------------


def _statement_export(
    ctx: Ctx,
    fmt: str,
    rows: list[reports.StatementRow],
    filename: str,
    title: str,
    amount: str,
    comparative: str,
    period: str,
) -> Response:
    _ = ctx._
    data: list[list[Any]] = [
        [
            r.name_en if ctx.locale == "en" else r.name,
            r.line_no,
            "" if r.is_header else Money(r.amount),
            "" if r.is_header else Money(r.comparative),
        ]
        for r in rows
    ]
    headers = [_("statement|Item"), _("Line"), amount, comparative]
    if fmt == "pdf":
        pdf_name = filename.removesuffix(".xlsx") + ".pdf"
        if any(r.side for r in rows):
            return _balance_sheet_pdf(ctx, rows, pdf_name, title, amount, comparative, period)
        return _pdf(
            ctx,
            pdf_name,
            title,
            period,
            headers,
            data,
            [44, 8, 18, 18],
            landscape=False,
            bold_rows=frozenset(i for i, r in enumerate(rows) if _emphasised(r)),
        )
    return xlsx_response(filename, title, headers, data)


def _emphasised(r: reports.StatementRow) -> bool:
    return r.is_header or r.key.startswith("total_") or r.key in ("operating_profit", "net_profit")


def _balance_sheet_pdf(
    ctx: Ctx,
    rows: list[reports.StatementRow],
    filename: str,
    title: str,
    amount: str,
    comparative: str,
    period: str,
) -> Response:
    """The statutory two-sided layout: assets on the left, liabilities and equity on the right."""
    _ = ctx._

    def cells(r: reports.StatementRow | None) -> list[Any]:
        if r is None:
            return ["", "", "", ""]
        name = r.name_en if ctx.locale == "en" else r.name
        if r.is_header:
            return [name, r.line_no, "", ""]
        return [name, r.line_no, Money(r.amount), Money(r.comparative)]

    left = [r for r in rows if r.side == "asset"]
    right = [r for r in rows if r.side != "asset"]
    n = max(len(left), len(right))
    data = [
        cells(left[i] if i < len(left) else None) + cells(right[i] if i < len(right) else None)
        for i in range(n)
    ]
    headers = [
        _("Assets"),
        _("Line"),
        amount,
        comparative,
        _("Liabilities and equity"),
        _("Line"),
        amount,
        comparative,
    ]
    return _pdf(ctx, filename, title, period, headers, data, [26, 5, 12, 12, 26, 5, 12, 12])


def _drill(row: reports.StatementRow, first: Period, last: Period) -> str:
    """Where a statement figure leads: the subledger of its one account, or its accounts."""
    if not row.accounts:
        return ""
    if len(row.accounts) == 1:
        return "/books/subledger?" + urlencode(
            {"account": row.accounts[0], "from": str(first), "to": str(last)}
        )
    return "/books/trial-balance?" + urlencode(
        {"from": str(first), "to": str(last), "codes": ",".join(row.accounts)}
    )


@router.get("/books/balance-sheet")
def balance_sheet(ctx: WebCtx, period: str | None = None, format: str = "") -> Response:
    _ = ctx._
    p = Period.parse(period) if period else pages.working_period(ctx)
    rows = reports.balance_sheet(ctx.read(), ctx.code, str(p))
    if format in EXPORT_FORMATS:
        return _statement_export(
            ctx,
            format,
            rows,
            f"balance-sheet-{p}.xlsx",
            _("Balance sheet"),
            _("Closing balance"),
            _("Balance at the end of last year"),
            _period_text(ctx, p),
        )
    year_first = Period(p.year, 1)
    sides = {
        side: [(r, _drill(r, year_first, p)) for r in rows if r.side == side]
        for side in ("asset", "liability_equity")
    }
    return _book(
        ctx,
        "books/statement.html",
        "balance_sheet",
        _("Balance sheet"),
        sides=[(_("Assets"), sides["asset"]), (_("Liabilities and equity"), sides["liability_equity"])],
        amount_label=_("Closing balance"),
        comparative_label=_("Balance at the end of last year"),
        period=p,
        single_period=True,
        export_url="/books/balance-sheet?" + urlencode({"period": str(p), "format": "xlsx"}),
    )


@router.get("/books/income-statement")
def income_statement(
    ctx: WebCtx, period_from: From = None, to: str | None = None, format: str = ""
) -> Response:
    _ = ctx._
    first, last = _range(ctx, period_from, to)
    rows = reports.income_statement(ctx.read(), ctx.code, str(first), str(last))
    if format in EXPORT_FORMATS:
        return _statement_export(
            ctx,
            format,
            rows,
            f"income-statement-{first}-{last}.xlsx",
            _("Income statement"),
            _("This period"),
            _("Year to date"),
            _period_text(ctx, first, last),
        )
    return _book(
        ctx,
        "books/statement.html",
        "income_statement",
        _("Income statement"),
        sides=[("", [(r, _drill(r, first, last)) for r in rows])],
        amount_label=_("This period"),
        comparative_label=_("Year to date"),
        first=first,
        last=last,
        single_period=False,
        export_url="/books/income-statement?"
        + urlencode({"from": str(first), "to": str(last), "format": "xlsx"}),
    )
