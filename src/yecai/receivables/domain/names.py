"""Company names as payers write them: normalization and a small fuzzy matcher, pure.

A bank line names the payer the way the payer's bank printed it: the full registered name, or
without 有限公司, without the province or city in front, an abbreviation (简称), the group
instead of the subsidiary, an English name. We reduce a name to its *core* (no region prefix, no
legal suffix, no parenthesised place) and its *brand* (字号: the core without trailing industry
words), and compare cores by character bigrams and unigrams. Candidates come from an inverted
index over bigrams, so looking up a name never scans every customer.
"""

from __future__ import annotations

import heapq
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

# Longest first, so 股份有限公司 is removed before 有限公司.
LEGAL_SUFFIXES = tuple(
    sorted(
        (
            "股份有限公司",
            "有限责任公司",
            "集团有限公司",
            "集团股份有限公司",
            "有限公司",
            "有限公",  # cut off by a bank's name field
            "分公司",
            "总公司",
            "集团",
            "公司",
            "商行",
            "经营部",
            "合伙企业",
            "有限合伙",
        ),
        key=len,
        reverse=True,
    )
)
PROVINCES = (
    "内蒙古自治区 广西壮族自治区 西藏自治区 宁夏回族自治区 新疆维吾尔自治区 黑龙江 内蒙古 北京 天津 上海 重庆 "
    "河北 山西 辽宁 吉林 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 海南 四川 贵州 云南 陕西 甘肃 青海 台湾 "
    "广西 西藏 宁夏 新疆 香港 澳门"
).split()
CITIES = (
    "乌鲁木齐 呼和浩特 石家庄 哈尔滨 张家港 苏州 无锡 常州 南京 南通 扬州 徐州 杭州 宁波 温州 嘉兴 绍兴 金华 台州 "
    "合肥 芜湖 厦门 福州 泉州 青岛 济南 烟台 潍坊 郑州 洛阳 武汉 长沙 广州 深圳 东莞 佛山 珠海 中山 惠州 汕头 成都 "
    "绵阳 西安 昆明 贵阳 南宁 沈阳 大连 长春 太原 南昌 兰州 银川 西宁 拉萨 海口 三亚 昆山 常熟 义乌 唐山 保定 天津"
).split()
REGIONS = tuple(sorted(set(PROVINCES) | set(CITIES), key=len, reverse=True))
REGION_SUFFIXES = ("自治区", "省", "市", "区", "县")
# Trailing industry words of a name; what remains in front is the brand (字号).
INDUSTRY_WORDS = tuple(
    sorted(
        (
            "信息技术 网络科技 电子科技 生物科技 智能科技 新能源 新材料 供应链 进出口 国际贸易 科技 技术 贸易 商贸 实业 "
            "电子 电器 机械 设备 机电 建材 建设 工程 医药 食品 物流 化工 服装 家具 纺织 汽车 汽配 能源 材料 环保 包装 "
            "印刷 电气 软件 信息 网络 传媒 文化 咨询 管理 投资 控股 发展 工业 制造 精密 光电 通信 电力 五金 塑胶 橡胶 "
            "钢铁 金属 农业 餐饮 酒店 医疗 器械 国际 商务 服务 股份 集团"
        ).split(),
        key=len,
        reverse=True,
    )
)
ENGLISH_LEGAL = frozenset(
    "co co. company corp corporation inc incorporated ltd limited llc plc gmbh ag sa bv nv pte pty kg "
    "srl spa oy ab as the and".split()
)


def _by_end(words: Iterable[str], end: int) -> dict[str, tuple[str, ...]]:
    """``words`` grouped by their first (end 0) or last (end -1) character, in their order: a
    name can only start or end with the words of its own first or last character."""
    out: dict[str, list[str]] = {}
    for w in words:
        out.setdefault(w[end], []).append(w)
    return {k: tuple(v) for k, v in out.items()}


_REGIONS_BY_FIRST = _by_end(REGIONS, 0)
_SUFFIXES_BY_LAST = _by_end(LEGAL_SUFFIXES, -1)
_INDUSTRY_BY_LAST = _by_end(INDUSTRY_WORDS, -1)
_PAREN = re.compile(r"[(（\[【][^)）\]】]*[)）\]】]")
_NON_WORD = re.compile(r"[^0-9a-z\u3400-\u9fff]+")
_LATIN = re.compile(r"[a-z]")


def clean(text: str) -> str:
    """NFKC (full-width → half-width), lower case, nothing but letters, digits and CJK."""
    return _NON_WORD.sub("", unicodedata.normalize("NFKC", text).lower())


def name_key(text: str) -> str:
    """The key a payer name is remembered under: cleaned, brackets kept as written inside."""
    return clean(text)


def _strip_regions(s: str) -> str:
    changed = True
    while changed and len(s) > 2:
        changed = False
        for region in _REGIONS_BY_FIRST.get(s[0], ()):
            if s.startswith(region) and len(s) > len(region) + 1:
                s = s[len(region) :]
                for suffix in REGION_SUFFIXES:
                    if s.startswith(suffix) and len(s) > len(suffix) + 1:
                        s = s[len(suffix) :]
                        break
                changed = True
                break
    return s


def _strip_suffixes(s: str) -> str:
    changed = True
    while changed and s:
        changed = False
        for suffix in _SUFFIXES_BY_LAST.get(s[-1], ()):
            if s.endswith(suffix) and len(s) > len(suffix) + 1:
                s = s[: -len(suffix)]
                changed = True
                break
    return s


