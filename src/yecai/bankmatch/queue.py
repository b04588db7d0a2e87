"""The review queue of bank-line matching, written once for receivables and payables.

A ``Queue`` names one side's proposal table, settings section, error classes (each side keeps
its own codes) and how it shows a proposal; its methods are the parts of the use cases that do not
depend on the side: the auto-application threshold, the listing with counts and paging, loading a
proposal under a lock, marking a decision, rejecting. Each side's service module keeps the run,
the booking of a decision and the memory of counterparties, and calls these.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from yecai.core.errors import NotFound, YecaiError
from yecai.core.money import format_minor
from yecai.intake.models import BankLine
from yecai.ledger.models import Company
from yecai.security.domain import Perm
from yecai.store.base import utcnow
from yecai.store.uow import UnitOfWork

DEFAULT_THRESHOLD = Decimal("0.95")
LIST_LIMIT_MAX = 500
NOTE_MAX = 200
ITEMS_MAX = 50  # invoices or bills in one correction

View = Callable[[Session, Sequence[tuple[Any, BankLine]]], list[dict[str, Any]]]


class Reason(Protocol):
    """A named reason of either matching engine."""

    @property
    def code(self) -> str: ...

    @property
    def detail(self) -> str: ...


def engine_threshold(threshold: Decimal) -> float:
    """The threshold as the matching engines take it. A threshold is a confidence (a probability
    in 0..1, never money); the engines score and compare confidences as floats by design, so this
    is the one place where the setting, kept exact, crosses over."""
    return float(threshold)


def reasons_json(reasons: Iterable[Reason], extra: Sequence[tuple[str, str]] = ()) -> str:
    """The engine's reasons and the service's own, as stored: ``[[code, detail], …]``."""
    return json.dumps([[r.code, r.detail] for r in reasons] + [list(x) for x in extra], ensure_ascii=False)


def mark_decided(uow: UnitOfWork, row: Any, status: str) -> None:
    row.status = status
    row.decided_by = uow.actor.username
    row.decided_at = utcnow()


def decide(uow: UnitOfWork, row: Any, status: str, note: str) -> None:
    """A person's decision on a proposal, with the note they gave (trimmed, bounded)."""
    row.status = status
    row.note = (note or "").strip()[:NOTE_MAX]
    row.decided_by = uow.actor.username
    row.decided_at = utcnow()


def auto_apply(
    uow: UnitOfWork,
    row: Any,
    apply: Callable[[], None],
    reasons: Iterable[Reason],
    counts: dict[str, int],
) -> None:
    """Book a sure proposal in a savepoint. If the books refuse it (a closed period, say), the
    proposal stays in the queue with the refusal's code and the run goes on."""
    try:
        with uow.session.begin_nested():
            apply()
            mark_decided(uow, row, "auto_applied")
        counts["auto_applied"] += 1
    except YecaiError as exc:
        row.reasons_json = reasons_json(reasons, [("auto_apply_failed", exc.code)])
        counts["refused"] += 1
        counts["proposed"] += 1


def line_view(line: BankLine, *, outgoing: bool) -> dict[str, Any]:
    """A statement line as the reviewer reads it: a payment out shows what was paid (positive) to
    the payee; a receipt what came in from the payer."""
    who = "payee" if outgoing else "payer"
    return {
        "id": line.id,
        "txn_id": line.line_key,
        "bank_account": line.bank_account,
        "date": line.txn_date.isoformat(),
        "amount": format_minor(-line.amount_minor if outgoing else line.amount_minor, line.currency),
        "currency": line.currency,
        f"{who}_name": line.counterparty_name,
        f"{who}_account": line.counterparty_account,
        "remark": line.remark,
    }


def proposal_view(
    row: Any,
    line: BankLine,
    *,
    outgoing: bool,
    party: str,
    code_name: tuple[str, str],
    items: list[dict[str, Any]],
    booked: dict[str, Any],
) -> dict[str, Any]:
    """One proposal as the shells show it. ``party`` is ``customer`` or ``supplier``; ``booked``
    what the side's decision made (the receipt, the payments)."""
    code, name = code_name
    return {
        "id": row.id,
        "status": row.status,
        "line": line_view(line, outgoing=outgoing),
        party: code,
        f"{party}_name": name,
        "confidence": f"{Decimal(row.confidence_bp) / 10000:.4f}",
        "reasons": [{"code": c, "detail": d} for c, d in json.loads(row.reasons_json or "[]")],
        "items": items,
        **booked,
        "note": row.note,
        "decided_by": row.decided_by,
        "decided_at": row.decided_at.isoformat() if row.decided_at else "",
    }


