"""Evaluation set for cash application: customers, open items, bank receipts and the truth.

Deterministic for a seed. The noise is what a receivables clerk sees in a Chinese company's bank
statement; the mix is documented in bench/README.md ("bench_cash_application.py"). The open items
are a snapshot before the statement; receipts are simulated in date order, each lowering the open
amounts it pays, so the truth of every receipt is defined against what was still open.

    python bench/gen_cash_application.py --receipts 100000 --items 100000 --seed 7 --out bench/out/cash

writes bank.csv, open_items.csv, memory.csv (kind,key,customer_code), truth.csv
(txn_id,item_id,applied_amount) and scenarios.csv (txn_id,scenario,payer,remark_style).
"""

from __future__ import annotations

import argparse
import bisect
import csv
import itertools
import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

SHORT_MINOR_MAX = 5000  # the company's tolerance for fees/discounts (same as the engine's default)
SHORT_RATIO_MAX = Decimal("0.005")

REGIONS = "上海 北京 深圳 广州 杭州 苏州 南京 无锡 宁波 成都 武汉 西安 青岛 厦门 天津 重庆 合肥 长沙 郑州 东莞 佛山 江苏 浙江 广东 山东 福建".split()
REGION_FORMS = {
    "上海": "上海市",
    "北京": "北京市",
    "江苏": "江苏省",
    "浙江": "浙江省",
    "广东": "广东省",
    "山东": "山东省",
}
BRAND_CHARS = (
    "华东南北中远航金鑫盛达恒泰宏昌隆兴旺源丰瑞祥安康宁新立德诚信博通海天宇星辰光明正大永利凯旋鼎峰"
    "蓝图银河长城万通汇聚和顺嘉禾富春锦绣云龙凤鹏程晨曦佳美优品创世纪力拓卓越精工联合同舟启航三一"
)
INDUSTRIES = (
    "科技 贸易 商贸 电子 机械 实业 建材 医药 食品 物流 信息技术 新材料 化工 服装 家具 包装 电气 软件 汽配 环保 "
    "五金 光电 精密 纺织 供应链 网络科技 电子科技 智能科技 设备 工程"
).split()
SUFFIXES = [("有限公司", 75), ("股份有限公司", 10), ("有限责任公司", 12), ("集团有限公司", 3)]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志强海燕小红晓东文斌"
EN_WORDS = (
    "Nordic Pacific Atlantic Global Prime Summit Apex Vertex Orion Delta Zenith Harbor Alpine Crystal Golden "
    "Silver Eagle Falcon Metro Unity Fusion Quantum Solar Lunar Ocean River Stone Cedar Maple Oak"
).split()
EN_KINDS = (
    "Components Trading Industries Electronics Logistics Supplies Systems Foods Textiles Machinery".split()
)
EN_SUFFIX = ["Co., Ltd.", "Ltd.", "GmbH", "Inc.", "Limited", "AB", "Pte. Ltd."]
NO_REF_REMARKS = [
    "",
    "货款",
    "往来款",
    "合同款",
    "{m}月货款",
    "转账",
    "付款",
    "服务费",
    "支付货款",
    "采购款",
    "网银转账",
]
FULLWIDTH = str.maketrans(
    "0123456789-ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "０１２３４５６７８９－ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ",
)


def tolerance(due: int) -> int:
    return max(SHORT_MINOR_MAX, int(Decimal(due) * SHORT_RATIO_MAX))


@dataclass
class Customer:
    code: str
    name: str
    region: str
    brand: str
    industry: str
    currency: str
    accounts: list[str]
    foreign: bool
    group: str | None = None  # the parent's name, when a group member
    group_account: str = ""
    person: str = ""  # the boss, who sometimes pays from a personal account
    person_account: str = ""
    open: list[int] = field(default_factory=list)  # item indexes, by date


@dataclass
class Item:
    item_id: str
    customer: Customer
    doc_no: str
    day: date
    due: date
    open_minor: int
    einvoice: bool
    seq: int
    year: int


def fen(x: int) -> str:
    return f"{'-' if x < 0 else ''}{abs(x) // 100}.{abs(x) % 100:02d}"


