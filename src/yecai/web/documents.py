"""Business documents: lists, the forms that create them, the document page (header, lines, the
voucher it would post, the vouchers it made, its status history) and its state changes.

Every change calls one service; a refusal comes back as the service's error, shown next to the
field or line it names, with everything typed kept. Totals in the forms are for display only:
the service computes the real amounts and tax.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from yecai.core.errors import NotFound, PermissionDenied, YecaiError
from yecai.core.i18n import N_
from yecai.core.money import parse_decimal, to_minor
from yecai.core.periods import Period
from yecai.expenses import service as expenses
from yecai.inventory import documents as inventory_docs
from yecai.inventory import service as inventory
from yecai.ledger import service as ledger
from yecai.ledger.service import pinyin_initials
from yecai.masterdata import service as md
from yecai.production import service as production
from yecai.purchasing import service as purchasing
from yecai.purchasing.domain import ThreeWayMatchFailed
from yecai.sales import returns as sales_returns
from yecai.sales import service as sales
from yecai.security import service as security
from yecai.security.domain import Perm
from yecai.web import doclist, nav, pages
from yecai.web.context import Ctx, web_ctx
from yecai.web.doclist import KINDS, STATUS_LABELS, Filters, Kind
from yecai.web.errors import error_message
from yecai.web.links import doc_url

router = APIRouter(include_in_schema=False)
WebCtx = Annotated[Ctx, Depends(web_ctx)]
From = Annotated[str, Query(alias="from")]
HISTORY_ROWS_MAX = 50
ITEM_SUGGEST_MAX = 12
FORM_LINES_MIN = 3
FORM_LINES_MAX = 200
CHINA = ZoneInfo("Asia/Shanghai")
LINE_FIELD_RE = re.compile(r"^lines\[(\d+)\]\.(\w+)$")

GETTERS: dict[str, Any] = {
    "sales_order": sales.get_order,
    "sales_delivery": sales.get_delivery,
    "sales_invoice": sales.get_invoice,
    "sales_receipt": sales.get_receipt,
    "purchase_order": purchasing.get_order,
    "purchase_receipt": purchasing.get_receipt,
    "vendor_bill": purchasing.get_bill,
    "purchase_payment": purchasing.get_payment,
    "stock_receipt": inventory.get_stock_receipt,
    "stock_transfer": inventory_docs.get_transfer,
    "stock_count": inventory_docs.get_count,
    "sales_return": sales_returns.get_return,
    "sales_credit_note": sales_returns.get_credit_note,
    "work_order": production.get_work_order,
    "expense_claim": expenses.get_claim,
}
PREVIEWS: dict[str, Any] = {
    "sales_delivery": sales.preview_delivery,
    "sales_invoice": sales.preview_invoice,
    "purchase_receipt": purchasing.preview_receipt,
    "vendor_bill": purchasing.preview_bill,
    "stock_receipt": inventory.preview_stock_receipt,
}
# These previews run the real posting and roll it back (costs depend on the stock pools now).
WRITING_PREVIEWS = {"sales_delivery", "vendor_bill"}
# (kind, action) → (service, the status it applies to, button label, done message)
ACTIONS: dict[tuple[str, str], tuple[Any, str, str, str]] = {
    ("sales_delivery", "confirm"): (
        sales.confirm_delivery,
        "draft",
        N_("Confirm delivery"),
        N_("Delivery confirmed"),
    ),
    ("sales_invoice", "post"): (sales.post_invoice, "draft", N_("Post invoice"), N_("Invoice posted")),
    ("purchase_receipt", "post"): (
        purchasing.post_receipt,
        "draft",
        N_("Receive goods"),
        N_("Goods received"),
    ),
    ("vendor_bill", "post"): (purchasing.post_bill, "draft", N_("Post bill"), N_("Bill posted")),
    ("stock_receipt", "post"): (
        inventory.post_stock_receipt,
        "draft",
        N_("Post receipt"),
        N_("Receipt posted"),
    ),
    ("sales_order", "cancel"): (sales.cancel_order, "open", N_("Cancel order"), N_("Order cancelled")),
    ("purchase_order", "cancel"): (
        purchasing.cancel_order,
        "open",
        N_("Cancel order"),
        N_("Order cancelled"),
    ),
    ("stock_count", "confirm"): (
        inventory_docs.confirm_count,
        "draft",
        N_("Confirm count"),
        N_("Count confirmed: book quantities fixed and differences posted"),
    ),
    ("work_order", "release"): (
        production.release_work_order,
        "draft",
        N_("Release work order"),
        N_("Work order released"),
    ),
    ("expense_claim", "approve"): (
        expenses.approve_claim,
        "draft",
        N_("Approve claim"),
        N_("Claim approved"),
    ),
    ("expense_claim", "cancel"): (
        expenses.cancel_claim,
        "draft",
        N_("Withdraw claim"),
        N_("Claim withdrawn"),
    ),
}
# The permission an action needs when it is not making documents (voucher.create): approving a
# claim is a review, by someone else than its submitter (the service checks that too).
ACTION_PERMS: dict[tuple[str, str], str] = {("expense_claim", "approve"): Perm.VOUCHER_REVIEW}
# Actions that undo something: the page asks before it posts them.
CONFIRM_ACTIONS = {"cancel"}
METHOD_LABELS = {"bank": N_("Bank"), "cash": N_("Cash")}
# Line values that are codes, shown by their label.
VALUE_LABELS = {
    "invoice_type": {
        "special": N_("Special VAT invoice"),
        "ordinary": N_("Ordinary VAT invoice"),
        "none": N_("No invoice"),
    },
}
# A work order's costs by element: (key in the view, label).
COST_ROWS = (
    ("charged", N_("Charged to the order")),
    ("relieved", N_("Relieved to finished goods")),
    ("variance", N_("Written off as variance")),
    ("in_process", N_("Still in process")),
)
PRODUCTION_DOC_LABELS = {
    "production_issue": N_("Material issue"),
    "production_cost": N_("Cost collection"),
    "production_receipt": N_("Finished goods receipt"),
}
COLUMN_LABELS = {
    "item": N_("goods|Item"),
    "qty": N_("Quantity"),
    "unit_price": N_("Unit price"),
    "tax_code": N_("Tax code"),
    "net": N_("Net"),
    "tax": N_("Tax"),
    "total": N_("Total"),
    "delivered": N_("Delivered"),
    "invoiced": N_("Invoiced"),
    "received": N_("Received"),
    "billed": N_("Billed"),
    "order": N_("Order"),
    "order_line": N_("Order line"),
    "cost": N_("Cost"),
    "returned": N_("Returned"),
    "accrued": N_("Estimate cleared"),
    "to_stock": N_("To stock"),
    "required": N_("Required"),
    "issued": N_("Issued"),
    "counted": N_("Counted"),
    "book": N_("Book quantity"),
    "difference": N_("Difference"),
    "value": N_("Value"),
    "delivery_line": N_("Delivery line"),
    "invoice_line": N_("Invoice line"),
    "category": N_("Category"),
    "invoice_type": N_("Invoice type"),
    "note": N_("Note"),
    "department": N_("Department"),
    "description": N_("Description"),
}
MONEY_COLUMNS = {"net", "tax", "total", "cost", "accrued", "to_stock", "value"}
NUM_COLUMNS = MONEY_COLUMNS | {
    "qty",
    "unit_price",
    "delivered",
    "invoiced",
    "received",
    "billed",
    "returned",
    "required",
    "issued",
    "counted",
    "book",
    "difference",
}
NARROW_HIDDEN = {
    "tax_code",
    "net",
    "tax",
    "order_line",
    "accrued",
    "to_stock",
    "returned",
    "unit_price",
    "delivery_line",
    "invoice_line",
    "invoice_type",
    "note",
    "value",
}
# Columns a bill shows only when one of its lines fills them: order columns on bills over orders,
# category and department on bills without an order (a bill may mix both).
SPARSE_COLUMNS = {"vendor_bill": ("order", "order_line", "item", "category", "department", "description")}


def _line_columns(kind_key: str, view: dict[str, Any]) -> tuple[str, ...]:
    columns = LINE_COLUMNS[kind_key]
    sparse = SPARSE_COLUMNS.get(kind_key, ())
    lines = view.get("lines") or []
    return tuple(c for c in columns if c not in sparse or any(ln.get(c) for ln in lines))


LINE_COLUMNS: dict[str, tuple[str, ...]] = {
    "sales_order": ("item", "qty", "unit_price", "tax_code", "net", "tax", "total", "delivered", "invoiced"),
    "sales_delivery": ("order_line", "item", "qty", "cost"),
    "sales_invoice": ("order", "order_line", "item", "qty", "unit_price", "tax_code", "net", "tax", "total"),
    "sales_receipt": (),
    "purchase_order": ("item", "qty", "unit_price", "tax_code", "net", "tax", "total", "received", "billed"),
    "purchase_receipt": ("order_line", "item", "qty", "cost", "returned"),
    "vendor_bill": (
        "order",
        "order_line",
        "item",
        "category",
        "department",
        "description",
        "qty",
        "unit_price",
        "tax_code",
        "net",
        "tax",
        "total",
        "accrued",
        "to_stock",
    ),
    "purchase_payment": (),
    "stock_receipt": ("item", "qty", "cost"),
    "stock_transfer": ("item", "qty", "cost"),
    "stock_count": ("item", "book", "counted", "difference", "value"),
    "sales_return": ("delivery_line", "item", "qty", "cost"),
    "sales_credit_note": ("invoice_line", "item", "qty", "unit_price", "tax_code", "net", "tax", "total"),
    "work_order": ("item", "required", "issued"),
    "expense_claim": ("category", "invoice_type", "net", "tax", "total", "note"),
}
# Header fields of each document page: (key in the service view, label, how to show it).
META: dict[str, tuple[tuple[str, str, str], ...]] = {
    "sales_order": (
        ("date", N_("Date"), "text"),
        ("customer", N_("Customer"), "party"),
        ("prices_include_tax", N_("Prices include tax"), "bool"),
        ("net", N_("Net"), "money"),
        ("tax", N_("Tax"), "money"),
        ("total", N_("Total"), "money"),
    ),
    "sales_delivery": (
        ("date", N_("Date"), "text"),
        ("order", N_("Order"), "doc:sales_order"),
        ("customer", N_("Customer"), "party"),
        ("warehouse", N_("Warehouse"), "text"),
        ("cost", N_("Cost"), "money"),
    ),
    "sales_invoice": (
        ("date", N_("Date"), "text"),
        ("customer", N_("Customer"), "party"),
        ("net", N_("Net"), "money"),
        ("tax", N_("Tax"), "money"),
        ("total", N_("Total"), "money"),
        ("received", N_("Received"), "money"),
        ("open", N_("amount|Open"), "money"),
    ),
    "sales_receipt": (
        ("date", N_("Date"), "text"),
        ("customer", N_("Customer"), "party"),
        ("invoice", N_("Invoice"), "doc:sales_invoice"),
        ("method", N_("Method"), "method"),
        ("amount", N_("Amount"), "money"),
    ),
    "purchase_order": (
        ("date", N_("Date"), "text"),
        ("supplier", N_("Supplier"), "party"),
        ("prices_include_tax", N_("Prices include tax"), "bool"),
        ("net", N_("Net"), "money"),
        ("tax", N_("Tax"), "money"),
        ("total", N_("Total"), "money"),
    ),
    "purchase_receipt": (
        ("date", N_("Date"), "text"),
        ("order", N_("Order"), "doc:purchase_order"),
        ("supplier", N_("Supplier"), "party"),
        ("warehouse", N_("Warehouse"), "text"),
        ("cost", N_("Cost"), "money"),
    ),
    "vendor_bill": (
        ("date", N_("Date"), "text"),
        ("supplier", N_("Supplier"), "party"),
        ("invoice_no", N_("Supplier invoice no."), "text"),
        ("net", N_("Net"), "money"),
        ("tax", N_("Tax"), "money"),
        ("total", N_("Total"), "money"),
        ("paid", N_("Paid"), "money"),
        ("open", N_("amount|Open"), "money"),
    ),
    "purchase_payment": (
        ("date", N_("Date"), "text"),
        ("supplier", N_("Supplier"), "party"),
        ("bill", N_("Bill"), "doc:vendor_bill"),
        ("method", N_("Method"), "method"),
        ("amount", N_("Amount"), "money"),
    ),
    "stock_receipt": (
        ("date", N_("Date"), "text"),
        ("supplier", N_("Supplier"), "party"),
        ("warehouse", N_("Warehouse"), "text"),
        ("total", N_("Total"), "money"),
    ),
    "stock_transfer": (
        ("date", N_("Date"), "text"),
        ("from_warehouse", N_("From warehouse"), "text"),
        ("to_warehouse", N_("To warehouse"), "text"),
        ("cost", N_("Cost"), "money"),
    ),
    "stock_count": (
        ("date", N_("Date"), "text"),
        ("warehouse", N_("Warehouse"), "text"),
        ("processed", N_("Gains and losses processed"), "bool"),
    ),
    "sales_return": (
        ("date", N_("Date"), "text"),
        ("delivery", N_("Delivery"), "doc:sales_delivery"),
        ("customer", N_("Customer"), "party"),
        ("warehouse", N_("Warehouse"), "text"),
        ("reason", N_("Reason"), "text"),
        ("cost", N_("Cost"), "money"),
    ),
    "sales_credit_note": (
        ("date", N_("Date"), "text"),
        ("invoice", N_("Invoice"), "doc:sales_invoice"),
        ("customer", N_("Customer"), "party"),
        ("reason", N_("Reason"), "text"),
        ("net", N_("Net"), "money"),
        ("tax", N_("Tax"), "money"),
        ("total", N_("Total"), "money"),
    ),
    "work_order": (
        ("date", N_("Date"), "text"),
        ("item", N_("Product"), "item"),
        ("bom_version", N_("BOM version"), "text"),
        ("qty", N_("Quantity"), "text"),
        ("received", N_("Received"), "text"),
        ("project", N_("Project"), "text"),
        ("closed_on", N_("Closed on"), "text"),
    ),
    "expense_claim": (
        ("date", N_("Date"), "text"),
        ("employee", N_("Employee"), "dim"),
        ("department", N_("Department"), "dim"),
        ("attachments", N_("Attachments"), "text"),
        ("submitted_by", N_("Submitted by"), "text"),
        ("approved_by", N_("Approved by"), "text"),
        ("paid_on", N_("Paid on"), "text"),
        ("method", N_("Method"), "method"),
        ("net", N_("Net"), "money"),
        ("tax", N_("Tax"), "money"),
        ("total", N_("Total"), "money"),
        ("offset", N_("Offset against advances"), "money"),
        ("paid", N_("Paid"), "money"),
        ("note", N_("Note"), "text"),
    ),
}
ACTION_LABELS = {
    "stock_count.create": N_("Created"),
    "stock_count.confirm": N_("Confirmed"),
    "stock_count.process": N_("Gains and losses processed"),
    "sales_return.create": N_("Created and posted"),
    "sales_credit_note.create": N_("Created and posted"),
    "work_order.create": N_("Created"),
    "work_order.release": N_("Released"),
    "work_order.close": N_("Closed"),
    "expense_claim.create": N_("Submitted"),
    "expense_claim.approve": N_("Approved"),
    "expense_claim.cancel": N_("Withdrawn"),
    "expense_claim.pay": N_("Paid"),
    "sales_order.create": N_("Created"),
    "sales_order.cancel": N_("Cancelled"),
    "sales_delivery.create": N_("Created"),
    "sales_delivery.confirm": N_("Confirmed"),
    "sales_invoice.create": N_("Created"),
    "sales_invoice.post": N_("document|Posted"),
    "sales_receipt.create": N_("Created and posted"),
    "purchase_order.create": N_("Created"),
    "purchase_order.cancel": N_("Cancelled"),
    "purchase_receipt.create": N_("Created"),
    "purchase_receipt.post": N_("document|Posted"),
    "vendor_bill.create": N_("Created"),
    "vendor_bill.post": N_("document|Posted"),
    "purchase_payment.create": N_("Created and posted"),
    "stock_receipt.create": N_("Created"),
    "stock_receipt.post": N_("document|Posted"),
    "stock_transfer.create": N_("Created and posted"),
}


def kind_of(key: str) -> Kind:
    return KINDS[key]


def require_visible(ctx: Ctx, kind: Kind) -> None:
    """The navigation hides what a role does not work with; so does the address bar."""
    if not doclist.visible(kind, ctx.perms):
        raise PermissionDenied(user=ctx.actor.username, permission=kind.any_of[0], company=ctx.code)


def section_page(ctx: Ctx, template: str, section: str, tab: str, title: str, **context: Any) -> Response:
    return pages.page(
        ctx,
        template,
        section,
        title,
        tabs=nav.tabs(section, ctx.perms),
        tab=tab,
        section_label=doclist.SECTIONS[section],
        **context,
    )


def parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def minor_of(text: str | None) -> int:
    return to_minor(Decimal(text)) if text else 0


# --- lists -----------------------------------------------------------------------------------------


def list_filters(
    status: str, period: str, date_from: str, to: str, party: str, text: str, todo: str
) -> Filters:
    first, last = parse_day(date_from), parse_day(to)
    if period:
        try:
            p = Period.parse(period)
            first, last = p.first_day, p.last_day
        except (YecaiError, ValueError):
            pass
    return Filters(
        status=status.strip(),
        date_from=first,
        date_to=last,
        party=party.strip(),
        text=text.strip(),
        todo=todo.strip(),
    )


def doc_list(
    ctx: Ctx,
    kind: Kind,
    *,
    status: str = "",
    period: str = "",
    date_from: str = "",
    to: str = "",
    party: str = "",
    text: str = "",
    todo: str = "",
    page: int = 1,
    fmt: str = "",
) -> Response:
    require_visible(ctx, kind)
    f = list_filters(status, period, date_from, to, party, text, todo)
    if fmt in ("xlsx", "csv"):
        return _export_list(ctx, kind, f, fmt)
    result = doclist.list_page(ctx.read(), ctx.code, kind, f, page=page)
    filters = {
        "status": f.status,
        "period": period,
        "from": date_from,
        "to": to,
        "party": f.party,
        "text": f.text,
        "todo": f.todo if f.todo in kind.todos else "",
    }
    return section_page(
        ctx,
        "docs/list.html",
        kind.section,
        kind.key,
        ctx._(kind.label),
        kind=kind,
        result=result,
        filters=filters,
        base_query=urlencode({k: v for k, v in filters.items() if v}),
        status_labels=STATUS_LABELS,
        todo_labels=doclist.TODO_LABELS,
        other_column=doclist.OTHER_COLUMN,
        can_create=kind.creatable and ctx.can(doclist.WRITE),
    )


LIST_EXPORT_ROWS_MAX = 100_000


def _export_list(ctx: Ctx, kind: Kind, f: Filters, fmt: str) -> Response:
    """The whole filtered list (not just the page) as XLSX or CSV, headed in the user's language."""
    import csv
    import io
    from urllib.parse import quote

    from yecai.core.money import format_minor
    from yecai.web.export import Money, xlsx_response

    result = doclist.list_page(ctx.read(), ctx.code, kind, f, page=1, page_size=LIST_EXPORT_ROWS_MAX)
    headers = [ctx._("document|No."), ctx._("Date")]
    other = kind.party or kind.key in doclist.OTHER_COLUMN
    if other:
        label = (
            ctx._("Customer")
            if kind.party == "customer"
            else ctx._("Supplier")
            if kind.party == "supplier"
            else ctx._(doclist.OTHER_COLUMN[kind.key])
        )
        headers += [label, ctx._("Name")]
    if kind.amount:
        headers.append(ctx._("Amount"))
    headers.append(ctx._("Status"))
    rows: list[list[Any]] = []
    for d in result["items"]:
        row: list[Any] = [d["no"], d["date"]]
        if other:
            row += [d.get("party", ""), d.get("party_name", "")]
        if kind.amount:
            row.append(Money(d["amount"]) if fmt == "xlsx" else format_minor(d["amount"]))
        row.append(ctx._(STATUS_LABELS.get(d["status"], d["status"])))
        rows.append(row)
    name = f"{ctx.code}-{ctx._(kind.label)}"
    if fmt == "xlsx":
        return xlsx_response(f"{name}.xlsx", ctx._(kind.label), headers, rows)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(headers)
    w.writerows(rows)
    return Response(
        ("\ufeff" + buf.getvalue()).encode("utf-8"),  # with a BOM, so Excel reads the Chinese right
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}.csv"},
    )


