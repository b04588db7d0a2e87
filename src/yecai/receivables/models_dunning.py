"""Dunning (催收) tables: policies and levels, each customer's dunning state, promises to pay and
disputes, the actions of each level (a queue that survives a failed send), tasks, late-fee
charges, the runs, and the customer's timeline (append-only)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yecai.store.base import Base, Minor, UTCDateTime, utcnow


class DunningPolicy(Base):
    """A company's dunning policy; the levels are validated JSON (dunning_domain.parse_levels)."""

    __tablename__ = "ar_dunning_policy"
    __table_args__ = (UniqueConstraint("company_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    language: Mapped[str] = mapped_column(String(10), default="zh_CN")
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    levels_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class DunningSmtp(Base):
    """The company's outgoing mail server; the password is encrypted (AES-GCM) and never shown."""

    __tablename__ = "ar_dunning_smtp"
    __table_args__ = (UniqueConstraint("company_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    host: Mapped[str] = mapped_column(String(200))
    port: Mapped[int] = mapped_column(Integer, default=25)
    security: Mapped[str] = mapped_column(String(10), default="none")  # none | starttls | ssl
    username: Mapped[str] = mapped_column(String(200), default="")
    password_enc: Mapped[str] = mapped_column(Text, default="")
    sender: Mapped[str] = mapped_column(String(200))
    timeout_ms: Mapped[int] = mapped_column(Integer, default=10_000)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class DunningCustomer(Base):
    """A customer's dunning state: its policy (else the company default), contact, the level
    reached in the current cycle. A cycle ends (level back to 0) when nothing is overdue."""

    __tablename__ = "ar_dunning_customer"
    __table_args__ = (UniqueConstraint("company_id", "customer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("md_customer.id"))
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("ar_dunning_policy.id"), nullable=True)
    email: Mapped[str] = mapped_column(String(300), default="")
    language: Mapped[str] = mapped_column(String(10), default="")  # "" → the policy's
    excluded: Mapped[bool] = mapped_column(Boolean, default=False)  # never dunned
    cycle: Mapped[int] = mapped_column(Integer, default=1)
    level: Mapped[int] = mapped_column(Integer, default=0)
    level_since: Mapped[date | None] = mapped_column(Date, nullable=True)
    charged_through: Mapped[date | None] = mapped_column(Date, nullable=True)  # interest charged up to
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class DunningPromise(Base):
    """A promise to pay (承诺付款): escalation pauses until its date; kept or broken is recorded."""

    __tablename__ = "ar_dunning_promise"
    __table_args__ = (Index("ix_ar_dunning_promise_customer", "company_id", "customer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("md_customer.id"))
    promise_date: Mapped[date] = mapped_column(Date)
    amount_minor: Mapped[int] = mapped_column(Minor)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # open | cleared (by a person) | kept (paid) | broken (date passed, still overdue)
    status: Mapped[str] = mapped_column(String(10), default="open")
    closed_by: Mapped[str] = mapped_column(String(60), default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class DunningDispute(Base):
    """A dispute (争议): on one invoice (that item is left out) or, without one, on the customer
    (escalation pauses). Open until a person clears it."""

    __tablename__ = "ar_dunning_dispute"
    __table_args__ = (Index("ix_ar_dunning_dispute_customer", "company_id", "customer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("md_customer.id"))
    doc_no: Mapped[str] = mapped_column(String(40), default="")  # "" → the whole customer
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    open: Mapped[bool] = mapped_column(Boolean, default=True)
    closed_by: Mapped[str] = mapped_column(String(60), default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class DunningRun(Base):
    __tablename__ = "ar_dunning_run"
    __table_args__ = (Index("ix_ar_dunning_run_company", "company_id", "as_of"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    as_of: Mapped[date] = mapped_column(Date)
    started_by: Mapped[str] = mapped_column(String(60))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    summary_json: Mapped[str] = mapped_column(Text, default="{}")


class DunningAction(Base):
    """One action of one level for one customer in one cycle. The unique key is what makes "never
    the same level twice" hold in the database, whatever runs at the same time."""

    __tablename__ = "ar_dunning_action"
    __table_args__ = (
        UniqueConstraint("company_id", "customer_id", "cycle", "level", "action_no"),
        Index("ix_ar_dunning_action_status", "company_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("md_customer.id"))
    policy_id: Mapped[int] = mapped_column(ForeignKey("ar_dunning_policy.id"))
    cycle: Mapped[int] = mapped_column(Integer)
    level: Mapped[int] = mapped_column(Integer)
    action_no: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    params_json: Mapped[str] = mapped_column(Text, default="{}")
    payload_json: Mapped[str] = mapped_column(Text, default="{}")  # the letter / body as planned
    status: Mapped[str] = mapped_column(
        String(10), default="pending"
    )  # pending|sending|done|failed|cancelled
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    run_id: Mapped[int | None] = mapped_column(ForeignKey("ar_dunning_run.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class DunningTask(Base):
    """A follow-up for a person (call the customer …)."""

    __tablename__ = "ar_dunning_task"
    __table_args__ = (Index("ix_ar_dunning_task_assignee", "company_id", "assignee", "done"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("md_customer.id"))
    action_id: Mapped[int | None] = mapped_column(ForeignKey("ar_dunning_action.id"), nullable=True)
    title: Mapped[str] = mapped_column(String(200))
    assignee: Mapped[str] = mapped_column(String(60))
    due_date: Mapped[date] = mapped_column(Date)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    done_by: Mapped[str] = mapped_column(String(60), default="")
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DunningCharge(Base):
    """A late fee / interest charge (逾期利息、滞纳金) and the voucher that booked it."""

    __tablename__ = "ar_dunning_charge"
    __table_args__ = (UniqueConstraint("company_id", "no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    no: Mapped[str] = mapped_column(String(40))
    date: Mapped[date] = mapped_column(Date)
    customer_id: Mapped[int] = mapped_column(ForeignKey("md_customer.id"))
    action_id: Mapped[int | None] = mapped_column(ForeignKey("ar_dunning_action.id"), nullable=True)
    interest_minor: Mapped[int] = mapped_column(Minor, default=0)
    fee_minor: Mapped[int] = mapped_column(Minor, default=0)
    total_minor: Mapped[int] = mapped_column(Minor, default=0)
    basis_json: Mapped[str] = mapped_column(Text, default="{}")
    voucher_id: Mapped[int | None] = mapped_column(ForeignKey("voucher.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(10), default="posted")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DunningEvent(Base):
    """The customer's dunning timeline: every level reached, every action tried (sent, failed,
    retried), promises, disputes, stops. Append-only."""

    __tablename__ = "ar_dunning_event"
    __table_args__ = (Index("ix_ar_dunning_event_customer", "company_id", "customer_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("md_customer.id"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("ar_dunning_run.id"), nullable=True)
    action_id: Mapped[int | None] = mapped_column(ForeignKey("ar_dunning_action.id"), nullable=True)
    as_of: Mapped[date | None] = mapped_column(Date, nullable=True)
    cycle: Mapped[int] = mapped_column(Integer, default=1)
    level: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(10), default="done")  # done | failed | info
    detail_json: Mapped[str] = mapped_column(Text, default="{}")
    actor: Mapped[str] = mapped_column(String(60), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
