"""The forms that start a document: sales and purchase orders (line items with item autocomplete,
tax codes and live totals for display), stock receipts, transfers, receipts and payments.

The form parses what was typed and calls one service. Its totals are computed in the browser for
display only; the service computes the amounts and the tax that count. A refusal comes back next
to the field or line it names and nothing typed is lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from yecai.core.errors import FieldRequired, NotFound, PermissionDenied, YecaiError
from yecai.core.i18n import N_
from yecai.core.money import parse_decimal
from yecai.expenses import domain as expenses_domain
from yecai.expenses import service as expenses
from yecai.inventory import documents as inventory_docs
from yecai.inventory import service as inventory
from yecai.ledger import service as ledger
from yecai.masterdata import service as md
from yecai.production import service as production
from yecai.purchasing import service as purchasing
from yecai.sales import service as sales
from yecai.web import doclist, pages
from yecai.web.context import Ctx, web_ctx
from yecai.web.doclist import KINDS, Kind
from yecai.web.documents import FORM_LINES_MAX, FORM_LINES_MIN, LINE_FIELD_RE, parse_day, section_page
from yecai.web.errors import error_message
from yecai.web.links import doc_url

router = APIRouter(include_in_schema=False)
WebCtx = Annotated[Ctx, Depends(web_ctx)]
PARTY_CHOICES_MAX = 1000


@dataclass(frozen=True)
class Field:
    name: str
    label: str  # msgid
    type: (
        str  # party | date | warehouse | check | text | money | method | docno | item | decimal | dim:<type>
    )
    required: bool = True


@dataclass(frozen=True)
class FormSpec:
    kind: str
    head: tuple[Field, ...]
    columns: tuple[str, ...]  # line inputs: item | qty | unit_price | tax_code | cost | category | amount …
    tax_direction: str = ""  # output | input: the tax codes offered, and live tax totals


FORMS: dict[str, FormSpec] = {
    "sales_order": FormSpec(
        "sales_order",
        (
            Field("customer", N_("Customer"), "party"),
            Field("date", N_("Date"), "date"),
            Field("prices_include_tax", N_("Prices include tax"), "check", False),
            Field("note", N_("Note"), "text", False),
        ),
        ("item", "qty", "unit_price", "tax_code"),
        "output",
    ),
    "purchase_order": FormSpec(
        "purchase_order",
        (
            Field("supplier", N_("Supplier"), "party"),
            Field("date", N_("Date"), "date"),
            Field("prices_include_tax", N_("Prices include tax"), "check", False),
            Field("note", N_("Note"), "text", False),
        ),
        ("item", "qty", "unit_price", "tax_code"),
        "input",
    ),
    "stock_receipt": FormSpec(
        "stock_receipt",
        (
            Field("supplier", N_("Supplier"), "party"),
            Field("warehouse", N_("Warehouse"), "warehouse"),
            Field("date", N_("Date"), "date"),
            Field("note", N_("Note"), "text", False),
        ),
        ("item", "qty", "cost"),
    ),
    "stock_transfer": FormSpec(
        "stock_transfer",
        (
            Field("from_warehouse", N_("From warehouse"), "warehouse"),
            Field("to_warehouse", N_("To warehouse"), "warehouse"),
            Field("date", N_("Date"), "date"),
            Field("note", N_("Note"), "text", False),
        ),
        ("item", "qty"),
    ),
    "sales_receipt": FormSpec(
        "sales_receipt",
        (
            Field("customer", N_("Customer"), "party"),
            Field("date", N_("Date"), "date"),
            Field("amount", N_("Amount"), "money"),
            Field("method", N_("Method"), "method"),
            Field("invoice", N_("Invoice no. (optional)"), "docno", False),
        ),
        (),
    ),
    "purchase_payment": FormSpec(
        "purchase_payment",
        (
            Field("supplier", N_("Supplier"), "party"),
            Field("date", N_("Date"), "date"),
            Field("amount", N_("Amount"), "money"),
            Field("method", N_("Method"), "method"),
            Field("bill", N_("Bill no. (optional)"), "docno", False),
        ),
        (),
    ),
}
FORMS["work_order"] = FormSpec(
    "work_order",
    (
        Field("item", N_("Product"), "item"),
        Field("qty", N_("Quantity"), "decimal"),
        Field("date", N_("Date"), "date"),
        Field("project", N_("Project (blank: one of its own)"), "dim:project", False),
        Field("note", N_("Note"), "text", False),
    ),
    (),
)
FORMS["expense_claim"] = FormSpec(
    "expense_claim",
    (
        Field("employee", N_("Employee"), "dim:employee"),
        Field("department", N_("Department"), "dim:department"),
        Field("date", N_("Date"), "date"),
        Field("attachments", N_("Attachments"), "decimal", False),
        Field("note", N_("Note"), "text", False),
    ),
    ("category", "amount", "tax", "invoice_type", "line_note"),
)
# A vendor bill typed in here has no purchase order (rent, utilities, services); bills over orders
# start from the order. Saved as a draft, posted from the bill's page after its voucher preview.
FORMS["vendor_bill"] = FormSpec(
    "vendor_bill",
    (
        Field("supplier", N_("Supplier"), "party"),
        Field("date", N_("Date"), "date"),
        Field("invoice_no", N_("Supplier invoice no."), "text", False),
    ),
    ("category", "department", "project", "description", "net", "tax_code", "tax"),
)
LINE_DIMENSIONS = ("department", "project")
INVOICE_TYPES = {
    "none": N_("No invoice"),
    "ordinary": N_("Ordinary VAT invoice"),
    "special": N_("Special VAT invoice"),
}
INPUT_LABELS = {
    "category": N_("Category"),
    "amount": N_("Amount (tax included)"),
    "tax": N_("Deductible VAT"),
    "invoice_type": N_("Invoice type"),
    "line_note": N_("Note"),
    "item": N_("goods|Item"),
    "qty": N_("Quantity"),
    "unit_price": N_("Unit price"),
    "tax_code": N_("Tax code"),
    "cost": N_("Cost (total)"),
    "department": N_("Department"),
    "project": N_("Project"),
    "description": N_("Description"),
    "net": N_("Net (tax excluded)"),
}


@dataclass
class DocForm:
    spec: FormSpec
    values: dict[str, str]
    lines: list[dict[str, str]] = field(default_factory=list)
    line_errors: list[dict[str, str]] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    error: str = ""
    error_code: str = ""


def _blank_lines(spec: FormSpec, n: int) -> list[dict[str, str]]:
    return [{c: "" for c in spec.columns} for _ in range(n)]


def _form_page(
    ctx: Ctx, kind: Kind, form: DocForm, *, status_code: int = 200, form_action: str = ""
) -> Response:
    spec = form.spec
    party = next((f.name for f in spec.head if f.type == "party"), "")
    parties = (
        md.list_parties(ctx.read(), ctx.code, party)[:PARTY_CHOICES_MAX]
        if party in ("customer", "supplier")
        else []
    )
    warehouses = (
        md.list_warehouses(ctx.read(), ctx.code) if any(f.type == "warehouse" for f in spec.head) else []
    )
    direction = spec.tax_direction or ("input" if "tax_code" in spec.columns else "")
    tax_codes = (
        [t for t in md.list_tax_codes(ctx.read(), ctx.code) if t["direction"] == direction]
        if direction
        else []
    )
    while len(form.line_errors) < len(form.lines):
        form.line_errors.append({})
    items = (
        [i for i in md.list_items(ctx.read(), ctx.code) if i["enabled"] and i["kind"] == "stock"]
        if any(f.type == "item" for f in spec.head)
        else []
    )
    dims = {f.type[4:] for f in spec.head if f.type.startswith("dim:")}
    dims |= {c for c in spec.columns if c in LINE_DIMENSIONS}
    dim_values: dict[str, list[dict[str, str]]] = {d: [] for d in dims}
    if dims:
        for dv in ledger.list_dimension_values(ctx.read(), ctx.code):
            if dv["type"] in dims and len(dim_values[dv["type"]]) < PARTY_CHOICES_MAX:
                dim_values[dv["type"]].append(dv)
    return section_page(
        ctx,
        "docs/form.html",
        kind.section,
        kind.key,
        ctx._("New") + " " + ctx._(kind.one),
        status_code=status_code,
        kind=kind,
        form=form,
        parties=parties,
        party_field=party,
        warehouses=warehouses,
        tax_codes=tax_codes,
        input_labels=INPUT_LABELS,
        methods={"bank": N_("Bank"), "cash": N_("Cash")},
        items=items[:PARTY_CHOICES_MAX],
        dim_values=dim_values,
        categories=expenses_domain.CATEGORIES,
        invoice_types=INVOICE_TYPES,
        blank_line={c: "" for c in spec.columns},
        main_class="wide",
        form_action=form_action,
    )


def _require_write(ctx: Ctx, kind: Kind) -> None:
    if not ctx.can(doclist.WRITE):
        raise PermissionDenied(user=ctx.actor.username, permission=doclist.WRITE, company=ctx.code)


def _new(ctx: Ctx, kind: Kind, params: dict[str, str]) -> Response:
    _require_write(ctx, kind)
    spec = FORMS[kind.key]
    values = {f.name: "" for f in spec.head}
    values["date"] = pages.default_voucher_date(ctx).isoformat()
    values["method"] = "bank"
    if "attachments" in values:
        values["attachments"] = "0"
    if spec.tax_direction:
        values["prices_include_tax"] = "1"
    for key in ("customer", "supplier", "invoice", "bill", "amount", "item"):
        if key in values and params.get(key):
            values[key] = params[key][:60]
    return _form_page(ctx, kind, DocForm(spec, values, _blank_lines(spec, FORM_LINES_MIN)))


def _read_form(spec: FormSpec, data: Any) -> DocForm:
    values = {f.name: str(data.get(f.name, "")).strip() for f in spec.head}
    cols = {c: [str(v) for v in data.getlist(c)] for c in spec.columns}
    n = min(max((len(v) for v in cols.values()), default=0), FORM_LINES_MAX)
    lines = [{c: (cols[c][i].strip() if i < len(cols[c]) else "") for c in spec.columns} for i in range(n)]
    return DocForm(spec, values, lines)


class _Refused(Exception):
    pass


def _place(ctx: Ctx, form: DocForm, exc: YecaiError, rows: list[int]) -> None:
    """A service refusal next to what it names: a line's field, a header field, or the top."""
    message = error_message(exc, ctx.locale)
    form.error, form.error_code = message, exc.code
    m = LINE_FIELD_RE.match(exc.field or "")
    if m and 1 <= int(m.group(1)) <= len(rows):
        form.line_errors[rows[int(m.group(1)) - 1]][m.group(2)] = message
    elif (whole := re.match(r"^lines\[(\d+)\]$", exc.field or "")) and 1 <= int(whole.group(1)) <= len(rows):
        form.line_errors[rows[int(whole.group(1)) - 1]]["amount"] = message
    elif exc.row and 1 <= exc.row <= len(rows):
        form.line_errors[rows[exc.row - 1]]["item"] = message
    elif exc.field in form.values:
        form.errors[str(exc.field)] = message
    elif exc.field in ("invoice_id", "id") and "invoice" in form.values:
        form.errors["invoice"] = message
    elif exc.field in ("bill_id", "id") and "bill" in form.values:
        form.errors["bill"] = message


