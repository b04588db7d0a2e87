"""The built-in 企业会计准则 chart and the 2019 statement layouts, evaluated without a database."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yecai.ledger.templates import (
    BALANCE_SHEET_CATEGORIES,
    INCOME_STATEMENT_EXCLUDED_PREFIXES,
    NET_PROFIT_KEY,
    TOTAL_ASSETS_KEY,
    TOTAL_LIABILITIES_AND_EQUITY_KEY,
    UNDISTRIBUTED_PROFIT_KEY,
    AccountTemplateRow,
    StatementLine,
    Term,
    accounts_mapping,
    evaluate_balance_sheet,
    evaluate_income_statement,
    load_account_template,
    load_statement,
    parse_formula,
    validate_statement,
)

TEMPLATE = load_account_template()
BY_CODE = {row.code: row for row in TEMPLATE}
ACCOUNTS = accounts_mapping(TEMPLATE)
BALANCE_SHEET = load_statement("balance_sheet")
INCOME_STATEMENT = load_statement("income_statement")

# Accounts a company adds itself: a second bank account under 1002, a per-customer child
# that turns the template leaf 1122 into a parent, and a new expense detail under 6601.
COMPANY_ACCOUNTS = {
    **ACCOUNTS,
    "100202": ("debit", "asset"),
    "112201": ("debit", "asset"),
    "660108": ("debit", "profit_loss"),
}
COMPANY_LEAVES = sorted(
    code
    for code in COMPANY_ACCOUNTS
    if not any(other.startswith(code) and other != code for other in COMPANY_ACCOUNTS)
)

REQUIRED_ACCOUNTS = {
    "1001": "库存现金",
    "1002": "银行存款",
    "100201": "基本存款账户",
    "1012": "其他货币资金",
    "1101": "交易性金融资产",
    "1121": "应收票据",
    "1122": "应收账款",
    "1123": "预付账款",
    "1131": "应收股利",
    "1132": "应收利息",
    "1221": "其他应收款",
    "1231": "坏账准备",
    "1401": "材料采购",
    "1402": "在途物资",
    "1403": "原材料",
    "1404": "材料成本差异",
    "1405": "库存商品",
    "1406": "发出商品",
    "1408": "委托加工物资",
    "1411": "周转材料",
    "1471": "存货跌价准备",
    "1601": "固定资产",
    "1602": "累计折旧",
    "1603": "固定资产减值准备",
    "1604": "在建工程",
    "1605": "工程物资",
    "1606": "固定资产清理",
    "1701": "无形资产",
    "1702": "累计摊销",
    "1703": "无形资产减值准备",
    "1711": "商誉",
    "1801": "长期待摊费用",
    "1811": "递延所得税资产",
    "1901": "待处理财产损溢",
    "2001": "短期借款",
    "2101": "交易性金融负债",
    "2201": "应付票据",
    "2202": "应付账款",
    "2203": "预收账款",
    "2204": "合同负债",
    "2211": "应付职工薪酬",
    "221101": "工资",
    "221102": "职工福利",
    "221103": "社会保险费",
    "221104": "住房公积金",
    "2221": "应交税费",
    "222101": "应交增值税",
    "22210101": "进项税额",
    "22210102": "销项税额",
    "22210103": "已交税金",
    "22210104": "转出未交增值税",
    "22210105": "进项税额转出",
    "222102": "未交增值税",
    "222103": "应交企业所得税",
    "222104": "应交个人所得税",
    "222105": "应交城市维护建设税",
    "222106": "应交教育费附加",
    "2231": "应付利息",
    "2232": "应付股利",
    "2241": "其他应付款",
    "2501": "长期借款",
    "2502": "应付债券",
    "2701": "长期应付款",
    "2801": "预计负债",
    "2901": "递延所得税负债",
    "3101": "衍生工具",
    "3201": "套期工具",
    "3202": "被套期项目",
    "4001": "实收资本",
    "4002": "资本公积",
    "4101": "盈余公积",
    "410101": "法定盈余公积",
    "4103": "本年利润",
    "4104": "利润分配",
    "410401": "提取法定盈余公积",
    "410415": "应付现金股利",
    "410499": "未分配利润",
    "4201": "库存股",
    "5001": "生产成本",
    "500101": "直接材料",
    "500102": "直接人工",
    "500103": "制造费用",
    "5101": "制造费用",
    "5201": "劳务成本",
    "5301": "研发支出",
    "6001": "主营业务收入",
    "6051": "其他业务收入",
    "6101": "公允价值变动损益",
    "6111": "投资收益",
    "6115": "资产处置损益",
    "6117": "其他收益",
    "6301": "营业外收入",
    "6401": "主营业务成本",
    "6402": "其他业务成本",
    "6403": "税金及附加",
    "6601": "销售费用",
    "660101": "职工薪酬",
    "660102": "广告宣传费",
    "660103": "运输费",
    "660104": "差旅费",
    "660105": "折旧费",
    "6602": "管理费用",
    "660201": "职工薪酬",
    "660202": "办公费",
    "660203": "差旅费",
    "660204": "业务招待费",
    "660205": "折旧费",
    "660206": "研发费用",
    "6603": "财务费用",
    "660301": "利息费用",
    "660302": "利息收入",
    "660303": "汇兑损益",
    "660304": "手续费",
    "6701": "资产减值损失",
    "6702": "信用减值损失",
    "6711": "营业外支出",
    "6801": "所得税费用",
    "6901": "以前年度损益调整",
}

REQUIRED_LEAVES = (
    "1001 1012 1122 1123 1221 1403 1405 1601 1602 2202 2203 2241 4001 4103 6001 6051 6401 6402 6403 6711 6301 6801"
).split()


def _summed_lines(lines: list[StatementLine], roots: tuple[str, ...]) -> set[str]:
    """Keys of the lines that flow into the given totals (其中 rows do not)."""
    by_key = {line.key: line for line in lines}
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        key = stack.pop()
        if key in seen:
            continue
        seen.add(key)
        stack.extend(t.ref for t in parse_formula(by_key[key].formula).terms if t.kind == "line")
    return seen


def _post(postings: list[tuple[str, str, int]]) -> dict[str, tuple[int, int]]:
    """Balanced vouchers (debit leaf, credit leaf, amount; negative = 红字) -> totals per leaf."""
    totals: dict[str, tuple[int, int]] = {}
    for debit_code, credit_code, amount in postings:
        d, c = totals.get(debit_code, (0, 0))
        totals[debit_code] = (d + amount, c)
        d, c = totals.get(credit_code, (0, 0))
        totals[credit_code] = (d, c + amount)
    return totals


# --- the chart --------------------------------------------------------------------------


def test_template_loads_with_levels_parents_and_leaves() -> None:
    assert len(TEMPLATE) == len(BY_CODE) > 100
    for row in TEMPLATE:
        assert row.level == {4: 1, 6: 2, 8: 3}[len(row.code)]
        if row.level == 1:
            assert row.parent_code is None
        else:
            assert row.parent_code == row.code[:-2]
            parent = BY_CODE[row.parent_code]
            assert not parent.is_leaf
            assert (parent.category, parent.direction) == (row.category, row.direction)
        has_children = any(other.parent_code == row.code for other in TEMPLATE)
        assert row.is_leaf is not has_children
        # The first digit of a CAS code is its category.
        assert (
            row.category
            == {
                "1": "asset",
                "2": "liability",
                "3": "common",
                "4": "equity",
                "5": "cost",
                "6": "profit_loss",
            }[row.code[0]]
        )


@pytest.mark.parametrize(("code", "name"), sorted(REQUIRED_ACCOUNTS.items()))
def test_required_account_exists_with_its_name(code: str, name: str) -> None:
    assert BY_CODE[code].name == name
    assert BY_CODE[code].name_en


@pytest.mark.parametrize("code", REQUIRED_LEAVES)
def test_required_leaf_has_no_sub_accounts(code: str) -> None:
    assert BY_CODE[code].is_leaf


def test_bank_deposits_is_a_parent_with_the_basic_account_under_it() -> None:
    assert not BY_CODE["1002"].is_leaf
    assert BY_CODE["100201"].is_leaf


def test_normal_balance_sides() -> None:
    credit = {
        "1231",
        "1471",
        "1602",
        "1603",
        "1702",
        "1703",
        "2202",
        "2221",
        "4001",
        "4103",
        "4104",
        "6001",
        "6301",
    }
    debit = {"1001", "1122", "1601", "2702", "4201", "5001", "6401", "6602", "6603", "6711", "6801"}
    assert {code for code in credit if BY_CODE[code].direction != "credit"} == set()
    assert {code for code in debit if BY_CODE[code].direction != "debit"} == set()


def test_required_dimensions_and_nothing_else() -> None:
    expected: dict[str, tuple[str, ...]] = {
        "1122": ("customer",),
        "2203": ("customer",),
        "1123": ("supplier",),
        "2202": ("supplier",),
        "1221": ("employee",),
    }
    for row in TEMPLATE:
        if row.code.startswith(("6601", "6602")):
            want: tuple[str, ...] = ("department",)
        elif row.code.startswith("5001"):
            want = ("project",)
        else:
            want = expected.get(row.code, ())
        assert row.dimensions == want, row.code


def test_foreign_currency_accounts() -> None:
    assert {row.code for row in TEMPLATE if row.allow_fx} == {
        "1002",
        "100201",
        "1122",
        "1123",
        "2202",
        "2203",
    }


# --- statement coverage -------------------------------------------------------------------


def test_every_balance_sheet_account_is_covered_by_exactly_one_term() -> None:
    summed = _summed_lines(BALANCE_SHEET, (TOTAL_ASSETS_KEY, TOTAL_LIABILITIES_AND_EQUITY_KEY))
    terms = [
        term
        for line in BALANCE_SHEET
        if line.key in summed
        for term in parse_formula(line.formula).terms
        if term.kind == "account"
    ]
    for row in TEMPLATE:
        covering = [t.ref for t in terms if row.code.startswith(t.ref)]
        if row.category in BALANCE_SHEET_CATEGORIES:
            assert len(covering) == 1, (row.code, covering)
        else:
            assert covering == [], (row.code, covering)
    pl_terms = [t for line in BALANCE_SHEET for t in parse_formula(line.formula).terms if t.kind == "pl"]
    assert pl_terms == [Term(sign=1, kind="pl", ref="PL")]
    undistributed = next(line for line in BALANCE_SHEET if line.key == UNDISTRIBUTED_PROFIT_KEY)
    assert undistributed.formula == "+4103+4104+PL"


def test_statement_layout_keys_and_order() -> None:
    for lines in (BALANCE_SHEET, INCOME_STATEMENT):
        assert [line.line_no for line in lines] == list(range(1, len(lines) + 1))
    bs = {line.key: line for line in BALANCE_SHEET}
    assert bs[TOTAL_ASSETS_KEY].side == "asset"
    assert bs[TOTAL_LIABILITIES_AND_EQUITY_KEY].side == "liability_equity"
    assert bs["current_assets"].formula == ""  # caption row
    keys = [line.key for line in INCOME_STATEMENT]
    assert keys.index("operating_profit") < keys.index("total_profit") < keys.index(NET_PROFIT_KEY)


def test_validate_accepts_the_company_chart_with_its_own_children() -> None:
    validate_statement(BALANCE_SHEET, COMPANY_ACCOUNTS)
    validate_statement(INCOME_STATEMENT, COMPANY_ACCOUNTS)


# --- evaluation: worked example -------------------------------------------------------------


def test_a_small_month_of_books() -> None:
    postings = [
        ("100201", "4001", 1_000_000_00),  # capital paid in
        ("1601", "100201", 120_000_00),  # buy equipment
        ("660205", "1602", 2_000_00),  # a month's depreciation, admin
        ("1405", "2202", 50_000_00),  # goods received
        ("22210101", "2202", 6_500_00),  # input VAT 13 %
        ("1122", "6001", 80_000_00),  # sale
        ("1122", "22210102", 10_400_00),  # output VAT 13 %
        ("6401", "1405", 30_000_00),  # cost of sales
        ("6702", "1231", 900_00),  # expected credit loss
        ("660206", "221101", 5_000_00),  # R&D staff
        ("100201", "660302", 120_00),  # interest received
        ("660301", "2231", 300_00),  # interest accrued
        ("4201", "100201", 10_000_00),  # shares bought back
        ("6901", "2241", 700_00),  # prior-year correction
    ]
    balances = _post(postings)
    bs = evaluate_balance_sheet(BALANCE_SHEET, balances, ACCOUNTS)
    assert bs["monetary_funds"] == 1_000_000_00 - 120_000_00 + 120_00 - 10_000_00
    assert bs["fixed_assets"] == 118_000_00  # cost less accumulated depreciation
    assert bs["accounts_receivable"] == 90_400_00 - 900_00  # less the bad-debt provision
    assert bs["inventories"] == 20_000_00
    assert bs["taxes_payable"] == 10_400_00 - 6_500_00
    assert bs["other_payables"] == 300_00 + 700_00  # 应付利息 is shown in 其他应付款
    assert bs["treasury_shares"] == 10_000_00  # printed positive after 减：
    profit = 80_000_00 - 30_000_00 - 2_000_00 - 900_00 - 5_000_00 + 120_00 - 300_00 - 700_00
    assert bs[UNDISTRIBUTED_PROFIT_KEY] == profit
    assert bs["total_equity"] == 1_000_000_00 - 10_000_00 + profit
    assert bs[TOTAL_ASSETS_KEY] == bs[TOTAL_LIABILITIES_AND_EQUITY_KEY]
    assert "current_assets" not in bs  # captions carry no amount

    pl = evaluate_income_statement(INCOME_STATEMENT, balances, ACCOUNTS)
    assert pl["operating_revenue"] == 80_000_00
    assert pl["operating_costs"] == 30_000_00
    assert pl["administrative_expenses"] == 2_000_00  # R&D is taken out ...
    assert pl["research_and_development_expenses"] == 5_000_00  # ... and shown on its own row
    assert pl["finance_expenses"] == 300_00 - 120_00
    assert (pl["interest_expenses"], pl["interest_income"]) == (300_00, 120_00)
    assert pl["credit_impairment_losses"] == -900_00  # 损失以“－”号填列
    assert pl["operating_profit"] == 80_000_00 - 30_000_00 - 2_000_00 - 5_000_00 - 180_00 - 900_00
    # 以前年度损益调整 goes to retained earnings, not to this period's profit.
    assert pl[NET_PROFIT_KEY] == profit + 700_00


def test_closing_the_month_does_not_change_the_balance_sheet() -> None:
    before = _post([("100201", "4001", 500_00), ("1122", "6001", 300_00), ("6401", "1405", 100_00)])
    closing = [("6001", "4103", 300_00), ("4103", "6401", 100_00)]
    after = _post([("100201", "4001", 500_00), ("1122", "6001", 300_00), ("6401", "1405", 100_00), *closing])
    assert evaluate_balance_sheet(BALANCE_SHEET, before, ACCOUNTS) == evaluate_balance_sheet(
        BALANCE_SHEET, after, ACCOUNTS
    )


# --- evaluation: property -------------------------------------------------------------------

postings_strategy = st.lists(
    st.tuples(
        st.sampled_from(COMPANY_LEAVES),
        st.sampled_from(COMPANY_LEAVES),
        st.integers(min_value=-(10**14), max_value=10**14),
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(postings_strategy)
def test_sheet_balances_and_net_profit_is_the_profit_and_loss_activity(
    postings: list[tuple[str, str, int]],
) -> None:
    amounts = _post(postings)
    bs = evaluate_balance_sheet(BALANCE_SHEET, amounts, COMPANY_ACCOUNTS)
    assert bs[TOTAL_ASSETS_KEY] == bs[TOTAL_LIABILITIES_AND_EQUITY_KEY]

    pl = evaluate_income_statement(INCOME_STATEMENT, amounts, COMPANY_ACCOUNTS)
    expected = sum(
        credit - debit
        for code, (debit, credit) in amounts.items()
        if COMPANY_ACCOUNTS[code][1] == "profit_loss"
        and not code.startswith(INCOME_STATEMENT_EXCLUDED_PREFIXES)
    )
    assert pl[NET_PROFIT_KEY] == expected


# --- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("formula", "token"),
    [
        ("+1001+10x2", "'10x2'"),
        ("+1001+100", "'100'"),
        ("+1001+1002-", "'-'"),
        ("++1001", "'+'"),
        ("+1001+pl", "'pl'"),
        ("L:total_assets+Total", "'Total'"),
        ("L:total_assets+1001", "'1001'"),
        ("+1001+L:x", "'L:x'"),
    ],
)
def test_formula_errors_name_the_token(formula: str, token: str) -> None:
    with pytest.raises(ValueError, match="formula") as raised:
        parse_formula(formula)
    assert token in str(raised.value)


def test_formula_forms() -> None:
    assert parse_formula("").is_header
    assert parse_formula("0").terms == () and not parse_formula("0").is_header
    assert parse_formula("1001-1602").terms == (
        Term(sign=1, kind="account", ref="1001"),
        Term(sign=-1, kind="account", ref="1602"),
    )
    assert parse_formula("L:a-b").terms == (Term(1, "line", "a"), Term(-1, "line", "b"))


def _replace(lines: list[StatementLine], key: str, formula: str) -> list[StatementLine]:
    return [dataclasses.replace(line, formula=formula) if line.key == key else line for line in lines]


@pytest.mark.parametrize(
    ("key", "formula", "message"),
    [
        ("monetary_funds", "+1001+1002+1012+1099", "unknown account '1099'"),
        ("total_current_assets", "L:monetary_funds+nowhere", "unknown line key 'nowhere'"),
        (
            "monetary_funds",
            "L:total_assets",
            "cycle in line references: monetary_funds -> total_assets -> total_current_assets -> monetary_funds",
        ),
        ("monetary_funds", "+1001+1002", "account 1012 "),  # 其他货币资金 no longer covered
        ("monetary_funds", "+1001+1002+1012+1403", "account 1403 "),  # 原材料 counted twice
        ("fixed_assets", "+1601+1602-1603+1606", "account 1602 "),  # contra account added
        ("total_current_assets", "L:current_assets", "caption row"),
        ("total_assets", "L:total_current_assets+total_non_current_assets+total_liabilities", "other side"),
    ],
)
def test_validate_refuses_a_broken_balance_sheet(key: str, formula: str, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        validate_statement(_replace(BALANCE_SHEET, key, formula), ACCOUNTS)
    assert message in str(raised.value)


def test_validate_refuses_a_broken_income_statement() -> None:
    with pytest.raises(ValueError, match="PL is allowed on the balance sheet only"):
        validate_statement(_replace(INCOME_STATEMENT, "other_income", "+6117+PL"), ACCOUNTS)
    with pytest.raises(ValueError, match="account 6117 "):
        validate_statement(_replace(INCOME_STATEMENT, "other_income", "0"), ACCOUNTS)
    with pytest.raises(ValueError, match="account 660206 "):
        validate_statement(_replace(INCOME_STATEMENT, "administrative_expenses", "+6602"), ACCOUNTS)


def test_evaluation_refuses_a_balance_the_sheet_cannot_place() -> None:
    accounts = {**ACCOUNTS, "1102": ("debit", "asset")}  # a first-level account no line maps
    balances = _post([("1102", "4001", 100)])
    with pytest.raises(ValueError, match="1102"):
        evaluate_balance_sheet(BALANCE_SHEET, balances, accounts)


@pytest.mark.parametrize(
    ("balances", "message"),
    [
        ({"1002": (100, 0), "100201": (100, 0)}, "both 1002 and its descendant 100201"),
        ({"1001": (Decimal(1), 0)}, "expected (debit_minor, credit_minor) as ints"),
        ({"1001": (1.0, 0)}, "expected (debit_minor, credit_minor) as ints"),
        ({"9999": (1, 0)}, "unknown account '9999'"),
    ],
)
def test_evaluation_refuses_bad_amounts(balances: dict[str, tuple[int, int]], message: str) -> None:
    with pytest.raises(ValueError) as raised:
        evaluate_balance_sheet(BALANCE_SHEET, balances, ACCOUNTS)
    assert message in str(raised.value)


def test_template_rows_are_frozen() -> None:
    row: AccountTemplateRow = BY_CODE["1001"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.name = "现金"  # type: ignore[misc]
