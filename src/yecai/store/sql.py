"""Small dialect-aware SQL helpers shared by services (upserts that work on SQLite and PostgreSQL).

The statements are built once per dialect, table and column names, with bound parameters, and
reused: the posting path runs them for every document, and building an upsert and computing its
cache key costs more Python time than running it on SQLite."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import Table, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

_STATEMENTS_MAX = 256


def _insert(dialect: str, table: Table) -> Any:
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


@lru_cache(maxsize=_STATEMENTS_MAX)
def _upsert_add(dialect: str, table: Table, key_names: tuple[str, ...], amount_names: tuple[str, ...]) -> Any:
    stmt = _insert(dialect, table)
    return stmt.on_conflict_do_update(
        index_elements=list(key_names),
        set_={k: getattr(table.c, k) + stmt.excluded[k] for k in amount_names},
    )


def upsert_add(session: Session, table: Table, keys: dict[str, Any], amounts: dict[str, int]) -> None:
    """INSERT the row or add ``amounts`` to it atomically (safe under concurrent writers)."""
    stmt = _upsert_add(_dialect(session), table, tuple(keys), tuple(amounts))
    session.execute(stmt, {**keys, **amounts})


def upsert_add_many(session: Session, table: Table, key_names: list[str], rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    amount_names = tuple(k for k in rows[0] if k not in key_names)
    session.execute(_upsert_add(_dialect(session), table, tuple(key_names), amount_names), rows)


@lru_cache(maxsize=_STATEMENTS_MAX)
def _next_counter(dialect: str, table: Table, key_names: tuple[str, ...], column: str) -> Any:
    stmt = _insert(dialect, table).values({**{k: bindparam(k) for k in key_names}, column: 1})
    return stmt.on_conflict_do_update(
        index_elements=list(key_names), set_={column: getattr(table.c, column) + 1}
    ).returning(getattr(table.c, column))


def next_counter(session: Session, table: Table, keys: dict[str, Any], column: str) -> int:
    """Atomically increment and return a counter row (created at 1). Row-locks until commit."""
    stmt = _next_counter(_dialect(session), table, tuple(keys), column)
    return int(session.execute(stmt, keys).scalar_one())
