"""A realistic demo company: a small manufacturer's year of vouchers, posted through the services.

Deterministic for a seed. Used by `make run` (when no company exists yet) and `yecai demo load`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from yecai.core.periods import Period
from yecai.ledger import service
from yecai.ledger.domain import LineDraft, VoucherDraft
from yecai.store.db import Database
from yecai.store.uow import Actor, UnitOfWork

CUSTOMERS = [
    ("C001", "华东精密机械有限公司"),
    ("C002", "苏州瑞丰电子有限公司"),
    ("C003", "杭州明达贸易有限公司"),
    ("C004", "宁波海纳五金制品有限公司"),
    ("C005", "上海恒通自动化设备有限公司"),
    ("C006", "无锡天成科技有限公司"),
    ("C007", "南京金陵工控有限公司"),
    ("C008", "合肥新锐智能装备有限公司"),
]
SUPPLIERS = [
    ("S001", "江苏宝钢钢材销售有限公司"),
    ("S002", "常州永固紧固件有限公司"),
    ("S003", "上海中远物流有限公司"),
    ("S004", "浙江华峰塑胶有限公司"),
    ("S005", "国网上海市电力公司"),
]
DEPARTMENTS = [("D01", "总经办"), ("D02", "财务部"), ("D03", "销售部"), ("D04", "生产部"), ("D05", "采购部")]
EMPLOYEES = [("E001", "张伟"), ("E002", "王芳"), ("E003", "李娜"), ("E004", "刘洋")]


def _yuan(fen: int) -> Decimal:
    return Decimal(fen).scaleb(-2)


def _ln(summary: str, code: str, debit: int = 0, credit: int = 0, **dims: str) -> LineDraft:
    return LineDraft(summary=summary, account_code=code, debit=_yuan(debit), credit=_yuan(credit), dims=dims)


def load_demo(
    db: Database,
    actor: Actor,
    *,
    company: str = "DEMO",
    name: str = "演示制造有限公司",
    year: int = 2025,
    seed: int = 7,
    months: int = 12,
    close_through: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Create the company and post a year of business; close months through ``close_through``."""
    rnd = random.Random(seed)
    service.create_company(UnitOfWork(db, actor), code=company, name=name, start=f"{year}-01")
    service.add_dimension_values(
        UnitOfWork(db, actor),
        company,
        [("customer", c, n) for c, n in CUSTOMERS]
        + [("supplier", c, n) for c, n in SUPPLIERS]
        + [("department", c, n) for c, n in DEPARTMENTS]
        + [("employee", c, n) for c, n in EMPLOYEES]
        + [("project", "P01", "标准产品线")],
    )
    posted = 0

    def post(day: date, lines: list[LineDraft], word: str = "记", attachments: int = 1) -> None:
        nonlocal posted
        service.create_voucher(
            UnitOfWork(db, actor),
            company,
            VoucherDraft(date=day, lines=tuple(lines), word=word, attachments=attachments),
            post=True,
        )
        posted += 1

    post(
        date(year, 1, 2),
        [_ln("收到股东投资款", "100201", 500_000_000), _ln("收到股东投资款", "4001", credit=500_000_000)],
        "收",
    )
    post(
        date(year, 1, 5),
        [
            _ln("购入数控机床", "1601", 120_000_000),
            _ln("购入数控机床进项税", "22210101", 15_600_000),
            _ln("购入数控机床", "100201", credit=135_600_000),
        ],
        "付",
    )
    close_to = close_through if close_through is not None else months - 1
    for m in range(1, months + 1):
        p = Period(year, m)
        days = [p.first_day + timedelta(days=i) for i in range((p.last_day - p.first_day).days + 1)]
        workdays = [d for d in days if d.weekday() < 5]
        # purchases of materials on credit
        for _ in range(rnd.randint(3, 5)):
            s_code = rnd.choice(SUPPLIERS[:2])[0]
            net = rnd.randint(200, 900) * 10_000
            tax = net * 13 // 100
            post(
                rnd.choice(workdays),
                [
                    _ln("采购原材料", "1403", net),
                    _ln("采购原材料进项税", "22210101", tax),
                    _ln("采购原材料", "2202", credit=net + tax, supplier=s_code),
                ],
                "转",
            )
        # production: materials and labour into finished goods
        material = rnd.randint(300, 800) * 10_000
        labour = rnd.randint(20, 40) * 10_000
        post(
            workdays[-3],
            [
                _ln("生产领用原材料", "500101", material, project="P01"),
                _ln("生产领用原材料", "1403", credit=material),
            ],
            "转",
        )
        post(
            workdays[-3],
            [
                _ln("分配生产工人工资", "500102", labour, project="P01"),
                _ln("分配生产工人工资", "221101", credit=labour),
            ],
            "转",
        )
        post(
            workdays[-2],
            [
                _ln("完工产品入库", "1405", material + labour),
                _ln("完工产品入库", "500101", credit=material, project="P01"),
                _ln("完工产品入库", "500102", credit=labour, project="P01"),
            ],
            "转",
        )
        # sales on credit
        revenue_total = 0
        for _ in range(rnd.randint(6, 10)):
            c_code = rnd.choice(CUSTOMERS)[0]
            net = rnd.randint(150, 1200) * 10_000 + rnd.randint(0, 99) * 100
            tax = (net * 13 + 50) // 100
            revenue_total += net
            post(
                rnd.choice(workdays),
                [
                    _ln("销售产品", "1122", net + tax, customer=c_code),
                    _ln("销售产品", "6001", credit=net),
                    _ln("销项税额", "22210102", credit=tax),
                ],
                "转",
            )
        cost = revenue_total * rnd.randint(55, 65) // 100
        post(p.last_day, [_ln("结转销售成本", "6401", cost), _ln("结转销售成本", "1405", credit=cost)], "转")
        # receipts and payments
        for _ in range(rnd.randint(4, 7)):
            c_code = rnd.choice(CUSTOMERS)[0]
            amt = rnd.randint(100, 900) * 10_000
            post(
                rnd.choice(workdays),
                [_ln("收到货款", "100201", amt), _ln("收到货款", "1122", credit=amt, customer=c_code)],
                "收",
            )
        for _ in range(rnd.randint(2, 4)):
            s_code = rnd.choice(SUPPLIERS[:2])[0]
            amt = rnd.randint(100, 700) * 10_000
            post(
                rnd.choice(workdays),
                [_ln("支付货款", "2202", amt, supplier=s_code), _ln("支付货款", "100201", credit=amt)],
                "付",
            )
        # payroll accrual and payment
        wages = [rnd.randint(12, 25) * 100_000 for _ in DEPARTMENTS]
        post(
            p.last_day,
            [
                _ln("计提工资", "660101" if d == "D03" else "660201", w, department=d)
                for (d, _), w in zip(DEPARTMENTS, wages, strict=True)
            ]
            + [_ln("计提工资", "221101", credit=sum(wages))],
            "转",
        )
        post(
            p.last_day,
            [
                _ln("发放工资", "221101", sum(wages) + labour),
                _ln("发放工资", "100201", credit=sum(wages) + labour),
            ],
            "付",
        )
        # office and travel expenses, petty cash
        post(
            workdays[1],
            [_ln("提取备用金", "1001", 2_000_000), _ln("提取备用金", "100201", credit=2_000_000)],
            "付",
        )
        for _ in range(rnd.randint(2, 4)):
            dep = rnd.choice(DEPARTMENTS)[0]
            amt = rnd.randint(5, 80) * 10_000
            code = rnd.choice(["660202", "660203", "660204"])
            label = {"660202": "办公用品", "660203": "差旅费报销", "660204": "业务招待费"}[code]
            post(
                rnd.choice(workdays),
                [_ln(label, code, amt, department=dep), _ln(label, "1001", credit=amt)],
                "付",
            )
        # depreciation and bank charges
        post(
            p.last_day,
            [
                _ln("计提折旧", "660205", 1_000_000, department="D04"),
                _ln("计提折旧", "1602", credit=1_000_000),
            ],
            "转",
        )
        fee = rnd.randint(50, 300) * 100
        post(p.last_day, [_ln("银行手续费", "660304", fee), _ln("银行手续费", "100201", credit=fee)], "付")
        # VAT: transfer output minus input at month end is left to the user; pay last month's tax monthly
        if m <= close_to:
            from yecai.ledger import closing

            closing.close_period(UnitOfWork(db, actor), company, str(p))
        if progress:
            progress(m, months)
    return {"vouchers": posted}
