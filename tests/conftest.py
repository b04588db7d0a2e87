"""Shared fixtures: a real database (SQLite file; PostgreSQL too when reachable), users, companies.

Each test gets its own company (账套) in a database migrated once per session — which also
exercises company isolation. Set YECAI_TEST_PG_URL to point the PostgreSQL variant elsewhere.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest

from yecai.ledger import service as ledger
from yecai.ledger.domain import LineDraft, VoucherDraft
from yecai.security import service as security
from yecai.store.db import Database, get_database, upgrade
from yecai.store.uow import Actor, UnitOfWork

PG_URL = os.environ.get("YECAI_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
_counter = itertools.count(1)


def pg_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_URL.replace("postgresql+psycopg", "postgresql"), connect_timeout=3):
            return True
    except Exception:
        return False


def _pg_url_for_worker(worker: str) -> str:
    """One PostgreSQL schema-isolated database per xdist worker."""
    import psycopg

    base = PG_URL.replace("postgresql+psycopg", "postgresql")
    # YECAI_TEST_PG_TAG keeps concurrent runs on one server (several developers) apart.
    name = f"yecai_test_{os.environ.get('YECAI_TEST_PG_TAG', '')}{worker}".lower()
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return PG_URL.rsplit("/", 1)[0] + "/" + name


BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(scope="session")
def worker_id_str(request: pytest.FixtureRequest) -> str:
    return getattr(request.config, "workerinput", {}).get("workerid", "main")


@pytest.fixture(scope="session")
def sqlite_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    path = tmp_path_factory.mktemp("db") / "yecai.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    db = get_database(url)
    security.ensure_admin(db, "admin", "admin-password")
    yield db
    db.dispose()


@pytest.fixture(scope="session")
def pg_db(worker_id_str: str) -> Iterator[Database]:
    if not pg_available():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not reachable at {PG_URL}; CI must run the PostgreSQL tests")
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}")
    url = _pg_url_for_worker(worker_id_str)
    upgrade(url)
    db = get_database(url)
    security.ensure_admin(db, "admin", "admin-password")
    yield db
    db.dispose()


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest) -> Database:
    """The ledger tests run on SQLite always and on PostgreSQL whenever it is reachable."""
    if request.param == "postgres":
        return request.getfixturevalue("pg_db")
    return request.getfixturevalue("sqlite_db")


def admin_actor(db: Database) -> Actor:
    return security.actor_for(db, "admin", source="test")


@pytest.fixture
def admin(db: Database) -> Actor:
    return admin_actor(db)


def new_code(prefix: str = "T") -> str:
    return f"{prefix}{next(_counter)}{uuid.uuid4().hex[:6]}".upper()[:20]


def make_company(db: Database, actor: Actor | None = None, start: str = "2025-01", **kw: object) -> str:
    code = new_code()
    ledger.create_company(
        UnitOfWork(db, actor or admin_actor(db)), code=code, name=f"测试公司{code}", start=start, **kw
    )
    return code


@pytest.fixture
def company(db: Database, admin: Actor) -> str:
    return make_company(db, admin)


def make_user(db: Database, role: str, company: str, username: str | None = None) -> Actor:
    name = username or new_code(role[:3])
    security.create_user(UnitOfWork(db, admin_actor(db)), username=name, password="password-123")
    security.grant(UnitOfWork(db, admin_actor(db)), username=name, company_code=company, role=role)
    return security.actor_for(db, name, source="test")


def draft(
    day: str, *lines: tuple[str, str, str, str] | tuple[str, str, str, str, dict[str, str]], word: str = "记"
) -> VoucherDraft:
    """draft('2025-03-01', ('销售', '1122', '113', '', {'customer': 'C1'}), ('销售', '6001', '', '100'), …)."""
    out = []
    for ln in lines:
        summary, code, debit, credit = ln[:4]
        dims = ln[4] if len(ln) > 4 else {}
        out.append(
            LineDraft(
                summary=summary,
                account_code=code,
                debit=Decimal(debit or 0),
                credit=Decimal(credit or 0),
                dims=dims,
            )
        )  # type: ignore[arg-type]
    return VoucherDraft(date=date.fromisoformat(day), lines=tuple(out), word=word)


def cash_sale(day: str = "2025-03-05", amount: str = "100.00") -> VoucherDraft:
    return draft(day, ("现销", "1001", amount, ""), ("现销", "6001", "", amount))
