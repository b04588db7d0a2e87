"""Master data screens: customers and suppliers (list, create, edit), items and warehouses (list,
create). Every change is one masterdata service call; a refusal (a bad 统一社会信用代码, a taken
code) is shown next to its field with the form as typed.

Customers, suppliers and items import from XLSX/CSV through ``yecai.masterdata.imports`` (rows
refused are listed by row and column; "all or nothing" writes nothing when any row is refused).
The screens offer it only when that module is installed.
"""

from __future__ import annotations

import importlib
import tempfile
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from yecai.core.errors import NotFound, PermissionDenied, ValidationFailed, YecaiError
from yecai.core.i18n import N_
from yecai.masterdata import service as md
from yecai.masterdata.domain import ITEM_KINDS, VAT_RATES
from yecai.security.domain import Perm
from yecai.web import nav
from yecai.web.context import Ctx, web_ctx
from yecai.web.documents import section_page
from yecai.web.errors import error_message, error_render

router = APIRouter(include_in_schema=False)
WebCtx = Annotated[Ctx, Depends(web_ctx)]
PAGE_SIZE = 50
UPLOAD_BYTES_MAX = 5 * 1024 * 1024
IMPORT_ERRORS_SHOWN = 50

PARTY_FIELDS = ("code", "name", "tax_id", "bank_name", "bank_account", "group", "credit_days", "credit_limit")
ITEM_FIELDS = ("code", "name", "spec", "unit", "category", "tax_rate", "kind")
FIELD_LABELS = {
    "code": N_("Code"),
    "name": N_("Name"),
    "tax_id": N_("Tax id (统一社会信用代码)"),
    "bank_name": N_("Bank"),
    "bank_account": N_("Bank account"),
    "group": N_("Group"),
    "credit_days": N_("Credit days"),
    "credit_limit": N_("Credit limit"),
    "spec": N_("Specification"),
    "unit": N_("Unit"),
    "category": N_("Category"),
    "tax_rate": N_("Tax rate"),
    "kind": N_("Kind"),
    "enabled": N_("Enabled"),
}
KIND_LABELS = {"stock": N_("Stock item"), "service": N_("Service")}
ENTITY = {
    "customers": ("customer", N_("Customers"), N_("Customer")),
    "suppliers": ("supplier", N_("Suppliers"), N_("Supplier")),
    "items": ("item", N_("Items"), N_("goods|Item")),
    "warehouses": ("warehouse", N_("Warehouses"), N_("Warehouse")),
}


def imports_module() -> Any | None:
    """The master-data import service, once it exists (another engineer is writing it)."""
    try:
        return importlib.import_module("yecai.masterdata.imports")
    except ImportError:
        return None


def _require_read(ctx: Ctx) -> None:
    if not any(ctx.can(p) for p in nav.MASTER_READ):
        raise PermissionDenied(user=ctx.actor.username, permission=Perm.REPORT_VIEW, company=ctx.code)


def _require_manage(ctx: Ctx) -> None:
    if not ctx.can(Perm.DIMENSION_MANAGE):
        raise PermissionDenied(user=ctx.actor.username, permission=Perm.DIMENSION_MANAGE, company=ctx.code)


def _rows(ctx: Ctx, what: str, q: str) -> list[dict[str, Any]]:
    search = q.strip() or None
    if what in ("customers", "suppliers"):
        return [p.to_dict() for p in md.list_parties(ctx.read(), ctx.code, ENTITY[what][0], search=search)]
    if what == "items":
        return md.list_items(ctx.read(), ctx.code, search=search)
    rows = md.list_warehouses(ctx.read(), ctx.code)
    return [w for w in rows if not search or w["code"].startswith(search) or search in w["name"]]


def _blank(what: str) -> dict[str, str]:
    if what == "items":
        return {f: "" for f in ITEM_FIELDS} | {"tax_rate": "0.13", "kind": "stock"}
    if what == "warehouses":
        return {"code": "", "name": ""}
    return {f: "" for f in PARTY_FIELDS} | {"credit_days": "0", "credit_limit": "0"}