class Gen:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.accounts: set[str] = set()

    def account(self) -> str:
        while True:
            a = self.rng.choice(["6222", "6217", "6228", "6214", "3100", "1001", "4000"]) + "".join(
                self.rng.choice("0123456789") for _ in range(self.rng.choice([12, 13, 15]))
            )
            if a not in self.accounts:
                self.accounts.add(a)
                return a

    def person(self) -> str:
        return self.rng.choice(SURNAMES) + "".join(
            self.rng.choice(GIVEN) for _ in range(self.rng.choice([1, 2]))
        )

    def brand(self) -> str:
        return "".join(self.rng.choice(BRAND_CHARS) for _ in range(3 if self.rng.random() < 0.12 else 2))

    def chinese_name(self, brand: str, region: str, industry: str) -> str:
        suffix = self.rng.choices([s for s, _ in SUFFIXES], [w for _, w in SUFFIXES])[0]
        u = self.rng.random()
        if u < 0.65:
            return f"{REGION_FORMS.get(region, region) if self.rng.random() < 0.3 else region}{brand}{industry}{suffix}"
        if u < 0.78:
            return f"{brand}({region}){industry}{suffix}"
        return f"{brand}{industry}{suffix}"

    # --- customers ----------------------------------------------------------------------------

    def customers(self, n: int) -> list[Customer]:
        out: list[Customer] = []
        names: set[str] = set()
        while len(out) < n:
            k = len(out) + 1
            if self.rng.random() < 0.04:
                name = f"{self.rng.choice(EN_WORDS)} {self.rng.choice(EN_KINDS)} {self.rng.choice(EN_SUFFIX)}"
                if name in names:
                    continue
                names.add(name)
                out.append(
                    Customer(
                        f"C{k:05d}",
                        name,
                        "",
                        "",
                        "",
                        self.rng.choice(["USD", "USD", "EUR"]),
                        [self.account()],
                        True,
                    )
                )
                continue
            if self.rng.random() < 0.03:
                # A group with 2-4 subsidiaries sharing its brand; the parent's treasury pays for them.
                brand, region = self.brand(), self.rng.choice(REGIONS)
                parent = f"{region}{brand}集团有限公司"
                parent_account = self.account()
                for _ in range(self.rng.randint(2, 4)):
                    sub_region, industry = self.rng.choice(REGIONS), self.rng.choice(INDUSTRIES)
                    name = f"{sub_region}{brand}{industry}有限公司"
                    if name in names:
                        continue
                    names.add(name)
                    out.append(
                        Customer(
                            f"C{len(out) + 1:05d}",
                            name,
                            sub_region,
                            brand,
                            industry,
                            "CNY",
                            [self.account() for _ in range(self.rng.randint(1, 2))],
                            False,
                            parent,
                            parent_account,
                        )
                    )
                continue
            brand, region, industry = self.brand(), self.rng.choice(REGIONS), self.rng.choice(INDUSTRIES)
            name = self.chinese_name(brand, region, industry)
            if name in names:
                continue
            names.add(name)
            out.append(
                Customer(
                    f"C{k:05d}",
                    name,
                    region,
                    brand,
                    industry,
                    "CNY",
                    [self.account() for _ in range(self.rng.randint(1, 2))],
                    False,
                )
            )
        for c in out:
            c.person = self.person()
            c.person_account = self.account()
        return out[:n]

    # --- invoices -----------------------------------------------------------------------------

    def items(self, customers: list[Customer], n: int) -> list[Item]:
        weights = [self.rng.paretovariate(1.3) for _ in customers]
        cum = list(itertools.accumulate(weights))
        fixed = {c.code: self.amount() for c in customers if self.rng.random() < 0.08}  # monthly fees
        start = date(2024, 7, 1)
        raw = []
        for _ in range(n):
            c = customers[bisect.bisect_left(cum, self.rng.random() * cum[-1])]
            day = start + timedelta(days=self.rng.randrange(365))
            amount = fixed[c.code] if c.code in fixed and self.rng.random() < 0.7 else self.amount()
            raw.append((day, c, amount))
        raw.sort(key=lambda t: (t[0], t[1].code))
        out: list[Item] = []
        seqs: dict[int, int] = {}
        seen_e: set[str] = set()
        for k, (day, c, amount) in enumerate(raw):
            seqs[day.year] = seqs.get(day.year, 0) + 1
            seq = seqs[day.year]
            einvoice = not c.foreign and self.rng.random() < 0.3
            if einvoice:
                while True:
                    doc = (
                        f"{day.year % 100:02d}{self.rng.choice(['31', '32', '33', '44', '11'])}2000000"
                        + "".join(self.rng.choice("0123456789") for _ in range(9))
                    )
                    if doc not in seen_e:
                        seen_e.add(doc)
                        break
            else:
                doc = f"INV-{day.year}-{seq:06d}"
            open_minor = amount
            if self.rng.random() < 0.08:  # already partly paid before the statement
                open_minor = amount - round(amount * self.rng.uniform(0.2, 0.7) / 10000) * 10000
                open_minor = open_minor if open_minor > 0 else amount
            due = day + timedelta(days=self.rng.choice([30, 60, 90]))
            out.append(Item(f"OI{k + 1:07d}", c, doc, day, due, open_minor, einvoice, seq, day.year))
        for i, it in enumerate(out):
            it.customer.open.append(i)
        return out

    def amount(self) -> int:
        yuan = math.exp(self.rng.gauss(math.log(12000), 1.25))
        yuan = min(max(yuan, 80.0), 3_000_000.0)
        u = self.rng.random()
        if u < 0.12:
            return int(round(yuan / 100)) * 10000 or 10000  # round contract sums
        net = int(round(yuan / 1.13 * 100))
        return net + int(Decimal(net * 13) / 100 + Decimal("0.5"))  # net + 13% VAT, in fen


