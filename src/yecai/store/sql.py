"""Small dialect-aware SQL helpers shared by services (upserts that work on SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def _insert(session: Session, table: Table) -> Any:
    name = session.get_bind().dialect.name
    return (postgresql.insert if name == "postgresql" else sqlite.insert)(table)


def upsert_add(session: Session, table: Table, keys: dict[str, Any], amounts: dict[str, int]) -> None:
    """INSERT the row or add ``amounts`` to it atomically (safe under concurrent writers)."""
    stmt = _insert(session, table).values(**keys, **amounts)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys), set_={k: getattr(table.c, k) + stmt.excluded[k] for k in amounts}
    )
    session.execute(stmt)


def upsert_add_many(session: Session, table: Table, key_names: list[str], rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    amount_names = [k for k in rows[0] if k not in key_names]
    stmt = _insert(session, table)
    stmt = stmt.on_conflict_do_update(
        index_elements=key_names, set_={k: getattr(table.c, k) + stmt.excluded[k] for k in amount_names}
    )
    session.execute(stmt, rows)


def next_counter(session: Session, table: Table, keys: dict[str, Any], column: str) -> int:
    """Atomically increment and return a counter row (created at 1). Row-locks until commit."""
    stmt = _insert(session, table).values(**keys, **{column: 1})
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys), set_={column: getattr(table.c, column) + 1}
    ).returning(getattr(table.c, column))
    return int(session.execute(stmt).scalar_one())
