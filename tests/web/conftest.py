"""Web workspace fixtures: one SQLite database per test session holding the demo company
(a year of vouchers, closed through November) and one user per role.

The TestClient tests and the browser tests share it: the browser tests start a real uvicorn
server on the same database file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from yecai.api.app import create_app
from yecai.demo.ledger_demo import load_demo
from yecai.security import service as security
from yecai.store.db import Database, get_database, upgrade
from yecai.store.uow import UnitOfWork

from .docs_fixture import DocsCompany, build_docs_company
from .ops_fixture import OpsCompany, build_ops_company

DEMO = "WEBDEMO"
DOCS = "WEBDOCS"  # a trading company with a year of business documents (docs_fixture.py)
PASSWORD = "password-123"
ROLES = ("accountant", "reviewer", "cashier", "finance_manager", "auditor")


@pytest.fixture(scope="session")
def web_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    path = tmp_path_factory.mktemp("web") / "yecai.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    db = get_database(url)
    security.ensure_admin(db, "admin", "admin-password")
    admin = security.actor_for(db, "admin", source="test")
    load_demo(db, admin, company=DEMO)
    for role in ROLES:
        security.create_user(UnitOfWork(db, admin), username=role, password=PASSWORD, display_name=role)
        security.grant(UnitOfWork(db, admin), username=role, company_code=DEMO, role=role)
    yield db
    db.dispose()


@pytest.fixture(scope="session")
def web_app(web_db: Database) -> object:
    return create_app(web_db)


@pytest.fixture
def login(web_app: object) -> Callable[[str], TestClient]:
    """login('accountant') → a TestClient with that user's session cookie."""

    def _login(username: str) -> TestClient:
        client = TestClient(web_app)  # type: ignore[arg-type]
        password = "admin-password" if username == "admin" else PASSWORD
        r = client.post("/login", data={"username": username, "password": password}, follow_redirects=False)
        assert r.status_code == 303, r.text
        client.cookies.set("yecai_company", DEMO)
        return client

    return _login


@pytest.fixture(scope="session")
def docs_company(web_db: Database) -> DocsCompany:
    """WEBDOCS in the same database, every role granted as in WEBDEMO."""
    admin = security.actor_for(web_db, "admin", source="test")
    out = build_docs_company(web_db, admin, DOCS)
    for role in ROLES:
        security.grant(UnitOfWork(web_db, admin), username=role, company_code=DOCS, role=role)
    return out


@pytest.fixture
def docs_login(web_app: object, docs_company: DocsCompany) -> Callable[[str], TestClient]:
    """docs_login('accountant') → a TestClient working in WEBDOCS."""

    def _login(username: str) -> TestClient:
        client = TestClient(web_app)  # type: ignore[arg-type]
        password = "admin-password" if username == "admin" else PASSWORD
        r = client.post("/login", data={"username": username, "password": password}, follow_redirects=False)
        assert r.status_code == 303, r.text
        client.cookies.set("yecai_company", DOCS)
        return client

    return _login


OPS = "WEBOPS"  # a small manufacturer: work orders, expense claims, counts, returns (ops_fixture.py)
AVG = "WEBAVG"  # month-end average costing


@pytest.fixture(scope="session")
def ops_company(web_db: Database) -> OpsCompany:
    """WEBOPS and WEBAVG in the same database, every role granted (by the builder)."""
    admin = security.actor_for(web_db, "admin", source="test")
    return build_ops_company(web_db, admin, OPS, AVG)


@pytest.fixture
def ops_login(web_app: object, ops_company: OpsCompany) -> Callable[..., TestClient]:
    """ops_login('accountant') → a TestClient working in WEBOPS (company=AVG for WEBAVG)."""

    def _login(username: str, company: str = OPS) -> TestClient:
        client = TestClient(web_app)  # type: ignore[arg-type]
        password = "admin-password" if username == "admin" else PASSWORD
        r = client.post("/login", data={"username": username, "password": password}, follow_redirects=False)
        assert r.status_code == 303, r.text
        client.cookies.set("yecai_company", company)
        return client

    return _login
