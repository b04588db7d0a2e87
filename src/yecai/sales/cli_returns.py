"""CLI for sales returns (销售退货), red credit notes (红字发票) and credit control (信用控制):
create, list, show; approve or reject orders held over the credit limit; holds and the mode."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from yecai.cli.common import _, console, run, uow, write_rows
from yecai.cli.documents import Company, Day, DocumentCommands, Fmt
from yecai.cli.documents import done as _done
from yecai.cli.documents import show as _show
from yecai.sales import credit, returns
from yecai.sales import service as sales
from yecai.sales.cli import Customer, _id

return_app = typer.Typer(help="销售退货 Sales returns", no_args_is_help=True)
credit_note_app = typer.Typer(help="红字发票 Red credit notes", no_args_is_help=True)
credit_app = typer.Typer(help="信用控制 Credit control: approvals, holds, exposure", no_args_is_help=True)

Reason = Annotated[str, typer.Option("--reason", help="Why (kept on the document, max 200)")]
Note = Annotated[str, typer.Option("--note", help="Kept in the audit log (max 200)")]
RETURN_COLUMNS = ["id", "no", "date", "delivery", "customer", "warehouse", "status", "cost", "reason"]
CREDIT_NOTE_COLUMNS = ["id", "no", "date", "invoice", "customer", "status", "net", "tax", "total", "reason"]
PENDING_COLUMNS = ["id", "no", "date", "customer", "status", "total"]


def _lines(texts: list[str] | None, what: str) -> list[tuple[int, str]] | None:
    """``LINE_NO:QTY`` options → (line no, qty); None (everything remaining) when not given."""
    if not texts:
        return None
    out = []
    for text in texts:
        no, sep, qty = text.partition(":")
        if not sep or not no.strip().isdigit() or not qty.strip():
            raise typer.BadParameter(_("--line must be {what}:QTY, not {text!r}", what=what, text=text))
        out.append((int(no), qty.strip()))
    return out


docs = DocumentCommands(returns.find_id)


# --- returns -------------------------------------------------------------------------------------


@return_app.command("create")
def return_create(
    company: Company,
    delivery: Annotated[str, typer.Option("--delivery", help="Delivery id or number")],
    day: Day,
    line: Annotated[
        list[str] | None, typer.Option("--line", help="DELIVERY_LINE_NO:QTY (default: all not yet returned)")
    ] = None,
    warehouse: Annotated[
        str | None, typer.Option("--warehouse", help="Into this warehouse (default: the delivery's)")
    ] = None,
    reason: Reason = "",
) -> None:
    """Goods come back against a confirmed delivery: stock in at the delivery's cost (posted at once)."""
    lines = _lines(line, "DELIVERY_LINE_NO")
    did = _id(company, "sales_delivery", delivery)
    _done(
        run(
            lambda: returns.create_return(
                uow(),
                company,
                delivery_id=did,
                day=date.fromisoformat(day),
                lines=lines,
                warehouse=warehouse,
                reason=reason,
            )
        )
    )


docs.listing(
    return_app, returns.list_returns, RETURN_COLUMNS, [("customer", Customer)], function="return_list"
)
docs.show(return_app, "show", returns.get_return, "sales_return", function="return_show")


# --- red credit notes ----------------------------------------------------------------------------


@credit_note_app.command("create")
def credit_note_create(
    company: Company,
    invoice: Annotated[str, typer.Option("--invoice", help="Invoice id or number")],
    day: Day,
    line: Annotated[
        list[str] | None, typer.Option("--line", help="INVOICE_LINE_NO:QTY (default: all not yet credited)")
    ] = None,
    reason: Reason = "",
) -> None:
    """A red credit note against a posted invoice: receivable, revenue and output VAT in red."""
    lines = _lines(line, "INVOICE_LINE_NO")
    iid = _id(company, "sales_invoice", invoice)
    _done(
        run(
            lambda: returns.create_credit_note(
                uow(), company, invoice_id=iid, day=date.fromisoformat(day), lines=lines, reason=reason
            )
        )
    )


docs.listing(
    credit_note_app,
    returns.list_credit_notes,
    CREDIT_NOTE_COLUMNS,
    [("customer", Customer)],
    function="credit_note_list",
)
docs.show(credit_note_app, "show", returns.get_credit_note, "sales_credit_note", function="credit_note_show")


# --- credit control ------------------------------------------------------------------------------


@credit_app.command("show")
def credit_show(company: Company, customer: str) -> None:
    """A customer's limit, terms, hold, exposure and what is still available."""
    _show(run(lambda: credit.customer_credit(uow(), company, customer)))


@credit_app.command("pending")
def credit_pending(company: Company, fmt: Fmt = "table") -> None:
    """Orders held over the credit limit, waiting for approval."""
    rows = run(lambda: sales.list_orders(uow(), company, status="pending_approval"))
    write_rows(rows, PENDING_COLUMNS, fmt)


@credit_app.command("approve")
def credit_approve(company: Company, order: str, note: Note = "") -> None:
    """Release an order held over the credit limit (finance manager)."""
    oid = _id(company, "sales_order", order)
    _done(run(lambda: credit.approve_order(uow(), company, oid, note=note)))


@credit_app.command("reject")
def credit_reject(company: Company, order: str, note: Note = "") -> None:
    """Refuse an order held over the credit limit: it is cancelled."""
    oid = _id(company, "sales_order", order)
    _done(run(lambda: credit.reject_order(uow(), company, oid, note=note)))


@credit_app.command("hold")
def credit_hold(company: Company, customer: str, reason: Reason = "") -> None:
    """Put a customer on credit hold (no orders, no deliveries)."""
    out = run(lambda: credit.set_credit_hold(uow(), company, customer, on_hold=True, reason=reason))
    console.print(_("Customer {customer} is on credit hold", customer=out["customer"]))


@credit_app.command("release")
def credit_release(company: Company, customer: str) -> None:
    """Release a customer's credit hold."""
    out = run(lambda: credit.set_credit_hold(uow(), company, customer, on_hold=False))
    console.print(_("Customer {customer} is released from credit hold", customer=out["customer"]))


@credit_app.command("control")
def credit_control(
    company: Company, mode: Annotated[str, typer.Argument(help="refuse | approve | off")]
) -> None:
    """What an order over the credit limit does: refused, held for approval, or not checked."""
    out = run(lambda: credit.set_credit_control(uow(), company, mode))
    console.print(_("Credit control: {mode}", mode=out["credit_control"]))


def attach(sales_app: typer.Typer) -> None:
    sales_app.add_typer(return_app, name="return")
    sales_app.add_typer(credit_note_app, name="credit-note")
    sales_app.add_typer(credit_app, name="credit")
