"""A trading company with a year of business documents, every one made through the services:
master data, opening stock receipts, purchase orders → goods receipts → vendor bills → payments,
sales orders → deliveries → invoices → receipts, transfers — a few hundred documents, with some
left waiting (open orders, draft deliveries and invoices, goods received not billed, unpaid
bills) so the dashboard and the lists have something to show."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from yecai.inventory import documents as inventory_docs
from yecai.inventory import service as inventory
from yecai.ledger import service as ledger
from yecai.masterdata import service as md
from yecai.purchasing import service as purchasing
from yecai.sales import service as sales
from yecai.store.db import Database
from yecai.store.uow import Actor, UnitOfWork

TAX_ID = "91110000600037341L"  # a valid 统一社会信用代码
CUSTOMERS = [
    ("C01", "华东商贸有限公司"),
    ("C02", "西南百货集团"),
    ("C03", "北方机电设备公司"),
    ("C04", "南方五金批发部"),
    ("C05", "中原建材有限公司"),
    ("C06", "东海贸易公司"),
    ("C07", "西北工控设备厂"),
    ("C08", "华南电子商城"),
]
SUPPLIERS = [
    ("S01", "江南制造有限公司"),
    ("S02", "华北材料供应公司"),
    ("S03", "长江电机厂"),
    ("S04", "珠江五金厂"),
]
ITEMS = [
    ("A100", "电机", "台", "产成品", "300.00"),
    ("A200", "变频器", "台", "产成品", "520.00"),
    ("A300", "电工胶带", "卷", "产成品", "8.50"),
    ("A400", "控制柜", "台", "产成品", "2600.00"),
    ("A500", "电缆", "米", "产成品", "12.00"),
    ("A600", "轴承", "个", "产成品", "45.00"),
]
SALES_ORDERS = 60
PURCHASE_ORDERS = 30


@dataclass
class DocsCompany:
    code: str
    ids: dict[str, list[int]] = field(default_factory=dict)

    def add(self, kind: str, view: dict[str, Any]) -> dict[str, Any]:
        self.ids.setdefault(kind, []).append(int(view["id"]))
        return view


def build_docs_company(db: Database, actor: Actor, code: str = "WEBDOCS", seed: int = 11) -> DocsCompany:
    def uow() -> UnitOfWork:
        return UnitOfWork(db, actor)

    rnd = random.Random(seed)
    ledger.create_company(uow(), code=code, name="业财贸易有限公司", start="2025-01")
    out = DocsCompany(code)
    for i, (c, n) in enumerate(CUSTOMERS):
        md.create_party(
            uow(), code, "customer", code=c, name=n, tax_id=TAX_ID if i == 0 else "", credit_days=30
        )
    for s, n in SUPPLIERS:
        md.create_party(uow(), code, "supplier", code=s, name=n)
    for c, n, unit, cat, _price in ITEMS:
        md.create_item(uow(), code, code=c, name=n, unit=unit, category=cat, tax_rate="0.13")
    md.create_item(
        uow(), code, code="SV01", name="安装服务", unit="次", category="服务", tax_rate="0.06", kind="service"
    )
    md.create_warehouse(uow(), code, code="W1", name="成品库")
    md.create_warehouse(uow(), code, code="W2", name="门店库")
    for c, _n, _u, _cat, price in ITEMS:
        cost = f"{(2000 * float(price) * 0.6):.2f}"  # test data only: a round opening cost
        out.add(
            "stock_receipt",
            inventory.create_stock_receipt(
                uow(), code, supplier="S01", warehouse="W1", day=date(2025, 1, 2), lines=[(c, "2000", cost)]
            ),
        )
    # purchases: order → receipt → bill → payment; the last few wait at each step
    for n in range(PURCHASE_ORDERS):
        month = 1 + n * 12 // PURCHASE_ORDERS
        day = date(2025, month, 5 + n % 20)
        sup = SUPPLIERS[n % len(SUPPLIERS)][0]
        picks = rnd.sample(ITEMS, 2)
        po = out.add(
            "purchase_order",
            purchasing.create_order(
                uow(),
                code,
                supplier=sup,
                day=day,
                prices_include_tax=False,
                lines=[
                    {
                        "item": it[0],
                        "qty": str(rnd.randint(10, 60)),
                        "unit_price": f"{float(it[4]) * 0.6:.2f}",
                    }
                    for it in picks
                ],
            ),
        )
        if n >= PURCHASE_ORDERS - 2:
            continue  # open: to receive
        out.add(
            "purchase_receipt",
            purchasing.create_receipt(uow(), code, order_id=po["id"], day=day, warehouse="W1", post=n != 25),
        )
        if n >= PURCHASE_ORDERS - 5:
            continue  # received, not billed (one receipt still a draft)
        bill = out.add(
            "vendor_bill",
            purchasing.create_bill(
                uow(),
                code,
                supplier=sup,
                day=day,
                orders=[po["id"]],
                invoice_no=f"0{n + 1:07d}",
                post=n != 20,
            ),
        )
        if bill["status"] == "posted" and n < PURCHASE_ORDERS - 8:
            out.add(
                "purchase_payment",
                purchasing.create_payment(
                    uow(), code, supplier=sup, day=day, amount=bill["total"], bill_id=bill["id"]
                ),
            )
    # sales: order → delivery → invoice → receipt; the last few wait at each step
    for n in range(SALES_ORDERS):
        month = 1 + n * 12 // SALES_ORDERS
        day = date(2025, month, 3 + n % 24)
        cust = CUSTOMERS[n % len(CUSTOMERS)][0]
        picks = rnd.sample(ITEMS, rnd.randint(1, 3))
        so = out.add(
            "sales_order",
            sales.create_order(
                uow(),
                code,
                customer=cust,
                day=day,
                lines=[
                    {
                        "item": it[0],
                        "qty": str(rnd.randint(1, 20)),
                        "unit_price": f"{float(it[4]) * 1.13:.2f}",
                    }
                    for it in picks
                ],
            ),
        )
        if n >= SALES_ORDERS - 3:
            continue  # open: to deliver
        out.add(
            "sales_delivery",
            sales.create_delivery(
                uow(), code, order_id=so["id"], day=day, warehouse="W1", confirm=n < SALES_ORDERS - 5
            ),
        )
        if n >= SALES_ORDERS - 5:
            continue  # draft deliveries: to confirm
        inv = out.add(
            "sales_invoice",
            sales.create_invoice(
                uow(), code, customer=cust, day=day, orders=[so["id"]], post=n < SALES_ORDERS - 7
            ),
        )
        if inv["status"] == "posted" and n < SALES_ORDERS - 10:
            out.add(
                "sales_receipt",
                sales.create_receipt(
                    uow(), code, customer=cust, day=day, amount=inv["total"], invoice_id=inv["id"]
                ),
            )
    for m in (3, 6, 9, 12):
        out.add(
            "stock_transfer",
            inventory_docs.create_transfer(
                uow(),
                code,
                from_warehouse="W1",
                to_warehouse="W2",
                day=date(2025, m, 20),
                lines=[("A100", "5"), ("A300", "20")],
            ),
        )
    return out
