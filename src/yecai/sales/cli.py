"""CLI for sales documents: orders, deliveries, invoices, receipts (create, list, show, state changes,
preview of the voucher a state change would post)."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

import typer

from yecai.cli.common import _, console, run, uow, write_rows
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

Company = Annotated[str, typer.Option("--company", "-c", help="Company code (账套)")]
Fmt = Annotated[str, typer.Option("--format", "-f", help="table | csv | json | xlsx")]
Day = Annotated[str, typer.Option("--date", help="YYYY-MM-DD")]
Status = Annotated[str | None, typer.Option("--status")]
Customer = Annotated[str | None, typer.Option("--customer")]
From = Annotated[str | None, typer.Option("--from", help="From date YYYY-MM-DD")]
To = Annotated[str | None, typer.Option("--to", help="To date YYYY-MM-DD")]


def _d(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _show(doc: dict[str, Any]) -> None:
    print(json.dumps(doc, ensure_ascii=False, indent=2))


def _id(company: str, doc_type: str, ref: str) -> int:
    return run(lambda: service.find_document_id(uow(), company, doc_type, ref))


def _done(doc: dict[str, Any]) -> None:
    vouchers = ", ".join(v["voucher_no"] for v in doc.get("vouchers", []) if v.get("voucher_no"))
    console.print(
        _("{no} {status}", no=doc["no"], status=doc["status"]) + (f"  → {vouchers}" if vouchers else "")
    )


@order_app.command("create")
def order_create(
    company: Company,
    customer: Annotated[str, typer.Option("--customer")],
    day: Day,
    line: Annotated[list[str], typer.Option("--line", help="ITEM:QTY:UNIT_PRICE[:TAX_CODE], repeatable")],
    excl_tax: Annotated[bool, typer.Option("--excl-tax", help="Unit prices exclude VAT")] = False,
) -> None:
    lines = []
    for text in line:
        parts = text.split(":")
        if len(parts) not in (3, 4):
            raise typer.BadParameter(_("--line must be ITEM:QTY:UNIT_PRICE[:TAX_CODE]"))
        lines.append(
            {
                "item": parts[0],
                "qty": parts[1],
                "unit_price": parts[2],
                "tax_code": parts[3] if len(parts) == 4 else None,
            }
        )
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


@order_app.command("list")
def order_list(
    company: Company,
    status: Status = None,
    customer: Customer = None,
    date_from: From = None,
    date_to: To = None,
    fmt: Fmt = "table",
) -> None:
    rows = run(
        lambda: service.list_orders(
            uow(), company, status=status, customer=customer, date_from=_d(date_from), date_to=_d(date_to)
        )
    )
    write_rows(rows, ORDER_COLUMNS, fmt)


@order_app.command("show")
def order_show(company: Company, ref: str) -> None:
    _show(run(lambda: service.get_order(uow(), company, _id(company, "sales_order", ref))))


@order_app.command("cancel")
def order_cancel(company: Company, ref: str) -> None:
    _done(run(lambda: service.cancel_order(uow(), company, _id(company, "sales_order", ref))))


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


@delivery_app.command("confirm")
def delivery_confirm(company: Company, ref: str) -> None:
    _done(run(lambda: service.confirm_delivery(uow(), company, _id(company, "sales_delivery", ref))))


@delivery_app.command("preview")
def delivery_preview(company: Company, ref: str) -> None:
    _show(run(lambda: service.preview_delivery(uow(), company, _id(company, "sales_delivery", ref))))


@delivery_app.command("list")
def delivery_list(
    company: Company,
    status: Status = None,
    customer: Customer = None,
    date_from: From = None,
    date_to: To = None,
    fmt: Fmt = "table",
) -> None:
    rows = run(
        lambda: service.list_deliveries(
            uow(), company, status=status, customer=customer, date_from=_d(date_from), date_to=_d(date_to)
        )
    )
    write_rows(rows, ["id", "no", "date", "order", "customer", "warehouse", "status", "cost"], fmt)


@delivery_app.command("show")
def delivery_show(company: Company, ref: str) -> None:
    _show(run(lambda: service.get_delivery(uow(), company, _id(company, "sales_delivery", ref))))


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


@invoice_app.command("post")
def invoice_post(company: Company, ref: str) -> None:
    _done(run(lambda: service.post_invoice(uow(), company, _id(company, "sales_invoice", ref))))


@invoice_app.command("preview")
def invoice_preview(company: Company, ref: str) -> None:
    _show(run(lambda: service.preview_invoice(uow(), company, _id(company, "sales_invoice", ref))))


@invoice_app.command("list")
def invoice_list(
    company: Company,
    status: Status = None,
    customer: Customer = None,
    date_from: From = None,
    date_to: To = None,
    fmt: Fmt = "table",
) -> None:
    rows = run(
        lambda: service.list_invoices(
            uow(), company, status=status, customer=customer, date_from=_d(date_from), date_to=_d(date_to)
        )
    )
    write_rows(
        rows, ["id", "no", "date", "customer", "status", "net", "tax", "total", "received", "open"], fmt
    )


@invoice_app.command("show")
def invoice_show(company: Company, ref: str) -> None:
    _show(run(lambda: service.get_invoice(uow(), company, _id(company, "sales_invoice", ref))))


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


@receipt_app.command("list")
def receipt_list(
    company: Company,
    status: Status = None,
    customer: Customer = None,
    date_from: From = None,
    date_to: To = None,
    fmt: Fmt = "table",
) -> None:
    rows = run(
        lambda: service.list_receipts(
            uow(), company, status=status, customer=customer, date_from=_d(date_from), date_to=_d(date_to)
        )
    )
    write_rows(rows, ["id", "no", "date", "customer", "invoice", "method", "amount", "status"], fmt)


@receipt_app.command("show")
def receipt_show(company: Company, ref: str) -> None:
    _show(run(lambda: service.get_receipt(uow(), company, _id(company, "sales_receipt", ref))))


def register(app: typer.Typer, voucher_app: typer.Typer) -> None:
    from yecai.sales import cli_returns  # returns, credit notes, credit control under `sales`

    cli_returns.attach(sales_app)
    app.add_typer(sales_app, name="sales")
