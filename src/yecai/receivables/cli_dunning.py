"""CLI for dunning (催收): `yecai receivables dunning run|policy-*|smtp-*|contact|promise|dispute|
timeline|tasks|task-done|charges`."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from yecai.cli.common import FORMATS, _, console, err_console, progress_bar, run, uow, write_rows
from yecai.receivables import dunning
from yecai.receivables.dunning_domain import DEFAULT_LEVELS

dunning_app = typer.Typer(
    help="催收 Dunning: policies, the daily run, promises, disputes, timeline", no_args_is_help=True
)

Company = Annotated[str, typer.Option("--company", "-c", help="Company code (账套)")]
Customer = Annotated[str, typer.Option("--customer", help="Customer code")]
Format = Annotated[str, typer.Option("--format", "-f", help="table | csv | json | xlsx")]
Out = Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file")]

RUN_COLUMNS = (
    "customer",
    "name",
    "policy",
    "overdue",
    "oldest_days",
    "items",
    "level",
    "target",
    "outcome",
    "new_level",
    "paused_by",
    "actions",
)


def _day(value: str | None, field: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        err_console.print(f"[red]{_('Error')}: {field}: {value!r} (YYYY-MM-DD)[/red]")
        raise typer.Exit(2) from None


def _check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        err_console.print(f"[red]{_('Error')}: --format {fmt!r} ({' | '.join(FORMATS)})[/red]")
        raise typer.Exit(2)
    return fmt


@dunning_app.command("run")
def run_cmd(
    company: Company,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Run as of this date (YYYY-MM-DD); default today")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would happen; send and write nothing")
    ] = False,
    fmt: Format = "table",
    out: Out = None,
) -> None:
    """Move each customer to the level it has reached; act on new levels; retry failed sends."""
    day = _day(as_of, "--as-of")
    with progress_bar(_("Dunning run"), None) as update:
        result = run(lambda: dunning.run(uow(), company, as_of=day, dry_run=dry_run, progress=update))
    rows = [{**c, "actions": ",".join(c["actions"])} for c in result.customers]
    write_rows(rows, RUN_COLUMNS, _check_format(fmt), out=out, title=_("Dunning run"))
    if dry_run:
        err_console.print(
            _(
                "Dry run as of {as_of}: {n} customers, nothing sent or written",
                as_of=result.as_of,
                n=len(rows),
            )
        )
    else:
        err_console.print(
            _(
                "Dunning run as of {as_of}: {n} customers, {sent} sent, {failed} failed (retried next run), {cancelled} cancelled",
                as_of=result.as_of,
                n=len(rows),
                sent=result.sent,
                failed=result.failed,
                cancelled=result.cancelled,
            )
        )


@dunning_app.command("policy-list")
def policy_list_cmd(company: Company, fmt: Format = "table", out: Out = None) -> None:
    """List the company's dunning policies."""
    rows = run(lambda: dunning.list_policies(uow(), company))
    view = [
        {
            "code": p["code"],
            "name": p["name"],
            "language": p["language"],
            "default": "✓" if p["default"] else "",
            "active": "✓" if p["active"] else "",
            "levels": " → ".join(f"{lv['name']}({lv['days_overdue']}d)" for lv in p["levels"]),
        }
        for p in rows
    ]
    write_rows(view, ("code", "name", "language", "default", "active", "levels"), _check_format(fmt), out=out)


@dunning_app.command("policy-show")
def policy_show_cmd(company: Company, code: Annotated[str, typer.Argument(help="Policy code")]) -> None:
    """Print a policy as JSON (edit it and give it back to policy-set --file)."""
    p = run(lambda: dunning.get_policy(uow(), company, code))
    console.print_json(json.dumps(p, ensure_ascii=False))


