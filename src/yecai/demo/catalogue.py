"""The demo manufacturer's master data, generated deterministically from a seed: a maker of
water pumps and pump control cabinets (水泵, 恒压供水设备) near Suzhou.

Plain values only; ``yecai.demo.manufacturer`` writes them through the master data services.
Amounts are in fen, quantities in units (the BOM's per-unit quantities may have one decimal).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from decimal import Decimal

from stdnum.cn import uscc

# (code, name, department kind) — the kind lets expense rules tell selling from administration.
DEPARTMENTS: tuple[tuple[str, str, str], ...] = (
    ("D01", "总经办", "admin"),
    ("D02", "财务部", "admin"),
    ("D03", "销售部", "sales"),
    ("D04", "生产部", "production"),
    ("D05", "采购部", "admin"),
    ("D06", "仓储部", "admin"),
    ("D07", "技术部", "admin"),
)
# Monthly salaries accrued by manual voucher (production wages reach 5001 through work orders).
PAYROLL_FEN: dict[str, int] = {
    "D01": 6_800_000,
    "D02": 3_600_000,
    "D03": 9_200_000,
    "D05": 2_600_000,
    "D06": 2_200_000,
    "D07": 4_800_000,
}
EMPLOYEES: tuple[tuple[str, str, str], ...] = (
    ("E001", "张伟", "D01"),
    ("E002", "王芳", "D02"),
    ("E003", "李娜", "D03"),
    ("E004", "刘洋", "D03"),
    ("E005", "陈静", "D03"),
    ("E006", "杨磊", "D04"),
    ("E007", "赵敏", "D05"),
    ("E008", "黄强", "D06"),
    ("E009", "周杰", "D07"),
    ("E010", "吴霞", "D02"),
)
WAREHOUSES: tuple[tuple[str, str], ...] = (("WH01", "原材料仓"), ("WH02", "成品仓"), ("WH03", "华南中转仓"))
RAW_WH, FG_WH, SOUTH_WH = "WH01", "WH02", "WH03"

CITIES = (
    ("上海", "310115", False),
    ("苏州", "320505", False),
    ("无锡", "320211", False),
    ("常州", "320411", False),
    ("南京", "320115", False),
    ("杭州", "330106", False),
    ("宁波", "330212", False),
    ("嘉兴", "330402", False),
    ("合肥", "340104", False),
    ("青岛", "370212", False),
    ("济南", "370102", False),
    ("天津", "120116", False),
    ("武汉", "420106", False),
    ("郑州", "410105", False),
    ("成都", "510107", False),
    ("广州", "440106", True),
    ("佛山", "440604", True),
    ("东莞", "441900", True),
    ("深圳", "440305", True),
    ("厦门", "350206", True),
)
BRANDS = (
    "恒通", "瑞丰", "明达", "海纳", "天成", "金陵", "新锐", "华峰", "永固", "宏大",
    "安泰", "中联", "博远", "鑫源", "凯达", "汇川", "卓越", "众诚", "联创", "盛世",
    "润泽", "清源", "德润", "华宇", "东方", "长江", "蓝天", "绿洲", "正泰", "远大",
)  # fmt: skip
TRADES = (
    "水务工程有限公司", "暖通设备有限公司", "环保科技有限公司", "建筑安装工程有限公司",
    "机电设备有限公司", "给排水设备有限公司", "消防工程有限公司", "物业管理有限公司",
    "化工有限公司", "市政工程有限公司",
)  # fmt: skip

# Raw material families: (name, specs, unit, cost range in yuan, supplier).
RAW_FAMILIES: tuple[tuple[str, tuple[str, ...], str, tuple[int, int], str], ...] = (
    ("冷轧钢板", ("1.0mm", "1.5mm", "2.0mm", "3.0mm", "4.0mm"), "kg", (5, 8), "S001"),
    ("不锈钢板304", ("1.0mm", "1.5mm", "2.0mm", "3.0mm"), "kg", (16, 22), "S002"),
    ("不锈钢管304", ("Φ25", "Φ32", "Φ40", "Φ50", "Φ65"), "m", (40, 90), "S002"),
    ("铸铁泵壳", ("DN25", "DN32", "DN40", "DN50", "DN65", "DN80", "DN100", "DN125"), "件", (120, 600), "S003"),
    ("叶轮", ("DN25", "DN32", "DN40", "DN50", "DN65", "DN80", "DN100", "DN125"), "件", (60, 300), "S003"),
    ("泵轴", ("Φ20", "Φ25", "Φ30", "Φ35", "Φ40"), "根", (45, 140), "S013"),
    ("三相电机", ("0.75kW", "1.5kW", "2.2kW", "3kW", "4kW", "5.5kW", "7.5kW", "11kW", "15kW"), "台", (500, 3500), "S004"),
    ("机械密封", ("16", "20", "25", "30", "35", "40"), "套", (40, 150), "S005"),
    ("O型圈", ("Φ50", "Φ80", "Φ100", "Φ150", "Φ200"), "个", (1, 4), "S005"),
    ("深沟球轴承", ("6204", "6205", "6206", "6305", "6306", "6307", "6308"), "个", (12, 45), "S006"),
    ("螺栓组", ("M8×30", "M10×40", "M12×50", "M16×60"), "套", (2, 6), "S007"),
    ("法兰", ("DN25", "DN32", "DN40", "DN50", "DN65", "DN80", "DN100", "DN125"), "件", (30, 120), "S012"),
    ("PLC控制器", ("S7-200", "FX3U", "XC3"), "台", (900, 2500), "S008"),
    ("变频器", ("2.2kW", "4kW", "7.5kW", "11kW", "15kW"), "台", (1200, 3800), "S008"),
    ("交流接触器", ("9A", "18A", "32A", "50A"), "个", (80, 300), "S008"),
    ("断路器", ("16A", "32A", "63A"), "个", (60, 220), "S008"),
    ("控制柜箱体", ("600×400", "800×600", "1000×800"), "台", (400, 1200), "S001"),
    ("电缆RVV", ("3×1.5", "3×2.5", "4×4", "4×6"), "m", (4, 15), "S009"),
    ("压力表", ("0-1.0MPa", "0-1.6MPa", "0-2.5MPa"), "个", (35, 90), "S014"),
    ("压力传感器", ("1.0MPa", "1.6MPa", "2.5MPa"), "个", (180, 420), "S014"),
    ("防锈漆", ("灰色", "蓝色", "红色"), "桶", (300, 500), "S010"),
    ("包装木箱", ("S", "M", "L", "XL"), "个", (60, 200), "S011"),
    ("铭牌", ("铝", "不锈钢"), "个", (3, 8), "S011"),
)  # fmt: skip
SUPPLIERS: tuple[tuple[str, str, int], ...] = (
    ("S001", "江苏沙钢钢材销售有限公司", 30),
    ("S002", "太原钢铁不锈钢销售有限公司", 30),
    ("S003", "泊头市鑫达铸造有限公司", 60),
    ("S004", "浙江卧龙电机有限公司", 60),
    ("S005", "宁波天生密封件有限公司", 45),
    ("S006", "瓦房店轴承销售有限公司", 45),
    ("S007", "常州永固紧固件有限公司", 30),
    ("S008", "正泰电气股份有限公司苏州分公司", 60),
    ("S009", "远东电缆销售有限公司", 30),
    ("S010", "上海华谊涂料有限公司", 30),
    ("S011", "苏州森达包装材料有限公司", 30),
    ("S012", "温州华东管件有限公司", 45),
    ("S013", "无锡精工机械加工有限公司", 45),
    ("S014", "西安仪表厂销售有限公司", 60),
    ("S015", "苏州顺通物流有限公司", 30),
    ("S016", "国网江苏省电力有限公司苏州供电分公司", 15),
    ("S017", "苏州工业园区自来水有限公司", 15),
    ("S018", "苏州众合人力资源有限公司", 30),
    ("S019", "江苏恒信会计师事务所有限公司", 30),
    ("S020", "昆山润华机械设备租赁有限公司", 30),
)
# Finished goods: (family, models, motor power per model, size per model); sizes pick parts.
PUMP_MODELS: tuple[tuple[str, str, str], ...] = (
    ("ISG25-125", "0.75kW", "DN25"),
    ("ISG32-160", "1.5kW", "DN32"),
    ("ISG40-160", "2.2kW", "DN40"),
    ("ISG50-160", "3kW", "DN50"),
    ("ISG50-200", "4kW", "DN50"),
    ("ISG65-160", "4kW", "DN65"),
    ("ISG65-200", "5.5kW", "DN65"),
    ("ISG80-160", "7.5kW", "DN80"),
    ("ISG80-200", "11kW", "DN80"),
    ("ISG100-160", "11kW", "DN100"),
    ("ISG100-200", "15kW", "DN100"),
    ("ISG125-160", "15kW", "DN125"),
)
PUMP_FAMILIES = (
    ("管道离心泵", "ISG"),
    ("卧式离心泵", "ISW"),
    ("不锈钢管道泵", "ISGS"),
    ("消防泵", "XBD"),
    ("立式多级泵", "CDL"),
)
CABINETS: tuple[tuple[str, str, str], ...] = (
    ("一用一备 2.2kW", "2.2kW", "600×400"),
    ("一用一备 4kW", "4kW", "600×400"),
    ("一用一备 7.5kW", "7.5kW", "800×600"),
    ("一用一备 11kW", "11kW", "800×600"),
    ("两用一备 15kW", "15kW", "1000×800"),
)
SERVICES: tuple[tuple[str, str, str, int], ...] = (
    ("安装调试服务", "次", "0.06", 1_500),
    ("上门维修服务", "次", "0.06", 800),
    ("年度维保服务", "年", "0.06", 12_000),
    ("技术培训服务", "天", "0.06", 3_000),
    ("选型设计咨询", "项", "0.06", 5_000),
    ("泵房改造设计", "项", "0.06", 18_000),
    ("水质检测服务", "次", "0.06", 1_200),
    ("变频节能改造", "项", "0.06", 9_000),
    ("远程监控服务", "年", "0.06", 6_000),
    ("设备巡检服务", "次", "0.06", 600),
    ("应急抢修服务", "次", "0.06", 2_000),
    ("管路清洗服务", "次", "0.06", 1_800),
    ("电机维修服务", "次", "0.06", 1_000),
    ("密封更换服务", "次", "0.06", 500),
    ("控制柜调试服务", "次", "0.06", 1_200),
    ("送货运输服务", "次", "0.09", 400),
    ("吊装运输服务", "次", "0.09", 1_500),
    ("系统集成服务", "项", "0.06", 15_000),
    ("能效评估服务", "项", "0.06", 4_000),
    ("操作手册编制", "项", "0.06", 2_000),
)
RAW_TARGET, FG_TARGET = 130, 50


@dataclass(frozen=True)
class Party:
    code: str
    name: str
    tax_id: str
    bank_name: str
    bank_account: str
    group: str
    credit_days: int
    credit_limit_fen: int = 0
    south: bool = False
    weight: float = 1.0  # share of the orders
    pays_late_days: tuple[int, int] = (0, 10)  # paid this many days after the due date


@dataclass(frozen=True)
class ItemSpec:
    code: str
    name: str
    spec: str
    unit: str
    category: str  # 原材料 | 库存商品 | 服务
    kind: str  # stock | service
    tax_rate: str
    cost_fen: int  # the standard unit cost (purchase price, or the rolled-up cost)
    price_fen: int = 0  # the list price (ex VAT) of what is sold
    supplier: str = ""
    weight: float = 0.0  # share of the sales lines
    bom: tuple[tuple[str, Decimal], ...] = ()  # (component, quantity per unit)
    labour_fen: int = 0  # standard labour and overhead per unit made
    overhead_fen: int = 0


@dataclass
class Catalogue:
    customers: list[Party] = field(default_factory=list)
    suppliers: list[Party] = field(default_factory=list)
    items: dict[str, ItemSpec] = field(default_factory=dict)

    def of(self, category: str) -> list[ItemSpec]:
        return [i for i in self.items.values() if i.category == category]


def tax_id(rnd: random.Random, region: str) -> str:
    """A valid 统一社会信用代码 (91 = enterprise) in ``region``."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    while True:
        org = "".join(rnd.choice("0123456789") for _ in range(8)) + rnd.choice("0123456789X")
        body = "91" + region + org
        code = body + uscc.calc_check_digit(body)
        if uscc.is_valid(code) and all(c in alphabet for c in code):
            return code


