"""CLI for purchasing documents: orders, goods receipts, vendor bills, payments, returns (create,
list, show, state changes, previews), the three-way-match tolerances, and `yecai report
ap-balances` (往来余额表 of suppliers) added to the ledger's report group.

ap-balances CSV header (a contract): supplier,name,period,opening,period_debit,period_credit,closing
— balances payable (credit on 2202) are positive."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from yecai.cli.common import _, console, err_console, run, uow, write_rows
from yecai.cli.documents import (
    Company,
    Day,
    DocumentCommands,
    ExclTax,
    Fmt,
    PriceLines,
    Status,
    parse_day,
    price_lines,
)
from yecai.cli.documents import done as _done
from yecai.cli.documents import show as _show
from yecai.core.money import format_minor
from yecai.purchasing import service

purchase_app = typer.Typer(help="采购 Purchasing documents", no_args_is_help=True)
order_app = typer.Typer(help="采购订单 Purchase orders", no_args_is_help=True)
receipt_app = typer.Typer(help="收货单 Goods receipts (暂估入库)", no_args_is_help=True)
bill_app = typer.Typer(help="采购发票 Vendor bills", no_args_is_help=True)
payment_app = typer.Typer(help="付款单 Payments", no_args_is_help=True)
return_app = typer.Typer(help="采购退货 Purchase returns", no_args_is_help=True)
purchase_app.add_typer(order_app, name="order")
purchase_app.add_typer(receipt_app, name="receipt")
purchase_app.add_typer(bill_app, name="bill")
purchase_app.add_typer(payment_app, name="payment")
purchase_app.add_typer(return_app, name="return")

Supplier = Annotated[str | None, typer.Option("--supplier")]
FILTERS = [("status", Status), ("supplier", Supplier)]
docs = DocumentCommands(service.find_document_id)
_id = docs.id
AP_COLUMNS = ["supplier", "name", "period", "opening", "period_debit", "period_credit", "closing"]


def _pairs(line: list[str] | None) -> list[tuple[int, str]] | None:
    if not line:
        return None
    out = []
    for t in line:
        parts = t.split(":")
        if len(parts) != 2:
            raise typer.BadParameter(_("--line must be LINE_NO:QTY"))
        out.append((int(parts[0]), parts[1]))
    return out


@purchase_app.command("settings")
def settings(
    company: Company,
    qty_tolerance: Annotated[str | None, typer.Option("--qty-tolerance", help="Percent, e.g. 5")] = None,
    price_tolerance: Annotated[str | None, typer.Option("--price-tolerance", help="Percent, e.g. 2")] = None,
) -> None:
    """Three-way-match tolerances (quantity and price, percent)."""
    _show(
        run(
            lambda: service.set_settings(
                uow(), company, qty_tolerance=qty_tolerance, price_tolerance=price_tolerance
            )
        )
    )


@order_app.command("create")
def order_create(
    company: Company,
    supplier: Annotated[str, typer.Option("--supplier")],
    day: Day,
    line: PriceLines,
    excl_tax: ExclTax = False,
) -> None:
    lines = price_lines(line)
    o = run(
        lambda: service.create_order(
            uow(),
            company,
            supplier=supplier,
            day=date.fromisoformat(day),
            lines=lines,
            prices_include_tax=not excl_tax,
        )
    )
    console.print(_("Order {no} created, total {total}", no=o["no"], total=o["total"]))


ORDER_COLUMNS = ["id", "no", "date", "supplier", "status", "net", "tax", "total"]
docs.listing(order_app, service.list_orders, ORDER_COLUMNS, FILTERS, function="order_list")
docs.show(order_app, "show", service.get_order, "purchase_order", function="order_show")
docs.change(order_app, "cancel", service.cancel_order, "purchase_order", function="order_cancel")


@receipt_app.command("create")
def receipt_create(
    company: Company,
    order: Annotated[str, typer.Option("--order", help="Order id or number")],
    warehouse: Annotated[str, typer.Option("--warehouse")],
    day: Day,
    line: Annotated[
        list[str] | None, typer.Option("--line", help="ORDER_LINE_NO:QTY (default: all remaining)")
    ] = None,
    draft: Annotated[bool, typer.Option("--draft", help="Save without posting")] = False,
) -> None:
    lines = _pairs(line)
    oid = _id(company, "purchase_order", order)
    _done(
        run(
            lambda: service.create_receipt(
                uow(),
                company,
                order_id=oid,
                day=date.fromisoformat(day),
                warehouse=warehouse,
                lines=lines,
                post=not draft,
            )
        )
    )


docs.change(receipt_app, "post", service.post_receipt, "purchase_receipt", function="receipt_post")
docs.show(receipt_app, "preview", service.preview_receipt, "purchase_receipt", function="receipt_preview")
RECEIPT_COLUMNS = ["id", "no", "date", "order", "supplier", "warehouse", "status", "cost"]
docs.listing(receipt_app, service.list_receipts, RECEIPT_COLUMNS, FILTERS, function="receipt_list")
docs.show(receipt_app, "show", service.get_receipt, "purchase_receipt", function="receipt_show")


EXPENSE_KEYS = (
    "category",
    "department",
    "project",
    "item",
    "qty",
    "net",
    "tax",
    "total",
    "tax_code",
    "description",
)


def _expense_line(text: str) -> dict[str, Any]:
    """'category=办公费,department=D01,net=1000,tax_code=IN13' → a bill line without an order."""
    out: dict[str, Any] = {}
    for part in text.replace("，", ",").split(","):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        key = key.strip()
        if not sep or key not in EXPENSE_KEYS:
            raise typer.BadParameter(
                _(
                    "--expense must be KEY=VALUE pairs separated by commas; keys: {keys}",
                    keys=", ".join(EXPENSE_KEYS),
                )
            )
        out[key] = value.strip()
    if not out.get("category") and not out.get("item"):
        raise typer.BadParameter(_("--expense needs category= (or item= of a service)"))
    return out


LineOpt = Annotated[
    list[str] | None,
    typer.Option("--line", help="ORDER:LINE_NO:QTY[:UNIT_PRICE[:TAX_CODE]], repeatable"),
]
ExpenseOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--expense",
        help="A line without an order, repeatable: "
        "category=办公费,department=D01,net=1000[,tax=130][,total=…][,tax_code=IN13]"
        "[,project=P1][,item=SV][,qty=1][,description=…]",
    ),
]


def _bill_lines(
    company: str, line: list[str] | None, expense: list[str] | None
) -> list[dict[str, Any]] | None:
    if not line and not expense:
        return None
    lines: list[dict[str, Any]] = []
    for text in line or []:
        parts = text.split(":")
        if len(parts) not in (3, 4, 5):
            raise typer.BadParameter(_("--line must be ORDER:LINE_NO:QTY[:UNIT_PRICE[:TAX_CODE]]"))
        lines.append(
            {
                "order_id": _id(company, "purchase_order", parts[0]),
                "line_no": int(parts[1]),
                "qty": parts[2],
                "unit_price": parts[3] if len(parts) > 3 and parts[3] else None,
                "tax_code": parts[4] if len(parts) > 4 else None,
            }
        )
    lines += [_expense_line(text) for text in expense or []]
    return lines


@bill_app.command("create")
def bill_create(
    company: Company,
    supplier: Annotated[str, typer.Option("--supplier")],
    day: Day,
    order: Annotated[
        list[str] | None,
        typer.Option("--order", help="Order id or number, repeatable: bills all received, not yet billed"),
    ] = None,
    line: LineOpt = None,
    expense: ExpenseOpt = None,
    invoice_no: Annotated[str, typer.Option("--invoice-no", help="The supplier's invoice number")] = "",
    draft: Annotated[bool, typer.Option("--draft", help="Save without posting")] = False,
) -> None:
    """A vendor bill over orders (--order, --line), without an order (--expense: rent, utilities,
    services …), or both."""
    ids = [_id(company, "purchase_order", o) for o in order or []]
    lines = _bill_lines(company, line, expense)
    _done(
        run(
            lambda: service.create_bill(
                uow(),
                company,
                supplier=supplier,
                day=date.fromisoformat(day),
                orders=ids,
                lines=lines,
                invoice_no=invoice_no,
                post=not draft,
            )
        )
    )


@bill_app.command("update")
def bill_update(
    company: Company,
    ref: str,
    line: LineOpt = None,
    expense: ExpenseOpt = None,
    day: Annotated[str | None, typer.Option("--date", help="YYYY-MM-DD")] = None,
    invoice_no: Annotated[str | None, typer.Option("--invoice-no")] = None,
) -> None:
    """Correct a draft bill (one drafted from an intake invoice, say): its lines are replaced by
    --line / --expense; --date and --invoice-no change when given."""
    bid = _id(company, "vendor_bill", ref)
    lines = _bill_lines(company, line, expense) or []
    _done(
        run(
            lambda: service.update_bill(
                uow(), company, bid, lines=lines, day=parse_day(day), invoice_no=invoice_no
            )
        )
    )


docs.change(bill_app, "post", service.post_bill, "vendor_bill", function="bill_post")
docs.show(bill_app, "preview", service.preview_bill, "vendor_bill", function="bill_preview")
BILL_COLUMNS = ["id", "no", "date", "supplier", "invoice_no", "status", "net", "tax", "total", "paid", "open"]
docs.listing(bill_app, service.list_bills, BILL_COLUMNS, FILTERS, function="bill_list")
docs.show(bill_app, "show", service.get_bill, "vendor_bill", function="bill_show")


@payment_app.command("create")
def payment_create(
    company: Company,
    supplier: Annotated[str, typer.Option("--supplier")],
    day: Day,
    amount: Annotated[str, typer.Option("--amount")],
    bill: Annotated[str | None, typer.Option("--bill", help="Bill id or number")] = None,
    method: Annotated[str, typer.Option("--method", help="bank | cash")] = "bank",
) -> None:
    bid = _id(company, "vendor_bill", bill) if bill else None
    _done(
        run(
            lambda: service.create_payment(
                uow(),
                company,
                supplier=supplier,
                day=date.fromisoformat(day),
                amount=amount,
                bill_id=bid,
                method=method,
            )
        )
    )


PAYMENT_COLUMNS = ["id", "no", "date", "supplier", "bill", "method", "amount", "status"]
docs.listing(payment_app, service.list_payments, PAYMENT_COLUMNS, FILTERS, function="payment_list")
docs.show(payment_app, "show", service.get_payment, "purchase_payment", function="payment_show")


@return_app.command("create")
def return_create(
    company: Company,
    receipt: Annotated[str, typer.Option("--receipt", help="Goods receipt id or number")],
    day: Day,
    line: Annotated[
        list[str] | None, typer.Option("--line", help="RECEIPT_LINE_NO:QTY (default: all returnable)")
    ] = None,
) -> None:
    lines = _pairs(line)
    rid = _id(company, "purchase_receipt", receipt)
    _done(
        run(
            lambda: service.create_return(
                uow(), company, receipt_id=rid, day=date.fromisoformat(day), lines=lines
            )
        )
    )


RETURN_COLUMNS = ["id", "no", "date", "receipt", "supplier", "warehouse", "status", "cost"]
docs.listing(return_app, service.list_returns, RETURN_COLUMNS, FILTERS, function="return_list")
docs.show(return_app, "show", service.get_return, "purchase_return", function="return_show")


def ap_balances(
    company: Company,
    period: Annotated[
        str | None, typer.Option("--period", "-p", help="Period YYYY-MM (default: the latest)")
    ] = None,
    fmt: Fmt = "table",
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout")
    ] = None,
) -> None:
    """往来余额表 Payables per supplier (2202): opening, period debit and credit, closing."""
    if fmt == "xlsx" and out is None:
        err_console.print(_("XLSX output needs --out FILE"))
        raise typer.Exit(2)
    reader = uow()
    reader.readonly = True  # a report only reads: no write lock while it runs
    rows = run(lambda: service.ap_balances(reader, company, period=period))
    money = AP_COLUMNS[3:]
    data = [{**r, **{k: format_minor(r[k]) for k in money}} for r in rows]
    headers = [
        _("Code"),
        _("Name"),
        _("Period"),
        _("Opening balance"),
        _("Period debit"),
        _("Period credit"),
        _("Closing balance"),
    ]
    write_rows(
        data,
        AP_COLUMNS,
        fmt,
        out=out,
        title=_("Payables"),
        headers=headers if fmt in ("table", "xlsx") else None,
    )


def register(app: typer.Typer, voucher_app: typer.Typer) -> None:
    from yecai.ledger.cli_reports import report_app

    app.add_typer(purchase_app, name="purchase")
    report_app.command("ap-balances")(ap_balances)
