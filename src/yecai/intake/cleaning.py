"""Cleaning of spreadsheet rows from other systems, pure: what each column means and how to read it.

An import from another system (用友, 金蝶, a home-made Excel sheet) is read in three steps:

1. **mapping**: the file's columns are mapped to yecai's fields. A saved profile per source
   gives the mapping; without one, the header is guessed from the names Chinese systems use
   (客户编码 → code, 纳税人识别号 → tax_id, 期初借方 → debit …).
2. **cleaning**: every cell is normalised the same visible way: spaces trimmed and collapsed,
   full-width letters and digits made half-width (names keep the full-width （） that registered
   Chinese names use), dates and amounts in any of the ways people write them (1,234.50 /
   1 234,50 / ¥1,234.50 / 1234.5元 / 12.5万元) made canonical, tax ids and bank accounts checked.
   Every change is a :class:`Change` the user can see and undo (by its ``row:column`` key);
   every cell that cannot be read is a :class:`Problem` that rejects its row.
3. **checks across rows** (duplicates, codes already in the books) happen in the service.

Nothing here touches a database.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from yecai.core.errors import YecaiError
from yecai.core.i18n import N_
from yecai.masterdata.domain import normalize_tax_id

# --- errors ------------------------------------------------------------------------------------


class CellNotAmount(YecaiError):
    code = "etl.not_an_amount"
    template = "Not an amount: {value!r}"


class CellNotDate(YecaiError):
    code = "etl.not_a_date"
    template = "Not a date: {value!r} (write it as 2025-03-05, 2025/3/5, 2025年3月5日 or 20250305)"


class CellNotInteger(YecaiError):
    code = "etl.not_an_integer"
    template = "Not a whole number: {value!r}"


class CellNotRate(YecaiError):
    code = "etl.not_a_rate"
    template = "Not a tax rate: {value!r} (write 13%, 0.13 or 13)"


class CellNotBankAccount(YecaiError):
    code = "etl.not_a_bank_account"
    template = "Not a bank account number: {value!r} (6 to 32 digits)"


class CellNotDirection(YecaiError):
    code = "etl.not_a_direction"
    template = "Not a balance direction: {value!r} (借 or 贷, debit or credit)"


class CellRequired(YecaiError):
    code = "etl.required"
    template = "{column} is required and empty"


class UnknownField(YecaiError):
    code = "etl.unknown_field"
    template = (
        "Column {column!r} is mapped to {target!r}, which is not a field of {kind}; the fields are {fields}"
    )


class FieldMappedTwice(YecaiError):
    code = "etl.field_mapped_twice"
    template = "Field {target} is mapped from more than one column: {columns}"


class RequiredFieldUnmapped(YecaiError):
    code = "etl.required_unmapped"
    template = "No column is mapped to the required field(s) {fields} of {kind}"


class CellNotCanonical(YecaiError):
    code = "etl.not_canonical"
    template = "{value!r} cannot be used as it is for {field_name}: the cleaning that was undone is needed"


class UnknownKind(YecaiError):
    code = "etl.unknown_kind"
    template = "Unknown import kind {kind!r}; the kinds are {kinds}"


# --- what is imported --------------------------------------------------------------------------

TEXT, NAME, CODE, AMOUNT, INTEGER, RATE, DATE, TAX_ID, BANK_ACCOUNT, DIRECTION = (
    "text",
    "name",
    "code",
    "amount",
    "integer",
    "rate",
    "date",
    "tax_id",
    "bank_account",
    "direction",
)


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    required: bool = False
    label: str = ""  # English msgid shown to users
    synonyms: tuple[str, ...] = ()  # header texts other systems use for it
    maps_to: str = ""  # a code field translated through the source's code map (customer, item …)


def _f(
    name: str, type_: str, label: str, synonyms: str, *, required: bool = False, maps_to: str = ""
) -> FieldSpec:
    return FieldSpec(name, type_, required, label, tuple(synonyms.split()), maps_to)


_PARTY_FIELDS = (
    _f("code", CODE, N_("Code"), "编码 代码 编号", required=True),
    _f("name", NAME, N_("Name"), "名称 单位名称 公司名称 全称", required=True),
    _f("tax_id", TAX_ID, N_("Tax id"), "税号 纳税人识别号 统一社会信用代码 社会信用代码 信用代码 纳税识别号"),
    _f("bank_name", NAME, N_("Bank"), "开户行 开户银行 银行 开户行名称"),
    _f("bank_account", BANK_ACCOUNT, N_("Bank account"), "银行账号 账号 开户账号 银行帐号 帐号 银行账户"),
    _f("group", TEXT, N_("Group"), "分组 分类 类别 所属分类"),
    _f("credit_days", INTEGER, N_("Credit days"), "账期 信用期 信用天数 付款期限 账期天数 信用期限 收款期限"),
    _f("credit_limit", AMOUNT, N_("Credit limit"), "信用额度 额度 授信额度"),
)
KINDS: dict[str, tuple[FieldSpec, ...]] = {
    "customer": _PARTY_FIELDS,
    "supplier": _PARTY_FIELDS,
    "item": (
        _f("code", CODE, N_("Code"), "编码 代码 编号 存货编码 物料编码 商品编码 产品编码", required=True),
        _f("name", TEXT, N_("Name"), "名称 存货名称 物料名称 商品名称 产品名称 品名", required=True),
        _f("spec", TEXT, N_("Specification"), "规格 规格型号 型号"),
        _f("unit", TEXT, N_("Unit"), "单位 计量单位 主计量单位"),
        _f("category", TEXT, N_("Category"), "类别 分类 存货分类 物料分类 商品分类"),
        _f("tax_rate", RATE, N_("Tax rate"), "税率 增值税税率 销项税率"),
        _f("kind", TEXT, N_("Kind"), "类型 属性 存货属性"),
    ),
    "account": (
        _f("code", CODE, N_("Account code"), "编码 科目编码 科目代码 代码", required=True),
        _f("name", TEXT, N_("Account name"), "名称 科目名称", required=True),
        _f("parent_code", CODE, N_("Parent account"), "上级科目 上级编码 上级科目编码 父科目", required=True),
        _f("dimensions", TEXT, N_("Dimensions"), "辅助核算 核算项目"),
    ),
    "opening": (
        _f(
            "account_code",
            CODE,
            N_("Account code"),
            "科目编码 科目代码 科目 编码",
            required=True,
            maps_to="account",
        ),
        _f("debit", AMOUNT, N_("Debit"), "借方 借方余额 期初借方 借方金额 期初借方余额"),
        _f("credit", AMOUNT, N_("Credit"), "贷方 贷方余额 期初贷方 贷方金额 期初贷方余额"),
        _f("balance", AMOUNT, N_("Balance"), "余额 期初余额 期初数 年初余额"),
        _f("direction", DIRECTION, N_("Direction"), "方向 余额方向 借贷方向"),
        _f("customer", CODE, N_("Customer"), "客户 客户编码", maps_to="customer"),
        _f("supplier", CODE, N_("Supplier"), "供应商 供应商编码", maps_to="supplier"),
        _f("department", CODE, N_("Department"), "部门 部门编码"),
        _f("project", CODE, N_("Project"), "项目 项目编码"),
        _f("employee", CODE, N_("Employee"), "职员 员工 职员编码 个人"),
    ),
}


def _order_fields(party: str, party_label: str, party_words: str, price_words: str) -> tuple[FieldSpec, ...]:
    return (
        _f("order_no", CODE, N_("Order number"), "单据号 订单号 单号 订单编号 单据编号", required=True),
        _f("date", DATE, N_("Date"), "日期 单据日期 订单日期", required=True),
        _f(f"{party}_code", CODE, party_label, party_words, required=True, maps_to=party),
        _f(
            "item_code",
            CODE,
            N_("Item"),
            "存货编码 物料编码 商品编码 产品编码 货品编码 存货 物料",
            required=True,
            maps_to="item",
        ),
        _f("quantity", AMOUNT, N_("Quantity"), "数量", required=True),
        _f("unit_price", AMOUNT, N_("Unit price"), price_words, required=True),
        _f("tax_rate", RATE, N_("Tax rate"), "税率"),
        _f("price_includes_tax", TEXT, N_("Prices include tax"), "是否含税 含税"),
        _f("warehouse_code", CODE, N_("Warehouse"), "仓库 仓库编码"),
        _f("remark", TEXT, N_("Remark"), "备注 摘要 说明"),
    )


KINDS["sales_order"] = _order_fields(
    "customer", N_("Customer"), "客户 客户编码 客户代码", "单价 含税单价 无税单价 销售单价"
)
KINDS["purchase_order"] = _order_fields(
    "supplier", N_("Supplier"), "供应商 供应商编码 供应商代码", "单价 含税单价 无税单价 采购单价"
)
KINDS["sales_receipt"] = (
    _f("date", DATE, N_("Date"), "日期 收款日期 到账日期 交易日期", required=True),
    _f(
        "customer",
        CODE,
        N_("Customer"),
        "客户 客户编码 客户代码 付款单位编码",
        required=True,
        maps_to="customer",
    ),
    _f("amount", AMOUNT, N_("Amount"), "金额 收款金额 本次收款 到账金额", required=True),
    _f("invoice_no", CODE, N_("Invoice"), "发票号 销售发票 发票单号 核销发票"),
    _f("method", TEXT, N_("Method"), "方式 收款方式 结算方式"),
)
KINDS["purchase_payment"] = (
    _f("date", DATE, N_("Date"), "日期 付款日期 交易日期", required=True),
    _f(
        "supplier",
        CODE,
        N_("Supplier"),
        "供应商 供应商编码 供应商代码 收款单位编码",
        required=True,
        maps_to="supplier",
    ),
    _f("amount", AMOUNT, N_("Amount"), "金额 付款金额 本次付款", required=True),
    _f("bill_no", CODE, N_("Vendor bill"), "采购发票 发票号 应付单号 核销单据"),
    _f("method", TEXT, N_("Method"), "方式 付款方式 结算方式"),
)
KINDS["expense_claim"] = (
    _f("claim_no", CODE, N_("Claim number"), "单据号 报销单号 单号 编号", required=True),
    _f("date", DATE, N_("Date"), "日期 报销日期 单据日期", required=True),
    _f("employee", CODE, N_("Employee"), "报销人 员工 员工编码 职员 职员编码", required=True),
    _f("department", CODE, N_("Department"), "部门 部门编码", required=True),
    _f("category", TEXT, N_("Category"), "费用类别 费用项目 类别 报销项目", required=True),
    _f("amount", AMOUNT, N_("Amount"), "金额 报销金额 含税金额", required=True),
    _f("tax", AMOUNT, N_("Tax"), "税额 进项税额 可抵扣税额"),
    _f("invoice_type", TEXT, N_("Invoice type"), "发票类型 票据类型"),
    _f("note", TEXT, N_("Note"), "备注 摘要 事由 说明"),
)
# The party and item kinds carry their own noun in front of the synonyms: 客户编码, 供应商名称 …
_KIND_PREFIXES = {"customer": ("客户",), "supplier": ("供应商", "厂商", "供货商"), "item": ("存货", "物料")}
# What the code map translates: a kind's own code (customer, supplier, item, account) and the
# fields that refer to another kind's code.
CODE_MAP_KINDS = ("customer", "supplier", "item", "account")


def fields_of(kind: str) -> tuple[FieldSpec, ...]:
    if kind not in KINDS:
        raise UnknownKind(kind=kind, kinds=", ".join(KINDS), field="kind")
    return KINDS[kind]


def _header_key(text: str) -> str:
    t = unicodedata.normalize("NFKC", text).strip().lower()
    return re.sub(r"[\s*＊:：()（）\[\]【】_\-/]", "", t)


def guess_mapping(kind: str, header: Sequence[str]) -> dict[str, str]:
    """File column → field, guessed from the header; each field at most once, first column wins."""
    specs = fields_of(kind)
    names: dict[str, str] = {}
    for spec in specs:
        keys = [spec.name, *spec.synonyms]
        for prefix in _KIND_PREFIXES.get(kind, ()):
            keys += [prefix + s for s in spec.synonyms if not s.startswith(prefix)]
        for k in keys:
            names.setdefault(_header_key(k), spec.name)
    out: dict[str, str] = {}
    taken: set[str] = set()
    for col in header:
        target = names.get(_header_key(col))
        if target and target not in taken and col.strip():
            out[col] = target
            taken.add(target)
    return out


def check_mapping(kind: str, mapping: Mapping[str, str]) -> None:
    """Refuse a mapping to unknown fields, a field mapped twice, or a required field left out."""
    specs = {s.name: s for s in fields_of(kind)}
    errors: list[YecaiError] = []
    by_target: dict[str, list[str]] = {}
    for col, target in mapping.items():
        if not target:
            continue
        if target not in specs:
            errors.append(
                UnknownField(column=col, target=target, kind=kind, fields=", ".join(specs), field=col)
            )
        by_target.setdefault(target, []).append(col)
    for target, cols in by_target.items():
        if len(cols) > 1:
            errors.append(FieldMappedTwice(target=target, columns=", ".join(cols), field=target))
    missing = [n for n, s in specs.items() if s.required and n not in by_target]
    if missing:
        errors.append(RequiredFieldUnmapped(fields=", ".join(missing), kind=kind))
    if errors:
        from yecai.core.errors import ValidationFailed

        raise ValidationFailed(errors=errors) if len(errors) > 1 else errors[0]


# --- the cleaning rules ------------------------------------------------------------------------

RULE_LABELS = {
    "trim": N_("spaces trimmed"),
    "width": N_("full-width characters made half-width"),
    "name": N_("name normalised: spaces, half-width letters, （） as registered"),
    "amount": N_("amount written the standard way"),
    "date": N_("date written as YYYY-MM-DD"),
    "integer": N_("whole number"),
    "rate": N_("tax rate as a decimal"),
    "tax_id": N_("tax id normalised"),
    "bank_account": N_("bank account digits only"),
    "direction": N_("direction as debit/credit"),
    "default": N_("empty, filled with the default"),
    "code_map": N_("code translated through the code map"),
}

_SPACES_RE = re.compile(r"[\s\u3000\u00a0]+")
_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_CJK_GAP_RE = re.compile(rf"(?<=[{_CJK}（）]) (?=[{_CJK}（）])")


def clean_text(value: str) -> str:
    """Trim, collapse runs of spaces (also full-width and no-break) to one."""
    return _SPACES_RE.sub(" ", value).strip()


def clean_name(value: str) -> str:
    """A company or person name: half-width letters and digits, full-width （）, no spaces between
    Chinese characters (华为 技术 → 华为技术), one space elsewhere (Acme  Ltd → Acme Ltd)."""
    t = unicodedata.normalize("NFKC", value)
    t = clean_text(t).replace("(", "（").replace(")", "）")
    t = re.sub(r"\s*（\s*", "（", t)
    t = re.sub(r"\s*）\s*", "）", t)
    return _CJK_GAP_RE.sub("", t)


def clean_code(value: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value))


_AMOUNT_SIGNS = ("¥", "￥", "RMB", "CNY", "人民币", "元")
_WAN_RE = re.compile(r"^(.*?)(万元|万)$")


def parse_amount(value: str) -> Decimal:
    """1,234.50 / 1 234,50 / 1.234,50 / ¥1,234.50 / 1234.5元 / 12.5万元 / (1,234.50) / -1234.5."""
    t = unicodedata.normalize("NFKC", value).strip().replace("\u00a0", " ")
    if not t:
        raise CellNotAmount(value=value)
    negative = False
    if t.startswith("(") and t.endswith(")"):
        negative, t = True, t[1:-1].strip()
    scale = Decimal(1)
    m = _WAN_RE.match(t)
    if m:
        scale, t = Decimal(10000), m.group(1).strip()
    for sign in _AMOUNT_SIGNS:
        t = t.replace(sign, "")
    t = t.strip()
    if t.startswith("-"):
        negative, t = not negative, t[1:].strip()
    elif t.endswith("-"):  # some bank and ERP exports put the minus at the end
        negative, t = not negative, t[:-1].strip()
    t = t.replace("'", "").replace(" ", "")
    if "," in t and "." in t:
        # the separator that comes last is the decimal one: 1,234.50 or 1.234,50
        t = t.replace(",", "") if t.rfind(".") > t.rfind(",") else t.replace(".", "").replace(",", ".")
    elif "," in t:
        head, _, tail = t.rpartition(",")
        # 1,234 / 12,345,678 are thousands; 1234,5 / 1 234,50 are a decimal comma
        t = (
            t.replace(",", "")
            if len(tail) == 3 and head.replace(",", "").isdigit()
            else head.replace(",", "") + "." + tail
        )
    if not re.fullmatch(r"\d+(\.\d+)?|\.\d+", t):
        raise CellNotAmount(value=value)
    try:
        amount = Decimal(t) * scale
    except InvalidOperation:
        raise CellNotAmount(value=value) from None
    return -amount if negative else amount


def format_amount(amount: Decimal) -> str:
    """Canonical text: no separators, at least two decimals (1234.50), more only if given."""
    q = amount.quantize(Decimal("0.01")) if amount == amount.quantize(Decimal("0.01")) else amount.normalize()
    return format(q, "f")


_DATE_RES = (
    re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_EXCEL_EPOCH = date(1899, 12, 30)


def parse_date(value: str) -> date:
    """2025-03-05, 2025/3/5, 2025.3.5, 2025年3月5日, 20250305, '2025-03-05 00:00:00', or an Excel
    serial day number (45721)."""
    t = unicodedata.normalize("NFKC", value).strip()
    for rx in _DATE_RES:
        m = rx.match(t)
        if m:
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                break
    else:
        if re.fullmatch(r"\d{5}(\.0+)?", t) and 20000 <= float(t) <= 80000:
            return _EXCEL_EPOCH + timedelta(days=int(float(t)))
    raise CellNotDate(value=value)


def parse_integer(value: str) -> int:
    """30, 30.0, 30天, ３０ → 30."""
    t = unicodedata.normalize("NFKC", value).strip().removesuffix("天").removesuffix("日").strip()
    m = re.fullmatch(r"(\d+)(?:\.0+)?", t)
    if not m:
        raise CellNotInteger(value=value)
    return int(m.group(1))


def parse_rate(value: str) -> Decimal:
    """13%, 0.13, 13 → 0.13; 免税 / 不征税 → 0."""
    t = unicodedata.normalize("NFKC", value).strip()
    if t in ("免税", "不征税", "零税率"):
        return Decimal(0)
    try:
        if t.endswith("%"):
            rate = Decimal(t[:-1].strip()) / 100
        else:
            rate = Decimal(t)
            if rate > 1:
                rate = rate / 100
    except InvalidOperation:
        raise CellNotRate(value=value) from None
    if not rate.is_finite() or not 0 <= rate < 1:
        raise CellNotRate(value=value)
    return rate.normalize() if rate else Decimal(0)


def clean_bank_account(value: str) -> str:
    t = re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", value))
    if not re.fullmatch(r"\d{6,32}", t):
        raise CellNotBankAccount(value=value)
    return t


_DIRECTIONS = {"借": "debit", "d": "debit", "dr": "debit", "debit": "debit", "贷": "credit", "c": "credit"}
_DIRECTIONS.update({"cr": "credit", "credit": "credit", "借方": "debit", "贷方": "credit"})


def parse_direction(value: str) -> str:
    d = _DIRECTIONS.get(unicodedata.normalize("NFKC", value).strip().lower())
    if d is None:
        raise CellNotDirection(value=value)
    return d


# --- a row ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One visible change of a cell; ``key`` (``row:column``) is what a user names to undo it."""

    row: int
    column: str
    field: str
    before: str
    after: str
    rule: str

    @property
    def key(self) -> str:
        return f"{self.row}:{self.column}"


