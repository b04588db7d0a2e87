"""The demo company: a small pump maker's year of business, every document through the services.

``load(db, actor, company="DEMO", year=2025, seed=7)`` creates the company and its master data
(``yecai.demo.catalogue``), then simulates the year day by day: customers order, the warehouse
delivers what is on hand (partially when an order has waited), sales invoices follow (one
invoice may cover several orders), customers pay 30–90 days later (some late, a few beyond the
year end); a weekly plan releases work orders for what is short and buys the raw materials they
need (orders, goods receipts, vendor bills, a monthly payment run per supplier); work orders
issue materials, collect labour and overhead and receive finished goods; a few deliveries come
back (sales return and red credit note); finished goods are transferred to the southern
warehouse; employees hand in expense claims (报销), approved by someone else and paid by bank; the
landlord bills the month's rent (租赁费) and the last month's utilities (水电费) without a purchase
order, paid in the payment run. The only manual vouchers are the opening capital, depreciation, payroll accrual and
payment, the VAT transfer (转出未交增值税) and its payment, and bank fees. Months are closed
through ``close_through`` (November by default).

Deterministic for a seed: the same seed gives the same documents, numbers and amounts. Each day's
documents are one transaction (the services join it), which keeps the load fast.
"""

from __future__ import annotations

import heapq
import importlib
import itertools
import math
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from yecai.core.money import to_minor
from yecai.core.periods import Period
from yecai.demo import catalogue
from yecai.demo.catalogue import FG_WH, RAW_WH, SOUTH_WH, Catalogue, ItemSpec, Party
from yecai.ledger import closing, reports
from yecai.ledger import service as ledger
from yecai.ledger.domain import LineDraft, VoucherDraft
from yecai.masterdata import service as md
from yecai.purchasing import service as purchasing
from yecai.sales import service as sales
from yecai.store.db import Database
from yecai.store.uow import Actor, UnitOfWork

E4 = 10_000
ORDERS_PER_MONTH = 11
SEASON = (0.8, 0.6, 1.1, 1.15, 1.15, 1.1, 1.0, 0.95, 1.05, 1.0, 1.1, 1.15)  # 春节 in February
RETURN_SHARE = 0.05
INSTALMENT_SHARE = 0.12
PARTIAL_AFTER_DAYS = 10
# expense claims: (category, amount range in yuan)
EXPENSES = (
    ("差旅费", 300, 4_800),
    ("差旅费", 300, 4_800),
    ("业务招待费", 400, 3_000),
    ("办公费", 100, 1_500),
    ("运输费", 200, 2_500),
)
# The landlord of the plant bills rent and utilities without a purchase order (bills of expense lines).
LANDLORD = Party(
    code="S900",
    name="苏州工业园区厂房物业管理有限公司",
    tax_id="",
    bank_name="",
    bank_account="",
    group="服务",
    credit_days=15,
)
RENT_NET = "36000.00"  # 租赁费 a month, 9 % VAT
UTILITIES_NET = ("16800.00", "15200.00", "17400.00", "19600.00")  # 水电费 of the last month, 13 % VAT
UNITS_PER_LINE = 15.0  # about what an order line asks for
MONTHS_PER_BATCH = 3.0  # a work order makes about three months of a good seller
MONTHS_PER_PURCHASE = 3.5
PURCHASE_CYCLE_WEEKS = 6


def _optional(module: str) -> Any:
    """A document package the demo can do without (production, expenses, returns, transfers):
    without production, finished goods are bought from a subcontractor (委外); without expenses,
    there are no claims."""
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


def _fen(text: str | Decimal) -> int:
    return to_minor(Decimal(str(text)))


def _yuan(fen: int) -> str:
    return str(Decimal(fen).scaleb(-2))


def _qty(e4: int) -> str:
    return str(Decimal(e4).scaleb(-4).normalize())


@dataclass
class OrderLine:
    line_no: int
    item: str
    qty_e4: int
    delivered_e4: int = 0


@dataclass
class Order:
    id: int
    customer: Party
    day: date
    total_fen: int
    lines: list[OrderLine]
    invoiced: bool = False
    deliveries: list[tuple[int, str, list[tuple[int, int, str, int]]]] = field(default_factory=list)

    @property
    def open_lines(self) -> list[OrderLine]:
        return [ln for ln in self.lines if ln.delivered_e4 < ln.qty_e4]


@dataclass
class Invoice:
    id: int
    customer: Party
    day: date
    total_fen: int
    lines: list[dict[str, Any]]
    orders: list[Order]
    received_fen: int = 0
    credited_fen: int = 0

    @property
    def open_fen(self) -> int:
        return self.total_fen - self.received_fen - self.credited_fen


