"""The import wizard: upload a file from another system, map its columns, see every cleaning change
and rejected row, undo what should not change, then import (``intake.etl`` does the work).

The uploaded file is kept under the data directory (``uploads/etl/<token>``) between the steps, so
the mapping can be changed and the preview repeated without uploading again; it is deleted after
the import and files older than a day are swept away.
"""

from __future__ import annotations

import secrets
import time
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request, UploadFile
from fastapi.responses import Response

from yecai.config import data_dir
from yecai.core.errors import YecaiError
from yecai.core.i18n import N_
from yecai.intake import cleaning, etl
from yecai.ledger.importer import FileUnreadable
from yecai.security.domain import Perm
from yecai.web.context import Ctx, web_ctx
from yecai.web.documents import section_page
from yecai.web.errors import error_render

router = APIRouter(include_in_schema=False)
WebCtx = Annotated[Ctx, Depends(web_ctx)]
UPLOAD_BYTES_MAX = 20 * 1024 * 1024
UPLOAD_KEEP_SECONDS = 24 * 3600
CHANGES_SHOWN = 500
KIND_LABELS = {
    "customer": N_("Customers"),
    "supplier": N_("Suppliers"),
    "item": N_("Items"),
    "account": N_("Accounts"),
    "opening": N_("Opening balances"),
    "sales_order": N_("Sales orders"),
    "purchase_order": N_("Purchase orders"),
    "sales_receipt": N_("Receipts"),
    "purchase_payment": N_("Payments"),
    "expense_claim": N_("Expense claims"),
    "vendor_bill": N_("Vendor bills"),
}
# Fields whose empty cells the preview page offers to fill (the tax bureau's list of input
# invoices has no expense category or department).
DEFAULT_FIELDS = {"vendor_bill": ("category", "department", "project")}
IMPORT_PERMS = (Perm.DIMENSION_MANAGE, Perm.ACCOUNT_MANAGE, Perm.VOUCHER_CREATE)


class UploadExpired(YecaiError):
    code = "etl.upload_expired"
    template = "The uploaded file is no longer here (imported, expired or unknown); upload it again"
    http_status = 422


class NoFileChosen(YecaiError):
    code = "etl.no_file"
    template = "Choose a file to upload"


def _folder() -> Path:
    folder = data_dir() / "uploads" / "etl"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _sweep(folder: Path) -> None:
    cutoff = time.time() - UPLOAD_KEEP_SECONDS
    for p in folder.iterdir():
        if p.is_file() and p.stat().st_mtime < cutoff:
            p.unlink(missing_ok=True)


def _upload_path(token: str) -> Path:
    """The stored upload of ``token`` (32 hex characters and a suffix; nothing else is accepted)."""
    stem, _, suffix = token.partition(".")
    if len(stem) != 32 or not all(ch in "0123456789abcdef" for ch in stem) or suffix not in ("csv", "xlsx"):
        raise UploadExpired(field="file")
    path = _folder() / token
    if not path.is_file():
        raise UploadExpired(field="file")
    return path


async def _store(file: UploadFile) -> tuple[str, str]:
    name = Path(file.filename or "upload.csv").name
    suffix = "xlsx" if name.lower().endswith((".xlsx", ".xlsm")) else "csv"
    data = await file.read(UPLOAD_BYTES_MAX + 1)
    if len(data) > UPLOAD_BYTES_MAX:
        raise FileUnreadable(name=name, reason=f"larger than {UPLOAD_BYTES_MAX // 1024 // 1024} MB")
    if not data:
        raise FileUnreadable(name=name, reason="the file is empty")
    folder = _folder()
    _sweep(folder)
    token = f"{secrets.token_hex(16)}.{suffix}"
    (folder / token).write_bytes(data)
    return token, name


