"""Who is asking, in which company and language: the web workspace's request context.

Authentication is the API's session cookie (``security.service.login(kind="session")``); the
chosen company is a cookie too, honoured only for companies the user is granted (the unit of
work checks it again on every service call). Permissions decide what the navigation shows;
the services enforce them regardless.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from yecai.api.deps import SESSION_COOKIE, client_source, get_db, request_locale
from yecai.core.errors import YecaiError
from yecai.ledger import service as ledger
from yecai.security import service as security
from yecai.security.domain import Perm
from yecai.store.db import Database
from yecai.store.uow import Actor, UnitOfWork
from yecai.web import fmt
from yecai.web.errors import pgettext
from yecai.web.links import doc_url

COMPANY_COOKIE = "yecai_company"
LANG_COOKIE = "yecai_lang"
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
TEMPLATES.env.filters["money"] = fmt.money
TEMPLATES.env.filters["amt"] = fmt.amt
TEMPLATES.env.filters["dec"] = fmt.dec
TEMPLATES.env.globals["Perm"] = Perm
TEMPLATES.env.globals["doc_url"] = doc_url


class NoCompany(YecaiError):
    code = "web.no_company"
    template = "You have no company yet; ask an administrator to grant you a role in one"
    http_status = 403


class LoginRequired(Exception):
    """No valid session: the browser is sent to the login page (not an API 401)."""

    def __init__(self, next_url: str = "/") -> None:
        super().__init__(next_url)
        self.next_url = next_url


def translator(locale: str) -> Callable[..., str]:
    """``_(msgid, **params)`` for pages. A msgid may carry a context prefix for words that are
    ambiguous in Chinese ('voucher|Post' → 过账); without a translation the prefix is dropped."""

    def _(msgid: str, **params: Any) -> str:
        text = pgettext(msgid, locale)
        return text.format(**params) if params else text

    return _


@dataclass
class Ctx:
    """Everything a page needs about the request; built once per request."""

    request: Request
    db: Database
    actor: Actor
    locale: str
    companies: list[dict[str, Any]]
    company: dict[str, Any] | None
    perms: set[str] = field(default_factory=set)

    def uow(self) -> UnitOfWork:
        """For a command that writes."""
        return UnitOfWork(self.db, self.actor)

    def read(self) -> UnitOfWork:
        """For a read: no write lock taken (SQLite BEGIN IMMEDIATE is for writers only)."""
        return UnitOfWork(self.db, self.actor, readonly=True)

    @property
    def code(self) -> str:
        if self.company is None:
            raise NoCompany()
        return str(self.company["code"])

    @property
    def currency(self) -> str:
        return str(self.company["currency"]) if self.company else "CNY"

    def can(self, perm: str) -> bool:
        return perm in self.perms

    @cached_property
    def _(self) -> Callable[..., str]:
        return translator(self.locale)

    def period_label(self, value: Any) -> str:
        return fmt.period_label(value, self.locale)

    def render(self, template: str, status_code: int = 200, **context: Any) -> Response:
        return render(self.request, template, ctx=self, status_code=status_code, **context)


def render(
    request: Request, template: str, *, ctx: Ctx | None = None, status_code: int = 200, **context: Any
) -> Response:
    locale = ctx.locale if ctx else request_locale(request)
    _ = ctx._ if ctx else translator(locale)
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "ctx": ctx,
            "_": _,
            "locale": locale,
            "period_label": lambda v: fmt.period_label(v, locale),
            "partial": request.headers.get("hx-request") == "true"
            and request.headers.get("hx-boosted") != "true",
            **context,
        },
        status_code=status_code,
    )


def session_token(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE)


def current_url(request: Request) -> str:
    url = request.url.path
    if request.url.query:
        url += "?" + request.url.query
    return url


def web_ctx(request: Request) -> Ctx:
    """FastAPI dependency: the logged-in user's context, or a redirect to /login."""
    token = session_token(request)
    db = get_db(request)
    if not token:
        raise LoginRequired(current_url(request))
    try:
        actor = security.actor_from_token(db, token, source=client_source(request, "web"))
    except security.NotAuthenticated:
        raise LoginRequired(current_url(request)) from None
    request.state.actor = actor
    locale = request_locale(request)
    companies = ledger.list_companies(UnitOfWork(db, actor, readonly=True))
    wanted = request.cookies.get(COMPANY_COOKIE)
    company = next((c for c in companies if c["code"] == wanted), companies[0] if companies else None)
    perms: set[str] = set()
    if company is not None:
        perms = security.company_permissions(UnitOfWork(db, actor, readonly=True), company["code"])
    return Ctx(request, db, actor, locale, companies, company, perms)


def login_redirect(next_url: str) -> str:
    return "/login?next=" + quote(next_url, safe="")


def safe_next(value: str | None) -> str:
    """Only same-site paths are followed after login or a switch (no open redirects)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value
