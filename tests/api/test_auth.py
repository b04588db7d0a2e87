"""Authentication, roles, company isolation and the audit log through the REST API.

Real database (SQLite and PostgreSQL), real app: ``TestClient(create_app(db))``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from tests.conftest import cash_sale, make_company, make_user, new_code
from yecai.api.app import create_app
from yecai.api.deps import SESSION_COOKIE
from yecai.ledger import service as ledger
from yecai.security import service as sec
from yecai.store.base import utcnow
from yecai.store.db import Database
from yecai.store.uow import Actor, UnitOfWork

PW = "password-123"
SALE = {
    "date": "2025-03-05",
    "lines": [
        {"summary": "现销", "account_code": "1001", "debit": "100.00"},
        {"summary": "现销", "account_code": "6001", "credit": "100.00"},
    ],
}


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2 with the cheapest parameters: these tests hash many passwords."""
    monkeypatch.setattr(sec, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def client(db: Database) -> TestClient:
    return TestClient(create_app(db))


def bearer(client: TestClient, username: str, password: str = PW) -> dict[str, str]:
    r = client.post("/api/auth/login", json={"username": username, "password": password, "kind": "api"})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def err(r: Any) -> dict[str, Any]:
    return r.json()["error"]


def audit(db: Database, company: str, **filters: Any) -> list[dict[str, Any]]:
    return sec.audit_page(UnitOfWork(db, sec.actor_for(db, "admin", source="t")), company, **filters)["items"]


# --- login, bearer, sessions -------------------------------------------------------------------


def test_login_bearer_make_review_post(db: Database, client: TestClient, company: str) -> None:
    maker = make_user(db, "accountant", company)
    checker = make_user(db, "reviewer", company)
    m, c = bearer(client, maker.username), bearer(client, checker.username)
    r = client.post(f"/api/companies/{company}/vouchers", json=SALE, headers=m)
    assert r.status_code == 201, r.text
    vid = r.json()["id"]
    assert r.json()["maker"] == maker.username and r.json()["status"] == "draft"
    # the maker cannot review (no permission), and a finance manager who made it can't either
    assert client.post(f"/api/companies/{company}/vouchers/{vid}/review", headers=m).status_code == 403
    r = client.post(f"/api/companies/{company}/vouchers/{vid}/review", headers=c)
    assert r.status_code == 200 and r.json()["reviewer"] == checker.username
    assert client.post(f"/api/companies/{company}/vouchers/{vid}/post", headers=c).status_code == 403
    r = client.post(f"/api/companies/{company}/vouchers/{vid}/post", headers=m)
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["poster"]) == ("posted", maker.username)
    assert r.json()["hash"]
    rows = audit(db, company, entity="voucher", entity_id=str(vid))
    assert [x["action"] for x in rows] == ["voucher.post", "voucher.review", "voucher.create"]
    assert {x["source"] for x in rows} == {"api testclient"}
    assert rows[1]["before"] == {"status": "draft"} and rows[1]["after"] == {"status": "reviewed"}


def test_maker_cannot_review_own_voucher(db: Database, client: TestClient, company: str) -> None:
    boss = make_user(db, "finance_manager", company)
    h = bearer(client, boss.username)
    vid = client.post(f"/api/companies/{company}/vouchers", json=SALE, headers=h).json()["id"]
    r = client.post(f"/api/companies/{company}/vouchers/{vid}/review", headers=h)
    assert r.status_code == 409 and err(r)["code"] == "voucher.review_by_maker"