def _decimal(ctx: Ctx, text: str, errors: dict[str, str], key: str) -> Decimal | None:
    try:
        return parse_decimal(text)
    except YecaiError as exc:
        errors[key] = error_message(exc, ctx.locale)
        return None


def _create(ctx: Ctx, kind: Kind, form: DocForm, rows: list[int]) -> int:
    """Parse what the service cannot (dates, numbers) and call it; returns the new document's id."""
    v, spec = form.values, form.spec
    form.line_errors = [{} for _ in form.lines]
    day = parse_day(v.get("date", ""))
    if day is None:
        form.errors["date"] = ctx._("Enter a date such as 2025-03-31")
    lines: list[dict[str, Any]] = []
    for i, ln in enumerate(form.lines):
        if not any(ln.values()):
            continue
        rows.append(i)
        parsed: dict[str, Any] = dict(ln)
        for money_col in ("unit_price", "cost", "amount", "tax", "net"):
            if money_col in ln and (ln[money_col] or kind.key != "vendor_bill"):
                parsed[money_col] = _decimal(ctx, ln[money_col] or "0", form.line_errors[i], money_col)
        lines.append(parsed)
    if form.errors or any(form.line_errors):
        raise _Refused()
    assert day is not None
    if spec.columns and not lines:
        raise FieldRequired(field_name=ctx._("Lines"), field="lines")
    uow, code = ctx.uow(), ctx.code
    if kind.key == "work_order":
        qty = _decimal(ctx, v.get("qty", ""), form.errors, "qty")
        if qty is None:
            raise _Refused()
        doc = production.create_work_order(
            uow, code, item=v["item"], qty=qty, day=day, project=v["project"] or None, note=v["note"]
        )
        return int(doc["id"])
    if kind.key == "expense_claim":
        try:
            attachments = int(v.get("attachments") or "0")
        except ValueError:
            form.errors["attachments"] = ctx._("Enter a whole number")
            raise _Refused() from None
        doc = expenses.create_claim(
            uow,
            code,
            employee=v["employee"],
            department=v["department"],
            day=day,
            attachments=attachments,
            note=v["note"],
            lines=[
                {
                    "category": ln["category"],
                    "amount": ln["amount"],
                    "tax": ln["tax"],
                    "invoice_type": ln["invoice_type"] or "none",
                    "note": ln["line_note"],
                }
                for ln in lines
            ],
        )
        return int(doc["id"])
    if kind.key == "vendor_bill":
        doc = purchasing.create_bill(
            uow,
            code,
            supplier=v["supplier"],
            day=day,
            invoice_no=v["invoice_no"],
            lines=[{k: val for k, val in ln.items() if val not in (None, "")} for ln in lines],
            post=False,
        )
        return int(doc["id"])
    if kind.key in ("sales_order", "purchase_order"):
        order_lines = [
            {
                "item": ln["item"],
                "qty": ln["qty"],
                "unit_price": ln["unit_price"],
                "tax_code": ln["tax_code"] or None,
            }
            for ln in lines
        ]
        include = bool(v.get("prices_include_tax"))
        if kind.key == "sales_order":
            doc = sales.create_order(
                uow,
                code,
                customer=v["customer"],
                day=day,
                lines=order_lines,
                prices_include_tax=include,
                note=v["note"],
            )
        else:
            doc = purchasing.create_order(
                uow,
                code,
                supplier=v["supplier"],
                day=day,
                lines=order_lines,
                prices_include_tax=include,
                note=v["note"],
            )
    elif kind.key == "stock_receipt":
        doc = inventory.create_stock_receipt(
            uow,
            code,
            supplier=v["supplier"],
            warehouse=v["warehouse"],
            day=day,
            lines=[(ln["item"], ln["qty"], ln["cost"]) for ln in lines],
            note=v["note"],
            post=False,
        )
    elif kind.key == "stock_transfer":
        doc = inventory_docs.create_transfer(
            uow,
            code,
            from_warehouse=v["from_warehouse"],
            to_warehouse=v["to_warehouse"],
            day=day,
            lines=[(ln["item"], ln["qty"]) for ln in lines],
            note=v["note"],
        )
    else:
        amount = _decimal(ctx, v.get("amount", ""), form.errors, "amount")
        if amount is None:
            raise _Refused()
        ref_field = "invoice" if kind.key == "sales_receipt" else "bill"
        ref_id = None
        if v.get(ref_field):
            ref_type = "sales_invoice" if kind.key == "sales_receipt" else "vendor_bill"
            finder = sales.find_document_id if kind.key == "sales_receipt" else purchasing.find_document_id
            try:
                ref_id = finder(ctx.read(), code, ref_type, v[ref_field])
            except NotFound as exc:
                exc.field = ref_field
                raise
        if kind.key == "sales_receipt":
            doc = sales.create_receipt(
                uow,
                code,
                customer=v["customer"],
                day=day,
                amount=amount,
                invoice_id=ref_id,
                method=v["method"],
            )
        else:
            doc = purchasing.create_payment(
                uow, code, supplier=v["supplier"], day=day, amount=amount, bill_id=ref_id, method=v["method"]
            )
    return int(doc["id"])


