"""CLI for the books: `yecai report …` (trial balance, ledgers, statements) and `yecai export …`.

Every report takes --company, --period YYYY-MM [--to YYYY-MM], --format table|csv|json|xlsx and
--out FILE. Amounts are plain decimals ('1234.50', zero as '0.00'). CSV headers (a contract):

* trial-balance: account_code,account_name,opening_debit,opening_credit,period_debit,
  period_credit,closing_debit,closing_credit
* general-ledger: account_code,account_name,period,opening_balance,opening_direction,
  period_debit,period_credit,ytd_debit,ytd_credit,closing_balance,closing_direction
* subledger: date,period,voucher_id,voucher_no,summary,debit,credit,direction,balance
  (opening / month-total / year-to-date rows have an empty date and voucher and a label as summary)
* dimension-balances: code,name,opening_debit,opening_credit,period_debit,period_credit,
  closing_debit,closing_credit
* balance-sheet, income-statement: line_no,key,name,amount,comparative (caption rows have
  empty amounts)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer

from yecai.cli.common import _, console, err_console, progress_bar, run, uow, write_rows
from yecai.core.money import format_minor
from yecai.ledger import reports
from yecai.store.uow import UnitOfWork

report_app = typer.Typer(help="账簿与报表 Books and financial statements", no_args_is_help=True)
export_app = typer.Typer(help="导出 Export the books", no_args_is_help=True)

Company = Annotated[str, typer.Option("--company", "-c", help="Company code (账套)")]
PeriodOpt = Annotated[str, typer.Option("--period", "-p", help="Period YYYY-MM (the first of a range)")]
ToOpt = Annotated[str | None, typer.Option("--to", help="Last period of a range, YYYY-MM")]
Fmt = Annotated[str, typer.Option("--format", "-f", help="table | csv | json | xlsx")]
Out = Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout")]

TB_COLUMNS = [
    "account_code",
    "account_name",
    "opening_debit",
    "opening_credit",
    "period_debit",
    "period_credit",
    "closing_debit",
    "closing_credit",
]
GL_COLUMNS = [
    "account_code",
    "account_name",
    "period",
    "opening_balance",
    "opening_direction",
    "period_debit",
    "period_credit",
    "ytd_debit",
    "ytd_credit",
    "closing_balance",
    "closing_direction",
]
SL_COLUMNS = [
    "date",
    "period",
    "voucher_id",
    "voucher_no",
    "summary",
    "debit",
    "credit",
    "direction",
    "balance",
]
DIM_COLUMNS = [
    "code",
    "name",
    "opening_debit",
    "opening_credit",
    "period_debit",
    "period_credit",
    "closing_debit",
    "closing_credit",
]
STATEMENT_COLUMNS = ["line_no", "key", "name", "amount", "comparative"]


def _reader() -> UnitOfWork:
    """Reports only read: no write lock (SQLite BEGIN IMMEDIATE) while they run."""
    u = uow()
    u.readonly = True
    return u


def _money(rows: Sequence[dict[str, Any]], columns: Sequence[str], currency: str) -> list[dict[str, Any]]:
    return [{**r, **{c: format_minor(r[c], currency) for c in columns if r.get(c) is not None}} for r in rows]


def _currency(company: str) -> str:
    return run(lambda: reports.report_currency(_reader(), company))


def _check_out(fmt: str, out: Path | None) -> None:
    if fmt == "xlsx" and out is None:
        err_console.print(_("XLSX output needs --out FILE"))
        raise typer.Exit(2)


@report_app.command("trial-balance")
def trial_balance(
    company: Company,
    period: PeriodOpt,
    to: ToOpt = None,
    level: Annotated[int | None, typer.Option("--level", help="Show accounts down to this level")] = None,
    include_zero: Annotated[
        bool, typer.Option("--include-zero", help="Also accounts without figures")
    ] = False,
    fmt: Fmt = "table",
    out: Out = None,
) -> None:
    """科目余额表 Trial balance: opening, movements and closing per account, parents rolled up."""
    _check_out(fmt, out)
    rows = run(
        lambda: reports.trial_balance(
            _reader(), company, period, to, level_max=level, include_zero=include_zero
        )
    )
    cur = _currency(company)
    money = TB_COLUMNS[2:]
    data = _money([asdict(r) for r in rows], money, cur)
    headers = [
        _("Account code"),
        _("Account name"),
        _("Opening debit"),
        _("Opening credit"),
        _("Period debit"),
        _("Period credit"),
        _("Closing debit"),
        _("Closing credit"),
    ]
    if fmt == "table":
        totals = reports.trial_balance_totals(rows)
        data.append(
            {
                "account_code": _("Total"),
                "account_name": "",
                **{c: format_minor(totals[c], cur) for c in money},
            }
        )
        for r, src in zip(data, rows, strict=False):
            r["account_name"] = "  " * (src.level - 1) + r["account_name"]
    title = _(
        "Trial balance {company} {period}", company=company, period=period if not to else f"{period} – {to}"
    )
    write_rows(
        data, TB_COLUMNS, fmt, out=out, title=title, headers=headers if fmt in ("table", "xlsx") else None
    )


@report_app.command("general-ledger")
def general_ledger(
    company: Company,
    period: PeriodOpt,
    to: ToOpt = None,
    account: Annotated[
        str | None, typer.Option("--account", "-a", help="One account (default: all first-level)")
    ] = None,
    fmt: Fmt = "table",
    out: Out = None,
) -> None:
    """总账 General ledger: per account and period, with year-to-date totals."""
    _check_out(fmt, out)
    rows = run(lambda: reports.general_ledger(_reader(), company, period, to, account_code=account))
    cur = _currency(company)
    data = _money(
        rows,
        ["opening_balance", "period_debit", "period_credit", "ytd_debit", "ytd_credit", "closing_balance"],
        cur,
    )
    headers = [
        _("Account code"),
        _("Account name"),
        _("Period"),
        _("Opening balance"),
        _("Direction"),
        _("Period debit"),
        _("Period credit"),
        _("Year-to-date debit"),
        _("Year-to-date credit"),
        _("Closing balance"),
        _("Direction"),
    ]
    title = _(
        "General ledger {company} {period}", company=company, period=period if not to else f"{period} – {to}"
    )
    write_rows(
        data, GL_COLUMNS, fmt, out=out, title=title, headers=headers if fmt in ("table", "xlsx") else None
    )


SUMMARY_LABELS = {"opening": "Opening balance", "month_total": "Month total", "year_total": "Year to date"}


@report_app.command("subledger")
def subledger(
    company: Company,
    period: PeriodOpt,
    account: Annotated[
        str, typer.Option("--account", "-a", help="Account code (a parent includes its sub-accounts)")
    ],
    to: ToOpt = None,
    dimension: Annotated[
        str | None, typer.Option("--dimension", help="customer | supplier | department | project | employee")
    ] = None,
    value: Annotated[str | None, typer.Option("--value", help="Dimension value code, e.g. C001")] = None,
    page: Annotated[int | None, typer.Option("--page", help="Only this page (default: all lines)")] = None,
    page_size: Annotated[int, typer.Option("--page-size")] = 500,
    fmt: Fmt = "table",
    out: Out = None,
) -> None:
    """明细账 Subledger: each posted line with its running balance, monthly and year-to-date totals."""
    _check_out(fmt, out)

    def fetch(p: int) -> dict[str, Any]:
        return run(
            lambda: reports.subledger(
                _reader(),
                company,
                account,
                period,
                to,
                dimension=dimension,
                value=value,
                page=p,
                page_size=page_size,
            )
        )

    first = fetch(page or 1)
    rows = list(first["rows"])
    if page is None:
        for p in range(2, first["pages"] + 1):
            rows.extend(fetch(p)["rows"])
    cur = _currency(company)
    data = []
    for r in _money(rows, ["debit", "credit", "balance"], cur):
        if r["kind"] != "line":
            r["summary"] = _(SUMMARY_LABELS[r["kind"]])
            if r["kind"] == "opening":
                r["debit"] = r["credit"] = ""
        data.append(r)
    headers = [
        _("Date"),
        _("Period"),
        _("Voucher id"),
        _("Voucher no."),
        _("Summary"),
        _("Debit"),
        _("Credit"),
        _("Direction"),
        _("Balance"),
    ]
    label = f"{first['account_code']} {first['account_name']}"
    if value:
        label += f" {dimension} {value}"
    title = _("Subledger {company} {account}", company=company, account=label)
    write_rows(
        data, SL_COLUMNS, fmt, out=out, title=title, headers=headers if fmt in ("table", "xlsx") else None
    )


@report_app.command("dimension-balances")
def dimension_balances(
    company: Company,
    period: PeriodOpt,
    account: Annotated[str, typer.Option("--account", "-a", help="Account code, e.g. 1122")],
    dimension: Annotated[
        str, typer.Option("--dimension", help="customer | supplier | department | project | employee")
    ],
    to: ToOpt = None,
    fmt: Fmt = "table",
    out: Out = None,
) -> None:
    """辅助余额表 Balances of an account per dimension value (e.g. per customer on 1122)."""
    _check_out(fmt, out)
    rows = run(lambda: reports.dimension_balances(_reader(), company, account, dimension, period, to))
    cur = _currency(company)
    data = _money(rows, DIM_COLUMNS[2:], cur)
    headers = [
        _("Code"),
        _("Name"),
        _("Opening debit"),
        _("Opening credit"),
        _("Period debit"),
        _("Period credit"),
        _("Closing debit"),
        _("Closing credit"),
    ]
    title = _("Balances of {account} by {dimension}", account=account, dimension=dimension)
    write_rows(
        data, DIM_COLUMNS, fmt, out=out, title=title, headers=headers if fmt in ("table", "xlsx") else None
    )


def _statement(rows: Sequence[reports.StatementRow], currency: str) -> list[dict[str, Any]]:
    return [
        {
            "line_no": r.line_no,
            "key": r.key,
            "name": r.name,
            "amount": "" if r.is_header else format_minor(r.amount, currency),
            "comparative": "" if r.is_header else format_minor(r.comparative, currency),
        }
        for r in rows
    ]


@report_app.command("balance-sheet")
def balance_sheet(company: Company, period: PeriodOpt, fmt: Fmt = "table", out: Out = None) -> None:
    """资产负债表 Balance sheet at the end of the period; comparative: end of the previous year."""
    _check_out(fmt, out)
    rows = run(lambda: reports.balance_sheet(_reader(), company, period))
    headers = [_("Line"), _("Key"), _("Item"), _("Closing balance"), _("Balance at previous year end")]
    title = _("Balance sheet {company} {period}", company=company, period=period)
    write_rows(
        _statement(rows, _currency(company)),
        STATEMENT_COLUMNS,
        fmt,
        out=out,
        title=title,
        headers=headers if fmt in ("table", "xlsx") else None,
    )


@report_app.command("income-statement")
def income_statement(
    company: Company, period: PeriodOpt, to: ToOpt = None, fmt: Fmt = "table", out: Out = None
) -> None:
    """利润表 Income statement for the period (or range); comparative: year to date."""
    _check_out(fmt, out)
    rows = run(lambda: reports.income_statement(_reader(), company, period, to))
    headers = [_("Line"), _("Key"), _("Item"), _("Current period"), _("Year to date")]
    title = _(
        "Income statement {company} {period}",
        company=company,
        period=period if not to else f"{period} – {to}",
    )
    write_rows(
        _statement(rows, _currency(company)),
        STATEMENT_COLUMNS,
        fmt,
        out=out,
        title=title,
        headers=headers if fmt in ("table", "xlsx") else None,
    )


@export_app.command("beancount")
def export_beancount(
    company: Company, file: Annotated[Path, typer.Argument(help="The .beancount file to write")]
) -> None:
    """Write the company's posted books as a Beancount v3 file (check it with bean-check)."""
    from yecai.ledger.beancount_export import export_beancount as export

    with file.open("w", encoding="utf-8") as fh, progress_bar(_("Exporting"), None) as update:
        stats = run(lambda: export(_reader(), company, fh, progress=update))
    console.print(
        _(
            "{vouchers} vouchers ({lines} lines, {accounts} accounts) written to {file}",
            vouchers=stats.vouchers,
            lines=stats.lines,
            accounts=stats.accounts,
            file=file,
        )
    )


def register(app: typer.Typer, voucher_app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")
    app.add_typer(export_app, name="export")
