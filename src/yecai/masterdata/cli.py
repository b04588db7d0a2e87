"""CLI for master data: customers, suppliers, items, warehouses, tax codes."""

from __future__ import annotations

from typing import Annotated

import typer

from yecai.cli.common import _, console, run, uow, write_rows
from yecai.masterdata import service

customer_app = typer.Typer(help="客户 Customers", no_args_is_help=True)
supplier_app = typer.Typer(help="供应商 Suppliers", no_args_is_help=True)
item_app = typer.Typer(help="物料 Items", no_args_is_help=True)
warehouse_app = typer.Typer(help="仓库 Warehouses", no_args_is_help=True)
tax_app = typer.Typer(help="税码 VAT tax codes", no_args_is_help=True)

Company = Annotated[str, typer.Option("--company", "-c", help="Company code (账套)")]
Fmt = Annotated[str, typer.Option("--format", "-f", help="table | csv | json | xlsx")]
PARTY_COLUMNS = [
    "code",
    "name",
    "tax_id",
    "group",
    "credit_days",
    "credit_limit",
    "bank_name",
    "bank_account",
    "enabled",
]


def _party_commands(app: typer.Typer, kind: str) -> None:
    @app.command("add")
    def add(
        company: Company,
        code: Annotated[str, typer.Option("--code")],
        name: Annotated[str, typer.Option("--name")],
        tax_id: Annotated[str, typer.Option("--tax-id", help="统一社会信用代码")] = "",
        group: Annotated[str, typer.Option("--group")] = "",
        credit_days: Annotated[int, typer.Option("--credit-days")] = 0,
        credit_limit: Annotated[str, typer.Option("--credit-limit")] = "0",
        bank_name: Annotated[str, typer.Option("--bank-name")] = "",
        bank_account: Annotated[str, typer.Option("--bank-account")] = "",
    ) -> None:
        v = run(
            lambda: service.create_party(
                uow(),
                company,
                kind,
                code=code,
                name=name,
                tax_id=tax_id,
                group=group,
                credit_days=credit_days,
                credit_limit=credit_limit,
                bank_name=bank_name,
                bank_account=bank_account,
            )
        )
        console.print(_("{kind} {code} saved", kind=kind, code=v.code))

    @app.command("update")
    def update(
        company: Company,
        code: str,
        name: Annotated[str | None, typer.Option("--name")] = None,
        tax_id: Annotated[str | None, typer.Option("--tax-id")] = None,
        group: Annotated[str | None, typer.Option("--group")] = None,
        credit_days: Annotated[int | None, typer.Option("--credit-days")] = None,
        credit_limit: Annotated[str | None, typer.Option("--credit-limit")] = None,
        enabled: Annotated[bool | None, typer.Option("--enabled/--disabled")] = None,
    ) -> None:
        v = run(
            lambda: service.update_party(
                uow(),
                company,
                kind,
                code,
                name=name,
                tax_id=tax_id,
                group=group,
                credit_days=credit_days,
                credit_limit=credit_limit,
                enabled=enabled,
            )
        )
        console.print(_("{kind} {code} saved", kind=kind, code=v.code))

    @app.command("list")
    def list_(
        company: Company,
        search: Annotated[str | None, typer.Option("--search")] = None,
        group: Annotated[str | None, typer.Option("--group")] = None,
        fmt: Fmt = "table",
    ) -> None:
        rows = run(lambda: service.list_parties(uow(), company, kind, search=search, group=group))
        write_rows([r.to_dict() for r in rows], PARTY_COLUMNS, fmt)

    @app.command("show")
    def show(company: Company, code: str, fmt: Fmt = "table") -> None:
        v = run(lambda: service.get_party(uow(), company, kind, code))
        write_rows([v.to_dict()], PARTY_COLUMNS, fmt)


_party_commands(customer_app, "customer")
_party_commands(supplier_app, "supplier")


@item_app.command("add")
def item_add(
    company: Company,
    code: Annotated[str, typer.Option("--code")],
    name: Annotated[str, typer.Option("--name")],
    spec: Annotated[str, typer.Option("--spec")] = "",
    unit: Annotated[str, typer.Option("--unit")] = "",
    category: Annotated[str, typer.Option("--category")] = "",
    tax_rate: Annotated[str, typer.Option("--tax-rate", help="0.13 0.09 0.06 0.03 0")] = "0.13",
    kind: Annotated[str, typer.Option("--kind", help="stock | service")] = "stock",
) -> None:
    run(
        lambda: service.create_item(
            uow(),
            company,
            code=code,
            name=name,
            spec=spec,
            unit=unit,
            category=category,
            tax_rate=tax_rate,
            kind=kind,
        )
    )
    console.print(_("Item {code} saved", code=code))


@item_app.command("list")
def item_list(
    company: Company,
    category: Annotated[str | None, typer.Option("--category")] = None,
    search: Annotated[str | None, typer.Option("--search")] = None,
    fmt: Fmt = "table",
) -> None:
    rows = run(lambda: service.list_items(uow(), company, category=category, search=search))
    write_rows(rows, ["code", "name", "spec", "unit", "category", "tax_rate", "kind", "enabled"], fmt)


@warehouse_app.command("add")
def warehouse_add(
    company: Company,
    code: Annotated[str, typer.Option("--code")],
    name: Annotated[str, typer.Option("--name")],
) -> None:
    run(lambda: service.create_warehouse(uow(), company, code=code, name=name))
    console.print(_("Warehouse {code} saved", code=code))


@warehouse_app.command("list")
def warehouse_list(company: Company, fmt: Fmt = "table") -> None:
    write_rows(run(lambda: service.list_warehouses(uow(), company)), ["code", "name", "enabled"], fmt)


@tax_app.command("list")
def tax_list(company: Company, fmt: Fmt = "table") -> None:
    rows = run(lambda: service.list_tax_codes(uow(), company))
    write_rows(rows, ["code", "name", "rate", "direction", "account_code"], fmt)


def register(app: typer.Typer, voucher_app: typer.Typer) -> None:
    app.add_typer(customer_app, name="customer")
    app.add_typer(supplier_app, name="supplier")
    app.add_typer(item_app, name="item")
    app.add_typer(warehouse_app, name="warehouse")
    app.add_typer(tax_app, name="tax-code")
