"""CLI for periods (结账 / 反结账, the closing checklist) and foreign currency (rates, 期末调汇)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from yecai.cli.common import _, console, run, uow, write_rows
from yecai.ledger import closing, fx

period_app = typer.Typer(help="期间 Periods: closing (结账), reopening, checklist", no_args_is_help=True)
fx_app = typer.Typer(
    help="外币 Foreign currency: month-end rates and revaluation (期末调汇)", no_args_is_help=True
)

Company = Annotated[str, typer.Option("--company", "-c", help="Company code (账套)")]
PeriodOpt = Annotated[str, typer.Option("--period", "-p", help="Period, YYYY-MM")]
Fmt = Annotated[str, typer.Option("--format", "-f", help="table | csv | json")]

PERIOD_COLUMNS = [
    "period",
    "status",
    "closed_at",
    "closed_by",
    "draft_count",
    "reviewed_count",
    "posted_count",
    "void_count",
]


@period_app.command("list")
def period_list(company: Company, fmt: Fmt = "table") -> None:
    """Periods with their status and voucher counts."""
    rows = run(lambda: closing.list_periods(uow(), company))
    write_rows(rows, PERIOD_COLUMNS, fmt, title=_("Periods"))


@period_app.command("close")
def period_close(company: Company, period: PeriodOpt) -> None:
    """结账: carry profit and loss to 本年利润 (in December also to 未分配利润) and close the period."""
    res = run(lambda: closing.close_period(uow(), company, period))
    if res.vouchers:
        console.print(_("Closing vouchers: {vouchers}", vouchers=", ".join(res.vouchers)))
    else:
        console.print(_("No profit or loss to carry; no closing voucher"))
    console.print(_("Profit carried to 4103 for {period}: {profit}", period=res.period, profit=res.profit))
    if res.year_end:
        console.print(
            _(
                "Year end: {profit} carried to 410499; periods of {year} opened",
                profit=res.year_profit,
                year=res.opened_year,
            )
        )
    console.print(_("Period {period} closed", period=res.period))


@period_app.command("reopen")
def period_reopen(
    company: Company,
    period: PeriodOpt,
    reason: Annotated[str, typer.Option("--reason", help="Why the period is reopened (audited)")] = "",
) -> None:
    """反结账: reopen the latest closed period (finance manager or administrator)."""
    res = run(lambda: closing.reopen_period(uow(), company, period, reason=reason))
    console.print(_("Period {period} reopened", period=res["period"]))


@period_app.command("checklist")
def period_checklist(company: Company, period: PeriodOpt, fmt: Fmt = "table") -> None:
    """What closing checks: unposted vouchers, earlier open periods, trial balance, P&L to carry."""
    res: dict[str, Any] = run(lambda: closing.close_checklist(uow(), company, period))
    if fmt == "json":
        print(json.dumps(res, ensure_ascii=False, indent=2))
        return

    def mark(ok: bool) -> str:
        return "[green]✓[/green]" if ok else "[red]✗[/red]"

    tb = res["trial_balance"]
    console.print(f"[bold]{res['period']}[/bold]  {_(res['status'])}")
    console.print(
        f"{mark(res['unposted_count'] == 0)} "
        + _("Unposted vouchers: {n}", n=res["unposted_count"])
        + ("  " + ", ".join(v["voucher_no"] for v in res["unposted"][:20]) if res["unposted"] else "")
    )
    console.print(
        f"{mark(not res['earlier_open'])} "
        + _("Earlier open periods: {periods}", periods=", ".join(res["earlier_open"]) or "-")
    )
    console.print(
        f"{mark(tb['balanced'])} "
        + _(
            "Trial balance: period {d} / {c}, cumulative {cd} / {cc}",
            d=tb["period_debit"],
            c=tb["period_credit"],
            cd=tb["cumulative_debit"],
            cc=tb["cumulative_credit"],
        )
    )
    console.print(
        _("Foreign-currency revaluation vouchers this period: {n}", n=res["fx_revaluation_vouchers"])
    )
    rows = [
        {
            "account": f"{r['account_code']} {r['account_name']}",
            "dims": " ".join(f"{k}:{v}" for k, v in r["dims"].items()),
            "debit": r["debit"],
            "credit": r["credit"],
            "net": r["net"],
            "carry_to": r["carry_to"],
        }
        for r in res["profit_loss"]
    ]
    if rows:
        write_rows(rows, ["account", "dims", "debit", "credit", "net", "carry_to"], "table")
    console.print(_("Profit to carry: {profit}", profit=res["profit"]))
    console.print(_("Ready to close") if res["can_close"] else _("Not ready to close"))


@fx_app.command("rate")
def fx_rate(
    company: Company,
    currency: Annotated[str, typer.Option("--currency", help="ISO code, e.g. USD")],
    period: PeriodOpt,
    rate: Annotated[str, typer.Option("--rate", help="Month-end rate: base currency per unit")],
) -> None:
    """Set the month-end exchange rate of a currency for a period."""
    res = run(lambda: fx.set_rate(uow(), company, currency, period, rate))
    console.print(_("{currency} {period}: rate {rate}", **res))


@fx_app.command("rates")
def fx_rates(
    company: Company,
    currency: Annotated[str | None, typer.Option("--currency")] = None,
    fmt: Fmt = "table",
) -> None:
    rows = run(lambda: fx.list_rates(uow(), company, currency=currency))
    write_rows(rows, ["currency", "period", "rate"], fmt, title=_("Exchange rates"))


@fx_app.command("revalue")
def fx_revalue(company: Company, period: PeriodOpt) -> None:
    """期末调汇: restate foreign-currency balances at the month-end rates (before closing)."""
    v = run(lambda: fx.revalue(uow(), company, period))
    if v is None:
        console.print(_("Nothing to revalue for {period}", period=period))
        return
    console.print(
        _("Revaluation voucher {no} posted, total {total}", no=f"{v.period} {v.voucher_no}", total=v.total)
    )


def register(app: typer.Typer, voucher_app: typer.Typer) -> None:
    app.add_typer(period_app, name="period")
    app.add_typer(fx_app, name="fx")
