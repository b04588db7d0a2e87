"""CLI for companies, accounts, dimension values, vouchers and the hash chain (thin over services)."""

from __future__ import annotations

import csv
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer

from yecai.cli.common import _, console, err_console, progress_bar, run, uow, write_rows
from yecai.core.money import parse_decimal
from yecai.ledger import service
from yecai.ledger.domain import DIMENSIONS, LineDraft, VoucherDraft

company_app = typer.Typer(help="账套 Companies", no_args_is_help=True)
account_app = typer.Typer(help="科目 Chart of accounts", no_args_is_help=True)
dimension_app = typer.Typer(
    help="辅助核算 Dimension values (customers, suppliers, departments, projects, employees)",
    no_args_is_help=True,
)
voucher_app = typer.Typer(help="凭证 Vouchers", no_args_is_help=True)
ledger_app = typer.Typer(help="总账 Ledger integrity", no_args_is_help=True)

Company = Annotated[str, typer.Option("--company", "-c", help="Company code (账套)")]
Fmt = Annotated[str, typer.Option("--format", "-f", help="table | csv | json | xlsx")]
Out = Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout")]


@company_app.command("create")
def company_create(
    code: str,
    name: Annotated[str, typer.Option("--name", help="Company name")],
    template: Annotated[str, typer.Option("--template")] = "cas-general",
    currency: Annotated[str, typer.Option("--currency")] = "CNY",
    start: Annotated[str | None, typer.Option("--start", help="First period, YYYY-MM")] = None,
) -> None:
    """Create a company with the 企业会计准则 chart of accounts and its first fiscal year's periods."""
    result = run(
        lambda: service.create_company(
            uow(), code=code, name=name, template=template, currency=currency, start=start
        )
    )
    console.print(_("Company {code} created ({name}), first period {start}", **result))


@company_app.command("list")
def company_list(fmt: Fmt = "table") -> None:
    rows = run(lambda: service.list_companies(uow()))
    write_rows(rows, ["code", "name", "currency", "start"], fmt)


ACCOUNT_COLUMNS = ["code", "name", "parent_code", "is_leaf", "direction", "dimensions"]


@account_app.command("list")
def account_list(
    company: Company,
    fmt: Fmt = "table",
    out: Out = None,
    search: Annotated[
        str | None, typer.Option("--search", help="code prefix, name or pinyin initials")
    ] = None,
) -> None:
    """List the chart of accounts; CSV header: code,name,parent_code,is_leaf,direction,dimensions."""
    views = run(lambda: service.list_accounts(uow(), company, search=search))
    rows = [
        {
            "code": v.code,
            "name": v.name,
            "parent_code": v.parent_code or "",
            "is_leaf": "1" if v.is_leaf else "0",
            "direction": v.direction,
            "dimensions": ";".join(v.dimensions),
        }
        for v in views
    ]
    write_rows(rows, ACCOUNT_COLUMNS, fmt, out=out, title=_("Chart of accounts"))


@account_app.command("add")
def account_add(
    company: Company,
    code: Annotated[str, typer.Option("--code")],
    name: Annotated[str, typer.Option("--name")],
    parent: Annotated[str, typer.Option("--parent", help="Parent account code")],
    dimensions: Annotated[
        str | None,
        typer.Option("--dimensions", help="';'-separated, e.g. customer;project (default: the parent's)"),
    ] = None,
    fx: Annotated[
        bool | None, typer.Option("--fx/--no-fx", help="Keeps foreign currency (default: the parent's)")
    ] = None,
) -> None:
    """Add a sub-account under a parent (code = parent code + 2 digits)."""
    dims = None if dimensions is None else [d for d in dimensions.split(";") if d]
    v = run(
        lambda: service.add_account(
            uow(), company, code=code, name=name, parent_code=parent, dimensions=dims, allow_fx=fx
        )
    )
    console.print(_("Account {code} {name} added", code=v.code, name=v.name))


@account_app.command("disable")
def account_disable(company: Company, code: str) -> None:
    run(lambda: service.set_account_enabled(uow(), company, code, False))
    console.print(_("Account {code} disabled", code=code))