def _register(kind: Kind) -> None:
    def new(ctx: WebCtx, request: Request) -> Response:
        return _new(ctx, kind, dict(request.query_params))

    async def create(ctx: WebCtx, request: Request) -> Response:
        _require_write(ctx, kind)
        form = _read_form(FORMS[kind.key], await request.form())
        rows: list[int] = []
        try:
            doc_id = _create(ctx, kind, form, rows)
        except _Refused:
            form.error = form.error or ctx._("Please correct the marked fields")
            return _padded(ctx, kind, form, 422)
        except YecaiError as exc:
            if len(form.line_errors) < len(form.lines):
                form.line_errors = [{} for _ in form.lines]
            _place(ctx, form, exc, rows)
            return _padded(ctx, kind, form, exc.http_status)
        return RedirectResponse(doc_url(kind.key, doc_id) + "?done=created", status_code=303)

    router.add_api_route(kind.url + "/new", new, methods=["GET"], name=f"{kind.key}_new")
    router.add_api_route(kind.url + "/new", create, methods=["POST"], name=f"{kind.key}_create")


def _padded(ctx: Ctx, kind: Kind, form: DocForm, status_code: int) -> Response:
    while len(form.lines) < FORM_LINES_MIN:
        form.lines.append({c: "" for c in form.spec.columns})
        form.line_errors.append({})
    return _form_page(ctx, kind, form, status_code=status_code)