@dataclass
class Bill:
    id: int
    supplier: Party
    day: date
    total_fen: int
    paid: bool = False


@dataclass
class Stats:
    documents: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    manual_vouchers: int = 0
    closed: list[str] = field(default_factory=list)


class Simulation:
    def __init__(
        self,
        db: Database,
        actor: Actor,
        company: str,
        name: str,
        year: int,
        seed: int,
        close_through: int,
        progress: Callable[[int, int], None] | None,
        months: int = 12,
    ) -> None:
        self.db, self.actor, self.company, self.name = db, actor, company, name
        self.year, self.close_through, self.progress = year, close_through, progress
        self.rnd = random.Random(seed)
        self.cat: Catalogue = catalogue.build(seed)
        self.stats = Stats()
        self.production = _optional("yecai.production.service")
        self.returns = _optional("yecai.sales.returns")
        self.expenses = _optional("yecai.expenses.service")
        self.transfers = _optional("yecai.inventory.documents")
        self.end = Period(year, months).last_day
        self._current = date(year, 1, 1)
        self._heap: list[tuple[date, int, int, Callable[[], None]]] = []
        self._seq = itertools.count()
        self.u: UnitOfWork | None = None
        # what the simulation knows of the books, in units of 0.0001 and fen
        self.stock: dict[tuple[str, str], int] = defaultdict(int)
        self.on_order: dict[str, int] = defaultdict(int)  # raw materials ordered, not received
        self.reserved: dict[str, int] = defaultdict(int)  # released work orders, not issued
        self.in_production: dict[str, int] = defaultdict(int)
        self.backlog: dict[str, int] = defaultdict(int)  # ordered by customers, not delivered
        self.exposure: dict[str, int] = defaultdict(int)  # open orders + receivables, fen
        self.to_invoice: dict[str, list[Order]] = defaultdict(list)
        self.bills: list[Bill] = []
        self.usual_fen: dict[str, int] = {}  # a customer's usual invoice (running mean)
        self.unbilled: dict[str, list[int]] = defaultdict(list)  # received purchase orders
        self.monthly_fg, self.monthly_rm = self._expected_demand()

    # --- the day loop ---------------------------------------------------------------------------

    def at(self, day: date, prio: int, fn: Callable[[], None]) -> None:
        """Schedule ``fn`` on ``day`` (dropped after the year end); lower prio runs first."""
        if day <= self.end:
            heapq.heappush(self._heap, (day, prio, next(self._seq), fn))

    def call(self, doc_type: str, fn: Callable[..., Any], /, *args: Any, **kw: Any) -> Any:
        """One service call inside the day's transaction (the service's own ``with uow`` joins)."""
        assert self.u is not None
        out = fn(self.u, self.company, *args, **kw)
        self.u.session.flush()
        self.stats.documents[doc_type] += 1
        return out

    def run(self) -> dict[str, Any]:
        self._setup()
        first = date(self.year, 1, 2)
        day = first
        while day <= self.end:
            if day.weekday() < 5:
                self.at(day, 5, lambda d=day: self._new_orders(d))
                if day.weekday() == 0 or day == first:
                    self.at(day, 1, lambda d=day: self._plan(d))
                if day.day <= 7 and day.weekday() == 2:
                    self.at(day, 2, lambda d=day: self._transfer(d))
                if self.expenses is not None and day.weekday() == 3:
                    self.at(day, 8, lambda d=day: self._expense_claims(d))
            last = Period.of(day).last_day
            if day == last:
                self.at(day, 20, lambda d=day: self._month_end(d))
            if day == self._workday(date(day.year, day.month, 3)) or day == self.end:
                self.at(day, 1, lambda d=day: self._bills(d))
            if day == self._workday(date(day.year, day.month, 5)):
                self.at(day, 1, lambda d=day: self._landlord_bill(d))
            if day.day == 25 or day == self.end:
                self.at(day, 9, lambda d=day: self._payment_run(d))
            day += timedelta(days=1)
        self._opening(first)
        total_days = (self.end - first).days + 1
        current: date | None = None
        while self._heap:
            day = self._heap[0][0]
            if day != current:
                self._commit()
                if current is not None and current.month != day.month:
                    self._close(current)
                current = day
                self._begin()
                if self.progress:
                    self.progress((day - first).days, total_days)
            _, _, _, fn = heapq.heappop(self._heap)
            self._current = day
            fn()
        self._commit()
        if current is not None:
            self._close(current)
        if self.progress:
            self.progress(total_days, total_days)
        return {
            "documents": sum(self.stats.documents.values()),
            "by_type": dict(sorted(self.stats.documents.items())),
            "manual_vouchers": self.stats.manual_vouchers,
            "closed": self.stats.closed,
        }

    def _begin(self) -> None:
        self.u = UnitOfWork(self.db, self.actor)
        self.u.__enter__()

    def _commit(self) -> None:
        if self.u is not None:
            try:
                self.u.commit()
            finally:
                self.u.__exit__(None, None, None)
                self.u = None

    def _close(self, day: date) -> None:
        p = Period.of(day)
        if p.month <= self.close_through:
            closing.close_period(UnitOfWork(self.db, self.actor), self.company, str(p))
            self.stats.closed.append(str(p))

    # --- master data ----------------------------------------------------------------------------

    def _setup(self) -> None:
        u = lambda: UnitOfWork(self.db, self.actor)  # noqa: E731
        ledger.create_company(u(), code=self.company, name=self.name, start=f"{self.year}-01")
        with u() as w:  # one transaction for the master data
            for code, name in catalogue.WAREHOUSES:
                md.create_warehouse(w, self.company, code=code, name=name)
            for kind, parties in (("customer", self.cat.customers), ("supplier", self.cat.suppliers)):
                for p in parties:
                    md.create_party(
                        w,
                        self.company,
                        kind,
                        code=p.code,
                        name=p.name,
                        tax_id=p.tax_id,
                        bank_name=p.bank_name,
                        bank_account=p.bank_account,
                        group=p.group,
                        credit_days=p.credit_days,
                        credit_limit=_yuan(p.credit_limit_fen),
                    )
            for it in self.cat.items.values():
                md.create_item(
                    w,
                    self.company,
                    code=it.code,
                    name=it.name,
                    spec=it.spec,
                    unit=it.unit,
                    category=it.category,
                    tax_rate=it.tax_rate,
                    kind=it.kind,
                )
            md.create_party(
                w,
                self.company,
                "supplier",
                code=LANDLORD.code,
                name=LANDLORD.name,
                group=LANDLORD.group,
                credit_days=LANDLORD.credit_days,
            )
            w.session.flush()
            ledger.add_dimension_values(
                w,
                self.company,
                [("department", c, n) for c, n, _k in catalogue.DEPARTMENTS]
                + [("employee", c, n) for c, n, _d in catalogue.EMPLOYEES],
            )
            if self.expenses is not None:
                w.session.flush()
                for code, _name, kind in catalogue.DEPARTMENTS:
                    if kind in ("sales", "admin"):
                        self.expenses.set_department_kind(w, self.company, code, kind)
            if self.production is not None:
                for it in self.cat.of("库存商品"):
                    self.production.create_bom(
                        w,
                        self.company,
                        item=it.code,
                        lines=[{"item": c, "qty_per": str(q)} for c, q in it.bom],
                    )
            w.commit()

    def _expected_demand(self) -> tuple[dict[str, float], dict[str, float]]:
        """Units per month each finished good and raw material is expected to need."""
        goods = self.cat.of("库存商品")
        weights = sum(g.weight for g in goods)
        lines_per_month = ORDERS_PER_MONTH * 1.7
        fg = {g.code: lines_per_month * UNITS_PER_LINE * g.weight / weights for g in goods}
        rm: dict[str, float] = defaultdict(float)
        for g in goods:
            for c, q in g.bom:
                rm[c] += fg[g.code] * float(q)
        return fg, dict(rm)

    # --- manual vouchers ------------------------------------------------------------------------

    def _voucher(self, day: date, word: str, lines: list[tuple[str, str, int, int, dict[str, str]]]) -> None:
        drafts = tuple(
            LineDraft(
                summary=s,
                account_code=a,
                debit=Decimal(d).scaleb(-2),
                credit=Decimal(c).scaleb(-2),
                dims=dims,
            )
            for s, a, d, c, dims in lines
        )
        assert self.u is not None
        ledger.create_voucher(
            self.u, self.company, VoucherDraft(date=day, lines=drafts, word=word), post=True
        )
        self.u.session.flush()
        self.stats.manual_vouchers += 1

    def _opening(self, day: date) -> None:
        self._begin()
        self._voucher(
            day,
            "收",
            [
                ("股东投入资本 银行存款", "100201", 600_000_000, 0, {}),
                ("股东以设备出资", "1601", 240_000_000, 0, {}),
                ("实收资本", "4001", 0, 840_000_000, {}),
            ],
        )
        self._commit()

    def _balance(self, account: str, on: date) -> int:
        assert self.u is not None
        return reports.account_balance_at(self.u, self.company, account, on)

    def _month_end(self, day: date) -> None:
        nxt = day + timedelta(days=1)
        # 折旧: equipment over ten years, mostly in the factory (制造费用)
        self._voucher(
            day,
            "转",
            [
                ("计提本月折旧 生产设备", "5101", 1_600_000, 0, {}),
                ("计提本月折旧 办公设备", "660205", 400_000, 0, {"department": "D01"}),
                ("计提本月折旧", "1602", 0, 2_000_000, {}),
            ],
        )
        # 工资: office and sales payroll; production wages were charged to work orders
        payroll = [
            (d, int(amt * self.rnd.uniform(0.97, 1.04)) // 100 * 100)
            for d, amt in catalogue.PAYROLL_FEN.items()
        ]
        self._voucher(
            day,
            "转",
            [
                (f"计提{day.month}月工资", "660101" if d == "D03" else "660201", amt, 0, {"department": d})
                for d, amt in payroll
            ]
            + [(f"计提{day.month}月工资", "221101", 0, sum(a for _d, a in payroll), {})],
        )
        wages = -self._balance("221101", day)
        if wages > 0:
            self.at(self._workday(date(nxt.year, nxt.month, 10)), 9, lambda: self._pay_wages(wages, day))
        fee = self.rnd.randint(80, 400) * 100
        self._voucher(day, "付", [("银行手续费", "660304", fee, 0, {}), ("银行手续费", "100201", 0, fee, {})])
        # 转出未交增值税: what 应交增值税 owes at the month end moves to 未交增值税, paid next month
        vat = -self._balance("222101", day)
        if vat > 0:
            self._voucher(
                day,
                "转",
                [
                    (f"转出{day.month}月未交增值税", "22210104", vat, 0, {}),
                    (f"转出{day.month}月未交增值税", "222102", 0, vat, {}),
                ],
            )
            self.at(self._workday(date(nxt.year, nxt.month, 15)), 9, lambda: self._pay_vat(vat, day))

    def _pay_wages(self, amount: int, month_end: date) -> None:
        summary = f"发放{month_end.month}月工资"
        self._voucher(
            self._today(), "付", [(summary, "221101", amount, 0, {}), (summary, "100201", 0, amount, {})]
        )

    def _pay_vat(self, amount: int, month_end: date) -> None:
        summary = f"缴纳{month_end.month}月增值税"
        self._voucher(
            self._today(), "付", [(summary, "222102", amount, 0, {}), (summary, "100201", 0, amount, {})]
        )

    def _today(self) -> date:
        return self._current

    def _workday(self, day: date) -> date:
        while day.weekday() >= 5:
            day += timedelta(days=1)
        return day

    def _after(self, day: date, lo: int, hi: int) -> date:
        return self._workday(day + timedelta(days=self.rnd.randint(lo, hi)))

    # --- sales ----------------------------------------------------------------------------------

    def _new_orders(self, day: date) -> None:
        self._current = day
        mean = ORDERS_PER_MONTH * SEASON[day.month - 1] / 21.5
        n = sum(1 for _ in range(3) if self.rnd.random() < mean / 3 * 1.0)
        for _ in range(n):
            self._order(day)

    def _order(self, day: date) -> None:
        rnd = self.rnd
        cust = rnd.choices(self.cat.customers, weights=[c.weight for c in self.cat.customers])[0]
        goods = self.cat.of("库存商品")
        picked: list[ItemSpec] = []
        for _ in range(rnd.choice((1, 1, 2, 2, 3))):
            g = rnd.choices(goods, weights=[g.weight for g in goods])[0]
            if g not in picked:
                picked.append(g)
        big = cust.group == "重点客户"
        discount = rnd.uniform(0.92, 0.97) if big else rnd.uniform(0.96, 1.0) if cust.weight > 1 else 1.0
        lines = [
            {
                "item": g.code,
                "qty": str(rnd.randint(6, 40) if big else rnd.randint(2, 20)),
                "unit_price": _yuan(int(g.price_fen * discount)),
            }
            for g in picked
        ]
        if rnd.random() < 0.35:
            services = self.cat.of("服务")
            sv = rnd.choices(services, weights=[s.weight for s in services])[0]
            lines.append({"item": sv.code, "qty": "1", "unit_price": _yuan(sv.price_fen)})
        total = sum(
            int(
                Decimal(ln["qty"])
                * Decimal(ln["unit_price"])
                * 100
                * (1 + Decimal(self.cat.items[ln["item"]].tax_rate))
            )
            for ln in lines
        )
        if self.exposure[cust.code] + total > cust.credit_limit_fen * 97 // 100:
            return  # over the credit limit: the sale is lost
        view = self.call(
            "sales_order",
            sales.create_order,
            customer=cust.code,
            day=day,
            lines=lines,
            prices_include_tax=False,
        )
        self.exposure[cust.code] += _fen(view["total"])
        order = Order(
            id=view["id"],
            customer=cust,
            day=day,
            total_fen=_fen(view["total"]),
            lines=[
                OrderLine(ln["line_no"], ln["item"], int(Decimal(ln["qty"]) * E4)) for ln in view["lines"]
            ],
        )
        for ln in order.lines:
            if self.cat.items[ln.item].kind == "stock":
                self.backlog[ln.item] += ln.qty_e4
        self.at(self._after(day, 2, 6), 6, lambda: self._deliver(order))

    def _deliver(self, order: Order) -> None:
        day = self._today()
        south = order.customer.south and all(
            self.stock[(ln.item, SOUTH_WH)] >= ln.qty_e4 - ln.delivered_e4
            for ln in order.open_lines
            if self.cat.items[ln.item].kind == "stock"
        )
        wh = SOUTH_WH if south else FG_WH
        wanted: list[tuple[OrderLine, int]] = []
        complete = True
        for ln in order.open_lines:
            need = ln.qty_e4 - ln.delivered_e4
            if self.cat.items[ln.item].kind == "service":
                wanted.append((ln, need))
                continue
            have = min(need, self.stock[(ln.item, wh)])
            complete = complete and have == need
            if have > 0:
                wanted.append((ln, have))
        waited = (day - order.day).days
        if not complete and (
            waited < PARTIAL_AFTER_DAYS
            or not any(self.cat.items[ln.item].kind == "stock" for ln, _q in wanted)
        ):
            self.at(self._after(day, 2, 3), 6, lambda: self._deliver(order))
            return
        view = self.call(
            "sales_delivery",
            sales.create_delivery,
            order_id=order.id,
            day=day,
            warehouse=wh,
            lines=[(ln.line_no, _qty(q)) for ln, q in wanted],
        )
        for ln, q in wanted:
            ln.delivered_e4 += q
            if self.cat.items[ln.item].kind == "stock":
                self.stock[(ln.item, wh)] -= q
                self.backlog[ln.item] -= q
        order.deliveries.append(
            (
                view["id"],
                wh,
                [
                    (d["line_no"], d["order_line"], d["item"], int(Decimal(d["qty"]) * E4))
                    for d in view["lines"]
                ],
            )
        )
        if order not in self.to_invoice[order.customer.code]:
            self.to_invoice[order.customer.code].append(order)
        if order.customer.group == "重点客户":  # 月结: one invoice a month over its deliveries
            self.at(Period.of(day).last_day, 7, lambda: self._invoice(order.customer))
        else:
            self.at(day, 7, lambda: self._invoice(order.customer))  # 开票随货
        if order.open_lines:
            self.at(self._after(day, 3, 6), 6, lambda: self._deliver(order))

    def _invoice(self, cust: Party) -> None:
        orders = self.to_invoice.pop(cust.code, [])
        if not orders:
            return
        day = self._today()
        view = self.call(
            "sales_invoice",
            sales.create_invoice,
            customer=cust.code,
            day=day,
            orders=[o.id for o in orders],
        )
        inv = Invoice(view["id"], cust, day, _fen(view["total"]), view["lines"], orders)
        # the order's open part became a receivable: exposure stays, up to rounding
        returned = self.returns is not None and self.rnd.random() < RETURN_SHARE
        if returned:
            self.at(self._after(day, 4, 12), 8, lambda: self._return(inv))
        due = day + timedelta(days=cust.credit_days)
        lo, hi = cust.pays_late_days
        slip = self._payment_slip(cust, due, inv.total_fen, returned)
        if self.rnd.random() < INSTALMENT_SHARE:
            self.at(
                self._after(due, lo - 20 + slip, hi - 20 + slip), 9, lambda: self._receive(inv, half=True)
            )
        self.at(self._after(due, lo + slip, hi + slip), 9, lambda: self._receive(inv))

    def _payment_slip(self, cust: Party, due: date, total_fen: int, disputed: bool) -> int:
        """Days a payment slips beyond the customer's habit, so that lateness has causes a model
        can learn (no random draw, so the rest of the simulation keeps its stream): a few
        customers pay slower month by month, payments due around 春节 wait until after it, an
        invoice far above the customer's usual waits for approval, a disputed one (goods sent
        back) waits for its credit note."""
        slip = 0
        if int(cust.code[1:]) % 7 == 3:  # C003, C010, C017 …: slowing down through the year
            slip += 4 * (due.month - 1) if due.year == self.year else 44
        if date(due.year, 1, 20) <= due <= date(due.year, 2, 20):
            slip += 12
        usual = self.usual_fen.get(cust.code)
        if usual and total_fen > 2 * usual:
            slip += 10
        if disputed:
            slip += 15
        self.usual_fen[cust.code] = total_fen if usual is None else (usual * 3 + total_fen) // 4
        return slip

    def _return(self, inv: Invoice) -> None:
        """A customer sends back one unit (quality complaint): 销售退货 and a red credit note."""
        day = self._today()
        for line in inv.lines:
            item = self.cat.items[line["item"]]
            if item.kind != "stock":
                continue
            order = next(o for o in inv.orders if any(ln.item == item.code for ln in o.lines))
            if order.open_lines or order in self.to_invoice.get(order.customer.code, []):
                continue  # only orders delivered and invoiced in full (a return reopens the line)
            for delivery_id, wh, dlines in order.deliveries:
                for dl_no, _ol, code, qty in dlines:
                    if code == item.code and qty >= E4:
                        self.call(
                            "sales_return",
                            self.returns.create_return,
                            delivery_id=delivery_id,
                            day=day,
                            lines=[(dl_no, "1")],
                            reason="质量问题退货",
                        )
                        self.stock[(code, wh)] += E4
                        note = self.call(
                            "sales_credit_note",
                            self.returns.create_credit_note,
                            invoice_id=inv.id,
                            day=day,
                            lines=[(line["line_no"], "1")],
                            reason="退货开具红字发票",
                        )
                        credited = _fen(note["total"])
                        inv.credited_fen += credited
                        self.exposure[inv.customer.code] -= credited
                        return
        return

    def _receive(self, inv: Invoice, *, half: bool = False) -> None:
        amount = inv.open_fen
        if half:
            amount = amount // 2 // 100 * 100
        if amount <= 0:
            return
        self.call(
            "sales_receipt",
            sales.create_receipt,
            customer=inv.customer.code,
            day=self._today(),
            amount=_yuan(amount),
            invoice_id=inv.id,
        )
        inv.received_fen += amount
        self.exposure[inv.customer.code] -= amount

    # --- planning, purchasing and production ----------------------------------------------------

    def _plan(self, day: date) -> None:
        """Weekly plan: work orders for finished goods short of their reorder point (make to order
        for the slow sellers), then, supplier by supplier every four weeks (or at once when a
        released work order waits), purchase orders for raw materials short of theirs."""
        for it in self.cat.of("库存商品"):
            monthly = self.monthly_fg[it.code]
            on_hand = self.stock[(it.code, FG_WH)] + self.stock[(it.code, SOUTH_WH)]
            projected = on_hand + self.in_production[it.code] - self.backlog[it.code]
            if monthly >= 2.0:
                if projected >= int(monthly * 0.8) * E4:
                    continue
                qty = max(int(math.ceil(monthly * MONTHS_PER_BATCH)) * E4 - projected, 5 * E4)
            elif projected < 0:  # a slow seller is made when ordered, with some to spare
                qty = -projected + max(3, int(math.ceil(monthly * 6))) * E4
            else:
                continue
            self._work_order(day, it, int(math.ceil(qty / E4)) * E4)
        week = day.isocalendar()[1]
        by_supplier: dict[str, list[dict[str, str]]] = defaultdict(list)
        for it in self.cat.of("原材料"):
            monthly = self.monthly_rm.get(it.code, 0.0)
            projected = self.stock[(it.code, RAW_WH)] + self.on_order[it.code] - self.reserved[it.code]
            turn = week % PURCHASE_CYCLE_WEEKS == int(it.supplier[1:]) % PURCHASE_CYCLE_WEEKS
            if projected >= 0 and not (turn and projected < monthly * 1.5 * E4):
                continue
            qty = int(math.ceil((monthly * MONTHS_PER_PURCHASE * E4 - projected) / E4)) * E4
            price = it.cost_fen * self.rnd.randint(97, 104) // 100
            by_supplier[it.supplier].append({"item": it.code, "qty": _qty(qty), "unit_price": _yuan(price)})
        for sup, lines in sorted(by_supplier.items()):
            view = self.call(
                "purchase_order",
                purchasing.create_order,
                supplier=sup,
                day=day,
                lines=lines,
                prices_include_tax=False,
            )
            for ln in lines:
                self.on_order[ln["item"]] += int(Decimal(ln["qty"]) * E4)
            self.at(self._after(day, 1, 3), 0, lambda v=view, ls=lines: self._goods_receipt(v, ls))

    def _goods_receipt(self, po: dict[str, Any], lines: list[dict[str, str]]) -> None:
        day = self._today()
        self.call("purchase_receipt", purchasing.create_receipt, order_id=po["id"], day=day, warehouse=RAW_WH)
        for ln in lines:
            q = int(Decimal(ln["qty"]) * E4)
            self.on_order[ln["item"]] -= q
            self.stock[(ln["item"], RAW_WH)] += q
        self.unbilled[po["supplier"]].append(po["id"])

    def _bills(self, day: date) -> None:
        """采购发票: each supplier invoices the month's receipts once, a few days after the month end."""
        for code, orders in sorted(self.unbilled.items()):
            if not orders:
                continue
            view = self.call(
                "vendor_bill",
                purchasing.create_bill,
                supplier=code,
                day=day,
                orders=orders,
                invoice_no=f"{self.rnd.randint(10_000_000, 99_999_999)}",
            )
            supplier = next(s for s in self.cat.suppliers if s.code == code)
            self.bills.append(Bill(view["id"], supplier, day, _fen(view["total"])))
        self.unbilled.clear()

    def _landlord_bill(self, day: date) -> None:
        """采购发票 without an order: the month's rent and, from February, last month's utilities,
        charged to the general office (no random draw, so the rest of the year is unchanged)."""
        lines = [
            {
                "category": "租赁费",
                "department": "D01",
                "net": RENT_NET,
                "tax_code": "IN9",
                "description": f"{day.month}月厂房租金",
            }
        ]
        if day.month > 1:
            lines.append(
                {
                    "category": "水电费",
                    "department": "D01",
                    "net": UTILITIES_NET[day.month % len(UTILITIES_NET)],
                    "tax_code": "IN13",
                    "description": f"{day.month - 1}月水电费",
                }
            )
        view = self.call(
            "vendor_bill",
            purchasing.create_bill,
            supplier=LANDLORD.code,
            day=day,
            lines=lines,
            invoice_no=f"{day.year}{day.month:02d}0900",
        )
        self.bills.append(Bill(view["id"], LANDLORD, day, _fen(view["total"])))

    def _payment_run(self, day: date) -> None:
        """付款: on the 25th, each supplier is paid the bills falling due within a week."""
        due: dict[str, list[Bill]] = defaultdict(list)
        for b in self.bills:
            if not b.paid and b.day + timedelta(days=b.supplier.credit_days) <= day + timedelta(days=10):
                due[b.supplier.code].append(b)
        for sup, bills in sorted(due.items()):
            self.call(
                "purchase_payment",
                purchasing.create_payment,
                supplier=sup,
                day=self._workday_back(day),
                amount=_yuan(sum(b.total_fen for b in bills)),
            )
            for b in bills:
                b.paid = True

    def _workday_back(self, day: date) -> date:
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        return day

    def _work_order(self, day: date, it: ItemSpec, qty_e4: int) -> None:
        self.in_production[it.code] += qty_e4
        needs = {c: int(qty_e4 * q) for c, q in it.bom}
        for c, q in needs.items():
            self.reserved[c] += q
        if self.production is None:  # no production package yet: made by a subcontractor (委外)
            view = self.call(
                "purchase_order",
                purchasing.create_order,
                supplier="S013",
                day=day,
                lines=[{"item": it.code, "qty": _qty(qty_e4), "unit_price": _yuan(it.cost_fen)}],
                prices_include_tax=False,
            )
            self.at(self._after(day, 5, 8), 3, lambda: self._subcontracted(view, it, qty_e4, needs))
            return
        view = self.call(
            "work_order", self.production.create_work_order, item=it.code, qty=_qty(qty_e4), day=day
        )
        self.at(self._after(day, 2, 3), 3, lambda: self._issue(view, it, qty_e4, needs))

    def _subcontracted(self, po: dict[str, Any], it: ItemSpec, qty_e4: int, needs: dict[str, int]) -> None:
        day = self._today()
        for c, q in needs.items():
            self.reserved[c] -= q
        self.call("purchase_receipt", purchasing.create_receipt, order_id=po["id"], day=day, warehouse=FG_WH)
        self.in_production[it.code] -= qty_e4
        self.stock[(it.code, FG_WH)] += qty_e4
        self.unbilled["S013"].append(po["id"])

    def _issue(self, wo: dict[str, Any], it: ItemSpec, qty_e4: int, needs: dict[str, int]) -> None:
        day = self._today()
        if any(self.stock[(c, RAW_WH)] < q for c, q in needs.items()):
            self.at(self._after(day, 1, 2), 3, lambda: self._issue(wo, it, qty_e4, needs))
            return
        assert self.production is not None
        self.call(
            "production_issue", self.production.issue_materials, order_id=wo["id"], day=day, warehouse=RAW_WH
        )
        for c, q in needs.items():
            self.reserved[c] -= q
            self.stock[(c, RAW_WH)] -= q
        self.at(self._after(day, 1, 3), 4, lambda: self._finish(wo, it, qty_e4))

    def _finish(self, wo: dict[str, Any], it: ItemSpec, qty_e4: int) -> None:
        day = self._today()
        assert self.production is not None
        units = qty_e4 // E4
        labour = units * it.labour_fen * self.rnd.randint(95, 108) // 100
        overhead = units * it.overhead_fen
        hours = Decimal(labour) / 4500  # ≈ 45 yuan an hour
        self.call(
            "production_cost",
            self.production.collect_cost,
            order_id=wo["id"],
            day=day,
            kind="labour",
            amount=_yuan(labour),
            hours=str(hours.quantize(Decimal("0.1"))),
        )
        self.call(
            "production_cost",
            self.production.collect_cost,
            order_id=wo["id"],
            day=day,
            kind="overhead",
            amount=_yuan(overhead),
        )
        self.call(
            "production_receipt",
            self.production.receive_finished,
            order_id=wo["id"],
            day=day,
            warehouse=FG_WH,
            qty=_qty(qty_e4),
        )
        self.call("work_order_close", self.production.close_work_order, order_id=wo["id"], day=day)
        self.in_production[it.code] -= qty_e4
        self.stock[(it.code, FG_WH)] += qty_e4

    # --- inventory and expenses -----------------------------------------------------------------

    def _transfer(self, day: date) -> None:
        """调拨: at the start of the month, spare finished goods go to the southern warehouse."""
        if self.transfers is None:
            return
        self._current = day
        goods = sorted(self.cat.of("库存商品"), key=lambda g: -self.monthly_fg[g.code])[:8]
        lines = []
        for g in goods:
            spare = self.stock[(g.code, FG_WH)] - self.backlog[g.code]
            qty = min(spare // E4 // 3, 5)
            if qty > 0:
                lines.append((g.code, str(qty)))
        if not lines:
            return
        self.call(
            "stock_transfer",
            self.transfers.create_transfer,
            from_warehouse=FG_WH,
            to_warehouse=SOUTH_WH,
            day=day,
            lines=lines,
            note="华南备货",
        )
        for code, moved in lines:
            self.stock[(code, FG_WH)] -= int(moved) * E4
            self.stock[(code, SOUTH_WH)] += int(moved) * E4

    def _expense_claims(self, day: date) -> None:
        """报销: every other week a few employees hand in claims (travel, entertainment, office
        supplies, freight); a manager approves them the next working day and they are paid by
        bank a few days later. The claimant submits (in a transaction of its own): nobody
        approves their own claim."""
        if day.isocalendar()[1] % 2:
            return
        claims: list[tuple[str, str, list[dict[str, str]]]] = []
        for _ in range(self.rnd.randint(1, 3)):
            code, _name, dept = self.rnd.choice(catalogue.EMPLOYEES)
            category, lo, hi = self.rnd.choice(EXPENSES)
            amount = self.rnd.randint(lo, hi) * 100 + self.rnd.choice((0, 50))
            line = {"category": category, "amount": _yuan(amount)}
            if category == "办公费":  # a special VAT invoice (专票): the input VAT is deductible
                line |= {"invoice_type": "special", "tax": _yuan(amount * 13 // 113)}
            claims.append((code, dept, [line]))
        self._commit()
        for code, dept, lines in claims:
            name = next(n for c, n, _d in catalogue.EMPLOYEES if c == code)
            claimant = Actor(user_id=None, username=f"{code} {name}", is_admin=True, source="demo")
            view = self.expenses.create_claim(
                UnitOfWork(self.db, claimant),
                self.company,
                employee=code,
                department=dept,
                day=day,
                lines=lines,
                attachments=len(lines),
            )
            self.stats.documents["expense_claim"] += 1
            approve = self._after(day, 1, 1)
            self.at(approve, 8, lambda v=view, d=approve: self._approve_claim(v, d))
        self._begin()

    def _approve_claim(self, claim: dict[str, Any], day: date) -> None:
        assert self.expenses is not None
        self.call("expense_claim_approval", self.expenses.approve_claim, claim["id"], day=day)
        self.at(self._after(day, 2, 5), 9, lambda: self._pay_claim(claim))

    def _pay_claim(self, claim: dict[str, Any]) -> None:
        assert self.expenses is not None
        self.call("expense_claim_payment", self.expenses.pay_claim, claim["id"], day=self._today())


def load(
    db: Database,
    actor: Actor,
    *,
    company: str = "DEMO",
    name: str = "苏州演示泵业有限公司",
    year: int = 2025,
    seed: int = 7,
    close_through: int = 11,
    months: int = 12,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Create ``company`` and post ``months`` months of its business (a year by default); months
    closed through ``close_through``."""
    return Simulation(db, actor, company, name, year, seed, close_through, progress, months).run()
