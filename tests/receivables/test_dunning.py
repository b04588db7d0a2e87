"""Dunning (催收) on a real database (SQLite and PostgreSQL), a real SMTP server on loopback
(aiosmtpd) and a real HTTP server for the webhooks: escalation across days, each level once,
payment ends the cycle, disputes and promises pause it, late-fee vouchers, failed sends retried."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from tests.sales.books import Books, setup_books
from yecai.core.errors import FieldRequired, YecaiError
from yecai.ledger import service as ledger
from yecai.masterdata import service as md
from yecai.receivables import dunning
from yecai.receivables import dunning_domain as dd
from yecai.receivables.models_dunning import DunningAction, DunningEvent, DunningSmtp
from yecai.sales import credit
from yecai.sales import service as sales
from yecai.store.db import Database
from yecai.store.uow import Actor

# --- real servers -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Mailbox:
    port: int
    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = message_from_bytes(envelope.original_content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), msg))  # type: ignore[arg-type]
        return "250 OK"


@contextmanager
def smtp_server() -> Iterator[Mailbox]:
    """A real SMTP server (aiosmtpd) on a free loopback port, collecting what it receives."""
    box = Mailbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as box:
        yield box


@dataclass
class Hooks:
    url: str
    received: list[dict[str, Any]] = field(default_factory=list)
    answer: dict[str, Any] = field(default_factory=lambda: {"errcode": 0, "errmsg": "ok"})


@pytest.fixture
def hooks() -> Iterator[Hooks]:
    state: dict[str, Hooks] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            n = int(self.headers.get("Content-Length", "0"))
            state["h"].received.append(json.loads(self.rfile.read(n).decode("utf-8")))
            body = json.dumps(state["h"].answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["h"] = Hooks(url=f"http://127.0.0.1:{server.server_address[1]}/cgi-bin/webhook/send?key=T")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state["h"]
    finally:
        server.shutdown()
        server.server_close()


# --- books ------------------------------------------------------------------------------------------


def invoice(b: Books, customer: str, qty: str, price: str, day: str) -> dict:
    o = sales.create_order(
        b.uow(),
        b.company,
        customer=customer,
        day=date.fromisoformat(day),
        lines=[{"item": "A", "qty": qty, "unit_price": price}],
    )
    sales.create_delivery(b.uow(), b.company, order_id=o["id"], day=date.fromisoformat(day), warehouse="W1")
    return sales.create_invoice(
        b.uow(), b.company, customer=customer, day=date.fromisoformat(day), orders=[o["id"]]
    )


def levels(hook_url: str = "http://127.0.0.1:9/none") -> list[dict[str, Any]]:
    return [
        {"name": "友好提醒", "days_overdue": 1, "actions": [{"type": "email"}]},
        {
            "name": "催告",
            "days_overdue": 15,
            "min_amount": "100.00",
            "actions": [
                {"type": "webhook", "url": hook_url},
                {"type": "task", "assignee": "zhang", "due_days": 2},
            ],
        },
        {
            "name": "停止赊销",
            "days_overdue": 30,
            "actions": [
                {"type": "late_fee", "annual_rate": "0.0365", "fixed_fee": "50"},
                {"type": "credit_limit", "factor": "0.5"},
                {"type": "credit_hold", "reason": "逾期30天"},
            ],
        },
    ]


def books(
    db: Database, admin: Actor, mailbox: Mailbox | None = None, hook_url: str = "http://127.0.0.1:9/x"
) -> Books:
    b = setup_books(db, admin)
    md.update_party(b.uow(), b.company, "customer", "C1", credit_days=30, credit_limit="10000.00")
    dunning.save_policy(b.uow(), b.company, code="STD", name="标准催收", levels=levels(hook_url))
    dunning.set_contact(b.uow(), b.company, "C1", email="ap@huadong.example.cn")
    if mailbox is not None:
        dunning.set_smtp(
            b.uow(), b.company, host="127.0.0.1", port=mailbox.port, sender="ar@yecai.example.cn"
        )
    return b


def kinds(b: Books, customer: str = "C1") -> list[tuple[str, str, int]]:
    """(kind, status, level) of the timeline, oldest first."""
    return [
        (e["kind"], e["status"], e["level"]) for e in reversed(dunning.timeline(b.uow(), b.company, customer))
    ]


def run(b: Books, day: str, **kw: Any) -> dunning.RunResult:
    return dunning.run(b.uow(), b.company, as_of=date.fromisoformat(day), **kw)


# --- tests ------------------------------------------------------------------------------------------


def test_escalates_across_days_and_acts_on_each_level_once(
    db: Database, admin: Actor, mailbox: Mailbox, hooks: Hooks
) -> None:
    b = books(db, admin, mailbox, hooks.url)
    inv = invoice(b, "C1", "10", "113.00", "2025-03-05")  # 1,130.00 due 04-04

    assert run(b, "2025-04-04").customers == []  # due today: not overdue yet
    r = run(b, "2025-04-06")
    assert [(c["customer"], c["outcome"], c["new_level"]) for c in r.customers] == [("C1", "escalate", 1)]
    assert r.sent == 1 and r.failed == 0
    ((rcpt, msg),) = mailbox.messages
    assert rcpt == ["ap@huadong.example.cn"] and msg["To"] == "ap@huadong.example.cn"
    assert msg["From"] == "ar@yecai.example.cn"
    assert msg["Subject"] == f"付款提醒（友好提醒）：逾期 CNY 1,130.00 — 测试公司{b.company}"
    body = msg.get_content()
    assert "华东商贸" in body and inv["no"] in body and "逾期 2 天" in body and "1,130.00" in body

    # The next days: level 1 already acted on; nothing is sent again.
    assert run(b, "2025-04-07").sent == 0
    assert run(b, "2025-04-18").sent == 0
    assert len(mailbox.messages) == 1 and hooks.received == []

    r = run(b, "2025-04-19")  # 15 days: level 2 → the robot webhook and a task
    assert r.customers[0]["new_level"] == 2 and r.sent == 1
    (hook,) = hooks.received
    assert hook["msgtype"] == "text" and inv["no"] in hook["text"]["content"]
    (task,) = dunning.list_tasks(b.uow(), b.company)
    assert task["assignee"] == "zhang" and task["due_date"] == "2025-04-21" and "华东商贸" in task["title"]

    r = run(b, "2025-05-05")  # 31 days: level 3 → late fee, lower limit, credit hold
    assert r.customers[0]["new_level"] == 3
    (charge,) = dunning.charges(b.uow(), b.company)
    # 1,130.00 × 3.65 % × 31 / 365 = 3.503 → 3.50; plus the fixed 50.00
    assert (charge["interest"], charge["fee"], charge["total"]) == ("3.50", "50.00", "53.50")
    v = ledger.get_voucher(b.uow(), b.company, charge["voucher_id"])
    assert v.status == "posted"
    lines = [(ln.account_code, str(ln.debit), str(ln.credit), ln.dims.get("customer", "")) for ln in v.lines]
    assert lines == [
        ("1122", "53.50", "", "C1"),
        ("660302", "", "3.50", ""),
        ("6301", "", "50.00", ""),
    ]
    position = credit.customer_credit(b.uow(), b.company, "C1")
    assert position["on_hold"] and position["hold_reason"] == "逾期30天"
    assert position["credit_limit"] == "5000.00"
    assert run(b, "2025-05-06").sent == 0 and len(dunning.charges(b.uow(), b.company)) == 1
    assert [k for k in kinds(b) if k[0] not in ("contact_set",)] == [
        ("level_reached", "info", 1),
        ("email", "done", 1),
        ("level_reached", "info", 2),
        ("task", "done", 2),
        ("webhook", "done", 2),
        ("level_reached", "info", 3),
        ("late_fee", "done", 3),
        ("credit_limit", "done", 3),
        ("credit_hold", "done", 3),
    ]
    # The database itself refuses a second row for a level already acted on.
    with pytest.raises(IntegrityError), b.uow() as uow:
        a = uow.session.execute(select(DunningAction).limit(1)).scalar_one()
        uow.session.add(
            DunningAction(
                company_id=a.company_id,
                customer_id=a.customer_id,
                policy_id=a.policy_id,
                cycle=a.cycle,
                level=a.level,
                action_no=a.action_no,
                kind=a.kind,
            )
        )
        uow.session.flush()


def test_a_jump_goes_straight_to_the_level_reached(
    db: Database, admin: Actor, mailbox: Mailbox, hooks: Hooks
) -> None:
    b = books(db, admin, mailbox, hooks.url)
    invoice(b, "C1", "10", "113.00", "2025-03-05")
    r = run(b, "2025-04-25")  # first run 21 days late: level 2 only, level 1 recorded as skipped
    assert r.customers[0]["new_level"] == 2 and mailbox.messages == [] and len(hooks.received) == 1
    reached = [e for e in dunning.timeline(b.uow(), b.company, "C1") if e["kind"] == "level_reached"]
    assert reached[0]["detail"]["skipped"] == [1]


def test_amount_below_the_level_minimum_does_not_escalate(
    db: Database, admin: Actor, mailbox: Mailbox
) -> None:
    b = books(db, admin, mailbox)
    invoice(b, "C1", "1", "50.00", "2025-03-05")  # 50.00 < 100.00 minimum of level 2
    run(b, "2025-04-06")
    r = run(b, "2025-04-25")
    assert r.customers[0]["target"] == 1 and r.customers[0]["outcome"] == "stay"


def test_payment_ends_the_cycle_and_a_new_debt_starts_again(
    db: Database, admin: Actor, mailbox: Mailbox
) -> None:
    b = books(db, admin, mailbox)
    inv = invoice(b, "C1", "10", "113.00", "2025-03-05")
    run(b, "2025-04-06")
    assert len(mailbox.messages) == 1
    sales.create_receipt(
        b.uow(), b.company, customer="C1", day=date(2025, 4, 10), amount="1130.00", invoice_id=inv["id"]
    )
    r = run(b, "2025-04-20")  # would be level 2, but paid
    assert r.customers[0]["outcome"] == "stop"
    assert dunning.customer_state(b.uow(), b.company, "C1")["level"] == 0
    assert run(b, "2025-04-21").customers == []
    assert ("stopped", "info", 1) in kinds(b)

    invoice(b, "C1", "1", "226.00", "2025-05-01")  # due 05-31
    r = run(b, "2025-06-02")
    assert r.customers[0]["new_level"] == 1 and len(mailbox.messages) == 2
    assert dunning.customer_state(b.uow(), b.company, "C1")["cycle"] == 2


def test_a_dispute_pauses_and_clearing_it_resumes(
    db: Database, admin: Actor, mailbox: Mailbox, hooks: Hooks
) -> None:
    b = books(db, admin, mailbox, hooks.url)
    invoice(b, "C1", "10", "113.00", "2025-03-05")
    run(b, "2025-04-06")
    dunning.set_dispute(b.uow(), b.company, "C1", reason="货物质量异议")
    r = run(b, "2025-04-20")
    assert (r.customers[0]["outcome"], r.customers[0]["paused_by"]) == ("paused", "dispute")
    assert hooks.received == []
    dunning.clear_dispute(b.uow(), b.company, "C1")
    assert run(b, "2025-04-21").customers[0]["new_level"] == 2 and len(hooks.received) == 1
    with pytest.raises(dunning.NothingToClear):
        dunning.clear_dispute(b.uow(), b.company, "C1")


def test_a_disputed_invoice_is_left_out(db: Database, admin: Actor, mailbox: Mailbox) -> None:
    b = books(db, admin, mailbox)
    i1 = invoice(b, "C1", "10", "113.00", "2025-03-05")
    i2 = invoice(b, "C1", "1", "113.00", "2025-03-20")
    dunning.set_dispute(b.uow(), b.company, "C1", reason="价格不符", doc_no=i1["no"])
    r = run(b, "2025-04-22")  # i2 due 04-19: 3 days
    assert (r.customers[0]["overdue"], r.customers[0]["items"]) == ("113.00", 1)
    body = mailbox.messages[0][1].get_content()
    assert i2["no"] in body and i1["no"] not in body


def test_a_promise_pauses_until_its_date_then_escalation_resumes(
    db: Database, admin: Actor, mailbox: Mailbox, hooks: Hooks
) -> None:
    b = books(db, admin, mailbox, hooks.url)
    invoice(b, "C1", "10", "113.00", "2025-03-05")
    run(b, "2025-04-06")
    dunning.set_promise(
        b.uow(), b.company, "C1", promise_date=date(2025, 4, 25), amount="1130.00", note="电话承诺"
    )
    assert run(b, "2025-04-20").customers[0]["paused_by"] == "promise"
    assert run(b, "2025-04-25").customers[0]["paused_by"] == "promise"
    assert hooks.received == []
    r = run(b, "2025-04-26")  # promise broken: level 2 now
    assert r.customers[0]["new_level"] == 2 and len(hooks.received) == 1
    assert ("promise_broken", "info", 1) in kinds(b)
    assert dunning.customer_state(b.uow(), b.company, "C1")["promise"] is None
    with pytest.raises(dunning.PromiseInvalid):
        dunning.set_promise(b.uow(), b.company, "C1", promise_date=date(2025, 5, 1), amount="0")


def test_smtp_failure_is_recorded_and_retried_by_the_next_run(
    db: Database, admin: Actor, mailbox: Mailbox
) -> None:
    b = books(db, admin)
    dunning.set_smtp(
        b.uow(), b.company, host="127.0.0.1", port=free_port(), sender="ar@yecai.example.cn", timeout_ms=2000
    )
    invoice(b, "C1", "10", "113.00", "2025-03-05")
    r = run(b, "2025-04-06")
    assert (r.sent, r.failed) == (0, 1)
    (failed,) = [e for e in dunning.timeline(b.uow(), b.company, "C1") if e["kind"] == "email"]
    assert failed["status"] == "failed" and "Connection refused" in failed["detail"]["error"]
    # The server is fixed; the next run sends the same level's letter, once.
    dunning.set_smtp(b.uow(), b.company, host="127.0.0.1", port=mailbox.port, sender="ar@yecai.example.cn")
    r = run(b, "2025-04-07")
    assert (r.sent, r.failed) == (1, 0) and len(mailbox.messages) == 1
    assert "逾期 3 天" in mailbox.messages[0][1].get_content()
    assert run(b, "2025-04-08").sent == 0 and len(mailbox.messages) == 1
    emails = [k for k in kinds(b) if k[0] == "email"]
    assert emails == [("email", "failed", 1), ("email", "done", 1)]


def test_webhook_refused_by_the_robot_is_a_failure(db: Database, admin: Actor, hooks: Hooks) -> None:
    b = setup_books(db, admin)
    md.update_party(b.uow(), b.company, "customer", "C2", credit_days=10)
    dunning.save_policy(
        b.uow(),
        b.company,
        code="ROBOT",
        language="en",
        levels=[{"days_overdue": 0, "actions": [{"type": "webhook", "url": hooks.url, "format": "json"}]}],
    )
    invoice(b, "C2", "1", "226.00", "2025-03-05")
    hooks.answer = {"errcode": 93000, "errmsg": "invalid webhook url"}
    r = run(b, "2025-03-20")
    assert r.failed == 1
    hooks.answer = {"errcode": 0, "errmsg": "ok"}
    assert run(b, "2025-03-21").sent == 1
    last = hooks.received[-1]
    assert (
        last["event"] == "dunning.level_reached" and last["customer"] == "C2" and last["overdue"] == "226.00"
    )
    assert last["items"][0]["days_overdue"] == 6
    assert "Payment reminder" in last["subject"]


def test_a_missing_address_is_a_failed_attempt_not_a_silent_skip(
    db: Database, admin: Actor, mailbox: Mailbox
) -> None:
    b = books(db, admin, mailbox)
    dunning.set_contact(b.uow(), b.company, "C1", email="")
    invoice(b, "C1", "10", "113.00", "2025-03-05")
    assert run(b, "2025-04-06").failed == 1
    dunning.set_contact(b.uow(), b.company, "C1", email="boss@huadong.example.cn; ap@huadong.example.cn")
    assert run(b, "2025-04-07").sent == 1
    assert mailbox.messages[0][0] == ["boss@huadong.example.cn", "ap@huadong.example.cn"]


def test_dry_run_decides_and_writes_nothing(db: Database, admin: Actor, mailbox: Mailbox) -> None:
    b = books(db, admin, mailbox)
    invoice(b, "C1", "10", "113.00", "2025-03-05")
    r = run(b, "2025-05-05", dry_run=True)
    assert r.customers[0]["new_level"] == 3 and r.customers[0]["actions"] == [
        "late_fee",
        "credit_limit",
        "credit_hold",
    ]
    assert mailbox.messages == [] and dunning.charges(b.uow(), b.company) == []
    assert dunning.customer_state(b.uow(), b.company, "C1")["level"] == 0
    assert [k for k in kinds(b) if k[0] != "contact_set"] == []


def test_smtp_password_is_encrypted_and_never_shown(db: Database, admin: Actor) -> None:
    b = setup_books(db, admin)
    out = dunning.set_smtp(
        b.uow(),
        b.company,
        host="smtp.example.cn",
        port=465,
        security="ssl",
        username="ar",
        password="s3cret-口令",
        sender="ar@example.cn",
    )
    assert out["password_set"] and "password" not in out
    assert "s3cret" not in json.dumps(dunning.get_smtp(b.uow(), b.company))
    with b.uow() as uow:
        stored = uow.session.execute(select(DunningSmtp.password_enc)).scalars().all()
    assert stored and all("s3cret" not in s for s in stored)
    assert any(dunning.decrypt_secret(s) == "s3cret-口令" for s in stored)
    dunning.set_smtp(
        b.uow(), b.company, host="smtp.example.cn", port=465, security="ssl", sender="ar@example.cn"
    )
    assert dunning.get_smtp(b.uow(), b.company)["password_set"]  # None keeps the password


def test_bad_policies_are_refused_with_the_reason(db: Database, admin: Actor) -> None:
    b = setup_books(db, admin)

    def save(lv: list[dict[str, Any]]) -> YecaiError:
        with pytest.raises(YecaiError) as e:
            dunning.save_policy(b.uow(), b.company, code="BAD", levels=lv)
        return e.value

    e = save([{"days_overdue": 10}, {"days_overdue": 5}])
    assert e.code == "dunning.levels_out_of_order" and e.params["level"] == 2
    e = save([{"days_overdue": 1, "actions": [{"type": "email", "subject": "{customer.__class__}"}]}])
    assert e.code == "dunning.placeholder_unknown"
    e = save([{"days_overdue": 1, "actions": [{"type": "fax"}]}])
    assert e.code == "dunning.action_unknown"
    e = save([{"days_overdue": 1, "actions": [{"type": "late_fee", "annual_rate": "3.65"}]}])
    assert e.code == "dunning.action_param_invalid" and e.field == "annual_rate"
    e = save([{"days_overdue": 1, "actions": [{"type": "webhook", "url": "file:///etc/passwd"}]}])
    assert e.field == "url"
    e = save([{"days_overdue": 1, "actions": [{"type": "task"}]}])
    assert e.field == "assignee"
    assert dunning.list_policies(b.uow(), b.company) == []
    with pytest.raises(dunning.NoDunningPolicy):
        run(b, "2025-04-01")


def test_interest_is_not_charged_twice_for_the_same_days() -> None:
    items = [dd.OverdueItem("INV-1", date(2025, 1, 1), date(2025, 1, 31), 100_000)]
    rate = dd.parse_action(1, {"type": "late_fee", "annual_rate": "0.0365"}).params["annual_rate"]
    from decimal import Decimal

    first = dd.interest_minor(items, Decimal(rate), date(2025, 3, 2), charged_through=None)  # 30 days
    again = dd.interest_minor(items, Decimal(rate), date(2025, 3, 12), charged_through=date(2025, 3, 2))
    assert (first, again) == (300, 100)


def test_overdue_comes_from_the_open_items_ledger(db: Database, admin: Actor, mailbox: Mailbox) -> None:
    """Partial receipts, a receipt on account and a credit note all lower what is dunned."""
    from yecai.sales import returns

    b = books(db, admin, mailbox)
    i1 = invoice(b, "C1", "10", "113.00", "2025-03-05")  # 1,130.00 due 04-04
    i2 = invoice(b, "C1", "2", "113.00", "2025-03-10")  # 226.00 due 04-09
    sales.create_receipt(
        b.uow(), b.company, customer="C1", day=date(2025, 4, 1), amount="130.00", invoice_id=i1["id"]
    )
    sales.create_receipt(
        b.uow(), b.company, customer="C1", day=date(2025, 4, 2), amount="200.00"
    )  # on account
    returns.create_credit_note(
        b.uow(), b.company, invoice_id=i2["id"], day=date(2025, 4, 3), lines=[(1, "1")], reason="退货"
    )
    r = run(b, "2025-04-12", dry_run=True)
    # 1,130 − 130 + 226 − 113 − 200 (the receipt on account pays the oldest first) = 913.00
    assert r.customers[0]["overdue"] == "913.00"


def test_the_timeline_is_append_only(db: Database, admin: Actor) -> None:
    b = setup_books(db, admin)
    dunning.save_policy(b.uow(), b.company, code="P", levels=[{"days_overdue": 1}])
    dunning.set_contact(b.uow(), b.company, "C1", email="a@b.cn")
    with pytest.raises(DBAPIError) as e, b.uow() as uow:  # IntegrityError (SQLite), InternalError (PG)
        uow.session.execute(update(DunningEvent).values(kind="forged"))
        uow.session.flush()
    assert "append-only" in str(e.value)


def test_charges_by_customer_reconcile_the_receivable_they_booked(db: Database, admin: Actor) -> None:
    b = setup_books(db, admin)
    md.update_party(b.uow(), b.company, "customer", "C1", credit_days=30)
    dunning.save_policy(
        b.uow(),
        b.company,
        code="FEE",
        levels=[{"days_overdue": 10, "actions": [{"type": "late_fee", "fixed_fee": "20"}]}],
    )
    invoice(b, "C1", "10", "113.00", "2025-03-05")
    run(b, "2025-04-20")
    with b.uow() as uow:
        company = uow.company(b.company, "company.view")
        assert dunning.charges_by_customer(uow.session, company.id) == {"C1": 2000}
        assert credit.receivable_minor(uow.session, company.id, "C1") == 113000 + 2000
    # the fee is an open item of the customer, and the books still reconcile (yecai check)
    from yecai.checks.service import run_checks
    from yecai.receivables import items

    fees = [i for i in items.open_items(b.uow(), b.company, customer="C1") if i["kind"] == "charge"]
    assert [(i["amount"], i["open_amount"]) for i in fees] == [("20.00", "20.00")]
    assert run_checks(b.uow(), b.company) == []


def test_a_partial_promise_paid_on_time_is_kept_and_escalation_goes_on(
    db: Database, admin: Actor, mailbox: Mailbox, hooks: Hooks
) -> None:
    b = books(db, admin, mailbox, hooks.url)
    inv = invoice(b, "C1", "10", "113.00", "2025-03-05")
    run(b, "2025-04-06")
    dunning.set_promise(b.uow(), b.company, "C1", promise_date=date(2025, 4, 25), amount="500.00")
    sales.create_receipt(
        b.uow(), b.company, customer="C1", day=date(2025, 4, 24), amount="500.00", invoice_id=inv["id"]
    )
    r = run(b, "2025-04-26")
    assert ("promise_kept", "info", 1) in kinds(b)
    assert (r.customers[0]["overdue"], r.customers[0]["new_level"]) == (
        "630.00",
        2,
    )  # the rest is still overdue


def test_a_waived_charge_is_reversed_in_red_and_posted(db: Database, admin: Actor) -> None:
    b = setup_books(db, admin)
    md.update_party(b.uow(), b.company, "customer", "C1", credit_days=30)
    dunning.save_policy(
        b.uow(),
        b.company,
        code="FEE",
        levels=[
            {
                "days_overdue": 10,
                "actions": [{"type": "late_fee", "fixed_fee": "20", "annual_rate": "0.0365"}],
            }
        ],
    )
    invoice(b, "C1", "10", "113.00", "2025-03-05")
    run(b, "2025-04-20")  # 16 days × 1,130.00 × 3.65 % / 365 = 1.808 → 1.81, plus 20.00
    (charge,) = dunning.charges(b.uow(), b.company)
    assert (charge["total"], charge["status"]) == ("21.81", "posted")
    with pytest.raises(FieldRequired):
        dunning.waive_charge(b.uow(), b.company, charge["no"], reason=" ")
    out = dunning.waive_charge(b.uow(), b.company, charge["no"], reason="大客户，首次逾期减免")
    v = ledger.get_voucher(b.uow(), b.company, out["reversal_id"])
    assert v.status == "posted"
    assert [(ln.account_code, ln.debit, ln.credit, ln.dims.get("customer", "")) for ln in v.lines] == [
        ("1122", "-21.81", "", "C1"),
        ("660302", "", "-1.81", ""),
        ("6301", "", "-20.00", ""),
    ]
    with b.uow() as uow:
        company = uow.company(b.company, "company.view")
        assert dunning.charges_by_customer(uow.session, company.id) == {}
        assert credit.receivable_minor(uow.session, company.id, "C1") == 113000
    from yecai.checks.service import run_checks

    assert run_checks(b.uow(), b.company) == []  # the waiver's red voucher and the charge net out
    with pytest.raises(dunning.ChargeNotPosted):
        dunning.waive_charge(b.uow(), b.company, charge["no"], reason="again")
    assert ("charge_waived", "info", 1) in kinds(b)


def test_two_runs_at_once_send_each_level_once(db: Database, admin: Actor, mailbox: Mailbox) -> None:
    b = books(db, admin, mailbox)
    invoice(b, "C1", "10", "113.00", "2025-03-05")
    results: list[dunning.RunResult] = []
    errors: list[BaseException] = []

    def go() -> None:
        try:
            results.append(run(b, "2025-04-06"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=go) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [] and len(results) == 2
    assert sorted(r.sent for r in results) == [0, 1] and len(mailbox.messages) == 1


def test_a_send_claimed_by_a_run_that_crashed_is_tried_again_later(
    db: Database, admin: Actor, mailbox: Mailbox
) -> None:
    from datetime import UTC, datetime, timedelta

    from yecai.receivables.models_dunning import DunningRun

    b = books(db, admin, mailbox)
    invoice(b, "C1", "10", "113.00", "2025-03-05")
    run(b, "2025-04-06")
    # As if the process died after planning: the e-mail is still claimed by that run.
    with b.uow() as uow:
        uow.session.execute(update(DunningAction).values(status="sending", attempts=0))
        uow.commit()
    assert run(b, "2025-04-07").sent == 0  # a run that may still be sending: not twice
    with b.uow() as uow:
        uow.session.execute(update(DunningRun).values(started_at=datetime.now(UTC) - timedelta(hours=1)))
        uow.commit()
    assert run(b, "2025-04-08").sent == 1 and len(mailbox.messages) == 2