# --- receipts ------------------------------------------------------------------------------------

SCENARIOS = [
    ("single", 0.57),
    ("single_fee", 0.07),
    ("combined", 0.09),
    ("split", 0.08),
    ("partial", 0.05),
    ("discount", 0.02),
    ("overpay", 0.01),
    ("advance", 0.04),
    ("unrelated", 0.07),
]
PAYERS = [
    ("full", 0.45),
    ("no_region", 0.12),
    ("no_suffix", 0.12),
    ("abbrev", 0.10),
    ("brand", 0.03),
    ("truncated", 0.04),
    ("typo", 0.04),
    ("parent", 0.05),
    ("person", 0.05),
]


class Receipts:
    def __init__(self, gen: Gen, customers: list[Customer], items: list[Item]) -> None:
        self.g, self.rng = gen, gen.rng
        self.customers, self.items = customers, items
        self.open = [it.open_minor for it in items]
        self.cum = list(itertools.accumulate(self.rng.paretovariate(1.3) for _ in customers))
        self.rows: list[dict[str, str]] = []
        self.truth: list[tuple[str, str, int]] = []
        self.scen: list[tuple[str, str, str, str]] = []
        self.day = date(2025, 7, 1)
        self.known_accounts: dict[str, str] = {}
        for c in customers:
            if self.rng.random() < 0.8:
                self.known_accounts[c.accounts[0]] = c.code
            if self.rng.random() < 0.4:
                self.known_accounts[c.person_account] = c.code  # the boss paid before; a clerk linked it
            if c.group and self.rng.random() < 0.5:
                self.known_accounts.setdefault(c.group_account, c.code)  # learned from one subsidiary

    def pick_customer(self) -> Customer | None:
        for _ in range(50):
            c = self.customers[bisect.bisect_left(self.cum, self.rng.random() * self.cum[-1])]
            if self.has_open(c):
                return c
        # The busiest customers are paid up: any customer who still owes something.
        start = self.rng.randrange(len(self.customers))
        for k in range(len(self.customers)):
            c = self.customers[(start + k) % len(self.customers)]
            if self.has_open(c):
                return c
        return None

    def has_open(self, c: Customer) -> bool:
        while c.open and self.open[c.open[0]] <= 0:
            c.open.pop(0)
        return bool(c.open)

    def open_of(self, c: Customer, limit: int = 20) -> list[int]:
        out = []
        for i in c.open:
            if self.open[i] > 0:
                out.append(i)
                if len(out) >= limit:
                    break
        return out

    def targets(self, c: Customer, k: int) -> list[int]:
        avail = self.open_of(c)
        if len(avail) < k:
            return avail
        if self.rng.random() < 0.75:
            return avail[:k]  # the oldest first, as most payers do
        return sorted(self.rng.sample(avail, k))

    # --- what the bank prints -----------------------------------------------------------------

    def payer(self, c: Customer) -> tuple[str, str, str]:
        if c.foreign:
            v = self.rng.choice(["full", "upper", "no_suffix"])
            name = (
                c.name.upper() if v == "upper" else (c.name.rsplit(" ", 2)[0] if v == "no_suffix" else c.name)
            )
            return name, self.account_of(c), "en_" + v
        v = self.rng.choices([p for p, _ in PAYERS], [w for _, w in PAYERS])[0]
        if v == "parent" and c.group:
            return c.group, c.group_account, v
        if v == "person" or v == "parent":
            return c.person, c.person_account, "person"
        core = c.brand + c.industry
        name = c.name
        if v == "no_region" and c.region:
            for form in (REGION_FORMS.get(c.region, c.region), c.region):
                if name.startswith(form):
                    name = name[len(form) :]
                    break
        elif v == "no_suffix":
            for s in ("股份有限公司", "有限责任公司", "集团有限公司", "有限公司"):
                if name.endswith(s):
                    name = name[: -len(s)]
                    break
        elif v == "abbrev":
            name = core
        elif v == "brand":
            name = c.brand
        elif v == "truncated":
            name = name[:10]
        elif v == "typo":
            pos = self.rng.randrange(len(name))
            name = name[:pos] + self.rng.choice(BRAND_CHARS) + name[pos + 1 :]
        return name, self.account_of(c), v

    def account_of(self, c: Customer) -> str:
        u = self.rng.random()
        if u < 0.75 or len(c.accounts) == 1 and u < 0.85:
            acct = c.accounts[0]
        elif u < 0.9 and len(c.accounts) > 1:
            acct = c.accounts[1]
        else:
            acct = self.g.account()  # a new account nobody has seen
        return acct if self.rng.random() < 0.85 else " ".join(acct[i : i + 4] for i in range(0, len(acct), 4))

    def ref_text(self, it: Item) -> str:
        if it.einvoice:
            return self.rng.choice(
                [
                    f"{it.doc_no}",
                    f"数电票{it.doc_no}",
                    f"发票号码{it.doc_no}",
                    f"发票{it.doc_no[-8:]}",
                    f"发票号:{it.doc_no}",
                ]
            )
        y, s = it.year, it.seq
        return self.rng.choice(
            [
                f"INV-{y}-{s:06d}",
                f"INV{y}{s:06d}",
                f"{y}-{s:06d}",
                f"{y}-{s}",
                f"发票号{s:06d}",
                f"发票号:{s}",
                f"No.{s}",
                f"inv-{y}-{s:06d}",
                f"INV {y} {s:06d}",
                f"{y}/{s:06d}",
                f"INV-{y}-{s:06d}".translate(FULLWIDTH),
                f"{y}{s:06d}",
            ]
        )

    def remark(self, chosen: list[Item], allow_ref: float = 0.67) -> tuple[str, str]:
        if not chosen or self.rng.random() >= allow_ref:
            text = self.rng.choice(NO_REF_REMARKS).format(m=self.rng.randint(1, 12))
            return text, "none"
        if chosen[0].customer.foreign:
            refs = [f"INV-{it.year}-{it.seq:06d}" if not it.einvoice else it.doc_no for it in chosen]
            return self.rng.choice(["PAYMENT ", "INVOICE ", "INV PAYMENT ", ""]) + " ".join(refs), "ref_en"
        if (
            len(chosen) > 1
            and self.rng.random() < 0.5
            and not any(it.einvoice for it in chosen)
            and len({it.year for it in chosen}) == 1
        ):
            first = chosen[0]
            text = f"INV-{first.year}-{first.seq:06d}" + self.rng.choice(["、", ",", "/", " "]).join(
                [""] + [f"{it.seq:06d}" for it in chosen[1:]]
            )
            style = "ref_list"
        else:
            text = self.rng.choice(["、", ",", " ", ";"]).join(self.ref_text(it) for it in chosen)
            style = "ref"
        if self.rng.random() < 0.04:  # a typo: one digit wrong
            digits = [k for k, ch in enumerate(text) if ch.isdigit()]
            k = self.rng.choice(digits[-4:])
            text = text[:k] + str((int(text[k]) + self.rng.randint(1, 9)) % 10) + text[k + 1 :]
            style += "_typo"
        wrap = self.rng.choice(["{}", "付{}货款", "支付{}", "{} 货款", "货款{}", "{}款"])
        return wrap.format(text), style

    # --- the statement ------------------------------------------------------------------------

    def emit(
        self,
        scenario: str,
        amount: int,
        currency: str,
        payer: tuple[str, str, str],
        remark: tuple[str, str],
        apps: list[tuple[int, int, int]],
    ) -> None:
        txn = f"B{len(self.rows) + 1:07d}"
        self.rows.append(
            {
                "txn_id": txn,
                "date": self.day.isoformat(),
                "amount": fen(amount),
                "currency": currency,
                "payer_name": payer[0],
                "payer_account": payer[1],
                "remark": remark[0],
            }
        )
        for i, applied, writeoff in apps:
            assert 0 < applied + writeoff <= self.open[i]
            self.open[i] -= applied + writeoff
            self.truth.append((txn, self.items[i].item_id, applied))
        self.scen.append((txn, scenario, payer[2], remark[1]))

    def run(self, n: int) -> None:
        names = [s for s, _ in SCENARIOS]
        weights = [w for _, w in SCENARIOS]
        while len(self.rows) < n:
            # A statement over half a year, in date order.
            self.day = max(self.day, date(2025, 7, 1) + timedelta(days=len(self.rows) * 180 // n))
            scenario = self.rng.choices(names, weights)[0]
            if scenario == "unrelated":
                self.unrelated()
                continue
            c = self.pick_customer()
            if c is None:
                self.unrelated()
                continue
            getattr(self, "s_" + scenario)(c, n)

    def s_single(self, c: Customer, n: int) -> None:
        (i,) = self.targets(c, 1)
        self.emit(
            "single",
            self.open[i],
            c.currency,
            self.payer(c),
            self.remark([self.items[i]]),
            [(i, self.open[i], 0)],
        )

    def s_single_fee(self, c: Customer, n: int) -> None:
        (i,) = self.targets(c, 1)
        due = self.open[i]
        fee = self.rng.choice(
            [50, 100, 200, 500, 1000, 1500, 2000, 2500, 5000]
            if not c.foreign
            else [1500, 2000, 2500, 3500, 4000]
        )
        if fee >= due:
            return self.s_single(c, n)
        self.emit(
            "single_fee",
            due - fee,
            c.currency,
            self.payer(c),
            self.remark([self.items[i]]),
            [(i, due - fee, fee)],
        )

    def s_combined(self, c: Customer, n: int) -> None:
        k = self.rng.choices([2, 3, 4, 5, 6], [45, 30, 15, 6, 4])[0]
        idxs = self.targets(c, k)
        if len(idxs) < 2:
            return self.s_single(c, n)
        if k >= 5:
            idxs = self.open_of(c)[:k]  # long lists are the oldest invoices, paid off together
        due = sum(self.open[i] for i in idxs)
        fee = self.rng.choice([0, 0, 0, 0, 0, 200, 1000, 2500])
        apps = [(i, self.open[i], 0) for i in idxs]
        if fee:
            last, applied, _ = apps[-1]
            apps[-1] = (last, applied - fee, fee)
        self.emit(
            "combined", due - fee, c.currency, self.payer(c), self.remark([self.items[i] for i in idxs]), apps
        )

    def s_split(self, c: Customer, n: int) -> None:
        (i,) = self.targets(c, 1)
        due = self.open[i]
        parts = self.rng.choice([2, 2, 3])
        if due < 100000:
            return self.s_single(c, n)
        cuts = sorted(self.rng.sample(range(1, 10), parts - 1))
        amounts, prev = [], 0
        for cut in cuts:
            part = round(due * cut / 10 / 10000) * 10000  # round tranches
            amounts.append(part - prev)
            prev = part
        amounts.append(due - prev)
        if any(a <= 0 for a in amounts):
            return self.s_single(c, n)
        payer = self.payer(c)
        for a in amounts:
            remark = self.remark([self.items[i]], allow_ref=0.75)
            self.emit("split", a, c.currency, payer, remark, [(i, a, 0)])

    def s_partial(self, c: Customer, n: int) -> None:
        (i,) = self.targets(c, 1)
        due = self.open[i]
        a = round(due * self.rng.uniform(0.2, 0.9) / 10000) * 10000
        if a <= 0 or a >= due:
            return self.s_single(c, n)
        text, style = self.remark([self.items[i]], allow_ref=0.6)
        self.emit(
            "partial",
            a,
            c.currency,
            self.payer(c),
            (self.rng.choice(["部分", "分期", ""]) + text, style),
            [(i, a, 0)],
        )

    def s_discount(self, c: Customer, n: int) -> None:
        (i,) = self.targets(c, 1)
        due = self.open[i]
        a = due - due * self.rng.choice([1, 2]) // 100  # 1% / 2% cash discount taken
        short = due - a
        writeoff = short if short <= tolerance(due) else 0
        self.emit("discount", a, c.currency, self.payer(c), self.remark([self.items[i]]), [(i, a, writeoff)])

    def s_overpay(self, c: Customer, n: int) -> None:
        (i,) = self.targets(c, 1)
        due = self.open[i]
        a = (due // 100000 + 1) * 100000  # rounded up to the next thousand
        self.emit(
            "overpay",
            a,
            c.currency,
            self.payer(c),
            self.remark([self.items[i]], allow_ref=0.8),
            [(i, due, 0)],
        )

    def s_advance(self, c: Customer, n: int) -> None:
        a = self.rng.choice([5000, 10000, 20000, 50000, 100000, 200000]) * 100
        words = self.rng.choice(["预付款", "预付货款", "定金", "合同定金", "投标保证金", "押金", "货款"])
        self.emit("advance", a, c.currency, self.payer(c), (words, "advance"), [])

    def unrelated(self) -> None:
        u = self.rng.random()
        if u < 0.3:
            payer = ("中国工商银行股份有限公司", "", "bank")
            remark = ("结息", "interest")
            a = self.rng.randint(100, 500000)
        elif u < 0.6:
            brand = self.g.brand()
            payer = (
                f"{self.rng.choice(REGIONS)}{brand}{self.rng.choice(INDUSTRIES)}有限公司",
                self.g.account(),
                "supplier",
            )
            remark = (self.rng.choice(["退款", "退货款", "返利", "往来款", "保证金退还"]), "refund")
            a = self.g.amount()
        else:
            payer = (self.g.person(), self.g.account(), "stranger")
            remark = (self.rng.choice(["", "转账", "还款", "借款"]), "none")
            a = self.rng.randint(1, 2000) * 100 * self.rng.choice([1, 10])
        self.emit("unrelated", a, "CNY", payer, remark, [])


def generate(receipts: int, items: int, seed: int) -> dict[str, list]:
    g = Gen(seed)
    customers = g.customers(max(20, items // 25))
    its = g.items(customers, items)
    rec = Receipts(g, customers, its)
    rec.run(receipts)
    rows = rec.rows[:receipts]
    keep = {r["txn_id"] for r in rows}
    item_rows = [
        {
            "item_id": it.item_id,
            "customer_code": it.customer.code,
            "customer_name": it.customer.name,
            "doc_no": it.doc_no,
            "date": it.day.isoformat(),
            "due_date": it.due.isoformat(),
            "open_amount": fen(it.open_minor),
            "currency": it.customer.currency,
        }
        for it in its
    ]
    return {
        "bank": rows,
        "open_items": item_rows,
        "memory": [("account", a, code) for a, code in sorted(rec.known_accounts.items())],
        "truth": [t for t in rec.truth if t[0] in keep],
        "scenarios": [s for s in rec.scen if s[0] in keep],
    }


def write(data: dict[str, list], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)

    def dump(name: str, header: list[str], rows: list) -> None:
        with (out / name).open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            for r in rows:
                w.writerow([r[h] for h in header] if isinstance(r, dict) else r)

    dump(
        "bank.csv",
        ["txn_id", "date", "amount", "currency", "payer_name", "payer_account", "remark"],
        data["bank"],
    )
    dump(
        "open_items.csv",
        [
            "item_id",
            "customer_code",
            "customer_name",
            "doc_no",
            "date",
            "due_date",
            "open_amount",
            "currency",
        ],
        data["open_items"],
    )
    dump("memory.csv", ["kind", "key", "customer_code"], data["memory"])
    dump("truth.csv", ["txn_id", "item_id", "applied_amount"], [(t, i, fen(a)) for t, i, a in data["truth"]])
    dump("scenarios.csv", ["txn_id", "scenario", "payer", "remark_style"], data["scenarios"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--receipts", type=int, default=100_000)
    ap.add_argument("--items", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=Path("bench/out/cash"))
    args = ap.parse_args()
    write(generate(args.receipts, args.items, args.seed), args.out)
    print(f"wrote {args.receipts} receipts and {args.items} open items to {args.out}")


if __name__ == "__main__":
    main()