def _form_options(form: Any) -> dict[str, Any]:
    mapping = None
    if form.get("mapped") == "1":
        mapping = {}
        for key, value in form.multi_items():
            if key.startswith("map:") and value:
                mapping[key[4:]] = str(value)
    defaults = None
    if form.get("mapped") == "1" and any(k.startswith("default:") for k in form):
        defaults = {
            key[8:]: str(value).strip()
            for key, value in form.multi_items()
            if key.startswith("default:") and str(value).strip()
        }
    return {
        "source": str(form.get("source") or "").strip(),
        "mapping": mapping,
        "defaults": defaults,
        "undo": [str(v) for v in form.getlist("undo")],
        "keep_duplicates": form.get("keep_duplicates") == "1",
    }


def _start(
    ctx: Ctx, *, errors: list[str] | None = None, form: dict[str, str] | None = None, status: int = 200
) -> Response:
    profiles = etl.list_profiles(ctx.read(), ctx.code)
    return section_page(
        ctx,
        "imports/start.html",
        "masterdata",
        "imports",
        ctx._("Import from other systems"),
        kinds=KIND_LABELS,
        sources=sorted({p["source"] for p in profiles}),
        profiles=profiles,
        errors=errors or [],
        form=form or {"kind": "customer", "source": ""},
        status_code=status,
    )


@router.get("/imports")
def start(ctx: WebCtx) -> Response:
    return _start(ctx)


@router.post("/imports/preview")
async def preview(ctx: WebCtx, request: Request) -> Response:
    form = await request.form()
    kind = str(form.get("kind") or "")
    token = str(form.get("token") or "")
    name = str(form.get("file_name") or "")
    options = _form_options(form)
    upload = form.get("file")
    try:
        if not token:
            if upload is None or isinstance(upload, str) or not upload.filename:
                raise NoFileChosen(field="file")
            token, name = await _store(upload)
        report = etl.preview(ctx.uow(), ctx.code, kind, _upload_path(token), file_name=name, **options)
    except YecaiError as exc:
        form_back = {"kind": kind, "source": options["source"]}
        return _start(ctx, errors=[error_render(exc, ctx.locale)], form=form_back, status=exc.http_status)
    return _preview_page(ctx, report, token, options)


def _preview_page(
    ctx: Ctx, report: etl.EtlReport, token: str, options: dict[str, Any], *, done: bool = False
) -> Response:
    specs = cleaning.fields_of(report.kind)
    return section_page(
        ctx,
        "imports/preview.html",
        "masterdata",
        "imports",
        ctx._("Import from other systems"),
        report=report,
        token=token,
        kind_label=KIND_LABELS[report.kind],
        fields=specs,
        field_labels={s.name: s.label for s in specs},
        rule_labels=cleaning.RULE_LABELS,
        undone=set(options.get("undo") or ()),
        keep_duplicates=options.get("keep_duplicates", False),
        changes=report.changes[:CHANGES_SHOWN],
        default_fields=[x for x in specs if x.name in DEFAULT_FIELDS.get(report.kind, ())],
        categories=_categories() if report.kind == "vendor_bill" else (),
        done=done,
        today=date.today().isoformat(),
    )


@router.post("/imports/run")
async def run(ctx: WebCtx, request: Request) -> Response:
    form = await request.form()
    kind = str(form.get("kind") or "")
    token = str(form.get("token") or "")
    name = str(form.get("file_name") or "")
    options = _form_options(form)
    day = None
    try:
        if kind == "opening" and form.get("date"):
            day = date.fromisoformat(str(form.get("date")))
        path = _upload_path(token)
        report = etl.run(
            ctx.uow(),
            ctx.code,
            kind,
            path,
            file_name=name,
            all_or_nothing=form.get("all_or_nothing") == "1",
            opening_date=day,
            post=kind == "vendor_bill" and form.get("post") == "1",
            **options,
        )
    except (YecaiError, ValueError) as exc:
        message = error_render(exc, ctx.locale) if isinstance(exc, YecaiError) else str(exc)
        return _start(ctx, errors=[message], form={"kind": kind, "source": options["source"]}, status=422)
    if report.imported:
        path.unlink(missing_ok=True)
    return _preview_page(ctx, report, token, options, done=True)


def _categories() -> tuple[str, ...]:
    from yecai.expenses.domain import CATEGORIES

    return CATEGORIES


def register(app: FastAPI) -> None:
    app.include_router(router)