@account_app.command("enable")
def account_enable(company: Company, code: str) -> None:
    run(lambda: service.set_account_enabled(uow(), company, code, True))
    console.print(_("Account {code} enabled", code=code))


@dimension_app.command("add")
def dimension_add(
    company: Company,
    dim: Annotated[str, typer.Option("--type", help=" | ".join(DIMENSIONS))],
    code: Annotated[str, typer.Option("--code")],
    name: Annotated[str, typer.Option("--name")],
) -> None:
    run(lambda: service.add_dimension_values(uow(), company, [(dim, code, name)]))
    console.print(_("{dimension} {code} saved", dimension=dim, code=code))


@dimension_app.command("import")
def dimension_import(file: Path, company: Company) -> None:
    """Import dimension values from CSV with header type,code,name (UTF-8 or GBK)."""
    from yecai.ledger.importer import read_text_table

    rows = run(lambda: read_text_table(file, required=("type", "code", "name")))
    n = run(
        lambda: service.add_dimension_values(
            uow(), company, [(r["type"], r["code"], r["name"]) for r in rows]
        )
    )
    console.print(_("{n} dimension values imported", n=n))


@dimension_app.command("list")
def dimension_list(
    company: Company, dim: Annotated[str | None, typer.Option("--type")] = None, fmt: Fmt = "table"
) -> None:
    rows = run(lambda: service.list_dimension_values(uow(), company, dim))
    write_rows(rows, ["type", "code", "name"], fmt)


def _draft_from_json(path: Path) -> VoucherDraft:
    data = json.loads(path.read_text(encoding="utf-8"))
    lines = tuple(
        LineDraft(
            summary=ln.get("summary", ""),
            account_code=str(ln["account_code"]),
            debit=parse_decimal(str(ln.get("debit") or "0")),
            credit=parse_decimal(str(ln.get("credit") or "0")),
            currency=ln.get("currency"),
            original_amount=None
            if ln.get("original_amount") in (None, "")
            else Decimal(str(ln["original_amount"])),
            rate=None if ln.get("rate") in (None, "") else Decimal(str(ln["rate"])),
            dims={d: str(ln[d]) for d in DIMENSIONS if ln.get(d)},
        )
        for ln in data["lines"]
    )
    return VoucherDraft(
        date=date.fromisoformat(data["date"]),
        lines=lines,
        word=data.get("word", "记"),
        attachments=int(data.get("attachments", 0)),
    )


@voucher_app.command("create")
def voucher_create(
    company: Company,
    file: Annotated[
        Path,
        typer.Option(
            "--file",
            help="Voucher as JSON: {date, word, attachments, lines:[{summary, account_code, debit, credit, customer…}]}",
        ),
    ],
    key: Annotated[
        str | None, typer.Option("--idempotency-key", help="Client key; a retry returns the first result")
    ] = None,
) -> None:
    """制单: save a draft voucher from a JSON file."""
    v = run(lambda: service.create_voucher(uow(), company, _draft_from_json(file), idempotency_key=key))
    console.print(_("Voucher {no} saved as draft (id {id})", no=f"{v.period} {v.voucher_no}", id=v.id))


def _ref(company: str, ref: str) -> int:
    return run(lambda: service.find_voucher_id(uow(), company, ref))


@voucher_app.command("review")
def voucher_review(
    company: Company, ref: Annotated[str, typer.Argument(help="id or 2025-03/记-0001")]
) -> None:
    v = run(lambda: service.review_voucher(uow(), company, _ref(company, ref)))
    console.print(_("Voucher {no} reviewed", no=f"{v.period} {v.voucher_no}"))


@voucher_app.command("unreview")
def voucher_unreview(company: Company, ref: str) -> None:
    v = run(lambda: service.unreview_voucher(uow(), company, _ref(company, ref)))
    console.print(_("Voucher {no} back to draft", no=f"{v.period} {v.voucher_no}"))


