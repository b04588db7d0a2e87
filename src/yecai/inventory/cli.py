"""CLI for stock: receipts (入库单), transfers (调拨单), counts (盘点单), the month-end cost run,
on-hand, company settings, and `yecai report stock-valuation` (库存余额表)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from yecai.cli.common import _, console, run, uow, write_rows
from yecai.cli.documents import Company, Fmt, show
from yecai.inventory import documents, service

stock_app = typer.Typer(help="库存 Stock", no_args_is_help=True)


def _lines(lines: list[str]) -> list[tuple[str, str, str]]:
    out = []
    for text in lines:
        parts = text.split(":")
        if len(parts) != 3:
            raise typer.BadParameter(_("--line must be ITEM:QTY:COST"))
        out.append((parts[0], parts[1], parts[2]))
    return out


@stock_app.command("receive")
def receive(
    company: Company,
    supplier: Annotated[str, typer.Option("--supplier")],
    warehouse: Annotated[str, typer.Option("--warehouse")],
    day: Annotated[str, typer.Option("--date", help="YYYY-MM-DD")],
    line: Annotated[list[str], typer.Option("--line", help="ITEM:QTY:TOTAL_COST, repeatable")],
    draft: Annotated[bool, typer.Option("--draft", help="Save without posting")] = False,
) -> None:
    """入库单: stock in at cost, posted through the rules (Dr 1405 / Cr 2202 by default)."""
    r = run(
        lambda: service.create_stock_receipt(
            uow(),
            company,
            supplier=supplier,
            warehouse=warehouse,
            day=date.fromisoformat(day),
            lines=_lines(line),
            post=not draft,
        )
    )
    console.print(
        _("Stock receipt {no} {status}, total {total}", no=r["no"], status=r["status"], total=r["total"])
    )


@stock_app.command("post")
def post(company: Company, receipt_id: int) -> None:
    r = run(lambda: service.post_stock_receipt(uow(), company, receipt_id))
    console.print(
        _("Stock receipt {no} {status}, total {total}", no=r["no"], status=r["status"], total=r["total"])
    )


@stock_app.command("receipts")
def receipts(
    company: Company,
    status: Annotated[str | None, typer.Option("--status")] = None,
    supplier: Annotated[str | None, typer.Option("--supplier")] = None,
    fmt: Fmt = "table",
) -> None:
    rows = run(lambda: service.list_stock_receipts(uow(), company, status=status, supplier=supplier))
    write_rows(rows, ["id", "no", "date", "supplier", "warehouse", "status", "total"], fmt)


@stock_app.command("receipt")
def receipt(company: Company, receipt_id: int) -> None:
    show(run(lambda: service.get_stock_receipt(uow(), company, receipt_id)))


@stock_app.command("on-hand")
def on_hand(
    company: Company,
    item: Annotated[str | None, typer.Option("--item")] = None,
    warehouse: Annotated[str | None, typer.Option("--warehouse")] = None,
    fmt: Fmt = "table",
) -> None:
    """库存余额: quantity, value and average unit cost per item and warehouse."""
    rows = run(lambda: service.on_hand(uow(), company, item=item, warehouse=warehouse))
    write_rows(rows, ["item", "name", "unit", "warehouse", "qty", "value", "unit_cost"], fmt)


@stock_app.command("settings")
def settings(
    company: Company,
    allow_negative: Annotated[bool | None, typer.Option("--allow-negative/--forbid-negative")] = None,
    costing: Annotated[str | None, typer.Option("--costing", help="moving_average | monthly_average")] = None,
) -> None:
    out = run(lambda: service.set_settings(uow(), company, allow_negative=allow_negative, costing=costing))
    console.print(json.dumps(out, ensure_ascii=False))


def _pairs(lines: list[str], what: str) -> list[tuple[str, str]]:
    out = []
    for text in lines:
        parts = text.split(":")
        if len(parts) != 2:
            raise typer.BadParameter(_("--line must be ITEM:{what}", what=what))
        out.append((parts[0], parts[1]))
    return out


@stock_app.command("transfer")
def transfer(
    company: Company,
    from_warehouse: Annotated[str, typer.Option("--from")],
    to_warehouse: Annotated[str, typer.Option("--to")],
    day: Annotated[str, typer.Option("--date", help="YYYY-MM-DD")],
    line: Annotated[list[str], typer.Option("--line", help="ITEM:QTY, repeatable")],
) -> None:
    """调拨单: move stock between warehouses at its cost."""
    t = run(
        lambda: documents.create_transfer(
            uow(),
            company,
            from_warehouse=from_warehouse,
            to_warehouse=to_warehouse,
            day=date.fromisoformat(day),
            lines=_pairs(line, "QTY"),
        )
    )
    console.print(_("Stock transfer {no}: {cost} moved", no=t["no"], cost=t["cost"]))


@stock_app.command("count")
def count(
    company: Company,
    warehouse: Annotated[str, typer.Option("--warehouse")],
    day: Annotated[str, typer.Option("--date", help="YYYY-MM-DD")],
    line: Annotated[list[str], typer.Option("--line", help="ITEM:COUNTED, repeatable")],
    draft: Annotated[bool, typer.Option("--draft", help="Save without confirming")] = False,
) -> None:
    """盘点单: counted quantities; confirming books gains and losses to 1901."""
    c = run(
        lambda: documents.create_count(
            uow(),
            company,
            warehouse=warehouse,
            day=date.fromisoformat(day),
            lines=_pairs(line, "COUNTED"),
            confirm=not draft,
        )
    )
    write_rows(
        c["lines"], ["line_no", "item", "book", "counted", "difference", "value"], "table", title=c["no"]
    )


@stock_app.command("count-process")
def count_process(
    company: Company,
    count_id: int,
    cause: Annotated[str, typer.Option("--cause", help="management | abnormal")] = "management",
    department: Annotated[str | None, typer.Option("--department")] = None,
    day: Annotated[str | None, typer.Option("--date", help="YYYY-MM-DD (default: the count's)")] = None,
) -> None:
    """处理盘盈盘亏: 1901 → 管理费用 or 营业外支出, after approval."""
    c = run(
        lambda: documents.process_count(
            uow(),
            company,
            count_id,
            cause=cause,
            department=department,
            day=date.fromisoformat(day) if day else None,
        )
    )
    console.print(_("Stock count {no} processed", no=c["no"]))


@stock_app.command("cost-run")
def cost_run(company: Company, period: Annotated[str, typer.Option("--period", "-p")]) -> None:
    """月末一次加权: cost the month's issues and post cost of goods sold."""
    r = run(lambda: service.run_month_end_costing(uow(), company, period))
    write_rows(r["revaluations"], ["no", "date", "total"], "table", title=", ".join(r["months"]) or period)


