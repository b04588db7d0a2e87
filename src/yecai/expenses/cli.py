"""CLI for expenses: `yecai expense claim create|list|show|preview|approve|pay|cancel`,
`yecai expense advance create|list|show` and `yecai expense department-kind`."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

import typer

from yecai.cli.common import _, console, run, uow, write_rows
from yecai.expenses import service

expense_app = typer.Typer(help="费用报销 Expense claims and employee advances", no_args_is_help=True)
claim_app = typer.Typer(help="报销单 Expense claims", no_args_is_help=True)
advance_app = typer.Typer(help="备用金 Employee advances", no_args_is_help=True)
expense_app.add_typer(claim_app, name="claim")
expense_app.add_typer(advance_app, name="advance")

Company = Annotated[str, typer.Option("--company", "-c", help="Company code (账套)")]
Fmt = Annotated[str, typer.Option("--format", "-f", help="table | csv | json | xlsx")]
Day = Annotated[str, typer.Option("--date", help="YYYY-MM-DD")]
Status = Annotated[str | None, typer.Option("--status")]
Employee = Annotated[str | None, typer.Option("--employee")]
From = Annotated[str | None, typer.Option("--from", help="From date YYYY-MM-DD")]
To = Annotated[str | None, typer.Option("--to", help="To date YYYY-MM-DD")]
Method = Annotated[str, typer.Option("--method", help="bank | cash")]


def _d(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _show(doc: Any) -> None:
    print(json.dumps(doc, ensure_ascii=False, indent=2))


def _id(company: str, doc_type: str, ref: str) -> int:
    return run(lambda: service.find_document_id(uow(), company, doc_type, ref))


def _done(doc: dict[str, Any]) -> None:
    vouchers = ", ".join(v["voucher_no"] for v in doc.get("vouchers", []) if v.get("voucher_no"))
    console.print(
        _("{no} {status}", no=doc["no"], status=doc["status"]) + (f"  → {vouchers}" if vouchers else "")
    )


@expense_app.command("department-kind")
def department_kind(
    company: Company,
    department: Annotated[str, typer.Argument(help="Department code")],
    kind: Annotated[str, typer.Argument(help="admin (6602) | sales (6601)")],
) -> None:
    """Whether a department's expenses are administrative or selling expenses."""
    _show(run(lambda: service.set_department_kind(uow(), company, department, kind)))


@claim_app.command("create")
def claim_create(
    company: Company,
    employee: Annotated[str, typer.Option("--employee")],
    department: Annotated[str, typer.Option("--department")],
    day: Day,
    line: Annotated[
        list[str],
        typer.Option("--line", help="CATEGORY:AMOUNT[:TAX[:special|ordinary|none]], repeatable"),
    ],
    attachments: Annotated[int, typer.Option("--attachments", help="附件张数")] = 0,
    note: Annotated[str, typer.Option("--note")] = "",
) -> None:
    lines = []
    for text in line:
        parts = text.split(":")
        if not 2 <= len(parts) <= 4:
            raise typer.BadParameter(_("--line must be CATEGORY:AMOUNT[:TAX[:INVOICE_TYPE]]"))
        tax = parts[2] if len(parts) > 2 and parts[2] else "0"
        kind = parts[3] if len(parts) > 3 else ("special" if tax not in ("0", "0.00") else "none")
        lines.append({"category": parts[0], "amount": parts[1], "tax": tax, "invoice_type": kind})
    _done(
        run(
            lambda: service.create_claim(
                uow(),
                company,
                employee=employee,
                department=department,
                day=date.fromisoformat(day),
                lines=lines,
                attachments=attachments,
                note=note,
            )
        )
    )


@claim_app.command("list")
def claim_list(
    company: Company,
    status: Status = None,
    employee: Employee = None,
    department: Annotated[str | None, typer.Option("--department")] = None,
    date_from: From = None,
    date_to: To = None,
    fmt: Fmt = "table",
) -> None:
    rows = run(
        lambda: service.list_claims(
            uow(),
            company,
            status=status,
            employee=employee,
            department=department,
            date_from=_d(date_from),
            date_to=_d(date_to),
        )
    )
    write_rows(rows, ["id", "no", "date", "employee", "department", "status", "net", "tax", "total"], fmt)


@claim_app.command("show")
def claim_show(company: Company, ref: str) -> None:
    _show(run(lambda: service.get_claim(uow(), company, _id(company, "expense_claim", ref))))


@claim_app.command("preview")
def claim_preview(company: Company, ref: str) -> None:
    _show(run(lambda: service.preview_claim(uow(), company, _id(company, "expense_claim", ref))))


@claim_app.command("approve")
def claim_approve(
    company: Company,
    ref: str,
    day: Annotated[str | None, typer.Option("--date", help="Default: the claim's")] = None,
) -> None:
    cid = _id(company, "expense_claim", ref)
    _done(run(lambda: service.approve_claim(uow(), company, cid, day=_d(day))))


@claim_app.command("pay")
def claim_pay(
    company: Company,
    ref: str,
    day: Day,
    method: Method = "bank",
    offset: Annotated[str, typer.Option("--offset", help="Employee advances to offset")] = "0",
) -> None:
    cid = _id(company, "expense_claim", ref)
    _done(
        run(
            lambda: service.pay_claim(
                uow(), company, cid, day=date.fromisoformat(day), method=method, offset=offset
            )
        )
    )


@claim_app.command("cancel")
def claim_cancel(company: Company, ref: str) -> None:
    _done(run(lambda: service.cancel_claim(uow(), company, _id(company, "expense_claim", ref))))


@advance_app.command("create")
def advance_create(
    company: Company,
    employee: Annotated[str, typer.Option("--employee")],
    day: Day,
    amount: Annotated[str, typer.Option("--amount")],
    method: Method = "bank",
) -> None:
    _done(
        run(
            lambda: service.create_advance(
                uow(), company, employee=employee, day=date.fromisoformat(day), amount=amount, method=method
            )
        )
    )


@advance_app.command("list")
def advance_list(
    company: Company,
    status: Status = None,
    employee: Employee = None,
    date_from: From = None,
    date_to: To = None,
    fmt: Fmt = "table",
) -> None:
    rows = run(
        lambda: service.list_advances(
            uow(), company, status=status, employee=employee, date_from=_d(date_from), date_to=_d(date_to)
        )
    )
    write_rows(rows, ["id", "no", "date", "employee", "method", "amount", "offset", "open"], fmt)


@advance_app.command("show")
def advance_show(company: Company, ref: str) -> None:
    _show(run(lambda: service.get_advance(uow(), company, _id(company, "employee_advance", ref))))


def register(app: typer.Typer, voucher_app: typer.Typer) -> None:
    app.add_typer(expense_app, name="expense")
