"""Login, language and company switches, the home dashboard and the global search."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from yecai.api.deps import SESSION_COOKIE, client_source, get_db, request_locale
from yecai.core.errors import NotFound, YecaiError
from yecai.core.i18n import normalize_locale
from yecai.core.money import from_minor
from yecai.core.periods import Period
from yecai.ledger import reports
from yecai.ledger import service as ledger
from yecai.security import service as security
from yecai.security.domain import Perm
from yecai.web import doclist, nav
from yecai.web.context import (
    COMPANY_COOKIE,
    LANG_COOKIE,
    Ctx,
    render,
    safe_next,
    session_token,
    translator,
    web_ctx,
)
from yecai.web.errors import error_message

router = APIRouter(include_in_schema=False)
WebCtx = Annotated[Ctx, Depends(web_ctx)]
CHART_MONTHS = 6  # each month is one income statement (~15 ms on the demo); a year would near the 300 ms bar
SEARCH_LIMIT = 12
YEAR_COOKIE_SECONDS = 365 * 24 * 3600


def page(
    ctx: Ctx, template: str, active: str, title: str, *, status_code: int = 200, **context: Any
) -> Response:
    """Render a workspace page with the navigation the user's role allows."""
    return ctx.render(
        template, status_code=status_code, nav=nav.visible(ctx.perms), active=active, title=title, **context
    )


# --- login, logout, switches -------------------------------------------------------------------


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    _ = translator(request_locale(request))
    return render(request, "login.html", title=_("Log in"), next_url=safe_next(next), username="", error=None)


@router.post("/login")
def login_submit(
    request: Request,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    locale = request_locale(request)
    try:
        token, user = security.login(
            get_db(request), username, password, kind="session", source=client_source(request, "web")
        )
    except YecaiError as exc:
        return render(
            request,
            "login.html",
            status_code=exc.http_status,
            title=translator(locale)("Log in"),
            next_url=safe_next(next),
            username=username,
            error=exc,
            error_message=error_message(exc, locale),
        )
    resp = RedirectResponse(safe_next(next), status_code=303)
    resp.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="lax", max_age=security.SESSION_HOURS * 3600
    )
    if not request.cookies.get(LANG_COOKIE) and user.locale:
        resp.set_cookie(
            LANG_COOKIE, normalize_locale(user.locale), max_age=YEAR_COOKIE_SECONDS, samesite="lax"
        )
    return resp


@router.post("/logout")
def logout(request: Request) -> Response:
    token = session_token(request)
    if token:
        security.logout(get_db(request), token)
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE)
    return resp


@router.get("/lang/{code}")
def switch_language(code: str, next: str = "/") -> Response:
    resp = RedirectResponse(safe_next(next), status_code=303)
    resp.set_cookie(LANG_COOKIE, normalize_locale(code), max_age=YEAR_COOKIE_SECONDS, samesite="lax")
    return resp


@router.post("/company")
def switch_company(
    ctx: WebCtx, company: Annotated[str, Form()], next: Annotated[str, Form()] = "/"
) -> Response:
    if not any(c["code"] == company for c in ctx.companies):
        raise NotFound(what="company", key=company, field="company")
    resp = RedirectResponse(safe_next(next), status_code=303)
    resp.set_cookie(COMPANY_COOKIE, company, max_age=YEAR_COOKIE_SECONDS, samesite="lax")
    return resp


# --- the working period --------------------------------------------------------------------------


def working_period(ctx: Ctx) -> Period:
    """The period people are working in: this month, or the latest month with vouchers when the
    books have not reached this month (a demo company, a company catching up on its bookkeeping)."""
    today = Period.of(date.today())
    first = ledger.list_vouchers(ctx.read(), ctx.code, page_size=1)
    if first["total"] == 0:
        return today
    last = ledger.list_vouchers(ctx.read(), ctx.code, page_size=1, page=first["total"])["items"][0]
    latest = Period.parse(last.period)
    return today if latest >= today else latest


def default_voucher_date(ctx: Ctx) -> date:
    p = working_period(ctx)
    today = date.today()
    return today if p.contains(today) else p.last_day


def period_param(ctx: Ctx, value: str | None) -> Period:
    if value:
        return Period.parse(value)
    return working_period(ctx)


# --- home ------------------------------------------------------------------------------------------


def _closing_net(rows: list[reports.TrialBalanceRow], code: str) -> int:
    for r in rows:
        if r.account_code == code:
            return r.closing_debit - r.closing_credit
    return 0


def _statement_amount(rows: list[reports.StatementRow], key: str) -> int:
    return next((r.amount for r in rows if r.key == key), 0)


