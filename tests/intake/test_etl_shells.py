"""The import wizard from the API and the browser pages: upload, preview (nothing written), change
the mapping and undo a cleaning change, import; bad input is refused with the field named."""

from __future__ import annotations

from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from tests.conftest import make_company, make_user
from yecai.api.app import create_app
from yecai.masterdata import service as md
from yecai.security import service as sec
from yecai.store.db import Database
from yecai.store.uow import Actor, UnitOfWork

PW = "password-123"  # what make_user gives every user
ITEMS = "物料编码,物料名称,规格型号,单位,税率,备注\nM1,螺丝 钉,M6*20,个,13%,x\nM2,螺母,,个,9,\nM2,again,,,,\n"


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sec, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    monkeypatch.setenv("YECAI_DATA_DIR", str(tmp_path / "data"))


def _token(client: TestClient, username: str) -> dict[str, str]:
    r = client.post("/api/auth/login", json={"username": username, "password": PW})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def test_api_preview_run_profiles_and_codes(db: Database, admin: Actor) -> None:
    c = make_company(db, admin)
    user = make_user(db, "finance_manager", c)
    client = TestClient(create_app(db))
    h = _token(client, user.username)
    base = f"/api/companies/{c}/imports"
    files = {"file": ("物料.csv", ITEMS.encode("gbk"), "text/csv")}
    r = client.post(f"{base}/item/preview", files=files, data={"source": "u8"}, headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["mapping"]["物料编码"] == "code" and body["unmapped"] == ["备注"]
    assert [(p["row"], p["code"]) for p in body["problems"]] == [(4, "etl.duplicate_in_file")]
    assert md.list_items(UnitOfWork(db, admin), c) == []
    r = client.post(
        f"{base}/item/run",
        files=files,
        data={"source": "u8", "undo": "2:物料名称"},
        headers=h,
    )
    assert r.status_code == 200 and r.json()["imported"] == 2, r.text
    assert {i["code"]: i["name"] for i in md.list_items(UnitOfWork(db, admin), c)} == {
        "M1": "螺丝 钉",
        "M2": "螺母",
    }
    r = client.get(f"{base}/profiles", headers=h)
    assert r.json()[0]["source"] == "u8" and r.json()[0]["mapping"]["税率"] == "tax_rate"
    r = client.get(f"{base}/codes", params={"source": "u8"}, headers=h)
    assert {x["external_code"] for x in r.json()} == {"M1", "M2"}
    r = client.put(
        f"{base}/codes",
        json={"source": "u8", "kind": "item", "external_code": "OLD-9", "code": "M1"},
        headers=h,
    )
    assert r.status_code == 200
    # refusals name the field
    r = client.post(f"{base}/item/preview", files=files, data={"mapping": "[1, 2]"}, headers=h)
    assert r.status_code == 422 and r.json()["error"]["code"] == "etl.invalid_json"
    assert r.json()["error"]["field"] == "mapping"
    r = client.post(f"{base}/gizmo/preview", files=files, headers=h)
    assert r.status_code == 422 and r.json()["error"]["code"] == "etl.unknown_kind"
    r = client.put(f"{base}/profiles/u8/item", json={"mapping": {"物料编码": "code"}}, headers=h)
    assert r.status_code == 422 and r.json()["error"]["code"] == "etl.required_unmapped"
    # an auditor may look but not import
    auditor = _token(client, make_user(db, "auditor", c).username)
    r = client.post(
        f"{base}/item/run", files={"file": ("x.csv", b"code,name\nM9,x\n", "text/csv")}, headers=auditor
    )
    assert r.status_code == 403


def test_web_wizard(db: Database, admin: Actor) -> None:
    c = make_company(db, admin)
    user = make_user(db, "finance_manager", c)
    client = TestClient(create_app(db))
    r = client.post("/login", data={"username": user.username, "password": PW}, follow_redirects=False)
    assert r.status_code == 303
    client.cookies.set("yecai_company", c)
    r = client.get("/imports")
    assert r.status_code == 200 and 'id="import-start"' in r.text and "从其他系统导入" in r.text
    text = "客户编码,客户名称,账期\nK1,华东 商贸 有限公司,30天\nK2,,45\n"
    r = client.post(
        "/imports/preview",
        data={"kind": "customer", "source": "旧系统"},
        files={"file": ("客户.csv", text.encode("utf-8"), "text/csv")},
    )
    assert r.status_code == 200, r.text
    assert 'data-key="2:客户名称"' in r.text and "华东商贸有限公司" in r.text
    assert "第 3 行" not in r.text and "etl.required" in r.text  # K2 has no name: rejected, listed
    assert md.list_parties(UnitOfWork(db, admin), c, "customer") == []
    token = r.text.split('name="token" value="')[1].split('"')[0]
    form = {
        "token": token,
        "file_name": "客户.csv",
        "kind": "customer",
        "source": "旧系统",
        "mapped": "1",
        "map:客户编码": "code",
        "map:客户名称": "name",
        "map:账期": "",  # the user decides not to import the terms
        "undo": "2:客户名称",
    }
    r = client.post("/imports/run", data=form)
    assert r.status_code == 200 and 'id="import-result"' in r.text, r.text
    v = md.get_party(UnitOfWork(db, admin), c, "customer", "K1")
    assert (v.name, v.credit_days) == ("华东 商贸 有限公司", 0)
    # the upload is gone after the import; a forged token is refused without touching the disk
    r = client.post("/imports/run", data=dict(form, token="../../etc/passwd"))
    assert r.status_code == 422 and "请重新上传" in r.text