def _bank(rnd: random.Random, city: str) -> tuple[str, str]:
    bank = rnd.choice(("中国工商银行", "中国建设银行", "中国银行", "招商银行", "交通银行", "中国农业银行"))
    return f"{bank}{city}分行", "".join(rnd.choice("0123456789") for _ in range(19))


def build(seed: int) -> Catalogue:
    rnd = random.Random(seed * 7919 + 17)
    cat = Catalogue()
    names: set[str] = set()
    for i in range(1, 51):
        while True:
            city, region, south = CITIES[(i * 7 + rnd.randrange(len(CITIES))) % len(CITIES)]
            name = f"{city}{rnd.choice(BRANDS)}{rnd.choice(TRADES)}"
            if name not in names:
                names.add(name)
                break
        tier = "A" if i <= 8 else "B" if i <= 25 else "C"
        weight = {"A": 5.0, "B": 2.0, "C": 0.7}[tier] * rnd.uniform(0.7, 1.3)
        late = rnd.random()
        bank_name, bank_account = _bank(rnd, city)
        cat.customers.append(
            Party(
                code=f"C{i:03d}",
                name=name,
                tax_id=tax_id(rnd, region),
                bank_name=bank_name,
                bank_account=bank_account,
                group={"A": "重点客户", "B": "一般客户", "C": "零星客户"}[tier],
                credit_days=rnd.choice({"A": (60, 90), "B": (30, 45, 60), "C": (30,)}[tier]),
                credit_limit_fen={"A": 300_000_000, "B": 120_000_000, "C": 40_000_000}[tier],
                south=south,
                weight=weight,
                pays_late_days=(-5, 3) if late < 0.6 else (5, 30) if late < 0.88 else (30, 75),
            )
        )
    for code, name, days in SUPPLIERS:
        bank_name, bank_account = _bank(rnd, "苏州")
        cat.suppliers.append(
            Party(
                code=code,
                name=name,
                tax_id=tax_id(rnd, rnd.choice(CITIES)[1]),
                bank_name=bank_name,
                bank_account=bank_account,
                group="原材料" if code <= "S014" else "服务",
                credit_days=days,
            )
        )
    _raw_materials(cat, rnd)
    _finished_goods(cat, rnd)
    for n, (name, unit, rate, price) in enumerate(SERVICES, start=1):
        cat.items[f"SV{n:03d}"] = ItemSpec(
            code=f"SV{n:03d}",
            name=name,
            spec="",
            unit=unit,
            category="服务",
            kind="service",
            tax_rate=rate,
            cost_fen=0,
            price_fen=price * 100,
            weight=rnd.uniform(0.2, 1.0),
        )
    return cat


