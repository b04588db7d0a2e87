"""Dunning (催收) use cases: policies, the company's SMTP server, customers' dunning contacts,
promises to pay and disputes, tasks, the customer's timeline, and the daily run.

The run (``run``) works in two steps:

1. one transaction decides, for every customer with something overdue (or a level to end), the
   level it has reached (``dunning_domain.decide``); a new level inserts its actions under a unique
   key (customer, cycle, level, action) — the same level is never acted on twice in a cycle — runs
   the actions inside the books at once (task, late-fee voucher, lower credit limit, credit hold;
   each in a savepoint so one refusal is recorded without losing the others) and writes the letter
   of each e-mail / webhook action;
2. the e-mails and webhooks (new ones, and earlier ones that failed) are claimed by the run in
   step 1 (runs are serialized per company, so a second run neither re-plans nor re-sends them),
   sent after that commit, and each result recorded in its own small transaction. A failure stays in the queue as ``failed``
   and is tried again by the next run (at most ``ATTEMPTS_MAX`` times), never silently lost.
   Delivery is at least once: a crash between a server's "accepted" and our record of it means
   the next run sends that letter again (a duplicate reminder is better than a lost one).

A customer's cycle ends when nothing is overdue (paid, credited): its level returns to 0, what is
still queued is cancelled, and the next overdue invoice starts a new cycle at level 1. A dispute
on the customer, or a promise to pay whose date has not passed, pauses escalation and sending.
Every step is written to the customer's timeline (``DunningEvent``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from yecai.core.errors import FieldRequired, NotFound, YecaiError
from yecai.core.i18n import N_, gettext
from yecai.core.money import format_minor, from_minor, to_minor
from yecai.ledger.domain import LineDraft, VoucherDraft
from yecai.ledger.models import Company
from yecai.masterdata import service as md
from yecai.masterdata.models import Customer
from yecai.receivables import dunning_domain as dd
from yecai.receivables import dunning_send
from yecai.receivables.models_dunning import (
    DunningAction,
    DunningCharge,
    DunningCustomer,
    DunningDispute,
    DunningEvent,
    DunningPolicy,
    DunningPromise,
    DunningRun,
    DunningSmtp,
    DunningTask,
)
from yecai.sales.models import SalesInvoice, SalesReceipt
from yecai.sales.models_returns import CustomerCreditHold
from yecai.security.domain import Perm
from yecai.store.base import utcnow
from yecai.store.uow import UnitOfWork

ATTEMPTS_MAX = 5
CLAIM_STALE_MINUTES = 30  # an e-mail / webhook claimed by a run this long ago is tried again
EMAIL_RE = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
NOTE_MAX = 200
TIMELINE_MAX = 500
SMTP_SECURITY = ("none", "starttls", "ssl")
Progress = Callable[[int, int | None], None]

# Voucher summaries are written in Chinese, as the shipped posting rules write theirs.
SUMMARY_INTEREST = "逾期利息 {customer} {no}"
SUMMARY_FEE = "逾期违约金 {customer} {no}"
SUMMARY_RECEIVABLE = "逾期利息及违约金 {customer} {no}"


class NoDunningPolicy(YecaiError):
    code = "dunning.no_policy"
    template = "Company {company} has no active dunning policy; create one first (yecai receivables dunning policy-set)"
    http_status = 409


class SmtpNotConfigured(YecaiError):
    code = "dunning.smtp_not_configured"
    template = "No SMTP server is set for company {company} (yecai receivables dunning smtp-set)"


class SmtpSecretUnreadable(YecaiError):
    code = "dunning.smtp_secret_unreadable"
    template = (
        "The stored SMTP password can no longer be read (the installation secret changed); set it again"
    )


class SmtpSecurityInvalid(YecaiError):
    code = "dunning.smtp_security_invalid"
    template = "SMTP security {value!r} must be one of {values}"


class EmailInvalid(YecaiError):
    code = "dunning.email_invalid"
    template = "Not an e-mail address: {value!r}"


class NoEmailAddress(YecaiError):
    code = "dunning.no_email_address"
    template = "Customer {customer} has no dunning e-mail address (yecai receivables dunning contact)"


class PromiseInvalid(dd.ReasonError):
    code = "dunning.promise_invalid"
    template = "Promise to pay: {reason}"


class NothingToClear(YecaiError):
    code = "dunning.nothing_to_clear"
    template = "Customer {customer} has no open {what}"
    http_status = 409


# --- the SMTP password ----------------------------------------------------------------------------


def _key() -> bytes:
    from yecai.config import secret_key

    return hashlib.sha256(b"yecai/dunning/smtp-password\0" + secret_key().encode()).digest()


def encrypt_secret(plain: str) -> str:
    """AES-GCM under a key derived from the installation secret (config.secret_key)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(12)
    return "v1:" + base64.b64encode(nonce + AESGCM(_key()).encrypt(nonce, plain.encode(), b"smtp")).decode()


def decrypt_secret(stored: str) -> str:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if not stored:
        return ""
    try:
        raw = base64.b64decode(stored.removeprefix("v1:"))
        return AESGCM(_key()).decrypt(raw[:12], raw[12:], b"smtp").decode()
    except (InvalidTag, ValueError) as exc:
        raise SmtpSecretUnreadable(field="password") from exc


# --- helpers --------------------------------------------------------------------------------------


