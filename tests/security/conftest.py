"""Security tests hash many passwords: use real argon2 with the cheapest parameters."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from yecai.security import service


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
