"""Cleaning of cells from other systems: amounts, dates, names, codes, rates, tax ids, bank
accounts; the header guess; every change visible and undoable; unreadable cells reject the row."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from yecai.core.errors import ValidationFailed
from yecai.intake import cleaning as c

TAX_ID = "91110000600037341L"


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1,234.50", "1234.50"),
        ("1 234,50", "1234.50"),
        ("1.234,50", "1234.50"),
        ("¥1,234.50", "1234.50"),
        ("￥1,234.5", "1234.5"),
        ("1234.5元", "1234.5"),
        ("12.5万元", "125000.0"),
        ("3万", "30000"),
        ("(1,234.50)", "-1234.50"),
        ("-88", "-88"),
        ("88-", "-88"),
        ("１２３４．５０", "1234.50"),
        ("12,345,678", "12345678"),
        ("1234,5", "1234.5"),
        ("RMB 100", "100"),
    ],
)
def test_amounts_in_the_ways_people_write_them(text: str, amount: str) -> None:
    assert c.parse_amount(text) == Decimal(amount)


@pytest.mark.parametrize("text", ["", "abc", "1.2.3", "12元5角", "1,23,4.5.6"])
def test_what_is_not_an_amount_is_refused(text: str) -> None:
    with pytest.raises(c.CellNotAmount):
        c.parse_amount(text)


def test_amount_canonical_text() -> None:
    assert c.format_amount(Decimal("1234.5")) == "1234.50"
    assert c.format_amount(Decimal("125000.0")) == "125000.00"
    assert c.format_amount(Decimal("0.125")) == "0.125"


@pytest.mark.parametrize(
    "text",
    ["2025-03-05", "2025/3/5", "2025.3.5", "2025年3月5日", "20250305", "2025-03-05 00:00:00", "45721"],
)
def test_dates(text: str) -> None:
    assert c.parse_date(text) == date(2025, 3, 5)


@pytest.mark.parametrize("text", ["2025-02-30", "5/3/2025", "yesterday", "123"])
def test_bad_dates(text: str) -> None:
    with pytest.raises(c.CellNotDate):
        c.parse_date(text)


def test_names_codes_rates_accounts() -> None:
    assert c.clean_name("  华为 技术 (深圳)  有限公司 ") == "华为技术（深圳）有限公司"
    assert c.clean_name("Acme   Trading  Ltd") == "Acme Trading Ltd"
    assert c.clean_name("ＡＢＣ科技") == "ABC科技"
    assert c.clean_code(" Ｃ００１ ") == "C001"
    assert c.parse_rate("13%") == Decimal("0.13")
    assert c.parse_rate("0.09") == Decimal("0.09")
    assert c.parse_rate("6") == Decimal("0.06")
    assert c.parse_rate("免税") == Decimal(0)
    with pytest.raises(c.CellNotRate):
        c.parse_rate("130%")
    assert c.parse_integer("30天") == 30
    assert c.parse_integer("45.0") == 45
    with pytest.raises(c.CellNotInteger):
        c.parse_integer("三十")
    assert c.clean_bank_account("6222 0210-0101 2345") == "622202100101" + "2345"
    with pytest.raises(c.CellNotBankAccount):
        c.clean_bank_account("622x")
    assert c.parse_direction("借") == "debit" and c.parse_direction("Cr") == "credit"


def test_header_guess_from_chinese_exports() -> None:
    header = ["客户编码", "客户名称", "纳税人识别号", "开户银行", "银行账号", "账期", "备注"]
    assert c.guess_mapping("customer", header) == {
        "客户编码": "code",
        "客户名称": "name",
        "纳税人识别号": "tax_id",
        "开户银行": "bank_name",
        "银行账号": "bank_account",
        "账期": "credit_days",
    }
    assert c.guess_mapping("opening", ["科目编码", "科目名称", "期初借方", "期初贷方", "客户"]) == {
        "科目编码": "account_code",
        "期初借方": "debit",
        "期初贷方": "credit",
        "客户": "customer",
    }


def test_mapping_is_checked() -> None:
    with pytest.raises(c.RequiredFieldUnmapped):
        c.check_mapping("customer", {"编码": "code"})
    with pytest.raises(ValidationFailed) as exc:
        c.check_mapping("customer", {"a": "code", "b": "code", "c": "colour"})
    assert {e.code for e in exc.value.errors} == {
        "etl.field_mapped_twice",
        "etl.unknown_field",
        "etl.required_unmapped",
    }


MAPPING = {"编码": "code", "名称": "name", "税号": "tax_id", "账期": "credit_days", "额度": "credit_limit"}


def test_a_row_is_cleaned_with_every_change_listed() -> None:
    cells = {
        "编码": " C001 ",
        "名称": "华东 商贸 (上海) 有限公司",
        "税号": TAX_ID.lower(),
        "账期": "30天",
        "额度": "5万元",
    }
    r = c.clean_row("customer", 2, cells, MAPPING)
    assert r.ok
    assert r.values == {
        "code": "C001",
        "name": "华东商贸（上海）有限公司",
        "tax_id": TAX_ID,
        "credit_days": "30",
        "credit_limit": "50000.00",
    }
    assert [(ch.key, ch.rule) for ch in r.changes] == [
        ("2:编码", "trim"),
        ("2:名称", "name"),
        ("2:税号", "tax_id"),
        ("2:账期", "integer"),
        ("2:额度", "amount"),
    ]


def test_undo_keeps_the_raw_text_and_a_typed_cell_must_then_read_as_it_is() -> None:
    cells = {"编码": "C001", "名称": "华东 商贸", "税号": "", "账期": "30天", "额度": ""}
    r = c.clean_row("customer", 2, cells, MAPPING, undo={"2:名称"})
    assert r.ok and r.values["name"] == "华东 商贸" and all(ch.column != "名称" for ch in r.changes)
    r = c.clean_row("customer", 2, cells, MAPPING, undo={"2:账期"})
    assert not r.ok and r.problems[0].error.code == "etl.not_canonical" and r.problems[0].column == "账期"


def test_problems_defaults_and_code_map() -> None:
    cells = {"编码": "K01", "名称": "", "税号": "91110000600037341X", "账期": "", "额度": "lots"}
    r = c.clean_row("customer", 7, cells, MAPPING, defaults={"credit_days": "45"})
    assert {(p.column, p.error.code) for p in r.problems} == {
        ("名称", "etl.required"),
        ("税号", "masterdata.invalid_tax_id"),
        ("额度", "etl.not_an_amount"),
    }
    assert all(p.row == 7 and p.error.row == 7 for p in r.problems)
    assert r.values["credit_days"] == "45" and any(ch.rule == "default" for ch in r.changes)
    r = c.clean_row(
        "opening",
        3,
        {"科目": "1122", "借方": "100", "客户": "K01"},
        {"科目": "account_code", "借方": "debit", "客户": "customer"},
        code_map={("customer", "K01"): "C001", ("account", "1122"): "1122"},
    )
    assert r.values["customer"] == "C001" and r.values["account_code"] == "1122"
    assert [(ch.before, ch.after, ch.rule) for ch in r.changes if ch.rule == "code_map"] == [
        ("K01", "C001", "code_map")
    ]
