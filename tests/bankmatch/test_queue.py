"""The review queue both bank-line matchers share (yecai.bankmatch), on a real database (SQLite and
PostgreSQL): each side keeps its own settings section and error codes, the threshold stays exact,
listing is bounded, a note is bounded and a decided proposal cannot be decided again."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from tests.payables.books import Bank as PayBank
from tests.payables.books import payables_books
from tests.receivables.test_review import Bank as ReceiptBank
from tests.sales.books import setup_books
from yecai.bankmatch import queue as bq
from yecai.core.errors import NotFound, YecaiError
from yecai.ledger.models import Company
from yecai.payables import service as ap
from yecai.receivables import review as ar
from yecai.security.domain import Perm
from yecai.store.db import Database
from yecai.store.uow import Actor

SIDES = [pytest.param(ar, id="receivables"), pytest.param(ap, id="payables")]


LINES = [(f"2025-04-0{n}", f"{n}1.00", f"散户{n}", "", "杂项") for n in (1, 2, 3)]


def _books(db: Database, admin: Actor, side: Any) -> Any:
    """Books with three bank lines nobody can match (no open invoices or bills)."""
    if side is ar:
        b = setup_books(db, admin)
        ReceiptBank(b).statement(*LINES)
    else:
        b = payables_books(db, admin)
        PayBank(b).statement(*LINES)
    return b


def _settings(b: Any) -> dict[str, Any]:
    with b.uow() as u:
        company = u.company(b.company, Perm.COMPANY_VIEW)
        return dict(json.loads(company.settings_json or "{}"))


@pytest.mark.parametrize("side", SIDES)
def test_threshold_is_exact_and_kept_per_side(db: Database, admin: Actor, side: Any) -> None:
    b = _books(db, admin, side)
    other = ap if side is ar else ar
    for bad in ("abc", "1.5", "-0.1"):
        with pytest.raises(side.InvalidThreshold) as err:
            side.set_threshold(b.uow(), b.company, bad)
        assert err.value.code == f"{side.QUEUE.section}.invalid_threshold" and err.value.field == "threshold"
    assert side.set_threshold(b.uow(), b.company, "0.9") == {"auto_apply_threshold": "0.9"}
    assert _settings(b)[side.QUEUE.section] == {"auto_apply_threshold": "0.9"}
    assert other.QUEUE.section not in _settings(b)  # the other side's setting is untouched
    assert side.list_proposals(b.uow(), b.company)["threshold"] == "0.9"
    assert other.list_proposals(b.uow(), b.company)["threshold"] == "0.95"
    with pytest.raises(side.InvalidThreshold):  # a run's own threshold is checked the same way
        side.run(b.uow(), b.company, threshold="2")


def test_threshold_of_a_damaged_setting_is_the_default() -> None:
    for raw in (
        '{"receivables": {"auto_apply_threshold": "x"}}',
        '{"receivables": {"auto_apply_threshold": 7}}',
    ):
        assert ar.threshold_of(Company(settings_json=raw)) == Decimal("0.95")
    assert ar.threshold_of(
        Company(settings_json='{"receivables": {"auto_apply_threshold": "0.8"}}')
    ) == Decimal("0.8")
    # The engines score confidence as a float; the exact setting crosses over in one place.
    assert bq.engine_threshold(Decimal("0.95")) == 0.95


@pytest.mark.parametrize("side", SIDES)
def test_listing_is_bounded_and_checks_the_status(db: Database, admin: Actor, side: Any) -> None:
    b = _books(db, admin, side)
    counts = side.run(b.uow(), b.company)
    assert counts["lines"] == 3 and counts["unmatched"] == 3
    with pytest.raises(side.InvalidStatus) as err:
        side.list_proposals(b.uow(), b.company, status="bogus")
    assert err.value.code == f"{side.QUEUE.section}.invalid_status" and err.value.field == "status"
    got = side.list_proposals(b.uow(), b.company, limit=0, offset=-5)  # at least one row, from the start
    assert got["total"] == 3 and len(got["proposals"]) == 1 and got["counts"]["proposed"] == 3
    page2 = side.list_proposals(b.uow(), b.company, limit=2, offset=2)
    assert [p["line"]["date"] for p in page2["proposals"]] == ["2025-04-03"]
    assert len(side.list_proposals(b.uow(), b.company, limit=10**6)["proposals"]) == 3


@pytest.mark.parametrize("side", SIDES)
def test_reject_bounds_the_note_and_decides_once(db: Database, admin: Actor, side: Any) -> None:
    b = _books(db, admin, side)
    side.run(b.uow(), b.company)
    first = side.list_proposals(b.uow(), b.company)["proposals"][0]
    done = side.reject(b.uow(), b.company, first["id"], note="  " + "长" * 300 + "  ")
    assert (
        done["status"] == "rejected" and done["note"] == "长" * bq.NOTE_MAX and done["decided_by"] == "admin"
    )
    with pytest.raises(side.ProposalNotOpen) as err:
        side.reject(b.uow(), b.company, first["id"])
    assert err.value.code == f"{side.QUEUE.section}.proposal_not_open" and err.value.http_status == 409
    with pytest.raises(NotFound) as missing:
        side.get_proposal(b.uow(), b.company, 10**9)
    assert missing.value.params["what"] == side.QUEUE.what and missing.value.field == "proposal"
    # A rejected line is settled: the next run leaves it alone.
    assert side.run(b.uow(), b.company)["lines"] == 2
    assert side.list_proposals(b.uow(), b.company, status=None)["counts"]["rejected"] == 1


def test_each_side_keeps_its_error_codes() -> None:
    for side in (ar, ap):
        for cls in (side.InvalidThreshold, side.InvalidStatus, side.ProposalNotOpen):
            assert issubclass(cls, YecaiError) and cls.code.startswith(side.QUEUE.section + ".")