@voucher_app.command("post")
def voucher_post(company: Company, ref: str) -> None:
    v = run(lambda: service.post_voucher(uow(), company, _ref(company, ref)))
    console.print(_("Voucher {no} posted", no=f"{v.period} {v.voucher_no}"))


@voucher_app.command("void")
def voucher_void(company: Company, ref: str) -> None:
    v = run(lambda: service.void_voucher(uow(), company, _ref(company, ref)))
    console.print(_("Voucher {no} voided", no=f"{v.period} {v.voucher_no}"))


@voucher_app.command("reverse")
def voucher_reverse(
    company: Company,
    ref: str,
    on: Annotated[
        str | None, typer.Option("--date", help="Date of the reversal (default: the original's)")
    ] = None,
) -> None:
    """红字冲销: create a red reversing voucher (as a draft to review and post)."""
    v = run(
        lambda: service.reverse_voucher(
            uow(), company, _ref(company, ref), on=date.fromisoformat(on) if on else None
        )
    )
    console.print(_("Reversal {no} created as draft (id {id})", no=f"{v.period} {v.voucher_no}", id=v.id))


@voucher_app.command("show")
def voucher_show(company: Company, ref: str, fmt: Fmt = "table") -> None:
    v = run(lambda: service.get_voucher(uow(), company, _ref(company, ref)))
    if fmt == "json":
        print(json.dumps(v.to_dict(), ensure_ascii=False, indent=2))
        return
    console.print(
        f"[bold]{v.period} {v.voucher_no}[/bold]  {v.date}  {_(v.status)}  {_('attachments')}: {v.attachments}"
    )
    rows = [
        {
            "line": ln.line_no,
            "summary": ln.summary,
            "account": f"{ln.account_code} {ln.account_name}",
            "debit": ln.debit,
            "credit": ln.credit,
            "dims": " ".join(f"{k}:{val}" for k, val in ln.dims.items()),
        }
        for ln in v.lines
    ]
    write_rows(rows, ["line", "summary", "account", "debit", "credit", "dims"], "table")


@voucher_app.command("list")
def voucher_list(
    company: Company,
    period: Annotated[str | None, typer.Option("--period")] = None,
    to: Annotated[str | None, typer.Option("--to")] = None,
    status: Annotated[str | None, typer.Option("--status", help="draft | reviewed | posted | void")] = None,
    account: Annotated[str | None, typer.Option("--account", help="account code prefix")] = None,
    page: Annotated[int, typer.Option("--page")] = 1,
    page_size: Annotated[int, typer.Option("--page-size")] = 50,
    fmt: Fmt = "table",
) -> None:
    res = run(
        lambda: service.list_vouchers(
            uow(),
            company,
            period=period,
            period_to=to,
            status=status,
            account=account,
            page=page,
            page_size=page_size,
        )
    )
    rows = [
        {
            "id": v.id,
            "period": v.period,
            "voucher_no": v.voucher_no,
            "date": v.date,
            "summary": v.summary,
            "total": v.total,
            "status": v.status,
            "maker": v.maker or "",
        }
        for v in res["items"]
    ]
    write_rows(rows, ["id", "period", "voucher_no", "date", "summary", "total", "status", "maker"], fmt)
    if fmt == "table":
        console.print(_("{total} vouchers, page {page}", total=res["total"], page=res["page"]))


@ledger_app.command("verify")
def ledger_verify(company: Company) -> None:
    """Recompute the hash chain; exit 0 when it holds, otherwise name the first broken voucher."""
    with progress_bar(_("Verifying"), None) as update:
        report = run(lambda: service.verify_chain(uow(), company, progress=update))
    if report.ok:
        console.print(_("Hash chain intact: {n} posted vouchers verified", n=report.checked))
        return
    err_console.print(
        "[red]"
        + _(
            "Hash chain BROKEN at link {seq} ({voucher}): {reason}",
            seq=report.first_broken_seq,
            voucher=report.first_broken_voucher or "-",
            reason=report.reason,
        )
        + "[/red]"
    )
    raise typer.Exit(1)


def read_csv_dicts(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))