def _list_page(
    ctx: Ctx,
    what: str,
    *,
    q: str = "",
    page: int = 1,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    error: str = "",
    import_errors: list[str] | None = None,
    flash: str = "",
    status_code: int = 200,
) -> Response:
    _require_read(ctx)
    entity, label, one = ENTITY[what]
    rows = _rows(ctx, what, q)
    pages_n = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(max(1, page), pages_n)
    return section_page(
        ctx,
        "masterdata/list.html",
        "masterdata",
        entity,
        ctx._(label),
        status_code=status_code,
        what=what,
        entity=entity,
        label=label,
        one=one,
        rows=rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        total=len(rows),
        q=q,
        page_no=page,
        pages=pages_n,
        base_query=urlencode({"q": q} if q else {}),
        form=form or _blank(what),
        errors=errors or {},
        error=error,
        import_errors=import_errors or [],
        can_manage=ctx.can(Perm.DIMENSION_MANAGE),
        can_import=imports_module() is not None and what != "warehouses",
        field_labels=FIELD_LABELS,
        kind_labels=KIND_LABELS,
        item_kinds=ITEM_KINDS,
        vat_rates=[str(r) for r in VAT_RATES],
        editing="",
        flash=flash,
    )


def _create(ctx: Ctx, what: str, form: dict[str, str]) -> None:
    if what in ("customers", "suppliers"):
        md.create_party(
            ctx.uow(),
            ctx.code,
            ENTITY[what][0],
            code=form["code"],
            name=form["name"],
            tax_id=form["tax_id"],
            bank_name=form["bank_name"],
            bank_account=form["bank_account"],
            group=form["group"],
            credit_days=_int(form["credit_days"], "credit_days"),
            credit_limit=form["credit_limit"] or "0",
        )
    elif what == "items":
        md.create_item(
            ctx.uow(),
            ctx.code,
            code=form["code"],
            name=form["name"],
            spec=form["spec"],
            unit=form["unit"],
            category=form["category"],
            tax_rate=form["tax_rate"] or "0.13",
            kind=form["kind"] or "stock",
        )
    else:
        md.create_warehouse(ctx.uow(), ctx.code, code=form["code"], name=form["name"])


class NotANumber(YecaiError):
    code = "web.not_a_number"
    template = "Enter a whole number"


def _int(text: str, field: str) -> int:
    try:
        return int(text.strip() or "0")
    except ValueError:
        raise NotANumber(field=field) from None


def _field_error(ctx: Ctx, exc: YecaiError, form: dict[str, str]) -> tuple[dict[str, str], str]:
    message = error_message(exc, ctx.locale)
    field = exc.field if exc.field in form else ""
    if not field and exc.code in ("amount.invalid", "money.invalid_amount"):
        field = "credit_limit"
    return ({field: message} if field else {}), message


