"""Analytics pages: the 13-week cash forecast (chart and table) and the late-payment risk of open
invoices. Registered through ``yecai.api.app.ROUTERS``; the figures come from
``analytics.service``, the same as the CLI and the API."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import Response

from yecai.analytics import service
from yecai.analytics.domain.forecast import WEEKS_MAX
from yecai.core.errors import YecaiError
from yecai.core.i18n import N_
from yecai.security.domain import Perm
from yecai.web.pages import WebCtx, page

router = APIRouter(include_in_schema=False)

METHODS = {"model": N_("fitted model"), "rules": N_("rules, too little history")}
RISK_ROWS_MAX = 500


class AnalyticsNotAllowed(YecaiError):
    code = "analytics.not_allowed"
    template = "Viewing reports is not allowed for your role in this company"
    http_status = 403


class InvalidDay(YecaiError):
    code = "analytics.invalid_day"
    template = "Not a date: {value!r} (expected YYYY-MM-DD)"


def _as_of(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidDay(value=value, field="as_of") from None


def _weeks(value: str | None) -> int:
    try:
        return max(1, min(WEEKS_MAX, int(value))) if value else 13
    except ValueError:
        return 13


@router.get("/analytics/forecast")
def forecast_page(ctx: WebCtx, weeks: str | None = None, as_of: str | None = None) -> Response:
    _ = ctx._
    if not ctx.can(Perm.REPORT_VIEW):
        raise AnalyticsNotAllowed()
    res = service.forecast(ctx.read(), ctx.code, weeks=_weeks(weeks), as_of=_as_of(as_of))
    chart: dict[str, Any] = {
        "labels": [w["end"][5:] for w in res["weeks"]],
        "p10": [w["closing_p10"] for w in res["weeks"]],
        "p50": [w["closing_p50"] for w in res["weeks"]],
        "p90": [w["closing_p90"] for w in res["weeks"]],
        "expected": [w["closing"] for w in res["weeks"]],
        "net": [w["net"] for w in res["weeks"]],
        "names": {
            "band": _("P10–P90 band"),
            "p50": _("Closing cash P50"),
            "expected": _("Closing cash expected"),
            "net": _("Net flow expected"),
        },
    }
    return page(
        ctx,
        "analytics_forecast.html",
        "analytics",
        _("Cash-flow forecast"),
        res=res,
        method_label=_(METHODS[res["method"]]),
        chart_json=json.dumps(chart, ensure_ascii=False),
        weeks=len(res["weeks"]),
    )


@router.get("/analytics/risk")
def risk_page(ctx: WebCtx, as_of: str | None = None, customer: str | None = None) -> Response:
    _ = ctx._
    if not ctx.can(Perm.REPORT_VIEW):
        raise AnalyticsNotAllowed()
    customer = (customer or "").strip() or None
    res = service.risk(ctx.read(), ctx.code, as_of=_as_of(as_of), locale=ctx.locale, customer=customer)
    invoices = res["invoices"][:RISK_ROWS_MAX]
    for inv in invoices:
        inv["p_late_pct"] = round(float(inv["p_late"]) * 100)
    return page(
        ctx,
        "analytics_risk.html",
        "analytics",
        _("Late-payment risk"),
        res=res,
        invoices=invoices,
        total=len(res["invoices"]),
        method_label=_(METHODS[res["method"]]),
        customer=customer,
    )


def register(app: FastAPI) -> None:
    app.include_router(router)