def test_session_cookie_and_logout(db: Database, client: TestClient, company: str) -> None:
    user = make_user(db, "finance_manager", company)
    r = client.post("/api/auth/login", json={"username": user.username, "password": PW, "kind": "session"})
    assert r.status_code == 200
    cookie = r.headers["set-cookie"]
    assert f"{SESSION_COOKIE}=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert f"Max-Age={sec.SESSION_HOURS * 3600}" in cookie
    r = client.get("/api/me")
    assert r.status_code == 200 and r.json()["username"] == user.username
    # a write with the cookie is audited as coming from the web
    r = client.put(f"/api/companies/{company}/accounts/1001/enabled", json={"enabled": False})
    assert r.status_code == 200
    (row,) = audit(db, company, action="account.disable")
    assert row["source"] == "web testclient" and row["user"] == user.username
    assert (row["before"], row["after"]) == ({"enabled": True}, {"enabled": False})
    # a page on another site may not use the cookie to write
    r = client.put(
        f"/api/companies/{company}/accounts/1001/enabled",
        json={"enabled": True},
        headers={"Origin": "https://evil.example"},
    )
    assert r.status_code == 403 and err(r)["code"] == "auth.cross_site"
    r = client.post("/api/auth/logout")
    assert r.json() == {"status": "logged out", "revoked": True}
    client.cookies.set(SESSION_COOKIE, cookie.split(";")[0].split("=", 1)[1])
    r = client.get("/api/me")
    assert r.status_code == 401 and err(r)["code"] == "auth.required"
    assert [x["action"] for x in sec.audit_page(_admin(db), None, entity_id=user.username)["items"]][:2] == [
        "auth.logout",
        "auth.login",
    ]


def _admin(db: Database) -> UnitOfWork:
    return UnitOfWork(db, sec.actor_for(db, "admin", source="t"))


def test_bearer_logout_revokes(db: Database, client: TestClient, company: str) -> None:
    user = make_user(db, "auditor", company)
    h = bearer(client, user.username)
    assert client.get("/api/me", headers=h).status_code == 200
    assert client.post("/api/auth/logout", headers=h).json()["revoked"] is True
    assert client.get("/api/me", headers=h).status_code == 401


def test_expired_session_rejected(db: Database, client: TestClient, company: str) -> None:
    user = make_user(db, "auditor", company)
    token, _ = sec.login(db, user.username, PW, now=utcnow() - timedelta(hours=sec.SESSION_HOURS + 1))
    client.cookies.set(SESSION_COOKIE, token)
    r = client.get("/api/me")
    assert r.status_code == 401 and err(r)["code"] == "auth.required"


