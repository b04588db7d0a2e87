"""CLI for users, role grants, API tokens and the audit log (thin over security.service).

Passwords never need a terminal: ``--password`` or the environment variable YECAI_PASSWORD
(and YECAI_OLD_PASSWORD for changing your own) work in scripts and CI; only when neither is
given and stdin is a terminal is the password asked for.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer

from yecai.cli.common import _, console, err_console, fail, run, uow, write_rows
from yecai.core.errors import FieldRequired
from yecai.security import service

user_app = typer.Typer(help="用户 Users and their roles in companies", no_args_is_help=True)
token_app = typer.Typer(help="API tokens for scripts", no_args_is_help=True)
audit_app = typer.Typer(help="审计日志 The audit log", no_args_is_help=True)

Fmt = Annotated[str, typer.Option("--format", "-f", help="table | csv | json")]
Password = Annotated[
    str | None,
    typer.Option("--password", envvar="YECAI_PASSWORD", help="Password (or env YECAI_PASSWORD; else asked)"),
]


def _password(given: str | None, prompt: str, *, confirm: bool = True, field: str = "password") -> str:
    if given:
        return given
    if not sys.stdin.isatty():
        fail(FieldRequired(field_name=field, field=field))
    return str(typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm))


def _companies(companies: dict[str, str]) -> str:
    return ";".join(f"{c}:{r}" for c, r in companies.items())


# --- users -------------------------------------------------------------------------------------


@user_app.command("add")
def user_add(
    username: str,
    password: Password = None,
    name: Annotated[str, typer.Option("--name", help="Display name")] = "",
    admin: Annotated[bool, typer.Option("--admin", help="System administrator (all companies)")] = False,
    locale: Annotated[str, typer.Option("--locale", help="zh_CN or en")] = "zh_CN",
) -> None:
    """Create a user (administrators only). Grant it roles with `yecai user grant`."""
    pw = _password(password, _("Password for {user}", user=username))
    v = run(
        lambda: service.create_user(
            uow(), username=username, password=pw, display_name=name, is_admin=admin, locale=locale
        )
    )
    console.print(_("User {user} created", user=v.username))


@user_app.command("list")
def user_list(fmt: Fmt = "table") -> None:
    """Users; companies as CODE:role;…"""
    rows = [
        {
            "username": v.username,
            "display_name": v.display_name,
            "is_admin": "1" if v.is_admin else "0",
            "active": "1" if v.active else "0",
            "locale": v.locale,
            "companies": _companies(v.companies),
        }
        for v in run(lambda: service.list_users(uow()))
    ]
    write_rows(rows, ["username", "display_name", "is_admin", "active", "locale", "companies"], fmt)


@user_app.command("grant")
def user_grant(
    username: str,
    company: Annotated[str, typer.Option("--company", "-c", help="Company code (账套)")],
    role: Annotated[
        str,
        typer.Option("--role", help="admin | finance_manager | accountant | reviewer | cashier | auditor"),
    ],
) -> None:
    """Give a user a role in a company (replaces the role it had there)."""
    run(lambda: service.grant(uow(), username=username, company_code=company, role=role))
    console.print(_("{user} is now {role} in {company}", user=username, role=role, company=company))


@user_app.command("revoke")
def user_revoke(
    username: str,
    company: Annotated[str, typer.Option("--company", "-c", help="Company code (账套)")],
) -> None:
    """Take away a user's role in a company."""
    run(lambda: service.revoke_grant(uow(), username=username, company_code=company))
    console.print(_("{user} no longer has access to {company}", user=username, company=company))


