"""`yecai receivables open-items | aging | statement | apply | unapply | applications | timeline |
owner`: the open-items ledger, aging and statements from the command line."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from yecai.cli.common import FORMATS, _, console, err_console, fail, run, uow, write_rows
from yecai.core.errors import YecaiError
from yecai.core.i18n import N_, current_locale
from yecai.receivables import aging, items, statements
from yecai.receivables.service import InvalidDate
from yecai.store.uow import UnitOfWork

Company = Annotated[str, typer.Option("--company", "-c", help="Company code (账套)")]
Fmt = Annotated[str, typer.Option("--format", "-f", help="table | csv | json | xlsx")]
Out = Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout")]
AsOf = Annotated[str | None, typer.Option("--as-of", help="As of this date, YYYY-MM-DD (default today)")]

ITEM_COLUMNS = (
    "item_id",
    "kind",
    "customer_code",
    "customer_name",
    "date",
    "due_date",
    "days_overdue",
    "currency",
    "amount",
    "applied_amount",
    "open_amount",
    "status",
)
ITEM_HEADERS = {
    "item_id": N_("Document"),
    "kind": N_("Type"),
    "customer_code": N_("Customer"),
    "customer_name": N_("Name"),
    "date": N_("Date"),
    "due_date": N_("Due date"),
    "days_overdue": N_("Days overdue"),
    "currency": N_("Currency"),
    "amount": N_("Amount"),
    "applied_amount": N_("Applied"),
    "open_amount": N_("Open amount"),
    "status": N_("Status"),
    "bucket": N_("Bucket"),
}
AGING_HEADERS = {
    "name": N_("Name"),
    "not_due": N_("Not due"),
    "credits": N_("Unapplied credits"),
    "balance": N_("Balance"),
    "overdue": N_("Overdue"),
    "overdue_ratio": N_("Overdue ratio"),
    "dso": N_("DSO (days)"),
}
APPLICATION_COLUMNS = (
    "id",
    "kind",
    "date",
    "source",
    "invoice",
    "amount",
    "reverses",
    "origin",
    "note",
    "by",
)
TIMELINE_COLUMNS = ("date", "kind", "doc", "amount", "text", "by")


class UnknownFormat(YecaiError):
    code = "receivables.unknown_format"
    template = "Unknown output format {value!r} (expected one of {allowed})"


def _date(value: str | None, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidDate(value=value, field=field) from None


def _reader() -> UnitOfWork:
    u = uow()
    u.readonly = True
    return u


def _fmt(fmt: str, out: Path | None) -> None:
    if fmt not in FORMATS:
        fail(UnknownFormat(value=fmt, allowed=", ".join(FORMATS), field="format"))
    if fmt == "xlsx" and out is None:
        err_console.print(_("XLSX output needs --out FILE"))
        raise typer.Exit(2)


def open_items_cmd(
    company: Company,
    customer: Annotated[str | None, typer.Option("--customer", help="Customer code")] = None,
    as_of: AsOf = None,
    all_items: Annotated[bool, typer.Option("--all", help="Settled items too")] = False,
    kind: Annotated[str | None, typer.Option("--kind", help="invoice | receipt | credit_note")] = None,
    fmt: Fmt = "table",
    out: Out = None,
) -> None:
    """未清项 Open items: invoices owed (+), unapplied receipts and credit notes (−)."""
    _fmt(fmt, out)
    day = run(lambda: _date(as_of, "as_of"))
    rows = run(
        lambda: items.open_items(
            _reader(), company, customer=customer, as_of=day, include_closed=all_items, kind=kind
        )
    )
    if fmt == "json":
        write_rows(rows, [*ITEM_COLUMNS, "applications"], fmt, out=out)
        return
    write_rows(rows, ITEM_COLUMNS, fmt, out=out, title=_("Open items"), headers=_item_headers(fmt))


def _item_headers(fmt: str, extra: tuple[str, ...] = ()) -> list[str] | None:
    """Translated column headers for people (table, xlsx); CSV keeps the column names."""
    if fmt not in ("table", "xlsx"):
        return None
    return [_(ITEM_HEADERS[c]) for c in (*ITEM_COLUMNS, *extra)]


def aging_cmd(
    company: Company,
    as_of: AsOf = None,
    basis: Annotated[
        str, typer.Option("--basis", help="due (by due date) | invoice (by invoice date)")
    ] = "due",
    buckets: Annotated[
        str | None, typer.Option("--buckets", help="Day ranges, default 0-30,31-60,61-90,91-180,180+")
    ] = None,
    by: Annotated[str, typer.Option("--by", help="customer | salesperson | department | group")] = "customer",
    customer: Annotated[str | None, typer.Option("--customer", help="Only this customer")] = None,
    dso_days: Annotated[int, typer.Option("--dso-days", help="DSO window in days")] = 90,
    drill: Annotated[
        str | None, typer.Option("--drill", help="List the items of this key (drill-down)")
    ] = None,
    bucket: Annotated[
        str | None, typer.Option("--bucket", help="With --drill: a bucket label, not_due, credits or overdue")
    ] = None,
    fmt: Fmt = "table",
    out: Out = None,
) -> None:
    """账龄分析 Aging of the open items as of a date, with DSO and overdue ratio."""
    _fmt(fmt, out)
    day = run(lambda: _date(as_of, "as_of"))
    if drill is not None or bucket is not None:
        rows = run(
            lambda: aging.aging_items(
                _reader(), company, as_of=day, basis=basis, buckets=buckets, by=by, key=drill, bucket=bucket
            )
        )
        write_rows(
            rows,
            [*ITEM_COLUMNS, "bucket"],
            fmt,
            out=out,
            title=_("Open items"),
            headers=_item_headers(fmt, ("bucket",)),
        )
        return
    result = run(
        lambda: aging.aging(
            _reader(),
            company,
            as_of=day,
            basis=basis,
            buckets=buckets,
            by=by,
            customer=customer,
            dso_days=dso_days,
        )
    )
    if fmt == "json":
        write_rows([result], list(result), fmt, out=out)
        return
    columns = aging.flat_columns(result)
    headers = None
    if fmt in ("table", "xlsx"):
        by_label = {
            "customer": N_("Customer"),
            "salesperson": N_("Salesperson"),
            "department": N_("Department"),
        }
        named = {"key": by_label.get(by, N_("Customer group")), **AGING_HEADERS}
        headers = [_(named[c]) if c in named else c for c in columns]
    write_rows(
        aging.flat_rows(result, total_label=_("Total")),
        columns,
        fmt,
        out=out,
        title=_("Aging"),
        headers=headers,
    )


def statement_cmd(
    company: Company,
    customer: Annotated[str, typer.Option("--customer", help="Customer code")],
    out: Annotated[Path, typer.Option("--out", "-o", help="FILE.pdf or FILE.xlsx (or FILE.json)")],
    date_from: Annotated[
        str | None, typer.Option("--from", help="First day (default: 1st of the month)")
    ] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last day (default today)")] = None,
    lang: Annotated[str | None, typer.Option("--lang", help="zh_CN (default) or en")] = None,
) -> None:
    """对账单 Customer statement as PDF or XLSX."""
    first = run(lambda: _date(date_from, "from"))
    last = run(lambda: _date(date_to, "to"))
    data = run(lambda: statements.statement(_reader(), company, customer, date_from=first, date_to=last))
    locale = lang or current_locale()
    suffix = out.suffix.lower()
    if suffix == ".xlsx":
        out.write_bytes(statements.statement_xlsx(data, locale))
    elif suffix == ".json":
        import json

        out.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    else:
        out.write_bytes(statements.statement_pdf(data, locale))
    err_console.print(
        _(
            "Statement of {customer}: closing balance {closing}; written to {out}",
            customer=customer,
            closing=data["closing"],
            out=out,
        )
    )


def apply_cmd(
    company: Company,
    invoice: Annotated[str, typer.Option("--invoice", help="Invoice id or number")],
    amount: Annotated[str, typer.Option("--amount", help="Amount to apply")],
    receipt: Annotated[str | None, typer.Option("--receipt", help="Receipt id or number")] = None,
    credit_note: Annotated[str | None, typer.Option("--credit-note", help="Credit note id or number")] = None,
    day: Annotated[
        str | None, typer.Option("--date", help="Application date (default: the later document's)")
    ] = None,
    note: Annotated[str, typer.Option("--note")] = "",
    key: Annotated[
        str | None, typer.Option("--key", help="Idempotency key: a retry returns the first result")
    ] = None,
) -> None:
    """核销 Apply a receipt or credit note to an invoice."""
    when = run(lambda: _date(day, "date"))
    view = run(
        lambda: items.apply(
            uow(),
            company,
            receipt_id=receipt,
            credit_note_id=credit_note,
            invoice_id=invoice,
            amount=amount,
            note=note,
            day=when,
            idempotency_key=key,
        )
    )
    console.print(
        _(
            "Application #{id}: {amount} of {source} to {invoice} on {date}",
            **{k: view[k] for k in ("id", "amount", "source", "invoice", "date")},
        )
    )


def unapply_cmd(
    company: Company,
    application_id: Annotated[int, typer.Argument(help="Application id")],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept with the record)")],
    day: Annotated[str | None, typer.Option("--date", help="Date of the un-apply")] = None,
) -> None:
    """反核销 Un-apply: a new reversing record; the original application stays."""
    when = run(lambda: _date(day, "date"))
    view = run(lambda: items.unapply(uow(), company, application_id, reason=reason, day=when))
    console.print(
        _("Un-applied #{id} as #{new} on {date}", id=application_id, new=view["id"], date=view["date"])
    )


def applications_cmd(
    company: Company,
    customer: Annotated[str | None, typer.Option("--customer")] = None,
    doc: Annotated[str | None, typer.Option("--doc", help="Only those touching this document number")] = None,
    fmt: Fmt = "table",
    out: Out = None,
) -> None:
    """Applications and un-applies, newest first."""
    _fmt(fmt, out)
    rows = run(lambda: items.list_applications(_reader(), company, customer=customer, doc=doc))
    write_rows(rows, APPLICATION_COLUMNS, fmt, out=out, title=_("Applications"))


def timeline_cmd(
    company: Company,
    customer: Annotated[str, typer.Option("--customer", help="Customer code")],
    limit: Annotated[int, typer.Option("--limit")] = 200,
    fmt: Fmt = "table",
    out: Out = None,
) -> None:
    """A customer's receivables timeline, newest first."""
    _fmt(fmt, out)
    rows = run(lambda: items.customer_timeline(_reader(), company, customer, limit=limit))
    write_rows(rows, TIMELINE_COLUMNS, fmt, out=out, title=_("Timeline"))


def owner_cmd(
    company: Company,
    customer: Annotated[str, typer.Option("--customer", help="Customer code")],
    salesperson: Annotated[str, typer.Option("--salesperson")] = "",
    department: Annotated[str, typer.Option("--department")] = "",
) -> None:
    """Who looks after a customer's receivables (aging by salesperson and department)."""
    view: dict[str, Any] = run(
        lambda: items.set_owner(uow(), company, customer, salesperson=salesperson, department=department)
    )
    console.print(_("{customer}: salesperson {salesperson}, department {department}", **view))


def register(app: typer.Typer) -> None:
    app.command("open-items")(open_items_cmd)
    app.command("aging")(aging_cmd)
    app.command("statement")(statement_cmd)
    app.command("apply")(apply_cmd)
    app.command("unapply")(unapply_cmd)
    app.command("applications")(applications_cmd)
    app.command("timeline")(timeline_cmd)
    app.command("owner")(owner_cmd)