@dataclass(frozen=True)
class Problem:
    """A cell that cannot be read or a check that fails: the row is not imported."""

    row: int
    column: str
    error: YecaiError


@dataclass
class CleanRow:
    row: int  # the file's line (header = 1)
    raw: dict[str, str]  # field → the cell as it was in the file
    values: dict[str, str] = field(default_factory=dict)  # field → cleaned text
    changes: list[Change] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _clean_cell(spec: FieldSpec, text: str) -> tuple[str, str]:
    """(cleaned text, the rule that changed it or ''); raises the cell's error."""
    if spec.type == NAME:
        out, rule = clean_name(text), "name"
    elif spec.type == CODE:
        out, rule = clean_code(text), "width"
    elif spec.type == TEXT:
        out, rule = clean_text(unicodedata.normalize("NFKC", text)), "width"
    elif spec.type == AMOUNT:
        out, rule = format_amount(parse_amount(text)), "amount"
    elif spec.type == INTEGER:
        out, rule = str(parse_integer(text)), "integer"
    elif spec.type == RATE:
        out, rule = str(parse_rate(text)), "rate"
    elif spec.type == DATE:
        out, rule = parse_date(text).isoformat(), "date"
    elif spec.type == TAX_ID:
        out, rule = normalize_tax_id(text), "tax_id"
    elif spec.type == BANK_ACCOUNT:
        out, rule = clean_bank_account(text), "bank_account"
    elif spec.type == DIRECTION:
        out, rule = parse_direction(text), "direction"
    else:  # pragma: no cover - the specs above use only these types
        raise AssertionError(spec.type)
    if out != text and out == text.strip():
        rule = "trim"
    return out, (rule if out != text else "")