@user_app.command("passwd")
def user_passwd(
    username: str,
    password: Annotated[
        str | None,
        typer.Option("--password", envvar="YECAI_PASSWORD", help="New password (or env YECAI_PASSWORD)"),
    ] = None,
    old_password: Annotated[
        str | None,
        typer.Option(
            "--old-password", envvar="YECAI_OLD_PASSWORD", help="Current password, to change your own"
        ),
    ] = None,
) -> None:
    """Change your own password (with the current one) or, as an administrator, reset anyone's."""
    work = uow()
    own_change = username == work.actor.username and not work.actor.is_admin
    old = None
    if own_change:
        old = _password(old_password, _("Current password"), confirm=False, field="old_password")
    new = _password(password, _("New password for {user}", user=username))
    run(lambda: service.set_password(work, username, new, old_password=old or old_password))
    console.print(_("Password of {user} changed", user=username))


@user_app.command("disable")
def user_disable(username: str) -> None:
    """Disable a login and revoke its sessions and tokens (the user's history stays)."""
    run(lambda: service.deactivate_user(uow(), username))
    console.print(_("User {user} disabled", user=username))


@user_app.command("enable")
def user_enable(username: str) -> None:
    run(lambda: service.activate_user(uow(), username))
    console.print(_("User {user} enabled", user=username))


# --- tokens ------------------------------------------------------------------------------------


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Option("--name", help="What the token is for, e.g. 'nightly import'")],
    days: Annotated[int | None, typer.Option("--days", help="Expire after this many days")] = None,
) -> None:
    """Print a new bearer token for the acting --user (only the token on stdout, for scripts)."""
    token, view = run(lambda: service.create_token(uow(), name=name, expires_days=days))
    err_console.print(
        _("Token {id} ({name}) for {user}; it is shown only once", id=view.id, name=view.name, user=view.user)
    )
    sys.stdout.write(token + "\n")


@token_app.command("list")
def token_list(
    fmt: Fmt = "table",
    all_: Annotated[bool, typer.Option("--all", help="Also revoked and expired ones")] = False,
    owner: Annotated[
        str | None, typer.Option("--owner", help="Another user's (administrators; * = all)")
    ] = None,
) -> None:
    rows = [
        {k: ("1" if v is True else "0" if v is False else v) for k, v in t.__dict__.items()}
        for t in run(lambda: service.list_tokens(uow(), username=owner, include_inactive=all_))
    ]
    write_rows(rows, ["id", "user", "kind", "name", "created_at", "expires_at", "active"], fmt)


@token_app.command("revoke")
def token_revoke(token_id: int) -> None:
    run(lambda: service.revoke_token(uow(), token_id))
    console.print(_("Token {id} revoked", id=token_id))


# --- audit log ---------------------------------------------------------------------------------

AUDIT_COLUMNS = ["id", "at", "user", "action", "entity", "entity_id", "source", "before", "after"]


def _json_text(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


@audit_app.command("list")
def audit_list(
    company: Annotated[
        str | None, typer.Option("--company", "-c", help="Company code (administrators may omit: all)")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=service.AUDIT_PAGE_SIZE_MAX)] = 50,
    offset: Annotated[int, typer.Option("--offset", min=0)] = 0,
    action: Annotated[str | None, typer.Option("--action", help="e.g. voucher.post or voucher.*")] = None,
    entity: Annotated[str | None, typer.Option("--entity", help="e.g. voucher, account, user")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Only what this user did")] = None,
    fmt: Fmt = "table",
) -> None:
    """The audit log, newest first: who did what, when, from where, with before/after."""
    page = run(
        lambda: service.audit_page(
            uow(), company, action=action, entity=entity, user=by, limit=limit, offset=offset
        )
    )
    rows = [{**r, "before": _json_text(r["before"]), "after": _json_text(r["after"])} for r in page["items"]]
    if fmt == "table":  # a terminal is narrow: the time to the second; before/after in csv/json
        rows = [{**r, "at": r["at"][:19].replace("T", " ")} for r in rows]
        write_rows(rows, AUDIT_COLUMNS[:7], fmt, title=_("Audit log"))
        return
    write_rows(rows, AUDIT_COLUMNS, fmt, title=_("Audit log"))


def register(app: typer.Typer, voucher_app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")
    app.add_typer(audit_app, name="audit")
    del voucher_app  # nothing to add to the voucher group
