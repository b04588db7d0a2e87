"""A small manufacturer for the production, expense, stock-count and return screens (WEBOPS), and a
trading company on month-end average costing (WEBAVG), every document made through the services.

WEBOPS: product P (电机) from steel R1 (2 kg/unit, 5 % scrap) and a housing R2; raw materials in
W1, finished goods in W2. Work orders in each state (draft, released with an issue, labour,
overhead and a partial receipt, closed), expense claims (draft, approved, paid), stock counts
(draft, confirmed), and a sale of P delivered, invoiced, partly returned and credited.
WEBAVG: item A on 月末一次加权平均 with December receipts, a transfer and a delivery waiting for the
cost run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from yecai.expenses import service as expenses
from yecai.inventory import documents as inventory_docs
from yecai.inventory import service as inventory
from yecai.ledger import service as ledger
from yecai.masterdata import service as md
from yecai.production import service as production
from yecai.sales import returns as sales_returns
from yecai.sales import service as sales
from yecai.security import service as security
from yecai.store.db import Database
from yecai.store.uow import Actor, UnitOfWork

D = date.fromisoformat
ROLES = ("accountant", "reviewer", "cashier", "finance_manager", "auditor")


@dataclass
class OpsCompany:
    code: str
    avg_code: str
    ids: dict[str, list[int]] = field(default_factory=dict)

    def add(self, kind: str, view: dict[str, Any]) -> dict[str, Any]:
        self.ids.setdefault(kind, []).append(int(view["id"]))
        return view


def build_ops_company(
    db: Database, admin: Actor, code: str = "WEBOPS", avg_code: str = "WEBAVG"
) -> OpsCompany:
    def uow(actor: Actor = admin) -> UnitOfWork:
        return UnitOfWork(db, actor)

    out = OpsCompany(code, avg_code)
    ledger.create_company(uow(), code=code, name="业财制造有限公司", start="2025-01")
    for role in ROLES:  # the users of conftest, one per role
        security.grant(uow(), username=role, company_code=code, role=role)
    md.create_party(uow(), code, "supplier", code="S1", name="江南钢铁")
    md.create_party(uow(), code, "customer", code="C1", name="华东机电公司", credit_days=30)
    md.create_item(uow(), code, code="P", name="电机", unit="台", category="产成品", tax_rate="0.13")
    md.create_item(uow(), code, code="R1", name="钢材", unit="kg", category="原材料", tax_rate="0.13")
    md.create_item(uow(), code, code="R2", name="外壳", unit="个", category="原材料", tax_rate="0.13")
    md.create_warehouse(uow(), code, code="W1", name="原料库")
    md.create_warehouse(uow(), code, code="W2", name="成品库")
    inventory.create_stock_receipt(
        uow(),
        code,
        supplier="S1",
        warehouse="W1",
        day=D("2025-12-01"),
        lines=[("R1", "1000", "2000.00"), ("R2", "200", "1000.00")],
    )
    bom = production.create_bom(
        uow(),
        code,
        item="P",
        lines=[{"item": "R1", "qty_per": "2", "scrap_pct": "5"}, {"item": "R2", "qty_per": "1"}],
        note="标准工艺",
    )
    out.ids["bom"] = [int(bom["id"])]
    # a released order with everything, a closed one, and a draft
    wo = out.add(
        "work_order", production.create_work_order(uow(), code, item="P", qty="10", day=D("2025-12-02"))
    )
    production.issue_materials(uow(), code, order_id=wo["id"], day=D("2025-12-03"), warehouse="W1")
    production.collect_cost(uow(), code, order_id=wo["id"], day=D("2025-12-10"), kind="labour", amount="800")
    production.collect_cost(
        uow(), code, order_id=wo["id"], day=D("2025-12-10"), kind="overhead", amount="400"
    )
    production.receive_finished(uow(), code, order_id=wo["id"], day=D("2025-12-12"), warehouse="W2", qty="6")
    done = out.add(
        "work_order", production.create_work_order(uow(), code, item="P", qty="4", day=D("2025-12-04"))
    )
    production.issue_materials(uow(), code, order_id=done["id"], day=D("2025-12-04"), warehouse="W1")
    production.receive_finished(
        uow(), code, order_id=done["id"], day=D("2025-12-06"), warehouse="W2", qty="4"
    )
    production.close_work_order(uow(), code, done["id"], day=D("2025-12-06"))
    out.add(
        "work_order",
        production.create_work_order(uow(), code, item="P", qty="5", day=D("2025-12-15"), release=False),
    )
    # expense claims: submitted by the accountant, approved by the reviewer
    ledger.add_dimension_values(
        uow(), code, [("employee", "E1", "张三"), ("employee", "E2", "李四"), ("department", "ADM", "行政部")]
    )
    accountant = security.actor_for(db, "accountant", source="test")
    reviewer = security.actor_for(db, "reviewer", source="test")
    for n in range(3):
        claim = out.add(
            "expense_claim",
            expenses.create_claim(
                uow(accountant),
                code,
                employee="E1" if n != 1 else "E2",
                department="ADM",
                day=D(f"2025-12-{10 + n:02d}"),
                attachments=2,
                lines=[
                    {"category": "差旅费", "amount": "1090.00", "tax": "90.00", "invoice_type": "special"},
                    {"category": "办公费", "amount": "200.00", "invoice_type": "ordinary"},
                ],
            ),
        )
        if n >= 1:
            expenses.approve_claim(uow(reviewer), code, claim["id"])
        if n == 2:
            expenses.pay_claim(uow(accountant), code, claim["id"], day=D("2025-12-20"))
    # stock counts: a confirmed one (R1 short by 5 kg) and a draft
    out.add(
        "stock_count",
        inventory_docs.create_count(uow(), code, warehouse="W1", day=D("2025-12-20"), lines=[("R1", "951")]),
    )
    out.add(
        "stock_count",
        inventory_docs.create_count(
            uow(), code, warehouse="W2", day=D("2025-12-21"), lines=[("P", "10")], confirm=False
        ),
    )
    # a sale of P: delivered, invoiced, partly returned and credited
    so = out.add(
        "sales_order",
        sales.create_order(
            uow(),
            code,
            customer="C1",
            day=D("2025-12-13"),
            lines=[{"item": "P", "qty": "5", "unit_price": "900"}],
        ),
    )
    d = out.add(
        "sales_delivery",
        sales.create_delivery(
            uow(), code, order_id=so["id"], day=D("2025-12-14"), warehouse="W2", confirm=True
        ),
    )
    inv = out.add(
        "sales_invoice",
        sales.create_invoice(uow(), code, customer="C1", day=D("2025-12-15"), orders=[so["id"]], post=True),
    )
    out.add(
        "sales_return",
        sales_returns.create_return(uow(), code, delivery_id=d["id"], day=D("2025-12-16"), lines=[(1, "1")]),
    )
    out.add(
        "sales_credit_note",
        sales_returns.create_credit_note(
            uow(), code, invoice_id=inv["id"], day=D("2025-12-16"), lines=[(1, "1")], reason="退货"
        ),
    )
    # WEBAVG: month-end average costing, a December transfer waiting for the cost run
    ledger.create_company(uow(), code=avg_code, name="业财商贸（月末加权）", start="2025-01")
    inventory.set_settings(uow(), avg_code, costing="monthly_average")
    for role in ROLES:
        security.grant(uow(), username=role, company_code=avg_code, role=role)
    md.create_party(uow(), avg_code, "supplier", code="S1", name="江南钢铁")
    md.create_item(uow(), avg_code, code="A", name="轴承", unit="个", category="产成品", tax_rate="0.13")
    md.create_warehouse(uow(), avg_code, code="W1", name="总仓")
    md.create_warehouse(uow(), avg_code, code="W2", name="门店")
    for day, qty, cost in (("2025-12-01", "100", "1000.00"), ("2025-12-15", "100", "1400.00")):
        inventory.create_stock_receipt(
            uow(), avg_code, supplier="S1", warehouse="W1", day=D(day), lines=[("A", qty, cost)]
        )
    inventory_docs.create_transfer(
        uow(), avg_code, from_warehouse="W1", to_warehouse="W2", day=D("2025-12-20"), lines=[("A", "50")]
    )
    md.create_party(uow(), avg_code, "customer", code="C1", name="华东机电公司")
    so = sales.create_order(
        uow(),
        avg_code,
        customer="C1",
        day=D("2025-12-21"),
        lines=[{"item": "A", "qty": "30", "unit_price": "20"}],
    )
    sales.create_delivery(
        uow(), avg_code, order_id=so["id"], day=D("2025-12-22"), warehouse="W1", confirm=True
    )
    return out
