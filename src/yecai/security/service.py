"""Users, roles, logins, tokens and the audit log (use cases).

Sessions and tokens
    A browser session lasts SESSION_HOURS from login, *fixed* (not sliding): however active the
    user is, the session ends after one working day and the browser logs in again. Fixed expiry
    needs no write on every request and bounds what a stolen cookie is worth. API tokens are
    named, carry no expiry unless one is given, and live until revoked. Only the SHA-256 of a
    secret is stored; the secret is shown once, when it is issued.

Login rate limiting
    LOGIN_FAILURES_MAX failed logins for one username within LOGIN_WINDOW lock that username for
    LOCKOUT (counted from the failure that tripped it). It is counted from the audit log, per
    username as typed, so unknown usernames lock the same way and a lock reveals nothing about
    which users exist. Attempts while locked are refused without checking the password and are
    audited as ``auth.login_locked`` (they don't extend the lock). A successful login or an
    administrator's password reset clears the count.

User management
    Only system administrators create, change, disable users and reset passwords; roles in a
    company are granted and revoked by whoever holds ``user.manage`` there (system
    administrators, and users with the company role ``admin``).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from yecai.core.errors import Conflict, FieldRequired, NotFound, PermissionDenied, YecaiError
from yecai.core.i18n import LOCALES
from yecai.ledger.models import Company
from yecai.security.domain import Perm, Role, permissions_of
from yecai.security.models import AuditLog, AuthToken, CompanyGrant, User
from yecai.store.base import utcnow
from yecai.store.db import Database
from yecai.store.uow import Actor, UnitOfWork

_hasher = PasswordHasher()
SESSION_HOURS = 12
PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 200
USERNAME_RE = re.compile(r"^[A-Za-z0-9._-]{1,60}$")
TOKEN_NAME_MAX = 100
LOGIN_FAILURES_MAX = 10
LOGIN_WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)
AUDIT_PAGE_SIZE_MAX = 1000
# Audit dates given by users are calendar days in China Standard Time (no daylight saving).
BOOK_TZ = timezone(timedelta(hours=8))


# --- errors ------------------------------------------------------------------------------------


class LoginFailed(YecaiError):
    code = "auth.login_failed"
    template = "Wrong username or password"
    http_status = 401


class LoginLocked(YecaiError):
    code = "auth.locked"
    template = "Too many failed logins for {username}; try again in {minutes} minute(s)"
    http_status = 429


class NotAuthenticated(YecaiError):
    code = "auth.required"
    template = "Please log in (a session or a bearer token is required)"
    http_status = 401


class WrongPassword(YecaiError):
    code = "auth.wrong_password"
    template = "The current password is wrong"
    http_status = 403


class WeakPassword(YecaiError):
    code = "auth.weak_password"
    template = "A password needs at least {min} characters"


class PasswordTooLong(YecaiError):
    code = "auth.password_too_long"
    template = "A password may have at most {max} characters"


class PasswordIsUsername(YecaiError):
    code = "auth.password_is_username"
    template = "The password must not be the username"


class InvalidUsername(YecaiError):
    code = "user.invalid_username"
    template = "Username {username!r} must be 1–60 letters, digits, '.', '_' or '-'"


class InvalidLocale(YecaiError):
    code = "user.invalid_locale"
    template = "Unknown language {locale!r} (expected one of {locales})"


class InvalidRole(YecaiError):
    code = "auth.invalid_role"
    template = "Unknown role {role!r} (expected one of {roles})"


class AdminRequired(PermissionDenied):
    code = "permission.admin_required"
    template = "User {user} may not {action}: only a system administrator may"


class LastAdmin(YecaiError):
    code = "user.last_admin"
    template = "{username} is the last active administrator; make another administrator first"
    http_status = 409


class InvalidTokenName(YecaiError):
    code = "token.invalid_name"
    template = "A token needs a name of 1–{max} characters"


# --- views -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserView:
    id: int
    username: str
    display_name: str
    is_admin: bool
    active: bool
    locale: str
    companies: dict[str, str]  # company code → role


@dataclass(frozen=True)
class TokenView:
    id: int
    user: str
    kind: str  # api | session
    name: str
    created_at: str
    expires_at: str | None
    revoked: bool
    active: bool


# --- passwords and names -----------------------------------------------------------------------


def check_username(username: str) -> str:
    if not USERNAME_RE.match(username or ""):
        raise InvalidUsername(username=username, field="username")
    return username


def check_password(password: str, *, username: str = "") -> None:
    """The password policy: at least PASSWORD_MIN_LENGTH characters, not the username."""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise WeakPassword(min=PASSWORD_MIN_LENGTH, field="password")
    if len(password) > PASSWORD_MAX_LENGTH:
        raise PasswordTooLong(max=PASSWORD_MAX_LENGTH, field="password")
    if username and password.strip().lower() == username.lower():
        raise PasswordIsUsername(field="password")


def hash_password(password: str, *, username: str = "") -> str:
    check_password(password, username=username)
    return _hasher.hash(password)


@cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def _verify(password_hash: str | None, password: str) -> bool:
    """Verify; for unknown users a dummy hash is checked so the answer takes as long."""
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_locale(locale: str) -> None:
    if locale not in LOCALES:
        raise InvalidLocale(locale=locale, locales=", ".join(LOCALES), field="locale")


# --- actors ------------------------------------------------------------------------------------


def actor_for(db: Database, username: str, *, source: str) -> Actor:
    """The actor a trusted local shell (the CLI) runs as."""
    with db.session(write=False) as s:
        user = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
        if user is None or not user.active:
            raise NotFound(what="user", key=username, field="user")
        return Actor(
            user_id=user.id, username=user.username, is_admin=user.is_admin, source=source, locale=user.locale
        )


def ensure_admin(db: Database, username: str = "admin", password: str | None = None) -> str | None:
    """Create the first administrator if there is none; returns the generated password if any."""
    with db.session() as s:
        if s.execute(select(User.id).where(User.username == username)).first():
            return None
        pw = password or secrets.token_urlsafe(12)
        s.add(
            User(username=username, display_name="系统管理员", password_hash=hash_password(pw), is_admin=True)
        )
        s.add(
            AuditLog(
                username="system",
                action="user.create",
                entity="user",
                entity_id=username,
                source="system",
                after_json='{"is_admin": true}',
            )
        )
        s.commit()
        return pw


def _require_admin(uow: UnitOfWork, action: str) -> None:
    if not uow.actor.is_admin:
        raise AdminRequired(user=uow.actor.username, action=action, permission=Perm.USER_MANAGE, company="")


# --- users -------------------------------------------------------------------------------------


def _user(s: Session, username: str) -> User:
    user = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise NotFound(what="user", key=username, field="username")
    return user


def _view(s: Session, user: User, visible: set[int] | None = None) -> UserView:
    q = (
        select(Company.code, CompanyGrant.role)
        .join(Company, Company.id == CompanyGrant.company_id)
        .where(CompanyGrant.user_id == user.id)
        .order_by(Company.code)
    )
    if visible is not None:
        q = q.where(Company.id.in_(visible))
    return UserView(
        user.id,
        user.username,
        user.display_name,
        user.is_admin,
        user.active,
        user.locale,
        dict(s.execute(q).all()),  # type: ignore[arg-type],
    )


def _active_admins(s: Session) -> int:
    return int(
        s.execute(
            select(func.count()).select_from(User).where(User.is_admin.is_(True), User.active.is_(True))
        ).scalar_one()
    )


def create_user(
    uow: UnitOfWork,
    *,
    username: str,
    password: str,
    display_name: str = "",
    is_admin: bool = False,
    locale: str = "zh_CN",
) -> UserView:
    _require_admin(uow, "create users")
    check_username(username)
    _check_locale(locale)
    password_hash = hash_password(password, username=username)
    with uow:
        s = uow.session
        if s.execute(select(User.id).where(User.username == username)).first():
            raise Conflict(what="user", key=username, field="username")
        user = User(
            username=username,
            display_name=display_name.strip() or username,
            password_hash=password_hash,
            is_admin=is_admin,
            locale=locale,
        )
        s.add(user)
        s.flush()
        uow.audit(
            "user.create",
            "user",
            username,
            after={"is_admin": is_admin, "display_name": user.display_name, "locale": locale},
        )
        uow.commit()
        return _view(s, user)


def get_user(uow: UnitOfWork, username: str) -> UserView:
    """Yourself, or anyone for a system administrator (others are reported as not found)."""
    with uow:
        if not uow.actor.is_admin and username != uow.actor.username:
            raise NotFound(what="user", key=username, field="username")
        return _view(uow.session, _user(uow.session, username))


def update_user(
    uow: UnitOfWork,
    username: str,
    *,
    display_name: str | None = None,
    locale: str | None = None,
    is_admin: bool | None = None,
    active: bool | None = None,
) -> UserView:
    """Change a user (administrators). Disabling keeps the user and its history (audit log,
    vouchers) and revokes its sessions and tokens; the last active administrator stays."""
    _require_admin(uow, "change users")
    if locale is not None:
        _check_locale(locale)
    with uow:
        s = uow.session
        user = _user(s, username)
        before = {
            "display_name": user.display_name,
            "locale": user.locale,
            "is_admin": user.is_admin,
            "active": user.active,
        }
        if display_name is not None:
            user.display_name = display_name.strip() or user.username
        if locale is not None:
            user.locale = locale
        loses_admin = (is_admin is False and user.is_admin) or (active is False and user.active)
        if loses_admin and user.is_admin and user.active and _active_admins(s) <= 1:
            raise LastAdmin(username=username, field="active" if active is False else "is_admin")
        if is_admin is not None:
            user.is_admin = is_admin
        after: dict[str, Any] = {}
        if active is not None:
            user.active = active
            if not active:
                after["tokens_revoked"] = _revoke_tokens(s, user.id)
        after |= {
            "display_name": user.display_name,
            "locale": user.locale,
            "is_admin": user.is_admin,
            "active": user.active,
        }
        action = "user.update"
        if before["active"] != user.active:
            action = "user.activate" if user.active else "user.deactivate"
        uow.audit(action, "user", username, before=before, after=after)
        uow.commit()
        return _view(s, user)


def deactivate_user(uow: UnitOfWork, username: str) -> UserView:
    """Disable a login and revoke its tokens; the user and its history stay (audit, vouchers)."""
    return update_user(uow, username, active=False)


def activate_user(uow: UnitOfWork, username: str) -> UserView:
    return update_user(uow, username, active=True)


def _revoke_tokens(s: Session, user_id: int, kinds: tuple[str, ...] = ("api", "session")) -> int:
    tokens = (
        s.execute(
            select(AuthToken).where(
                AuthToken.user_id == user_id, AuthToken.revoked.is_(False), AuthToken.kind.in_(kinds)
            )
        )
        .scalars()
        .all()
    )
    for tok in tokens:
        tok.revoked = True
    return len(tokens)


def set_password(
    uow: UnitOfWork, username: str, new_password: str, *, old_password: str | None = None
) -> None:
    """Change your own password (with the current one), or reset anyone's as an administrator.

    A change ends the user's browser sessions; an administrator's reset (the password may have
    leaked) also revokes the user's API tokens and clears a login lock.
    """
    own = username == uow.actor.username and uow.actor.user_id is not None
    if not own:
        _require_admin(uow, "reset other users' passwords")
    with uow:
        s = uow.session
        user = _user(s, username)
        check_password(new_password, username=username)
        reset = not own or old_password is None
        if reset:
            _require_admin(uow, "set a password without the current one")
        elif not _verify(user.password_hash, old_password or ""):
            raise WrongPassword(field="old_password")
        user.password_hash = _hasher.hash(new_password)
        revoked = _revoke_tokens(s, user.id, ("api", "session") if reset else ("session",))
        uow.audit(
            "user.password_reset" if reset else "user.password_change",
            "user",
            username,
            after={"tokens_revoked": revoked},
        )
        uow.commit()


def grant(uow: UnitOfWork, *, username: str, company_code: str, role: str) -> UserView:
    if role not in Role._value2member_map_:
        raise InvalidRole(role=role, roles=", ".join(r.value for r in Role), field="role")
    with uow:
        company = uow.company(company_code, Perm.USER_MANAGE)
        s = uow.session
        user = _user(s, username)
        g = s.execute(
            select(CompanyGrant).where(CompanyGrant.user_id == user.id, CompanyGrant.company_id == company.id)
        ).scalar_one_or_none()
        before = g.role if g else None
        if g is None:
            s.add(CompanyGrant(user_id=user.id, company_id=company.id, role=role))
        else:
            g.role = role
        uow.audit(
            "user.grant",
            "user",
            username,
            company_id=company.id,
            before={"role": before},
            after={"role": role},
        )
        s.flush()
        uow.commit()
        return _view(s, user, uow.visible_company_ids())


def revoke_grant(uow: UnitOfWork, *, username: str, company_code: str) -> UserView:
    """Take away a user's role in a company; the company becomes invisible to them."""
    with uow:
        company = uow.company(company_code, Perm.USER_MANAGE)
        s = uow.session
        user = _user(s, username)
        g = s.execute(
            select(CompanyGrant).where(CompanyGrant.user_id == user.id, CompanyGrant.company_id == company.id)
        ).scalar_one_or_none()
        if g is None:
            raise NotFound(what="grant", key=f"{username}@{company_code}", field="company")
        role = g.role
        s.delete(g)
        uow.audit(
            "user.revoke",
            "user",
            username,
            company_id=company.id,
            before={"role": role},
            after={"role": None},
        )
        s.flush()
        uow.commit()
        return _view(s, user, uow.visible_company_ids())


