"""Users, passwords, logins, lockout, tokens, grants and the audit log, on a real database."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from tests.conftest import cash_sale, make_company, make_user, new_code
from yecai.core.errors import Conflict, NotFound, PermissionDenied
from yecai.ledger import service as ledger
from yecai.security import service as sec
from yecai.security.models import AuditLog
from yecai.store.base import utcnow
from yecai.store.db import Database
from yecai.store.uow import Actor, UnitOfWork

PW = "password-123"


def uow(db: Database, actor: Actor) -> UnitOfWork:
    return UnitOfWork(db, actor)


def new_user(db: Database, admin: Actor, **kw: object) -> str:
    name = new_code("u").lower()
    sec.create_user(uow(db, admin), username=name, password=PW, **kw)  # type: ignore[arg-type]
    return name


def audit_rows(db: Database, entity_id: str, action: str | None = None) -> list[AuditLog]:
    with db.session(write=False) as s:
        q = select(AuditLog).where(AuditLog.entity_id == entity_id)
        if action:
            q = q.where(AuditLog.action == action)
        return list(s.execute(q.order_by(AuditLog.id)).scalars())


# --- users -------------------------------------------------------------------------------------


def test_only_admins_create_users(db: Database, admin: Actor, company: str) -> None:
    manager = make_user(db, "finance_manager", company)
    with pytest.raises(PermissionDenied) as info:
        sec.create_user(uow(db, manager), username="mallory", password=PW)
    assert info.value.code == "permission.admin_required"
    assert info.value.http_status == 403


@pytest.mark.parametrize("bad", ["", "a b", "张三", "x" * 61, "semi;colon", "tab\t"])
def test_username_rules(db: Database, admin: Actor, bad: str) -> None:
    with pytest.raises(sec.InvalidUsername) as info:
        sec.create_user(uow(db, admin), username=bad, password=PW)
    assert info.value.field == "username"


def test_username_allowed_characters_and_duplicates(db: Database, admin: Actor) -> None:
    name = f"li.si_{new_code()}-x".lower()
    v = sec.create_user(uow(db, admin), username=name, password=PW, display_name="李四")
    assert (v.username, v.display_name, v.is_admin, v.active) == (name, "李四", False, True)
    with pytest.raises(Conflict):
        sec.create_user(uow(db, admin), username=name, password=PW)


def test_password_policy(db: Database, admin: Actor) -> None:
    name = new_code("p").lower()
    with pytest.raises(sec.WeakPassword) as info:
        sec.create_user(uow(db, admin), username=name, password="short7!")
    assert (info.value.code, info.value.field) == ("auth.weak_password", "password")
    with pytest.raises(sec.PasswordIsUsername):
        sec.create_user(uow(db, admin), username=name + "long", password=name + "long")
    with pytest.raises(sec.PasswordTooLong):
        sec.create_user(uow(db, admin), username=name, password="x" * 201)
    with pytest.raises(sec.InvalidLocale):
        sec.create_user(uow(db, admin), username=name, password=PW, locale="fr")


def test_set_own_password_needs_the_old_one(db: Database, admin: Actor, company: str) -> None:
    alice = make_user(db, "accountant", company)
    session, _ = sec.login(db, alice.username, PW, kind="session")
    api, _ = sec.login(db, alice.username, PW, kind="api")
    with pytest.raises(sec.WrongPassword):
        sec.set_password(uow(db, alice), alice.username, "new-password-1", old_password="nope-nope")
    with pytest.raises(PermissionDenied):  # a reset without the old password is for admins
        sec.set_password(uow(db, alice), alice.username, "new-password-1")
    sec.set_password(uow(db, alice), alice.username, "new-password-1", old_password=PW)
    with pytest.raises(sec.LoginFailed):
        sec.login(db, alice.username, PW)
    sec.login(db, alice.username, "new-password-1")
    with pytest.raises(sec.NotAuthenticated):  # the change ended browser sessions …
        sec.actor_from_token(db, session, source="test")
    assert sec.actor_from_token(db, api, source="test").username == alice.username  # … not API tokens
    assert audit_rows(db, alice.username, "user.password_change")


def test_admin_resets_any_password_others_may_not(db: Database, admin: Actor, company: str) -> None:
    alice = make_user(db, "accountant", company)
    bob = make_user(db, "finance_manager", company)
    api, _ = sec.login(db, alice.username, PW, kind="api")
    with pytest.raises(PermissionDenied):
        sec.set_password(uow(db, bob), alice.username, "bobs-choice-1")
    sec.set_password(uow(db, admin), alice.username, "reset-by-admin")
    sec.login(db, alice.username, "reset-by-admin")
    with pytest.raises(sec.NotAuthenticated):  # a reset revokes everything
        sec.actor_from_token(db, api, source="test")
    (row,) = audit_rows(db, alice.username, "user.password_reset")
    assert row.username == "admin" and "password" not in (row.after_json or "").replace("tokens", "")


def test_deactivate_user_revokes_and_refuses_login(db: Database, admin: Actor, company: str) -> None:
    alice = make_user(db, "accountant", company)
    token, _ = sec.login(db, alice.username, PW, kind="api")
    v = sec.deactivate_user(uow(db, admin), alice.username)
    assert v.active is False
    with pytest.raises(sec.NotAuthenticated):
        sec.actor_from_token(db, token, source="test")
    with pytest.raises(sec.LoginFailed):
        sec.login(db, alice.username, PW)
    with pytest.raises(NotFound):  # the CLI can't act as a disabled user either
        sec.actor_for(db, alice.username, source="cli")
    (row,) = audit_rows(db, alice.username, "user.deactivate")
    assert json.loads(row.before_json or "")["active"] is True
    assert json.loads(row.after_json or "")["active"] is False
    sec.activate_user(uow(db, admin), alice.username)
    sec.login(db, alice.username, PW)


def test_last_admin_stays(db: Database, admin: Actor) -> None:
    other = new_user(db, admin, is_admin=True)
    sec.update_user(uow(db, admin), other, is_admin=False)  # fine: admin remains
    with db.session(write=False) as s:
        from yecai.security.models import User

        admins = s.execute(select(User.username).where(User.is_admin.is_(True), User.active.is_(True))).all()
    if len(admins) == 1:
        with pytest.raises(sec.LastAdmin):
            sec.deactivate_user(uow(db, admin), "admin")
        with pytest.raises(sec.LastAdmin):
            sec.update_user(uow(db, admin), "admin", is_admin=False)


# --- grants ------------------------------------------------------------------------------------


def test_grant_and_revoke(db: Database, admin: Actor, company: str) -> None:
    name = new_user(db, admin)
    v = sec.grant(uow(db, admin), username=name, company_code=company, role="reviewer")
    assert v.companies == {company: "reviewer"}
    actor = sec.actor_for(db, name, source="test")
    assert [c["code"] for c in ledger.list_companies(uow(db, actor))] == [company]
    with pytest.raises(sec.InvalidRole):
        sec.grant(uow(db, admin), username=name, company_code=company, role="boss")
    v = sec.revoke_grant(uow(db, admin), username=name, company_code=company)
    assert v.companies == {}
    assert ledger.list_companies(uow(db, actor)) == []
    with pytest.raises(NotFound):
        ledger.list_accounts(uow(db, actor), company)
    with pytest.raises(NotFound):
        sec.revoke_grant(uow(db, admin), username=name, company_code=company)
    actions = [r.action for r in audit_rows(db, name)]
    assert actions == ["user.create", "user.grant", "user.revoke"]


def test_finance_manager_may_not_grant(db: Database, admin: Actor, company: str) -> None:
    manager = make_user(db, "finance_manager", company)
    name = new_user(db, admin)
    with pytest.raises(PermissionDenied):
        sec.grant(uow(db, manager), username=name, company_code=company, role="accountant")
    with pytest.raises(PermissionDenied):
        sec.list_users(uow(db, manager))
    # the company role 'admin' may grant roles in its company, and see only that company
    boss = make_user(db, "admin", company)
    sec.grant(uow(db, boss), username=name, company_code=company, role="accountant")
    other = make_company(db, admin)
    sec.grant(uow(db, admin), username=name, company_code=other, role="auditor")
    (view,) = [u for u in sec.list_users(uow(db, boss)) if u.username == name]
    assert view.companies == {company: "accountant"}
    with pytest.raises(NotFound):
        sec.grant(uow(db, boss), username=name, company_code=other, role="admin")


def test_me_lists_companies_with_permissions(db: Database, admin: Actor, company: str) -> None:
    cashier = make_user(db, "cashier", company)
    me = sec.me(uow(db, cashier))
    assert me["username"] == cashier.username and me["is_admin"] is False
    assert me["companies"] == [
        {
            "code": company,
            "name": f"测试公司{company}",
            "role": "cashier",
            "permissions": ["cash.manage", "company.view"],
        }
    ]


# --- login, lockout, tokens --------------------------------------------------------------------


def test_login_success_and_failures_are_audited(db: Database, admin: Actor, company: str) -> None:
    alice = make_user(db, "accountant", company)
    token, view = sec.login(db, alice.username, PW, kind="session", source="api 10.1.2.3")
    assert view.companies == {company: "accountant"}
    assert sec.actor_from_token(db, token, source="x").username == alice.username
    with pytest.raises(sec.LoginFailed) as info:
        sec.login(db, alice.username, "wrong-password", source="api 10.9.9.9")
    assert info.value.http_status == 401
    ghost = new_code("ghost").lower()
    with pytest.raises(sec.LoginFailed):
        sec.login(db, ghost, "whatever-pw", source="api 10.9.9.9")
    rows = audit_rows(db, alice.username)
    ok = [r for r in rows if r.action == "auth.login"]
    bad = [r for r in rows if r.action == "auth.login_failed"]
    assert ok[0].source == "api 10.1.2.3" and json.loads(ok[0].after_json or "")["kind"] == "session"
    assert (
        bad[0].source == "api 10.9.9.9" and json.loads(bad[0].after_json or "")["reason"] == "wrong_password"
    )
    (g,) = audit_rows(db, ghost)
    assert (g.action, json.loads(g.after_json or "")["reason"]) == ("auth.login_failed", "unknown_user")
    sec.logout(db, token, source="api 10.1.2.3")
    with pytest.raises(sec.NotAuthenticated):
        sec.actor_from_token(db, token, source="x")
    assert audit_rows(db, alice.username, "auth.logout")


def test_session_expires_after_session_hours(db: Database, admin: Actor, company: str) -> None:
    alice = make_user(db, "accountant", company)
    long_ago = utcnow() - timedelta(hours=sec.SESSION_HOURS, minutes=1)
    old, _ = sec.login(db, alice.username, PW, kind="session", now=long_ago)
    with pytest.raises(sec.NotAuthenticated):
        sec.actor_from_token(db, old, source="x")
    recent, _ = sec.login(db, alice.username, PW, kind="session", now=utcnow() - timedelta(hours=11))
    assert sec.actor_from_token(db, recent, source="x").username == alice.username


def test_lockout_after_ten_failures(db: Database, admin: Actor, company: str) -> None:
    alice = make_user(db, "accountant", company)
    t0 = utcnow()
    for i in range(sec.LOGIN_FAILURES_MAX):
        with pytest.raises(sec.LoginFailed):
            sec.login(db, alice.username, f"guess-{i:04d}", now=t0 + timedelta(seconds=i))
    # locked: even the right password is refused, without being checked
    with pytest.raises(sec.LoginLocked) as info:
        sec.login(db, alice.username, PW, now=t0 + timedelta(minutes=5))
    assert info.value.http_status == 429 and info.value.params["minutes"] == 11
    assert audit_rows(db, alice.username, "auth.locked")
    assert audit_rows(db, alice.username, "auth.login_locked")
    # the lock ends 15 minutes after the failure that tripped it; attempts while locked don't extend it
    sec.login(db, alice.username, PW, now=t0 + timedelta(minutes=16))
    # a success clears the count
    with pytest.raises(sec.LoginFailed):
        sec.login(db, alice.username, "one-more-guess", now=t0 + timedelta(minutes=17))
    sec.login(db, alice.username, PW, now=t0 + timedelta(minutes=17, seconds=1))


def test_unknown_usernames_lock_the_same_way(db: Database) -> None:
    ghost = new_code("ghost").lower()
    t0 = utcnow()
    for i in range(sec.LOGIN_FAILURES_MAX):
        with pytest.raises(sec.LoginFailed):
            sec.login(db, ghost, "guess-guess", now=t0 + timedelta(seconds=i))
    with pytest.raises(sec.LoginLocked):
        sec.login(db, ghost, "guess-guess", now=t0 + timedelta(minutes=1))


def test_failures_spread_out_do_not_lock(db: Database, admin: Actor, company: str) -> None:
    alice = make_user(db, "accountant", company)
    t0 = utcnow() - timedelta(hours=1)
    for i in range(sec.LOGIN_FAILURES_MAX):
        with pytest.raises(sec.LoginFailed):
            sec.login(db, alice.username, "guess-guess", now=t0 + timedelta(minutes=2 * i))
    sec.login(db, alice.username, PW, now=t0 + timedelta(minutes=2 * sec.LOGIN_FAILURES_MAX))


def test_admin_reset_clears_a_lock(db: Database, admin: Actor, company: str) -> None:
    alice = make_user(db, "accountant", company)
    for _ in range(sec.LOGIN_FAILURES_MAX):
        with pytest.raises(sec.LoginFailed):
            sec.login(db, alice.username, "guess-guess")
    with pytest.raises(sec.LoginLocked):
        sec.login(db, alice.username, PW)
    sec.set_password(uow(db, admin), alice.username, "fresh-password")
    sec.login(db, alice.username, "fresh-password")


def test_named_tokens_list_and_revoke(db: Database, admin: Actor, company: str) -> None:
    alice = make_user(db, "accountant", company)
    bob = make_user(db, "accountant", company)
    token, view = sec.create_token(uow(db, alice), name="nightly import")
    assert (view.kind, view.name, view.user, view.active) == ("api", "nightly import", alice.username, True)
    assert sec.actor_from_token(db, token, source="x").user_id == alice.user_id
    with db.session(write=False) as s:  # only the hash is stored
        assert not s.execute(text("SELECT 1 FROM auth_token WHERE token_hash = :t"), {"t": token}).first()
    assert [t.id for t in sec.list_tokens(uow(db, alice))] == [view.id]
    with pytest.raises(NotFound):  # someone else's token does not exist for bob
        sec.revoke_token(uow(db, bob), view.id)
    with pytest.raises(PermissionDenied):
        sec.list_tokens(uow(db, bob), username=alice.username)
    assert [t.id for t in sec.list_tokens(uow(db, admin), username=alice.username)] == [view.id]
    with pytest.raises(sec.InvalidTokenName):
        sec.create_token(uow(db, alice), name="  ")
    sec.revoke_token(uow(db, alice), view.id)
    assert sec.list_tokens(uow(db, alice)) == []
    assert [t.revoked for t in sec.list_tokens(uow(db, alice), include_inactive=True)] == [True]
    with pytest.raises(sec.NotAuthenticated):
        sec.actor_from_token(db, token, source="x")
    assert [r.action for r in audit_rows(db, alice.username) if r.action.startswith("token.")] == [
        "token.create",
        "token.revoke",
    ]


# --- the audit log -----------------------------------------------------------------------------


def test_audit_page_filters_and_permissions(db: Database, admin: Actor, company: str) -> None:
    maker = make_user(db, "accountant", company)
    auditor = make_user(db, "auditor", company)
    v = ledger.create_voucher(uow(db, maker), company, cash_sale())
    page = sec.audit_page(uow(db, auditor), company, action="voucher.*")
    assert page["total"] == 1
    (row,) = page["items"]
    assert (row["action"], row["user"], row["entity_id"], row["source"]) == (
        "voucher.create",
        maker.username,
        str(v.id),
        "test",
    )
    assert row["after"]["voucher_no"] == v.voucher_no
    assert sec.audit_page(uow(db, auditor), company, user=maker.username)["total"] == 1
    assert sec.audit_page(uow(db, auditor), company, entity="company")["total"] == 1
    today = utcnow().date()
    assert sec.audit_page(uow(db, auditor), company, date_from=today + timedelta(days=2))["total"] == 0
    assert sec.audit_page(uow(db, auditor), company, date_to=today + timedelta(days=1))["total"] >= 2
    with pytest.raises(PermissionDenied):  # an accountant does not read the audit log
        sec.audit_page(uow(db, maker), company)
    with pytest.raises(PermissionDenied):  # nor does anyone but an admin read the system's
        sec.audit_page(uow(db, auditor), None)


def test_audit_log_is_append_only_in_the_database(db: Database, admin: Actor, company: str) -> None:
    with db.engine.connect() as conn:
        (row_id,) = conn.execute(text("SELECT max(id) FROM audit_log")).one()
    for sql in ("UPDATE audit_log SET action = 'x' WHERE id = :i", "DELETE FROM audit_log WHERE id = :i"):
        with db.engine.connect() as conn:
            with pytest.raises(DBAPIError, match="append-only"):
                conn.execute(text(sql), {"i": row_id})
                conn.commit()


# --- the CLI -----------------------------------------------------------------------------------


def cli(db: Database, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    from yecai.cli.main import app

    result = CliRunner().invoke(app, list(args), env={"YECAI_DATABASE_URL": db.url, **(env or {})})
    return result.exit_code, result.output


def test_cli_users_grants_tokens_and_audit(db: Database, admin: Actor, company: str) -> None:
    name = new_code("cli").lower()
    code, out = cli(db, "user", "add", name, "--name", "王五", env={"YECAI_PASSWORD": "cli-password-1"})
    assert code == 0, out
    code, out = cli(db, "user", "add", new_code("nopw").lower())  # no stdin, no password: refused
    assert code == 2 and "password" in out
    code, out = cli(db, "user", "grant", name, "--company", company, "--role", "accountant")
    assert code == 0, out
    code, out = cli(db, "user", "list", "--format", "csv")
    assert f"{name},王五,0,1,zh_CN,{company}:accountant" in out
    code, out = cli(db, "--user", name, "token", "create", "--name", "ci")
    assert code == 0, out
    token = out.strip().splitlines()[-1]
    assert sec.actor_from_token(db, token, source="x").username == name
    code, out = cli(
        db,
        "--user",
        name,
        "user",
        "passwd",
        name,
        "--old-password",
        "cli-password-1",
        "--password",
        "cli-pass-2x",
    )
    assert code == 0, out
    sec.login(db, name, "cli-pass-2x")
    code, out = cli(db, "--user", name, "user", "disable", "admin")
    assert code == 2 and "permission.admin_required" in out
    code, out = cli(db, "--user", name, "voucher", "--help")
    assert code == 0
    code, out = cli(db, "audit", "list", "--company", company, "--format", "json", "--limit", "5")
    assert code == 0, out
    rows = json.loads(out)
    grant_row = next(r for r in rows if r["action"] == "user.grant")
    assert grant_row["source"] == "cli" and grant_row["user"] == "admin"
    assert json.loads(grant_row["after"]) == {"role": "accountant"}
    assert json.loads(grant_row["before"]) == {"role": None}
    code, out = cli(db, "audit", "list", "--company", company, "--format", "csv", "--action", "user.grant")
    assert out.splitlines()[0] == "id,at,user,action,entity,entity_id,source,before,after"
    code, out = cli(db, "user", "revoke", name, "--company", company)
    assert code == 0, out
    code, out = cli(db, "user", "disable", name)
    assert code == 0, out
    with pytest.raises(sec.NotAuthenticated):
        sec.actor_from_token(db, token, source="x")
