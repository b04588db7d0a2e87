"""The ledger REST endpoints end to end: companies, accounts, dimensions, vouchers, verify.

Refusals come back as 4xx with the error code and the field they are about.
"""

from __future__ import annotations

from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from tests.conftest import make_user, new_code
from yecai.api.app import create_app
from yecai.security import service as sec
from yecai.store.db import Database

PW = "password-123"


def sale(amount: str = "100.00", day: str = "2025-03-05", **line: str) -> dict[str, Any]:
    return {
        "date": day,
        "lines": [
            {"summary": "现销", "account_code": "1001", "debit": amount, **line},
            {"summary": "现销", "account_code": "6001", "credit": amount},
        ],
    }


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sec, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


class Api:
    """A client logged in as one user, with the company's base path."""

    def __init__(self, client: TestClient, username: str, password: str, company: str = "") -> None:
        r = client.post("/api/auth/login", json={"username": username, "password": password})
        assert r.status_code == 200, r.text
        self.client = client
        self.headers = {"Authorization": f"Bearer {r.json()['token']}"}
        self.base = f"/api/companies/{company}"

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(self.base + path, headers=self.headers, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.client.post(self.base + path, json=body, headers=self.headers, **kw)

    def put(self, path: str, body: Any = None) -> Any:
        return self.client.put(self.base + path, json=body, headers=self.headers)


def refusal(r: Any, status: int, code: str, field: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    e = r.json()["error"]
    assert e["code"] == code, e
    if field is not None:
        assert e["field"] == field, e
    return e


@pytest.fixture
def client(db: Database) -> TestClient:
    return TestClient(create_app(db))


@pytest.fixture
def boss(db: Database, client: TestClient, company: str) -> Api:
    """A finance manager of the test company."""
    user = make_user(db, "finance_manager", company)
    return Api(client, user.username, PW, company)


@pytest.fixture
def clerk(db: Database, client: TestClient, company: str) -> Api:
    """An accountant (制单) of the same company: makes what the manager reviews."""
    user = make_user(db, "accountant", company)
    return Api(client, user.username, PW, company)


# --- companies ---------------------------------------------------------------------------------


def test_companies(db: Database, client: TestClient) -> None:
    admin = Api(client, "admin", "admin-password")
    code = new_code("API")
    r = client.post(
        "/api/companies",
        json={"code": code, "name": "接口公司", "start": "2025-01"},
        headers=admin.headers,
    )
    assert r.status_code == 201 and r.json() == {
        "code": code,
        "name": "接口公司",
        "currency": "CNY",
        "template": "cas-general",
        "start": "2025-01",
    }
    r = client.post("/api/companies", json={"code": code, "name": "again"}, headers=admin.headers)
    refusal(r, 409, "conflict", "code")
    r = client.post("/api/companies", json={"code": "bad code!", "name": "x"}, headers=admin.headers)
    refusal(r, 422, "company.invalid_code", "code")
    r = client.post(
        "/api/companies", json={"code": "OK1", "name": "x", "template": "ifrs"}, headers=admin.headers
    )
    refusal(r, 422, "company.unknown_template", "template")
    r = client.post(
        "/api/companies", json={"code": "OK2", "name": "x", "colour": "red"}, headers=admin.headers
    )
    refusal(r, 422, "request.invalid", "colour")
    listed = client.get("/api/companies", headers=admin.headers).json()
    assert {"code": code, "name": "接口公司", "currency": "CNY", "start": "2025-01"} in listed


# --- accounts ----------------------------------------------------------------------------------


def test_accounts_list_add_disable(boss: Api, clerk: Api) -> None:
    accounts = boss.get("/accounts").json()
    cash = next(a for a in accounts if a["code"] == "1001")
    assert (cash["name"], cash["is_leaf"], cash["direction"], cash["enabled"]) == (
        "库存现金",
        True,
        "debit",
        True,
    )
    assert [a["code"] for a in boss.get("/accounts", params={"search": "kcxj"}).json()] == ["1001"]
    assert all(a["code"].startswith("1002") for a in boss.get("/accounts", params={"search": "1002"}).json())

    r = boss.post("/accounts", {"code": "100209", "name": "工商银行", "parent_code": "1002"})
    assert r.status_code == 201 and (r.json()["code"], r.json()["level"], r.json()["is_leaf"]) == (
        "100209",
        2,
        True,
    )
    assert next(a for a in boss.get("/accounts").json() if a["code"] == "1002")["is_leaf"] is False
    refusal(
        boss.post("/accounts", {"code": "100209", "name": "x", "parent_code": "1002"}),
        409,
        "conflict",
        "code",
    )
    refusal(
        boss.post("/accounts", {"code": "10029", "name": "x", "parent_code": "1002"}),
        422,
        "account.invalid_code",
        "code",
    )
    refusal(
        boss.post("/accounts", {"code": "999901", "name": "x", "parent_code": "9999"}),
        404,
        "not_found",
        "parent_code",
    )
    refusal(
        boss.post(
            "/accounts", {"code": "100208", "name": "x", "parent_code": "1002", "dimensions": ["colour"]}
        ),
        422,
        "dimension.invalid_type",
        "dimensions",
    )
    # a voucher on the parent, now that it has sub-accounts, names the field
    e = refusal(
        clerk.post("/vouchers", sale(**{"account_code": "1002"})), 422, "account.not_leaf", "account_code"
    )
    assert e["params"]["line"] == "1"

    r = boss.put("/accounts/100209/enabled", {"enabled": False})
    assert r.json() == {"code": "100209", "enabled": False}
    refusal(
        clerk.post("/vouchers", sale(**{"account_code": "100209"})), 422, "account.disabled", "account_code"
    )
    refusal(boss.put("/accounts/777777/enabled", {"enabled": False}), 404, "not_found", "code")
    boss.put("/accounts/100209/enabled", {"enabled": True})
    assert clerk.post("/vouchers", sale(**{"account_code": "100209"})).status_code == 201


# --- dimensions --------------------------------------------------------------------------------


def test_dimensions(boss: Api, clerk: Api) -> None:
    r = clerk.post(
        "/dimensions",
        [
            {"type": "customer", "code": "C1", "name": "华东客户"},
            {"type": "customer", "code": "C2", "name": "华南客户"},
            {"type": "department", "code": "D1", "name": "销售部"},
        ],
    )
    assert r.status_code == 201 and r.json() == {"saved": 3}
    assert [d["code"] for d in boss.get("/dimensions", params={"type": "customer"}).json()] == ["C1", "C2"]
    clerk.post("/dimensions", [{"type": "customer", "code": "C1", "name": "华东大客户"}])
    assert boss.get("/dimensions", params={"type": "customer"}).json()[0]["name"] == "华东大客户"
    e = refusal(
        clerk.post("/dimensions", [{"type": "colour", "code": "R", "name": "红"}]),
        422,
        "dimension.invalid_type",
        "type",
    )
    assert e["row"] == 1
    # 1122 应收账款 needs a customer
    body = {
        "date": "2025-03-05",
        "lines": [
            {"summary": "赊销", "account_code": "1122", "debit": "50"},
            {"summary": "赊销", "account_code": "6001", "credit": "50"},
        ],
    }
    refusal(clerk.post("/vouchers", body), 422, "dimension.required", "customer")
    body["lines"][0]["customer"] = "C9"
    refusal(clerk.post("/vouchers", body), 422, "dimension.unknown", "customer")
    body["lines"][0]["customer"] = "C2"
    r = clerk.post("/vouchers", body)
    assert r.status_code == 201 and r.json()["lines"][0]["dims"] == {"customer": "C2"}


# --- vouchers ----------------------------------------------------------------------------------


def test_voucher_refusals_name_the_field(clerk: Api) -> None:
    e = refusal(
        clerk.post(
            "/vouchers",
            {
                "date": "2025-03-05",
                "lines": [
                    {"summary": "x", "account_code": "1001", "debit": "100.00"},
                    {"summary": "x", "account_code": "6001", "credit": "99.99"},
                ],
            },
        ),
        422,
        "voucher.unbalanced",
    )
    assert "100.00" in e["message"] or "100" in e["params"]["debit"]
    refusal(
        clerk.post("/vouchers", sale(**{"account_code": "9999"})), 422, "account.not_found", "account_code"
    )
    refusal(clerk.post("/vouchers", sale("100.001")), 422, "money.too_precise", "debit")
    refusal(clerk.post("/vouchers", sale(**{"summary": " "})), 422, "line.summary_missing", "summary")
    refusal(clerk.post("/vouchers", sale(day="2031-03-05")), 422, "period.not_opened", "date")
    r = clerk.post("/vouchers", {**sale(), "word": "X"})
    refusal(r, 422, "voucher.invalid_word")
    r = clerk.post("/vouchers", {**sale(), "lines": [sale()["lines"][0]]})
    refusal(r, 422, "voucher.too_few_lines")
    r = clerk.post("/vouchers", sale(**{"debit": "abc"}))
    refusal(r, 422, "request.invalid", "lines.0.debit")
    r = clerk.post("/vouchers", {"date": "2025-03-05"})
    refusal(r, 422, "request.invalid", "lines")
    assert clerk.get("/vouchers").json()["total"] == 0  # nothing was half-written


def test_voucher_life_cycle(boss: Api, clerk: Api) -> None:
    r = clerk.post("/vouchers", sale("100.00"))
    assert r.status_code == 201
    v = r.json()
    assert (v["status"], v["word"], v["number"], v["voucher_no"], v["period"], v["total"]) == (
        "draft",
        "记",
        1,
        v["voucher_no"],
        "2025-03",
        "100.00",
    )
    vid = v["id"]
    assert clerk.get(f"/vouchers/{vid}").json() == v
    # edit the draft
    r = clerk.put(f"/vouchers/{vid}", sale("120.00", day="2025-03-09"))
    assert r.status_code == 200 and (r.json()["total"], r.json()["date"], r.json()["number"]) == (
        "120.00",
        "2025-03-09",
        1,
    )
    refusal(clerk.put(f"/vouchers/{vid}", sale(day="2025-04-01")), 409, "voucher.wrong_state")
    # review, unreview, review again, post
    assert boss.post(f"/vouchers/{vid}/review").json()["status"] == "reviewed"
    refusal(clerk.put(f"/vouchers/{vid}", sale()), 409, "voucher.wrong_state")
    assert boss.post(f"/vouchers/{vid}/unreview").json()["status"] == "draft"
    boss.post(f"/vouchers/{vid}/review")
    refusal(boss.post(f"/vouchers/{vid}/review"), 409, "voucher.wrong_state")
    posted = clerk.post(f"/vouchers/{vid}/post").json()
    assert posted["status"] == "posted" and len(posted["hash"]) == 64
    refusal(clerk.post(f"/vouchers/{vid}/post"), 409, "voucher.wrong_state")
    refusal(clerk.post(f"/vouchers/{vid}/void"), 409, "voucher.wrong_state")
    refusal(clerk.put(f"/vouchers/{vid}", sale()), 409, "voucher.wrong_state")
    # reverse (红字冲销): a new draft with negated lines linked to the original
    r = clerk.post(f"/vouchers/{vid}/reverse", {"date": "2025-03-31"})
    assert r.status_code == 201
    rev = r.json()
    assert (rev["reverses_id"], rev["status"], rev["date"], rev["source_type"]) == (
        vid,
        "draft",
        "2025-03-31",
        "reversal",
    )
    assert rev["lines"][0]["debit"] == "-120.00"
    refusal(clerk.post(f"/vouchers/{vid}/reverse", {}), 409, "voucher.already_reversed")
    refusal(clerk.post(f"/vouchers/{rev['id']}/reverse", {}), 409, "voucher.wrong_state")
    # void a draft: it keeps its number
    other = clerk.post("/vouchers", sale("5.00")).json()
    voided = clerk.post(f"/vouchers/{other['id']}/void").json()
    assert (voided["status"], voided["number"]) == ("void", other["number"])
    refusal(boss.post(f"/vouchers/{other['id']}/review"), 409, "voucher.wrong_state")
    refusal(clerk.get("/vouchers/999999999"), 404, "not_found", "voucher")
    # the chain verifies
    r = boss.get("/ledger/verify")
    assert r.json() == {
        "ok": True,
        "checked": 1,
        "first_broken_seq": None,
        "first_broken_voucher": None,
        "reason": None,
    }


def test_voucher_list_filters_and_pages(boss: Api, clerk: Api) -> None:
    ids = [
        clerk.post("/vouchers", sale(f"{n}.00", day=f"2025-0{m}-10")).json()["id"]
        for n, m in ((1, 3), (2, 3), (3, 4))
    ]
    boss.post(f"/vouchers/{ids[0]}/review")
    clerk.post(f"/vouchers/{ids[0]}/post")
    assert clerk.get("/vouchers").json()["total"] == 3
    assert [v["id"] for v in clerk.get("/vouchers", params={"period": "2025-03"}).json()["items"]] == ids[:2]
    assert clerk.get("/vouchers", params={"period": "2025-03", "to": "2025-04"}).json()["total"] == 3
    assert [v["id"] for v in clerk.get("/vouchers", params={"status": "posted"}).json()["items"]] == ids[:1]
    assert clerk.get("/vouchers", params={"account": "6001"}).json()["total"] == 3
    assert clerk.get("/vouchers", params={"account": "1122"}).json()["total"] == 0
    assert clerk.get("/vouchers", params={"q": "现销"}).json()["total"] == 3
    assert clerk.get("/vouchers", params={"word": "收"}).json()["total"] == 0
    page = clerk.get("/vouchers", params={"page": 2, "page_size": 2}).json()
    assert (page["total"], page["page"], page["page_size"], [v["id"] for v in page["items"]]) == (
        3,
        2,
        2,
        ids[2:],
    )
    refusal(clerk.get("/vouchers", params={"page_size": 501}), 422, "request.invalid", "page_size")
    refusal(clerk.get("/vouchers", params={"page": 0}), 422, "request.invalid", "page")


def test_idempotency_key(boss: Api, clerk: Api) -> None:
    h = {"Idempotency-Key": "order-42"}
    r1 = clerk.client.post(clerk.base + "/vouchers", json=sale(), headers={**clerk.headers, **h})
    r2 = clerk.client.post(clerk.base + "/vouchers", json=sale(), headers={**clerk.headers, **h})
    assert r1.json()["id"] == r2.json()["id"]
    r3 = clerk.client.post(clerk.base + "/vouchers", json=sale("1.00"), headers={**clerk.headers, **h})
    refusal(r3, 409, "idempotency.key_reused", "idempotency_key")
    assert boss.get("/vouchers").json()["total"] == 1