def _manageable_company_ids(uow: UnitOfWork) -> set[int]:
    return {cid for cid, role in uow.grants().items() if Perm.USER_MANAGE in permissions_of(role)}


def list_users(uow: UnitOfWork) -> list[UserView]:
    """All users for administrators; a company admin sees them too, with only its companies' roles."""
    with uow:
        visible: set[int] | None = None
        if not uow.actor.is_admin:
            visible = _manageable_company_ids(uow)
            if not visible:
                _require_admin(uow, "list users")
        users = uow.session.execute(select(User).order_by(User.username)).scalars()
        return [_view(uow.session, u, visible) for u in users]


def me(uow: UnitOfWork) -> dict[str, Any]:
    """The acting user, its companies and what it may do in each."""
    with uow:
        s = uow.session
        if uow.actor.user_id is None:
            raise NotAuthenticated()
        user = s.get(User, uow.actor.user_id)
        if user is None:
            raise NotAuthenticated()
        q = select(Company).order_by(Company.code)
        ids = uow.visible_company_ids()
        if ids is not None:
            q = q.where(Company.id.in_(ids))
        grants = uow.grants()
        companies = []
        for c in s.execute(q).scalars():
            role = grants.get(c.id)
            perms = set(Perm) if user.is_admin else set(permissions_of(role or ""))
            companies.append(
                {
                    "code": c.code,
                    "name": c.name,
                    "role": role or ("admin" if user.is_admin else None),
                    "permissions": sorted(p.value for p in perms),
                }
            )
        return {
            "id": user.id,
            "username": user.username,
            "display_name": user.display_name,
            "is_admin": user.is_admin,
            "locale": user.locale,
            "source": uow.actor.source,
            "companies": companies,
        }