@lru_cache(maxsize=200_000)
def core_name(text: str) -> str:
    """上海华东商贸有限公司 → 华东商贸; 华东(上海)贸易有限公司 → 华东贸易; ACME Trading Co., Ltd. → acmetrading."""
    s = unicodedata.normalize("NFKC", text).lower()
    if _LATIN.search(s) and not re.search(r"[\u3400-\u9fff]", s):
        words = [w for w in re.split(r"[^0-9a-z]+", s) if w and w not in ENGLISH_LEGAL]
        return "".join(words)
    s = clean(_PAREN.sub("", s))
    s = _strip_suffixes(s)
    s = _strip_regions(s)
    s = _strip_suffixes(s)
    return s


@lru_cache(maxsize=200_000)
def brand(core: str) -> str:
    """华东商贸 → 华东; 远航电子科技 → 远航 (industry words removed from the end)."""
    s = core
    changed = True
    while changed and s:
        changed = False
        for word in _INDUSTRY_BY_LAST.get(s[-1], ()):
            if s.endswith(word) and len(s) > len(word) + 1:
                s = s[: -len(word)]
                changed = True
                break
    return s


@lru_cache(maxsize=300_000)
def _grams(s: str) -> frozenset[str]:
    return frozenset(s[i : i + 2] for i in range(len(s) - 1)) if len(s) > 1 else frozenset((s,))


def _dice(a: frozenset[str], b: frozenset[str]) -> float:
    total = len(a) + len(b)
    return 2 * len(a & b) / total if total else 0.0


def similarity(a: str, b: str) -> float:
    """Similarity of two *core* names in 0..1: bigram and character Dice, with credit for an
    abbreviation contained in the other name or sharing its brand (字号)."""
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    score = (_dice(_grams(a), _grams(b)) + _dice(frozenset(a), frozenset(b))) / 2
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) >= 2 and short in long_:
        # 华东商贸 in 华东商贸物流: an abbreviation; the more of the long name it covers, the surer.
        score = max(score, 0.8 + 0.15 * len(short) / len(long_))
    ba, bb = brand(a), brand(b)
    if len(ba) >= 2 and ba == bb:
        score = max(score, 0.82)
    return min(score, 1.0)


@dataclass(frozen=True, slots=True)
class NameHit:
    key: str  # customer code
    score: float


class NameIndex:
    """Customer names indexed by the bigrams of their core names and by their brands."""

    DF_MAX = 400  # a bigram shared by more customers than this (科技, 贸易) does not select candidates
    CANDIDATES_MAX = 8

    def __init__(self, names: Iterable[tuple[str, str]]) -> None:
        self._core: dict[str, str] = {}
        self._full: dict[str, str] = {}
        self._by_full: dict[str, list[str]] = {}
        self._by_core: dict[str, list[str]] = {}
        self._size: dict[str, int] = {}
        self._postings: dict[str, list[str]] = {}
        for key, name in names:
            if key in self._core:
                continue
            core = core_name(name)
            self._core[key] = core
            self._full[key] = clean(_PAREN.sub("", unicodedata.normalize("NFKC", name).lower()))
            self._by_full.setdefault(self._full[key], []).append(key)
            self._by_core.setdefault(core, []).append(key)
            grams = _grams(core)
            self._size[key] = len(grams)
            for g in grams:
                self._postings.setdefault(g, []).append(key)
            self._postings.setdefault("b:" + brand(core), []).append(key)
        self._cache: dict[str, tuple[NameHit, ...]] = {}

    def core_of(self, key: str) -> str:
        return self._core.get(key, "")

    def lookup(self, payer_name: str, *, min_score: float = 0.55, limit: int = 5) -> tuple[NameHit, ...]:
        """Best customers for a payer name, best first (cached: payers repeat)."""
        cached = self._cache.get(payer_name)
        if cached is not None:
            return cached
        core = core_name(payer_name) if payer_name.strip() else ""
        full = clean(_PAREN.sub("", unicodedata.normalize("NFKC", payer_name).lower()))
        hits: tuple[NameHit, ...] = ()
        exact = self._by_full.get(full, []) if full else []
        if core and (exact or core in self._by_core):
            # The registered name, or its core: no need to score the whole neighbourhood.
            same_core = [k for k in self._by_core.get(core, ()) if k not in exact]
            hits = tuple(
                [NameHit(k, 1.0) for k in sorted(exact)] + [NameHit(k, 0.97) for k in sorted(same_core)]
            )[:limit]
        elif core:
            grams = _grams(core)
            shared: Counter[str] = Counter()
            for g in grams:
                posting = self._postings.get(g)
                if posting and (len(posting) <= self.DF_MAX or len(grams) <= 2):
                    shared.update(posting)
            for key in self._postings.get("b:" + brand(core), ()):
                shared[key] += 0  # same brand: a candidate even without a shared bigram
            n = len(grams)
            size = self._size
            # (score, key) pairs built in a comprehension: no Python call per candidate.
            ranked = [(-2 * c / (n + size[k]), k) for k, c in shared.items()]
            rough = [k for _score, k in heapq.nsmallest(self.CANDIDATES_MAX, ranked)]
            scored = [
                # The same core in two registered names (上海华东商贸 and 北京华东商贸): only the
                # full name decides between them.
                NameHit(
                    k, 1.0 if full == self._full[k] else round(min(similarity(core, self._core[k]), 0.97), 3)
                )
                for k in rough[: self.CANDIDATES_MAX]
            ]
            scored.sort(key=lambda h: (-h.score, h.key))
            hits = tuple(h for h in scored[:limit] if h.score >= min_score)
        if len(self._cache) < 500_000:
            self._cache[payer_name] = hits
        return hits
