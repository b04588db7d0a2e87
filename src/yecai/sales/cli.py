"""CLI for sales documents: orders, deliveries, invoices, receipts (create, list, show, state changes,
preview of the voucher a state change would post)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from yecai.cli.common import _, console, run, uow
from yecai.cli.documents import Company, Day, DocumentCommands, ExclTax, PriceLines, Status, price_lines
from yecai.cli.documents import done as _done
from yecai.sales import service

sales_app = typer.Typer(help="销售 Sales documents", no_args_is_help=True)
order_app = typer.Typer(help="销售订单 Sales orders", no_args_is_help=True)
delivery_app = typer.Typer(help="发货单 Deliveries", no_args_is_help=True)
invoice_app = typer.Typer(help="销售发票 Sales invoices", no_args_is_help=True)
receipt_app = typer.Typer(help="收款单 Receipts", no_args_is_help=True)
sales_app.add_typer(order_app, name="order")
sales_app.add_typer(delivery_app, name="delivery")
sales_app.add_typer(invoice_app, name="invoice")
sales_app.add_typer(receipt_app, name="receipt")

Customer = Annotated[str | None, typer.Option("--customer")]
FILTERS = [("status", Status), ("customer", Customer)]
docs = DocumentCommands(service.find_document_id)
_id = docs.id


@order_app.command("create")
def order_create(
    company: Company,
    customer: Annotated[str, typer.Option("--customer")],
    day: Day,
    line: PriceLines,
    excl_tax: ExclTax = False,
) -> None:
    lines = price_lines(line)
    o = run(
        lambda: service.create_order(
            uow(),
            company,
            customer=customer,
            day=date.fromisoformat(day),
            lines=lines,
            prices_include_tax=not excl_tax,
        )
    )
    console.print(_("Order {no} created, total {total}", no=o["no"], total=o["total"]))


ORDER_COLUMNS = ["id", "no", "date", "customer", "status", "net", "tax", "total"]
docs.listing(order_app, service.list_orders, ORDER_COLUMNS, FILTERS, function="order_list")
docs.show(order_app, "show", service.get_order, "sales_order", function="order_show")
docs.change(order_app, "cancel", service.cancel_order, "sales_order", function="order_cancel")


@delivery_app.command("create")
def delivery_create(
    company: Company,
    order: Annotated[str, typer.Option("--order", help="Order id or number")],
    warehouse: Annotated[str, typer.Option("--warehouse")],
    day: Day,
    line: Annotated[
        list[str] | None, typer.Option("--line", help="ORDER_LINE_NO:QTY (default: all remaining)")
    ] = None,
    draft: Annotated[bool, typer.Option("--draft", help="Save without confirming")] = False,
) -> None:
    lines = [(int(t.split(":")[0]), t.split(":")[1]) for t in line] if line else None
    oid = _id(company, "sales_order", order)
    _done(
        run(
            lambda: service.create_delivery(
                uow(),
                company,
                order_id=oid,
                day=date.fromisoformat(day),
                warehouse=warehouse,
                lines=lines,
                confirm=not draft,
            )
        )
    )


docs.change(delivery_app, "confirm", service.confirm_delivery, "sales_delivery", function="delivery_confirm")
docs.show(delivery_app, "preview", service.preview_delivery, "sales_delivery", function="delivery_preview")
DELIVERY_COLUMNS = ["id", "no", "date", "order", "customer", "warehouse", "status", "cost"]
docs.listing(delivery_app, service.list_deliveries, DELIVERY_COLUMNS, FILTERS, function="delivery_list")
docs.show(delivery_app, "show", service.get_delivery, "sales_delivery", function="delivery_show")


@invoice_app.command("create")
def invoice_create(
    company: Company,
    customer: Annotated[str, typer.Option("--customer")],
    day: Day,
    order: Annotated[
        list[str],
        typer.Option(
            "--order", help="Order id or number, repeatable: invoices all delivered, not yet invoiced"
        ),
    ],
    draft: Annotated[bool, typer.Option("--draft", help="Save without posting")] = False,
) -> None:
    ids = [_id(company, "sales_order", o) for o in order]
    _done(
        run(
            lambda: service.create_invoice(
                uow(), company, customer=customer, day=date.fromisoformat(day), orders=ids, post=not draft
            )
        )
    )


docs.change(invoice_app, "post", service.post_invoice, "sales_invoice", function="invoice_post")
docs.show(invoice_app, "preview", service.preview_invoice, "sales_invoice", function="invoice_preview")
INVOICE_COLUMNS = ["id", "no", "date", "customer", "status", "net", "tax", "total", "received", "open"]
docs.listing(invoice_app, service.list_invoices, INVOICE_COLUMNS, FILTERS, function="invoice_list")
docs.show(invoice_app, "show", service.get_invoice, "sales_invoice", function="invoice_show")


@receipt_app.command("create")
def receipt_create(
    company: Company,
    customer: Annotated[str, typer.Option("--customer")],
    day: Day,
    amount: Annotated[str, typer.Option("--amount")],
    invoice: Annotated[str | None, typer.Option("--invoice", help="Invoice id or number")] = None,
    method: Annotated[str, typer.Option("--method", help="bank | cash")] = "bank",
) -> None:
    inv = _id(company, "sales_invoice", invoice) if invoice else None
    _done(
        run(
            lambda: service.create_receipt(
                uow(),
                company,
                customer=customer,
                day=date.fromisoformat(day),
                amount=amount,
                invoice_id=inv,
                method=method,
            )
        )
    )


RECEIPT_COLUMNS = ["id", "no", "date", "customer", "invoice", "method", "amount", "status"]
docs.listing(receipt_app, service.list_receipts, RECEIPT_COLUMNS, FILTERS, function="receipt_list")
docs.show(receipt_app, "show", service.get_receipt, "sales_receipt", function="receipt_show")


def register(app: typer.Typer, voucher_app: typer.Typer) -> None:
    from yecai.sales import cli_returns  # returns, credit notes, credit control under `sales`

    cli_returns.attach(sales_app)
    app.add_typer(sales_app, name="sales")