def _raw_materials(cat: Catalogue, rnd: random.Random) -> None:
    n = 0
    for name, specs, unit, (lo, hi), supplier in RAW_FAMILIES:
        for i, spec in enumerate(specs):
            n += 1
            span = (hi - lo) * 100
            cost = lo * 100 + span * i // max(1, len(specs) - 1) + rnd.randint(0, max(1, span // 20))
            cat.items[f"RM{n:03d}"] = ItemSpec(
                code=f"RM{n:03d}",
                name=name,
                spec=spec,
                unit=unit,
                category="原材料",
                kind="stock",
                tax_rate="0.13",
                cost_fen=cost,
                supplier=supplier,
            )
    # Fill up to the target with second-source variants (名称 同, 规格 加 "B").
    base = list(cat.items.values())
    while n < RAW_TARGET:
        src = base[(n * 5) % len(base)]
        n += 1
        cat.items[f"RM{n:03d}"] = ItemSpec(
            code=f"RM{n:03d}",
            name=src.name,
            spec=f"{src.spec}(B)",
            unit=src.unit,
            category="原材料",
            kind="stock",
            tax_rate="0.13",
            cost_fen=src.cost_fen * rnd.randint(95, 110) // 100,
            supplier=src.supplier,
        )


def _raw(cat: Catalogue, name: str, spec: str) -> str:
    for it in cat.items.values():
        if it.category == "原材料" and it.name == name and it.spec == spec:
            return it.code
    raise KeyError(f"{name} {spec}")


