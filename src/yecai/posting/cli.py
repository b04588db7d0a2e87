"""CLI for posting rules (业财映射), voucher → document tracing, the event outbox and `yecai check`."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from yecai.cli.common import EXIT_ERROR, _, console, db, err_console, fail, run, uow, write_rows
from yecai.core.i18n import current_locale
from yecai.posting import dryrun, service
from yecai.posting.domain import RuleSetMalformed

rules_app = typer.Typer(help="记账规则 Posting rules (versioned, effective-dated)", no_args_is_help=True)
events_app = typer.Typer(help="事件 Event outbox", no_args_is_help=True)
Company = Annotated[str, typer.Option("--company", "-c", help="Company code (账套)")]
Fmt = Annotated[str, typer.Option("--format", "-f", help="table | csv | json")]


@rules_app.command("list")
def rules_list(company: Company, fmt: Fmt = "table") -> None:
    rows = run(lambda: service.list_rule_sets(uow(), company))
    write_rows(rows, ["version", "effective_from", "note", "created_by", "created_at"], fmt)


@rules_app.command("show")
def rules_show(
    company: Company,
    version: Annotated[int | None, typer.Option("--version")] = None,
    on: Annotated[str | None, typer.Option("--on", help="The version in force on this date")] = None,
) -> None:
    """Print a rule set as JSON (edit it and `rules save` it as a new version)."""
    rs = run(
        lambda: service.get_rule_set(
            uow(), company, version=version, on=date.fromisoformat(on) if on else None
        )
    )
    print(json.dumps(rs["content"], ensure_ascii=False, indent=2))


@rules_app.command("check")
def rules_check(company: Company, file: Path) -> None:
    """Validate a rule-set file without saving it; exit 2 with one line per error."""
    content = json.loads(file.read_text(encoding="utf-8"))
    errors = run(lambda: service.check_rule_set(uow(), company, content))
    for e in errors:
        err_console.print(f"[red]•[/red] {e.render(current_locale())}  [dim]({e.code})[/dim]")
    if errors:
        raise typer.Exit(EXIT_ERROR)
    console.print(_("Rule set is valid"))


@rules_app.command("save")
def rules_save(
    company: Company,
    file: Path,
    effective_from: Annotated[str, typer.Option("--from", help="Effective from this date (YYYY-MM-DD)")],
    note: Annotated[str, typer.Option("--note")] = "",
) -> None:
    content = json.loads(file.read_text(encoding="utf-8"))
    out = run(
        lambda: service.save_rule_set(
            uow(), company, content, effective_from=date.fromisoformat(effective_from), note=note
        )
    )
    console.print(
        _(
            "Rule set version {version} saved, effective from {date}",
            version=out["version"],
            date=out["effective_from"],
        )
    )


DRY_RUN_LINE_COLUMNS = [
    "doc_type",
    "doc_no",
    "date",
    "event",
    "voucher_no",
    "rule",
    "changed",
    "old_account",
    "old_debit",
    "old_credit",
    "old_dims",
    "old_summary",
    "new_account",
    "new_debit",
    "new_credit",
    "new_dims",
    "new_summary",
]
DRY_RUN_ACCOUNT_COLUMNS = [
    "account",
    "name",
    "old_debit",
    "old_credit",
    "new_debit",
    "new_credit",
    "difference",
]


def _dims_text(dims: dict[str, str]) -> str:
    return " ".join(f"{k}={v}" for k, v in dims.items())


def dry_run_rows(out: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per voucher line that would differ (and one per document the rules cannot post)."""
    rows: list[dict[str, Any]] = []
    for d in out["differences"]:
        head = {k: d[k] for k in ("doc_type", "doc_no", "date", "event", "voucher_no")}
        for e in d["errors"]:
            rows.append({**head, "changed": "error", "new_summary": e["message"]})
        for ln in d["lines"]:
            rows.append(
                {
                    **head,
                    **ln,
                    "changed": ",".join(ln["changed"]),
                    "old_dims": _dims_text(ln["old_dims"]),
                    "new_dims": _dims_text(ln["new_dims"]),
                }
            )
    return rows


@rules_app.command("dry-run")
def rules_dry_run(
    company: Company,
    rules: Annotated[Path, typer.Option("--rules", help="Candidate rule set (JSON, as `rules show` prints)")],
    period: Annotated[str, typer.Option("--period", help="First period (YYYY-MM)")],
    to: Annotated[str | None, typer.Option("--to", help="Last period (YYYY-MM); default: --period")] = None,
    fmt: Fmt = "table",
    accounts: Annotated[
        bool, typer.Option("--accounts", help="csv: the totals per account instead of the lines")
    ] = False,
) -> None:
    """试算: what a changed rule set would have posted for the documents of past periods, compared
    with what was posted (nothing is saved or posted)."""
    try:
        content = json.loads(rules.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        fail(RuleSetMalformed(where=str(rules), reason=str(exc), field="rules"))
    out = run(
        lambda: dryrun.dry_run(
            uow(), company, content, period_from=period, period_to=to, locale=current_locale()
        )
    )
    if fmt == "json":
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return
    if fmt == "csv":
        if accounts:
            write_rows(out["accounts"], DRY_RUN_ACCOUNT_COLUMNS, "csv")
        else:
            write_rows(dry_run_rows(out), DRY_RUN_LINE_COLUMNS, "csv")
        return
    console.print(
        _(
            "Periods {start} to {end}: {documents} documents re-evaluated, {changed} would change, "
            "{failed} could not be posted, {skipped} skipped (posted before snapshots were kept)",
            start=out["period_from"],
            end=out["period_to"],
            documents=out["documents"],
            changed=out["changed"],
            failed=out["failed"],
            skipped=out["skipped"],
        )
    )
    rows = dry_run_rows(out)
    if rows:
        write_rows(rows, DRY_RUN_LINE_COLUMNS, "table", title=_("Voucher lines that would differ"))
    if out["truncated"]:
        console.print(_("Only the first {n} documents are listed", n=len(out["differences"])))
    write_rows(out["accounts"], DRY_RUN_ACCOUNT_COLUMNS, "table", title=_("Totals per account"))


def voucher_source(company: Company, voucher_id: int) -> None:
    """The document a voucher came from, its event, rule-set version and the rule of each line."""
    print(
        json.dumps(
            run(lambda: service.trace_voucher(uow(), company, voucher_id)), ensure_ascii=False, indent=2
        )
    )


@events_app.command("dispatch")
def events_dispatch() -> None:
    """Deliver pending outbox events to the in-process subscribers."""
    from yecai.events.service import dispatch_pending

    total = 0
    while n := dispatch_pending(db()):
        total += n
    console.print(_("{n} events delivered", n=total))


def check(company: Company) -> None:
    """Verify every invariant of the books; exit 0 when all hold, else one line per discrepancy."""
    from yecai.checks.service import run_checks

    found = run(lambda: run_checks(uow(), company))
    for d in found:
        print(f"{d.check}: {d.message}")
    if found:
        raise typer.Exit(1)
    console.print(_("All checks passed"))


def register(app: typer.Typer, voucher_app: typer.Typer) -> None:
    app.add_typer(rules_app, name="rules")
    app.add_typer(events_app, name="events")
    voucher_app.command("source")(voucher_source)
    app.command("check")(check)