@router.get("/")
def home(ctx: WebCtx, period: str | None = None) -> Response:
    _ = ctx._
    if ctx.company is None:
        return page(ctx, "no_company.html", "home", _("Home"))
    p = period_param(ctx, period)
    figures: dict[str, Any] | None = None
    if ctx.can(Perm.REPORT_VIEW):
        tb = reports.trial_balance(ctx.read(), ctx.code, str(p), level_max=1)
        this_month = reports.income_statement(ctx.read(), ctx.code, str(p))
        last_month = reports.income_statement(ctx.read(), ctx.code, str(p.prev()))
        figures = {
            "cash": _closing_net(tb, "1001") + _closing_net(tb, "1002"),
            "receivables": _closing_net(tb, "1122"),
            "payables": -_closing_net(tb, "2202"),
            "revenue": _statement_amount(this_month, "operating_revenue"),
            "revenue_prev": _statement_amount(last_month, "operating_revenue"),
            "profit": _statement_amount(this_month, "net_profit"),
            "profit_prev": _statement_amount(last_month, "net_profit"),
        }
    actions: list[dict[str, Any]] = []
    if ctx.can(Perm.VOUCHER_REVIEW):
        drafts = ledger.list_vouchers(ctx.read(), ctx.code, status="draft", page_size=5)
        actions.append({"label": _("Vouchers to review"), "status": "draft", **drafts})
    if ctx.can(Perm.VOUCHER_POST):
        reviewed = ledger.list_vouchers(ctx.read(), ctx.code, status="reviewed", page_size=5)
        actions.append({"label": _("Vouchers to post"), "status": "reviewed", **reviewed})
    # documents waiting for this role: drafts to confirm or post, goods received not billed, bills to pay
    waiting = [w for w in doclist.waiting(ctx.read(), ctx.code, ctx.perms) if w["count"]]
    return page(
        ctx,
        "home.html",
        "home",
        _("Home"),
        period=p,
        figures=figures,
        actions=actions,
        waiting=waiting,
    )


@router.get("/dashboard/trend")
def trend(ctx: WebCtx, period: str | None = None) -> Response:
    """Revenue and net profit per month for the year up to ``period``: loaded into the dashboard
    after it shows (HTMX), or a page of its own without JavaScript."""
    _ = ctx._
    p = period_param(ctx, period)
    months = [p]
    while len(months) < CHART_MONTHS:
        months.insert(0, months[0].prev())
    chart = []
    for m in months:
        rows = reports.income_statement(ctx.read(), ctx.code, str(m))
        chart.append(
            {
                "period": str(m),
                "label": ctx.period_label(m),
                "revenue": _statement_amount(rows, "operating_revenue"),
                "profit": _statement_amount(rows, "net_profit"),
            }
        )
    chart_json = json.dumps(
        {
            "labels": [c["label"] for c in chart],
            "revenue": [str(from_minor(c["revenue"], ctx.currency)) for c in chart],
            "profit": [str(from_minor(c["profit"], ctx.currency)) for c in chart],
            "names": {"revenue": _("Revenue"), "profit": _("Net profit")},
        },
        ensure_ascii=False,
    )
    return page(
        ctx,
        "trend.html",
        "home",
        _("Revenue and profit by month"),
        chart=chart,
        chart_json=chart_json,
        period=p,
    )


# --- search ----------------------------------------------------------------------------------------

_VOUCHER_NO_RE = re.compile(r"^\s*(?:(\d{4}-\d{1,2})\s*/\s*)?([记收付转])\s*-?\s*(\d+)\s*$")


def search_results(ctx: Ctx, q: str) -> dict[str, Any]:
    q = q.strip()[:100]
    out: dict[str, Any] = {"accounts": [], "vouchers": []}
    if not q or ctx.company is None:
        return out
    out["accounts"] = ledger.list_accounts(ctx.read(), ctx.code, search=q)[:SEARCH_LIMIT]
    if not ctx.can(Perm.REPORT_VIEW) and not ctx.can(Perm.VOUCHER_CREATE):
        return out
    vouchers = []
    m = _VOUCHER_NO_RE.match(q)
    if m:
        period = m.group(1) or str(working_period(ctx))
        try:
            vid = ledger.find_voucher_id(ctx.read(), ctx.code, f"{period}/{m.group(2)}-{m.group(3)}")
            vouchers.append(ledger.get_voucher(ctx.read(), ctx.code, vid))
        except NotFound:
            pass
    if not m or not vouchers:
        found = ledger.list_vouchers(ctx.read(), ctx.code, text=q, page_size=SEARCH_LIMIT)["items"]
        vouchers.extend(v for v in found if all(v.id != w.id for w in vouchers))
    out["vouchers"] = vouchers
    return out


@router.get("/search")
def search(ctx: WebCtx, q: str = "", partial: str = "") -> Response:
    results = search_results(ctx, q)
    if partial:
        return ctx.render("search_results.html", q=q, **results)
    return page(ctx, "search.html", "", ctx._("Search"), q=q, **results)


@router.get("/ui/accounts")
def account_suggestions(ctx: WebCtx, q: str = "", all: str = "") -> Response:
    """Autocomplete for voucher entry: postable (leaf, enabled) accounts by code, name or pinyin."""
    q = q.strip()[:40]
    if not q:
        return JSONResponse([])
    views = ledger.list_accounts(ctx.read(), ctx.code, search=q)
    items = [
        {
            "code": v.code,
            "name": v.name_en if ctx.locale == "en" and v.name_en else v.name,
            "dims": list(v.dimensions),
        }
        for v in views
        if all or (v.is_leaf and v.enabled)
    ]
    return JSONResponse(items[:SEARCH_LIMIT])