def _register_list(kind: Kind) -> None:
    def handler(
        ctx: WebCtx,
        status: str = "",
        period: str = "",
        date_from: From = "",
        to: str = "",
        party: str = "",
        text: str = "",
        todo: str = "",
        page: int = 1,
        format: str = "",
    ) -> Response:
        return doc_list(
            ctx,
            kind,
            status=status,
            period=period,
            date_from=date_from,
            to=to,
            party=party,
            text=text,
            todo=todo,
            page=page,
            fmt=format,
        )

    router.add_api_route(kind.url, handler, methods=["GET"], name=f"{kind.key}_list")


# --- the document page -----------------------------------------------------------------------------


@dataclass
class Panel:
    """An inline form on a document page (deliver an order, pay a bill…), with its state."""

    name: str
    title: str
    values: dict[str, str] = field(default_factory=dict)
    lines: list[dict[str, Any]] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    error: str = ""
    # Fields the page renders from a spec (key → (label msgid, type, choices)); date, warehouse,
    # amount, method and invoice_no have their own markup.
    specs: dict[str, tuple[str, str, tuple[tuple[str, str], ...]]] = field(default_factory=dict)
    hint: str = ""  # msgid shown above the panel's lines
    open_label: str = N_("quantity|Open")  # heading of the lines' "left" column


