"""The document routes built by yecai.api.documents (list, one document, state change): the
OpenAPI operation they had when written out, filters reaching the service, refusals as errors."""

from __future__ import annotations

import pytest

from tests.purchasing.books import po, setup_books
from yecai.store.db import Database
from yecai.store.uow import Actor


def test_routes_keep_their_openapi_operation(db: Database) -> None:
    from yecai.api.app import create_app

    paths = create_app(db).openapi()["paths"]
    listing = paths["/api/companies/{company}/purchasing/orders"]["get"]
    assert listing["operationId"] == "orders_api_companies__company__purchasing_orders_get"
    assert listing["summary"] == "Orders"
    assert [(p["name"], p["in"], p["required"]) for p in listing["parameters"]] == [
        ("company", "path", True),
        ("status", "query", False),
        ("supplier", "query", False),
        ("date_from", "query", False),
        ("date_to", "query", False),
    ]
    one = paths["/api/companies/{company}/purchasing/orders/{doc_id}"]["get"]
    assert one["operationId"] == "order_get_api_companies__company__purchasing_orders__doc_id__get"
    cancel = paths["/api/companies/{company}/purchasing/orders/{doc_id}/cancel"]["post"]
    assert (
        cancel["operationId"] == "order_cancel_api_companies__company__purchasing_orders__doc_id__cancel_post"
    )


def test_list_get_and_change(db: Database, admin: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi.testclient import TestClient

    from yecai.api import app as api_app
    from yecai.api.app import create_app
    from yecai.security import service as security

    monkeypatch.setattr(api_app, "ROUTERS", ("yecai.ledger.api", "yecai.purchasing.api"))
    token, _user = security.login(db, "admin", "admin-password", kind="api", source="test")
    client = TestClient(create_app(db))
    client.headers["Authorization"] = f"Bearer {token}"
    b = setup_books(db, admin)
    first = po(b, ("A", "10", "100"))
    second = po(b, ("A", "1", "100"), supplier="S2", day="2025-04-01")
    base = f"/api/companies/{b.company}/purchasing/orders"

    r = client.get(base)
    assert r.status_code == 200 and [o["no"] for o in r.json()] == [first["no"], second["no"]]
    r = client.get(base, params={"supplier": "S2"})
    assert [o["no"] for o in r.json()] == [second["no"]]
    r = client.get(base, params={"date_from": "2025-03-15", "date_to": "2025-04-30", "status": "open"})
    assert [o["no"] for o in r.json()] == [second["no"]]
    r = client.get(base, params={"date_from": "March"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "request.invalid"

    r = client.get(f"{base}/{first['id']}")
    assert r.status_code == 200 and r.json()["no"] == first["no"]
    r = client.get(f"{base}/999999")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"

    r = client.post(f"{base}/{second['id']}/cancel")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    r = client.post(f"{base}/{second['id']}/cancel")
    assert r.status_code == 409 and r.json()["error"]["code"] == "document.wrong_state"
