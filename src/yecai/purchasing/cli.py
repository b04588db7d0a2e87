"""CLI for purchasing documents: orders, goods receipts, vendor bills, payments, returns (create,
list, show, state changes, previews), the three-way-match tolerances, and `yecai report
ap-balances` (往来余额表 of suppliers) added to the ledger's report group.

ap-balances CSV header (a contract): supplier,name,period,opening,period_debit,period_credit,closing
— balances payable (credit on 2202) are positive."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from yecai.cli.common import _, console, err_console, run, uow, write_rows
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

Company = Annotated[str, typer.Option("--company", "-c", help="Company code (账套)")]
Fmt = Annotated[str, typer.Option("--format", "-f", help="table | csv | json | xlsx")]
Day = Annotated[str, typer.Option("--date", help="YYYY-MM-DD")]
Status = Annotated[str | None, typer.Option("--status")]
Supplier = Annotated[str | None, typer.Option("--supplier")]
From = Annotated[str | None, typer.Option("--from", help="From date YYYY-MM-DD")]
To = Annotated[str | None, typer.Option("--to", help="To date YYYY-MM-DD")]
AP_COLUMNS = ["supplier", "name", "period", "opening", "period_debit", "period_credit", "closing"]


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


def _filters(
    status: str | None, supplier: str | None, date_from: str | None, date_to: str | None
) -> dict[str, Any]:
    return {"status": status, "supplier": supplier, "date_from": _d(date_from), "date_to": _d(date_to)}


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
            supplier=supplier,
            day=date.fromisoformat(day),
            lines=lines,
            prices_include_tax=not excl_tax,
        )
    )
    console.print(_("Order {no} created, total {total}", no=o["no"], total=o["total"]))


@order_app.command("list")
def order_list(
    company: Company,
    status: Status = None,
    supplier: Supplier = None,
    date_from: From = None,
    date_to: To = None,
    fmt: Fmt = "table",
) -> None:
    rows = run(lambda: service.list_orders(uow(), company, **_filters(status, supplier, date_from, date_to)))
    write_rows(rows, ["id", "no", "date", "supplier", "status", "net", "tax", "total"], fmt)


@order_app.command("show")
def order_show(company: Company, ref: str) -> None:
    _show(run(lambda: service.get_order(uow(), company, _id(company, "purchase_order", ref))))


@order_app.command("cancel")
def order_cancel(company: Company, ref: str) -> None:
    _done(run(lambda: service.cancel_order(uow(), company, _id(company, "purchase_order", ref))))


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


@receipt_app.command("post")
def receipt_post(company: Company, ref: str) -> None:
    _done(run(lambda: service.post_receipt(uow(), company, _id(company, "purchase_receipt", ref))))


@receipt_app.command("preview")
def receipt_preview(company: Company, ref: str) -> None:
    _show(run(lambda: service.preview_receipt(uow(), company, _id(company, "purchase_receipt", ref))))


@receipt_app.command("list")
def receipt_list(
    company: Company,
    status: Status = None,
    supplier: Supplier = None,
    date_from: From = None,
    date_to: To = None,
    fmt: Fmt = "table",
) -> None:
    rows = run(
        lambda: service.list_receipts(uow(), company, **_filters(status, supplier, date_from, date_to))
    )
    write_rows(rows, ["id", "no", "date", "order", "supplier", "warehouse", "status", "cost"], fmt)


@receipt_app.command("show")
def receipt_show(company: Company, ref: str) -> None:
    _show(run(lambda: service.get_receipt(uow(), company, _id(company, "purchase_receipt", ref))))


@bill_app.command("create")
def bill_create(
    company: Company,
    supplier: Annotated[str, typer.Option("--supplier")],
    day: Day,
    order: Annotated[
        list[str] | None,
        typer.Option("--order", help="Order id or number, repeatable: bills all received, not yet billed"),
    ] = None,
    line: Annotated[
        list[str] | None,
        typer.Option("--line", help="ORDER:LINE_NO:QTY[:UNIT_PRICE[:TAX_CODE]], repeatable"),
    ] = None,
    invoice_no: Annotated[str, typer.Option("--invoice-no", help="The supplier's invoice number")] = "",
    draft: Annotated[bool, typer.Option("--draft", help="Save without posting")] = False,
) -> None:
    ids = [_id(company, "purchase_order", o) for o in order or []]
    lines: list[dict[str, Any]] | None = None
    if line:
        lines = []
        for text in line:
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


@bill_app.command("post")
def bill_post(company: Company, ref: str) -> None:
    _done(run(lambda: service.post_bill(uow(), company, _id(company, "vendor_bill", ref))))


@bill_app.command("preview")
def bill_preview(company: Company, ref: str) -> None:
    _show(run(lambda: service.preview_bill(uow(), company, _id(company, "vendor_bill", ref))))


@bill_app.command("list")
def bill_list(
    company: Company,
    status: Status = None,
    supplier: Supplier = None,
    date_from: From = None,
    date_to: To = None,
    fmt: Fmt = "table",
) -> None:
    rows = run(lambda: service.list_bills(uow(), company, **_filters(status, supplier, date_from, date_to)))
    write_rows(
        rows,
        ["id", "no", "date", "supplier", "invoice_no", "status", "net", "tax", "total", "paid", "open"],
        fmt,
    )


@bill_app.command("show")
def bill_show(company: Company, ref: str) -> None:
    _show(run(lambda: service.get_bill(uow(), company, _id(company, "vendor_bill", ref))))


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


@payment_app.command("list")
def payment_list(
    company: Company,
    status: Status = None,
    supplier: Supplier = None,
    date_from: From = None,
    date_to: To = None,
    fmt: Fmt = "table",
) -> None:
    rows = run(
        lambda: service.list_payments(uow(), company, **_filters(status, supplier, date_from, date_to))
    )
    write_rows(rows, ["id", "no", "date", "supplier", "bill", "method", "amount", "status"], fmt)


@payment_app.command("show")
def payment_show(company: Company, ref: str) -> None:
    _show(run(lambda: service.get_payment(uow(), company, _id(company, "purchase_payment", ref))))


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


@return_app.command("list")
def return_list(
    company: Company,
    status: Status = None,
    supplier: Supplier = None,
    date_from: From = None,
    date_to: To = None,
    fmt: Fmt = "table",
) -> None:
    rows = run(lambda: service.list_returns(uow(), company, **_filters(status, supplier, date_from, date_to)))
    write_rows(rows, ["id", "no", "date", "receipt", "supplier", "warehouse", "status", "cost"], fmt)


@return_app.command("show")
def return_show(company: Company, ref: str) -> None:
    _show(run(lambda: service.get_return(uow(), company, _id(company, "purchase_return", ref))))


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
