"""The FastAPI application: REST API (OpenAPI at /docs) and, mounted on it, the web workspace."""

from __future__ import annotations

import importlib

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse

from yecai import __version__
from yecai.api.deps import request_locale
from yecai.core.errors import ValidationFailed, YecaiError
from yecai.store.db import Database, get_database

ROUTERS = (
    "yecai.security.api",
    "yecai.ledger.api",
    "yecai.ledger.api_reports",
    "yecai.ledger.api_period",
    "yecai.ledger.api_import",
    "yecai.masterdata.api",
    "yecai.posting.api",
    "yecai.sales.api",
    "yecai.sales.api_reports",
    "yecai.inventory.api",
    "yecai.purchasing.api",
    "yecai.production.api",
    "yecai.expenses.api",
    "yecai.masterdata.api_import",
    "yecai.intake.api",
    "yecai.receivables.api",
    "yecai.web.receivables",
    "yecai.receivables.api_review",
    "yecai.web.receivables_review",
    "yecai.receivables.api_dunning",
    "yecai.web.receivables_dunning",
    "yecai.analytics.api",
    "yecai.web.analytics",
    "yecai.web.intake_review",
    "yecai.intake.api_etl",
    "yecai.web.imports",
    "yecai.web.taxexport",
    "yecai.payables.api",
    "yecai.web.payables_review",
    "yecai.web.app",
)


def create_app(db: Database | None = None) -> FastAPI:
    app = FastAPI(
        title="yecai 业财一体化",
        version=__version__,
        description="REST API of yecai. Log in at POST /api/auth/login, then send `Authorization: Bearer <token>`.",
    )
    app.state.db = db or get_database()

    @app.exception_handler(YecaiError)
    async def yecai_error(request: Request, exc: YecaiError) -> JSONResponse:
        loc = request_locale(request)
        body = {"error": exc.to_dict(loc)}
        if isinstance(exc, ValidationFailed):
            body["error"]["errors"] = [e.to_dict(loc) for e in exc.errors[:1000]]
        headers = {"WWW-Authenticate": "Bearer"} if exc.http_status == 401 else None
        return JSONResponse(body, status_code=exc.http_status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def request_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "code": "request.invalid",
                "field": ".".join(str(p) for p in e.get("loc", ())[1:]) or None,
                "message": e.get("msg", ""),
            }
            for e in exc.errors()
        ]
        return JSONResponse(
            {
                "error": {
                    "code": "request.invalid",
                    "message": errors[0]["message"] if errors else "",
                    "field": errors[0]["field"] if errors else None,
                    "errors": errors,
                }
            },
            status_code=422,
        )

    @app.get("/api/health", tags=["system"])
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    for name in ROUTERS:
        importlib.import_module(name).register(app)
    if not any(getattr(r, "path", None) == "/" for r in app.routes):

        @app.get("/", include_in_schema=False)
        def home() -> RedirectResponse:
            return RedirectResponse("/docs")

    return app