def _finished_goods(cat: Catalogue, rnd: random.Random) -> None:
    n = 0
    seal = {"DN25": "16", "DN32": "16", "DN40": "20", "DN50": "25", "DN65": "30", "DN80": "35"}
    bearing = {"DN25": "6204", "DN32": "6204", "DN40": "6205", "DN50": "6206", "DN65": "6305", "DN80": "6306"}
    for f, (family, prefix) in enumerate(PUMP_FAMILIES):
        for m, (model, power, size) in enumerate(PUMP_MODELS):
            if n >= FG_TARGET - len(CABINETS):
                break
            if f >= 3 and m % 2:  # fire and multistage pumps in fewer sizes
                continue
            n += 1
            dn = int(size[2:])
            bom: list[tuple[str, Decimal]] = [
                (_raw(cat, "铸铁泵壳", size), Decimal(1)),
                (_raw(cat, "叶轮", size), Decimal(1)),
                (_raw(cat, "三相电机", power), Decimal(1)),
                (_raw(cat, "机械密封", seal.get(size, "40")), Decimal(1)),
                (_raw(cat, "深沟球轴承", bearing.get(size, "6307")), Decimal(2)),
                (_raw(cat, "法兰", size), Decimal(2)),
                (_raw(cat, "防锈漆", ("灰色", "蓝色", "灰色", "红色", "蓝色")[f]), Decimal("0.1")),
                (_raw(cat, "包装木箱", "M" if dn <= 50 else "L"), Decimal(1)),
            ]
            if prefix == "ISGS":
                bom.append((_raw(cat, "不锈钢板304", "2.0mm"), Decimal("3.5")))
            if prefix == "XBD":
                bom.append((_raw(cat, "压力表", "0-1.6MPa"), Decimal(1)))
            _add_fg(cat, rnd, n, family, f"{prefix}{model[3:]}", bom, weight=0.0)
    for name, power, box in CABINETS:
        n += 1
        bom = [
            (_raw(cat, "控制柜箱体", box), Decimal(1)),
            (_raw(cat, "PLC控制器", "S7-200" if float(power[:-2]) >= 7 else "XC3"), Decimal(1)),
            (_raw(cat, "变频器", power), Decimal(1)),
            (_raw(cat, "交流接触器", "32A"), Decimal(3)),
            (_raw(cat, "电缆RVV", "4×4"), Decimal(15)),
            (_raw(cat, "压力传感器", "1.6MPa"), Decimal(1)),
        ]
        _add_fg(cat, rnd, n, "恒压供水控制柜", name, bom, weight=0.0)
    # A few models sell most (Pareto): the weight of the k-th best seller is 1 / k^1.3.
    goods = [i for i in cat.items.values() if i.category == "库存商品"]
    ranks = list(range(1, len(goods) + 1))
    rnd.shuffle(ranks)
    for g, k in zip(goods, ranks, strict=True):
        cat.items[g.code] = replace(g, weight=1.0 / k**1.3)


def _add_fg(
    cat: Catalogue,
    rnd: random.Random,
    n: int,
    name: str,
    spec: str,
    bom: list[tuple[str, Decimal]],
    *,
    weight: float,
) -> None:
    material = sum(int(cat.items[c].cost_fen * q) for c, q in bom)
    labour = material * rnd.randint(10, 14) // 100
    overhead = material * rnd.randint(3, 5) // 100
    cost = material + labour + overhead
    price = cost * rnd.randint(140, 165) // 100 // 1000 * 1000  # rounded to 10 yuan
    cat.items[f"FG{n:03d}"] = ItemSpec(
        code=f"FG{n:03d}",
        name=name,
        spec=spec,
        unit="台",
        category="库存商品",
        kind="stock",
        tax_rate="0.13",
        cost_fen=cost,
        price_fen=price,
        weight=weight,
        bom=tuple(bom),
        labour_fen=labour,
        overhead_fen=overhead,
    )