for _key in FORMS:
    _register(KINDS[_key])


# --- correcting a draft vendor bill without an order (one drafted from an intake invoice, say) ---

BILL_EDIT_COLUMNS = ("category", "department", "project", "description", "net", "tax_code", "tax")


def _bill_edit_url(bill_id: int) -> str:
    return f"{KINDS['vendor_bill'].url}/{bill_id}/edit"


@router.get(KINDS["vendor_bill"].url + "/{bill_id}/edit", name="vendor_bill_edit")
def bill_edit(ctx: WebCtx, bill_id: int) -> Response:
    kind = KINDS["vendor_bill"]
    _require_write(ctx, kind)
    bill = purchasing.get_bill(ctx.read(), ctx.code, bill_id)
    values = {
        "supplier": bill["supplier"],
        "date": bill["date"],
        "invoice_no": bill["invoice_no"],
        "no": bill["no"],
    }
    lines = [
        {c: str(ln.get(c) or "") for c in BILL_EDIT_COLUMNS}
        for ln in bill["lines"]
        if ln["kind"] == "expense"
    ]
    form = DocForm(FORMS["vendor_bill"], values, lines + _blank_lines(FORMS["vendor_bill"], 1))
    return _form_page(ctx, kind, form, form_action=_bill_edit_url(bill_id))


