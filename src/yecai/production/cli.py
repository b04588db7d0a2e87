"""CLI for production: `yecai production bom|order|issue|cost|receipt` — create, list, show, state
changes (release, close) and previews, over the production service."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from yecai.cli.common import _, console, run, uow, write_rows
from yecai.cli.documents import Company, Day, DocumentCommands, Fmt, From, Status, To, parse_day
from yecai.cli.documents import done as _done
from yecai.cli.documents import show as _show
from yecai.production import service

production_app = typer.Typer(
    help="生产 Production: BOMs, work orders and their documents", no_args_is_help=True
)
bom_app = typer.Typer(help="物料清单 Bills of materials", no_args_is_help=True)
order_app = typer.Typer(help="生产工单 Work orders", no_args_is_help=True)
issue_app = typer.Typer(help="领料单 Material issues", no_args_is_help=True)
cost_app = typer.Typer(help="生产费用归集 Labour and overhead", no_args_is_help=True)
receipt_app = typer.Typer(help="完工入库 Finished-goods receipts", no_args_is_help=True)
production_app.add_typer(bom_app, name="bom")
production_app.add_typer(order_app, name="order")
production_app.add_typer(issue_app, name="issue")
production_app.add_typer(cost_app, name="cost")
production_app.add_typer(receipt_app, name="receipt")

WorkOrder = Annotated[str | None, typer.Option("--work-order", help="Work order number")]
FILTERS = [("status", Status), ("work_order", WorkOrder)]
OrderRef = Annotated[str, typer.Option("--order", help="Work order id or number")]


docs = DocumentCommands(service.find_document_id)
_id = docs.id


@bom_app.command("create")
def bom_create(
    company: Company,
    item: Annotated[str, typer.Option("--item", help="The finished item")],
    line: Annotated[list[str], typer.Option("--line", help="COMPONENT:QTY_PER[:SCRAP_PCT], repeatable")],
    note: Annotated[str, typer.Option("--note")] = "",
) -> None:
    """A new BOM version; it replaces the item's active one."""
    lines = []
    for text in line:
        parts = text.split(":")
        if len(parts) not in (2, 3):
            raise typer.BadParameter(_("--line must be COMPONENT:QTY_PER[:SCRAP_PCT]"))
        lines.append(
            {"item": parts[0], "qty_per": parts[1], "scrap_pct": parts[2] if len(parts) == 3 else "0"}
        )
    b = run(lambda: service.create_bom(uow(), company, item=item, lines=lines, note=note))
    console.print(_("BOM {item} version {version} is active", item=b["item"], version=b["version"]))


@bom_app.command("list")
def bom_list(
    company: Company,
    item: Annotated[str | None, typer.Option("--item")] = None,
    active: Annotated[bool, typer.Option("--active", help="Active versions only")] = False,
    fmt: Fmt = "table",
) -> None:
    rows = run(lambda: service.list_boms(uow(), company, item=item, active_only=active))
    data = [{**r, "components": len(r["lines"])} for r in rows]
    write_rows(data, ["id", "item", "version", "active", "components", "note"], fmt)


@bom_app.command("show")
def bom_show(company: Company, bom_id: int) -> None:
    _show(run(lambda: service.get_bom(uow(), company, bom_id)))


@order_app.command("create")
def order_create(
    company: Company,
    item: Annotated[str, typer.Option("--item")],
    qty: Annotated[str, typer.Option("--qty")],
    day: Day,
    project: Annotated[
        str | None, typer.Option("--project", help="Default: a project of its own (code = order number)")
    ] = None,
    draft: Annotated[bool, typer.Option("--draft", help="Save without releasing")] = False,
) -> None:
    _done(
        run(
            lambda: service.create_work_order(
                uow(),
                company,
                item=item,
                qty=qty,
                day=date.fromisoformat(day),
                project=project,
                release=not draft,
            )
        )
    )


@order_app.command("list")
def order_list(
    company: Company,
    status: Status = None,
    item: Annotated[str | None, typer.Option("--item")] = None,
    project: Annotated[str | None, typer.Option("--project")] = None,
    date_from: From = None,
    date_to: To = None,
    fmt: Fmt = "table",
) -> None:
    rows = run(
        lambda: service.list_work_orders(
            uow(),
            company,
            status=status,
            item=item,
            project=project,
            date_from=parse_day(date_from),
            date_to=parse_day(date_to),
        )
    )
    data = [{**r, "charged": r["charged"]["total"], "in_process": r["in_process"]["total"]} for r in rows]
    write_rows(
        data,
        ["id", "no", "date", "item", "qty", "received", "project", "status", "charged", "in_process"],
        fmt,
    )


docs.show(order_app, "show", service.get_work_order, "work_order", function="order_show")
docs.change(order_app, "release", service.release_work_order, "work_order", function="order_release")


