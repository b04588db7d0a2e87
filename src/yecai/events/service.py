"""Write events to the outbox inside a command; deliver them to in-process subscribers.

Delivery is at least once: an event is marked delivered only after every matching subscriber
has processed it. Each subscriber's work and its ``processed_event`` row commit together, so a
redelivery (after a crash between the two steps, or a re-run) is skipped for that subscriber.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from yecai.events.domain import Event, matches
from yecai.events.models import OutboxEvent, ProcessedEvent
from yecai.store.base import utcnow
from yecai.store.db import Database
from yecai.store.uow import UnitOfWork

BATCH_SIZE_MAX = 500

Handler = Callable[[UnitOfWork, Event], None]


@dataclass(frozen=True)
class Subscriber:
    name: str
    pattern: str
    handler: Handler


_SUBSCRIBERS: dict[str, Subscriber] = {}


def subscribe(name: str, pattern: str, handler: Handler) -> None:
    """Register (or replace) a subscriber; its name keys its processed-events record."""
    _SUBSCRIBERS[name] = Subscriber(name, pattern, handler)


def unsubscribe(name: str) -> None:
    _SUBSCRIBERS.pop(name, None)


def emit(uow: UnitOfWork, company_id: int, event_type: str, payload: dict[str, Any]) -> str:
    """Add an event to the outbox in the caller's transaction; returns its id."""
    event_id = str(uuid.uuid4())
    uow.session.add(
        OutboxEvent(
            event_id=event_id,
            company_id=company_id,
            type=event_type,
            payload_json=json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str),
            created_at=utcnow(),
        )
    )
    return event_id


def _event(row: OutboxEvent) -> Event:
    return Event(row.event_id, row.company_id, row.type, json.loads(row.payload_json), row.created_at)


def dispatch_pending(db: Database, *, limit: int = BATCH_SIZE_MAX, redeliver: bool = False) -> int:
    """Deliver undelivered events (all events with ``redeliver``) in order; returns events handled.

    A subscriber that fails leaves the event pending (it is retried on the next call); the
    other subscribers' work for it stays done and is not repeated.
    """
    limit = max(1, min(limit, BATCH_SIZE_MAX))
    with UnitOfWork(db, readonly=True) as uow:
        q = select(OutboxEvent).order_by(OutboxEvent.id).limit(limit)
        if not redeliver:
            q = q.where(OutboxEvent.delivered_at.is_(None))
        events = [_event(r) for r in uow.session.execute(q).scalars()]
    handled = 0
    for ev in events:
        ok = True
        for sub in list(_SUBSCRIBERS.values()):
            if not matches(sub.pattern, ev.type):
                continue
            try:
                _deliver(db, sub, ev)
            except Exception:
                ok = False
        if ok:
            uow = UnitOfWork(db)
            with uow:
                row = uow.session.execute(
                    select(OutboxEvent).where(OutboxEvent.event_id == ev.event_id)
                ).scalar_one()
                if row.delivered_at is None:
                    row.delivered_at = utcnow()
                uow.commit()
            handled += 1
    return handled


def _deliver(db: Database, sub: Subscriber, ev: Event) -> None:
    uow = UnitOfWork(db)
    with uow:
        s = uow.session
        done = s.execute(
            select(ProcessedEvent.event_id).where(
                ProcessedEvent.subscriber == sub.name, ProcessedEvent.event_id == ev.event_id
            )
        ).first()
        if done:
            return
        s.add(ProcessedEvent(subscriber=sub.name, event_id=ev.event_id))
        sub.handler(uow, ev)
        uow.commit()


def list_events(
    uow: UnitOfWork, company_id: int, *, event_type: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """Outbox rows of a company (inside a command; the caller has checked the company)."""
    q = select(OutboxEvent).where(OutboxEvent.company_id == company_id)
    if event_type:
        q = q.where(OutboxEvent.type == event_type)
    rows = uow.session.execute(q.order_by(OutboxEvent.id).limit(max(1, min(limit, 1000)))).scalars()
    return [
        {
            "event_id": r.event_id,
            "type": r.type,
            "payload": json.loads(r.payload_json),
            "created_at": r.created_at.isoformat(),
            "delivered_at": r.delivered_at.isoformat() if r.delivered_at else None,
        }
        for r in rows
    ]
