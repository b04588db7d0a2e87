"""What the document command groups share (sales, purchasing, production, expenses): their options,
a document named by id or number, and the skeleton commands every document type has — list (filters →
table / CSV / JSON / XLSX), show or preview (the document as JSON) and a state change (its number,
status and the vouchers it posted).

Each package still declares its commands in its own module, next to the ones that are its own
(create, update …); a skeleton command is declared there with one call::

    docs = DocumentCommands(service.find_document_id)
    docs.listing(order_app, service.list_orders, ORDER_COLUMNS, [("status", Status), ("supplier", Supplier)],
              function="order_list")
    docs.show(order_app, "show", service.get_order, "purchase_order", function="order_show")
    docs.change(order_app, "cancel", service.cancel_order, "purchase_order", function="order_cancel")
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Sequence
from datetime import date
from typing import Annotated, Any

import typer

from yecai.cli.common import _, console, run, uow, write_rows
from yecai.store.uow import UnitOfWork

Company = Annotated[str, typer.Option("--company", "-c", help="Company code (账套)")]
Fmt = Annotated[str, typer.Option("--format", "-f", help="table | csv | json | xlsx")]
Day = Annotated[str, typer.Option("--date", help="YYYY-MM-DD")]
Status = Annotated[str | None, typer.Option("--status")]
From = Annotated[str | None, typer.Option("--from", help="From date YYYY-MM-DD")]
To = Annotated[str | None, typer.Option("--to", help="To date YYYY-MM-DD")]

PriceLines = Annotated[list[str], typer.Option("--line", help="ITEM:QTY:UNIT_PRICE[:TAX_CODE], repeatable")]
ExclTax = Annotated[bool, typer.Option("--excl-tax", help="Unit prices exclude VAT")]

Finder = Callable[[UnitOfWork, str, str, str], int]
Reader = Callable[[UnitOfWork, str, int], Any]
Lister = Callable[..., list[dict[str, Any]]]


def parse_day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def price_lines(texts: Sequence[str]) -> list[dict[str, Any]]:
    """``--line ITEM:QTY:UNIT_PRICE[:TAX_CODE]`` options of an order → its lines."""
    lines = []
    for text in texts:
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
    return lines


def show(doc: Any) -> None:
    """A document (or anything a service returns) as indented JSON on stdout."""
    print(json.dumps(doc, ensure_ascii=False, indent=2))


def done(doc: dict[str, Any]) -> None:
    """The outcome of a state change: number, status and the vouchers it posted."""
    vouchers = ", ".join(v["voucher_no"] for v in doc.get("vouchers", []) if v.get("voucher_no"))
    console.print(
        _("{no} {status}", no=doc["no"], status=doc["status"]) + (f"  → {vouchers}" if vouchers else "")
    )


def _declare(group: typer.Typer, name: str, command: Callable[..., None], function: str) -> None:
    # The function keeps the name it had when each module spelled it out (tracebacks, introspection).
    command.__name__ = command.__qualname__ = function
    group.command(name)(command)


_KEYWORD = inspect.Parameter.POSITIONAL_OR_KEYWORD


class DocumentCommands:
    """The skeleton commands of one package's documents. ``find`` is the package service's
    ``find_document_id``: a document's id or number → its id, refused as not found otherwise."""

    def __init__(self, find: Finder) -> None:
        self.find = find

    def id(self, company: str, doc_type: str, ref: str) -> int:
        """The id of document ``ref`` (id or number); a refusal exits with its message."""
        return run(lambda: self.find(uow(), company, doc_type, ref))

    def show(self, group: typer.Typer, name: str, read: Reader, doc_type: str, *, function: str) -> None:
        """``<group> <name> --company C REF``: what ``read`` returns for the document, as JSON
        (show, preview)."""

        def command(company: Company, ref: str) -> None:
            show(run(lambda: read(uow(), company, self.id(company, doc_type, ref))))

        _declare(group, name, command, function)

    def change(self, group: typer.Typer, name: str, act: Reader, doc_type: str, *, function: str) -> None:
        """``<group> <name> --company C REF``: a state change (post, confirm, cancel …) and its
        outcome."""

        def command(company: Company, ref: str) -> None:
            done(run(lambda: act(uow(), company, self.id(company, doc_type, ref))))

        _declare(group, name, command, function)

    def listing(
        self,
        group: typer.Typer,
        lister: Lister,
        columns: Sequence[str],
        filters: Sequence[tuple[str, Any]],
        *,
        function: str,
    ) -> None:
        """``<group> list --company C [filters] [--from D] [--to D] [--format F]``: the rows of
        ``lister`` in ``columns``. ``filters``: (parameter name, its option type) passed to
        ``lister`` by name, in the order they are listed in ``--help``."""
        names = [n for n, _t in filters]

        def command(**given: Any) -> None:
            rows = run(
                lambda: lister(
                    uow(),
                    given["company"],
                    **{n: given[n] for n in names},
                    date_from=parse_day(given["date_from"]),
                    date_to=parse_day(given["date_to"]),
                )
            )
            write_rows(rows, columns, given["fmt"])

        params = [
            ("company", Company, inspect.Parameter.empty),
            *((n, t, None) for n, t in filters),
            ("date_from", From, None),
            ("date_to", To, None),
            ("fmt", Fmt, "table"),
        ]
        # Typer reads a command's options from its signature and type hints.
        command.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [inspect.Parameter(n, _KEYWORD, default=d, annotation=t) for n, t, d in params],
            return_annotation=None,
        )
        command.__annotations__ = {n: t for n, t, _d in params} | {"return": None}
        _declare(group, "list", command, function)
