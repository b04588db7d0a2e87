"""A state machine drives random sequences of business documents through the services — sales
orders, deliveries, invoices, receipts, returns and credit notes; purchase orders, goods
receipts, bills, payments; work orders (issue, labour, finished goods); period closings — on one
fresh company per example, and after every step checks the books with ``yecai check``'s own
functions: every voucher balances and the trial balance totals agree, the hash chain holds, AR and
AP subledgers equal their control accounts and the documents, stock valuation equals the
inventory accounts, every document voucher has its document and every voucher line a document
(or is a closing or manual voucher). Refusals (over-delivery, over-invoicing, negative stock,
receipts beyond the invoice, posting into a closed period …) must be the named errors and leave
nothing written.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from tests.conftest import admin_actor, new_code
from yecai.checks.service import run_checks
from yecai.core.errors import YecaiError
from yecai.core.periods import Period
from yecai.inventory.domain import NegativeStock
from yecai.inventory.models import StockMove
from yecai.ledger import closing, reports
from yecai.ledger import service as ledger
from yecai.ledger.models import AccountBalance, Voucher
from yecai.ledger.service import PeriodClosed
from yecai.masterdata import service as md
from yecai.posting.domain import DocumentWrongState
from yecai.posting.models import DocumentVoucher
from yecai.purchasing import domain as pdomain
from yecai.purchasing import service as purchasing
from yecai.sales import domain as sdomain
from yecai.sales import service as sales
from yecai.security.models import AuditLog
from yecai.store.db import Database
from yecai.store.uow import UnitOfWork


def _optional(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


returns = _optional("yecai.sales.returns")
production = _optional("yecai.production.service")
GENERATED = {"manual", "closing"}  # vouchers that are no document's
LAST_MONTH = 6

# The refusals a step may meet, by the action that meets them.
REFUSALS: dict[str, tuple[type[YecaiError], ...]] = {
    "deliver": (sdomain.OverDelivery, NegativeStock, DocumentWrongState, PeriodClosed),
    "invoice": (sdomain.OverInvoicing, DocumentWrongState, PeriodClosed),
    "receive_payment": (sdomain.ReceiptExceedsInvoice, PeriodClosed),
    "goods_receipt": (pdomain.OverReceipt, DocumentWrongState, PeriodClosed),
    "bill": (pdomain.OverBilling, pdomain.ThreeWayMatchFailed, DocumentWrongState, PeriodClosed),
    "pay": (pdomain.PaymentExceedsOpen, PeriodClosed),
    "back_dated": (PeriodClosed, DocumentWrongState, sdomain.OverDelivery, NegativeStock),
}
if returns is not None:
    from yecai.sales import returns_domain

    REFUSALS["return"] = (returns_domain.OverReturn, returns_domain.OverCredit, PeriodClosed)
if production is not None:
    from yecai.production import domain as prod_domain

    REFUSALS["produce"] = (NegativeStock, prod_domain.OverIssue, PeriodClosed)


def _fingerprint(db: Database, company: str) -> tuple[Any, ...]:
    """What a refused command must not have changed."""
    with UnitOfWork(db, admin_actor(db)) as u:
        s = u.session
        cid = u.company(company, "company.view").id
        return (
            s.execute(select(func.count()).where(Voucher.company_id == cid)).scalar_one(),
            s.execute(select(func.count()).where(DocumentVoucher.company_id == cid)).scalar_one(),
            s.execute(select(func.count()).where(StockMove.company_id == cid)).scalar_one(),
            s.execute(
                select(func.sum(AccountBalance.debit_minor), func.sum(AccountBalance.credit_minor)).where(
                    AccountBalance.company_id == cid
                )
            ).one(),
            s.execute(select(func.count()).where(AuditLog.company_id == cid)).scalar_one(),
        )


def _untraced(db: Database, company: str) -> list[str]:
    """Vouchers that come from neither a document nor closing nor a manual entry."""
    with UnitOfWork(db, admin_actor(db)) as u:
        s = u.session
        cid = u.company(company, "company.view").id
        linked = select(DocumentVoucher.voucher_id).where(
            DocumentVoucher.company_id == cid, DocumentVoucher.voucher_id.is_not(None)
        )
        rows = s.execute(
            select(Voucher.id, Voucher.source_type).where(
                Voucher.company_id == cid,
                Voucher.source_type.not_in(GENERATED),
                Voucher.id.not_in(linked),
            )
        ).all()
        return [f"voucher #{vid} ({t})" for vid, t in rows]


def _remaining(view: dict[str, Any], whole: str, done: str) -> Decimal:
    line = view["lines"][0]
    return Decimal(line[whole]) - Decimal(line[done])


MODES = st.sampled_from(["all", "all", "part", "over"])


def _pick(data: st.DataObject, mode: str, remaining: Decimal) -> Decimal:
    """A quantity: what remains, part of it, or one more than remains (to be refused)."""
    if mode == "over" or remaining <= 0:
        return max(remaining, Decimal(0)) + 1
    if mode == "part" and remaining > 1:
        return Decimal(data.draw(st.integers(1, int(remaining) - 1)))
    return remaining


def _pick_amount(data: st.DataObject, mode: str, open_amount: Decimal) -> Decimal:
    if mode == "over" or open_amount <= 0:
        return max(open_amount, Decimal(0)) + Decimal("0.01")
    if mode == "part" and open_amount > 1:
        return (open_amount * Decimal(data.draw(st.integers(1, 99))) / 100).quantize(Decimal("0.01"))
    return open_amount


def machine_for(db: Database) -> type[RuleBasedStateMachine]:
    actor = admin_actor(db)

    class Books(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.company = new_code("SM")
            self.u: Callable[[], UnitOfWork] = lambda: UnitOfWork(db, actor)
            ledger.create_company(self.u(), code=self.company, name="状态机公司", start="2025-01")
            c = self.company
            md.create_warehouse(self.u(), c, code="W1", name="仓库")
            for code in ("C1", "C2"):
                md.create_party(self.u(), c, "customer", code=code, name=f"客户{code}", credit_days=30)
            for code in ("S1", "S2"):
                md.create_party(self.u(), c, "supplier", code=code, name=f"供应商{code}")
            md.create_item(self.u(), c, code="RM", name="钢材", unit="kg", category="原材料")
            md.create_item(self.u(), c, code="FG", name="水泵", unit="台", category="库存商品")
            md.create_item(
                self.u(), c, code="SV", name="安装", category="服务", kind="service", tax_rate="0.06"
            )
            if production is not None:
                production.create_bom(self.u(), c, item="FG", lines=[{"item": "RM", "qty_per": "2"}])
            self.day = date(2025, 1, 2)
            self.closed: list[str] = []
            self.sales_orders: list[int] = []
            self.stock_orders: list[int] = []  # of goods (a service-only delivery posts nothing)
            self.deliveries: list[int] = []
            self.invoices: list[dict[str, Any]] = []
            self.purchase_orders: list[tuple[int, str]] = []
            self.payable: dict[str, Decimal] = {"S1": Decimal(0), "S2": Decimal(0)}  # billed − paid

        # --- helpers ---------------------------------------------------------------------------

        def _choose(
            self, data: st.DataObject, mode: str, docs: list[Any], remaining: Callable[[Any], Decimal]
        ) -> tuple[Any, Decimal]:
            """A document with something left (and a quantity of it), or, for ``over``, any
            document and one more than it has left."""
            left = {i: remaining(d) for i, d in enumerate(docs)}
            open_ = [i for i, q in left.items() if q > 0]
            i = data.draw(st.sampled_from(open_ if open_ and mode != "over" else list(left)))
            return docs[i], _pick(data, mode, left[i])

        def refused_or_done(self, action: str, fn: Callable[[], Any]) -> Any:
            """Run ``fn``; a refusal must be one of the action's named errors and write nothing."""
            before = _fingerprint(db, self.company)
            try:
                out = fn()
            except YecaiError as e:
                assert isinstance(e, REFUSALS[action]), f"{action}: unexpected {type(e).__name__}: {e}"
                assert _fingerprint(db, self.company) == before, f"{action}: refused but wrote"
                event(f"{action}: refused ({type(e).__name__})")
                return None
            event(f"{action}: done")
            return out

        # --- time and closing ------------------------------------------------------------------

        @rule(days=st.integers(0, 12))
        def advance(self, days: int) -> None:
            last = Period.of(self.day).last_day
            self.day = min(self.day + timedelta(days=days), last)

        @precondition(lambda self: Period.of(self.day).month < LAST_MONTH)
        @rule()
        def close_month(self) -> None:
            p = Period.of(self.day)
            closing.close_period(self.u(), self.company, str(p))
            self.closed.append(str(p))
            self.day = p.last_day + timedelta(days=1)

        @precondition(lambda self: bool(self.closed) and bool(self.stock_orders))
        @rule(data=st.data())
        def post_into_closed_period(self, data: st.DataObject) -> None:
            order = data.draw(st.sampled_from(self.stock_orders))
            closed_day = Period.parse(self.closed[-1]).last_day
            out = self.refused_or_done(
                "back_dated",
                lambda: sales.create_delivery(
                    self.u(), self.company, order_id=order, day=closed_day, warehouse="W1", lines=[(1, "1")]
                ),
            )
            assert out is None, "a delivery was posted into a closed period"

        # --- purchasing ------------------------------------------------------------------------

        @rule(
            supplier=st.sampled_from(["S1", "S2"]),
            item=st.sampled_from(["RM", "FG"]),
            qty=st.integers(1, 40),
            price=st.integers(100, 50_000),
        )
        def purchase_order(self, supplier: str, item: str, qty: int, price: int) -> None:
            po = purchasing.create_order(
                self.u(),
                self.company,
                supplier=supplier,
                day=self.day,
                lines=[{"item": item, "qty": str(qty), "unit_price": str(Decimal(price).scaleb(-2))}],
            )
            self.purchase_orders.append((po["id"], supplier))

        @precondition(lambda self: bool(self.purchase_orders))
        @rule(data=st.data(), mode=MODES)
        def goods_receipt(self, data: st.DataObject, mode: str) -> None:
            (po, _sup), qty = self._choose(
                data,
                mode,
                self.purchase_orders,
                lambda o: _remaining(purchasing.get_order(self.u(), self.company, o[0]), "qty", "received"),
            )
            self.refused_or_done(
                "goods_receipt",
                lambda: purchasing.create_receipt(
                    self.u(), self.company, order_id=po, day=self.day, warehouse="W1", lines=[(1, str(qty))]
                ),
            )

        @precondition(lambda self: bool(self.purchase_orders))
        @rule(data=st.data(), mode=MODES)
        def bill(self, data: st.DataObject, mode: str) -> None:
            (po, sup), qty = self._choose(
                data,
                mode,
                self.purchase_orders,
                lambda o: _remaining(
                    purchasing.get_order(self.u(), self.company, o[0]), "received", "billed"
                ),
            )
            out = self.refused_or_done(
                "bill",
                lambda: purchasing.create_bill(
                    self.u(),
                    self.company,
                    supplier=sup,
                    day=self.day,
                    lines=[{"order_id": po, "line_no": 1, "qty": str(qty)}],
                ),
            )
            if out is not None:
                self.payable[sup] += Decimal(out["total"])

        @precondition(lambda self: any(v > 0 for v in self.payable.values()))
        @rule(data=st.data(), mode=MODES)
        def pay(self, data: st.DataObject, mode: str) -> None:
            owed = [sup for sup, amount in sorted(self.payable.items()) if amount > 0]
            supplier = data.draw(st.sampled_from(owed if owed and mode != "over" else ["S1", "S2"]))
            amount = _pick_amount(data, mode, self.payable[supplier])
            out = self.refused_or_done(
                "pay",
                lambda: purchasing.create_payment(
                    self.u(), self.company, supplier=supplier, day=self.day, amount=amount
                ),
            )
            if out is not None:
                self.payable[supplier] -= amount

        @rule(supplier=st.sampled_from(["S1", "S2"]), qty=st.integers(5, 40), price=st.integers(100, 20_000))
        def restock(self, supplier: str, qty: int, price: int) -> None:
            """A purchase received at once (raw material and finished goods), so that stock is there."""
            po = purchasing.create_order(
                self.u(),
                self.company,
                supplier=supplier,
                day=self.day,
                lines=[
                    {"item": "RM", "qty": str(qty), "unit_price": str(Decimal(price).scaleb(-2))},
                    {
                        "item": "FG",
                        "qty": str(qty // 2 + 1),
                        "unit_price": str(Decimal(price * 9).scaleb(-2)),
                    },
                ],
            )
            purchasing.create_receipt(self.u(), self.company, order_id=po["id"], day=self.day, warehouse="W1")
            self.purchase_orders.append((po["id"], supplier))
            event("restock: done")

        # --- sales -----------------------------------------------------------------------------

        @rule(
            customer=st.sampled_from(["C1", "C2"]),
            item=st.sampled_from(["FG", "RM", "SV"]),
            qty=st.integers(1, 20),
            price=st.integers(100, 90_000),
        )
        def sales_order(self, customer: str, item: str, qty: int, price: int) -> None:
            so = sales.create_order(
                self.u(),
                self.company,
                customer=customer,
                day=self.day,
                lines=[{"item": item, "qty": str(qty), "unit_price": str(Decimal(price).scaleb(-2))}],
            )
            self.sales_orders.append(so["id"])
            if item != "SV":
                self.stock_orders.append(so["id"])

        @rule(
            customer=st.sampled_from(["C1", "C2"]),
            item=st.sampled_from(["FG", "FG", "RM", "SV"]),
            qty=st.integers(1, 6),
            price=st.integers(1_000, 90_000),
            stages=st.integers(1, 4),
        )
        def sell(self, customer: str, item: str, qty: int, price: int, stages: int) -> None:
            """Order, then as far as ``stages`` goes: deliver, invoice, receive part of the money."""
            so = sales.create_order(
                self.u(),
                self.company,
                customer=customer,
                day=self.day,
                lines=[{"item": item, "qty": str(qty), "unit_price": str(Decimal(price).scaleb(-2))}],
            )
            self.sales_orders.append(so["id"])
            if item != "SV":
                self.stock_orders.append(so["id"])
            if stages < 2:
                return
            dn = self.refused_or_done(
                "deliver",
                lambda: sales.create_delivery(
                    self.u(), self.company, order_id=so["id"], day=self.day, warehouse="W1"
                ),
            )
            if dn is None or stages < 3:
                return
            self.deliveries.append(dn["id"])
            inv = sales.create_invoice(
                self.u(), self.company, customer=customer, day=self.day, orders=[so["id"]]
            )
            self.invoices.append(inv)
            event("sell: invoiced")
            if stages == 4:
                sales.create_receipt(
                    self.u(),
                    self.company,
                    customer=customer,
                    day=self.day,
                    amount=(Decimal(inv["total"]) / 2).quantize(Decimal("0.01")),
                    invoice_id=inv["id"],
                )
                event("sell: received")

        @precondition(lambda self: bool(self.sales_orders))
        @rule(data=st.data(), mode=MODES)
        def deliver(self, data: st.DataObject, mode: str) -> None:
            order, qty = self._choose(
                data,
                mode,
                self.sales_orders,
                lambda o: _remaining(sales.get_order(self.u(), self.company, o), "qty", "delivered"),
            )
            out = self.refused_or_done(
                "deliver",
                lambda: sales.create_delivery(
                    self.u(),
                    self.company,
                    order_id=order,
                    day=self.day,
                    warehouse="W1",
                    lines=[(1, str(qty))],
                ),
            )
            if out is not None:
                self.deliveries.append(out["id"])

        @precondition(lambda self: bool(self.sales_orders))
        @rule(data=st.data(), mode=MODES)
        def invoice(self, data: st.DataObject, mode: str) -> None:
            order, qty = self._choose(
                data,
                mode,
                self.sales_orders,
                lambda o: _remaining(sales.get_order(self.u(), self.company, o), "delivered", "invoiced"),
            )
            view = sales.get_order(self.u(), self.company, order)
            out = self.refused_or_done(
                "invoice",
                lambda: sales.create_invoice(
                    self.u(),
                    self.company,
                    customer=view["customer"],
                    day=self.day,
                    lines=[(order, 1, str(qty))],
                ),
            )
            if out is not None:
                self.invoices.append(out)

        @precondition(lambda self: bool(self.invoices))
        @rule(data=st.data(), mode=MODES)
        def receive_payment(self, data: st.DataObject, mode: str) -> None:
            inv = data.draw(st.sampled_from(self.invoices))
            view = sales.get_invoice(self.u(), self.company, inv["id"])
            amount = _pick_amount(data, mode, Decimal(view["open"]))
            self.refused_or_done(
                "receive_payment",
                lambda: sales.create_receipt(
                    self.u(),
                    self.company,
                    customer=inv["customer"],
                    day=self.day,
                    amount=amount,
                    invoice_id=inv["id"],
                ),
            )

        @precondition(lambda self: returns is not None and bool(self.deliveries))
        @rule(data=st.data(), qty=st.integers(1, 5))
        def sales_return(self, data: st.DataObject, qty: int) -> None:
            delivery = data.draw(st.sampled_from(self.deliveries))
            self.refused_or_done(
                "return",
                lambda: returns.create_return(
                    self.u(), self.company, delivery_id=delivery, day=self.day, lines=[(1, str(qty))]
                ),
            )

        @precondition(lambda self: returns is not None and bool(self.invoices))
        @rule(data=st.data(), qty=st.integers(1, 5))
        def credit_note(self, data: st.DataObject, qty: int) -> None:
            inv = data.draw(st.sampled_from(self.invoices))
            self.refused_or_done(
                "return",
                lambda: returns.create_credit_note(
                    self.u(), self.company, invoice_id=inv["id"], day=self.day, lines=[(1, str(qty))]
                ),
            )

        # --- production ------------------------------------------------------------------------

        @precondition(lambda self: production is not None)
        @rule(qty=st.integers(1, 3), labour=st.integers(0, 100_000))
        def produce(self, qty: int, labour: int) -> None:
            """A work order: issue its materials, collect labour, receive and close — or refused
            at the issue for want of raw material (the order itself stays, released)."""
            wo = production.create_work_order(self.u(), self.company, item="FG", qty=str(qty), day=self.day)
            issued = self.refused_or_done(
                "produce",
                lambda: production.issue_materials(
                    self.u(), self.company, order_id=wo["id"], day=self.day, warehouse="W1"
                ),
            )
            if issued is None:
                return
            if labour:
                production.collect_cost(
                    self.u(),
                    self.company,
                    order_id=wo["id"],
                    day=self.day,
                    kind="labour",
                    amount=Decimal(labour).scaleb(-2),
                )
            production.receive_finished(
                self.u(), self.company, order_id=wo["id"], day=self.day, warehouse="W1", qty=str(qty)
            )
            production.close_work_order(self.u(), self.company, order_id=wo["id"], day=self.day)

        # --- the books hold after every step ---------------------------------------------------

        @invariant()
        def books_hold(self) -> None:
            problems = run_checks(self.u(), self.company)
            assert problems == [], [p.message for p in problems]
            first, last = "2025-01", str(Period.of(self.day))
            rows = reports.trial_balance(self.u(), self.company, first, last)
            totals = reports.trial_balance_totals(rows)
            assert totals["closing_debit"] == totals["closing_credit"], totals
            assert totals["period_debit"] == totals["period_credit"], totals
            assert _untraced(db, self.company) == []

    return Books


def _run(db: Database, examples: int, steps: int) -> None:
    run_state_machine_as_test(
        machine_for(db),
        settings=settings(
            max_examples=examples,
            stateful_step_count=steps,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=False,
            database=None,
        ),
    )


def test_documents_keep_the_books_sqlite(sqlite_db: Database) -> None:
    _run(sqlite_db, examples=10, steps=25)


def test_documents_keep_the_books_postgres(pg_db: Database) -> None:
    _run(pg_db, examples=3, steps=12)


def test_service_delivery_into_a_closed_period_is_refused(sqlite_db: Database) -> None:
    actor = admin_actor(sqlite_db)
    c = new_code("SM")
    u = lambda: UnitOfWork(sqlite_db, actor)  # noqa: E731
    ledger.create_company(u(), code=c, name="关账公司", start="2025-01")
    md.create_warehouse(u(), c, code="W1", name="仓库")
    md.create_party(u(), c, "customer", code="C1", name="客户")
    md.create_item(u(), c, code="SV", name="安装", category="服务", kind="service", tax_rate="0.06")
    closing.close_period(u(), c, "2025-01")
    so = sales.create_order(
        u(), c, customer="C1", day=date(2025, 2, 3), lines=[{"item": "SV", "qty": "1", "unit_price": "100"}]
    )
    with pytest.raises(PeriodClosed):
        sales.create_delivery(u(), c, order_id=so["id"], day=date(2025, 1, 31), warehouse="W1")


@pytest.mark.parametrize("action", sorted(REFUSALS))
def test_every_refusal_is_a_named_error(action: str) -> None:
    assert all(issubclass(e, YecaiError) and e.code != "error" for e in REFUSALS[action])