def test_missing_and_bad_credentials(db: Database, client: TestClient, company: str) -> None:
    r = client.get("/api/companies")
    assert r.status_code == 401 and err(r)["code"] == "auth.required"
    assert r.headers["www-authenticate"] == "Bearer"
    r = client.get("/api/companies", headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401
    user = make_user(db, "auditor", company)
    r = client.post("/api/auth/login", json={"username": user.username, "password": "wrong-password"})
    assert r.status_code == 401
    assert err(r)["code"] == "auth.login_failed"
    assert (
        client.post("/api/auth/login?lang=en", json={"username": user.username, "password": "x"}).json()[
            "error"
        ]["message"]
        == "Wrong username or password"
    )
    (row, _) = sec.audit_page(_admin(db), None, entity_id=user.username, action="auth.login_failed")["items"]
    assert row["source"] == "api testclient" and row["after"] == {"reason": "wrong_password"}


def test_lockout_over_the_api(db: Database, client: TestClient, company: str) -> None:
    user = make_user(db, "auditor", company)
    for _ in range(sec.LOGIN_FAILURES_MAX):
        r = client.post("/api/auth/login", json={"username": user.username, "password": "guess-guess"})
        assert r.status_code == 401
    r = client.post("/api/auth/login", json={"username": user.username, "password": PW})
    assert r.status_code == 429 and err(r)["code"] == "auth.locked"


# --- roles -------------------------------------------------------------------------------------

ALLOWED = {
    "list": {"accountant", "reviewer", "cashier", "auditor", "finance_manager"},
    "create": {"accountant", "finance_manager"},
    "review": {"reviewer", "finance_manager"},
    "post": {"accountant", "finance_manager"},
    "account_add": {"finance_manager"},
    "dimension_add": {"accountant", "finance_manager"},
    "verify": {"reviewer", "auditor", "finance_manager"},
    "audit": {"auditor", "finance_manager"},
    "report": {"accountant", "reviewer", "auditor", "finance_manager"},
    "reopen": {"finance_manager"},
    "grant": set(),
}


@pytest.mark.parametrize("role", ["accountant", "reviewer", "cashier", "auditor", "finance_manager"])
def test_role_matrix(db: Database, client: TestClient, admin: Actor, role: str) -> None:
    company = make_company(db, admin)
    maker = make_user(db, "accountant", company)
    draft_id = ledger.create_voucher(UnitOfWork(db, maker), company, cash_sale()).id
    reviewed_id = ledger.create_voucher(UnitOfWork(db, maker), company, cash_sale()).id
    ledger.review_voucher(UnitOfWork(db, admin), company, reviewed_id)
    user = make_user(db, role, company)
    h = bearer(client, user.username)
    base = f"/api/companies/{company}"
    calls = {
        "list": lambda: client.get(f"{base}/vouchers", headers=h),
        "create": lambda: client.post(f"{base}/vouchers", json=SALE, headers=h),
        "review": lambda: client.post(f"{base}/vouchers/{draft_id}/review", headers=h),
        "post": lambda: client.post(f"{base}/vouchers/{reviewed_id}/post", headers=h),
        "account_add": lambda: client.post(
            f"{base}/accounts", json={"code": "100201", "name": "工行", "parent_code": "1002"}, headers=h
        ),
        "dimension_add": lambda: client.post(
            f"{base}/dimensions", json=[{"type": "customer", "code": "C9", "name": "客户"}], headers=h
        ),
        "verify": lambda: client.get(f"{base}/ledger/verify", headers=h),
        "audit": lambda: client.get(f"{base}/audit", headers=h),
        "report": lambda: client.get(f"{base}/reports/trial-balance?period=2025-03", headers=h),
        "reopen": lambda: client.post(f"{base}/periods/2025-01/reopen", json={"reason": "x"}, headers=h),
        "grant": lambda: client.put(
            f"/api/users/{maker.username}/grants", json={"company": company, "role": "reviewer"}, headers=h
        ),
    }
    got = {}
    for name, call in calls.items():
        r = call()
        assert r.status_code < 500, (name, r.text)
        got[name] = r.status_code != 403
        if r.status_code == 403:
            assert err(r)["code"].startswith("permission"), r.text
    assert got == {name: role in allowed for name, allowed in ALLOWED.items()}


def test_admin_only_user_management(db: Database, client: TestClient, company: str) -> None:
    boss = make_user(db, "finance_manager", company)
    h = bearer(client, boss.username)
    r = client.post("/api/users", json={"username": "eve", "password": PW}, headers=h)
    assert r.status_code == 403 and err(r)["code"] == "permission.admin_required"
    assert client.get("/api/users", headers=h).status_code == 403
    assert client.get("/api/users/admin", headers=h).status_code == 404
    assert client.get(f"/api/users/{boss.username}", headers=h).status_code == 200
    assert client.delete("/api/users/admin", headers=h).status_code == 403
    r = client.put("/api/users/admin/password", json={"new_password": "taken-over-1"}, headers=h)
    assert r.status_code == 403


# --- company isolation -------------------------------------------------------------------------


def test_company_isolation(db: Database, client: TestClient, admin: Actor) -> None:
    a = make_company(db, admin)
    b = make_company(db, admin)
    vb = ledger.create_voucher(UnitOfWork(db, admin), b, cash_sale())
    user = make_user(db, "finance_manager", a)
    h = bearer(client, user.username)
    assert [c["code"] for c in client.get("/api/companies", headers=h).json()] == [a]
    assert [c["code"] for c in client.get("/api/me", headers=h).json()["companies"]] == [a]
    for path in (
        f"/api/companies/{b}/vouchers",
        f"/api/companies/{b}/vouchers/{vb.id}",
        f"/api/companies/{b}/accounts",
        f"/api/companies/{b}/dimensions",
        f"/api/companies/{b}/reports/trial-balance?period=2025-03",
        f"/api/companies/{b}/ledger/verify",
        f"/api/companies/{b}/audit",
    ):
        r = client.get(path, headers=h)
        assert r.status_code == 404, path
        assert err(r)["code"] == "not_found" and err(r)["field"] == "company"
    r = client.post(f"/api/companies/{b}/vouchers", json=SALE, headers=h)
    assert r.status_code == 404
    r = client.post(f"/api/companies/{b}/vouchers/{vb.id}/review", headers=h)
    assert r.status_code == 404
    # B's voucher is not reachable through A either
    r = client.get(f"/api/companies/{a}/vouchers/{vb.id}", headers=h)
    assert r.status_code == 404 and err(r)["field"] == "voucher"
    # an existing company without a grant looks exactly like one that does not exist
    missing = client.get("/api/companies/NO-SUCH-CO/accounts", headers=h)
    assert err(missing)["code"] == err(client.get(f"/api/companies/{b}/accounts", headers=h))["code"]


# --- me, users, grants, tokens -----------------------------------------------------------------


def test_me(db: Database, client: TestClient, company: str) -> None:
    user = make_user(db, "reviewer", company)
    r = client.get("/api/me", headers=bearer(client, user.username))
    body = r.json()
    assert body["username"] == user.username and body["is_admin"] is False
    (c,) = body["companies"]
    assert c["code"] == company and c["role"] == "reviewer"
    assert "voucher.review" in c["permissions"] and "voucher.create" not in c["permissions"]


def test_users_crud_grants_by_admin(db: Database, client: TestClient, company: str) -> None:
    h = bearer(client, "admin", "admin-password")
    name = new_code("api").lower()
    r = client.post("/api/users", json={"username": name, "password": "short"}, headers=h)
    assert r.status_code == 422 and (err(r)["code"], err(r)["field"]) == ("auth.weak_password", "password")
    r = client.post("/api/users", json={"username": "bad name", "password": PW}, headers=h)
    assert r.status_code == 422 and err(r)["code"] == "user.invalid_username"
    r = client.post("/api/users", json={"username": name, "password": PW, "display_name": "赵六"}, headers=h)
    assert r.status_code == 201 and r.json()["display_name"] == "赵六"
    assert client.post("/api/users", json={"username": name, "password": PW}, headers=h).status_code == 409
    assert name in [u["username"] for u in client.get("/api/users", headers=h).json()]
    r = client.put(f"/api/users/{name}/grants", json={"company": company, "role": "cashier"}, headers=h)
    assert r.json()["companies"] == {company: "cashier"}
    r = client.put(f"/api/users/{name}/grants", json={"company": company, "role": "boss"}, headers=h)
    assert r.status_code == 422 and err(r)["code"] == "auth.invalid_role"
    r = client.patch(f"/api/users/{name}", json={"display_name": "赵六六", "locale": "en"}, headers=h)
    assert (r.json()["display_name"], r.json()["locale"]) == ("赵六六", "en")
    uh = bearer(client, name)
    assert client.get(f"/api/companies/{company}/vouchers", headers=uh).status_code == 200
    r = client.put(
        "/api/me/password", json={"old_password": "wrong-wrong", "new_password": "new-pw-123"}, headers=uh
    )
    assert r.status_code == 403 and err(r)["code"] == "auth.wrong_password"
    r = client.put("/api/me/password", json={"old_password": PW, "new_password": "new-pw-123"}, headers=uh)
    assert r.status_code == 200
    r = client.put(f"/api/users/{name}/password", json={"new_password": "admin-set-pw"}, headers=h)
    assert r.status_code == 200
    assert client.get("/api/me", headers=uh).status_code == 401  # a reset revokes tokens
    uh = bearer(client, name, "admin-set-pw")
    r = client.delete(f"/api/users/{name}/grants/{company}", headers=h)
    assert r.json()["companies"] == {}
    assert client.get(f"/api/companies/{company}/vouchers", headers=uh).status_code == 404
    r = client.delete(f"/api/users/{name}", headers=h)
    assert r.status_code == 200 and r.json()["active"] is False
    assert client.get("/api/me", headers=uh).status_code == 401
    r = client.post("/api/auth/login", json={"username": name, "password": "admin-set-pw"})
    assert r.status_code == 401
    r = client.patch(f"/api/users/{name}", json={"active": True}, headers=h)
    assert r.json()["active"] is True
    assert bearer(client, name, "admin-set-pw")


def test_tokens_api(db: Database, client: TestClient, company: str) -> None:
    user = make_user(db, "accountant", company)
    h = bearer(client, user.username)
    r = client.post("/api/tokens", json={"name": "import script", "expires_days": 30}, headers=h)
    assert r.status_code == 201
    tok = r.json()
    assert tok["name"] == "import script" and tok["expires_at"] and tok["kind"] == "api"
    th = {"Authorization": f"Bearer {tok['token']}"}
    assert client.get("/api/me", headers=th).json()["username"] == user.username
    listed = client.get("/api/tokens", headers=h).json()
    assert tok["id"] in [t["id"] for t in listed] and all("token" not in t for t in listed)
    assert client.delete(f"/api/tokens/{tok['id']}", headers=h).json()["revoked"] is True
    assert client.get("/api/me", headers=th).status_code == 401
    other = make_user(db, "accountant", company)
    oh = bearer(client, other.username)
    assert client.delete(f"/api/tokens/{tok['id']}", headers=oh).status_code == 404
    assert client.get(f"/api/tokens?user={user.username}", headers=oh).status_code == 403


# --- audit log ---------------------------------------------------------------------------------


def test_audit_endpoint_filters_and_pages(db: Database, client: TestClient, company: str) -> None:
    maker = make_user(db, "accountant", company)
    auditor = make_user(db, "auditor", company)
    mh, ah = bearer(client, maker.username), bearer(client, auditor.username)
    for _ in range(3):
        client.post(f"/api/companies/{company}/vouchers", json=SALE, headers=mh)
    base = f"/api/companies/{company}/audit"
    r = client.get(f"{base}?action=voucher.create&page_size=2", headers=ah)
    body = r.json()
    assert (body["total"], body["page"], body["page_size"], len(body["items"])) == (3, 1, 2, 2)
    page2 = client.get(f"{base}?action=voucher.create&page_size=2&page=2", headers=ah).json()["items"]
    assert len(page2) == 1 and page2[0]["id"] < body["items"][-1]["id"]
    assert client.get(f"{base}?action=voucher.*&user={maker.username}", headers=ah).json()["total"] == 3
    assert client.get(f"{base}?entity=company", headers=ah).json()["total"] == 1
    assert client.get(f"{base}?user=nobody", headers=ah).json()["total"] == 0
    assert client.get(f"{base}?date_from=2999-01-01", headers=ah).json()["total"] == 0
    assert client.get(f"{base}?page_size=5000", headers=ah).status_code == 422
    item = body["items"][0]
    assert item["source"] == "api testclient" and item["user"] == maker.username
    assert item["after"]["total"] == "100.00"


# --- idempotency -------------------------------------------------------------------------------


def test_idempotency_key(db: Database, client: TestClient, company: str) -> None:
    h = {**bearer(client, make_user(db, "accountant", company).username), "Idempotency-Key": "k-1"}
    r1 = client.post(f"/api/companies/{company}/vouchers", json=SALE, headers=h)
    r2 = client.post(f"/api/companies/{company}/vouchers", json=SALE, headers=h)
    assert r1.status_code == 201 and r2.status_code == 201
    assert r1.json()["id"] == r2.json()["id"]
    other = {**SALE, "date": "2025-03-06"}
    r3 = client.post(f"/api/companies/{company}/vouchers", json=other, headers=h)
    assert r3.status_code == 409 and err(r3)["code"] == "idempotency.key_reused"
    listed = client.get(f"/api/companies/{company}/vouchers", headers=h).json()
    assert listed["total"] == 1
