"""The web workspace: server-rendered pages on the same service layer as the API and the CLI.

``register(app)`` is called by ``yecai.api.app.create_app``. Pages live at the site root (the
API stays under /api); our own CSS/JS is served from /static/, the npm libraries (htmx, ECharts)
from /static/vendor/<lib>/ straight out of node_modules. Every page works without them: forms
post and links navigate; the libraries only make it quicker.
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from yecai.core.errors import YecaiError
from yecai.web.context import LoginRequired, login_redirect, render, translator
from yecai.web.errors import error_render

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"


def node_modules_dir() -> Path:
    """Where ``npm ci`` put the libraries: YECAI_NODE_MODULES, else the repository root."""
    env = os.environ.get("YECAI_NODE_MODULES")
    return Path(env) if env else HERE.parents[2] / "node_modules"


# /static/vendor/<name>/<file> → node_modules/<package>/<dist folder>/<file>; nothing else is served.
VENDOR = {"htmx": ("htmx.org", "dist"), "echarts": ("echarts", "dist")}


def is_web_path(path: str) -> bool:
    return not (path.startswith("/api") or path in ("/docs", "/redoc", "/openapi.json"))


def register(app: FastAPI) -> None:
    from yecai.web import books, docforms, documents, masters, pages, parties, production, stock, vouchers

    app.mount("/static/yecai", StaticFiles(directory=STATIC_DIR), name="web-static")

    @app.get("/static/vendor/{lib}/{path:path}", include_in_schema=False)
    def vendor(lib: str, path: str) -> Response:
        if lib not in VENDOR:
            return Response(status_code=404)
        package, dist = VENDOR[lib]
        root = (node_modules_dir() / package / dist).resolve()
        target = (root / path).resolve()
        if not target.is_relative_to(root) or not target.is_file():
            return Response(status_code=404)
        return FileResponse(target, headers={"Cache-Control": "public, max-age=86400"})

    # docforms before documents: /…/new must not be read as a document id (it is not an int anyway)
    # stock before documents: /inventory/counts/new is the count sheet, not a docforms form
    for module in (pages, vouchers, books, masters, stock, production, docforms, documents, parties):
        app.include_router(module.router)

    api_error_handler = app.exception_handlers.get(YecaiError)

    async def yecai_error(request: Request, exc: Exception) -> Response:
        """A refusal on a page is shown as a page in the user's language; the API keeps JSON."""
        assert isinstance(exc, YecaiError)
        if not is_web_path(request.url.path) and api_error_handler is not None:
            return await api_error_handler(request, exc)  # type: ignore[no-any-return]
        from yecai.web.context import web_ctx

        try:
            ctx = web_ctx(request)
        except (LoginRequired, YecaiError):
            ctx = None
        locale = ctx.locale if ctx else "zh_CN"
        if request.headers.get("accept", "").startswith("application/json"):
            return JSONResponse({"error": exc.to_dict(locale)}, status_code=exc.http_status)
        return render(
            request,
            "error.html",
            ctx=ctx,
            status_code=exc.http_status,
            error=exc,
            message=error_render(exc, locale),
            title=translator(locale)("Error"),
        )

    async def login_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LoginRequired)
        if request.headers.get("hx-request") == "true":
            return Response(status_code=401, headers={"HX-Redirect": login_redirect(exc.next_url)})
        return RedirectResponse(login_redirect(exc.next_url), status_code=303)

    app.add_exception_handler(YecaiError, yecai_error)
    app.add_exception_handler(LoginRequired, login_required)