# --- login, sessions and tokens ----------------------------------------------------------------


def _auth_row(
    s: Session,
    action: str,
    username: str,
    source: str,
    at: datetime,
    *,
    user_id: int | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    s.add(
        AuditLog(
            at=at,
            user_id=user_id,
            username=username[:60],
            action=action,
            entity="user",
            entity_id=username[:60],
            source=source[:100],
            after_json=None if after is None else json.dumps(after, ensure_ascii=False),
        )
    )


_LOCK_RESETS = ("auth.login", "user.password_reset")


def locked_until(s: Session, username: str, now: datetime) -> datetime | None:
    """When the username's lock ends, or None if it may try now (see the module docstring)."""
    since = now - LOGIN_WINDOW - LOCKOUT
    rows = s.execute(
        select(AuditLog.action, AuditLog.at)
        .where(
            AuditLog.entity == "user",
            AuditLog.entity_id == username[:60],
            AuditLog.at >= since,
            AuditLog.action.in_(("auth.login_failed", *_LOCK_RESETS)),
        )
        .order_by(AuditLog.at, AuditLog.id)
    ).all()
    failures: list[datetime] = []
    for action, at in rows:
        if action in _LOCK_RESETS:
            failures = []
        else:
            failures.append(at)
    # The latest failure that made LOGIN_FAILURES_MAX within LOGIN_WINDOW starts the lock.
    # Attempts while locked are audited under another action, so they never extend it.
    until = None
    for i in range(LOGIN_FAILURES_MAX - 1, len(failures)):
        if failures[i] - failures[i - LOGIN_FAILURES_MAX + 1] <= LOGIN_WINDOW:
            until = failures[i] + LOCKOUT
    return until if until is not None and until > now else None


def login(
    db: Database,
    username: str,
    password: str,
    *,
    kind: str = "session",
    source: str = "api",
    name: str = "",
    hours: int = SESSION_HOURS,
    now: datetime | None = None,
) -> tuple[str, UserView]:
    """Check the password; issue a session (browser) or API token. Only its hash is stored.

    Wrong username, wrong password and a disabled user all answer LoginFailed, and take about
    as long. Everything is audited with its source.
    """
    if kind not in ("api", "session"):
        raise FieldRequired(field_name="kind", field="kind")
    now = now or utcnow()
    username = username[:60]
    with db.session() as s:
        until = locked_until(s, username, now)
        if until is not None:
            _auth_row(s, "auth.login_locked", username, source, now)
            s.commit()
            minutes = max(1, -(-int((until - now).total_seconds()) // 60))
            raise LoginLocked(username=username, minutes=minutes, field="username")
        user = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
        ok = _verify(user.password_hash if user else None, password)
        if not ok or user is None or not user.active:
            reason = "unknown_user" if user is None else ("inactive" if ok else "wrong_password")
            _auth_row(
                s,
                "auth.login_failed",
                username,
                source,
                now,
                user_id=user.id if user else None,
                after={"reason": reason},
            )
            s.flush()
            if locked_until(s, username, now) is not None:
                _auth_row(s, "auth.locked", username, source, now, after={"minutes": LOCKOUT.seconds // 60})
            s.commit()
            raise LoginFailed(field="password")
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        token = secrets.token_urlsafe(32)
        expires: datetime | None = now + timedelta(hours=hours) if kind == "session" else None
        tok = AuthToken(
            user_id=user.id,
            kind=kind,
            name=(name or ("browser" if kind == "session" else "login"))[:TOKEN_NAME_MAX],
            token_hash=_token_hash(token),
            created_at=now,
            expires_at=expires,
        )
        s.add(tok)
        s.flush()
        _auth_row(
            s,
            "auth.login",
            user.username,
            source,
            now,
            user_id=user.id,
            after={"kind": kind, "token_id": tok.id},
        )
        s.commit()
        return token, _view(s, user)


def actor_from_token(db: Database, token: str, *, source: str) -> Actor:
    with db.session(write=False) as s:
        row = s.execute(
            select(AuthToken, User)
            .join(User, User.id == AuthToken.user_id)
            .where(AuthToken.token_hash == _token_hash(token))
        ).first()
        if row is None:
            raise NotAuthenticated()
        tok, user = row
        if tok.revoked or not user.active or (tok.expires_at is not None and tok.expires_at <= utcnow()):
            raise NotAuthenticated()
        return Actor(
            user_id=user.id, username=user.username, is_admin=user.is_admin, source=source, locale=user.locale
        )


def logout(db: Database, token: str, *, source: str = "api") -> bool:
    """Revoke the session or token; True if there was one to revoke."""
    with db.session() as s:
        row = s.execute(
            select(AuthToken, User)
            .join(User, User.id == AuthToken.user_id)
            .where(AuthToken.token_hash == _token_hash(token))
        ).first()
        if row is None or row[0].revoked:
            return False
        tok, user = row
        tok.revoked = True
        _auth_row(
            s, "auth.logout", user.username, source, utcnow(), user_id=user.id, after={"token_id": tok.id}
        )
        s.commit()
        return True


def _token_view(tok: AuthToken, username: str, now: datetime) -> TokenView:
    expired = tok.expires_at is not None and tok.expires_at <= now
    return TokenView(
        id=tok.id,
        user=username,
        kind=tok.kind,
        name=tok.name,
        created_at=tok.created_at.isoformat(),
        expires_at=None if tok.expires_at is None else tok.expires_at.isoformat(),
        revoked=tok.revoked,
        active=not tok.revoked and not expired,
    )


def create_token(uow: UnitOfWork, *, name: str, expires_days: int | None = None) -> tuple[str, TokenView]:
    """A named API token for the acting user (for scripts). The secret is returned only here."""
    name = name.strip()
    if not name or len(name) > TOKEN_NAME_MAX:
        raise InvalidTokenName(max=TOKEN_NAME_MAX, field="name")
    if expires_days is not None and not 1 <= expires_days <= 3650:
        raise FieldRequired(field_name="expires_days (1–3650)", field="expires_days")
    with uow:
        if uow.actor.user_id is None:
            raise NotAuthenticated()
        s = uow.session
        now = utcnow()
        token = secrets.token_urlsafe(32)
        tok = AuthToken(
            user_id=uow.actor.user_id,
            kind="api",
            name=name,
            token_hash=_token_hash(token),
            created_at=now,
            expires_at=None if expires_days is None else now + timedelta(days=expires_days),
        )
        s.add(tok)
        s.flush()
        view = _token_view(tok, uow.actor.username, now)
        uow.audit(
            "token.create",
            "user",
            uow.actor.username,
            after={"token_id": tok.id, "name": name, "kind": "api"},
        )
        uow.commit()
        return token, view


def list_tokens(
    uow: UnitOfWork, *, username: str | None = None, include_inactive: bool = False
) -> list[TokenView]:
    """Your tokens and sessions; an administrator may list anyone's (username) or everyone's ('*')."""
    with uow:
        s = uow.session
        q = select(AuthToken, User.username).join(User, User.id == AuthToken.user_id)
        target = username or uow.actor.username
        if target != uow.actor.username:
            _require_admin(uow, "see other users' tokens")
        if target != "*":
            q = q.where(User.username == target)
        now = utcnow()
        if not include_inactive:
            q = q.where(
                AuthToken.revoked.is_(False), or_(AuthToken.expires_at.is_(None), AuthToken.expires_at > now)
            )
        rows = s.execute(q.order_by(AuthToken.id)).all()
        return [_token_view(tok, name, now) for tok, name in rows]


def revoke_token(uow: UnitOfWork, token_id: int) -> TokenView:
    """Revoke one of your tokens or sessions (administrators: anyone's). Others' are not found."""
    with uow:
        s = uow.session
        row = s.execute(
            select(AuthToken, User.username)
            .join(User, User.id == AuthToken.user_id)
            .where(AuthToken.id == token_id)
        ).first()
        if row is None or (row[0].user_id != uow.actor.user_id and not uow.actor.is_admin):
            raise NotFound(what="token", key=token_id, field="token")
        tok, owner = row
        before = tok.revoked
        tok.revoked = True
        uow.audit(
            "token.revoke",
            "user",
            owner,
            before={"token_id": tok.id, "revoked": before},
            after={"token_id": tok.id, "revoked": True},
        )
        uow.commit()
        return _token_view(tok, owner, utcnow())


# --- permissions and the audit log ------------------------------------------------------------


def company_permissions(uow: UnitOfWork, company_code: str) -> set[str]:
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        if uow.actor.is_admin:
            return {p.value for p in Perm}
        return {p.value for p in permissions_of(uow.grants()[company.id])}


def _day_start(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=BOOK_TZ)


def _loads(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def audit_page(
    uow: UnitOfWork,
    company_code: str | None,
    *,
    action: str | None = None,
    entity: str | None = None,
    entity_id: str | None = None,
    user: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int = 200,
    offset: int = 0,
) -> dict[str, Any]:
    """Audit rows, newest first. ``action`` ending in '.' or '*' is a prefix ('voucher.*');
    dates are calendar days in China Standard Time, both inclusive. Without a company (the
    whole system: logins, users) only administrators may look.
    """
    limit = max(1, min(limit, AUDIT_PAGE_SIZE_MAX))
    offset = max(0, offset)
    with uow:
        q = select(AuditLog)
        if company_code:
            company = uow.company(company_code, Perm.AUDIT_VIEW)
            q = q.where(AuditLog.company_id == company.id)
        else:
            _require_admin(uow, "see the audit log of the whole system")
        if action:
            prefix = action.rstrip("*")
            q = q.where(
                AuditLog.action.startswith(prefix) if prefix.endswith(".") else AuditLog.action == action
            )
        if entity:
            q = q.where(AuditLog.entity == entity)
        if entity_id:
            q = q.where(AuditLog.entity_id == entity_id)
        if user:
            q = q.where(AuditLog.username == user)
        if date_from:
            q = q.where(AuditLog.at >= _day_start(date_from))
        if date_to:
            q = q.where(AuditLog.at < _day_start(date_to + timedelta(days=1)))
        s = uow.session
        total = s.execute(select(func.count()).select_from(q.subquery())).scalar_one()
        rows = s.execute(q.order_by(AuditLog.id.desc()).limit(limit).offset(offset)).scalars()
        items = [
            {
                "id": a.id,
                "at": a.at.isoformat(),
                "user": a.username,
                "action": a.action,
                "entity": a.entity,
                "entity_id": a.entity_id,
                "before": _loads(a.before_json),
                "after": _loads(a.after_json),
                "source": a.source,
            }
            for a in rows
        ]
        return {"total": total, "limit": limit, "offset": offset, "items": items}


def audit_entries(
    uow: UnitOfWork, company_code: str | None, *, limit: int = 200, offset: int = 0, **filters: Any
) -> list[dict[str, Any]]:
    return audit_page(uow, company_code, limit=limit, offset=offset, **filters)["items"]
