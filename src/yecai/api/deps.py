"""Request dependencies: the database, the authenticated actor and its unit of work.

Authentication and company scoping live here and in the unit of work, never in routes.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request

from yecai.core.errors import YecaiError
from yecai.core.i18n import normalize_locale
from yecai.security.service import NotAuthenticated, actor_from_token
from yecai.store.db import Database, get_database
from yecai.store.uow import Actor, UnitOfWork

SESSION_COOKIE = "yecai_session"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CrossSiteRefused(YecaiError):
    code = "auth.cross_site"
    template = "A request from another site ({origin}) may not use the session cookie"
    http_status = 403


def bearer_token(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip() or None
    return None


def _check_same_origin(request: Request) -> None:
    """Cookie-authenticated writes must come from our own pages (SameSite=Lax covers most
    browsers; this covers the rest). Requests without an Origin header are not from a browser
    page on another site."""
    origin = request.headers.get("origin")
    if not origin or request.method in _SAFE_METHODS:
        return
    host = request.headers.get("host", "")
    if urlsplit(origin).netloc != host:
        raise CrossSiteRefused(origin=origin)


def get_db(request: Request) -> Database:
    db: Database | None = getattr(request.app.state, "db", None)
    return db or get_database()


def client_source(request: Request, shell: str = "api") -> str:
    host = request.client.host if request.client else "-"
    return f"{shell} {host}"


def current_actor(request: Request, db: Annotated[Database, Depends(get_db)]) -> Actor:
    """A bearer token (scripts, API clients) or the session cookie (the browser); else 401."""
    token = bearer_token(request)
    shell = "api"
    if token is None and request.cookies.get(SESSION_COOKIE):
        token = request.cookies[SESSION_COOKIE]
        shell = "web"
        _check_same_origin(request)
    if not token:
        raise NotAuthenticated()
    actor = actor_from_token(db, token, source=client_source(request, shell))
    request.state.actor = actor
    return actor


def get_uow(
    actor: Annotated[Actor, Depends(current_actor)], db: Annotated[Database, Depends(get_db)]
) -> UnitOfWork:
    return UnitOfWork(db, actor)


def request_locale(request: Request) -> str:
    actor = getattr(request.state, "actor", None)
    if request.query_params.get("lang"):
        return normalize_locale(request.query_params["lang"])
    if request.cookies.get("yecai_lang"):
        return normalize_locale(request.cookies["yecai_lang"])
    if actor is not None:
        return normalize_locale(actor.locale)
    return normalize_locale(request.headers.get("accept-language"))


UoW = Annotated[UnitOfWork, Depends(get_uow)]