@dunning_app.command("policy-set")
def policy_set_cmd(
    company: Company,
    code: Annotated[str, typer.Option("--code", help="Policy code")],
    file: Annotated[
        Path | None,
        typer.Option(
            "--file", help="JSON: a list of levels, or an object with 'levels' (default: a standard policy)"
        ),
    ] = None,
    name: Annotated[str, typer.Option("--name")] = "",
    language: Annotated[str, typer.Option("--language", help="zh_CN | en (the letters)")] = "zh_CN",
    default: Annotated[bool, typer.Option("--default", help="Make it the company's default policy")] = False,
    inactive: Annotated[bool, typer.Option("--inactive", help="Keep it but don't use it")] = False,
) -> None:
    """Create or replace a policy from a JSON file of levels (without --file: a standard policy).

    Each level: {"name", "days_overdue", "min_amount", "actions": [...]}; actions by "type":
    email (to, cc, subject, body, language), webhook (url, format robot|json, language),
    task (assignee, due_days, title), late_fee (annual_rate, fixed_fee, receivable_account,
    interest_account, fee_account), credit_limit (factor | limit), credit_hold (reason).
    Templates may use {company} {customer} {customer_code} {level} {level_name} {as_of}
    {overdue_total} {oldest_days} {items} {item_count}.
    """
    data: Any = [dict(lv) for lv in DEFAULT_LEVELS]
    if file is not None:
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            err_console.print(f"[red]{_('Error')}: {file}: {exc}[/red]")
            raise typer.Exit(2) from None
    if isinstance(data, dict):
        name = name or str(data.get("name") or "")
        language = str(data.get("language") or language)
        data = data.get("levels", [])
    if not isinstance(data, list):
        err_console.print(f"[red]{_('Error')}: {file}: levels must be a JSON list[/red]")
        raise typer.Exit(2)
    p = run(
        lambda: dunning.save_policy(
            uow(),
            company,
            code=code,
            name=name,
            levels=data,
            language=language,
            default=default,
            active=not inactive,
        )
    )
    console.print(_("Dunning policy {code} saved ({n} levels)", code=p["code"], n=len(p["levels"])))


@dunning_app.command("smtp-set")
def smtp_set_cmd(
    company: Company,
    host: Annotated[str, typer.Option("--host")],
    sender: Annotated[str, typer.Option("--sender", help="From address")],
    port: Annotated[int, typer.Option("--port")] = 25,
    security: Annotated[str, typer.Option("--security", help="none | starttls | ssl")] = "none",
    user: Annotated[str, typer.Option("--smtp-user", help="SMTP login")] = "",
    password: Annotated[
        bool,
        typer.Option(
            "--password", help="Ask for the SMTP password (hidden); without it the stored one is kept"
        ),
    ] = False,
    timeout_ms: Annotated[int, typer.Option("--timeout-ms")] = 10_000,
) -> None:
    """Set the company's outgoing mail server (the password is stored encrypted, never shown)."""
    secret = typer.prompt(_("SMTP password"), hide_input=True, default="") if password else None
    s = run(
        lambda: dunning.set_smtp(
            uow(),
            company,
            host=host,
            sender=sender,
            port=port,
            security=security,
            username=user,
            password=secret,
            timeout_ms=timeout_ms,
        )
    )
    console.print(_("SMTP server {host}:{port} saved", host=s["host"], port=s["port"]))


@dunning_app.command("smtp-show")
def smtp_show_cmd(company: Company) -> None:
    """Show the SMTP settings (without the password)."""
    console.print_json(json.dumps(run(lambda: dunning.get_smtp(uow(), company)), ensure_ascii=False))


@dunning_app.command("contact")
def contact_cmd(
    company: Company,
    customer: Customer,
    email: Annotated[str | None, typer.Option("--email", help="Reminder addresses, comma separated")] = None,
    language: Annotated[
        str | None, typer.Option("--language", help="zh_CN | en; empty: the policy's")
    ] = None,
    policy: Annotated[str | None, typer.Option("--policy", help="Policy code; empty: the default")] = None,
    exclude: Annotated[
        bool | None, typer.Option("--exclude/--include", help="Never dun this customer")
    ] = None,
) -> None:
    """Set where a customer's reminders go, in which language, under which policy; show it."""
    st = run(
        lambda: dunning.set_contact(
            uow(), company, customer, email=email, language=language, policy=policy, excluded=exclude
        )
    )
    console.print_json(json.dumps(st, ensure_ascii=False))


@dunning_app.command("promise")
def promise_cmd(
    company: Company,
    customer: Customer,
    day: Annotated[str | None, typer.Option("--date", help="Promised payment date (YYYY-MM-DD)")] = None,
    amount: Annotated[str, typer.Option("--amount", help="Promised amount")] = "",
    note: Annotated[str, typer.Option("--note")] = "",
    clear: Annotated[bool, typer.Option("--clear", help="Withdraw the open promise")] = False,
) -> None:
    """Record a promise to pay (escalation pauses until its date), or --clear it."""
    if clear:
        run(lambda: dunning.clear_promise(uow(), company, customer, note=note))
        console.print(_("Promise to pay of {customer} cleared", customer=customer))
        return
    promised = _day(day, "--date")
    if promised is None or not amount:
        err_console.print(f"[red]{_('Error')}: --date, --amount[/red]")
        raise typer.Exit(2)
    p = run(
        lambda: dunning.set_promise(uow(), company, customer, promise_date=promised, amount=amount, note=note)
    )
    console.print(_("Promise to pay {amount} by {date} recorded", amount=p["amount"], date=p["date"]))