def _history(ctx: Ctx, kind: Kind, doc_id: int) -> list[dict[str, Any]] | None:
    """The audit log of this document, oldest first; None when the role may not read the log."""
    if not ctx.can(Perm.AUDIT_VIEW):
        return None
    rows = security.audit_page(
        ctx.read(), ctx.code, entity=kind.key, entity_id=str(doc_id), limit=HISTORY_ROWS_MAX
    )["items"]
    out = []
    for r in reversed(rows):
        at = datetime.fromisoformat(r["at"])
        if at.tzinfo is not None:
            at = at.astimezone(CHINA)
        after = r["after"] if isinstance(r["after"], dict) else {}
        out.append(
            {
                "at": at.strftime("%Y-%m-%d %H:%M"),
                "user": r["user"],
                "action": ACTION_LABELS.get(r["action"], r["action"]),
                "status": after.get("status", ""),
                "source": r["source"],
            }
        )
    return out


def _item_names(ctx: Ctx, lines: list[dict[str, Any]]) -> dict[str, str]:
    if not lines:
        return {}
    return {i["code"]: i["name"] for i in md.list_items(ctx.read(), ctx.code)}


def _meta(ctx: Ctx, kind: Kind, view: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    dim_names: dict[tuple[str, str], str] | None = None  # read once, when a field needs it
    for key, label, how in META[kind.key]:
        value = view.get(key)
        item: dict[str, Any] = {"key": key, "label": label, "how": how, "value": value, "url": ""}
        if how == "money":
            item["minor"] = minor_of(value)
        elif how == "party" and value:
            party = md.get_party(ctx.read(), ctx.code, key, str(value))
            item["value"] = f"{party.code} {party.name}"
            item["url"] = f"/masterdata/{key}s/{party.code}"
        elif how.startswith("doc:") and value:
            item["url"] = f"/docs/{how[4:]}/no/{value}"
        elif how == "method" and value:
            item["value"] = ctx._(METHOD_LABELS.get(str(value), str(value)))
        elif how == "dim" and value:
            if dim_names is None:
                dim_names = {
                    (d["type"], d["code"]): d["name"]
                    for d in ledger.list_dimension_values(ctx.read(), ctx.code)
                }
            item["value"] = f"{value} {dim_names.get((key, str(value)), '')}".strip()
        elif how == "item" and value:
            item["value"] = f"{value} {_item_names(ctx, [{}]).get(str(value), '')}".strip()
        if value in (None, "") and how != "bool":
            continue
        out.append(item)
    return out


def available_actions(ctx: Ctx, kind: Kind, view: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {"name": action, "label": label}
        for (k, action), (_fn, status, label, _done) in ACTIONS.items()
        if k == kind.key
        and view.get("status") == status
        and ctx.can(ACTION_PERMS.get((k, action), doclist.WRITE))
    ]


def _remaining(lines: list[dict[str, Any]], total: str, done: str) -> list[dict[str, Any]]:
    out = []
    for ln in lines:
        left = Decimal(ln[total]) - Decimal(ln[done])
        if left > 0:
            out.append({**ln, "left": str(left.normalize()) if left == left.to_integral() else str(left)})
    return out


def default_panels(ctx: Ctx, kind: Kind, view: dict[str, Any]) -> list[Panel]:
    """The follow-up forms a document offers in its state to a role that can write."""
    if not ctx.can(doclist.WRITE):
        return []
    # The follow-up is dated like the document; people change it (the working period costs a
    # dozen queries per page, and a document's own date is always in a period it may post in).
    day = str(view["date"])
    out: list[Panel] = []
    lines = view.get("lines", [])
    if kind.key == "sales_order" and view["status"] == "open":
        to_deliver = _remaining(lines, "qty", "delivered")
        if to_deliver:
            out.append(
                Panel(
                    "deliver",
                    N_("Deliver"),
                    {"date": day, "warehouse": ""},
                    [{**ln, "value": ln["left"]} for ln in to_deliver],
                )
            )
    if kind.key == "sales_order" and view["status"] in ("open", "closed"):
        if _remaining(lines, "delivered", "invoiced"):
            out.append(Panel("invoice", N_("Invoice what is delivered"), {"date": day}))
    if kind.key == "purchase_order" and view["status"] == "open":
        to_receive = _remaining(lines, "qty", "received")
        if to_receive:
            out.append(
                Panel(
                    "receive",
                    N_("Receive goods"),
                    {"date": day, "warehouse": ""},
                    [{**ln, "value": ln["left"]} for ln in to_receive],
                )
            )
    if kind.key == "purchase_order" and view["status"] in ("open", "closed"):
        to_bill = _remaining(lines, "received", "billed")
        if to_bill:
            out.append(
                Panel(
                    "bill",
                    N_("Enter the vendor bill"),
                    {"date": day, "invoice_no": ""},
                    [{**ln, "value": ln["left"], "price": ln["unit_price"]} for ln in to_bill],
                )
            )
    if kind.key == "sales_invoice" and view["status"] == "posted" and minor_of(view.get("open")) > 0:
        out.append(
            Panel("collect", N_("Receive payment"), {"date": day, "amount": view["open"], "method": "bank"})
        )
    if kind.key == "vendor_bill" and view["status"] == "posted" and minor_of(view.get("open")) > 0:
        out.append(Panel("pay", N_("Pay"), {"date": day, "amount": view["open"], "method": "bank"}))
    from yecai.web import docpanels  # it builds on this module's Panel

    return out + docpanels.panels(ctx, kind, view, day)


def doc_page(
    ctx: Ctx,
    kind: Kind,
    doc_id: int,
    *,
    flash: str = "",
    error: YecaiError | None = None,
    line_errors: dict[int, str] | None = None,
    panel: Panel | None = None,
    status_code: int = 200,
) -> Response:
    require_visible(ctx, kind)
    view = GETTERS[kind.key](ctx.read(), ctx.code, doc_id)
    lines = view.get("lines", [])
    names = _item_names(ctx, lines)
    panels = default_panels(ctx, kind, view)
    if panel is not None:
        panels = [panel if p.name == panel.name else p for p in panels]
    warehouses = (
        md.list_warehouses(ctx.read(), ctx.code) if any("warehouse" in p.values for p in panels) else []
    )
    related = [
        {"no": d["no"], "status": d["status"], "url": doc_url("sales_delivery", d["id"])}
        for d in view.get("deliveries", [])
    ]
    vouchers = view.get("vouchers", [])
    production_docs: list[dict[str, Any]] = []
    if kind.key == "work_order":
        # the order's own voucher (closing) and those of its issues, cost collections and receipts
        production_docs = [
            {**d, "type": t, "label": PRODUCTION_DOC_LABELS[t]}
            for t, docs in view.get("documents", {}).items()
            for d in docs
        ]
        vouchers = doclist.document_vouchers(
            ctx.read(),
            ctx.code,
            [("work_order", doc_id)] + [(d["type"], int(d["id"])) for d in production_docs],
        )
    return section_page(
        ctx,
        "docs/view.html",
        kind.section,
        kind.key,
        f"{ctx._(kind.one)} {view['no']}",
        status_code=status_code,
        kind=kind,
        doc=view,
        meta=_meta(ctx, kind, view),
        columns=_line_columns(kind.key, view),
        column_labels=COLUMN_LABELS,
        money_columns=MONEY_COLUMNS,
        num_columns=NUM_COLUMNS,
        narrow_hidden=NARROW_HIDDEN,
        item_names=names,
        line_errors=line_errors or {},
        actions=available_actions(ctx, kind, view),
        panels=panels,
        warehouses=warehouses,
        methods=METHOD_LABELS,
        related=related,
        production_docs=production_docs,
        value_labels=VALUE_LABELS,
        cost_rows=COST_ROWS if kind.key == "work_order" else (),
        vouchers=vouchers,
        has_preview=kind.key in PREVIEWS and view.get("status") == "draft",
        history=_history(ctx, kind, doc_id),
        status_labels=STATUS_LABELS,
        flash=flash,
        error=error,
        error_message=error_message(error, ctx.locale) if error else "",
        main_class="wide",
    )


def _mismatch_lines(exc: ThreeWayMatchFailed, lines: list[dict[str, Any]], locale: str) -> dict[int, str]:
    """Each three-way-match mismatch next to the line it is about (refs read 'PO-…/1 A')."""
    out: dict[int, str] = {}
    for m in exc.mismatches:
        for ln in lines:
            order = ln.get("order") or ""
            line_no = ln.get("order_line", ln.get("line_no"))
            if m.ref.startswith(f"{order}/{line_no} "):
                text = f"{m.what}: {m.found} ≠ {m.expected} ({m.deviation_pct}%)"
                out[int(ln["line_no"])] = (out.get(int(ln["line_no"]), "") + " " + text).strip()
    return out


def _register_view(kind: Kind) -> None:
    def view(ctx: WebCtx, doc_id: int, done: str = "", doc: str = "") -> Response:
        from yecai.web.docpanels import DONE

        messages = {a: d for (k, a), (_f, _s, _l, d) in ACTIONS.items() if k == kind.key}
        messages["created"] = N_("Saved")
        messages.update(DONE)
        flash = ctx._(messages[done], doc=doc[:40]) if done in messages else ""
        return doc_page(ctx, kind, doc_id, flash=flash)

    def preview(ctx: WebCtx, doc_id: int) -> Response:
        require_visible(ctx, kind)
        uow = ctx.uow() if kind.key in WRITING_PREVIEWS else ctx.read()
        result = PREVIEWS[kind.key](uow, ctx.code, doc_id)
        return ctx.render(
            "docs/preview.html", preview=result, kind=kind, doc_id=doc_id, title=ctx._("Voucher preview")
        )

    def act(ctx: WebCtx, doc_id: int, action: str) -> Response:
        if (kind.key, action) not in ACTIONS:
            return Response(status_code=404)
        fn = ACTIONS[(kind.key, action)][0]
        try:
            fn(ctx.uow(), ctx.code, doc_id)
        except ThreeWayMatchFailed as exc:
            lines = GETTERS[kind.key](ctx.read(), ctx.code, doc_id).get("lines", [])
            return doc_page(
                ctx,
                kind,
                doc_id,
                error=exc,
                line_errors=_mismatch_lines(exc, lines, ctx.locale),
                status_code=exc.http_status,
            )
        except YecaiError as exc:
            return doc_page(ctx, kind, doc_id, error=exc, status_code=exc.http_status)
        return RedirectResponse(f"{kind.url}/{doc_id}?done={action}", status_code=303)

    router.add_api_route(kind.url + "/{doc_id:int}", view, methods=["GET"], name=f"{kind.key}_view")
    if kind.key in PREVIEWS:
        router.add_api_route(
            kind.url + "/{doc_id:int}/preview", preview, methods=["GET"], name=f"{kind.key}_preview"
        )
    router.add_api_route(
        kind.url + "/{doc_id:int}/{action:str}", act, methods=["POST"], name=f"{kind.key}_action"
    )


@router.get("/docs/{source_type}/no/{no:path}")
def doc_by_number(ctx: WebCtx, source_type: str, no: str) -> Response:
    """A document named by its number (a receipt names its invoice by number) → its page."""
    if source_type not in KINDS:
        raise NotFound(what="document type", key=source_type, field="type")
    finder = purchasing.find_document_id if source_type in purchasing.MODELS else sales.find_document_id
    doc_id = finder(ctx.read(), ctx.code, source_type, no)
    return RedirectResponse(doc_url(source_type, doc_id), status_code=303)


# --- follow-up forms on a document page --------------------------------------------------------------


def _panel_from(panel: Panel, values: Any, lines_from: list[dict[str, Any]]) -> None:
    for key in list(panel.values):
        panel.values[key] = str(values.get(key, "")).strip()
    qtys = [str(v) for v in values.getlist("qty")]
    prices = [str(v) for v in values.getlist("price")]
    for i, ln in enumerate(lines_from):
        ln["value"] = qtys[i].strip() if i < len(qtys) else ""
        if "price" in ln:
            ln["price"] = prices[i].strip() if i < len(prices) else ""
    panel.lines = lines_from


def _place_panel_error(ctx: Ctx, panel: Panel, exc: YecaiError, rows: list[int]) -> None:
    message = error_message(exc, ctx.locale)
    panel.error = message
    m = LINE_FIELD_RE.match(exc.field or "")
    if m and 1 <= int(m.group(1)) <= len(rows):
        panel.lines[rows[int(m.group(1)) - 1]]["error"] = message
    elif exc.field in panel.values:
        panel.errors[exc.field] = message
    elif exc.field == "qty" and exc.params.get("line") is not None:
        for ln in panel.lines:
            if ln.get("line_no") == exc.params["line"]:
                ln["error"] = message


def _panel_submit(kind: Kind, name: str) -> Any:
    async def submit(ctx: WebCtx, doc_id: int, request: Request) -> Response:
        require_visible(ctx, kind)
        values = await request.form()
        view = GETTERS[kind.key](ctx.read(), ctx.code, doc_id)
        panel = next((p for p in default_panels(ctx, kind, view) if p.name == name), None)
        if panel is None:
            return doc_page(ctx, kind, doc_id, status_code=409)
        _panel_from(panel, values, panel.lines)
        day = parse_day(panel.values.get("date", ""))
        rows: list[int] = []
        try:
            if day is None:
                panel.errors["date"] = ctx._("Enter a date such as 2025-03-31")
                raise _Refused()
            target = _run_panel(ctx, kind, view, panel, day, rows)
        except _Refused:
            panel.error = panel.error or ctx._("Please correct the marked fields")
            return doc_page(ctx, kind, doc_id, panel=panel, status_code=422)
        except ThreeWayMatchFailed as exc:
            _place_panel_error(ctx, panel, exc, rows)
            for m in exc.mismatches:
                for ln in panel.lines:
                    if m.ref.startswith(f"{view['no']}/{ln['line_no']} "):
                        ln["error"] = f"{m.what}: {m.found} ≠ {m.expected} ({m.deviation_pct}%)"
            return doc_page(ctx, kind, doc_id, panel=panel, status_code=exc.http_status)
        except YecaiError as exc:
            _place_panel_error(ctx, panel, exc, rows)
            return doc_page(ctx, kind, doc_id, panel=panel, status_code=exc.http_status)
        return RedirectResponse(target, status_code=303)

    return submit


class _Refused(Exception):
    """The form was refused before any service was called (a field could not be read)."""


def _decimal_field(ctx: Ctx, text: str, on: dict[str, Any], key: str = "error") -> Decimal | None:
    try:
        return parse_decimal(text)
    except YecaiError as exc:
        on[key] = error_message(exc, ctx.locale)
        return None


def _run_panel(ctx: Ctx, kind: Kind, view: dict[str, Any], panel: Panel, day: date, rows: list[int]) -> str:
    """Call the one service the panel stands for; returns the page to go to."""
    from yecai.web import docpanels

    v = panel.values
    wanted = [(i, ln) for i, ln in enumerate(panel.lines) if ln.get("value", "").strip() not in ("", "0")]
    rows.extend(i for i, _ln in wanted)
    if panel.name in docpanels.RUNNERS:
        return str(docpanels.RUNNERS[panel.name](ctx, view, panel, day, [ln for _i, ln in wanted]))
    if panel.name in ("deliver", "receive"):
        lines = [(ln["line_no"], ln["value"]) for _i, ln in wanted]
        if not lines:
            panel.error = ctx._("Enter a quantity on at least one line")
            raise _Refused()
        if panel.name == "deliver":
            d = sales.create_delivery(
                ctx.uow(),
                ctx.code,
                order_id=view["id"],
                day=day,
                warehouse=v["warehouse"],
                lines=lines,
                confirm=False,
            )
            return doc_url("sales_delivery", d["id"]) + "?done=created"
        r = purchasing.create_receipt(
            ctx.uow(),
            ctx.code,
            order_id=view["id"],
            day=day,
            warehouse=v["warehouse"],
            lines=lines,
            post=False,
        )
        return doc_url("purchase_receipt", r["id"]) + "?done=created"
    if panel.name == "invoice":
        inv = sales.create_invoice(
            ctx.uow(), ctx.code, customer=view["customer"], day=day, orders=[view["id"]], post=False
        )
        return doc_url("sales_invoice", inv["id"]) + "?done=created"
    if panel.name == "bill":
        bill_lines = []
        bad = False
        for _i, ln in wanted:
            price = _decimal_field(ctx, ln.get("price", ""), ln)
            bad = bad or price is None
            bill_lines.append(
                {"order_id": view["id"], "line_no": ln["line_no"], "qty": ln["value"], "unit_price": price}
            )
        if bad:
            raise _Refused()
        if not bill_lines:
            panel.error = ctx._("Enter a quantity on at least one line")
            raise _Refused()
        bill = purchasing.create_bill(
            ctx.uow(),
            ctx.code,
            supplier=view["supplier"],
            day=day,
            lines=bill_lines,
            invoice_no=v.get("invoice_no", ""),
            post=False,
        )
        return doc_url("vendor_bill", bill["id"]) + "?done=created"
    amount = _decimal_field(ctx, v.get("amount", ""), panel.errors, "amount")
    if amount is None:
        raise _Refused()
    if panel.name == "collect":
        r = sales.create_receipt(
            ctx.uow(),
            ctx.code,
            customer=view["customer"],
            day=day,
            amount=amount,
            invoice_id=view["id"],
            method=v.get("method", "bank"),
        )
        return doc_url("sales_receipt", r["id"]) + "?done=created"
    p = purchasing.create_payment(
        ctx.uow(),
        ctx.code,
        supplier=view["supplier"],
        day=day,
        amount=amount,
        bill_id=view["id"],
        method=v.get("method", "bank"),
    )
    return doc_url("purchase_payment", p["id"]) + "?done=created"


PANELS = {
    "sales_order": ("deliver", "invoice"),
    "purchase_order": ("receive", "bill"),
    "sales_delivery": ("return",),
    "sales_invoice": ("collect", "credit"),
    "vendor_bill": ("pay",),
    "work_order": ("issue", "collect_cost", "receive_fg", "close"),
    "expense_claim": ("pay_claim",),
    "stock_count": ("process",),
}


# --- item autocomplete -----------------------------------------------------------------------------


@router.get("/ui/items")
def item_suggestions(ctx: WebCtx, q: str = "", stock: str = "") -> Response:
    """Items by code prefix, name or pinyin initials (dgj → 电工胶…), enabled ones only."""
    q = q.strip().lower()[:40]
    if not q:
        return JSONResponse([])
    out = []
    for i in md.list_items(ctx.read(), ctx.code):
        if not i["enabled"] or (stock and i["kind"] != "stock"):
            continue
        if (
            i["code"].lower().startswith(q)
            or q in i["name"].lower()
            or pinyin_initials(i["name"]).startswith(q)
        ):
            out.append({k: i[k] for k in ("code", "name", "unit", "tax_rate", "kind")})
            if len(out) >= ITEM_SUGGEST_MAX:
                break
    return JSONResponse(out)


# --- on hand -------------------------------------------------------------------------------------


@router.get("/inventory/on-hand")
def on_hand(ctx: WebCtx, item: str = "", warehouse: str = "") -> Response:
    if not any(ctx.can(p) for p in doclist.DOCS_READ):
        raise PermissionDenied(user=ctx.actor.username, permission=Perm.REPORT_VIEW, company=ctx.code)
    rows = inventory.on_hand(
        ctx.read(), ctx.code, item=item.strip() or None, warehouse=warehouse.strip() or None
    )
    total = sum(minor_of(r["value"]) for r in rows)
    return section_page(
        ctx,
        "docs/on_hand.html",
        "inventory",
        "on_hand",
        ctx._("On hand"),
        rows=rows,
        total=total,
        item=item,
        warehouse=warehouse,
        warehouses=md.list_warehouses(ctx.read(), ctx.code),
    )


def register_documents() -> None:
    """Routes for every kind of document: the list, the follow-up forms (before the generic
    action route, which would otherwise take their paths), the page and its actions."""
    for kind in KINDS.values():
        _register_list(kind)
        for name in PANELS.get(kind.key, ()):
            router.add_api_route(
                kind.url + "/{doc_id:int}/" + name,
                _panel_submit(kind, name),
                methods=["POST"],
                name=f"{kind.key}_{name}",
            )
        _register_view(kind)


register_documents()
