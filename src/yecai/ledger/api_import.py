"""POST /api/companies/{company}/vouchers/import: upload a CSV/XLSX voucher file (multipart)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request, UploadFile

from yecai.api.deps import UoW
from yecai.core.errors import YecaiError
from yecai.ledger.bulk import import_vouchers

UPLOAD_BYTES_MAX = 200 * 1024 * 1024
_COPY_BLOCK_BYTES = 1 << 20

router = APIRouter(prefix="/api", tags=["ledger"])


class UploadTooLarge(YecaiError):
    code = "import.too_large"
    template = "The file is larger than {limit_mb} MB; split it, or import it with the CLI"
    http_status = 413


def _too_large() -> UploadTooLarge:
    return UploadTooLarge(limit_mb=UPLOAD_BYTES_MAX // (1024 * 1024), field="file")


@router.post("/companies/{company}/vouchers/import")
def voucher_import(
    company: str,
    request: Request,
    file: UploadFile,
    uow: UoW,
    post: bool = False,
    all_or_nothing: bool = False,
) -> dict[str, Any]:
    """Import vouchers (one row per line; see `yecai voucher import --help` for the columns).

    Returns the summary and every error as {file, row, column, code, message}. Re-uploading the
    same file skips the vouchers already imported from it.
    """
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > UPLOAD_BYTES_MAX + 64 * 1024:
        raise _too_large()
    name = Path(file.filename or "upload.csv").name
    suffix = ".xlsx" if name.lower().endswith((".xlsx", ".xlsm")) else ".csv"
    with tempfile.TemporaryDirectory(prefix="yecai-import-") as tmp:
        path = Path(tmp) / f"upload{suffix}"
        size = 0
        with path.open("wb") as out:
            while block := file.file.read(_COPY_BLOCK_BYTES):
                size += len(block)
                if size > UPLOAD_BYTES_MAX:
                    raise _too_large()
                out.write(block)
        summary = import_vouchers(
            uow, company, path, post=post, all_or_nothing=all_or_nothing, file_name=name, parallel=False
        )
    return summary.to_dict()


def register(app: FastAPI) -> None:
    app.include_router(router)
