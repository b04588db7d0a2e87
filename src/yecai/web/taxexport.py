"""Sales → 开票软件: download posted sales invoices in the invoicing software's import format."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import Response

from yecai.core.errors import YecaiError
from yecai.intake import taxexport
from yecai.web.context import Ctx, web_ctx
from yecai.web.documents import parse_day, section_page
from yecai.web.errors import error_render

router = APIRouter(include_in_schema=False)
WebCtx = Annotated[Ctx, Depends(web_ctx)]
MEDIA = {
    ".xml": "application/xml",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _page(ctx: Ctx, start: str, end: str, fmt: str, error: str = "", status: int = 200) -> Response:
    return section_page(
        ctx,
        "tax_export.html",
        "sales",
        "tax_export",
        ctx._("Export to invoicing software"),
        form={"from": start, "to": end, "format": fmt},
        formats=taxexport.FORMATS,
        error=error,
        status_code=status,
    )


@router.get("/sales/tax-export")
def tax_export(ctx: WebCtx, start: str = "", end: str = "", format: str = "kp-xml", go: str = "") -> Response:
    today = date.today()
    start = start or today.replace(day=1).isoformat()
    end = end or today.isoformat()
    if not go:
        return _page(ctx, start, end, format)
    first, last = parse_day(start), parse_day(end)
    try:
        if first is None or last is None:
            raise taxexport.NothingToExport(start=start, end=end, field="start")
        data, _n, suffix = taxexport.export(ctx.uow(), ctx.code, format, first, last)
    except YecaiError as exc:
        return _page(ctx, start, end, format, error_render(exc, ctx.locale), exc.http_status)
    name = f"{ctx.code}-invoices-{first.isoformat()}-{last.isoformat()}{suffix}"
    return Response(
        data, media_type=MEDIA[suffix], headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def register(app: FastAPI) -> None:
    app.include_router(router)