@order_app.command("close")
def order_close(
    company: Company,
    ref: str,
    day: Day,
    preview: Annotated[bool, typer.Option("--preview", help="Show the voucher without closing")] = False,
) -> None:
    """Close the order; what is still in process is written off as a variance (6401)."""
    oid = _id(company, "work_order", ref)
    if preview:
        _show(run(lambda: service.preview_close(uow(), company, oid, day=date.fromisoformat(day))))
        return
    _done(run(lambda: service.close_work_order(uow(), company, oid, day=date.fromisoformat(day))))


@issue_app.command("create")
def issue_create(
    company: Company,
    order: OrderRef,
    warehouse: Annotated[str, typer.Option("--warehouse")],
    day: Day,
    line: Annotated[
        list[str] | None, typer.Option("--line", help="ITEM:QTY, repeatable (default: all still required)")
    ] = None,
) -> None:
    lines: list[tuple[str, str]] | None = None
    if line:
        lines = []
        for text in line:
            parts = text.split(":")
            if len(parts) != 2:
                raise typer.BadParameter(_("--line must be ITEM:QTY"))
            lines.append((parts[0], parts[1]))
    oid = _id(company, "work_order", order)
    _done(
        run(
            lambda: service.issue_materials(
                uow(), company, order_id=oid, day=date.fromisoformat(day), warehouse=warehouse, lines=lines
            )
        )
    )


ISSUE_COLUMNS = ["id", "no", "date", "work_order", "warehouse", "status", "cost"]
docs.listing(issue_app, service.list_issues, ISSUE_COLUMNS, FILTERS, function="issue_list")
docs.show(issue_app, "show", service.get_issue, "production_issue", function="issue_show")


@cost_app.command("create")
def cost_create(
    company: Company,
    order: OrderRef,
    day: Day,
    kind: Annotated[str, typer.Option("--kind", help="labour | overhead")],
    amount: Annotated[str, typer.Option("--amount")],
    source_account: Annotated[
        str | None, typer.Option("--source-account", help="Default: the rules' (221101 / 5101)")
    ] = None,
) -> None:
    oid = _id(company, "work_order", order)
    _done(
        run(
            lambda: service.collect_cost(
                uow(),
                company,
                order_id=oid,
                day=date.fromisoformat(day),
                kind=kind,
                amount=amount,
                source_account=source_account,
            )
        )
    )


@cost_app.command("allocate")
def cost_allocate(
    company: Company,
    day: Day,
    amount: Annotated[str, typer.Option("--amount")],
    hours: Annotated[list[str], typer.Option("--hours", help="ORDER:HOURS, repeatable")],
    source_account: Annotated[str | None, typer.Option("--source-account")] = None,
) -> None:
    """Spread overhead over work orders by labour hours."""
    pairs = []
    for text in hours:
        parts = text.rsplit(":", 1)
        if len(parts) != 2:
            raise typer.BadParameter(_("--hours must be ORDER:HOURS"))
        pairs.append((_id(company, "work_order", parts[0]), parts[1]))
    docs = run(
        lambda: service.allocate_overhead(
            uow(),
            company,
            day=date.fromisoformat(day),
            amount=amount,
            hours=pairs,
            source_account=source_account,
        )
    )
    write_rows(docs, ["no", "work_order", "hours", "amount"], "table")


COST_COLUMNS = ["id", "no", "date", "work_order", "kind", "source_account", "hours", "amount"]
docs.listing(cost_app, service.list_costs, COST_COLUMNS, FILTERS, function="cost_list")
docs.show(cost_app, "show", service.get_cost, "production_cost", function="cost_show")


@receipt_app.command("create")
def receipt_create(
    company: Company,
    order: OrderRef,
    warehouse: Annotated[str, typer.Option("--warehouse")],
    day: Day,
    qty: Annotated[str, typer.Option("--qty")],
    preview: Annotated[bool, typer.Option("--preview", help="Show the voucher without receiving")] = False,
) -> None:
    oid = _id(company, "work_order", order)
    on = date.fromisoformat(day)
    if preview:
        _show(run(lambda: service.preview_receipt(uow(), company, oid, day=on, warehouse=warehouse, qty=qty)))
        return
    _done(
        run(
            lambda: service.receive_finished(
                uow(), company, order_id=oid, day=on, warehouse=warehouse, qty=qty
            )
        )
    )


RECEIPT_COLUMNS = ["id", "no", "date", "work_order", "item", "warehouse", "qty", "cost", "unit_cost"]
docs.listing(receipt_app, service.list_receipts, RECEIPT_COLUMNS, FILTERS, function="receipt_list")
docs.show(receipt_app, "show", service.get_receipt, "production_receipt", function="receipt_show")


def register(app: typer.Typer, voucher_app: typer.Typer) -> None:
    app.add_typer(production_app, name="production")
