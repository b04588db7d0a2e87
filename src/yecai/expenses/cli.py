"""CLI for expenses: `yecai expense claim create|list|show|preview|approve|pay|cancel`,
`yecai expense advance create|list|show` and `yecai expense department-kind`."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from yecai.cli.common import _, run, uow
from yecai.cli.documents import Company, Day, DocumentCommands, Status, parse_day
from yecai.cli.documents import done as _done
from yecai.cli.documents import show as _show
from yecai.expenses import service

expense_app = typer.Typer(help="费用报销 Expense claims and employee advances", no_args_is_help=True)
claim_app = typer.Typer(help="报销单 Expense claims", no_args_is_help=True)
advance_app = typer.Typer(help="备用金 Employee advances", no_args_is_help=True)
expense_app.add_typer(claim_app, name="claim")
expense_app.add_typer(advance_app, name="advance")

Employee = Annotated[str | None, typer.Option("--employee")]
Department = Annotated[str | None, typer.Option("--department")]
Method = Annotated[str, typer.Option("--method", help="bank | cash")]


docs = DocumentCommands(service.find_document_id)
_id = docs.id


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


CLAIM_COLUMNS = ["id", "no", "date", "employee", "department", "status", "net", "tax", "total"]
CLAIM_FILTERS = [("status", Status), ("employee", Employee), ("department", Department)]
docs.listing(claim_app, service.list_claims, CLAIM_COLUMNS, CLAIM_FILTERS, function="claim_list")
docs.show(claim_app, "show", service.get_claim, "expense_claim", function="claim_show")
docs.show(claim_app, "preview", service.preview_claim, "expense_claim", function="claim_preview")


@claim_app.command("approve")
def claim_approve(
    company: Company,
    ref: str,
    day: Annotated[str | None, typer.Option("--date", help="Default: the claim's")] = None,
) -> None:
    cid = _id(company, "expense_claim", ref)
    _done(run(lambda: service.approve_claim(uow(), company, cid, day=parse_day(day))))


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


docs.change(claim_app, "cancel", service.cancel_claim, "expense_claim", function="claim_cancel")


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


ADVANCE_COLUMNS = ["id", "no", "date", "employee", "method", "amount", "offset", "open"]
ADVANCE_FILTERS = [("status", Status), ("employee", Employee)]
docs.listing(advance_app, service.list_advances, ADVANCE_COLUMNS, ADVANCE_FILTERS, function="advance_list")
docs.show(advance_app, "show", service.get_advance, "employee_advance", function="advance_show")


def register(app: typer.Typer, voucher_app: typer.Typer) -> None:
    app.add_typer(expense_app, name="expense")