def clean_row(
    kind: str,
    row: int,
    cells: Mapping[str, str],
    mapping: Mapping[str, str],
    *,
    defaults: Mapping[str, str] | None = None,
    undo: Iterable[str] = (),
    code_map: Mapping[tuple[str, str], str] | None = None,
) -> CleanRow:
    """Map and clean one file row.

    ``cells``: file column → text; ``mapping``: file column → field; ``defaults``: field →
    value for empty cells; ``undo``: ``row:column`` keys whose cleaning the user undid (the raw
    text is used as it is, and must then be valid by itself); ``code_map``: (kind, external code)
    → yecai code.
    """
    specs = {s.name: s for s in fields_of(kind)}
    undone = set(undo)
    column_of = {target: col for col, target in mapping.items() if target}
    out = CleanRow(row=row, raw={})
    for name, spec in specs.items():
        col = column_of.get(name)
        text = cells.get(col, "") if col else ""
        out.raw[name] = text
        label = col or name
        key = f"{row}:{label}"
        if not text.strip():
            default = (defaults or {}).get(name, "")
            if default and key not in undone:
                text = default
                out.changes.append(Change(row, label, name, "", default, "default"))
            elif spec.required:
                out.problems.append(Problem(row, label, CellRequired(column=label, field=label, row=row)))
                continue
            else:
                continue
        if key in undone:
            cleaned, rule = text, ""
            if spec.type not in (TEXT, NAME, CODE):  # a typed cell must still read as it is
                try:
                    if _clean_cell(spec, text)[0] != text:
                        raise CellNotCanonical(value=text, field_name=spec.name)
                except YecaiError as exc:
                    out.problems.append(Problem(row, label, exc.located(row=row, field=label)))
                    continue
        else:
            try:
                cleaned, rule = _clean_cell(spec, text)
            except YecaiError as exc:
                out.problems.append(Problem(row, label, exc.located(row=row, field=label)))
                continue
        if rule:
            out.changes.append(Change(row, label, name, text, cleaned, rule))
        target_kind = spec.maps_to or (kind if name == "code" and kind in CODE_MAP_KINDS else "")
        if code_map and target_kind and (target_kind, cleaned) in code_map:
            mapped = code_map[(target_kind, cleaned)]
            if mapped != cleaned:
                out.changes.append(Change(row, label, name, cleaned, mapped, "code_map"))
                cleaned = mapped
        out.values[name] = cleaned
    return out