def _customer(s: Session, company: Company, code: str) -> Customer:
    row = s.execute(
        select(Customer).where(Customer.company_id == company.id, Customer.code == code)
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(what="customer", key=code, field="customer")
    return row


def _state(s: Session, company: Company, cust: Customer, *, create: bool = True) -> DunningCustomer | None:
    row = s.execute(
        select(DunningCustomer).where(
            DunningCustomer.company_id == company.id, DunningCustomer.customer_id == cust.id
        )
    ).scalar_one_or_none()
    if row is None and create:
        row = DunningCustomer(
            company_id=company.id, customer_id=cust.id, cycle=1, level=0, email="", language=""
        )
        s.add(row)
        s.flush()
    return row


def _event(
    s: Session,
    uow: UnitOfWork,
    company: Company,
    customer_id: int,
    kind: str,
    *,
    status: str = "done",
    state: DunningCustomer | None = None,
    level: int | None = None,
    run: DunningRun | None = None,
    action: DunningAction | None = None,
    as_of: date | None = None,
    **detail: Any,
) -> None:
    s.add(
        DunningEvent(
            company_id=company.id,
            customer_id=customer_id,
            run_id=run.id if run else None,
            action_id=action.id if action else None,
            as_of=as_of,
            cycle=state.cycle if state else (action.cycle if action else 1),
            level=level if level is not None else (action.level if action else (state.level if state else 0)),
            kind=kind,
            status=status,
            detail_json=json.dumps(detail, ensure_ascii=False, default=str),
            actor=uow.actor.username,
        )
    )


def _emails(value: str) -> list[str]:
    out = [p.strip() for p in re.split(r"[,;\s]+", value or "") if p.strip()]
    for e in out:
        if not EMAIL_RE.match(e):
            raise EmailInvalid(value=e, field="email")
    return out


# --- policies --------------------------------------------------------------------------------------


def _policy_dict(row: DunningPolicy) -> dict[str, Any]:
    return {
        "code": row.code,
        "name": row.name,
        "language": row.language,
        "default": row.is_default,
        "active": row.active,
        "levels": json.loads(row.levels_json),
    }


def _levels(row: DunningPolicy) -> tuple[dd.Level, ...]:
    return dd.parse_levels(json.loads(row.levels_json))


def save_policy(
    uow: UnitOfWork,
    company_code: str,
    *,
    code: str,
    name: str = "",
    levels: list[dict[str, Any]],
    language: str = "zh_CN",
    default: bool = False,
    active: bool = True,
) -> dict[str, Any]:
    """Create or replace a policy (by code). The first policy of a company becomes its default."""
    code = (code or "").strip()
    if not code:
        raise FieldRequired(field_name="code", field="code")
    if len(code) > 40:
        raise dd.PolicyInvalid(reason=N_("code is longer than {limit} characters"), limit=40, field="code")
    dd.check_language(language)
    parsed = dd.parse_levels(levels)
    with uow:
        company = uow.company(company_code, Perm.COMPANY_MANAGE)
        s = uow.session
        row = s.execute(
            select(DunningPolicy).where(DunningPolicy.company_id == company.id, DunningPolicy.code == code)
        ).scalar_one_or_none()
        before = _policy_dict(row) if row else None
        if row is None:
            row = DunningPolicy(company_id=company.id, code=code, name="", levels_json="[]")
            s.add(row)
        others = s.execute(
            select(func.count(DunningPolicy.id)).where(
                DunningPolicy.company_id == company.id, DunningPolicy.code != code
            )
        ).scalar_one()
        row.name = (name or code).strip()[:100]
        row.language = language
        row.active = active
        row.levels_json = json.dumps(dd.levels_to_json(parsed), ensure_ascii=False)
        if default or not others:
            for other in s.execute(
                select(DunningPolicy).where(
                    DunningPolicy.company_id == company.id, DunningPolicy.code != code
                )
            ).scalars():
                other.is_default = False
            row.is_default = True
        s.flush()
        out = _policy_dict(row)
        uow.audit(
            "dunning.policy_save", "dunning_policy", code, company_id=company.id, before=before, after=out
        )
        uow.commit()
    return out


def list_policies(uow: UnitOfWork, company_code: str) -> list[dict[str, Any]]:
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        rows = uow.session.execute(
            select(DunningPolicy).where(DunningPolicy.company_id == company.id).order_by(DunningPolicy.code)
        ).scalars()
        return [_policy_dict(r) for r in rows]


def get_policy(uow: UnitOfWork, company_code: str, code: str) -> dict[str, Any]:
    for p in list_policies(uow, company_code):
        if p["code"] == code:
            return p
    raise NotFound(what="dunning policy", key=code, field="policy")


# --- SMTP -----------------------------------------------------------------------------------------


def _smtp_dict(row: DunningSmtp | None) -> dict[str, Any]:
    if row is None:
        return {"configured": False}
    return {
        "configured": True,
        "host": row.host,
        "port": row.port,
        "security": row.security,
        "username": row.username,
        "password_set": bool(row.password_enc),  # the password itself is never shown back
        "sender": row.sender,
        "timeout_ms": row.timeout_ms,
    }


def set_smtp(
    uow: UnitOfWork,
    company_code: str,
    *,
    host: str,
    sender: str,
    port: int = 25,
    security: str = "none",
    username: str = "",
    password: str | None = None,
    timeout_ms: int = 10_000,
) -> dict[str, Any]:
    """Set the company's SMTP server. ``password=None`` keeps the stored one."""
    if not host.strip():
        raise FieldRequired(field_name="host", field="host")
    if security not in SMTP_SECURITY:
        raise SmtpSecurityInvalid(value=security, values=" | ".join(SMTP_SECURITY), field="security")
    if not 0 < int(port) < 65536:
        raise dd.PolicyInvalid(reason=N_("SMTP port {port} is not a port number"), port=port, field="port")
    _emails(sender)
    timeout_ms = max(1000, min(int(timeout_ms), 120_000))
    with uow:
        company = uow.company(company_code, Perm.COMPANY_MANAGE)
        s = uow.session
        row = s.execute(select(DunningSmtp).where(DunningSmtp.company_id == company.id)).scalar_one_or_none()
        before = _smtp_dict(row)
        if row is None:
            row = DunningSmtp(company_id=company.id, host="", sender="", password_enc="")
            s.add(row)
        row.host, row.port, row.security = host.strip(), int(port), security
        row.username, row.sender, row.timeout_ms = username.strip(), sender.strip(), timeout_ms
        if password is not None:
            row.password_enc = encrypt_secret(password) if password else ""
        s.flush()
        out = _smtp_dict(row)
        uow.audit(
            "dunning.smtp_set", "company", company.code, company_id=company.id, before=before, after=out
        )
        uow.commit()
    return out


def get_smtp(uow: UnitOfWork, company_code: str) -> dict[str, Any]:
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        row = uow.session.execute(
            select(DunningSmtp).where(DunningSmtp.company_id == company.id)
        ).scalar_one_or_none()
        return _smtp_dict(row)


def _smtp_settings(s: Session, company: Company) -> dunning_send.SmtpSettings | None:
    row = s.execute(select(DunningSmtp).where(DunningSmtp.company_id == company.id)).scalar_one_or_none()
    if row is None:
        return None
    return dunning_send.SmtpSettings(
        host=row.host,
        port=row.port,
        security=row.security,
        username=row.username,
        password=decrypt_secret(row.password_enc),
        sender=row.sender,
        timeout_ms=row.timeout_ms,
    )


# --- customers: contact, promises, disputes -------------------------------------------------------


def _state_dict(s: Session, company: Company, cust: Customer, row: DunningCustomer | None) -> dict[str, Any]:
    policy = s.get(DunningPolicy, row.policy_id) if row and row.policy_id else None
    promise = _open_promise(s, company, cust.id)
    disputes = _open_disputes(s, company, cust.id)
    return {
        "customer": cust.code,
        "name": cust.name,
        "email": row.email if row else "",
        "language": row.language if row else "",
        "policy": policy.code if policy else "",
        "excluded": bool(row and row.excluded),
        "cycle": row.cycle if row else 1,
        "level": row.level if row else 0,
        "level_since": row.level_since.isoformat() if row and row.level_since else None,
        "promise": _promise_dict(promise) if promise else None,
        "disputes": [
            {"doc_no": d.doc_no, "reason": d.reason, "since": d.created_at.isoformat()} for d in disputes
        ],
    }


def customer_state(uow: UnitOfWork, company_code: str, customer: str) -> dict[str, Any]:
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        s = uow.session
        cust = _customer(s, company, customer)
        return _state_dict(s, company, cust, _state(s, company, cust, create=False))


def set_contact(
    uow: UnitOfWork,
    company_code: str,
    customer: str,
    *,
    email: str | None = None,
    language: str | None = None,
    policy: str | None = None,
    excluded: bool | None = None,
) -> dict[str, Any]:
    """Where a customer's reminders go, in which language, under which policy ("" = default)."""
    if email is not None:
        email = ", ".join(_emails(email))
    if language:
        dd.check_language(language)
    with uow:
        company = uow.company(company_code, Perm.COMPANY_MANAGE)
        s = uow.session
        cust = _customer(s, company, customer)
        row = _state(s, company, cust)
        assert row is not None
        before = _state_dict(s, company, cust, row)
        if email is not None:
            row.email = email[:300]
        if language is not None:
            row.language = language
        if policy is not None:
            if policy:
                pid = s.execute(
                    select(DunningPolicy.id).where(
                        DunningPolicy.company_id == company.id, DunningPolicy.code == policy
                    )
                ).scalar_one_or_none()
                if pid is None:
                    raise NotFound(what="dunning policy", key=policy, field="policy")
                row.policy_id = pid
            else:
                row.policy_id = None
        if excluded is not None:
            row.excluded = excluded
        s.flush()
        after = _state_dict(s, company, cust, row)
        _event(
            s,
            uow,
            company,
            cust.id,
            "contact_set",
            status="info",
            state=row,
            email=row.email,
            language=row.language,
            policy=after["policy"],
            excluded=row.excluded,
        )
        uow.audit("dunning.contact", "customer", cust.code, company_id=company.id, before=before, after=after)
        uow.commit()
    return after


def _open_promise(s: Session, company: Company, customer_id: int) -> DunningPromise | None:
    return s.execute(
        select(DunningPromise)
        .where(
            DunningPromise.company_id == company.id,
            DunningPromise.customer_id == customer_id,
            DunningPromise.status == "open",
        )
        .order_by(DunningPromise.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _promise_dict(p: DunningPromise) -> dict[str, Any]:
    return {
        "date": p.promise_date.isoformat(),
        "amount": format_minor(p.amount_minor),
        "note": p.note,
        "status": p.status,
        "by": p.created_by,
    }


def _open_disputes(s: Session, company: Company, customer_id: int) -> list[DunningDispute]:
    return list(
        s.execute(
            select(DunningDispute)
            .where(
                DunningDispute.company_id == company.id,
                DunningDispute.customer_id == customer_id,
                DunningDispute.open.is_(True),
            )
            .order_by(DunningDispute.id)
        ).scalars()
    )


def set_promise(
    uow: UnitOfWork, company_code: str, customer: str, *, promise_date: date, amount: str, note: str = ""
) -> dict[str, Any]:
    """Record a promise to pay ``amount`` by ``promise_date``: escalation pauses until that date.
    A new promise replaces the open one (which is closed as cleared)."""
    amount_minor = to_minor(str(amount).strip() or "0")
    if amount_minor <= 0:
        raise PromiseInvalid(reason=N_("the amount must be greater than zero"), field="amount")
    with uow:
        company = uow.company(company_code, Perm.COMPANY_MANAGE)
        s = uow.session
        cust = _customer(s, company, customer)
        state = _state(s, company, cust)
        old = _open_promise(s, company, cust.id)
        if old is not None:
            old.status, old.closed_by, old.closed_at = "cleared", uow.actor.username, utcnow()
        p = DunningPromise(
            company_id=company.id,
            customer_id=cust.id,
            promise_date=promise_date,
            amount_minor=amount_minor,
            note=note.strip()[:NOTE_MAX],
            created_by=uow.actor.username,
            status="open",
            closed_by="",
        )
        s.add(p)
        s.flush()
        out = _promise_dict(p)
        _event(s, uow, company, cust.id, "promise_set", status="info", state=state, promise=out)
        uow.audit("dunning.promise", "customer", cust.code, company_id=company.id, after=out)
        uow.commit()
    return out


def clear_promise(uow: UnitOfWork, company_code: str, customer: str, *, note: str = "") -> dict[str, Any]:
    with uow:
        company = uow.company(company_code, Perm.COMPANY_MANAGE)
        s = uow.session
        cust = _customer(s, company, customer)
        p = _open_promise(s, company, cust.id)
        if p is None:
            raise NothingToClear(customer=cust.code, what="promise to pay", field="customer")
        p.status, p.closed_by, p.closed_at = "cleared", uow.actor.username, utcnow()
        out = _promise_dict(p)
        _event(
            s,
            uow,
            company,
            cust.id,
            "promise_cleared",
            status="info",
            state=_state(s, company, cust),
            note=note.strip()[:NOTE_MAX],
            promise=out,
        )
        uow.audit("dunning.promise_clear", "customer", cust.code, company_id=company.id, before=out)
        uow.commit()
    return out


def set_dispute(
    uow: UnitOfWork, company_code: str, customer: str, *, reason: str, doc_no: str = ""
) -> dict[str, Any]:
    """Open a dispute on one invoice (left out of dunning) or, without ``doc_no``, on the customer
    (escalation pauses)."""
    if not reason.strip():
        raise FieldRequired(field_name="reason", field="reason")
    with uow:
        company = uow.company(company_code, Perm.COMPANY_MANAGE)
        s = uow.session
        cust = _customer(s, company, customer)
        doc_no = doc_no.strip()
        if doc_no:
            inv = s.execute(
                select(SalesInvoice.id).where(
                    SalesInvoice.company_id == company.id,
                    SalesInvoice.no == doc_no,
                    SalesInvoice.customer_id == cust.id,
                )
            ).scalar_one_or_none()
            if inv is None:
                raise NotFound(what="sales invoice", key=doc_no, field="doc_no")
        d = DunningDispute(
            company_id=company.id,
            customer_id=cust.id,
            doc_no=doc_no,
            reason=reason.strip()[:NOTE_MAX],
            created_by=uow.actor.username,
            open=True,
            closed_by="",
        )
        s.add(d)
        s.flush()
        out = {"customer": cust.code, "doc_no": doc_no, "reason": d.reason}
        _event(s, uow, company, cust.id, "dispute_set", status="info", state=_state(s, company, cust), **out)
        uow.audit("dunning.dispute", "customer", cust.code, company_id=company.id, after=out)
        uow.commit()
    return out


def clear_dispute(
    uow: UnitOfWork, company_code: str, customer: str, *, doc_no: str = "", note: str = ""
) -> dict[str, Any]:
    """Close the open dispute on ``doc_no`` (or on the customer when empty)."""
    with uow:
        company = uow.company(company_code, Perm.COMPANY_MANAGE)
        s = uow.session
        cust = _customer(s, company, customer)
        hits = [d for d in _open_disputes(s, company, cust.id) if d.doc_no == doc_no.strip()]
        if not hits:
            raise NothingToClear(customer=cust.code, what="dispute", field="doc_no" if doc_no else "customer")
        for d in hits:
            d.open, d.closed_by, d.closed_at = False, uow.actor.username, utcnow()
        out = {"customer": cust.code, "doc_no": doc_no.strip(), "note": note.strip()[:NOTE_MAX]}
        _event(
            s, uow, company, cust.id, "dispute_cleared", status="info", state=_state(s, company, cust), **out
        )
        uow.audit("dunning.dispute_clear", "customer", cust.code, company_id=company.id, after=out)
        uow.commit()
    return out


# --- tasks and timeline ----------------------------------------------------------------------------


def _task_dict(t: DunningTask, code: str) -> dict[str, Any]:
    return {
        "id": t.id,
        "customer": code,
        "title": t.title,
        "assignee": t.assignee,
        "due_date": t.due_date.isoformat(),
        "done": t.done,
        "done_by": t.done_by,
    }


def list_tasks(
    uow: UnitOfWork, company_code: str, *, assignee: str | None = None, include_done: bool = False
) -> list[dict[str, Any]]:
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        q = (
            select(DunningTask, Customer.code)
            .join(Customer, Customer.id == DunningTask.customer_id)
            .where(DunningTask.company_id == company.id)
            .order_by(DunningTask.due_date, DunningTask.id)
        )
        if assignee:
            q = q.where(DunningTask.assignee == assignee)
        if not include_done:
            q = q.where(DunningTask.done.is_(False))
        return [_task_dict(t, code) for t, code in uow.session.execute(q)]


def complete_task(uow: UnitOfWork, company_code: str, task_id: int, *, done: bool = True) -> dict[str, Any]:
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        s = uow.session
        t = s.get(DunningTask, task_id)
        if t is None or t.company_id != company.id:
            raise NotFound(what="task", key=str(task_id), field="task")
        # Whoever it is assigned to may close it; otherwise a manager.
        if t.assignee != uow.actor.username:
            uow.require(company.id, Perm.COMPANY_MANAGE, company.code)
        t.done = done
        t.done_by = uow.actor.username if done else ""
        t.done_at = utcnow() if done else None
        cust = s.get(Customer, t.customer_id)
        assert cust is not None
        _event(
            s,
            uow,
            company,
            cust.id,
            "task_done" if done else "task_reopened",
            status="info",
            state=_state(s, company, cust, create=False),
            task=t.id,
            title=t.title,
        )
        uow.audit("dunning.task", "dunning_task", t.id, company_id=company.id, after={"done": done})
        uow.commit()
        return _task_dict(t, cust.code)


def timeline(uow: UnitOfWork, company_code: str, customer: str) -> list[dict[str, Any]]:
    """The customer's dunning history, newest first."""
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        s = uow.session
        cust = _customer(s, company, customer)
        rows = s.execute(
            select(DunningEvent)
            .where(DunningEvent.company_id == company.id, DunningEvent.customer_id == cust.id)
            .order_by(DunningEvent.id.desc())
            .limit(TIMELINE_MAX)
        ).scalars()
        return [
            {
                "id": e.id,
                "at": e.created_at.isoformat(),
                "as_of": e.as_of.isoformat() if e.as_of else None,
                "cycle": e.cycle,
                "level": e.level,
                "kind": e.kind,
                "status": e.status,
                "detail": json.loads(e.detail_json),
                "actor": e.actor,
                "run_id": e.run_id,
            }
            for e in rows
        ]


def list_customers(uow: UnitOfWork, company_code: str) -> list[dict[str, Any]]:
    """Customers with a dunning state (a level, a contact, a promise or a dispute)."""
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        s = uow.session
        rows = s.execute(
            select(DunningCustomer, Customer)
            .join(Customer, Customer.id == DunningCustomer.customer_id)
            .where(DunningCustomer.company_id == company.id)
            .order_by(Customer.code)
        ).all()
        return [_state_dict(s, company, cust, st) for st, cust in rows]


# --- open items (one seam) -------------------------------------------------------------------------


@dataclass
class _Item:
    customer_code: str
    doc_no: str
    doc_date: date
    due_date: date
    open_minor: int  # negative: a credit the customer holds (unapplied receipt, credit note)


def _open_items(uow: UnitOfWork, company: Company, as_of: date) -> list[_Item]:
    """The open-items ledger (receivables.items: invoices, credit notes and receipts less their
    applications, as of the date), the one source of what a customer owes and since when."""
    from yecai.receivables import items as ar_items

    return [
        _Item(
            customer_code=str(r["customer_code"]),
            doc_no=str(r["doc_no"]),
            doc_date=date.fromisoformat(str(r["date"])[:10]),
            due_date=date.fromisoformat(str(r["due_date"] or r["date"])[:10]),
            open_minor=to_minor(str(r["open_amount"])),
        )
        for r in ar_items.open_items(uow, company.code, as_of=as_of)
    ]


def _overdue_by_customer(uow: UnitOfWork, company: Company, as_of: date) -> dict[str, list[dd.OverdueItem]]:
    """Each customer's open invoices, credits applied to the oldest due first."""
    items = _open_items(uow, company, as_of)
    by_customer: dict[str, list[_Item]] = {}
    for it in items:
        by_customer.setdefault(it.customer_code, []).append(it)
    out: dict[str, list[dd.OverdueItem]] = {}
    for code, its in by_customer.items():
        credit = -sum(i.open_minor for i in its if i.open_minor < 0)
        debits = sorted((i for i in its if i.open_minor > 0), key=lambda i: (i.due_date, i.doc_no))
        left: list[dd.OverdueItem] = []
        for i in debits:
            take = min(credit, i.open_minor)
            credit -= take
            if i.open_minor - take > 0:
                left.append(dd.OverdueItem(i.doc_no, i.doc_date, i.due_date, i.open_minor - take))
        out[code] = left
    return out


# --- the run ---------------------------------------------------------------------------------------


@dataclass
class _Send:
    action_id: int
    customer_id: int
    kind: str
    payload: dict[str, Any]


@dataclass
class RunResult:
    as_of: date
    dry_run: bool
    run_id: int | None = None
    customers: list[dict[str, Any]] = field(default_factory=list)
    sent: int = 0
    failed: int = 0
    cancelled: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "dry_run": self.dry_run,
            "run_id": self.run_id,
            "customers": self.customers,
            "sent": self.sent,
            "failed": self.failed,
            "cancelled": self.cancelled,
        }


def run(
    uow: UnitOfWork,
    company_code: str,
    *,
    as_of: date | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> RunResult:
    """The daily dunning run (see the module docstring). ``dry_run`` decides and shows, writes nothing."""
    as_of = as_of or date.today()
    result = RunResult(as_of=as_of, dry_run=dry_run)
    sends: list[_Send] = []
    smtp: dunning_send.SmtpSettings | str | None = None
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW if dry_run else Perm.COMPANY_MANAGE)
        s = uow.session
        plan = _Planner(uow, company, as_of, dry_run)
        result.customers = plan.run(progress)
        result.cancelled = plan.cancelled
        if not dry_run:
            assert plan.run_row is not None
            result.run_id = plan.run_row.id
            sends = plan.sends
            if any(x.kind == dd.EMAIL for x in sends):
                try:
                    smtp = _smtp_settings(s, company)
                except YecaiError as exc:  # recorded on each e-mail below, the rest goes on
                    smtp = exc.render(uow.actor.locale)
            plan.run_row.summary_json = json.dumps(
                {"customers": len(result.customers), "to_send": len(sends)}, ensure_ascii=False
            )
            uow.commit()
    if dry_run:
        return result
    for n, item in enumerate(sends, start=1):
        error = _deliver(item, smtp, company_code, uow.actor.locale)
        _record_delivery(uow, company_code, item, error, result.run_id, as_of)
        if error is None:
            result.sent += 1
        else:
            result.failed += 1
        if progress:
            progress(n, len(sends))
    return result


def _deliver(
    item: _Send, smtp: dunning_send.SmtpSettings | str | None, company_code: str, locale: str
) -> str | None:
    p = item.payload
    if "error" in p:  # decided while planning (no address …): recorded as a failed attempt
        return str(p["error"])
    if item.kind == dd.EMAIL:
        if smtp is None:
            return SmtpNotConfigured(company=company_code).render(locale)
        if isinstance(smtp, str):
            return smtp
        return dunning_send.send_email(
            smtp,
            to=p["to"],
            cc=p.get("cc", []),
            subject=p["subject"],
            body=p["body"],
            ref=f"action-{item.action_id}",
        )
    return dunning_send.send_webhook(p["url"], p["body"])


def _record_delivery(
    uow: UnitOfWork, company_code: str, item: _Send, error: str | None, run_id: int | None, as_of: date
) -> None:
    with uow:
        company = uow.company(company_code, Perm.COMPANY_MANAGE)
        s = uow.session
        action = s.get(DunningAction, item.action_id, with_for_update=True)
        assert action is not None
        action.attempts += 1
        action.status = "failed" if error else "done"
        action.last_error = (error or "")[:500]
        if not error:
            action.done_at = utcnow()
        run_row = s.get(DunningRun, run_id) if run_id else None
        detail: dict[str, Any] = {"attempt": action.attempts}
        if item.kind == dd.EMAIL:
            detail.update(
                to=item.payload.get("to"), cc=item.payload.get("cc"), subject=item.payload.get("subject")
            )
        else:
            detail.update(url=item.payload.get("url"))
        if error:
            detail["error"] = error
            if action.attempts >= ATTEMPTS_MAX:
                detail["gave_up"] = True
        _event(
            s,
            uow,
            company,
            item.customer_id,
            item.kind,
            status="failed" if error else "done",
            run=run_row,
            action=action,
            as_of=as_of,
            **detail,
        )
        uow.commit()


def _received_since(s: Session, company: Company, customer_id: int, promise: DunningPromise) -> int:
    total = s.execute(
        select(func.sum(SalesReceipt.amount_minor)).where(
            SalesReceipt.company_id == company.id,
            SalesReceipt.customer_id == customer_id,
            SalesReceipt.status == "posted",
            SalesReceipt.created_at >= promise.created_at,
            SalesReceipt.date <= promise.promise_date,
        )
    ).scalar_one()
    return int(total or 0)


class _Planner:
    """Step 1 of the run: one transaction over every customer that needs a decision."""

    def __init__(self, uow: UnitOfWork, company: Company, as_of: date, dry_run: bool) -> None:
        self.uow = uow
        self.s = uow.session
        self.company = company
        self.as_of = as_of
        self.dry_run = dry_run
        self.sends: list[_Send] = []
        self.cancelled = 0
        self.run_row: DunningRun | None = None
        policies = list(
            self.s.execute(
                select(DunningPolicy).where(
                    DunningPolicy.company_id == company.id, DunningPolicy.active.is_(True)
                )
            ).scalars()
        )
        if not policies:
            raise NoDunningPolicy(company=company.code)
        self.policies = {p.id: (p, _levels(p)) for p in policies}
        self.default = next((p.id for p in policies if p.is_default), policies[0].id)

    def run(self, progress: Progress | None) -> list[dict[str, Any]]:
        s, company = self.s, self.company
        if not self.dry_run:
            # One run at a time per company: a second one waits here (PostgreSQL; SQLite writers
            # are serialized already) and then finds the levels the first one reached.
            s.execute(
                select(DunningPolicy.id).where(DunningPolicy.company_id == company.id).with_for_update()
            ).all()
            self.run_row = DunningRun(
                company_id=company.id, as_of=self.as_of, started_by=self.uow.actor.username
            )
            s.add(self.run_row)
            s.flush()
        overdue = _overdue_by_customer(self.uow, company, self.as_of)
        states = {
            st.customer_id: st
            for st in s.execute(
                select(DunningCustomer).where(DunningCustomer.company_id == company.id)
            ).scalars()
        }
        customers = {
            c.id: c for c in s.execute(select(Customer).where(Customer.company_id == company.id)).scalars()
        }
        by_code = {c.code: c for c in customers.values()}
        promised = set(
            s.execute(
                select(DunningPromise.customer_id).where(
                    DunningPromise.company_id == company.id, DunningPromise.status == "open"
                )
            ).scalars()
        )
        pending = set(
            s.execute(
                select(DunningAction.customer_id).where(
                    DunningAction.company_id == company.id,
                    self._due_status(),
                    DunningAction.attempts < ATTEMPTS_MAX,
                )
            ).scalars()
        )
        ids = {by_code[c].id for c, its in overdue.items() if c in by_code and its}
        ids |= {cid for cid, st in states.items() if st.level > 0} | promised | pending
        out = []
        todo = sorted(ids, key=lambda cid: customers[cid].code)
        for n, cid in enumerate(todo, start=1):
            row = self._customer(customers[cid], states.get(cid), overdue.get(customers[cid].code, []))
            if row is not None:
                out.append(row)
            if progress:
                progress(n, len(todo))
        return out

    # one customer ------------------------------------------------------------------------------

    def _customer(
        self, cust: Customer, state: DunningCustomer | None, items: list[dd.OverdueItem]
    ) -> dict[str, Any] | None:
        s, company, as_of = self.s, self.company, self.as_of
        if state is not None and state.excluded:
            return None
        disputes = _open_disputes(s, company, cust.id)
        disputed_docs = {d.doc_no for d in disputes if d.doc_no}
        customer_disputed = any(not d.doc_no for d in disputes)
        over = [it for it in dd.overdue_items(items, as_of) if it.doc_no not in disputed_docs]
        overdue_minor = sum(it.open_minor for it in over)
        oldest = max((it.days_overdue(as_of) for it in over), default=0)
        policy_id = (
            state.policy_id if state is not None and state.policy_id in self.policies else self.default
        )
        policy, levels = self.policies[policy_id]
        current = state.level if state is not None else 0
        promise = _open_promise(s, company, cust.id)
        promise_note = ""
        if promise is not None and overdue_minor <= 0:
            promise_note = "kept"
        elif promise is not None and as_of > promise.promise_date:
            # Kept when what was promised came in by the date (receipts recorded after the promise,
            # dated up to the promised day), even if more is still overdue.
            paid = _received_since(s, company, cust.id, promise)
            promise_note = "kept" if paid >= promise.amount_minor else "broken"
        paused_by = ""
        if customer_disputed:
            paused_by = "dispute"
        elif promise is not None and not promise_note:
            paused_by = "promise"
        target = dd.target_level(levels, oldest, overdue_minor)
        decision = dd.decide(current, target, overdue_minor=overdue_minor, paused=bool(paused_by))
        level_row = next((lv for lv in levels if lv.seq == decision.level), None)
        preview = {
            "customer": cust.code,
            "name": cust.name,
            "policy": policy.code,
            "overdue": format_minor(overdue_minor),
            "oldest_days": oldest,
            "items": len(over),
            "level": current,
            "target": target,
            "outcome": decision.outcome,
            "new_level": decision.level,
            "paused_by": paused_by,
            "actions": [a.kind for a in level_row.actions]
            if level_row and decision.outcome == dd.ESCALATE
            else [],
        }
        if self.dry_run:
            return None if decision.outcome == dd.STOP and not current else preview
        if state is None:
            state = _state(s, company, cust)
            assert state is not None
        ev = dict(run=self.run_row, as_of=as_of)
        if promise is not None and promise_note:
            promise.status, promise.closed_by, promise.closed_at = promise_note, "system", utcnow()
            _event(
                s,
                self.uow,
                company,
                cust.id,
                f"promise_{promise_note}",
                state=state,
                status="info",
                **ev,
                date=promise.promise_date.isoformat(),
                amount=format_minor(promise.amount_minor),
                overdue=format_minor(overdue_minor),
            )
        if decision.outcome == dd.STOP:
            if state.level > 0:
                self.cancelled += self._cancel_queue(state, cust, "paid")
                # A credit hold is released by a person (sales credit-hold), not by the payment.
                on_hold = s.execute(
                    select(CustomerCreditHold.on_hold).where(
                        CustomerCreditHold.company_id == company.id, CustomerCreditHold.customer_id == cust.id
                    )
                ).scalar_one_or_none()
                _event(
                    s,
                    self.uow,
                    company,
                    cust.id,
                    "stopped",
                    state=state,
                    status="info",
                    **ev,
                    reason="paid",
                    still_on_credit_hold=bool(on_hold),
                )
                state.level, state.level_since, state.charged_through = 0, None, None
                state.cycle += 1
            return preview if current else None
        if decision.outcome == dd.PAUSED:
            return preview
        if decision.outcome == dd.ESCALATE:
            assert level_row is not None
            skipped = [lv.seq for lv in levels if current < lv.seq < level_row.seq]
            state.level, state.level_since = level_row.seq, as_of
            _event(
                s,
                self.uow,
                company,
                cust.id,
                "level_reached",
                state=state,
                status="info",
                **ev,
                level_name=level_row.name,
                previous=current,
                skipped=skipped,
                overdue=format_minor(overdue_minor),
                oldest_days=oldest,
                items=[it.doc_no for it in over],
            )
            self._queue_level(cust, state, policy, level_row)
        self._work_queue(cust, state, policy, levels, over)
        return preview

    def _queue_level(
        self, cust: Customer, state: DunningCustomer, policy: DunningPolicy, level: dd.Level
    ) -> None:
        exists = self.s.execute(
            select(func.count(DunningAction.id)).where(
                DunningAction.company_id == self.company.id,
                DunningAction.customer_id == cust.id,
                DunningAction.cycle == state.cycle,
                DunningAction.level == level.seq,
            )
        ).scalar_one()
        if exists:  # the unique key would refuse it anyway: a level acts once per cycle
            return
        for n, action in enumerate(level.actions, start=1):
            self.s.add(
                DunningAction(
                    company_id=self.company.id,
                    customer_id=cust.id,
                    policy_id=policy.id,
                    cycle=state.cycle,
                    level=level.seq,
                    action_no=n,
                    kind=action.kind,
                    params_json=json.dumps(dict(action.params), ensure_ascii=False),
                    payload_json="{}",
                    status="pending",
                    attempts=0,
                    last_error="",
                    run_id=self.run_row.id if self.run_row else None,
                )
            )
        self.s.flush()

    def _due_status(self) -> Any:
        """Waiting to be done: pending, failed, or claimed for sending by a run that never finished
        (a crash between planning and recording; the letter may go twice, never not at all)."""
        stale = select(DunningRun.id).where(
            DunningRun.company_id == self.company.id,
            DunningRun.started_at < utcnow() - timedelta(minutes=CLAIM_STALE_MINUTES),
        )
        return or_(
            DunningAction.status.in_(("pending", "failed")),
            (DunningAction.status == "sending") & DunningAction.run_id.in_(stale),
        )

    def _queue(self, cust: Customer, state: DunningCustomer) -> list[DunningAction]:
        return list(
            self.s.execute(
                select(DunningAction)
                .where(
                    DunningAction.company_id == self.company.id,
                    DunningAction.customer_id == cust.id,
                    self._due_status(),
                    DunningAction.attempts < ATTEMPTS_MAX,
                )
                .order_by(DunningAction.level, DunningAction.action_no)
            ).scalars()
        )

    def _cancel_queue(self, state: DunningCustomer, cust: Customer, reason: str) -> int:
        n = 0
        for a in self._queue(cust, state):
            a.status = "cancelled"
            a.last_error = reason
            _event(
                self.s,
                self.uow,
                self.company,
                cust.id,
                "cancelled",
                status="info",
                action=a,
                run=self.run_row,
                as_of=self.as_of,
                kind_of=a.kind,
                reason=reason,
            )
            n += 1
        return n

    def _work_queue(
        self,
        cust: Customer,
        state: DunningCustomer,
        policy: DunningPolicy,
        levels: tuple[dd.Level, ...],
        over: list[dd.OverdueItem],
    ) -> None:
        """Run the customer's queued in-book actions now; prepare the letters of the others."""
        for a in self._queue(cust, state):
            if a.cycle != state.cycle:  # left from an earlier cycle: that debt was settled
                a.status, a.last_error = "cancelled", "earlier cycle"
                continue
            level = next((lv for lv in levels if lv.seq == a.level), None)
            action = dd.Action(a.kind, json.loads(a.params_json))
            if level is None:
                level = dd.Level(seq=a.level, name=f"L{a.level}", days_overdue=0, min_amount_minor=0)
            if a.kind in dd.EXTERNAL_KINDS:
                payload = self._payload(cust, state, policy, level, action, over)
                a.payload_json = json.dumps(payload, ensure_ascii=False)
                # Claimed by this run, so that a run starting meanwhile does not send it as well.
                a.status, a.run_id = "sending", self.run_row.id if self.run_row else None
                self.sends.append(_Send(a.id, cust.id, a.kind, payload))
                continue
            self._in_books(a, action, cust, state, level, over)

    def _payload(
        self,
        cust: Customer,
        state: DunningCustomer,
        policy: DunningPolicy,
        level: dd.Level,
        action: dd.Action,
        over: list[dd.OverdueItem],
    ) -> dict[str, Any]:
        locale = action.params.get("language") or state.language or policy.language or "zh_CN"
        values = dd.letter_values(
            company=self.company.name,
            customer=cust.name,
            customer_code=cust.code,
            level=level,
            as_of=self.as_of,
            items=over,
            locale=locale,
            currency=self.company.base_currency or "CNY",
        )
        subject, body = dd.letter(action, values, locale)
        if action.kind == dd.EMAIL:
            to = _emails(action.params.get("to", "")) or _emails(state.email)
            out: dict[str, Any] = {
                "to": to,
                "cc": _emails(action.params.get("cc", "")),
                "subject": subject,
                "body": body,
                "language": locale,
            }
            if not to:
                out["error"] = NoEmailAddress(customer=cust.code).render(self.uow.actor.locale)
            return out
        if action.params.get("format") == "json":
            hook: dict[str, Any] = {
                "event": "dunning.level_reached",
                "company": self.company.code,
                "customer": cust.code,
                "customer_name": cust.name,
                "level": level.seq,
                "level_name": level.name,
                "as_of": self.as_of.isoformat(),
                "overdue": format_minor(sum(i.open_minor for i in over)),
                "items": [
                    {
                        "doc_no": i.doc_no,
                        "due_date": i.due_date.isoformat(),
                        "days_overdue": i.days_overdue(self.as_of),
                        "open": format_minor(i.open_minor),
                    }
                    for i in over
                ],
                "subject": subject,
                "text": body,
            }
        else:  # WeCom and DingTalk group robots take the same text message
            hook = {"msgtype": "text", "text": {"content": f"{subject}\n\n{body}"}}
        return {"url": action.params["url"], "body": hook}

    def _in_books(
        self,
        a: DunningAction,
        action: dd.Action,
        cust: Customer,
        state: DunningCustomer,
        level: dd.Level,
        over: list[dd.OverdueItem],
    ) -> None:
        s = self.s
        a.attempts += 1
        savepoint = s.begin_nested()
        try:
            detail = self._do(a, action, cust, state, level, over)
        except YecaiError as exc:
            savepoint.rollback()
            a.status, a.last_error = "failed", exc.render(self.uow.actor.locale)[:500]
            _event(
                s,
                self.uow,
                self.company,
                cust.id,
                a.kind,
                status="failed",
                action=a,
                run=self.run_row,
                as_of=self.as_of,
                attempt=a.attempts,
                error=exc.render(self.uow.actor.locale),
                code=exc.code,
            )
            return
        savepoint.commit()
        a.status, a.last_error, a.done_at = "done", "", utcnow()
        _event(
            s,
            self.uow,
            self.company,
            cust.id,
            a.kind,
            status="done",
            action=a,
            run=self.run_row,
            as_of=self.as_of,
            attempt=a.attempts,
            **detail,
        )

    def _do(
        self,
        a: DunningAction,
        action: dd.Action,
        cust: Customer,
        state: DunningCustomer,
        level: dd.Level,
        over: list[dd.OverdueItem],
    ) -> dict[str, Any]:
        uow, s, company = self.uow, self.s, self.company
        if a.kind == dd.TASK:
            locale = state.language or "zh_CN"
            values = dd.letter_values(
                company=company.name,
                customer=cust.name,
                customer_code=cust.code,
                level=level,
                as_of=self.as_of,
                items=over,
                locale=locale,
            )
            title = dd.render(action.params.get("title") or gettext(dd.DEFAULT_TASK_TITLE, locale), values)
            task = DunningTask(
                company_id=company.id,
                customer_id=cust.id,
                action_id=a.id,
                title=title[:200],
                assignee=action.params["assignee"],
                due_date=self.as_of + timedelta(days=int(action.params.get("due_days", "3"))),
                done=False,
                done_by="",
            )
            s.add(task)
            s.flush()
            return {
                "task": task.id,
                "title": task.title,
                "assignee": task.assignee,
                "due_date": task.due_date.isoformat(),
            }
        if a.kind == dd.CREDIT_LIMIT:
            before = cust.credit_limit_minor
            after = dd.credit_limit_after(action, before)
            if after != before:
                md.update_party(uow, company.code, "customer", cust.code, credit_limit=format_minor(after))
            return {"before": format_minor(before), "after": format_minor(after)}
        if a.kind == dd.CREDIT_HOLD:
            from yecai.sales import credit

            reason = action.params.get("reason") or f"dunning level {level.seq} ({level.name})"
            credit.set_credit_hold(uow, company.code, cust.code, on_hold=True, reason=reason)
            return {"reason": reason}
        if a.kind == dd.LATE_FEE:
            return self._late_fee(a, action, cust, state, over)
        raise AssertionError(a.kind)

    def _late_fee(
        self,
        a: DunningAction,
        action: dd.Action,
        cust: Customer,
        state: DunningCustomer,
        over: list[dd.OverdueItem],
    ) -> dict[str, Any]:
        """A charge document and its posted voucher: Dr receivable (customer) / Cr interest income
        (财务费用-利息收入) and non-operating income (营业外收入) for the fixed fee."""
        from decimal import Decimal

        from yecai.ledger.service import LedgerIndex, _mark_reviewed, insert_voucher, post_rows
        from yecai.posting.service import next_document_no

        uow, s, company, p = self.uow, self.s, self.company, action.params
        rate = Decimal(p["annual_rate"]) if p.get("annual_rate") else Decimal(0)
        interest = (
            dd.interest_minor(over, rate, self.as_of, charged_through=state.charged_through) if rate else 0
        )
        fee = to_minor(p["fixed_fee"]) if p.get("fixed_fee") else 0
        total = interest + fee
        basis = {
            "annual_rate": p.get("annual_rate", ""),
            "fixed_fee": p.get("fixed_fee", ""),
            "from": state.charged_through.isoformat() if state.charged_through else "due dates",
            "to": self.as_of.isoformat(),
            "items": [
                {"doc_no": i.doc_no, "due_date": i.due_date.isoformat(), "open": format_minor(i.open_minor)}
                for i in over
            ],
        }
        if total <= 0:
            return {"charged": "0.00", **basis}
        no = next_document_no(s, company.id, "dunning_charge", "DC", self.as_of.year)
        charge = DunningCharge(
            company_id=company.id,
            no=no,
            date=self.as_of,
            customer_id=cust.id,
            action_id=a.id,
            interest_minor=interest,
            fee_minor=fee,
            total_minor=total,
            basis_json=json.dumps(basis, ensure_ascii=False),
            status="posted",
        )
        s.add(charge)
        s.flush()
        names = {"customer": cust.name, "no": no}
        lines = [
            LineDraft(
                summary=SUMMARY_RECEIVABLE.format(**names),
                account_code=p["receivable_account"],
                debit=from_minor(total),
                dims={"customer": cust.code},
            )
        ]
        if interest:
            lines.append(
                LineDraft(
                    summary=SUMMARY_INTEREST.format(**names),
                    account_code=p["interest_account"],
                    credit=from_minor(interest),
                )
            )
        if fee:
            lines.append(
                LineDraft(
                    summary=SUMMARY_FEE.format(**names), account_code=p["fee_account"], credit=from_minor(fee)
                )
            )
        draft = VoucherDraft(
            date=self.as_of, lines=tuple(lines), word="记", source_type="dunning_charge", source_ref=no
        )
        index = LedgerIndex(s, company, lazy_dimensions=True)
        row = insert_voucher(uow, company, index, index.build(draft), source_id=charge.id)
        _mark_reviewed(uow, row)
        post_rows(uow, company, [row], index=index)
        charge.voucher_id = row.id
        state.charged_through = self.as_of
        uow.audit(
            "dunning.charge",
            "dunning_charge",
            no,
            company_id=company.id,
            after={
                "customer": cust.code,
                "interest": format_minor(interest),
                "fee": format_minor(fee),
                "voucher": row.display_no,
            },
        )
        return {
            "charge": no,
            "voucher": row.display_no,
            "voucher_id": row.id,
            "interest": format_minor(interest),
            "fee": format_minor(fee),
            "total": format_minor(total),
        }


def letter_preview(
    uow: UnitOfWork,
    company_code: str,
    customer: str,
    *,
    as_of: date | None = None,
    language: str | None = None,
) -> dict[str, Any]:
    """The reminder e-mail the customer would get as of a date: its level's letter (the first
    e-mail action's templates, else the default letter) over its overdue items."""
    as_of = as_of or date.today()
    if language:
        dd.check_language(language)
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        s = uow.session
        cust = _customer(s, company, customer)
        state = _state(s, company, cust, create=False)
        policies = {
            p.id: p
            for p in s.execute(
                select(DunningPolicy).where(
                    DunningPolicy.company_id == company.id, DunningPolicy.active.is_(True)
                )
            ).scalars()
        }
        if not policies:
            raise NoDunningPolicy(company=company.code)
        pid = state.policy_id if state and state.policy_id in policies else None
        policy = (
            policies[pid]
            if pid
            else next((p for p in policies.values() if p.is_default), next(iter(policies.values())))
        )
        levels = _levels(policy)
        disputed = {d.doc_no for d in _open_disputes(s, company, cust.id) if d.doc_no}
        items = _overdue_by_customer(uow, company, as_of).get(cust.code, [])
        over = [it for it in dd.overdue_items(items, as_of) if it.doc_no not in disputed]
        oldest = max((it.days_overdue(as_of) for it in over), default=0)
        seq = max(
            dd.target_level(levels, oldest, sum(i.open_minor for i in over)), state.level if state else 0, 1
        )
        level = next((lv for lv in levels if lv.seq == seq), levels[0])
        action = next((a for a in level.actions if a.kind == dd.EMAIL), dd.Action(dd.EMAIL, {}))
        locale = (
            language or action.params.get("language") or (state.language if state else "") or policy.language
        )
        values = dd.letter_values(
            company=company.name,
            customer=cust.name,
            customer_code=cust.code,
            level=level,
            as_of=as_of,
            items=over,
            locale=locale,
            currency=company.base_currency or "CNY",
        )
        subject, body = dd.letter(action, values, locale)
        return {
            "customer": cust.code,
            "as_of": as_of.isoformat(),
            "level": level.seq,
            "level_name": level.name,
            "language": locale,
            "to": _emails(action.params.get("to", "")) or _emails(state.email if state else ""),
            "subject": subject,
            "body": body,
        }


def charges_by_customer(s: Session, company_id: int, *, as_of: date | None = None) -> dict[str, int]:
    """Late fees and interest debited to customers (fen, per customer code): the part of the
    receivable account that dunning booked outside the sales documents, for reconciliations."""
    q = (
        select(Customer.code, func.sum(DunningCharge.total_minor))
        .join(Customer, Customer.id == DunningCharge.customer_id)
        .where(DunningCharge.company_id == company_id, DunningCharge.status == "posted")
        .group_by(Customer.code)
    )
    if as_of is not None:
        q = q.where(DunningCharge.date <= as_of)
    return {code: int(total) for code, total in s.execute(q).all() if total}


class ChargeNotPosted(YecaiError):
    code = "dunning.charge_not_posted"
    template = "Charge {no} is {status}; only a posted charge can be waived"
    http_status = 409


def waive_charge(
    uow: UnitOfWork, company_code: str, no: str, *, reason: str, day: date | None = None
) -> dict[str, Any]:
    """减免: waive a late fee / interest charge. Its voucher is reversed in red (红字冲销) on ``day``
    (default: the charge's date) and posted at once, as the charge was; the charge is marked
    waived and the customer's timeline says so."""
    from yecai.ledger.models import Voucher
    from yecai.ledger.service import LedgerIndex, _mark_reviewed, insert_voucher, post_rows

    if not reason.strip():
        raise FieldRequired(field_name="reason", field="reason")
    with uow:
        company = uow.company(company_code, Perm.COMPANY_MANAGE)
        s = uow.session
        charge = s.execute(
            select(DunningCharge)
            .where(DunningCharge.company_id == company.id, DunningCharge.no == no)
            .with_for_update()
        ).scalar_one_or_none()
        if charge is None:
            raise NotFound(what="dunning charge", key=no, field="no")
        if charge.status != "posted" or charge.voucher_id is None:
            raise ChargeNotPosted(no=no, status=charge.status, field="no")
        orig = s.get(Voucher, charge.voucher_id)
        assert orig is not None
        cust = s.get(Customer, charge.customer_id)
        assert cust is not None
        index = LedgerIndex(s, company, lazy_dimensions=True)
        lines = tuple(
            LineDraft(
                summary=f"减免 {ln.summary}"[:200],
                account_code=index.account_by_id[ln.account_id].code,
                debit=-from_minor(ln.debit_minor),
                credit=-from_minor(ln.credit_minor),
                dims={"customer": cust.code} if ln.customer_id is not None else {},
            )
            for ln in orig.lines
        )
        draft = VoucherDraft(
            date=day or charge.date, lines=lines, word=orig.word, source_type="dunning_charge", source_ref=no
        )
        row = insert_voucher(
            uow, company, index, index.build(draft), source_id=charge.id, reverses_id=orig.id
        )
        _mark_reviewed(uow, row)
        post_rows(uow, company, [row], index=index)
        charge.status = "waived"
        state = _state(s, company, cust)
        detail = {"charge": no, "voucher": row.display_no, "total": format_minor(charge.total_minor)}
        _event(
            s,
            uow,
            company,
            cust.id,
            "charge_waived",
            status="info",
            state=state,
            reason=reason.strip()[:NOTE_MAX],
            **detail,
        )
        uow.audit(
            "dunning.charge_waive",
            "dunning_charge",
            no,
            company_id=company.id,
            after={**detail, "reason": reason.strip()[:NOTE_MAX]},
        )
        uow.commit()
        return {"no": no, "status": "waived", "reversal": row.display_no, "reversal_id": row.id}


def charges(uow: UnitOfWork, company_code: str, *, customer: str | None = None) -> list[dict[str, Any]]:
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        q = (
            select(DunningCharge, Customer.code)
            .join(Customer, Customer.id == DunningCharge.customer_id)
            .where(DunningCharge.company_id == company.id)
            .order_by(DunningCharge.id)
        )
        if customer:
            q = q.where(Customer.code == customer)
        from yecai.ledger.models import Voucher

        out = []
        for c, code in uow.session.execute(q):
            v = uow.session.get(Voucher, c.voucher_id) if c.voucher_id else None
            out.append(
                {
                    "no": c.no,
                    "date": c.date.isoformat(),
                    "customer": code,
                    "interest": format_minor(c.interest_minor),
                    "fee": format_minor(c.fee_minor),
                    "total": format_minor(c.total_minor),
                    "status": c.status,
                    "voucher": v.display_no if v else "",
                    "voucher_id": c.voucher_id,
                }
            )
        return out
