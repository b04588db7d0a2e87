"""The unit of work: one business command, one transaction.

A service opens ``with uow:`` and calls ``uow.commit()`` once at the end. Nested ``with uow:``
blocks (a document service calling the ledger service) join the outer transaction; only the
outermost commit commits, and any exception rolls everything back.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from yecai.core.errors import NotFound, PermissionDenied
from yecai.store.db import Database


@dataclass(frozen=True)
class Actor:
    """Who is acting, and from where (cli, api 127.0.0.1, web …)."""

    user_id: int | None
    username: str
    is_admin: bool = False
    source: str = "system"
    locale: str = "zh_CN"


@cache
def _company_by_code() -> Any:
    """Built once (every command runs it): building a SELECT costs more than running it on SQLite."""
    from yecai.ledger.models import Company

    return select(Company).where(Company.code == bindparam("code"))


SYSTEM = Actor(user_id=None, username="system", is_admin=True, source="system")


@dataclass
class UnitOfWork:
    db: Database
    actor: Actor = SYSTEM
    readonly: bool = False
    session: Session = field(init=False)
    _depth: int = field(default=0, init=False)
    _committed: bool = field(default=False, init=False)
    _before_commit: list[Callable[[UnitOfWork], None]] = field(default_factory=list, init=False)
    _grants: dict[int, str] | None = field(default=None, init=False)

    def __enter__(self) -> UnitOfWork:
        if self._depth == 0:
            self.session = self.db.session(write=not self.readonly)
            self._committed = False
            self._before_commit = []
        self._depth += 1
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self._depth -= 1
        if self._depth == 0:
            try:
                if not self._committed:
                    self.session.rollback()
            finally:
                self.session.close()

    @property
    def active(self) -> bool:
        return self._depth > 0

    def before_commit(self, check: Callable[[UnitOfWork], None]) -> None:
        """Register an invariant check that runs just before the outermost commit."""
        self._before_commit.append(check)

    def commit(self) -> None:
        if self._depth > 1:
            return  # the outermost block commits
        assert self._depth == 1, "commit outside of 'with uow:'"
        self.session.flush()
        for check in self._before_commit:
            check(self)
        self.session.commit()
        self._committed = True

    # --- tenancy and authorization: one place, not per route ---------------------------------

    def grants(self) -> dict[int, str]:
        """company_id → role for the acting user."""
        if self._grants is None:
            from yecai.security.models import CompanyGrant

            if self.actor.user_id is None:
                self._grants = {}
            else:
                rows = self.session.execute(
                    select(CompanyGrant.company_id, CompanyGrant.role).where(
                        CompanyGrant.user_id == self.actor.user_id
                    )
                ).all()
                self._grants = {cid: role for cid, role in rows}
        return self._grants

    def visible_company_ids(self) -> set[int] | None:
        """None means all (system administrators)."""
        return None if self.actor.is_admin else set(self.grants())

    def company(self, code: str, permission: str | tuple[str, ...]) -> Any:
        """Load a company by code if the actor may ``permission`` in it (one of them, when several
        are given); otherwise refuse naming the first.

        A company the actor has no grant for is reported as not found, so codes don't leak.
        """
        from yecai.security.domain import permissions_of

        company = self.session.execute(_company_by_code(), {"code": code}).scalar_one_or_none()
        if company is None:
            raise NotFound(what="company", key=code, field="company")
        if self.actor.is_admin:
            return company
        role = self.grants().get(company.id)
        if role is None:
            raise NotFound(what="company", key=code, field="company")
        wanted = (permission,) if isinstance(permission, str) else permission
        if not any(p in permissions_of(role) for p in wanted):
            raise PermissionDenied(user=self.actor.username, permission=wanted[0], company=code)
        return company

    def require(self, company_id: int, permission: str, company_code: str = "") -> None:
        from yecai.security.domain import permissions_of

        if self.actor.is_admin:
            return
        role = self.grants().get(company_id)
        if role is None or permission not in permissions_of(role):
            raise PermissionDenied(user=self.actor.username, permission=permission, company=company_code)

    # --- audit ---------------------------------------------------------------------------------

    def audit(
        self,
        action: str,
        entity: str,
        entity_id: Any = "",
        *,
        company_id: int | None = None,
        before: Any = None,
        after: Any = None,
    ) -> None:
        from yecai.security.models import AuditLog

        self.session.add(
            AuditLog(
                user_id=self.actor.user_id,
                username=self.actor.username,
                company_id=company_id,
                action=action,
                entity=entity,
                entity_id=str(entity_id),
                before_json=None if before is None else json.dumps(before, ensure_ascii=False, default=str),
                after_json=None if after is None else json.dumps(after, ensure_ascii=False, default=str),
                source=self.actor.source,
            )
        )
