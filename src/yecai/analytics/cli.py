"""CLI for analytics: `yecai analytics risk` (open invoices scored for late payment),
`yecai analytics forecast` (13-week cash forecast with its band) and `yecai analytics evaluate`
(the model judged on a chronological split of the company's own history)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from yecai.analytics.domain.history import GRACE_DAYS
from yecai.cli.common import _, console, err_console, progress_bar, run, uow, write_rows
from yecai.core.i18n import N_, current_locale

SIMULATIONS_DEFAULT = 2000  # as analytics.service.SIMULATIONS_DEFAULT (a test keeps them equal)


def _service() -> Any:
    """The analytics service, imported when a command runs: it brings scikit-learn and SciPy,
    which every other ``yecai`` command should not pay for at start-up."""
    from yecai.analytics import service

    return service


analytics_app = typer.Typer(
    help="分析 Analytics: late-payment risk and the cash-flow forecast", no_args_is_help=True
)

Company = Annotated[str, typer.Option("--company", "-c", help="Company code (账套)")]
AsOf = Annotated[
    str | None,
    typer.Option("--as-of", help="Stand on this day (YYYY-MM-DD); default today, or the last posted voucher"),
]
Format = Annotated[str, typer.Option("--format", "-f", help="table | csv | json | xlsx")]
Out = Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file")]
Grace = Annotated[int, typer.Option("--grace-days", help="Days after the due date still counted on time")]

METHODS = {"model": N_("fitted model"), "rules": N_("rules, too little history")}
RISK_COLUMNS = (
    "invoice",
    "customer",
    "customer_name",
    "date",
    "due_date",
    "open_amount",
    "p_late",
    "expected_date",
    "expected_days_late",
    "factors",
)
TABLE_RISK_COLUMNS = ("invoice", "customer", "due_date", "open_amount", "p_late", "expected_date", "factors")
RISK_HEADERS = {
    "invoice": N_("Invoice"),
    "customer": N_("Customer"),
    "customer_name": N_("Name"),
    "date": N_("Date"),
    "due_date": N_("Due date"),
    "open_amount": N_("Open amount"),
    "p_late": N_("Probability late"),
    "expected_date": N_("Expected payment"),
    "expected_days_late": N_("Days late expected"),
    "factors": N_("Top factors"),
}
FORECAST_COLUMNS = (
    "week",
    "start",
    "end",
    "receipts",
    "payables",
    "recurring_in",
    "recurring_out",
    "net",
    "closing",
    "closing_p10",
    "closing_p50",
    "closing_p90",
)


def _day(value: str | None, field: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        err_console.print(
            f"[red]{_('Not a date: {value!r} (expected YYYY-MM-DD)', value=value)}[/red] ({field})"
        )
        raise typer.Exit(2) from None


@analytics_app.command("risk")
def risk_cmd(
    company: Company,
    as_of: AsOf = None,
    fmt: Format = "table",
    out: Out = None,
    grace_days: Grace = GRACE_DAYS,
    customer: Annotated[str | None, typer.Option("--customer", help="Only this customer's invoices")] = None,
) -> None:
    """Open sales invoices with the probability each is paid late, its expected payment date and
    the top factors, riskiest first."""
    day = _day(as_of, "--as-of")
    with progress_bar(_("Fitting the late-payment model"), None):
        res = run(
            lambda: _service().risk(
                uow(), company, as_of=day, grace_days=grace_days, locale=current_locale(), customer=customer
            )
        )
    rows: list[dict[str, Any]] = []
    for r in res["invoices"]:
        factors = "; ".join(f["text"] for f in r["factors"])
        rows.append({**r, "factors": factors if fmt != "json" else r["factors"]})
    table = fmt == "table"  # a terminal is narrow: the essentials only
    columns = TABLE_RISK_COLUMNS if table else RISK_COLUMNS
    write_rows(
        rows,
        columns,
        fmt,
        out=out,
        title=_(
            "Late-payment risk as of {day} ({method}, {n} invoices learnt from)",
            day=res["as_of"],
            method=_(METHODS[res["method"]]),
            n=res["trained_on"],
        ),
        headers=[_(RISK_HEADERS[c]) for c in columns] if fmt in ("table", "xlsx") else None,
    )


@analytics_app.command("forecast")
def forecast_cmd(
    company: Company,
    weeks: Annotated[int, typer.Option("--weeks", help="Weeks ahead (1–52)")] = 13,
    as_of: AsOf = None,
    fmt: Format = "table",
    out: Out = None,
    simulations: Annotated[int, typer.Option("--simulations", help="Monte Carlo runs")] = SIMULATIONS_DEFAULT,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same band)")] = 0,
) -> None:
    """Cash for the next weeks: expected receipts, payables, recurring items, closing cash with
    its P10/P50/P90 band."""
    day = _day(as_of, "--as-of")
    with progress_bar(_("Forecasting cash"), None):
        res = run(
            lambda: _service().forecast(
                uow(), company, weeks=weeks, as_of=day, simulations=simulations, seed=seed
            )
        )
    if fmt == "json":
        text = json.dumps(res, ensure_ascii=False, indent=2) + "\n"
        if out is None:
            typer.echo(text, nl=False)
        else:
            out.write_text(text, encoding="utf-8")
        return
    write_rows(
        res["weeks"],
        FORECAST_COLUMNS,
        fmt,
        out=out,
        title=_(
            "Cash forecast from {day}: opening {opening} {currency}",
            day=res["as_of"],
            opening=res["opening"],
            currency=res["currency"],
        ),
        headers=[
            _("Week"),
            _("Week from"),
            _("Week to"),
            _("Expected receipts"),
            _("Bills due"),
            _("Recurring in"),
            _("Recurring out"),
            _("Net cash flow"),
            _("Closing cash"),
            "P10",
            "P50",
            "P90",
        ]
        if fmt in ("table", "xlsx")
        else None,
    )
    if fmt == "table":
        console.print(
            _(
                "Open receivables {ar}, open payables {ap}; receipts expected after the horizon {beyond}",
                ar=res["receivables_open"],
                ap=res["payables_open"],
                beyond=res["receipts_beyond"],
            )
        )


@analytics_app.command("evaluate")
def evaluate_cmd(
    company: Company,
    cutoff: Annotated[
        str | None, typer.Option("--cutoff", help="Train on what was known on this day (default: 2/3 in)")
    ] = None,
    end: Annotated[str | None, typer.Option("--end", help="Outcomes as known on this day")] = None,
    rules: Annotated[bool, typer.Option("--rules", help="Judge the cold-start rules instead")] = False,
    refit_days: Annotated[
        int | None, typer.Option("--refit-days", min=1, help="Refit every N days after the cutoff, pooled")
    ] = None,
    grace_days: Grace = GRACE_DAYS,
) -> None:
    """AUC and calibration (Brier score, reliability by decile) of the late-payment model on a
    chronological split of the company's history. Prints JSON."""
    ev = run(
        lambda: _service().evaluation(
            uow(),
            company,
            cutoff=_day(cutoff, "--cutoff"),
            end=_day(end, "--end"),
            grace_days=grace_days,
            rules_only=rules,
            refit_days=refit_days,
        )
    )
    typer.echo(json.dumps(_service().evaluation_view(ev), ensure_ascii=False, indent=2))


def register(app: typer.Typer, voucher_app: Any) -> None:
    app.add_typer(analytics_app, name="analytics")
