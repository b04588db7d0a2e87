"""Login/logout (session cookie for the browser, bearer tokens for the API), the current user,
users and grants (administrators), API tokens and the audit log."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from yecai.api.deps import SESSION_COOKIE, UoW, bearer_token, client_source, get_db
from yecai.security import service
from yecai.store.db import Database

router = APIRouter(prefix="/api", tags=["security"])


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=60)
    password: str = Field(min_length=1, max_length=service.PASSWORD_MAX_LENGTH)
    kind: str = Field("api", pattern="^(api|session)$", description="api: bearer token; session: cookie")
    name: str = Field("", max_length=service.TOKEN_NAME_MAX, description="Name of an API token")


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=60)
    password: str = Field(min_length=1, max_length=service.PASSWORD_MAX_LENGTH)
    display_name: str = Field("", max_length=100)
    is_admin: bool = False
    locale: str = "zh_CN"


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    display_name: str | None = Field(None, max_length=100)
    locale: str | None = None
    is_admin: bool | None = None
    active: bool | None = None


class PasswordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    new_password: str = Field(min_length=1, max_length=service.PASSWORD_MAX_LENGTH)
    old_password: str | None = Field(None, max_length=service.PASSWORD_MAX_LENGTH)


class GrantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    company: str
    role: str


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=service.TOKEN_NAME_MAX)
    expires_days: int | None = Field(None, ge=1, le=3650)


# --- login / logout / me -----------------------------------------------------------------------


@router.post("/auth/login")
def login(
    body: LoginIn, request: Request, response: Response, db: Annotated[Database, Depends(get_db)]
) -> dict[str, Any]:
    """kind=api returns a bearer token; kind=session also sets an httponly SameSite=Lax cookie
    that lasts SESSION_HOURS from now (fixed, not sliding)."""
    token, user = service.login(
        db, body.username, body.password, kind=body.kind, source=client_source(request), name=body.name
    )
    if body.kind == "session":
        response.set_cookie(
            SESSION_COOKIE,
            token,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
            max_age=service.SESSION_HOURS * 3600,
            path="/",
        )
    return {"token": token, "token_type": "bearer", "kind": body.kind, "user": asdict(user)}


@router.post("/auth/logout")
def logout(request: Request, response: Response, db: Annotated[Database, Depends(get_db)]) -> dict[str, Any]:
    """Revoke the bearer token or the session cookie sent with this request."""
    token = bearer_token(request) or request.cookies.get(SESSION_COOKIE)
    revoked = bool(token) and service.logout(db, token or "", source=client_source(request))
    response.delete_cookie(SESSION_COOKIE, path="/")
    return {"status": "logged out", "revoked": revoked}


@router.get("/me")
def me(uow: UoW) -> dict[str, Any]:
    """The current user with its companies, its role and permissions in each."""
    return service.me(uow)


@router.put("/me/password")
def my_password(body: PasswordIn, uow: UoW) -> dict[str, str]:
    service.set_password(uow, uow.actor.username, body.new_password, old_password=body.old_password or "")
    return {"status": "password changed"}


# --- users and grants --------------------------------------------------------------------------


@router.get("/users")
def users(uow: UoW) -> list[dict[str, Any]]:
    return [asdict(u) for u in service.list_users(uow)]


@router.post("/users", status_code=201)
def user_create(body: UserCreate, uow: UoW) -> dict[str, Any]:
    return asdict(service.create_user(uow, **body.model_dump()))


@router.get("/users/{username}")
def user_get(username: str, uow: UoW) -> dict[str, Any]:
    return asdict(service.get_user(uow, username))


@router.patch("/users/{username}")
def user_update(username: str, body: UserUpdate, uow: UoW) -> dict[str, Any]:
    return asdict(service.update_user(uow, username, **body.model_dump(exclude_unset=True)))


@router.delete("/users/{username}")
def user_disable(username: str, uow: UoW) -> dict[str, Any]:
    """Users are never deleted (the audit log and vouchers name them): this disables the login."""
    return asdict(service.deactivate_user(uow, username))


@router.put("/users/{username}/password")
def user_password(username: str, body: PasswordIn, uow: UoW) -> dict[str, str]:
    service.set_password(uow, username, body.new_password, old_password=body.old_password)
    return {"status": "password changed"}


@router.put("/users/{username}/grants")
def user_grant(username: str, body: GrantIn, uow: UoW) -> dict[str, Any]:
    return asdict(service.grant(uow, username=username, company_code=body.company, role=body.role))


@router.delete("/users/{username}/grants/{company}")
def user_revoke(username: str, company: str, uow: UoW) -> dict[str, Any]:
    return asdict(service.revoke_grant(uow, username=username, company_code=company))


# --- tokens ------------------------------------------------------------------------------------


@router.get("/tokens")
def tokens(uow: UoW, user: str | None = None, all: bool = False) -> list[dict[str, Any]]:
    """Your API tokens and sessions (administrators: ?user=NAME, or ?user=* for everyone's)."""
    return [asdict(t) for t in service.list_tokens(uow, username=user, include_inactive=all)]


@router.post("/tokens", status_code=201)
def token_create(body: TokenIn, uow: UoW) -> dict[str, Any]:
    """A named API token for yourself; the secret is shown only in this answer."""
    token, view = service.create_token(uow, name=body.name, expires_days=body.expires_days)
    return {"token": token, "token_type": "bearer", **asdict(view)}


@router.delete("/tokens/{token_id}")
def token_revoke(token_id: int, uow: UoW) -> dict[str, Any]:
    return asdict(service.revoke_token(uow, token_id))


# --- audit log ---------------------------------------------------------------------------------


@router.get("/companies/{company}/audit")
def audit(
    company: str,
    uow: UoW,
    action: str | None = None,
    entity: str | None = None,
    entity_id: str | None = None,
    user: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=service.AUDIT_PAGE_SIZE_MAX)] = 100,
) -> dict[str, Any]:
    """Newest first. action 'voucher.*' matches a prefix; dates are China Standard Time days."""
    res = service.audit_page(
        uow,
        company,
        action=action,
        entity=entity,
        entity_id=entity_id,
        user=user,
        date_from=date_from,
        date_to=date_to,
        limit=page_size,
        offset=(page - 1) * page_size,
    )
    return {"total": res["total"], "page": page, "page_size": page_size, "items": res["items"]}


def register(app: FastAPI) -> None:
    app.include_router(router)