def codes_names(s: Session, model: Any, ids: set[int]) -> dict[int, tuple[str, str]]:
    """id → (code, name) of the customers or suppliers with these ids."""
    if not ids:
        return {}
    return {
        i: (c, n) for i, c, n in s.execute(select(model.id, model.code, model.name).where(model.id.in_(ids)))
    }


def find_document(
    s: Session, company: Company, doc: Any, owner: Any, text: str, *, what: str, field: str, row: int
) -> tuple[int, int]:
    """(id, owner id) of the invoice or bill a person named by its number or id, or NotFound."""
    q = select(doc.id, owner).where(doc.company_id == company.id)
    q = q.where(doc.id == int(text)) if text.isdigit() else q.where(doc.no == text)
    found = s.execute(q).one_or_none()
    if found is None:
        raise NotFound(what=what, key=text, field=field, row=row)
    return int(found[0]), found[1]


@dataclass(frozen=True)
class Queue:
    """One side's review queue: ``model`` is its proposal table (one row per bank line, with
    ``status``, ``note``, ``decided_by``/``decided_at``) and ``item_model`` the table of its items
    (``proposal_id``); ``section`` is its key in the company's settings and the prefix of its
    audit actions, ``what`` the thing a NotFound names."""

    section: str
    model: Any
    item_model: Any
    party_id: str  # the proposal's column naming the customer or supplier
    what: str
    statuses: tuple[str, ...]
    invalid_threshold: type[YecaiError]
    invalid_status: type[YecaiError]
    not_open: type[YecaiError]
    view: View
    decider: Callable[[UnitOfWork, str], Company]  # the company, if the actor may decide in it

    # --- settings --------------------------------------------------------------------------------

    def threshold_of(self, company: Company) -> Decimal:
        """The company's auto-application threshold (default 0.95)."""
        raw = json.loads(company.settings_json or "{}").get(self.section, {}).get("auto_apply_threshold")
        try:
            value = Decimal(str(raw)) if raw is not None else DEFAULT_THRESHOLD
        except InvalidOperation:
            return DEFAULT_THRESHOLD
        return value if Decimal(0) <= value <= Decimal(1) else DEFAULT_THRESHOLD

    def check_threshold(self, value: str | Decimal | float) -> Decimal:
        try:
            d = Decimal(str(value))
        except InvalidOperation:
            raise self.invalid_threshold(value=value, field="threshold") from None
        if not Decimal(0) <= d <= Decimal(1):
            raise self.invalid_threshold(value=value, field="threshold")
        return d

    def run_threshold(self, company: Company, threshold: str | Decimal | float | None) -> Decimal:
        """This run's threshold: the one given (checked), else the company's."""
        return self.check_threshold(threshold) if threshold is not None else self.threshold_of(company)

    def set_threshold(
        self, uow: UnitOfWork, company_code: str, threshold: str | Decimal | float
    ) -> dict[str, str]:
        value = self.check_threshold(threshold)
        with uow:
            company = uow.company(company_code, Perm.COMPANY_MANAGE)
            settings = json.loads(company.settings_json or "{}")
            section = dict(settings.get(self.section, {}))
            before = dict(section)
            section["auto_apply_threshold"] = str(value)
            settings[self.section] = section
            company.settings_json = json.dumps(settings, ensure_ascii=False, sort_keys=True)
            uow.audit(
                f"{self.section}.settings",
                "company",
                company.code,
                company_id=company.id,
                before=before,
                after=section,
            )
            uow.commit()
        return {"auto_apply_threshold": str(value)}

    # --- the run ---------------------------------------------------------------------------------

    def waiting(self, s: Session, company: Company) -> dict[int, Any]:
        """The proposals waiting for a person, by bank line, locked: a person deciding one
        meanwhile either finishes first (and the line is no longer unsettled) or waits for the run."""
        m = self.model
        q = select(m).where(m.company_id == company.id, m.status == "proposed").with_for_update()
        return {p.bank_line_id: p for p in s.execute(q).scalars()}

    def unsettled_lines(self, s: Session, company: Company, *, outgoing: bool) -> list[BankLine]:
        """The company's statement lines of this side (money out, or in) whose proposal is not
        settled (applied or rejected), oldest first."""
        m = self.model
        done = select(m.bank_line_id).where(
            m.company_id == company.id, m.status.in_([st for st in self.statuses if st != "proposed"])
        )
        side = BankLine.amount_minor < 0 if outgoing else BankLine.amount_minor > 0
        q = (
            select(BankLine)
            .where(BankLine.company_id == company.id, side, BankLine.id.not_in(done))
            .order_by(BankLine.txn_date, BankLine.id)
        )
        return list(s.scalars(q))

    def row_for(self, s: Session, company: Company, line: BankLine, waiting: dict[int, Any]) -> Any:
        """The line's proposal to fill again: the waiting one with its items cleared, or a new one."""
        row = waiting.get(line.id)
        if row is None:
            row = self.model(company_id=company.id, bank_line_id=line.id, status="proposed", note="")
            s.add(row)
        else:
            self.clear_items(s, row)
        return row

    def clear_items(self, s: Session, row: Any) -> None:
        # An ORM delete, so the items it removes also leave the session: new items may take
        # their ids again (SQLite reuses the highest rowid) within the same flush.
        m = self.item_model
        s.execute(delete(m).where(m.proposal_id == row.id).execution_options(synchronize_session="evaluate"))

    def settle(
        self,
        uow: UnitOfWork,
        row: Any,
        *,
        matched: bool,
        sure: bool,
        book: Callable[[], None],
        reasons: Iterable[Reason],
        counts: dict[str, int],
    ) -> None:
        """Count a filled proposal, booking it if it is sure: one without items waits for a person
        (or, naming no customer or supplier either, counts as unmatched); a doubtful one waits."""
        if not matched:
            counts["unmatched" if getattr(row, self.party_id) is None else "proposed"] += 1
        elif not sure:
            counts["proposed"] += 1
        else:
            auto_apply(uow, row, book, reasons, counts)

    # --- the queue -------------------------------------------------------------------------------

    def list_proposals(
        self,
        uow: UnitOfWork,
        company_code: str,
        *,
        status: str | None = "proposed",
        limit: int = 100,
        offset: int = 0,
    ) -> dict[str, Any]:
        """The queue (default: what waits for a person), oldest line first, with the total and the
        counts per status."""
        if status and status not in self.statuses:
            raise self.invalid_status(value=status, allowed=", ".join(self.statuses), field="status")
        limit = max(1, min(int(limit), LIST_LIMIT_MAX))
        m = self.model
        with uow:
            company = uow.company(company_code, Perm.COMPANY_VIEW)
            s = uow.session
            where = [m.company_id == company.id]
            if status:
                where.append(m.status == status)
            total = s.execute(select(func.count()).select_from(m).where(*where)).scalar_one()
            rows = s.execute(
                select(m, BankLine)
                .join(BankLine, BankLine.id == m.bank_line_id)
                .where(*where)
                .order_by(BankLine.txn_date, BankLine.id)
                .limit(limit)
                .offset(max(0, int(offset)))
            ).all()
            counts: dict[str, int] = dict(
                s.execute(
                    select(m.status, func.count()).where(m.company_id == company.id).group_by(m.status)
                ).all()
            )
            return {
                "total": int(total),
                "counts": {st: int(counts.get(st, 0)) for st in self.statuses},
                "threshold": str(self.threshold_of(company)),
                "proposals": self.view(s, [(p, ln) for p, ln in rows]),
            }

    def get_proposal(self, uow: UnitOfWork, company_code: str, proposal_id: int) -> dict[str, Any]:
        with uow:
            company = uow.company(company_code, Perm.COMPANY_VIEW)
            row, line = self.load(uow.session, company, proposal_id, lock=False)
            return self.view(uow.session, [(row, line)])[0]

    def load(self, s: Session, company: Company, proposal_id: int, *, lock: bool) -> tuple[Any, BankLine]:
        m = self.model
        q = select(m).where(m.company_id == company.id, m.id == proposal_id)
        row = s.execute(q.with_for_update() if lock else q).scalar_one_or_none()
        if row is None:
            raise NotFound(what=self.what, key=str(proposal_id), field="proposal")
        line = s.get(BankLine, row.bank_line_id)
        assert line is not None, "a proposal always has its bank line"
        return row, line

    def open_row(self, s: Session, company: Company, proposal_id: int) -> tuple[Any, BankLine]:
        """The proposal, locked, if it still waits for a decision."""
        row, line = self.load(s, company, proposal_id, lock=True)
        if row.status != "proposed":
            raise self.not_open(id=proposal_id, status=row.status, field="proposal")
        return row, line

    def reject(
        self, uow: UnitOfWork, company_code: str, proposal_id: int, *, note: str = ""
    ) -> dict[str, Any]:
        """The line is not what the queue books: it leaves the queue and is not proposed again."""
        with uow:
            company = self.decider(uow, company_code)
            s = uow.session
            row, line = self.open_row(s, company, proposal_id)
            decide(uow, row, "rejected", note)
            uow.audit(
                f"{self.section}.match_reject",
                self.model.__tablename__,
                row.id,
                company_id=company.id,
                after={"note": row.note},
            )
            view = self.view(s, [(row, line)])[0]
            uow.commit()
            return view
