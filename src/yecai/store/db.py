"""Engines and sessions for SQLite (embedded default) and PostgreSQL, with the same code."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from yecai import config


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let us issue BEGIN ourselves so writers can take the lock up front (BEGIN IMMEDIATE):
    # a deferred transaction that later writes can fail with SQLITE_BUSY instead of waiting.
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA busy_timeout=60000")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    if conn.get_execution_options().get("yecai_write", False):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


def _hold(session: Session, instance: Any) -> None:
    session.info.setdefault("yecai_held", []).append(instance)


class Database:
    """One per process and URL. ``write_sessions`` take the write lock at BEGIN on SQLite."""

    def __init__(self, url: str | None = None, *, echo: bool = False) -> None:
        self.url = url or config.database_url()
        self.is_sqlite = self.url.startswith("sqlite")
        if self.is_sqlite:
            path = self.url.split("///", 1)[-1]
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = create_engine(
                self.url, echo=echo, connect_args={"timeout": 60, "check_same_thread": False}
            )
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin)
        else:
            self.engine = create_engine(self.url, echo=echo, pool_pre_ping=True, pool_size=5, max_overflow=10)
        self._read = sessionmaker(bind=self.engine, expire_on_commit=False, autoflush=False)
        self._write = sessionmaker(
            bind=self.engine.execution_options(yecai_write=True), expire_on_commit=False, autoflush=False
        )
        # A command's session holds on to every row it loads or inserts until it closes. The
        # identity map alone holds unchanged rows weakly, so a row a command had read (an item, a
        # voucher it posted) was often collected by the time its view asked for it again, and was
        # SELECTed twice. A command touches a bounded number of rows; read sessions (reports,
        # exports that stream) do not hold theirs.
        event.listen(self._write, "loaded_as_persistent", _hold)
        event.listen(self._write, "pending_to_persistent", _hold)

    @cached_property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self, *, write: bool = True) -> Session:
        return self._write() if write else self._read()

    def dispose(self) -> None:
        self.engine.dispose()


_databases: dict[str, Database] = {}


def get_database(url: str | None = None) -> Database:
    key = url or config.database_url()
    db = _databases.get(key)
    if db is None:
        db = _databases[key] = Database(key)
    return db


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["configure_logger"] = False
    return cfg


def upgrade(url: str | None = None, revision: str = "heads") -> None:
    """Bring the database schema up to date (creates the SQLite file if needed)."""
    from alembic import command

    db = get_database(url)
    cfg = alembic_config(db.url)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
