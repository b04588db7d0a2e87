"""Upload endpoints: read an invoice (extract only) and import a bank statement.

Uploads are copied in blocks and refused with 413 past the limit before any parser runs;
unreadable or hostile files get 422 with the named error.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request, UploadFile

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


def register(app: FastAPI) -> None:
    app.include_router(router)
