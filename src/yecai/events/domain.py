"""Events as plain values, and which subscriber wants which event type."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from fnmatch import fnmatchcase
from typing import Any


@dataclass(frozen=True)
class Event:
    event_id: str
    company_id: int
    type: str  # e.g. sales_invoice.posted
    payload: Mapping[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None


def matches(pattern: str, event_type: str) -> bool:
    """Shell-style patterns: '*', 'sales_*', 'sales_invoice.*', or an exact type."""
    return fnmatchcase(event_type, pattern)