@router.post(KINDS["vendor_bill"].url + "/{bill_id}/edit", name="vendor_bill_update")
async def bill_update(ctx: WebCtx, bill_id: int, request: Request) -> Response:
    kind = KINDS["vendor_bill"]
    _require_write(ctx, kind)
    form = _read_form(FORMS["vendor_bill"], await request.form())
    form.line_errors = [{} for _ in form.lines]
    rows: list[int] = []
    lines: list[dict[str, Any]] = []
    for i, ln in enumerate(form.lines):
        if any(ln.values()):
            rows.append(i)
            lines.append({k: v for k, v in ln.items() if v})
    day = parse_day(form.values.get("date", ""))
    if day is None:
        form.errors["date"] = ctx._("Enter a date such as 2025-03-31")
        form.error = ctx._("Please correct the marked fields")
        return _padded_edit(ctx, kind, form, bill_id, 422)
    try:
        purchasing.update_bill(
            ctx.uow(), ctx.code, bill_id, lines=lines, day=day, invoice_no=form.values.get("invoice_no", "")
        )
    except YecaiError as exc:
        _place(ctx, form, exc, rows)
        return _padded_edit(ctx, kind, form, bill_id, exc.http_status)
    return RedirectResponse(doc_url("vendor_bill", bill_id) + "?done=created", status_code=303)


def _padded_edit(ctx: Ctx, kind: Kind, form: DocForm, bill_id: int, status_code: int) -> Response:
    while len(form.lines) < FORM_LINES_MIN:
        form.lines.append({c: "" for c in form.spec.columns})
        form.line_errors.append({})
    return _form_page(ctx, kind, form, status_code=status_code, form_action=_bill_edit_url(bill_id))
