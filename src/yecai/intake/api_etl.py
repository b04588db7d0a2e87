"""REST API of imports from other systems (see ``intake.etl``).

POST /api/companies/{company}/imports/{kind}/preview and …/run take a multipart ``file`` (CSV in
UTF-8 or GBK, or XLSX; at most 20 MB) and form fields ``source``, ``mapping`` (JSON object: file
column → field), ``defaults`` (JSON object: field → value), ``undo`` (``row:column`` keys,
comma-separated), ``keep_duplicates``; ``run`` also ``all_or_nothing``, ``date`` (opening
balances) and ``post`` (vendor bills: posted instead of drafts). Both answer with the report:
mapping, changes, problems, actions, counts.
GET/PUT …/imports/profiles and …/imports/codes read and edit the saved mappings and the code map.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form, Query, Request, Response, UploadFile
from pydantic import BaseModel, Field

from yecai.api.deps import UoW
from yecai.core.errors import YecaiError
from yecai.intake import etl, taxexport
from yecai.masterdata.api_import import _saved

router = APIRouter(prefix="/api/companies/{company}/imports", tags=["import"])


class InvalidJsonField(YecaiError):
    code = "etl.invalid_json"
    template = "{name} must be a JSON object of texts"


def _json_object(text: str, name: str) -> dict[str, str] | None:
    if not text.strip():
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        raise InvalidJsonField(name=name, field=name) from None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise InvalidJsonField(name=name, field=name)
    return value


def _options(source: str, mapping: str, defaults: str, undo: str, keep_duplicates: bool) -> dict[str, Any]:
    return {
        "source": source.strip(),
        "mapping": _json_object(mapping, "mapping"),
        "defaults": _json_object(defaults, "defaults"),
        "undo": [u.strip() for u in undo.split(",") if u.strip()],
        "keep_duplicates": keep_duplicates,
    }


@router.post("/{kind}/preview")
def preview(
    company: str,
    kind: str,
    request: Request,
    file: UploadFile,
    uow: UoW,
    source: Annotated[str, Form()] = "",
    mapping: Annotated[str, Form()] = "",
    defaults: Annotated[str, Form()] = "",
    undo: Annotated[str, Form()] = "",
    keep_duplicates: Annotated[bool, Form()] = False,
) -> dict[str, Any]:
    """What the import would do; nothing is written."""
    opts = _options(source, mapping, defaults, undo, keep_duplicates)
    with _saved(request, file) as (path, name):
        return etl.preview(uow, company, kind, path, file_name=name, **opts).to_dict()


@router.post("/{kind}/run")
def run(
    company: str,
    kind: str,
    request: Request,
    file: UploadFile,
    uow: UoW,
    source: Annotated[str, Form()] = "",
    mapping: Annotated[str, Form()] = "",
    defaults: Annotated[str, Form()] = "",
    undo: Annotated[str, Form()] = "",
    keep_duplicates: Annotated[bool, Form()] = False,
    all_or_nothing: Annotated[bool, Form()] = False,
    date_: Annotated[date | None, Form(alias="date")] = None,
    post: Annotated[bool, Form()] = False,
) -> dict[str, Any]:
    """Import the clean rows; the others come back as problems."""
    opts = _options(source, mapping, defaults, undo, keep_duplicates)
    with _saved(request, file) as (path, name):
        return etl.run(
            uow,
            company,
            kind,
            path,
            file_name=name,
            all_or_nothing=all_or_nothing,
            opening_date=date_,
            post=post,
            **opts,
        ).to_dict()


class ProfileIn(BaseModel):
    mapping: dict[str, str]
    defaults: dict[str, str] = Field(default_factory=dict)


@router.get("/profiles")
def profiles(company: str, uow: UoW) -> list[dict[str, Any]]:
    return etl.list_profiles(uow, company)


@router.put("/profiles/{source}/{kind}")
def save_profile(company: str, source: str, kind: str, body: ProfileIn, uow: UoW) -> dict[str, Any]:
    return etl.save_profile(
        uow, company, source=source, kind=kind, mapping=body.mapping, defaults=body.defaults
    )


class CodeIn(BaseModel):
    source: str
    kind: str
    external_code: str
    code: str


@router.get("/codes")
def codes(company: str, uow: UoW, source: str | None = None) -> list[dict[str, str]]:
    return etl.list_codes(uow, company, source=source)


@router.put("/codes")
def set_code(company: str, body: CodeIn, uow: UoW) -> dict[str, str]:
    return etl.set_code(
        uow, company, source=body.source, kind=body.kind, external_code=body.external_code, code=body.code
    )


tax_router = APIRouter(prefix="/api/companies/{company}/tax", tags=["tax"])
MEDIA = {
    ".xml": "application/xml",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@tax_router.get("/invoices-export")
def tax_export(
    company: str,
    uow: UoW,
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
    format: str = "kp-xml",
) -> Response:
    """Posted sales invoices in the import format of the invoicing software (kp-xml | sdp-xlsx)."""
    data, _n, suffix = taxexport.export(uow, company, format, start, end)
    name = f"{company}-invoices-{start.isoformat()}-{end.isoformat()}{suffix}"
    return Response(
        data, media_type=MEDIA[suffix], headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def register(app: FastAPI) -> None:
    app.include_router(router)
    app.include_router(tax_router)