def _register(what: str) -> None:
    path = f"/masterdata/{what}"
    fields = {"customers": PARTY_FIELDS, "suppliers": PARTY_FIELDS, "items": ITEM_FIELDS}.get(
        what, ("code", "name")
    )

    def listing(
        ctx: WebCtx, q: str = "", page: int = 1, added: str = "", imported: int | None = None
    ) -> Response:
        flash = ctx._("{code} saved", code=added) if added else ""
        if imported is not None:
            flash = ctx._("{n} rows imported", n=imported)
        return _list_page(ctx, what, q=q, page=page, flash=flash)

    async def create(ctx: WebCtx, request: Request) -> Response:
        _require_manage(ctx)
        values = await request.form()
        form = {f: str(values.get(f, "")).strip() for f in fields}
        try:
            _create(ctx, what, form)
        except YecaiError as exc:
            errors, message = _field_error(ctx, exc, form)
            return _list_page(ctx, what, form=form, errors=errors, error=message, status_code=exc.http_status)
        return RedirectResponse(f"{path}?" + urlencode({"added": form["code"]}), status_code=303)

    async def upload(ctx: WebCtx, file: UploadFile, all_or_nothing: Annotated[str, Form()] = "") -> Response:
        """One call of the master-data import service; its issues listed by row and column."""
        _require_manage(ctx)
        module = imports_module()
        if module is None or what == "warehouses":
            return Response(status_code=404)
        name = Path(file.filename or "upload.csv").name
        suffix = Path(name).suffix.lower() if Path(name).suffix.lower() in (".csv", ".xlsx") else ".csv"
        data = await file.read(UPLOAD_BYTES_MAX + 1)
        if len(data) > UPLOAD_BYTES_MAX:
            message = ctx._("The file is larger than {n} MB", n=UPLOAD_BYTES_MAX // 1024 // 1024)
            return _list_page(ctx, what, import_errors=[message], status_code=413)
        try:
            with tempfile.TemporaryDirectory() as tmp:
                target = Path(tmp) / f"upload{suffix}"
                target.write_bytes(data)
                options = {"all_or_nothing": bool(all_or_nothing), "file_name": name}
                if what == "items":
                    summary = module.import_items(ctx.uow(), ctx.code, target, **options)
                else:
                    summary = module.import_parties(ctx.uow(), ctx.code, ENTITY[what][0], target, **options)
        except YecaiError as exc:
            inner = exc.errors if isinstance(exc, ValidationFailed) else [exc]
            shown = [error_render(e, ctx.locale) for e in inner[:IMPORT_ERRORS_SHOWN]]
            return _list_page(ctx, what, import_errors=shown, status_code=exc.http_status)
        if not summary.ok:
            shown = [
                ctx._(
                    "Row {row}, column {column}: {message}",
                    row=i.row or "",
                    column=i.column,
                    message=i.message,
                )
                for i in summary.issues[:IMPORT_ERRORS_SHOWN]
            ]
            flash = ctx._("{n} rows imported", n=summary.imported)
            return _list_page(ctx, what, import_errors=shown, flash=flash, status_code=422)
        return RedirectResponse(f"{path}?imported={summary.imported}", status_code=303)

    router.add_api_route(path, listing, methods=["GET"], name=f"md_{what}")
    router.add_api_route(path, create, methods=["POST"], name=f"md_{what}_create")
    router.add_api_route(path + "/import", upload, methods=["POST"], name=f"md_{what}_import")


for _what in ENTITY:
    _register(_what)


# --- one customer or supplier: view and edit -----------------------------------------------------------


def _party_page(
    ctx: Ctx,
    what: str,
    code: str,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    error: str = "",
    flash: str = "",
    status_code: int = 200,
) -> Response:
    _require_read(ctx)
    entity, label, one = ENTITY[what]
    party = md.get_party(ctx.read(), ctx.code, entity, code)
    current = {f: str(getattr(party, f)) for f in PARTY_FIELDS}
    return section_page(
        ctx,
        "masterdata/party.html",
        "masterdata",
        entity,
        f"{ctx._(one)} {party.code}",
        status_code=status_code,
        what=what,
        one=one,
        party=party,
        form=form or current,
        errors=errors or {},
        error=error,
        flash=flash,
        can_manage=ctx.can(Perm.DIMENSION_MANAGE),
        field_labels=FIELD_LABELS,
        doc_list="/sales/invoices" if entity == "customer" else "/purchasing/bills",
    )


def _register_party(what: str) -> None:
    path = f"/masterdata/{what}/{{code}}"

    def view(ctx: WebCtx, code: str, saved: str = "") -> Response:
        return _party_page(ctx, what, code, flash=ctx._("{code} saved", code=code) if saved else "")

    async def edit(ctx: WebCtx, code: str, request: Request) -> Response:
        _require_manage(ctx)
        values = await request.form()
        form = {f: str(values.get(f, "")).strip() for f in PARTY_FIELDS if f != "code"}
        form["code"] = code
        try:
            changes: dict[str, Any] = {k: v for k, v in form.items() if k != "code"}
            changes["credit_days"] = _int(form["credit_days"], "credit_days")
            changes["credit_limit"] = form["credit_limit"] or "0"
            changes["enabled"] = values.get("enabled") == "1"
            md.update_party(ctx.uow(), ctx.code, ENTITY[what][0], code, **changes)
        except NotFound:
            raise
        except YecaiError as exc:
            errors, message = _field_error(ctx, exc, form)
            return _party_page(
                ctx, what, code, form=form, errors=errors, error=message, status_code=exc.http_status
            )
        return RedirectResponse(f"/masterdata/{what}/{code}?saved=1", status_code=303)

    router.add_api_route(path, view, methods=["GET"], name=f"md_{what}_view")
    router.add_api_route(path, edit, methods=["POST"], name=f"md_{what}_edit")


for _what in ("customers", "suppliers"):
    _register_party(_what)