@dunning_app.command("dispute")
def dispute_cmd(
    company: Company,
    customer: Customer,
    reason: Annotated[str, typer.Option("--reason")] = "",
    invoice: Annotated[
        str, typer.Option("--invoice", help="Invoice number; without it the whole customer")
    ] = "",
    clear: Annotated[bool, typer.Option("--clear", help="Close the dispute")] = False,
) -> None:
    """Flag a dispute (the invoice is left out; on the customer, escalation pauses), or --clear it."""
    if clear:
        run(lambda: dunning.clear_dispute(uow(), company, customer, doc_no=invoice, note=reason))
        console.print(_("Dispute cleared"))
        return
    run(lambda: dunning.set_dispute(uow(), company, customer, reason=reason, doc_no=invoice))
    console.print(_("Dispute recorded"))


@dunning_app.command("customers")
def customers_cmd(company: Company, fmt: Format = "table", out: Out = None) -> None:
    """Customers with a dunning state: level, address, promise, disputes."""
    rows = run(lambda: dunning.list_customers(uow(), company))
    view = [
        {
            **c,
            "promise": f"{c['promise']['amount']} @ {c['promise']['date']}" if c["promise"] else "",
            "disputes": ", ".join(d["doc_no"] or "*" for d in c["disputes"]),
        }
        for c in rows
    ]
    write_rows(
        view,
        ("customer", "name", "policy", "level", "cycle", "email", "language", "promise", "disputes"),
        _check_format(fmt),
        out=out,
    )


@dunning_app.command("timeline")
def timeline_cmd(company: Company, customer: Customer, fmt: Format = "table", out: Out = None) -> None:
    """The customer's dunning history, newest first."""
    rows = run(lambda: dunning.timeline(uow(), company, customer))
    view = [
        {**e, "detail": json.dumps(e["detail"], ensure_ascii=False) if fmt != "json" else e["detail"]}
        for e in rows
    ]
    write_rows(
        view,
        ("at", "as_of", "cycle", "level", "kind", "status", "detail", "actor"),
        _check_format(fmt),
        out=out,
    )


@dunning_app.command("tasks")
def tasks_cmd(
    company: Company,
    assignee: Annotated[str | None, typer.Option("--assignee")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Include done tasks")] = False,
    fmt: Format = "table",
    out: Out = None,
) -> None:
    """Follow-up tasks created by dunning."""
    rows = run(lambda: dunning.list_tasks(uow(), company, assignee=assignee, include_done=all_))
    write_rows(rows, ("id", "customer", "title", "assignee", "due_date", "done"), _check_format(fmt), out=out)


@dunning_app.command("task-done")
def task_done_cmd(
    company: Company,
    task_id: Annotated[int, typer.Argument(help="Task id")],
    undo: Annotated[bool, typer.Option("--undo", help="Open it again")] = False,
) -> None:
    """Mark a task done."""
    t = run(lambda: dunning.complete_task(uow(), company, task_id, done=not undo))
    console.print(_("Task {id} done", id=t["id"]) if t["done"] else _("Task {id} open again", id=t["id"]))


@dunning_app.command("charges")
def charges_cmd(
    company: Company,
    customer: Annotated[str | None, typer.Option("--customer")] = None,
    fmt: Format = "table",
    out: Out = None,
) -> None:
    """Late fees and interest charged, with their vouchers."""
    rows = run(lambda: dunning.charges(uow(), company, customer=customer))
    write_rows(
        rows,
        ("no", "date", "customer", "interest", "fee", "total", "status", "voucher"),
        _check_format(fmt),
        out=out,
    )


@dunning_app.command("charge-waive")
def charge_waive_cmd(
    company: Company,
    no: Annotated[str, typer.Argument(help="Charge number (DC-…)")],
    reason: Annotated[str, typer.Option("--reason", help="Why it is waived (减免原因)")],
    day: Annotated[
        str | None, typer.Option("--date", help="Date of the reversal; default the charge's")
    ] = None,
) -> None:
    """Waive a late fee / interest charge: its voucher is reversed in red and posted."""
    when = _day(day, "--date")
    r = run(lambda: dunning.waive_charge(uow(), company, no, reason=reason, day=when))
    console.print(_("Charge {no} waived; reversal voucher {voucher}", no=r["no"], voucher=r["reversal"]))
