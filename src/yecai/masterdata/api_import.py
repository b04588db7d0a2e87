"""Upload endpoints (multipart ``file``) for master data and order imports; each answers with the
summary and every error as {file, row, column, code, message}, like the voucher import.

POST /api/companies/{company}/customers/import, …/suppliers/import, …/items/import,
…/sales/orders/import and …/purchasing/orders/import (query: all_or_nothing, dry_run; orders also
confirm). Files larger than 20 MB are refused (413) before they are read.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request, UploadFile

from yecai.api.deps import UoW
from yecai.ledger.api_import import UploadTooLarge
from yecai.masterdata import imports

_COPY_BLOCK_BYTES = 1 << 20
router = APIRouter(prefix="/api/companies/{company}", tags=["import"])


def _too_large() -> UploadTooLarge:
    return UploadTooLarge(limit_mb=imports.UPLOAD_BYTES_MAX // (1024 * 1024), field="file")


@contextmanager
def _saved(request: Request, file: UploadFile) -> Iterator[tuple[Path, str]]:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > imports.UPLOAD_BYTES_MAX + 64 * 1024:
        raise _too_large()
    name = Path(file.filename or "upload.csv").name
    suffix = ".xlsx" if name.lower().endswith((".xlsx", ".xlsm")) else ".csv"
    with tempfile.TemporaryDirectory(prefix="yecai-import-") as tmp:
        path = Path(tmp) / f"upload{suffix}"
        size = 0
        with path.open("wb") as out:
            while block := file.file.read(_COPY_BLOCK_BYTES):
                size += len(block)
                if size > imports.UPLOAD_BYTES_MAX:
                    raise _too_large()
                out.write(block)
        yield path, name


def _import(
    request: Request, file: UploadFile, fn: Callable[[Path, str], imports.ImportSummary]
) -> dict[str, Any]:
    with _saved(request, file) as (path, name):
        return fn(path, name).to_dict()


@router.post("/customers/import")
def customers_import(
    company: str,
    request: Request,
    file: UploadFile,
    uow: UoW,
    all_or_nothing: bool = False,
    dry_run: bool = False,
) -> dict[str, Any]:
    return _import(
        request,
        file,
        lambda p, n: imports.import_parties(
            uow, company, "customer", p, all_or_nothing=all_or_nothing, dry_run=dry_run, file_name=n
        ),
    )


@router.post("/suppliers/import")
def suppliers_import(
    company: str,
    request: Request,
    file: UploadFile,
    uow: UoW,
    all_or_nothing: bool = False,
    dry_run: bool = False,
) -> dict[str, Any]:
    return _import(
        request,
        file,
        lambda p, n: imports.import_parties(
            uow, company, "supplier", p, all_or_nothing=all_or_nothing, dry_run=dry_run, file_name=n
        ),
    )


@router.post("/items/import")
def items_import(
    company: str,
    request: Request,
    file: UploadFile,
    uow: UoW,
    all_or_nothing: bool = False,
    dry_run: bool = False,
) -> dict[str, Any]:
    return _import(
        request,
        file,
        lambda p, n: imports.import_items(
            uow, company, p, all_or_nothing=all_or_nothing, dry_run=dry_run, file_name=n
        ),
    )


@router.post("/sales/orders/import")
def sales_orders_import(
    company: str,
    request: Request,
    file: UploadFile,
    uow: UoW,
    confirm: bool = False,
    all_or_nothing: bool = False,
    dry_run: bool = False,
) -> dict[str, Any]:
    from yecai.sales.imports import import_orders

    return _import(
        request,
        file,
        lambda p, n: import_orders(
            uow, company, p, confirm=confirm, all_or_nothing=all_or_nothing, dry_run=dry_run, file_name=n
        ),
    )


@router.post("/purchasing/orders/import")
def purchase_orders_import(
    company: str,
    request: Request,
    file: UploadFile,
    uow: UoW,
    confirm: bool = False,
    all_or_nothing: bool = False,
    dry_run: bool = False,
) -> dict[str, Any]:
    from yecai.purchasing.imports import import_orders

    return _import(
        request,
        file,
        lambda p, n: import_orders(
            uow, company, p, confirm=confirm, all_or_nothing=all_or_nothing, dry_run=dry_run, file_name=n
        ),
    )


def register(app: FastAPI) -> None:
    app.include_router(router)