def stock_valuation(
    company: Company,
    period: Annotated[str | None, typer.Option("--period", "-p", help="At the end of YYYY-MM")] = None,
    day: Annotated[str | None, typer.Option("--date", help="At the end of YYYY-MM-DD")] = None,
    warehouse: Annotated[str | None, typer.Option("--warehouse")] = None,
    fmt: Fmt = "table",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file")] = None,
) -> None:
    """库存余额表: quantity and amount per item and warehouse (equals 1403 + 1405 in the ledger).

    CSV header: item_code,item_name,warehouse_code,unit,quantity,amount,unit_cost"""
    r = run(
        lambda: service.stock_valuation(
            uow(),
            company,
            period=period,
            day=date.fromisoformat(day) if day else None,
            warehouse=warehouse,
        )
    )
    rows = r["rows"]
    if fmt == "table":
        rows = [*rows, {"item_code": _("Total"), "amount": r["total"]}]
    write_rows(rows, service.VALUATION_COLUMNS, fmt, out=out, title=_("Stock valuation"))


def register(app: typer.Typer, voucher_app: typer.Typer) -> None:
    app.add_typer(stock_app, name="stock")
    try:  # `yecai report stock-valuation`, beside the ledger's reports
        from yecai.ledger.cli_reports import report_app
    except ModuleNotFoundError:  # pragma: no cover - the reports module is part of yecai
        return
    report_app.command("stock-valuation")(stock_valuation)
