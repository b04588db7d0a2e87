"""Upload endpoints: read an invoice (extract only) and import a bank statement.

Uploads are copied in blocks and refused with 413 past the limit before any parser runs;
unreadable or hostile files get 422 with the named error.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from yecai.api.deps import UoW
from yecai.core.errors import YecaiError
from yecai.intake import service
from yecai.intake.guard import FILE_BYTES_MAX

UPLOAD_BYTES_MAX = FILE_BYTES_MAX
_BLOCK_BYTES = 1 << 16

router = APIRouter(prefix="/api", tags=["intake"])


class UploadTooLarge(YecaiError):
    code = "intake.upload_too_large"
    template = "The upload is larger than {limit_mb} MB"
    http_status = 413


def _too_large() -> UploadTooLarge:
    return UploadTooLarge(limit_mb=UPLOAD_BYTES_MAX // (1024 * 1024), field="file")


def _read_upload(request: Request, file: UploadFile) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > UPLOAD_BYTES_MAX + 64 * 1024:
        raise _too_large()
    chunks: list[bytes] = []
    size = 0
    while block := file.file.read(_BLOCK_BYTES):
        size += len(block)
        if size > UPLOAD_BYTES_MAX:
            raise _too_large()
        chunks.append(block)
    return b"".join(chunks)


@router.post("/companies/{company}/intake/invoices/extract")
def invoice_extract(company: str, request: Request, file: UploadFile, uow: UoW) -> dict[str, Any]:
    """Read an OFD/XML e-invoice or a text-layer PDF invoice; nothing is stored.

    Returns the extract-only contract (see `yecai intake invoice --help`)."""
    data = _read_upload(request, file)
    return service.extract_invoice(data, file.filename or "", uow=uow, company=company)


@router.post("/companies/{company}/intake/bank-statements")
def bank_statement_import(
    company: str,
    request: Request,
    file: UploadFile,
    uow: UoW,
    account: str = "",
    extract_only: bool = False,
) -> dict[str, Any]:
    """Import a bank statement (OFX, camt.053, MT940, bank CSV/XLSX). With extract_only=true the
    statements are returned and nothing is stored."""
    data = _read_upload(request, file)
    if extract_only:
        with uow:  # the caller must see the company even to read
            from yecai.security.domain import Perm

            uow.company(company, Perm.COMPANY_VIEW)
        return {"statements": service.extract_statements(data, file.filename or "")}
    result = service.import_bank_statement(
        uow, company, data, file_name=file.filename or "", account_code=account
    )
    return result.to_dict()


# --- the invoice review queue -------------------------------------------------------------------


class CorrectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    changes: dict[str, str | None] = Field(
        default_factory=dict,
        max_length=200,
        description="field → value, e.g. {'total_with_tax': '1130.00', 'lines[2].amount': '400.00'}",
    )
    supplier: str | None = Field(None, max_length=40, description="Pin the supplier (code)")
    order: str | None = Field(None, max_length=40, description="Pin the purchase order (number or id)")
    lines: dict[int, dict[str, str]] | None = Field(
        None,
        max_length=500,
        description="Pin items/categories per line: {1: {'item': 'PAPER', 'category': '办公用品'}}",
    )


class RejectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field("", max_length=500)


@router.post("/companies/{company}/intake/invoices")
def invoice_submit(company: str, request: Request, file: UploadFile, uow: UoW) -> dict[str, Any]:
    """Take an invoice (OFD, XML, PDF, PNG/JPEG scan) into the review queue. One that passes every
    check becomes a draft vendor bill at once; a duplicate is refused with 409."""
    from yecai.intake import review

    data = _read_upload(request, file)
    return review.submit(uow, company, data, file.filename or "")


@router.get("/companies/{company}/intake/invoices")
def invoice_queue(company: str, uow: UoW, status: str = "queued", limit: int = 100) -> list[dict[str, Any]]:
    """The queue (status=queued), or drafted / rejected / all."""
    from yecai.intake import review

    return review.queue(uow, company, status=None if status == "all" else status, limit=limit)


@router.get("/companies/{company}/intake/invoices/{invoice_id}")
def invoice_show(company: str, invoice_id: int, uow: UoW) -> dict[str, Any]:
    from yecai.intake import review

    return review.show(uow, company, invoice_id)


@router.get("/companies/{company}/intake/invoices/{invoice_id}/image", response_class=Response)
def invoice_image(company: str, invoice_id: int, uow: UoW) -> Response:
    """The page as PNG (images, and the first page of PDFs); 404 for OFD/XML."""
    from yecai.core.errors import NotFound
    from yecai.intake import review

    png = review.preview_png(uow, company, invoice_id)
    if png is None:
        raise NotFound(what="invoice image", key=invoice_id, field="id")
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=300"})


@router.post("/companies/{company}/intake/invoices/{invoice_id}/correct")
def invoice_correct(company: str, invoice_id: int, body: CorrectionIn, uow: UoW) -> dict[str, Any]:
    from yecai.intake import review

    return review.correct(
        uow,
        company,
        invoice_id,
        dict(body.changes),
        supplier=body.supplier,
        order=body.order,
        line_items=body.lines,
    )


@router.post("/companies/{company}/intake/invoices/{invoice_id}/accept")
def invoice_accept(company: str, invoice_id: int, uow: UoW) -> dict[str, Any]:
    from yecai.intake import review

    return review.accept(uow, company, invoice_id)


@router.post("/companies/{company}/intake/invoices/{invoice_id}/reject")
def invoice_reject(company: str, invoice_id: int, body: RejectIn, uow: UoW) -> dict[str, Any]:
    from yecai.intake import review

    return review.reject(uow, company, invoice_id, body.reason)


class TaxIdIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tax_id: str = Field(max_length=20, description="The company's own 统一社会信用代码 (18 characters)")


@router.put("/companies/{company}/tax-id")
def company_tax_id_set(company: str, body: TaxIdIn, uow: UoW) -> dict[str, str]:
    """Record the company's own tax id: every invoice's buyer is checked against it."""
    from yecai.intake import review

    return review.set_company_tax_id(uow, company, body.tax_id)


def register(app: FastAPI) -> None:
    app.include_router(router)
